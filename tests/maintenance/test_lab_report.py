"""The month's laboratory samples and data reviews in the monthly report: per site and for the
county, a plant without analysers judged by its samples, the comparisons, and amended versions
when a review or a late result changes a month already sent."""

import csv
import io

import pytest

from tests.alerts.harness import Harness
from tests.maintenance.test_reports import HOURLY_SITE, at, hours, write
from wastewatch.alerts import reviews
from wastewatch.maintenance import lab
from wastewatch.maintenance.lab import records
from wastewatch.maintenance.reaction import changing
from wastewatch.maintenance.report import document, figures, output
from wastewatch.maintenance.report.monthly import MonthlyReports

# A plant of 15 m³/d with a flow meter only: no online analyser (grade 3: COD 100).
NO_ANALYSER = """
[[sites]]
id = "xiaohe"
name = "小河镇小河村污水处理站"
town = "小河镇"
capacity_m3d = 15.0
receiving_water = "III"
contractor = "qingyuan"
operators = ["operator@tqhb.example.cn"]
metrics = { flow = 3600 }
"""


@pytest.fixture
def plant(write_config):
    harness = Harness(write_config(site=HOURLY_SITE + NO_ANALYSER))
    yield harness
    harness.close()


def sample(plant, site: str, when: int, results: dict, kind: str = "spot_check", reason: str = "") -> int:
    with changing(plant.ctx):
        found = records.listing(plant.ctx.db, [site], when, when + 1)
        sample_id = (
            found[0]["id"]
            if found
            else records.add_sample(plant.ctx.db, site, when, kind, "王科长", plant.clock.now)
        )
        entries = [lab.parse_entry(item, text) for item, text in results.items()]
        lab.enter(plant.ctx, sample_id, entries, "王科长", plant.clock.now, "console", reason)
    return sample_id


def csv_rows(path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_samples_per_site_and_county_with_a_plant_judged_by_its_samples(plant, tmp_path):
    plant.clock.now = at(11, 5)
    write(plant, "cod", hours(1, [40.0] * 24))
    write(plant, "cod", [(at(10, 13, 10), 70.0)])
    sample(plant, "xiaohe", at(10, 8, 9), {"cod": "85", "nh3n": "ND", "ss": "<4"})
    sample(plant, "xiaohe", at(10, 20, 9), {"cod": "120"})
    sample(plant, "helin", at(10, 13, 10), {"cod": "45", "tp": "0.42"}, kind="self_check")
    report = figures.build(plant.ctx, "2026-10")
    sites = {r["site_id"]: r for r in report.lab.sites}
    assert sites["xiaohe"]["judged_by"] == "samples" and sites["helin"]["judged_by"] == "both"
    assert (sites["xiaohe"]["samples_taken"], sites["xiaohe"]["samples_judged"]) == (2, 2)
    assert sites["xiaohe"]["samples_meeting"] == 1 and sites["xiaohe"]["sample_compliance_rate"] == 0.5
    assert report.county["sites_judged_by_samples"] == 1 and report.county["sites_judged_both"] == 1
    assert report.county["sample_compliance_rate"] == 2 / 3
    verdicts = {(r["site_id"], r["item"], r["result"]): r["verdict"] for r in report.lab.samples}
    assert verdicts[("xiaohe", "cod", "120")] == "over" and verdicts[("xiaohe", "nh3n", "ND")] == "meets"
    [compared] = report.lab.comparisons
    assert (compared["site_id"], compared["online_value"], compared["beyond_tolerance"]) == (
        "helin",
        70.0,
        True,
    )

    written = output.write(report, tmp_path, formats=("csv",))
    rows = csv_rows(tmp_path / "samples-2026-10.csv")
    nd = next(r for r in rows if r["item"] == "nh3n")
    # Below detection is kept as written, its value empty (never 0), with the method's limit.
    assert (nd["result"], nd["value"], nd["detection_limit"], nd["verdict"]) == ("ND", "", "0.025", "meets")
    assert csv_rows(tmp_path / "sample-sites-2026-10.csv")[1]["sample_compliance_rate"] == "0.5000"
    assert len(written) == 6

    page = document.html(report, "zh-CN", charts=False)
    assert "无在线水质仪表：按实验室样品判定" in page and "未检出（检出限 0.025）" in page
    assert "在线仪表与实验室比对" in page and "样品达标率" in page
    # The same inputs give the same report.
    again = figures.build(plant.ctx, "2026-10")
    assert again.lab == report.lab


def test_a_review_that_changes_a_sent_month_makes_an_amended_version_that_names_it(plant):
    MonthlyReports(plant.ctx).run(at(10, 15))
    write(plant, "cod", hours(1, [40.0] * 24) + hours(2, [90.0] * 24))
    plant.clock.now = at(11, 1, 8)
    assert MonthlyReports(plant.ctx).run(at(11, 1, 8)) == [("2026-10", 1)]
    # The operator finds that 2 October was the analyser being calibrated.
    plant.clock.now = at(11, 3, 10)
    review = reviews.propose(
        plant.ctx.db,
        "helin",
        "cod",
        at(10, 2),
        at(10, 3),
        "calibration",
        "标液校准",
        "王科长",
        at(11, 3, 10),
        True,
    )
    assert MonthlyReports(plant.ctx).run(at(11, 3, 11)) == [("2026-10", 2)]
    v2 = plant.config.data_dir / "reports" / "2026-10" / "v2"
    changes = (v2 / "changes.txt").read_text(encoding="utf-8").splitlines()
    assert changes[0] == (
        f"data review {review} accepted: helin cod 2026-10-02 00:00 → 2026-10-03 00:00 calibration "
        "by 王科长 (标液校准)"
    )
    assert "helin cod exceedance_days: 1 → 0" in changes
    [listed] = csv_rows(v2 / "reviews-2026-10.csv")
    assert (listed["review_id"], listed["state"], listed["reason"]) == (
        str(review),
        "accepted",
        "calibration",
    )
    # Restored: the readings count again, and a third version says so.
    plant.clock.now = at(11, 4, 10)
    reviews.restore(plant.ctx.db, review, "校准记录有误", "李主任", at(11, 4, 10))
    assert MonthlyReports(plant.ctx).run(at(11, 4, 11)) == [("2026-10", 3)]
    v3 = (plant.config.data_dir / "reports" / "2026-10" / "v3" / "changes.txt").read_text(encoding="utf-8")
    assert (
        v3.startswith(f"data review {review} restored: helin cod")
        and "helin cod exceedance_days: 0 → 1" in v3
    )


def test_results_arriving_after_the_report_make_an_amended_version(plant):
    MonthlyReports(plant.ctx).run(at(10, 15))
    plant.clock.now = at(10, 21)
    taken = records.add_sample(
        plant.ctx.db, "xiaohe", at(10, 20, 9), "routine", "qingyuan/张师傅", at(10, 21)
    )
    plant.clock.now = at(11, 1, 8)
    assert MonthlyReports(plant.ctx).run(at(11, 1, 8)) == [("2026-10", 1)]
    assert MonthlyReports(plant.ctx).run(at(11, 2)) == []
    plant.clock.now = at(11, 6)
    sample(plant, "xiaohe", at(10, 20, 9), {"cod": "38"})
    assert MonthlyReports(plant.ctx).run(at(11, 6, 1)) == [("2026-10", 2)]
    changes = (plant.config.data_dir / "reports" / "2026-10" / "v2" / "changes.txt").read_text(
        encoding="utf-8"
    )
    assert f"xiaohe {taken} cod verdict: - → meets" in changes
    assert "xiaohe samples_reported: 0 → 1" in changes
