"""The console's laboratory and data-review pages on a real server: an operator uploads a
laboratory's GBK sheet and reads every refused row; a contractor enters its laboratory's
results from a phone (390 px, a real browser) with the report's PDF; a correction needs its
reason and keeps both versions; a contractor proposes a review an operator accepts, and the
site's chart shows it as a band."""

from pathlib import Path

from tests.alerts.harness import DAY, HOUR, T0
from tests.browser import browser  # noqa: F401 — the fixture
from tests.web.test_console import csrf, login
from wastewatch.alerts import reviews
from wastewatch.maintenance.lab import records
from wastewatch.maintenance.reaction import changing

SHEETS = Path(__file__).parent.parent / "maintenance" / "data" / "lab"


def a_spot_check(desk, at: int) -> int:
    with changing(desk.ctx):
        return records.add_sample(desk.ctx.db, "helin", at, "spot_check", "王科长", desk.clock.now)


def test_an_operator_uploads_a_gbk_sheet_and_reads_every_refused_row(desk):
    desk.at(10 * DAY)
    operator, _ = login(desk, "operator")
    token = csrf(operator.get("/lab").text)
    sheet = (SHEETS / "tqjc-spot-check-gbk.csv").read_bytes()
    page = operator.post(
        "/lab/import",
        data={"csrf": token, "kind": "spot_check"},
        files={"sheet": ("tqjc-spot-check-gbk.csv", sheet, "text/csv")},
    )
    assert page.status_code == 200
    assert "已入库 3 项结果（1 个样品），0 项此前已录入，1 行未入库" in page.text
    assert "第 6 行：ss 的单位“μg/L”不符；检测结果须以 mg/L 录入" in page.text
    # The exceedance is red in the list, below detection in words.
    assert "化学需氧量 85 mg/L" in page.text and "总磷 未检出（检出限 0.01）" in page.text
    again = operator.post(
        "/lab/import",
        data={"csrf": token, "kind": "spot_check"},
        files={"sheet": ("tqjc-spot-check-gbk.csv", sheet, "text/csv")},
    )
    assert "已于 2026-10-22 00:00 导入过，本次未作改动" in again.text
    assert len(records.listing(desk.ctx.db)) == 1


def test_a_correction_needs_its_reason_and_the_history_keeps_both_versions(desk):
    desk.at(DAY)
    sample_id = a_spot_check(desk, T0 + 10 * HOUR)
    operator, _ = login(desk, "operator")
    token = csrf(operator.get(f"/lab/samples/{sample_id}").text)
    first = operator.post(
        f"/lab/samples/{sample_id}/results",
        data={"csrf": token, "r_cod": "45", "r_nh3n": "ND", "laboratory": "雅安华测", "report_no": "R-1"},
    )
    assert first.status_code == 303
    refused = operator.post(f"/lab/samples/{sample_id}/results", data={"csrf": token, "r_cod": "54"})
    assert refused.status_code == 400 and "更正须填写原因" in refused.text
    operator.post(
        f"/lab/samples/{sample_id}/results", data={"csrf": token, "r_cod": "54", "reason": "实验室更正报告"}
    )
    page = operator.get(f"/lab/samples/{sample_id}").text
    assert "第 2 版" in page and "实验室更正报告" in page and "未检出（检出限 0.025）" in page
    cod = [r["shown"] for r in records.history(desk.ctx.db, sample_id) if r["item"] == "cod"]
    assert cod == ["45", "54"]


def test_a_contractor_proposes_a_review_an_operator_accepts_and_the_chart_shows_it(desk):
    desk.write("cod", [(h * HOUR, 40.0) for h in range(24)])
    desk.at(DAY + HOUR)
    contractor, _ = login(desk, "contractor")
    token = csrf(contractor.get("/reviews").text)
    proposed = contractor.post(
        "/reviews/propose",
        data={
            "csrf": token,
            "site": "helin",
            "metric": "cod",
            "from": "2026-10-12T08:00",
            "until": "2026-10-12T10:00",
            "reason": "calibration",
            "note": "标液校准",
        },
    )
    assert proposed.status_code == 303
    [review] = reviews.listing(desk.ctx.db)
    assert review["state"] == "proposed" and "contractor" in review["proposed_by"]
    operator, _ = login(desk, "operator")
    page = operator.get("/reviews").text
    assert "待确认" in page and "标液校准" in page
    assert operator.post(f"/reviews/{review['id']}/accept", data={"csrf": csrf(page)}).status_code == 303
    assert reviews.get(desk.ctx.db, review["id"])["state"] == "accepted"
    site = operator.get("/sites/helin?range=7d").text
    assert 'class="review"' in site and "生效中" in site


def test_a_contractor_enters_results_from_a_phone(desk, browser, tmp_path):  # noqa: F811
    from tests.browser import DESKTOP, OVERFLOW, PHONE, artefacts, window
    from tests.web.test_console_browser import sign_in
    from tests.words import codes

    desk.at(DAY)
    sample_id = a_spot_check(desk, T0 + 10 * HOUR)
    report = tmp_path / "report.pdf"
    report.write_bytes(b"%PDF-1.4\n% a laboratory's report\n%%EOF\n")
    folder = artefacts("console")

    def enter(chromium):
        with window(chromium, PHONE) as page:
            sign_in(page, desk.config.web.url, "contractor", f"/lab/samples/{sample_id}")
            page.fill("input[name=r_cod]", "85")
            page.fill("input[name=r_nh3n]", "未检出")
            page.fill("#laboratory", "雅安华测环境检测有限公司")
            page.fill("#report_no", "YAHC-2026-1013-09")
            page.set_input_files("#report_file", str(report))
            page.click("form.results button[type=submit]")
            page.wait_for_load_state()
            page.screenshot(path=str(folder / f"contractor-sample-{PHONE}.png"), full_page=True)
            return page.evaluate(OVERFLOW), page.inner_text("body")

    overflow, text = browser.run(enter)
    assert overflow <= 0
    assert "85" in text and "超标" in text and "未检出（检出限 0.025）" in text
    assert records.get(desk.ctx.db, sample_id)["file_name"] == "report.pdf"
    [alert] = desk.alerts()
    assert alert["rule"] == "lab_exceedance"

    def look(width: int, who: str, path: str, name: str):
        def work(chromium):
            with window(chromium, width) as page:
                sign_in(page, desk.config.web.url, who, path)
                page.screenshot(path=str(folder / f"{name}-{width}.png"), full_page=True)
                return page.evaluate(OVERFLOW), codes(page.inner_text("body"))

        return work

    for width in (DESKTOP, PHONE):
        for who, path, name in (
            ("operator", "/lab", "operator-lab"),
            ("operator", f"/lab/samples/{sample_id}", "operator-sample"),
            ("operator", "/reviews", "operator-reviews"),
        ):
            overflow, found = browser.run(look(width, who, path, name))
            assert overflow <= 0 and found == [], (width, path, found)
