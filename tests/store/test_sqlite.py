"""The embedded store: durable, idempotent, and aggregating in local time."""

from datetime import datetime
from zoneinfo import ZoneInfo

from store import Reading, Rejection, SQLiteStore

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp())


def test_it_ignores_a_reading_it_already_has(tmp_path):
    store = SQLiteStore(tmp_path / "db.sqlite")
    first = store.write([Reading("helin", "cod", 100, 40.0)])
    again = store.write([Reading("helin", "cod", 100, 40.0), Reading("helin", "cod", 160, 41.0)])
    assert (first.inserted, first.duplicates) == (1, 0)
    assert (again.inserted, again.duplicates) == (1, 1)
    assert [r.value for r in store.read_range("helin", "cod", 0, 1000)] == [40.0, 41.0]


def test_what_it_commits_is_there_after_reopening(tmp_path):
    path = tmp_path / "db.sqlite"
    store = SQLiteStore(path)
    store.write([Reading("helin", "ph", 5, 7.1, "M")], [Rejection("mqtt", "bad", "{}", topic="t")])
    store.close()
    reopened = SQLiteStore(path)
    assert reopened.read_range("helin", "ph", 0, 10) == [Reading("helin", "ph", 5, 7.1, "M")]
    assert [r.reason for r in reopened.rejections()] == ["bad"]
    assert reopened._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_daily_aggregates_follow_local_midnight(tmp_path):
    store = SQLiteStore(tmp_path / "db.sqlite")
    store.write([
        Reading("helin", "cod", at("2026-10-01T23:55:00+08:00"), 40.0),  # 1 October locally
        Reading("helin", "cod", at("2026-10-02T00:05:00+08:00"), 60.0),  # 2 October locally
        Reading("helin", "cod", at("2026-10-02T07:59:00+08:00"), 80.0),  # still 1 October in UTC
        Reading("helin", "cod", at("2026-10-02T12:00:00+08:00"), 999.0, "D"),  # invalid: fault flag
    ])
    days = store.aggregate("helin", "cod", datetime(2026, 10, 1, tzinfo=SHANGHAI),
                           datetime(2026, 10, 3, tzinfo=SHANGHAI), "day", SHANGHAI)
    assert [(d.start.date().isoformat(), d.count, d.valid_count, d.mean, d.maximum) for d in days] == [
        ("2026-10-01", 1, 1, 40.0, 40.0),
        ("2026-10-02", 3, 2, 70.0, 80.0),
    ]


def test_it_counts_a_sites_readings_per_local_day(tmp_path):
    from datetime import date
    store = SQLiteStore(tmp_path / "db.sqlite")
    store.write([
        Reading("helin", "cod", at("2026-10-01T23:59:00+08:00"), 40.0),
        Reading("helin", "flow", at("2026-10-01T23:59:00+08:00"), 2.0),
        Reading("helin", "cod", at("2026-10-02T00:00:00+08:00"), 41.0, "D"),  # flags count too
        Reading("helin", "ph", at("2026-10-02T00:00:00+08:00"), 7.0),  # not asked for
        Reading("qiaotou", "cod", at("2026-10-02T00:00:00+08:00"), 41.0),  # another site
    ])
    counts = store.count_by_day("helin", ["cod", "flow", "tp"], datetime(2026, 10, 1, tzinfo=SHANGHAI),
                                datetime(2026, 10, 3, tzinfo=SHANGHAI), SHANGHAI)
    assert counts == {date(2026, 10, 1): 2, date(2026, 10, 2): 1}
    assert store.count_by_day("nowhere", ["cod"], datetime(2026, 10, 1, tzinfo=SHANGHAI),
                              datetime(2026, 10, 3, tzinfo=SHANGHAI), SHANGHAI) == {}


def test_hourly_aggregates_and_last_reading_times(tmp_path):
    store = SQLiteStore(tmp_path / "db.sqlite")
    base = at("2026-10-01T08:00:00+08:00")
    store.write([Reading("helin", "flow", base + 300 * i, float(i)) for i in range(24)])
    hours = store.aggregate("helin", "flow", datetime(2026, 10, 1, 8, tzinfo=SHANGHAI),
                            datetime(2026, 10, 1, 10, tzinfo=SHANGHAI), "hour", SHANGHAI)
    assert [(h.start.hour, h.count, h.mean, h.minimum) for h in hours] == [(8, 12, 5.5, 0.0), (9, 12, 17.5, 12.0)]
    assert store.last_reading_times() == {("helin", "flow"): base + 300 * 23}


def test_a_failed_write_stores_nothing_and_the_next_one_works(tmp_path):
    import pytest
    store = SQLiteStore(tmp_path / "db.sqlite")
    broken = Rejection("mqtt", "bad", None)  # payload is NOT NULL: the whole batch must roll back
    with pytest.raises(Exception):
        store.write([Reading("helin", "cod", 100, 40.0)], [broken])
    assert store.count_readings() == 0
    assert store.write([Reading("helin", "cod", 100, 40.0)]).inserted == 1
    assert store.read_range("helin", "cod", 0, 1000) == [Reading("helin", "cod", 100, 40.0)]
    # Read through the series table: a series id cached from the rolled-back batch would be missing.
    assert store.last_reading_times() == {("helin", "cod"): 100}
