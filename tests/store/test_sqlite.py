"""The embedded store: durable, idempotent, and aggregating in local time."""

import sqlite3
from datetime import datetime
from zoneinfo import ZoneInfo

from wastewatch.store import Reading, Rejection, SQLiteStore

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
    store.write(
        [
            Reading("helin", "cod", at("2026-10-01T23:55:00+08:00"), 40.0),  # 1 October locally
            Reading("helin", "cod", at("2026-10-02T00:05:00+08:00"), 60.0),  # 2 October locally
            Reading("helin", "cod", at("2026-10-02T07:59:00+08:00"), 80.0),  # still 1 October in UTC
            Reading("helin", "cod", at("2026-10-02T12:00:00+08:00"), 999.0, "D"),  # invalid: fault flag
        ]
    )
    days = store.aggregate(
        "helin",
        "cod",
        datetime(2026, 10, 1, tzinfo=SHANGHAI),
        datetime(2026, 10, 3, tzinfo=SHANGHAI),
        "day",
        SHANGHAI,
    )
    assert [(d.start.date().isoformat(), d.count, d.valid_count, d.mean, d.maximum) for d in days] == [
        ("2026-10-01", 1, 1, 40.0, 40.0),
        ("2026-10-02", 3, 2, 70.0, 80.0),
    ]


def test_it_counts_a_sites_readings_per_local_day(tmp_path):
    from datetime import date

    store = SQLiteStore(tmp_path / "db.sqlite")
    store.write(
        [
            Reading("helin", "cod", at("2026-10-01T23:59:00+08:00"), 40.0),
            Reading("helin", "flow", at("2026-10-01T23:59:00+08:00"), 2.0),
            Reading("helin", "cod", at("2026-10-02T00:00:00+08:00"), 41.0, "D"),  # flags count too
            Reading("helin", "ph", at("2026-10-02T00:00:00+08:00"), 7.0),  # not asked for
            Reading("qiaotou", "cod", at("2026-10-02T00:00:00+08:00"), 41.0),  # another site
        ]
    )
    counts = store.count_by_day(
        "helin",
        ["cod", "flow", "tp"],
        datetime(2026, 10, 1, tzinfo=SHANGHAI),
        datetime(2026, 10, 3, tzinfo=SHANGHAI),
        SHANGHAI,
    )
    assert counts == {date(2026, 10, 1): 2, date(2026, 10, 2): 1}
    assert (
        store.count_by_day(
            "nowhere",
            ["cod"],
            datetime(2026, 10, 1, tzinfo=SHANGHAI),
            datetime(2026, 10, 3, tzinfo=SHANGHAI),
            SHANGHAI,
        )
        == {}
    )


def test_hourly_aggregates_and_last_reading_times(tmp_path):
    store = SQLiteStore(tmp_path / "db.sqlite")
    base = at("2026-10-01T08:00:00+08:00")
    store.write([Reading("helin", "flow", base + 300 * i, float(i)) for i in range(24)])
    hours = store.aggregate(
        "helin",
        "flow",
        datetime(2026, 10, 1, 8, tzinfo=SHANGHAI),
        datetime(2026, 10, 1, 10, tzinfo=SHANGHAI),
        "hour",
        SHANGHAI,
    )
    assert [(h.start.hour, h.count, h.mean, h.minimum) for h in hours] == [
        (8, 12, 5.5, 0.0),
        (9, 12, 17.5, 12.0),
    ]
    assert store.last_reading_times() == {("helin", "flow"): base + 300 * 23}


def test_a_failed_write_stores_nothing_and_the_next_one_works(tmp_path):
    import pytest

    store = SQLiteStore(tmp_path / "db.sqlite")
    broken = Rejection("mqtt", "bad", None)  # payload is NOT NULL: the whole batch must roll back
    with pytest.raises(sqlite3.IntegrityError):
        store.write([Reading("helin", "cod", 100, 40.0)], [broken])
    assert store.count_readings() == 0
    assert store.write([Reading("helin", "cod", 100, 40.0)]).inserted == 1
    assert store.read_range("helin", "cod", 0, 1000) == [Reading("helin", "cod", 100, 40.0)]
    # Read through the series table: a series id cached from the rolled-back batch would be missing.
    assert store.last_reading_times() == {("helin", "cod"): 100}


def aggregates(path):
    import sqlite3

    db = sqlite3.connect(path)
    try:
        return (
            db.execute("SELECT * FROM hourly ORDER BY 1, 2").fetchall(),
            db.execute("SELECT * FROM daily ORDER BY 1, 2").fetchall(),
        )
    finally:
        db.close()


