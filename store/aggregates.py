"""Hourly and daily aggregates of the readings, kept up to date as readings arrive.

Every write folds its readings into `hourly` (per series and UTC hour) and `daily` (per series
and local day of the service's time zone) in the same transaction. Reports read these instead
of every reading: a month at 500 sites is 93 k days instead of 27 M readings. Counts cover every
reading; sums and extremes cover flag-N readings. Whether those were valid (instrument range,
maintenance windows, suspect spans) the report decides: a day (or hour) whose extremes lie in
the range is taken whole, the others are summed again from the level below.

Local days are those of calendar.py. The time zone is recorded in `store_meta`; a store opened
by a writer with another zone rebuilds `daily` from `hourly` once.
"""

import sqlite3

from .calendar import Calendar, batch_sums, fold

SCHEMA = """
CREATE TABLE IF NOT EXISTS store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS hourly (
    series INTEGER NOT NULL,
    hour INTEGER NOT NULL,           -- ts / 3600: the UTC hour
    received INTEGER NOT NULL,       -- readings of any flag
    flagged_n INTEGER NOT NULL,      -- readings with flag N
    total REAL NOT NULL,             -- sum of the flag-N values
    low REAL,                        -- least and greatest flag-N value
    high REAL,
    PRIMARY KEY (series, hour)
) WITHOUT ROWID;
-- The newest reading of each series, for the console's board: a seek per series into the
-- readings cost 50 ms at 6,000 series, a read of this table a few.
CREATE TABLE IF NOT EXISTS latest (
    series INTEGER PRIMARY KEY,
    ts INTEGER NOT NULL,
    value REAL NOT NULL,
    flag TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS daily (
    series INTEGER NOT NULL,
    day INTEGER NOT NULL,            -- local date as days since 1970-01-01
    received INTEGER NOT NULL,
    flagged_n INTEGER NOT NULL,
    total REAL NOT NULL,
    low REAL,
    high REAL,
    PRIMARY KEY (series, day)
) WITHOUT ROWID;
"""
_UPSERT = """
INSERT INTO {table} (series, {key}, received, flagged_n, total, low, high) VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (series, {key}) DO UPDATE SET
    received = received + excluded.received,
    flagged_n = flagged_n + excluded.flagged_n,
    total = total + excluded.total,
    low = min(coalesce(low, excluded.low), coalesce(excluded.low, low)),
    high = max(coalesce(high, excluded.high), coalesce(excluded.high, high))
"""
ADD_HOURS = _UPSERT.format(table="hourly", key="hour")
ADD_DAYS = _UPSERT.format(table="daily", key="day")
_SUMS = (
    "COUNT(*), SUM(flag = 'N'), TOTAL(CASE WHEN flag = 'N' THEN value END), "
    "MIN(CASE WHEN flag = 'N' THEN value END), MAX(CASE WHEN flag = 'N' THEN value END)"
)
# After a batch that held duplicates: its hours summed again from their readings, its days
# from their hours.
RESUM_HOUR = f"""
INSERT OR REPLACE INTO hourly (series, hour, received, flagged_n, total, low, high)
SELECT series, ts / 3600, {_SUMS} FROM readings
WHERE series = ? AND ts >= ? * 3600 AND ts < (? + 1) * 3600 GROUP BY series, ts / 3600
"""
RESUM_DAY = """
INSERT OR REPLACE INTO daily (series, day, received, flagged_n, total, low, high)
SELECT series, ?, SUM(received), SUM(flagged_n), TOTAL(total), MIN(low), MAX(high) FROM hourly
WHERE series = ? AND hour >= ? AND hour < ? GROUP BY series
"""
# Newer only: a reading that arrives late, or again, leaves the newest in place.
ADD_LATEST = """
INSERT INTO latest (series, ts, value, flag) VALUES (?, ?, ?, ?)
ON CONFLICT (series) DO UPDATE SET ts = excluded.ts, value = excluded.value, flag = excluded.flag
WHERE excluded.ts > latest.ts
"""
RESUM_LATEST = """
INSERT OR REPLACE INTO latest (series, ts, value, flag)
SELECT series, ts, value, flag FROM readings WHERE series = ? ORDER BY ts DESC LIMIT 1
"""
# CROSS JOIN keeps series as the outer loop: a plain JOIN scanned every reading.
BACKFILL_LATEST = """
INSERT INTO latest (series, ts, value, flag) SELECT r.series, r.ts, r.value, r.flag
FROM series s CROSS JOIN readings r
WHERE r.series = s.id AND r.ts = (SELECT MAX(ts) FROM readings WHERE series = s.id)
"""
BACKFILL_HOURS = (
    f"INSERT INTO hourly SELECT series, ts / 3600, {_SUMS} FROM readings GROUP BY series, ts / 3600"
)

