"""The monthly report's figures, worked out by hand on small months (UTC+8, hourly samples:
24 expected a day, 18 make a valid day)."""

import csv
import io
from datetime import datetime
from pathlib import Path

import pytest

from tests.alerts.harness import T0, TZ, Harness
from tests.conftest import VILLAGE_SITE
from wastewatch.alerts import windows
from wastewatch.maintenance import work_orders
from wastewatch.maintenance.reaction import changing
from wastewatch.maintenance.report import cells, document, figures, output, sheets
from wastewatch.maintenance.report.columns import COMPLIANCE_COLUMNS
from wastewatch.store.base import Reading

# A village site (grade 1: COD 60, NH3-N 8, or 15 at ≤ 12 °C; pH 6–9) sampling every hour.
HOURLY_SITE = VILLAGE_SITE.replace(
    "metrics = { flow = 300, cod = 3600, nh3n = 3600, ph = 300, pump_state = 300, water_temp = 300 }",
    "metrics = { flow = 3600, cod = 3600, nh3n = 3600, ph = 3600, water_temp = 3600 }",
)
assert HOURLY_SITE != VILLAGE_SITE


def at(month: int, day: int, hour: int = 0, minute: int = 0, year: int = 2026) -> int:
    return int(datetime(year, month, day, hour, minute, tzinfo=TZ).timestamp())


@pytest.fixture
def plant(write_config):
    harness = Harness(write_config(site=HOURLY_SITE))
    yield harness
    harness.close()


def write(plant, metric: str, points) -> None:
    """points: (epoch seconds, value[, flag])."""
    plant.ctx.store.write(
        [Reading("helin", metric, p[0], float(p[1]), p[2] if len(p) > 2 else "N") for p in points]
    )


def hours(day: int, values, month: int = 10, first_hour: int = 0) -> list:
    return [(at(month, day, first_hour + h), v) for h, v in enumerate(values)]


def row(report, pollutant: str) -> dict:
    return next(r for r in report.compliance if r["pollutant"] == pollutant)


def test_boundary_days_at_75_percent_and_a_day_without_data(plant):
    write(plant, "cod", hours(1, [40.0] * 24))  # valid, clear
    write(plant, "cod", hours(2, [70.0] * 18))  # exactly 75 %: valid, over 60
    write(plant, "cod", hours(3, [90.0] * 17))  # one short: not a valid day
    # day 4: nothing
    write(plant, "cod", hours(5, [50.0] * 12 + [80.0] * 12))  # mean 65: over
    cod = row(figures.build(plant.ctx, "2026-10"), "cod")
    assert (cod["expected_samples"], cod["received_samples"], cod["valid_samples"]) == (31 * 24, 83, 83)
    assert (cod["valid_days"], cod["exceedance_days"]) == (3, 2)
    assert cod["compliance_rate"] == pytest.approx(1 / 3)
    assert cod["monthly_mean"] == pytest.approx((40 + 70 + 65) / 3)
    assert (cod["max_daily_mean"], cod["max_sample"]) == (70.0, 90.0)  # day 3's samples are valid samples
    assert (cod["standard"], cod["grade"], cod["limit"], cod["basis"], cod["limit_verified"]) == (
        "DB51/2626-2019",
        "1",
        "60",
        "daily_mean",
        False,
    )
    line = cells.csv_text([cod], COMPLIANCE_COLUMNS).splitlines()[1]
    assert line.endswith(",83,83,3,2,0.3333,58.333,70.000,90.000,false")


def test_the_temperature_clause_applies_each_days_mean_water_temperature(plant):
    for day, temp in ((1, 10.0), (2, 20.0), (3, None)):
        write(plant, "nh3n", hours(day, [12.0] * 24))
        if temp is not None:
            write(plant, "water_temp", hours(day, [temp] * 24))
    nh3n = row(figures.build(plant.ctx, "2026-10"), "nh3n")
    # Day 1 at 10 °C: limit 15, clear. Day 2 at 20 °C: limit 8, over. Day 3 without a
    # temperature: the stricter limit (without_water_temp = "stricter"), over.
    assert (nh3n["valid_days"], nh3n["exceedance_days"]) == (3, 2)
    days = {
        d: (over, high)
        for d, _, high, _, over in figures.build(plant.ctx, "2026-10").daily[("helin", "nh3n")]
    }
    assert days["2026-10-01"] == (False, 15.0) and days["2026-10-02"] == (True, 8.0)


