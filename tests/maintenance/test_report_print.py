"""The monthly report as people see it: on screen at desktop and phone widths in a real
browser, and printed to A4 PDF, its pages rendered to images. The images are kept in
artefacts/report/ to be looked at."""

import re

import pytest

from tests.alerts.harness import Harness
from tests.browser import DESKTOP, PHONE, artefacts, browser  # noqa: F401
from tests.maintenance.test_reports import HOURLY_SITE, hours, plant, write  # noqa: F401
from tests.words import report_codes
from wastewatch.maintenance.report import figures, output, printing
from wastewatch.store import Reading

A4 = (595.3, 841.9)  # points


@pytest.fixture
def month(plant):  # noqa: F811
    write(plant, "cod", hours(1, [40.0] * 24) + hours(2, [70.0] * 24) + hours(3, [149.866] * 24))
    write(plant, "nh3n", hours(1, [5.0] * 10))
    write(plant, "ph", [(t, 7.1) for d in range(1, 29) for t, _ in hours(d, [0] * 24)])
    write(plant, "flow", hours(1, [2.5] * 24))
    return figures.build(plant.ctx, "2026-10")


def test_the_pdf_is_a4_with_a_page_per_site_and_headers_on_one_line(month, tmp_path):
    import pypdfium2

    [pdf] = output.write(month, tmp_path, formats=("pdf",))
    document = pypdfium2.PdfDocument(str(pdf))
    pages = [document[i] for i in range(len(document))]
    assert len(pages) >= 3  # the county and scorecards, the site, the formulas
    for page in pages:
        assert page.get_size() == pytest.approx(A4, abs=1)
    texts = [page.get_textpage().get_text_range().replace("\xa0", " ") for page in pages]
    # The county's page ends before the first site: each site starts a page of its own.
    assert "全县汇总" in texts[0] and "城厢镇禾林村污水处理站" not in texts[0]
    site = next(t for t in texts if "城厢镇禾林村污水处理站（helin，城厢镇，禾林村）" in t)
    # Header cells whole on one line, not a character per line.
    for label in ("应有/收到/有效样本", "超标日", "最大日均值", "化学需氧量"):
        assert label in site, label
    assert "限值 60" in site and "10-31" in site and f"1 / {len(pages)}" in texts[0]
    # The title names the bureau; no code or English sentence anywhere a regulator reads.
    assert month.issuer and texts[0].lstrip().startswith(
        f"{month.issuer} 农村生活污水处理设施运行月报 2026-10"
    )
    assert [report_codes(t) for t in texts] == [[] for _ in texts]
    folder = artefacts("report")
    for i, page in enumerate(pages, start=1):
        page.render(scale=1.5).to_pil().save(folder / f"pdf-page-{i}.png")


def test_tick_labels_end_at_the_axis_and_centre_on_their_day_without_a_pdf_form_each(month, tmp_path):
    """Placed where they start, in a monospace face of known width: right-aligned to the
    y-axis and centred on their day as text-anchor would, but drawn inline: WeasyPrint makes
    every anchored SVG text a form of its own, which made a 500-site report 37,000 objects."""
    import pikepdf
    import pypdfium2

    from wastewatch.maintenance.report import charts, document

    cod = document._chart(month, next(r for r in month.compliance if r["pollutant"] == "cod"), "zh-CN")
    [pdf] = output.write(month, tmp_path, formats=("pdf",))
    with pikepdf.open(pdf) as opened:
        forms = [o for o in opened.objects if isinstance(o, pikepdf.Stream) and o.get("/Subtype") == "/Form"]
        # Two charts of ten labels each would be 20 forms or more.
        assert len(forms) < 5, len(forms)
    pdfium = pypdfium2.PdfDocument(str(pdf))
    page = next(
        pdfium[i]
        for i in range(len(pdfium))
        if "化学需氧量（日均值" in pdfium[i].get_textpage().get_text_range()
    )
    text = page.get_textpage()
    chars = [(text.get_text_range(i, 1), text.get_charbox(i)) for i in range(text.count_chars())]
    left, _, _, _ = cod.plot

    def spans(word: str) -> list[tuple[float, float]]:
        """Where `word` stands alone (not inside a longer number): its left and right edges."""
        found, whole = [], lambda i: not (0 <= i < len(chars) and chars[i][0].isdigit())
        for i in range(len(chars) - len(word) + 1):
            if (
                "".join(c for c, _ in chars[i : i + len(word)]) == word
                and whole(i - 1)
                and whole(i + len(word))
            ):
                found.append((chars[i][1][0], chars[i + len(word) - 1][1][2]))
        return found

    # Right-aligned: "0" and "150" end at the same x (the COD chart's axis runs 0 … 150).
    [(_, end_150)] = spans("150")
    assert [e for _, e in spans("0") if abs(e - end_150) < 0.8]
    day = spans("10-08")[0]
    first = spans("10-01")[0]
    # Centred on their days: the ticks are a week apart, so are the labels' centres.
    step = (cod.plot[2] - left) / 30 * 7 * 0.75
    assert (day[0] + day[1]) / 2 - (first[0] + first[1]) / 2 == pytest.approx(step, abs=0.8)
    assert charts.starts(36, "150", 1.0) == "19.7" and charts.starts(40, "10-01", 0.5) == "26.5"