# The report's queries. An hour is clean when all its flag-N values lie in the series' range,
# judged from its extremes. CROSS JOIN fixes the join order (series, its hours, their readings
# by primary key): left free, the planner scanned every reading.
_CLEAN = "(h.flagged_n = 0 OR (h.low >= r.lo AND h.high <= r.hi AND abs(h.total) < 1.0e308))"
_VALID = "x.flag = 'N' AND x.value BETWEEN r.lo AND r.hi"
# Days whose extremes left the range, summed from their hours: clean hours whole, the others
# from their readings.
HOURS_OF_DAYS = f"""
SELECT d.series, d.day, SUM(CASE WHEN {_CLEAN} THEN h.flagged_n ELSE 0 END) AS valid,
       TOTAL(CASE WHEN {_CLEAN} THEN h.total END) AS total,
       MIN(CASE WHEN {_CLEAN} AND h.flagged_n > 0 THEN h.low END) AS low,
       MAX(CASE WHEN {_CLEAN} AND h.flagged_n > 0 THEN h.high END) AS high
FROM temp.report_days d CROSS JOIN temp.report_series r ON r.series = d.series
CROSS JOIN hourly h ON h.series = d.series AND h.hour >= d.h0 AND h.hour < d.h1
GROUP BY d.series, d.day
UNION ALL
SELECT d.series, d.day, SUM({_VALID}), TOTAL(CASE WHEN {_VALID} THEN x.value END),
       MIN(CASE WHEN {_VALID} THEN x.value END), MAX(CASE WHEN {_VALID} THEN x.value END)
FROM temp.report_days d CROSS JOIN temp.report_series r ON r.series = d.series
CROSS JOIN hourly h ON h.series = d.series AND h.hour >= d.h0 AND h.hour < d.h1 AND NOT {_CLEAN}
CROSS JOIN readings x ON x.series = h.series AND x.ts >= h.hour * 3600 AND x.ts < h.hour * 3600 + 3600
GROUP BY d.series, d.day
"""
# Hours with a valid value above 0 (the operating rate, for flow).
POSITIVE_HOURS = f"""
SELECT h.series, SUM(CASE WHEN {_CLEAN} THEN h.flagged_n > 0 AND h.high > 0 ELSE EXISTS (
           SELECT 1 FROM readings x WHERE x.series = h.series AND x.ts >= h.hour * 3600
           AND x.ts < h.hour * 3600 + 3600 AND {_VALID} AND x.value > 0) END)
FROM temp.report_series r CROSS JOIN hourly h ON h.series = r.series AND h.hour >= ? AND h.hour < ?
WHERE r.hours GROUP BY h.series
"""
REPORT_TABLES = """
CREATE TEMP TABLE IF NOT EXISTS report_series (series INTEGER PRIMARY KEY, lo REAL NOT NULL, hi REAL NOT NULL,
                                               hours INTEGER NOT NULL);
CREATE TEMP TABLE IF NOT EXISTS report_days (series INTEGER NOT NULL, day INTEGER NOT NULL,
                                             h0 INTEGER NOT NULL, h1 INTEGER NOT NULL,
                                             PRIMARY KEY (series, day));
DELETE FROM temp.report_series;
DELETE FROM temp.report_days;
"""


