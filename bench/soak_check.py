"""The soak's invariants, checked at the end from the records of both sides: what the fleet was
told was received, what the mail server accepted, and what the service stored.

Each check returns (figures, violations): a violation is a line saying what broke, with enough
detail to find it in the logs."""

import email
import email.policy
import math
import re
import shutil
import sqlite3
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path

import pandas as pd

from wastewatch.alerts.context import Context
from wastewatch.config import load_config
from wastewatch.jobs.cycles import DayClose, Evaluation
from wastewatch.maintenance.report.figures import build
from wastewatch.store import Reading, SQLiteStore

MARK = re.compile(r"bad\d{7}|DataTime=\d{14}|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d")


def stored_readings(database: Path) -> pd.DataFrame:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        return pd.read_sql_query(
            "SELECT s.site_id, s.metric, r.ts, r.value, r.flag "
            "FROM readings r JOIN series s ON s.id = r.series",
            db,
        )


def readings(records, stored: pd.DataFrame, windows: list) -> tuple[dict, list[str]]:
    """1. Every acknowledged reading stored once, with its value; nothing stored that nobody sent.

    A reading Mosquitto acknowledged and then lost in its own kill -9 (broker_windows) is
    counted apart: the broker's bound, not the service's."""
    found = {
        (s, m, int(t)): v
        for s, m, t, v in stored[["site_id", "metric", "ts", "value"]].itertuples(index=False)
    }
    sent, acked, violations = set(), {}, []
    lost_with_broker = 0
    for record in records:
        for site, metric, ts, value in record.readings:
            sent.add((site, metric, ts))
            if record.done():
                acked[(site, metric, ts)] = (value, record)
    for key, (value, record) in acked.items():
        if key not in found:
            if lost_in_broker(record, windows):
                lost_with_broker += 1
            else:
                at = record.acked_at
                near = [w for w in windows if at is not None and abs(w[1] - at) < 30]
                violations.append(
                    f"acknowledged reading {key} = {value} is not stored "
                    f"(acknowledged at {at}; broker kills near it, (last save, kill): {near})"
                )
        elif not math.isclose(found[key], value, rel_tol=1e-9, abs_tol=1e-9):
            violations.append(f"reading {key} is stored as {found[key]}, sent as {value}")
    phantoms = [key for key in found if key not in sent]
    violations += [f"stored reading {key} was never sent" for key in phantoms[:20]]
    duplicates = len(stored) - len(found)
    if duplicates:
        violations.append(f"{duplicates} readings are stored more than once")
    figures = {
        "readings_sent": len(sent),
        "readings_acknowledged": len(acked),
        "readings_stored": len(found),
        "readings_lost_with_broker_kill": lost_with_broker,
    }
    return figures, violations[:50] + ([f"… {len(violations) - 50} more"] if len(violations) > 50 else [])


