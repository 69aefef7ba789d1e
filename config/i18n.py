"""The words people read, in zh-CN (the default) and English: gettext catalogues, read with
Babel.

Messages are written in English where they are used (`N_("Zero flow")` marks one in a table
without translating it there); `locale/zh_CN/LC_MESSAGES/wastewatch.po` holds the Chinese.
English needs no catalogue. To add a message or a language, see the README ("Adding a
language"); a test fails when a marked message has no translation in a catalogue.

Percentages are formatted here too, with Babel's patterns, so a rate reads the same in a
report, an email and a page.
"""

import gettext as _gettext
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_percent
from babel.support import Translations

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "wastewatch"
# What `service.locale` accepts; the first is the default.
LOCALES = ("zh-CN", "en")


def N_(message: str) -> str:
    """Marks a message for the catalogue where it is defined; translated where it is shown."""
    return message


def NP_(context: str, message: str) -> str:
    """N_ with a context: one English word that is two Chinese ones (the pages' words)."""
    return message


def _babel(locale: str) -> str:
    return locale.replace("-", "_")


@lru_cache(maxsize=None)
def translations(locale: str) -> _gettext.NullTranslations:
    """The catalogue of `locale` (compiled from its .po when first asked for: no build step,
    and the .po under version control is the only copy)."""
    if locale == "en":
        return _gettext.NullTranslations()
    po = LOCALE_DIR / _babel(locale) / "LC_MESSAGES" / f"{DOMAIN}.po"
    with po.open("rb") as source:
        catalog = read_po(source, locale=_babel(locale), domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def gettext(locale: str, message: str) -> str:
    return translations(locale).gettext(message)


def pgettext(locale: str, context: str, message: str) -> str:
    return translations(locale).pgettext(context, message)


def percent(value: float | None, locale: str, decimals: int = 2) -> str:
    """A rate (0.9753) as people read it: "97.53 %"; "" for none."""
    if value is None:
        return ""
    # A no-break space: a line never parts a figure from its sign.
    return format_percent(value, "#,##0." + "0" * decimals + " %", locale=_babel(locale)).replace(
        " ", "\u00a0"
    )
