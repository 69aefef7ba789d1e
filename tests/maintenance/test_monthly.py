"""The monthly report on schedule: emailed on the 1st with the workbook attached (real SMTP),
amended when late readings change a month already sent, and from the command line."""

import io

import pytest
from openpyxl import load_workbook

from tests.alerts.harness import Harness
from tests.maintenance.test_reports import HOURLY_SITE, at, hours, write
from tests.support import wastewatch
from wastewatch.maintenance.report.monthly import MonthlyReports
from wastewatch.notify.outbox import Sender

REGULATORS = '[report]\nrecipients = ["jianguan@tqhb.example.cn"]\n'


@pytest.fixture
def plant(write_config, mail):
    harness = Harness(write_config(mail=mail, site=HOURLY_SITE, extra=REGULATORS))
    yield harness
    harness.close()


def run(plant, when: int):
    plant.clock.now = when
    return MonthlyReports(plant.ctx).run(when)


def test_the_previous_month_is_emailed_at_eight_on_the_first_with_the_workbook_attached(plant, mail):
    assert run(plant, at(10, 15)) == []  # the job's first run: October is the month in course
    write(plant, "cod", hours(1, [40.0] * 24) + hours(2, [70.0] * 24))
    assert run(plant, at(11, 1, 7, 59)) == []
    assert run(plant, at(11, 1, 8)) == [("2026-10", 1)]
    assert run(plant, at(11, 1, 9)) == []  # once
    assert Sender(plant.config, plant.ctx.db).run_once() == (1, 0)
    [(recipients, message)] = mail.messages
    assert recipients == ["jianguan@tqhb.example.cn", "operator@tqhb.example.cn"]
    subject = str(message["Subject"]).replace("\u00a0", " ")
    assert subject == "[运行月报 2026-10] 农村生活污水处理设施：达标率 50.00 %，传输率 1.29 %"
    html = message.get_body(("html",)).get_content()
    assert "全县汇总" in html and "城厢镇禾林村污水处理站" in html
    # The style is on each element: QQ Mail and Outlook drop a <style> block.
    assert '<table style="border-collapse: collapse;' in html and '<th class="t" style="' in html
    attachment, pdf = list(message.iter_attachments())
    assert attachment.get_filename() == "report-2026-10.xlsx"
    book = load_workbook(io.BytesIO(attachment.get_content()))
    header = [c.value for c in book["达标情况"][1]]
    cod = next(r for r in book["达标情况"].iter_rows(min_row=2, values_only=True) if r[3] == "化学需氧量")
    assert dict(zip(header, cod))["超标日"] == 1 and dict(zip(header, cod))["达标率"] == 0.5
    assert pdf.get_filename() == "report-2026-10.pdf" and pdf.get_content().startswith(b"%PDF-")
    folder = plant.config.data_dir / "reports" / "2026-10" / "v1"
    assert (folder / "compliance-2026-10.csv").exists() and (folder / "report-2026-10.html").exists()
    assert (folder / "report-2026-10.pdf").exists()


def test_late_readings_for_a_sent_month_produce_an_amended_version_listing_what_changed(plant, mail):
    run(plant, at(10, 15))
    write(plant, "cod", hours(1, [40.0] * 24))
    assert run(plant, at(11, 1, 8)) == [("2026-10", 1)]
    assert run(plant, at(11, 1, 9)) == []  # nothing new
    write(plant, "cod", hours(2, [70.0] * 24))  # a logger's backlog for 2 October arrives
    assert run(plant, at(11, 2, 9)) == [("2026-10", 2)]
    assert run(plant, at(11, 2, 10)) == []
    Sender(plant.config, plant.ctx.db).run_once()
    subjects = [str(m["Subject"]) for _, m in mail.messages]
    assert len(subjects) == 2 and "【修订版 第 2 版】" in subjects[1]
    v1 = plant.config.data_dir / "reports" / "2026-10" / "v1"
    v2 = plant.config.data_dir / "reports" / "2026-10" / "v2"
    assert v1.exists() and v2.exists()  # the first version stays
    changes = (v2 / "changes.txt").read_text(encoding="utf-8").splitlines()
    assert "helin cod received_samples: 24 → 48" in changes and "helin cod exceedance_days: 0 → 1" in changes
    assert "helin cod compliance_rate: 1.0000 → 0.5000" in changes
    assert "修订版，第 2 版" in (v2 / "report-2026-10.html").read_text(encoding="utf-8")
    versions = wastewatch("report", "list", "--config", plant.path).stdout
    assert versions.startswith("2 report versions\n2026-10 v2 generated 2026-11-02 09:00, ")


def test_a_new_deployment_does_not_send_last_months_report_of_data_it_never_saw(plant):
    assert run(plant, at(11, 3)) == []
    assert plant.ctx.db.execute("SELECT COUNT(*) FROM reports").scalar() == 0


def test_report_monthly_writes_the_files_for_any_month_and_says_what_is_wrong_in_one_sentence(
    plant, tmp_path
):
    write(plant, "cod", hours(1, [40.0] * 24))

    def report(*args):
        return wastewatch("report", "monthly", "--config", plant.path, *args)

    done = report("--month", "2026-10", "--format", "csv,html", "--out", tmp_path / "out", "--locale", "en")
    assert done.returncode == 0 and done.stdout.startswith("report 2026-10: 1 site, 3 pollutant rows\n")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "comparisons-2026-10.csv",
        "compliance-2026-10.csv",
        "operations-2026-10.csv",
        "report-2026-10.html",
        "reviews-2026-10.csv",
        "sample-sites-2026-10.csv",
        "samples-2026-10.csv",
    ]
    assert "How each figure is computed" in (tmp_path / "out" / "report-2026-10.html").read_text(
        encoding="utf-8"
    )
    assert report("--month", "October", "--out", tmp_path).stderr == (
        "wastewatch: --month 'October' is not a month; use YYYY-MM, e.g. 2026-10\n"
    )
    assert report("--month", "2026-10", "--format", "docx", "--out", tmp_path).stderr == (
        "wastewatch: --format 'docx': use any of csv, xlsx, html, pdf, comma-separated\n"
    )
    assert report("--month", "2026-10", "--site", "nowhere", "--out", tmp_path).stderr == (
        "wastewatch: unknown site 'nowhere'; see 'wastewatch config check'\n"
    )


def test_a_pdf_too_large_to_attach_is_linked_to_on_the_console(write_config, mail):
    harness = Harness(write_config(mail=mail, site=HOURLY_SITE, extra=REGULATORS + "attach_pdf_max_mb = 0\n"))
    try:
        run(harness, at(10, 15))
        write(harness, "cod", hours(1, [40.0] * 24))
        assert run(harness, at(11, 1, 8)) == [("2026-10", 1)]
        Sender(harness.config, harness.ctx.db).run_once()
        # Where the console's 报告 page links to the file (tests/web/test_console_reports.py).
        url = f"{harness.config.web.url}/reports/2026-10/v1/report-2026-10.pdf"
        path = harness.config.data_dir / "reports" / "2026-10" / "v1" / "report-2026-10.pdf"
        mb = f"{path.stat().st_size / 1e6:.1f}"
    finally:
        harness.close()
    [(_, message)] = mail.messages
    assert [a.get_filename() for a in message.iter_attachments()] == ["report-2026-10.xlsx"]
    plain = message.get_body(("plain",)).get_content()
    assert f"打印版 PDF（{mb} MB）过大，未随邮件附上，请登录监管平台下载：{url}" in plain
    html = message.get_body(("html",)).get_content()
    assert f'<a href="{url}"' in html and "请登录监管平台下载" in html
