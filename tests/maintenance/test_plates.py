"""`wastewatch sites plates`: each site's QR plate printed A6, read back from the printed page as
a phone's camera would read it; a reissued plate retires the one before."""

from pathlib import Path

import pypdfium2
import zxingcpp

from tests.browser import artefacts
from tests.support import wastewatch
from wastewatch.config import load_config
from wastewatch.maintenance.visits import plates
from wastewatch.store.state import connect

SECOND_SITE = """
[[sites]]
id = "sanhe"
name = "始阳镇三合村污水处理站"
town = "始阳镇"
village = "三合村"
capacity_m3d = 20.0
receiving_water = "III"
contractor = "qingyuan"
operators = ["operator@tqhb.example.cn"]
metrics = { flow = 300 }
"""
WEB = 'base_url = "https://tqhb.example.cn/ww"\n'


def _read(pdf: Path, folder: Path) -> list[tuple[str, str]]:
    """Each page rendered at 300 dpi and its QR code decoded: (the page's words, the code's text)."""
    read = []
    document = pypdfium2.PdfDocument(str(pdf))
    for n, page in enumerate(document):
        words = page.get_textpage().get_text_range()
        image = page.render(scale=300 / 72).to_pil()
        image.save(folder / f"plate-{n + 1}.png")
        [found] = zxingcpp.read_barcodes(image)
        assert found.format == zxingcpp.BarcodeFormat.QRCode
        read.append((words, found.text))
    return read


def test_plates_print_one_a_page_and_their_qr_codes_read_back(write_config, tmp_path):
    path = write_config(web=WEB, extra=SECOND_SITE)
    config = load_config(path)
    out = tmp_path / "plates.pdf"
    made = wastewatch("sites", "plates", "--out", out, "--by", "王科长", "--config", path)
    assert made.returncode == 0, made.stderr
    assert made.stdout == f"2 plates printed to {out} (2 newly issued, 0 in use as they were)\n"
    pages = _read(out, artefacts("plates"))
    in_use = plates.current(connect(config.state_url))
    assert [text for _, text in pages] == [
        f"https://tqhb.example.cn/ww/p/{in_use['helin'].code}",
        f"https://tqhb.example.cn/ww/p/{in_use['sanhe'].code}",
    ]
    words = pages[0][0]
    assert "城厢镇禾林村污水处理站" in words and "运维到场签到牌" in words and "helin · 第 1 版" in words

    # Printed again: the same plates, nothing issued.
    again = wastewatch("sites", "plates", "--out", out, "--by", "王科长", "--config", path)
    assert again.stdout.endswith("(0 newly issued, 2 in use as they were)\n")
    assert [text for _, text in _read(out, tmp_path)] == [text for _, text in pages]

    # Reissued for one site: a new code, the old one retired.
    new = wastewatch(
        "sites", "plates", "--out", out, "--site", "helin", "--reissue", "--by", "王科长", "--config", path
    )
    assert new.stdout.endswith("(1 newly issued, 0 in use as they were)\n")
    db = connect(config.state_url)
    [(words, text)] = _read(out, tmp_path)
    assert "helin · 第 2 版" in words and plates.code_in(text) == plates.current(db)["helin"].code
    old = plates.by_code(db, in_use["helin"].code)
    assert old.retired_at is not None and old.retired_by == "cli:王科长"
    audit = db.execute("SELECT target FROM audit WHERE action = 'plate.issue' ORDER BY id").fetchall()
    assert [r["target"] for r in audit] == ["helin #1", "sanhe #1", "helin #2"]


def test_a_plates_mistake_is_one_sentence(write_config, tmp_path):
    path = write_config()

    def run(*args):
        return wastewatch("sites", "plates", *args, "--by", "王科长", "--config", path)

    assert run("--out", tmp_path / "p.pdf", "--reissue").stderr == (
        "wastewatch: --reissue retires plates in use: name the sites (--site) or the town (--town)\n"
    )
    assert run("--out", tmp_path / "p.pdf", "--site", "nowhere").stderr == (
        "wastewatch: unknown site 'nowhere'; the config has: helin\n"
    )
    assert run("--out", tmp_path / "no" / "p.pdf").stderr == (
        f"wastewatch: --out {tmp_path / 'no' / 'p.pdf'}: the folder {tmp_path / 'no'} does not exist\n"
    )