def test_ph_is_judged_on_every_valid_sample_against_its_range(plant):
    write(plant, "ph", hours(1, [7.0] * 23 + [9.5]))
    write(plant, "ph", hours(2, [5.5] + [7.0] * 23))
    write(plant, "ph", hours(3, [7.0] * 24))
    write(plant, "ph", hours(4, [7.0] * 23 + [15.0]))  # 15 is no pH: invalid, not an exceedance
    ph = row(figures.build(plant.ctx, "2026-10"), "ph")
    assert (ph["valid_days"], ph["exceedance_days"], ph["valid_samples"], ph["received_samples"]) == (
        4,
        2,
        95,
        96,
    )
    assert ph["max_sample"] == 9.5 and ph["limit"] == "6-9" and ph["basis"] == "sample"


def test_readings_inside_a_maintenance_window_and_flagged_ones_are_not_valid(plant):
    write(plant, "cod", hours(1, [100.0] * 24))
    write(plant, "cod", hours(2, [100.0] * 22 + [20.0] * 2))
    write(plant, "cod", [(at(10, 3, h), 30.0, "M" if h < 10 else "N") for h in range(24)])
    windows.add(
        plant.ctx.db, "helin", "maintenance", at(10, 1, 8), at(10, 1, 20), "更换曝气头", "王科长", at(10, 1)
    )
    windows.add(
        plant.ctx.db, "helin", "calibration", at(10, 2, 22), at(10, 3), "COD 仪表校准", "王科长", at(10, 2)
    )
    cod = row(figures.build(plant.ctx, "2026-10"), "cod")
    # Day 1: 12 of 24 valid → not valid. Day 2: the two 20s are inside the window → 22 valid at
    # 100, over. Day 3: 10 flagged M → 14 valid → not valid.
    assert (cod["received_samples"], cod["valid_samples"], cod["valid_days"], cod["exceedance_days"]) == (
        72,
        12 + 22 + 14,
        1,
        1,
    )
    assert cod["monthly_mean"] == 100.0 and cod["max_sample"] == 100.0
    report = figures.build(plant.ctx, "2026-10")
    assert [(w["kind"], w["from"], w["reason"]) for w in report.windows] == [
        ("maintenance", "2026-10-01 08:00", "更换曝气头"),
        ("calibration", "2026-10-02 22:00", "COD 仪表校准"),
    ]
    assert "更换曝气头" in document.html(report)


def test_a_span_a_stuck_value_alert_marked_suspect_holds_no_valid_samples(plant):
    # COD reads 200 from 20:00 on the 13th to 02:00 on the 14th, unchanged: a stuck sensor
    # (6 h, the rule's after_s). Counted, the 13th's mean would be 66.7, over 60.
    values = {at(10, 13, h): 40.0 + h % 3 for h in range(20)}
    values.update({at(10, 13, 20) + h * 3600: 200.0 for h in range(7)})
    values.update({at(10, 14, h): 40.0 + h % 3 for h in range(3, 24)})
    for ts in sorted(values):  # as a logger sends them, the rules looking every hour
        write(plant, "cod", [(ts, values[ts])])
        plant.cycle(ts + 60 - T0)
    [stuck] = plant.alerts("stuck_value")
    assert (stuck["since"], stuck["last_seen"]) == (at(10, 13, 20), at(10, 14, 2))
    cod = row(figures.build(plant.ctx, "2026-10"), "cod")
    assert (cod["received_samples"], cod["valid_samples"]) == (48, 41)
    assert (cod["valid_days"], cod["exceedance_days"]) == (2, 0)
    assert cod["max_sample"] == 42.0


def test_readings_either_side_of_local_midnight_count_on_their_local_day(plant):
    write(
        plant,
        "nh3n",
        [
            (at(9, 30, 23, 30), 1.0),
            (at(10, 1, 0, 30), 2.0),
            (at(10, 31, 23, 30), 3.0),
            (at(11, 1, 0, 30), 4.0),
        ],
    )
    # 2026-10-01 00:30 in Tianquan is 2026-09-30 16:30 UTC; 2026-11-01 00:30 is 2026-10-31 16:30 UTC.
    nh3n = row(figures.build(plant.ctx, "2026-10"), "nh3n")
    assert (nh3n["received_samples"], nh3n["max_sample"]) == (2, 3.0)
    november = row(figures.build(plant.ctx, "2026-11"), "nh3n")
    assert november["received_samples"] == 1 and november["max_sample"] == 4.0


