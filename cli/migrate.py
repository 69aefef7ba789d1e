"""`wastewatch migrate-store`: a county's data from the embedded SQLite file to PostgreSQL."""

import re
from pathlib import Path

from .common import CommandError


def add_commands(command) -> None:
    """Register the command; `command(name, handler, help)` comes from cli.main."""
    move = command(
        "migrate-store",
        migrate_store,
        "move the readings, their sums, the records and the state from the SQLite file to PostgreSQL "
        "(stop the service first; an interrupted run resumes where it stopped)",
        config=False,
    )
    move.add_argument("--from", dest="source", required=True, help="sqlite:///path/to/wastewatch.db")
    move.add_argument(
        "--to", dest="target", required=True, help="postgresql://user@host:5432/dbname (an empty database)"
    )
    move.add_argument("--chunk", type=int, default=50_000, help="readings per transaction (default: 50000)")


def migrate_store(args) -> None:
    from wastewatch.store.migrate import MigrationError, migrate

    source = re.fullmatch(r"sqlite:///(.+)", args.source)
    if source is None:
        raise CommandError(
            f"--from: {args.source!r} is not a SQLite URL; use sqlite:///path/to/wastewatch.db"
        )
    if not re.fullmatch(r"postgresql(\+psycopg)?://\S+", args.target):
        raise CommandError(
            f"--to: {args.target!r} is not a PostgreSQL URL; use postgresql://user@host/dbname"
        )
    if args.chunk < 1:
        raise CommandError("--chunk: must be at least 1", usage=True)
    try:
        counts = migrate(Path(source[1]), args.target, args.chunk, say=lambda line: print(line, flush=True))
    except MigrationError as exc:
        raise CommandError(f"migrate-store: {exc}") from None
    readings = counts["readings"][1]
    print(f"done: {readings} readings and {len(counts)} counts checked, every one equal on both sides")
