"""The `wastewatch` command. Thin: parse, load config, call the package that does the work.

Every expected failure is one sentence on stderr and a non-zero exit; a traceback only with
--debug.
"""

import argparse
import signal
import sys
import threading
from datetime import datetime, timedelta
from pathlib import Path
from typing import Callable

from wastewatch import __version__
from wastewatch.config import ConfigError, load_config
from wastewatch.config.text import printable
from wastewatch.ingest.broker import BrokerError
from wastewatch.store import StoreUnavailable

from .alerts import add_commands
from .backup import add_commands as add_backup_commands
from .common import CommandError, known, load, when
from .init import add_commands as add_init_commands
from .lab import add_commands as add_lab_commands
from .migrate import add_commands as add_migrate_commands
from .options import add_config
from .quarantine import add_commands as add_quarantine_commands
from .report import add_commands as add_report_commands
from .sites import add_commands as add_site_commands
from .users import add_commands as add_user_commands
from .workorders import add_commands as add_workorder_commands


def main(
    argv: list[str] | None = None,
    serve: Callable | None = None,
    demo: Callable | None = None,
    expected: tuple[type[Exception], ...] = (),
) -> int:
    """The commands. `serve` and `demo` run the whole service, so the composition root
    (wastewatch/main.py) hands them in, with the errors they raise that deserve one sentence."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    args.run_service, args.run_demo = serve, demo
    try:
        return args.handler(args) or 0
    except (ConfigError, BrokerError, CommandError, *expected) as exc:
        print(f"wastewatch: {printable(exc)}", file=sys.stderr)
        return getattr(exc, "status", 1)
    except StoreUnavailable as exc:
        print(
            f"wastewatch: the database cannot be written ({exc.cause}); what was committed before is kept",
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # Output piped into `head`: not an error. Point stdout at devnull so exit does not retry.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # noqa: BLE001 — the one place that turns surprises into a sentence
        if args.debug:
            raise
        print(
            f"wastewatch: unexpected error: {exc.__class__.__name__}: {exc} (run with --debug for details)",
            file=sys.stderr,
        )
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wastewatch", description="O&M monitoring for rural wastewater plants"
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    parser.add_argument("--version", action="version", version=f"wastewatch {__version__}")
    commands = parser.add_subparsers(title="commands")

    def command(name: str, handler, help: str, config: bool = True) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help, description=help)
        if handler:
            sub.set_defaults(handler=handler)
        if config:
            add_config(sub)
        return sub

    config_cmd = commands.add_parser("config", help="configuration tools").add_subparsers(
        title="config commands"
    )
    check = config_cmd.add_parser("check", help="validate a config file and summarise it")
    add_config(check)
    check.set_defaults(handler=_config_check)

    command("serve", _serve, "run the ingestor until SIGTERM or Ctrl-C")

    imp = command(
        "import", _import, "load readings from CSV (site,metric,ts,value[,flag]), JSON Lines or HJ 212 frames"
    )
    imp.add_argument(
        "path", type=Path, help="the file; a CSV may start with a header row (English or Chinese)"
    )
    imp.add_argument(
        "--format",
        choices=("csv", "jsonl", "hj212"),
        help="the file's format (default: jsonl for .jsonl/.ndjson, else csv); hj212: a logger's dump "
        "of frames, checked against the sites' hj212_mn and hj212_pw",
    )

    readings = command("readings", _readings, "print stored readings as CSV")
    readings.add_argument("--site", required=True, help="the site's id")
    readings.add_argument("--metric", required=True, help="the metric's name in the config, e.g. cod")
    readings.add_argument("--since", help="ISO time or date, local time by default (default: 24 h ago)")
    readings.add_argument("--until", help="ISO time or date (default: now)")

    rejections = command("rejections", _rejections, "print the newest rejected messages and readings")
    rejections.add_argument("--limit", type=int, default=20, help="how many, newest first (default: 20)")

    add_commands(command)
    add_workorder_commands(command)
    add_report_commands(command)
    add_lab_commands(command)
    add_quarantine_commands(command)
    add_user_commands(command)
    add_migrate_commands(command)
    add_backup_commands(command)
    add_init_commands(command)
    add_site_commands(command)

    demo = command("demo", _demo, "run the ingestor and a simulated fleet on embedded defaults", config=False)
    demo.add_argument("--duration", type=float, help="seconds to run (default: until Ctrl-C)")
    demo.add_argument(
        "--data-dir",
        type=Path,
        default=Path("demo-data"),
        help="where the demo keeps its files (default: demo-data)",
    )
    return parser


def _config_check(args) -> None:
    from .summary import summary

    print(summary(load_config(args.config)))


def _serve(args) -> None:
    if args.run_service is None:
        raise CommandError(
            "this entry point cannot run the service; use the installed `wastewatch` command", usage=True
        )
    config = load(args)
    args.run_service(config, _stop_on_signals())


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    return stop


def _import(args) -> None:
    from wastewatch.ingest.importer import import_file
    from wastewatch.store import open_store

    config = load(args)
    if not args.path.is_file():
        raise CommandError(f"{args.path}: no such file", usage=True)
    store = open_store(config)
    try:
        result = import_file(config, store, args.path, format=args.format)
    finally:
        store.close()
    print(
        f"accepted {result.inserted + result.duplicates} readings "
        f"({result.inserted} new, {result.duplicates} already stored), rejected {result.rejections}"
    )
    if result.rejections:
        print("see them with: wastewatch rejections --config " + str(args.config))


def _readings(args) -> None:
    import csv

    from wastewatch.store import open_store

    config = load(args)
    known("site", args.site, config.site_by_id)
    known("metric", args.metric, config.site_by_id[args.site].metrics, where=f"site {args.site}")
    now = datetime.now(config.tz)
    until = when(args.until, config, "--until") if args.until else now
    since = when(args.since, config, "--since") if args.since else until - timedelta(days=1)
    if since >= until:
        raise CommandError("--since must be earlier than --until", usage=True)
    store = open_store(config)
    try:
        rows = store.read_range(args.site, args.metric, int(since.timestamp()), int(until.timestamp()))
    finally:
        store.close()
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["site", "metric", "ts", "value", "flag"])
    for r in rows:
        out.writerow(
            [r.site_id, r.metric, datetime.fromtimestamp(r.ts, config.tz).isoformat(), repr(r.value), r.flag]
        )


def _rejections(args) -> None:
    from wastewatch.store import open_store

    config = load(args)
    store = open_store(config)
    try:
        rows = store.rejections(limit=args.limit)
        total = store.count_rejections()
    finally:
        store.close()
    print(f"{total} rejections in all; newest {len(rows)}:")
    for r in rows:
        at = datetime.fromtimestamp(r.received_at, config.tz).isoformat(timespec="seconds")
        where = r.topic or r.source
        item = f" item {r.item}" if r.item is not None else ""
        print(f"{at} {printable(where)}{item}: {printable(r.reason)} | {printable(r.payload[:200])}")


def _demo(args) -> None:
    if args.run_demo is None:
        raise CommandError(
            "this entry point cannot run the demo; use the installed `wastewatch` command", usage=True
        )
    args.run_demo(args.data_dir, args.duration, _stop_on_signals())