class ReportQueries:
    """report_sums.py's queries in SQLite's spelling, on temporary tables of the connection
    (whose lock the caller holds)."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db
        db.executescript(REPORT_TABLES)

    def series(self, rows: list[tuple]) -> None:
        self.db.executemany(
            "INSERT INTO temp.report_series VALUES (?, ?, ?, ?)",
            [(s, lo, hi, int(h)) for s, lo, hi, h in rows],
        )

    def days(self, first: int, last: int) -> list[tuple]:
        return self.db.execute(
            "SELECT d.series, d.day, d.received, d.flagged_n, d.total, d.low, d.high "
            "FROM temp.report_series r "
            "CROSS JOIN daily d ON d.series = r.series AND d.day >= ? AND d.day < ?",
            (first, last),
        ).fetchall()

    def hours_of_days(self, rows: list[tuple]) -> list[tuple]:
        self.db.executemany("INSERT INTO temp.report_days VALUES (?, ?, ?, ?)", rows)
        return self.db.execute(HOURS_OF_DAYS).fetchall()

    def positive(self, h0: int, h1: int) -> list[tuple]:
        return self.db.execute(POSITIVE_HOURS, (h0, h1)).fetchall()


def ensure(db: sqlite3.Connection, tz_name: str | None) -> Calendar:
    """Create the tables, sum up a store from before them, and rebuild `daily` when a writer
    brings another time zone. Readers (tz_name None) take the zone the store has."""
    db.executescript(SCHEMA)
    _ensure_latest(db)
    row = db.execute("SELECT value FROM store_meta WHERE key = 'timezone'").fetchone()
    if row is not None and (tz_name is None or row[0] == tz_name):
        return Calendar(row[0])
    db.execute("BEGIN IMMEDIATE")
    try:
        row = db.execute("SELECT value FROM store_meta WHERE key = 'timezone'").fetchone()
        if row is None and not db.execute("SELECT 1 FROM hourly LIMIT 1").fetchone():
            db.execute(BACKFILL_HOURS)
        calendar = Calendar(tz_name or (row[0] if row else "UTC"))
        if row is None or row[0] != calendar.tz_name:
            _rebuild_days(db, calendar)
            db.execute(
                "INSERT OR REPLACE INTO store_meta (key, value) VALUES ('timezone', ?)", (calendar.tz_name,)
            )
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    return calendar


def _ensure_latest(db: sqlite3.Connection) -> None:
    """Fill `latest` once for a store from before it (or whose meta was reset)."""
    if db.execute("SELECT 1 FROM store_meta WHERE key = 'latest'").fetchone():
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        if not db.execute("SELECT 1 FROM store_meta WHERE key = 'latest'").fetchone():
            db.execute("DELETE FROM latest")
            db.execute(BACKFILL_LATEST)
            db.execute("INSERT INTO store_meta (key, value) VALUES ('latest', '1')")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


def _rebuild_days(db: sqlite3.Connection, calendar: Calendar) -> None:
    db.execute("DELETE FROM daily")
    days: dict = {}
    for series, hour, received, flagged_n, total, low, high in db.execute("SELECT * FROM hourly"):
        fold(days, (series, calendar.day_of_hour(hour)), received, flagged_n, total, low, high)
    db.executemany("INSERT INTO daily VALUES (?, ?, ?, ?, ?, ?, ?)", [(*k, *v) for k, v in days.items()])


def add(db: sqlite3.Connection, calendar: Calendar, rows: list, duplicates: bool) -> None:
    """Fold a batch of (series, ts, value, flag, received_at) into hours, days and the newest
    reading of each series. Summed in
    Python rather than by a trigger per row (which halved the insert rate); a batch that held
    duplicates, rare, sums its hours and days again from what is stored."""
    hours, days, newest = batch_sums(rows, calendar)
    if duplicates:
        db.executemany(RESUM_HOUR, [(series, hour, hour) for series, hour in hours])
        db.executemany(RESUM_DAY, [(day, series, *calendar.hours_of_day(day)) for series, day in days])
        db.executemany(RESUM_LATEST, [(series,) for series in {row[0] for row in rows}])
    else:
        db.executemany(ADD_HOURS, [(*key, *sums) for key, sums in hours.items()])
        db.executemany(ADD_DAYS, [(*key, *sums) for key, sums in days.items()])
        db.executemany(ADD_LATEST, list(newest.values()))