@pytest.mark.parametrize("width", [DESKTOP, PHONE])
def test_the_page_on_screen_fits_the_window_and_keeps_its_labels_whole(month, tmp_path, browser, width):  # noqa: F811
    [page_file] = output.write(month, tmp_path, formats=("html",))
    look = browser.look(
        page_file.read_text(encoding="utf-8"),
        artefacts("report") / f"screen-{width}.png",
        width,
        labels="th:not(.formula), .nw",
        count="svg.chart",
    )
    assert look.overflow <= 0  # wide tables scroll inside themselves on a phone
    assert look.wrapped == []
    assert look.count == 3


# A county of seven sites in three towns, the towns interleaved in the config: printed in
# parts of three sites, one town spans two parts.
COUNTY = "".join(
    HOURLY_SITE.replace('id = "helin"', f'id = "s{n}"')
    .replace('name = "城厢镇禾林村污水处理站"', f'name = "{town}{n}号站"')
    .replace('town = "城厢镇"', f'town = "{town}"')
    for n, town in enumerate(["城厢镇", "思经镇", "城厢镇", "小河镇", "思经镇", "城厢镇", "城厢镇"])
)


@pytest.fixture
def county(write_config):  # noqa: F811
    harness = Harness(write_config(site=COUNTY))
    for n in range(7):
        harness.ctx.store.write(
            [
                Reading(f"s{n}", "cod", t, 30.0 + 10 * n + d)
                for d in range(1, 29)
                for t, _ in hours(d, [0] * 24)
            ]
        )
    yield figures.build(harness.ctx, "2026-10")
    harness.close()


def test_a_county_printed_in_parts_reads_page_for_page_as_printed_at_once(county, tmp_path):
    """The parts (front, contents, sites in threes with the tail) printed by two processes and
    joined: the same pages with the same words — numbers "n / N" across the whole, the contents'
    page of each site — and the same outline, towns over their sites."""
    import pypdfium2

    whole = printing.pdf(county, tmp_path / "whole.pdf")  # seven sites fit one part
    parts = printing.pdf(county, tmp_path / "parts.pdf", part_sites=3, workers=2)

    def pages(path):
        document = pypdfium2.PdfDocument(str(path))
        texts = [
            document[i].get_textpage().get_text_range().replace("\xa0", " ") for i in range(len(document))
        ]
        return document, texts

    whole_doc, whole_texts = pages(whole)
    parts_doc, parts_texts = pages(parts)
    assert len(parts_texts) == len(whole_texts) >= 10
    for n, (a, b) in enumerate(zip(whole_texts, parts_texts), start=1):
        # The stamped number may come before or after the page's own text: the same words.
        assert sorted(a.split()) == sorted(b.split()), f"page {n}"
        assert f"{n} / {len(whole_texts)}" in b
    # The contents, on its own page after the county's: each site and the page it starts on.
    contents = next(i for i, t in enumerate(parts_texts) if "目录" in t)
    starts = {
        f"s{n}": next(i for i, t in enumerate(parts_texts) if f"号站（s{n}，" in t) + 1 for n in range(7)
    }
    rows = re.findall(r"号站（(s\d)）\s*(\d+)", parts_texts[contents])
    assert {site: int(page) for site, page in rows} == starts
    # Towns are chapters: 城厢镇's four sites first, as the config first names it.
    assert [s for s, _ in sorted(starts.items(), key=lambda kv: kv[1])] == [
        "s0",
        "s2",
        "s5",
        "s6",
        "s1",
        "s4",
        "s3",
    ]

    def outline(document):
        return [(item.level, item.get_title(), item.get_dest().get_index()) for item in document.get_toc()]

    assert outline(parts_doc) == outline(whole_doc)
    titles = [(level, title) for level, title, _ in outline(parts_doc)]
    assert (2, "城厢镇") in titles and (3, "城厢镇0号站（s0，城厢镇，禾林村）") in titles
    assert all(page is not None for *_, page in outline(parts_doc))
    folder = artefacts("report")
    for i in (0, contents, starts["s1"] - 1):
        parts_doc[i].render(scale=1.5).to_pil().save(folder / f"parts-page-{i + 1}.png")