@pytest.mark.parametrize("month, days", [("2027-02", 28), ("2026-11", 30), ("2026-10", 31)])
def test_months_of_28_30_and_31_days(plant, month, days):
    year, number = map(int, month.split("-"))
    for day in range(1, 11):  # flow 2.0 m³/h every hour of the first ten days
        write(
            plant,
            "flow",
            hours(day, [2.0] * 24, month=number)
            if year == 2026
            else [(at(number, day, h, year=year), 2.0) for h in range(24)],
        )
    report = figures.build(plant.ctx, month)
    ops = report.operations[0]
    assert row(report, "cod")["expected_samples"] == days * 24
    assert ops["expected_readings"] == 5 * days * 24 and ops["received_readings"] == 240
    assert ops["operating_rate"] == pytest.approx(240 / (days * 24))
    assert ops["treated_volume_m3"] == pytest.approx(240 * 2.0)  # Σ flow × 3600 s ÷ 3600
    assert ops["transmission_rate"] == pytest.approx(240 / (5 * days * 24))


def test_operations_count_alerts_orders_deadlines_and_inspections(plant):
    write(plant, "flow", hours(1, [2.0] * 12 + [0.0] * 12))  # 12 operating hours
    ctx = plant.ctx

    def act(action, *args, now):
        with changing(ctx):
            return action(ctx, *args, now)

    a = act(
        lambda c, n: work_orders.open_order(c, "helin", "fault_repair", "manual", "泵", n, "王科长"),
        now=at(10, 2),
    )
    act(work_orders.acknowledge, a["id"], "qingyuan", "", now=at(10, 2, 12))  # within 24 h
    act(work_orders.done, a["id"], "qingyuan", "", now=at(10, 6))  # after the 72 h
    act(work_orders.verify, a["id"], "王科长", "", now=at(10, 7))
    b = act(
        lambda c, n: work_orders.open_order(c, "helin", "operator_request", "manual", "清理", n, "王科长"),
        now=at(10, 10),
    )
    act(work_orders.cancel, b["id"], "王科长", "重复", now=at(10, 10, 1))
    routine = act(
        lambda c, n: work_orders.open_order(
            c, "helin", "routine_inspection", "schedule", "巡检", n, "schedule", due_at=at(10, 12)
        ),
        now=at(10, 5),
    )
    act(
        lambda c, n: work_orders.done(c, routine["id"], "qingyuan", "", n, visited_at=at(10, 11, 9)),
        now=at(10, 11, 10),
    )
    ops = figures.build(ctx, "2026-10").operations[0]
    assert (ops["work_orders_opened"], ops["work_orders_closed"]) == (3, 1)
    assert ops["ack_on_time_rate"] == 1.0  # a; b was cancelled; the routine order has no separate one
    assert ops["repair_on_time_rate"] == 0.5  # a late, the routine visit on time
    assert ops["mean_hours_to_close"] == 5 * 24.0
    # Fortnightly inspections (60 m³/d) are due 2026-10-12 and 2026-10-26; one was done.
    assert (ops["inspections_due"], ops["inspections_done"]) == (2, 1)
    assert ops["operating_rate"] == pytest.approx(12 / 744)
    # No valid day: compliance is left out of the score, the other weights rescaled.
    weights = ctx.rules.report.score
    rates = {
        "operating_rate": 12 / 744,
        "transmission_rate": 24 / (5 * 744),
        "ack_on_time_rate": 1.0,
        "repair_on_time_rate": 0.5,
        "inspection_rate": 0.5,
    }
    expected = 100 * sum(weights[k] * v for k, v in rates.items()) / sum(weights[k] for k in rates)
    assert ops["score"] == pytest.approx(expected)


