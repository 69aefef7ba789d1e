"""The day close over a county, its sites taken in sets (jobs/cycles.py DayClose): each site's days
judged in order with what the day before opened, the days that find nothing saved together,
late data judged again, and a site that cannot be judged leaving the others whole — on both
state databases."""

import logging

import pytest

from tests.alerts.harness import DAY, HOUR, Harness
from tests.web.test_sites import site
from wastewatch.alerts.daily import DayCloser
from wastewatch.jobs.cycles import DayClose

# Three more sites beside the village one (helin), each with hourly COD and 5-minute flow.
COUNTY = (
    site("shiyang", "始阳镇", "新村")
    + site("xiaohe", "小河镇", "大坪村")
    + site("sijing", "思经镇", "团结村")
)


@pytest.fixture
def county(write_config):
    harness = Harness(write_config(extra=COUNTY))
    yield harness
    harness.close()


def verdicts(county, rule: str = "daily_exceedance") -> dict:
    rows = county.ctx.db.execute(
        "SELECT site_id, day, status, value FROM day_results WHERE rule = :rule AND metric = 'cod'",
        {"rule": rule},
    )
    return {(r["site_id"], r["day"]): (r["status"], r["value"]) for r in rows}


def test_a_county_closed_in_sets_judges_each_sites_days_in_order(county):
    # helin: over on the 12th, within on the 13th; shiyang: over on the 13th only; xiaohe: half
    # of each day (not valid days); sijing: nothing at all.
    county.write("cod", [(h * HOUR, 70.0) for h in range(24)] + [(DAY + h * HOUR, 45.0) for h in range(24)])
    county.write("cod", [(h * HOUR, 40.0) for h in range(24)], site="shiyang")
    county.write("cod", [(DAY + h * HOUR, 150.0) for h in range(24)], site="shiyang")
    county.write("cod", [(d * DAY + h * HOUR, 150.0) for d in range(2) for h in range(12)], site="xiaohe")
    county.close_days(2 * DAY + 60)

    found = verdicts(county)
    assert found[("helin", "2026-10-12")] == ("over", 70.0) and found[("helin", "2026-10-13")] == (
        "clear",
        45.0,
    )
    assert (
        found[("shiyang", "2026-10-12")] == ("clear", 40.0) and found[("shiyang", "2026-10-13")][0] == "over"
    )
    assert found[("xiaohe", "2026-10-12")][0] == found[("sijing", "2026-10-13")][0] == "invalid"
    # Every site's seven days checked, each once.
    assert county.ctx.db.execute("SELECT COUNT(*) FROM day_checks").scalar() == 4 * 7
    # helin's alert opened by the 12th was found open by the 13th, in the same run, and resolved.
    alerts = {a["site_id"]: a for a in county.alerts("daily_exceedance")}
    assert set(alerts) == {"helin", "shiyang"}
    assert alerts["helin"]["state"] == "resolved" and alerts["shiyang"]["state"] == "firing"
    assert [t[1] for t in county.transitions(alerts["helin"]["id"])] == ["firing", "resolved"]

    # Nothing new: nothing judged again. Late readings for one site's day: that day alone.
    before = county.ctx.db.execute("SELECT MAX(checked_at) FROM day_results").scalar()
    county.close_days(2 * DAY + 600)
    assert county.ctx.db.execute("SELECT MAX(checked_at) FROM day_results").scalar() == before
    county.write("cod", [(h * HOUR, 150.0) for h in range(12, 24)], site="xiaohe")
    county.close_days(2 * DAY + 1200)
    again = county.ctx.db.execute(
        "SELECT site_id, day FROM day_results WHERE checked_at = :now AND rule = 'daily_exceedance'",
        {"now": county.clock.now},
    ).fetchall()
    assert [(r["site_id"], r["day"]) for r in again] == [("xiaohe", "2026-10-12")]
    assert verdicts(county)[("xiaohe", "2026-10-12")] == ("over", 150.0)


def test_a_site_that_cannot_be_judged_leaves_the_others_closed(county, monkeypatch, caplog):
    county.write("cod", [(h * HOUR, 150.0) for h in range(24)], site="sijing")
    county.write("cod", [(h * HOUR, 40.0) for h in range(24)], site="shiyang")
    judge = DayCloser._judge

    def broken(self, site, *args):
        if site.id == "xiaohe":
            raise RuntimeError("a broken site")
        return judge(self, site, *args)

    monkeypatch.setattr(DayCloser, "_judge", broken)
    with caplog.at_level(logging.WARNING, logger="wastewatch.jobs"):
        result = county.close_days(DAY + 60)
    assert result.failed_sites == ["xiaohe"]
    assert "one site at a time" in caplog.text
    found = verdicts(county)
    assert found[("sijing", "2026-10-12")] == ("over", 150.0) and found[("shiyang", "2026-10-12")] == (
        "clear",
        40.0,
    )
    assert not any(key[0] == "xiaohe" for key in found)
    assert [a["site_id"] for a in county.alerts("daily_exceedance")] == ["sijing"]
    # Mended, the next run closes its days too.
    monkeypatch.setattr(DayCloser, "_judge", judge)
    assert county.close_days(DAY + 600).failed_sites == []
    assert ("xiaohe", "2026-10-12") in verdicts(county)


def test_sets_of_one_site_judge_as_sets_of_many(county, monkeypatch):
    """The chunk size changes how many statements read the inputs, never a verdict."""
    county.write("cod", [(h * HOUR, 70.0) for h in range(24)] + [(DAY + h * HOUR, 45.0) for h in range(24)])
    county.write("cod", [(DAY + h * HOUR, 150.0) for h in range(24)], site="shiyang")
    monkeypatch.setattr(DayClose, "CHUNK", 1)
    county.close_days(2 * DAY + 60)
    alone = verdicts(county), [(a["site_id"], a["state"]) for a in county.alerts("daily_exceedance")]
    assert alone[1] == [("helin", "resolved"), ("shiyang", "firing")]
    assert len(alone[0]) == 4 * 7


def test_a_day_judged_from_the_daily_sums_is_judged_as_from_its_readings(county, monkeypatch):
    """The sums serve where nothing of the day is left out; the readings where a window, a
    review or a suspect span is: both give the same verdicts (values to the last decimals a
    double's additions keep), the pH's worst sample included."""
    county.write("cod", [(h * HOUR, 55.0 + (h % 2) * 15) for h in range(24)])
    county.write("ph", [(m * 300, 7.0 + (m % 7) * 0.4) for m in range(288)])  # up to 9.4: over 6–9
    county.write("flow", [(m * 300, 2.0 + (m % 5) * 0.1, "N" if m % 9 else "M") for m in range(288)])
    county.write("cod", [(h * HOUR, 150.0) for h in range(24)], site="shiyang")

    def verdict_rows():
        return sorted(
            (r["site_id"], r["rule"], r["metric"], r["status"], r["valid_samples"], round(r["value"] or 0, 9))
            for r in county.ctx.db.execute("SELECT * FROM day_results WHERE day = '2026-10-12'")
        )

    county.close_days(DAY + 60)
    from_sums = verdict_rows()
    county.ctx.db.execute("DELETE FROM day_results")
    county.ctx.db.execute("DELETE FROM day_checks")
    monkeypatch.setattr(DayCloser, "_sums", lambda self, *args: None)
    county.close_days(DAY + 120)
    assert verdict_rows() == from_sums
    ph = next(r for r in from_sums if r[2] == "ph")
    assert ph[3] == "over" and ph[5] == 9.4
