"""The sites' plates printed: A6 pages, one plate each, to laminate and fix at the plant.

Each holds the site's name, town and village, its id and the plate's number, and a QR code of
the plate's text (plate_text()). The QR code is drawn as SVG by segno at error-correction level
M (15 % of it may be dirty or scratched and it still reads) and printed by WeasyPrint.
"""

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from wastewatch.config import i18n

from .plates import Plate

TEMPLATES = Path(__file__).resolve().parent / "templates"
_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
    extensions=["jinja2.ext.i18n"],
)


def plate_text(config, plate: Plate) -> str:
    """What a plate's QR code holds: the address of its page on the console where the service
    has one (a phone's own camera then opens it), else the bare code."""
    base = config.web.base_url
    return f"{base.rstrip('/')}/p/{plate.code}" if base else plate.code


def qr_svg(text: str) -> str:
    import segno

    # No width or height of its own: the page's CSS sizes it to 70 mm.
    return segno.make(text, error="m", micro=False).svg_inline(border=4, omitsize=True, dark="#000")


def html(config, plates: list[Plate], locale: str) -> str:
    translations = i18n.translations(locale)
    pages = []
    for plate in plates:
        site = config.site_by_id[plate.site_id]
        where = (
            "，".join(x for x in (site.town, site.village) if x)
            if locale == "zh-CN"
            else ", ".join(x for x in (site.town, site.village) if x)
        )
        pages.append(
            {
                "name": site.name,
                "where": where,
                "site_id": site.id,
                "serial_text": translations.gettext("plate no. {serial}").format(serial=plate.serial),
                "qr": Markup(qr_svg(plate_text(config, plate))),
            }
        )
    return _env.get_template("plates.html").render(
        _=translations.gettext,
        gettext=translations.gettext,
        ngettext=translations.ngettext,
        locale=locale,
        issuer=config.bureau.name,
        plates=pages,
    )


def printed(config, plates: list[Plate], locale: str) -> bytes:
    """The plates printed to a PDF document."""
    from weasyprint import HTML

    return HTML(string=html(config, plates, locale), base_url=str(TEMPLATES)).write_pdf()


def pdf(config, plates: list[Plate], path: Path, locale: str) -> Path:
    """The plates printed to `path` (written whole, then moved into place)."""
    partial = Path(path).with_suffix(".part")
    partial.write_bytes(printed(config, plates, locale))
    partial.replace(path)
    return Path(path)