def test_the_csv_is_the_same_bytes_on_every_run_and_the_workbook_holds_the_same_numbers(plant, tmp_path):
    write(plant, "cod", hours(1, [40.0] * 24) + hours(2, [70.0] * 20))
    write(plant, "ph", hours(1, [7.2] * 24))
    write(plant, "flow", hours(1, [2.5] * 24))
    report = figures.build(plant.ctx, "2026-10")
    first = output.write(report, tmp_path / "a", formats=("csv", "xlsx", "html"))
    second = output.write(figures.build(plant.ctx, "2026-10"), tmp_path / "b", formats=("csv",))
    for a, b in zip(first[:2], second):
        assert a.read_bytes() == b.read_bytes()
    text = first[0].read_text(encoding="utf-8")
    assert (
        text.startswith("site_id,site_name,town,pollutant,unit,standard,grade,limit,basis,")
        and "\r" not in text
    )

    from openpyxl import load_workbook

    book = load_workbook(tmp_path / "a" / "report-2026-10.xlsx")
    names = {key: sheets.sheet_name(key, "zh-CN") for key in sheets.SHEETS}
    assert names["compliance"] == "达标情况" and names["daily"] == "每日均值"
    assert {
        names[k] for k in ("compliance", "operations", "county", "scorecards", "daily", "formulas")
    } <= set(book.sheetnames)
    # Every figure of the CSV is in the workbook as the same number, under a Chinese header.
    for key, path, columns in (
        ("compliance", first[0], sheets.COMPLIANCE),
        ("operations", first[1], sheets.OPERATIONS),
    ):
        sheet = book[names[key]]
        header = [c.value for c in sheet[1]]
        assert header[:2] == ["站点编号", "站点名称"] and all(c.font.b for c in sheet[1])
        assert sheet.freeze_panes == "A2"
        keys = [k for k, _, _ in columns]
        rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
        for row, want in zip(sheet.iter_rows(min_row=2), rows):
            got = dict(zip(keys, row))
            for column, text in want.items():
                if column not in got or text in ("true", "false"):
                    continue
                value, number_format = got[column].value, got[column].number_format
                if text == "":
                    assert value is None, column
                elif column.endswith("_rate"):
                    assert float(text) == pytest.approx(value, abs=1e-9) and number_format == "0.00%"
                elif isinstance(value, (int, float)):
                    assert float(text) == pytest.approx(value, abs=1e-9), column
                else:
                    assert str(value) == text, column
    compliance = book[names["compliance"]]
    cod = next(r for r in compliance.iter_rows(min_row=2, values_only=True) if r[3] == "化学需氧量")
    assert cod[5:10] == ("DB51/2626-2019", "一级标准", None, 60, "日均值") and cod[-1] == "否"
    ph = next(r for r in compliance.iter_rows(min_row=2, values_only=True) if r[3] == "pH值")
    assert ph[7:9] == (6, 9)
    assert compliance.column_dimensions["B"].width >= 20
    # The daily means as dates and numbers, with a line chart per pollutant.
    daily = book[names["daily"]]
    assert daily["A3"].value == datetime(2026, 10, 1) and daily["A3"].number_format == "yyyy-mm-dd"
    columns = {c.value: c.column for c in daily[2] if c.value}
    cod_column = next(v for k, v in columns.items() if k.startswith("化学需氧量日均值"))
    assert daily.cell(3, cod_column).value == 40.0 and daily.cell(3, cod_column + 1).value == 60
    # One chart a site: each mean as a share of its limit, against the dashed 100 % line.
    header = [c.value for c in daily[2]]
    share = header.index("化学需氧量占限值") + 1
    assert daily.cell(3, share).value == pytest.approx(40 / 60, abs=1e-4)
    assert daily.cell(3, share).number_format == "0.00%" and header[-1] == "限值 100%"
    assert "pH值占限值" not in header  # a range has no share
    [chart] = daily._charts
    assert len(chart.series) == 3 and book[names["county"]]._charts  # COD, NH3-N, the 100 % line
    html = (tmp_path / "a" / "report-2026-10.html").read_text(encoding="utf-8")
    assert "<svg" in html and "计算方法" in html and "暂定" in html


def test_the_days_summed_in_sqlite_equal_the_days_folded_hour_by_hour(plant):
    import random

    rng = random.Random(4)
    for metric, typical in (("cod", 35.0), ("ph", 7.2), ("flow", 2.0), ("nh3n", 5.0), ("water_temp", 14.0)):
        points = []
        for k in range(31 * 24):
            if rng.random() < 0.1:
                continue  # missing
            value = round(rng.gauss(typical, typical / 4), 3)
            if rng.random() < 0.03:
                value = -1.0 if metric != "ph" else 15.0  # impossible: a dirty hour
            points.append(
                (at(10, 1) + k * 3600 + rng.randrange(0, 3600), value, "M" if rng.random() < 0.02 else "N")
            )
        write(plant, metric, points)
    write(plant, "cod", [(at(9, 30, 23), 99.0), (at(11, 1, 0), 99.0)])  # either side of the month
    fast = figures.build(plant.ctx, "2026-10")
    slow = figures.build(plant.ctx, "2026-10", hour_by_hour=True)
    for a, b in ((fast.compliance, slow.compliance), (fast.operations, slow.operations)):
        columns = list(a[0])
        assert [[cells.cell(c, r[c]) for c in columns] for r in a] == [
            [cells.cell(c, r[c]) for c in columns] for r in b
        ]
    assert fast.operations[0]["received_readings"] > 3000


