"""`wastewatch quarantine list | replay`: messages the store could not commit, set aside raw."""

import time
from datetime import datetime

from wastewatch.config import Config
from wastewatch.config.text import printable

from .common import subcommand


def add_commands(command) -> None:
    """Register the subcommands; `command(name, handler, help)` comes from cli.main."""
    group = command(
        "quarantine", None, "messages set aside because the store could not commit them", config=False
    ).add_subparsers(title="quarantine commands")
    listing = subcommand(
        group, "list", quarantine_list, "quarantined messages with the error that stopped each"
    )
    listing.add_argument("--all", action="store_true", help="include messages already replayed")
    listing.add_argument("--limit", type=int, default=50, help="how many, newest first (default: 50)")
    again = subcommand(
        group, "replay", quarantine_replay, "store quarantined messages again, once the cause is fixed"
    )
    again.add_argument("--id", type=int, action="append", dest="ids", help="only this message (repeatable)")


def quarantine_list(args, config: Config, when) -> None:
    from wastewatch.store import open_store

    store = open_store(config)
    try:
        rows, after = [], 0
        while len(rows) < args.limit and (
            batch := store.quarantined(after, limit=500, pending_only=not args.all)
        ):
            rows += batch
            after = batch[-1].id
    finally:
        store.close()
    rows = rows[: args.limit]
    if not rows:
        print("no quarantined messages" + ("" if args.all else " waiting for replay"))
        return
    for q in rows:
        when_ = datetime.fromtimestamp(q.received_at, config.tz).isoformat(timespec="seconds")
        state = "" if q.replayed_at is None else " [replayed]"
        text = q.payload[:200].decode("utf-8", errors="backslashreplace")
        print(f"{q.id} {when_} {printable(q.topic)} ({len(q.payload)} bytes){state}: {printable(q.error)}")
        print(f"    {printable(text)}{'…' if len(q.payload) > 200 else ''}")


def quarantine_replay(args, config: Config, when) -> None:
    from wastewatch.ingest.replay import replay
    from wastewatch.store import open_store

    store = open_store(config)
    try:
        result = replay(config, store, int(time.time()), args.ids)
    finally:
        store.close()
    print(
        f"replayed {result.replayed} messages: {result.inserted} readings stored, "
        f"{result.duplicates} already stored, {result.rejections} rejected"
    )
    for qid, error in result.failed:
        print(f"message {qid} still cannot be stored: {printable(error)}")