def test_the_aggregates_kept_on_every_write_equal_a_sum_from_scratch(tmp_path):
    import random
    import shutil
    import sqlite3

    rng = random.Random(2)
    store = SQLiteStore(tmp_path / "db.sqlite", "Asia/Shanghai")
    start = at("2026-10-01T00:00:00+08:00")
    for _batch in range(40):
        readings = [
            Reading(
                rng.choice(["helin", "cx-01"]),
                rng.choice(["cod", "flow"]),
                start + rng.randrange(0, 3 * 86400 // 60) * 60,
                round(rng.uniform(-1, 90), 2),
                rng.choice("NNNNNMT"),
            )
            for _ in range(300)
        ]
        store.write(readings)  # random picks repeat: many batches hold duplicates, and some not
    store.close()
    kept = aggregates(tmp_path / "db.sqlite")
    shutil.copy(tmp_path / "db.sqlite", tmp_path / "fresh.sqlite")
    db = sqlite3.connect(tmp_path / "fresh.sqlite")
    db.executescript("DELETE FROM hourly; DELETE FROM daily; DELETE FROM store_meta;")
    db.close()
    SQLiteStore(tmp_path / "fresh.sqlite", "Asia/Shanghai").close()  # sums everything again
    fresh = aggregates(tmp_path / "fresh.sqlite")
    assert len(kept[0]) > 100 and len(kept[1]) >= 12
    for got, want in zip(kept, fresh):
        assert [r[:4] for r in got] == [r[:4] for r in want]
        assert all(abs(a[4] - b[4]) < 1e-6 and a[5:] == b[5:] for a, b in zip(got, want))


def test_days_are_local_days_of_the_writers_time_zone_and_follow_it(tmp_path):
    path = tmp_path / "db.sqlite"
    store = SQLiteStore(path, "UTC")
    store.write([Reading("helin", "cod", at("2026-10-01T23:30:00+00:00"), 5.0)])  # 10-02 07:30 in Tianquan
    store.close()
    day = datetime(2026, 10, 1).toordinal() - datetime(1970, 1, 1).toordinal()
    assert [r[1] for r in aggregates(path)[1]] == [day]
    SQLiteStore(path).close()  # a reader keeps the store's zone
    assert [r[1] for r in aggregates(path)[1]] == [day]
    SQLiteStore(path, "Asia/Shanghai").close()  # a writer in another zone: daily rebuilt once
    assert [r[1] for r in aggregates(path)[1]] == [day + 1]


def test_the_newest_reading_of_each_series_follows_late_and_repeated_readings(tmp_path):
    import random
    import sqlite3

    rng = random.Random(3)
    path = tmp_path / "db.sqlite"
    store = SQLiteStore(path, "Asia/Shanghai")
    start = at("2026-10-01T00:00:00+08:00")
    sites, metrics = ["helin", "cx-01", "sy-01"], ["cod", "flow"]
    for _batch in range(40):
        # Random times repeat and arrive out of order: late readings, and a reading sent again
        # with another value (the store keeps the first).
        store.write(
            [
                Reading(
                    rng.choice(sites),
                    rng.choice(metrics),
                    start + rng.randrange(0, 2 * 86400 // 300) * 300,
                    round(rng.uniform(0, 90), 2),
                    rng.choice("NNNNMT"),
                )
                for _ in range(rng.choice([1, 5, 200]))
            ]
        )
    kept = store.latest()

    def newest(db_path) -> dict:
        db = sqlite3.connect(db_path)
        rows = db.execute(
            "SELECT s.site_id, s.metric, r.ts, r.value, r.flag FROM series s JOIN readings r "
            "ON r.series = s.id WHERE r.ts = (SELECT MAX(ts) FROM readings WHERE series = s.id)"
        ).fetchall()
        db.close()
        return {(site, metric): (ts, value, flag) for site, metric, ts, value, flag in rows}

    assert len(kept) == 6 and {k: tuple(v) for k, v in kept.items()} == newest(path)
    assert set(store.latest(["helin"])) == {("helin", "cod"), ("helin", "flow")}
    store.close()
    # A store from before the table: filled once on opening.
    db = sqlite3.connect(path)
    db.executescript("DELETE FROM latest; DELETE FROM store_meta WHERE key = 'latest';")
    db.close()
    reopened = SQLiteStore(path)
    assert {k: tuple(v) for k, v in reopened.latest().items()} == newest(path)
    reopened.close()


def test_readings_received_since_a_midnight_count_the_same_from_days_and_hours(tmp_path):
    import random

    rng = random.Random(4)
    store = SQLiteStore(tmp_path / "db.sqlite", "Asia/Shanghai")
    start = at("2026-10-01T00:00:00+08:00")
    store.write(
        [
            Reading(rng.choice(["helin", "cx-01"]), "cod", start - 3600 + rng.randrange(0, 5 * 86400), 1.0)
            for _ in range(3000)
        ]
    )
    for end in (start + 3 * 86400, start + 3 * 86400 + 7 * 3600, start + 13 * 3600):
        assert store.received_since(start, end) == store.received_by_site(start, end)
    assert sum(store.received_since(start, start + 5 * 86400).values()) < 3000  # the hour before is left out