def test_text_a_spreadsheet_would_run_as_a_formula_stays_text(write_config, tmp_path):
    from openpyxl import load_workbook

    site = HOURLY_SITE.replace(
        'name = "城厢镇禾林村污水处理站"', 'name = "=HYPERLINK(\\"http://evil.example\\",\\"x\\")"'
    )
    site = site.replace('town = "城厢镇"', "town = \"-2+3+cmd|' /C calc'!A0\"")
    plant = Harness(write_config(site=site))
    try:
        write(plant, "cod", hours(1, [40.0] * 24))
        windows.add(
            plant.ctx.db,
            "helin",
            "maintenance",
            at(10, 2, 8),
            at(10, 2, 20),
            "@SUM(1+1)*cmd|' /C calc'!A0",
            "王科长",
            at(10, 2),
        )
        report = figures.build(plant.ctx, "2026-10")
        output.write(report, tmp_path, formats=("csv", "xlsx"))
    finally:
        plant.close()
    [first] = list(
        csv.DictReader(io.StringIO((tmp_path / "compliance-2026-10.csv").read_text(encoding="utf-8")))
    )[:1]
    assert first["site_name"] == '\'=HYPERLINK("http://evil.example","x")'
    assert first["town"] == "'-2+3+cmd|' /C calc'!A0"
    assert first["site_id"] == "helin"
    book = load_workbook(tmp_path / "report-2026-10.xlsx")
    cells = [c for sheet in book for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"], "no live formula anywhere"
    names = [c.value for c in cells if isinstance(c.value, str) and c.value.startswith("=HYPERLINK")]
    assert names and all(c.data_type == "s" for c in cells if c.value in names)
    assert "@SUM(1+1)*cmd|' /C calc'!A0" in [c.value for c in book["维护时段"]["E"]]


def test_the_html_report_names_pollutants_bases_and_grades_in_words_and_rates_in_percent(plant):
    write(plant, "cod", hours(1, [40.0] * 24))
    write(plant, "ph", hours(1, [7.2] * 24))
    report = figures.build(plant.ctx, "2026-10")
    zh = document.html(report, "zh-CN")
    for words in ("化学需氧量", "日均值", "单次样本", "一级标准", "100.00\u00a0%", "pH值（日均值）"):
        assert words in zh, words
    for code in (">cod<", "，daily_mean", "，sample", "（日均值，）"):
        assert code not in zh, code
    en = document.html(report, "en")
    body = en.split("<h2>How each figure is computed")[0]
    assert "COD" in body and "daily mean" in body and "化学需氧量" not in body and "（" not in body
    # The CSV keeps its machine columns and fractions.
    assert ",cod,mg/L," in cells.csv_text(report.compliance, COMPLIANCE_COLUMNS)


def test_a_month_in_progress_counts_what_was_expected_up_to_now_and_says_so(plant):
    write(plant, "cod", hours(1, [40.0] * 24) + hours(2, [45.0] * 12))
    now = at(10, 2, 12)
    report = figures.build(plant.ctx, "2026-10", now=now)
    cod = row(report, "cod")
    # Day 1 whole, day 2 to noon: 36 samples were due, not the month's 744.
    assert (cod["expected_samples"], cod["received_samples"], cod["valid_days"]) == (36, 36, 2)
    assert report.as_of == now and report.as_of_text == "2026-10-02 12:00" and report.days_in_month == 31
    assert [d for d, *_ in report.daily[("helin", "cod")]] == ["2026-10-01", "2026-10-02"]
    ops = report.operations[0]
    assert ops["operating_rate"] == 0.0 and ops["expected_readings"] == 5 * 36
    page = document.html(report, "zh-CN")
    assert "本月尚未结束：数据截至 2026-10-02 12:00" in page
    # A whole month (or `now` after it) reads as before, with no such note.
    whole = figures.build(plant.ctx, "2026-10", now=at(11, 3))
    assert row(whole, "cod")["expected_samples"] == 744 and whole.as_of is None
    assert "本月尚未结束" not in document.html(whole, "zh-CN")


def test_a_chart_has_round_ticks_dates_a_labelled_limit_and_says_why_it_is_empty(plant):
    from wastewatch.maintenance.report import charts

    assert charts.nice_ticks(0, 149.866) == [0, 50, 100, 150]
    assert charts.nice_ticks(0, 8.8) == [0, 2.5, 5, 7.5, 10]
    write(plant, "cod", hours(1, [149.866] * 24) + hours(2, [30.0] * 24))
    write(plant, "ph", hours(1, [7.0] * 24))
    report = figures.build(plant.ctx, "2026-10")
    assert document._chart(report, row(report, "nh3n"), "zh-CN").empty == "本月未收到数据"
    write(plant, "nh3n", hours(1, [5.0] * 10))  # readings, but no valid day
    report = figures.build(plant.ctx, "2026-10")
    cod, nh3n, ph = (document._chart(report, row(report, p), "zh-CN") for p in ("cod", "nh3n", "ph"))
    assert [t for _, t, _ in cod.yticks] == ["0", "50", "100", "150"]
    assert [t for _, t, _ in cod.xticks] == ["10-01", "10-08", "10-15", "10-22", "10-31"]
    assert cod.limit_label[2] == "限值 60" and cod.over and not cod.empty
    # The limit line sits at 60 on the axis: 0 at the bottom, 150 at the top.
    left, top, right, bottom = cod.plot
    assert float(cod.limit_label[1]) == pytest.approx(bottom - (bottom - top) * 60 / 150, abs=0.1)
    assert nh3n.empty == "无有效日：每日有效样本均不足" and not nh3n.segments
    assert ph.low_label[2] == "限值 6" and ph.limit_label[2] == "限值 9" and float(ph.yticks[0][1]) < 6
    page = document.html(report, "zh-CN")
    assert ">限值 60<" in page and ">无有效日：每日有效样本均不足<" in page and ">10-31<" in page


def test_the_provisional_limits_are_one_table_row_per_standard_grade_and_item(plant):
    write(plant, "cod", hours(1, [40.0] * 24))
    report = figures.build(plant.ctx, "2026-10")
    assert [(p["pollutant"], p["limit"], p["sites"]) for p in report.unverified] == [
        (r["pollutant"], r["limit"], 1) for r in sorted(report.compliance, key=lambda r: r["pollutant"])
    ]
    page = document.html(report, "zh-CN")
    appendix = page.split("暂定（未与标准正式文本核实）的限值")[1]
    assert appendix.count("<tr>") == 1 + len(report.unverified)
    assert "数值尚未与正式文本核对" in appendix and "出处：DB51/2626-2019 表2" in appendix
    assert "helin cod" not in page  # not the raw lines it replaced


def scenario(plant):
    """A month with everything the CSV holds: exceedances, a window, flags, gaps, an order."""
    import random

    rng = random.Random(12)
    for metric, typical in (("cod", 45.0), ("ph", 7.2), ("flow", 2.0), ("nh3n", 6.0), ("water_temp", 11.0)):
        points = []
        for k in range(31 * 24):
            if rng.random() < 0.08:
                continue
            value = round(rng.gauss(typical, typical / 3), 3)
            points.append(
                (at(10, 1) + k * 3600 + rng.randrange(0, 3600), value, "M" if rng.random() < 0.02 else "N")
            )
        write(plant, metric, points)
    windows.add(
        plant.ctx.db, "helin", "maintenance", at(10, 5, 8), at(10, 5, 20), "=更换曝气头", "王科长", at(10, 5)
    )


def test_the_csv_is_byte_for_byte_what_the_release_before_the_readable_report_wrote(plant, tmp_path):
    """The machine form does not move when the people's forms do: the same month, written by
    the code before the workbook, page and PDF were reworked (tests/maintenance/data/)."""
    scenario(plant)
    written = output.write(figures.build(plant.ctx, "2026-10"), tmp_path, formats=("csv",))
    golden = Path(__file__).parent / "data"
    first = ["compliance-2026-10.csv", "operations-2026-10.csv"]
    # The laboratory's and the reviews' tables came later, in files of their own.
    later = [
        "samples-2026-10.csv",
        "sample-sites-2026-10.csv",
        "comparisons-2026-10.csv",
        "reviews-2026-10.csv",
    ]
    assert [p.name for p in written] == first + later
    for path in written[:2]:
        assert path.read_bytes() == (golden / path.name).read_bytes(), path.name
