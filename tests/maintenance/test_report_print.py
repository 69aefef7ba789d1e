"""The monthly report as people see it: on screen at desktop and phone widths in a real
browser, and printed to A4 PDF, its pages rendered to images. The images are kept in
artefacts/report/ to be looked at."""

import pytest

from tests.browser import DESKTOP, PHONE, artefacts, browser  # noqa: F401
from tests.maintenance.test_reports import hours, plant, write  # noqa: F401
from tests.words import report_codes
from wastewatch.maintenance.report import figures, output

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