def broker_windows(log: Path, kills: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """For each kill -9 of Mosquitto: (its last save before the kill, its restart). Mosquitto
    answers PUBACK before a message reaches its disk, which it writes every autosave_interval
    (1 s here; its log shows a save every 2 s): what it acknowledged after its last save died
    with it. A PUBACK the fleet read between the kill and the restart was sent before the
    kill. The log's times are whole seconds, so a window starts at the second of its save."""
    saves = [int(m[1]) for m in re.finditer(r"(?m)^(\d+): Saving in-memory database", log.read_text())]
    return [(max((t for t in saves if t <= kill), default=0), restart) for kill, restart in kills]


def lost_in_broker(record, windows: list[tuple[float, float]]) -> bool:
    """Acknowledged inside one of Mosquitto's windows of loss: its loss, not the service's."""
    at = record.acked_at
    return at is not None and any(start <= at <= kill for start, kill in windows)


def rejections(records, database: Path, windows: list) -> tuple[dict, list[str]]:
    """3. Every malformed input that was acknowledged has a rejection record with a reason."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT reason, payload FROM rejections").fetchall()
    quoted = set()
    for reason, payload in rows:
        if reason.strip():
            quoted.update(MARK.findall(payload))
    expected = [(m, r) for r in records if r.marks and r.done() for m in r.marks]
    missing = [m for m, r in expected if m not in quoted and not lost_in_broker(r, windows)]
    lost = sum(m not in quoted and lost_in_broker(r, windows) for m, r in expected)
    figures = {
        "malformed_acknowledged": len(expected),
        "malformed_lost_with_broker_kill": lost,
        "rejection_records": len(rows),
    }
    return figures, [
        f"malformed input {m} was acknowledged but has no rejection record" for m in missing[:50]
    ]


def alerts(config_path: Path, folder: Path, stored: pd.DataFrame, now: int) -> tuple[dict, list[str]]:
    """2a. The alerts the stored readings call for, each opened exactly once: the service's
    alerts against those of a fresh evaluation of the same readings in one pass, counted by
    site, rule and metric (the live sites' conditions come and go, each time one incident), and
    no incident (the same key and `since`) opened twice. Not compared by `since`: the rules
    look back a fixed time from the moment they first see a series, so an evaluation a minute
    later starts a steady condition of the accelerated history one reading later."""
    service = _alerts(load_config(config_path).database_path)
    oracle_dir = folder / "oracle"
    shutil.rmtree(oracle_dir, ignore_errors=True)
    oracle_dir.mkdir()
    text = config_path.read_text(encoding="utf-8")
    config_file = oracle_dir / "oracle.toml"
    config_file.write_text(
        re.sub(r'(?m)^data_dir = ".*"$', f'data_dir = "{oracle_dir / "data"}"', text, count=1)
    )
    config = load_config(config_file)
    store = SQLiteStore(config.database_path)
    store.write([Reading(*row) for row in stored.itertuples(index=False)])
    store.close()
    ctx = Context.open(config, lambda: now)
    try:
        Evaluation(ctx).run(now)
        DayClose(ctx).run(now)
    finally:
        ctx.close()
    oracle = _alerts(config.database_path)
    opened, called_for = Counter(k[:3] for k in service), Counter(k[:3] for k in oracle)
    violations = [f"incident {key} was opened {n} times" for key, n in service.items() if n > 1]
    violations += [
        f"alert {key} was opened {opened[key]} times; the readings call for {called_for[key]}"
        for key in sorted(opened.keys() | called_for.keys())
        if opened[key] != called_for[key]
    ]
    figures = {"alerts_opened": sum(service.values()), "alerts_called_for": sum(called_for.values())}
    return figures, violations


def _alerts(database: Path) -> Counter:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        return Counter(db.execute("SELECT site_id, rule, metric, since FROM alerts").fetchall())


def emails(database: Path, accepted: list, service_kills: list[float]) -> tuple[dict, list[str]]:
    """2b. Every email reached the mail server at least once, and more than once only when the
    service was killed between the server's acceptance and the outbox's record of it."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT id, kind, status, recipients, message FROM outbox").fetchall()
    arrivals = defaultdict(list)
    for message_id, recipients, at in accepted:
        arrivals[message_id].append((at, recipients))
    violations, duplicated, explained = [], 0, 0
    for row_id, kind, status, _, raw in rows:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        message_id = str(message["Message-ID"])
        times = sorted(at for at, _ in arrivals.get(message_id, []))
        if status != "sent" or not times:
            violations.append(
                f"email {row_id} ({kind}) is {status} and reached the server {len(times)} times"
            )
            continue
        for first, again in zip(times, times[1:]):
            duplicated += 1
            if any(first <= kill <= again for kill in service_kills):
                explained += 1
            else:
                violations.append(f"email {row_id} ({kind}) was accepted again with no kill in between")
    known = {str(email.message_from_bytes(r[4], policy=email.policy.default)["Message-ID"]) for r in rows}
    strangers = [m for m in arrivals if m not in known]
    violations += [f"the server received {m}, which no outbox row holds" for m in strangers[:10]]
    figures = {
        "emails_expected": len(rows),
        "emails_received": sum(len(v) for v in arrivals.values()),
        "emails_duplicated": duplicated,
        "emails_duplicated_by_kill": explained,
    }
    return figures, violations


def report(config_path: Path, stored: pd.DataFrame, now: int) -> tuple[dict, list[str]]:
    """4. The month's report figures against a recomputation from the stored readings (every
    sample is flagged N and plausible here, so every stored sample is a valid one), and the
    same report twice."""
    config = load_config(config_path)
    ctx = Context.open(config, lambda: now)
    try:
        month = datetime.fromtimestamp(now, config.tz).strftime("%Y-%m")
        first, again = build(ctx, month, now=now), build(ctx, month, now=now)
        start = int(ctx.midnight(datetime.strptime(month, "%Y-%m").date()).timestamp())
        today = int(ctx.midnight(datetime.fromtimestamp(now, config.tz).date()).timestamp())
    finally:
        ctx.close()
    violations = (
        []
        if (first.compliance, first.operations) == (again.compliance, again.operations)
        else ["the same inputs gave two different reports"]
    )
    month_rows = stored[(stored.ts >= start) & (stored.ts <= now)].copy()
    month_rows["day"] = pd.to_datetime(month_rows.ts, unit="s", utc=True).dt.tz_convert(config.tz).dt.date
    checked = 0
    for row in first.compliance:
        series = month_rows[(month_rows.site_id == row["site_id"]) & (month_rows.metric == row["pollutant"])]
        interval = config.site_by_id[row["site_id"]].metrics[row["pollutant"]]
        want = {
            "received_samples": len(series),
            "valid_samples": len(series),
            "max_sample": round(series.value.max(), 3) if len(series) else None,
        }
        got = {k: row[k] for k in want}
        if got != want:
            violations.append(f"report row {row['site_id']} {row['pollutant']}: {got} ≠ recomputed {want}")
        days = series[series.ts < today].groupby("day").value.agg(["count", "mean"])
        for day, mean, _, _, valid in first.daily.get((row["site_id"], row["pollutant"]), []):
            if day not in days.index:
                continue
            count, recomputed = days.loc[day]
            should_be_valid = count >= 0.75 * 86400 / interval
            wrong_mean = valid and not math.isclose(mean, recomputed, rel_tol=1e-9)
            if bool(valid) != should_be_valid or wrong_mean:
                violations.append(
                    f"report {row['site_id']} {row['pollutant']} {day}: {mean} ({valid}) "
                    f"≠ {recomputed} ({count} samples)"
                )
            checked += 1
        checked += 1
    for row in first.operations:
        flow = month_rows[(month_rows.site_id == row["site_id"]) & (month_rows.metric == "flow")]
        interval = config.site_by_id[row["site_id"]].metrics.get("flow")
        if interval and not math.isclose(
            row["treated_volume_m3"], round((flow.value * interval / 3600).sum(), 1), abs_tol=0.051
        ):
            violations.append(
                f"report {row['site_id']} treated volume {row['treated_volume_m3']} ≠ recomputed"
            )
        checked += 1
    return {"report_figures_checked": checked}, violations
