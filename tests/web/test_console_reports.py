"""Reports in the console: every month with its versions and what an amended one changed,
their files to download by name only, and the month in course built on demand."""

import csv
import io

from tests.browser import DESKTOP, OVERFLOW, PHONE, WRAPPED, artefacts, browser, window  # noqa: F401
from tests.web.test_console import a_report, csrf, login
from tests.web.test_console_browser import sign_in
from wastewatch.maintenance.report.monthly import MonthlyReports

DAY = 86400


def test_versions_list_their_files_and_changes_and_download_by_name_only(desk):
    a_report(desk)
    # Late September readings: version 2, with what changed.
    desk.write("cod", [(-20 * DAY + h * 3600, 30.0) for h in range(24)])
    assert MonthlyReports(desk.ctx).produce("2026-09", desk.clock.now) == 2
    regulator, _ = login(desk, "regulator")
    page = regulator.get("/reports").text
    assert "2026-09" in page and "第 1 版" in page and "第 2 版" in page
    assert "变化明细" in page and "helin cod" in page  # the lines of changes.txt
    assert 'href="/reports/2026-09/v2/report-2026-09.xlsx"' in page
    assert "生成本月截至目前的报告" not in page  # a regulator builds nothing
    book = regulator.get("/reports/2026-09/v2/report-2026-09.xlsx")
    assert book.status_code == 200 and book.content[:2] == b"PK"
    assert book.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert book.headers["content-disposition"] == 'attachment; filename="report-2026-09.xlsx"'
    rows = list(csv.DictReader(io.StringIO(regulator.get("/reports/2026-09/v1/compliance-2026-09.csv").text)))
    assert {r["site_id"] for r in rows} == {"helin"}
    for path in (
        "/reports/2026-09/v3/report-2026-09.xlsx",  # no such version
        "/reports/2026-09/v1/..%2F..%2Fwastewatch.toml",
        "/reports/2026-09/v1/notes.md",
        "/reports/2026-9/v1/report-2026-09.xlsx",
        "/reports/2026-09/latest/report-2026-09.xlsx",
    ):
        assert regulator.get(path).status_code == 404, path


def test_an_operator_builds_the_month_so_far_and_a_regulator_may_not(desk):
    desk.write("cod", [(h * 3600, 40.0) for h in range(6)])
    desk.at(6 * 3600)
    operator, _ = login(desk, "operator")
    page = operator.get("/reports").text
    assert "尚未发送过月度报告" in page and "2026-10 截至目前" in page
    built = operator.post("/reports/draft", data={"csrf": csrf(page)})
    assert built.status_code == 303
    page = operator.get("/reports").text
    assert 'href="/reports/2026-10/draft/report-2026-10.pdf"' in page
    rows = list(
        csv.DictReader(io.StringIO(operator.get("/reports/2026-10/draft/compliance-2026-10.csv").text))
    )
    cod = next(r for r in rows if r["pollutant"] == "cod")
    assert cod["received_samples"] == "6"  # up to now, not the month's end
    regulator, _ = login(desk, "regulator")
    refused = regulator.post("/reports/draft", data={"csrf": csrf(regulator.get("/reports").text)})
    assert refused.status_code == 403
    assert desk.ctx.db.execute("SELECT COUNT(*) FROM reports").scalar() == 0  # a draft is no version


def download(base: str, width: int, folder, into):
    def work(chromium):
        with window(chromium, width) as page:
            sign_in(page, base, "regulator", "/reports")
            page.screenshot(path=str(folder / f"reports-{width}.png"), full_page=True)
            seen = (page.evaluate(OVERFLOW), page.evaluate(WRAPPED, "th, header a, .file"))
            with page.expect_download() as waiting:
                page.click("a[href='/reports/2026-09/v1/report-2026-09.xlsx']")
            got = waiting.value
            target = into / f"{width}-{got.suggested_filename}"
            got.save_as(target)
            return seen, target

    return work


def test_a_regulator_downloads_a_report_in_the_browser(desk, browser, tmp_path):  # noqa: F811
    a_report(desk)
    for width in (DESKTOP, PHONE):
        seen, saved = browser.run(download(desk.config.web.url, width, artefacts("console"), tmp_path))
        assert seen[0] <= 0 and seen[1] == [], (width, seen)
        assert saved.name.endswith("report-2026-09.xlsx") and saved.read_bytes()[:2] == b"PK"
