"""The readings store on both backends: the embedded SQLite file and PostgreSQL give the same
answers to the same writes, to the last reading and the last sum."""

import random
from datetime import date, datetime
from zoneinfo import ZoneInfo

import psycopg
import pytest

from tests.support import postgres_database
from wastewatch.store import LoggerValue, Reading, Rejection, SQLiteStore, StoreUnavailable
from wastewatch.store.postgres import PostgresStore

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = int(datetime(2026, 10, 1, tzinfo=SHANGHAI).timestamp())


@pytest.fixture
def pg_url():
    with postgres_database() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def opener(request, tmp_path):
    """Opens the store of one backend, the same one on every call."""
    if request.param == "sqlite":
        yield lambda tz="Asia/Shanghai": SQLiteStore(tmp_path / "db.sqlite", tz)
        return
    with postgres_database() as url:
        yield lambda tz="Asia/Shanghai": PostgresStore(url, tz)


def batches(seed: int, count: int = 30):
    """Random batches over three days: repeated times (redeliveries, with other values: the
    first one stays), late readings, every flag, values that leave a range."""
    rng = random.Random(seed)
    for _ in range(count):
        yield [
            Reading(
                rng.choice(["helin", "cx-01", "sy-01"]),
                rng.choice(["cod", "flow"]),
                START + rng.randrange(0, 3 * 86400 // 60) * 60,
                round(rng.uniform(-1, 120), 2),
                rng.choice("NNNNNMTD"),
            )
            for _ in range(rng.choice([1, 7, 300]))
        ]


def test_a_reading_sent_again_is_stored_once_with_its_first_value(opener):
    store = opener()
    first = store.write([Reading("helin", "cod", START, 40.0)])
    again = store.write([Reading("helin", "cod", START, 99.0), Reading("helin", "cod", START + 60, 41.0)] * 2)
    assert (first.inserted, first.duplicates) == (1, 0)
    assert (again.inserted, again.duplicates) == (1, 3)
    assert [r.value for r in store.read_range("helin", "cod", 0, START + 1000)] == [40.0, 41.0]
    assert store.latest()[("helin", "cod")] == (START + 60, 41.0, "N")
    store.close()


def test_several_series_read_at_once_are_each_series_read_alone(opener):
    store = opener()
    for batch in batches(3):
        store.write(batch)
    starts = {(site, metric): START + 7200 * n for n, (site, metric) in enumerate(store.last_reading_times())}
    starts[("helin", "not-a-metric")] = START
    many = store.scan_many(starts, START + 2 * 86400)
    alone = {key: store.scan(*key, since, START + 2 * 86400) for key, since in starts.items()}
    assert many == {key: rows for key, rows in alone.items() if rows}
    assert len(many) >= 4 and ("helin", "not-a-metric") not in many
    means = store.daily_means_of(["helin", "cx-01"], "flow", date(2026, 10, 1), date(2026, 10, 3))
    assert means == {
        site: store.daily_means(site, "flow", date(2026, 10, 1), date(2026, 10, 3)) for site in means
    }
    assert set(means) == {"helin", "cx-01"}
    store.close()


def test_what_it_commits_is_there_after_reopening(opener):
    store = opener()
    store.write(
        [Reading("helin", "ph", START, 7.1, "M")],
        [Rejection("mqtt", "bad", "{}", topic="t")],
        logger_values=[LoggerValue("helin", "hourly", "cod", START, "Avg", 30.5)],
    )
    store.close()
    reopened = opener(None)  # a reader: takes the store's time zone
    assert reopened.read_range("helin", "ph", 0, START + 10) == [Reading("helin", "ph", START, 7.1, "M")]
    assert [(r.reason, r.topic) for r in reopened.rejections()] == [("bad", "t")]
    assert reopened.count_rejections() == 1 and reopened.count_readings() == 1
    assert reopened.logger_values("helin") == [LoggerValue("helin", "hourly", "cod", START, "Avg", 30.5)]
    assert reopened.logger_values("helin", "daily") == []
    reopened.close()


def test_a_failed_write_stores_nothing_and_the_next_one_works(opener):
    store = opener()
    broken = Rejection("mqtt", "bad", None)  # payload is NOT NULL: the whole batch must roll back
    with pytest.raises(Exception) as failed:
        store.write([Reading("newsite", "cod", START, 40.0)], [broken])
    assert not isinstance(failed.value, StoreUnavailable)  # the data's fault, not the store's
    assert store.count_readings() == 0 and store.last_reading_times() == {}
    assert store.write([Reading("newsite", "cod", START, 40.0)]).inserted == 1
    # A series id cached from the rolled-back batch would file this under nothing.
    assert store.read_range("newsite", "cod", 0, START + 1) == [Reading("newsite", "cod", START, 40.0)]
    store.close()


def test_the_quarantine_keeps_messages_raw_and_marks_replays(opener):
    store = opener()
    first = store.quarantine("mqtt", "wastewatch/sites/helin/readings", "helin", b"\xff{", "disk I/O", START)
    store.quarantine("mqtt", "t", "cx-01", b"{}", "other", START + 5)
    third = store.quarantine("mqtt", "t", "helin", b"[]", "newest", START + 9)
    assert store.last_quarantine_id() == third
    assert store.quarantine_summary("helin", 0) == (2, third, START + 9, "newest")
    assert store.quarantine_summary("helin", third) == (0, third, 0, "")
    store.mark_replayed(first, START + 60)
    pending = store.quarantined(pending_only=True)
    assert [q.payload for q in pending] == [b"{}", b"[]"]
    assert store.quarantined(limit=1)[0].payload == b"\xff{"
    assert store.quarantined(limit=1)[0].replayed_at == START + 60
    store.close()


def test_both_backends_answer_every_read_alike():
    """Every read of the interface, on the same random writes, equal on both backends."""
    with postgres_database() as url:
        import tempfile
        from pathlib import Path

        with tempfile.TemporaryDirectory() as folder:
            stores = [
                SQLiteStore(Path(folder) / "db.sqlite", "Asia/Shanghai"),
                PostgresStore(url, "Asia/Shanghai"),
            ]
            results = [[], []]
            for batch in batches(5):
                for store, result in zip(stores, results):
                    result.append(tuple(store.write(batch)))
            assert results[0] == results[1]
            answers = [reads(store) for store in stores]
            for store in stores:
                store.close()
    assert [name for name, answer in answers[0].items() if not answer] == []  # none vacuous
    assert len(answers[0]["daily_sums"]) == 9 and len(answers[0]["read_range"]) > 500
    for name in answers[0]:
        assert answers[0][name] == answers[1][name], name
    for answer in answers:  # a set of sites counted at once: each as counted alone
        assert answer["count_by_day_of"] == answer["count_by_day_alone"]


def reads(store) -> dict:
    """The answers of every read, as plain values."""
    end = START + 3 * 86400
    days = [datetime(2026, 10, 1, tzinfo=SHANGHAI), datetime(2026, 10, 4, tzinfo=SHANGHAI)]
    ranges = {("helin", "cod"): (0.0, 100.0), ("cx-01", "flow"): None, ("sy-01", "cod"): (10.0, 50.0)}
    frame, positive = store.daily_sums(ranges, START, end, hours_for={("cx-01", "flow")})
    frame = frame.sort_values(["site_id", "metric", "day"]).reset_index(drop=True)
    return {
        "read_range": store.read_range("helin", "cod", START, end),
        "scan": store.scan("cx-01", "flow", START + 3600, end - 7200),
        "scan_many": store.scan_many(
            {("cx-01", "flow"): START + 3600, ("helin", "cod"): START + 86400, ("nowhere", "cod"): START},
            end - 7200,
        ),
        "last_reading_times": store.last_reading_times(),
        "latest": {k: tuple(v) for k, v in store.latest().items()},
        "latest_of_one": set(store.latest(["sy-01"])),
        "daily_means": {
            k: round(v, 9)
            for k, v in store.daily_means("helin", "flow", date(2026, 10, 1), date(2026, 10, 3)).items()
        },
        "daily_means_of": {
            site: {k: round(v, 9) for k, v in means.items()}
            for site, means in store.daily_means_of(
                ["helin", "sy-01", "nowhere"], "flow", date(2026, 10, 1), date(2026, 10, 3)
            ).items()
        },
        "received_since": store.received_since(START, START + 2 * 86400 + 5 * 3600),
        "received_by_site": store.received_by_site(START, end),
        "buckets": store.buckets("sy-01", "cod", START, end, 7200),
        "aggregate_hours": rounded(store.aggregate("helin", "cod", *days, "hour", SHANGHAI)),
        "aggregate_days": rounded(store.aggregate("helin", "cod", *days, "day", SHANGHAI)),
        "aggregate_part_hours": rounded(
            store.aggregate("helin", "cod", days[0].replace(minute=30), days[1], "day", SHANGHAI)
        ),
        "count_by_day": store.count_by_day("cx-01", ["cod", "flow"], *days, SHANGHAI),
        # Several sites at once, as the day close asks: each as count_by_day counts it alone.
        "count_by_day_of": store.count_by_day_of(
            {"cx-01": ["cod", "flow"], "helin": ["cod"], "nowhere": ["cod"]}, *days, SHANGHAI
        ),
        "count_by_day_of_part": store.count_by_day_of(  # not whole days: counted from the hours
            {"cx-01": ["cod", "flow"]}, days[0].replace(hour=5), days[1], SHANGHAI
        ),
        "count_by_day_alone": {
            site: store.count_by_day(site, metrics, *days, SHANGHAI)
            for site, metrics in (("cx-01", ["cod", "flow"]), ("helin", ["cod"]))
        },
        "hourly": sorted(  # in series order, and series ids differ between the backends
            tuple(round(x, 6) if isinstance(x, float) else x for x in row)
            for row in store.hourly("helin", ["cod", "flow"], START // 3600, end // 3600)
        ),
        "daily_sums": frame.round(6).to_dict("records"),
        "positive_hours": positive,
    }


def rounded(aggregates) -> list:
    return [
        (a.start, a.count, a.valid_count, None if a.mean is None else round(a.mean, 9), a.minimum, a.maximum)
        for a in aggregates
    ]


def test_readings_are_partitioned_by_local_month_created_ahead_and_on_demand(pg_url):
    store = PostgresStore(pg_url, "Asia/Shanghai")
    # 2024-03-31 23:30 in Tianquan is still March there, April in no zone west of UTC+8.
    late_march = int(datetime(2024, 3, 31, 23, 30, tzinfo=SHANGHAI).timestamp())
    store.write([Reading("helin", "cod", late_march, 40.0), Reading("helin", "cod", late_march + 3600, 41.0)])
    with psycopg.connect(pg_url.replace("+psycopg", "")) as db:
        parts = dict(
            db.execute(
                "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i "
                "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'store.readings'::regclass"
            ).fetchall()
        )
        in_march = db.execute("SELECT COUNT(*) FROM store.readings_202403").fetchone()[0]
    this_month = date.today().replace(day=1)
    assert {"readings_202403", "readings_202404", f"readings_{this_month:%Y%m}"} <= set(parts)
    assert len([p for p in parts if p > f"readings_{this_month:%Y%m}"]) >= 2  # the coming months
    assert str(int(datetime(2024, 3, 1, tzinfo=SHANGHAI).timestamp())) in parts["readings_202403"]
    assert in_march == 1
    store.close()


def test_a_store_opened_by_a_writer_in_another_time_zone_is_refused(pg_url):
    PostgresStore(pg_url, "Asia/Shanghai").close()
    with pytest.raises(ValueError, match="Asia/Shanghai, not UTC"):
        PostgresStore(pg_url, "UTC")
    PostgresStore(pg_url).close()  # a reader takes the store's zone


def test_an_unreachable_server_is_the_store_unavailable_not_the_data():
    with pytest.raises(StoreUnavailable) as failed:
        PostgresStore("postgresql://postgres@127.0.0.1:1/nothing")
    assert failed.value.cause == "database unreachable"
