"""`wastewatch report monthly | list`: the monthly compliance summary on demand, and the
versions the scheduler has sent."""

import time
from datetime import datetime
from pathlib import Path

from wastewatch.alerts.context import Context
from wastewatch.config import Config
from wastewatch.config.text import counted
from wastewatch.maintenance.report import figures, monthly, output
from wastewatch.store.state import connect

from .common import CommandError, local, subcommand


def add_commands(command) -> None:
    sub = command(
        "report", None, "the monthly compliance summary for regulators", config=False
    ).add_subparsers(title="report commands")
    monthly = subcommand(
        sub, "monthly", report_monthly, "build a month's report into a folder (CSV, XLSX, HTML)"
    )
    monthly.add_argument("--month", required=True, help="YYYY-MM, a local calendar month")
    monthly.add_argument("--site", action="extend", nargs="+", help="only these sites")
    monthly.add_argument("--format", default="csv,xlsx,html", help="any of csv, xlsx, html, comma-separated")
    monthly.add_argument("--out", type=Path, required=True, help="the folder to write to")
    monthly.add_argument("--locale", choices=["zh-CN", "en"], help="default: [service] locale")
    monthly.add_argument(
        "--at",
        help="the moment the report is made, ISO local time (default: now); a month still in "
        "progress runs to it",
    )
    subcommand(sub, "list", report_list, "the versions sent by the scheduler, and where their files are")


def report_monthly(args, config: Config, when) -> None:
    try:
        datetime.strptime(args.month, "%Y-%m")
    except ValueError:
        raise CommandError(f"--month {args.month!r} is not a month; use YYYY-MM, e.g. 2026-10") from None
    formats = [f.strip() for f in args.format.split(",") if f.strip()]
    unknown = [f for f in formats if f not in output.FORMATS]
    if unknown or not formats:
        raise CommandError(
            f"--format {args.format!r}: use any of {', '.join(output.FORMATS)}, comma-separated"
        )
    missing = [s for s in args.site or [] if s not in config.site_by_id]
    if missing:
        raise CommandError(f"unknown site {missing[0]!r}; see 'wastewatch config check'")
    now = int(when(args.at).timestamp()) if args.at else int(time.time())
    ctx = Context.open(config)
    try:
        if figures.month_bounds(ctx, args.month)[2] >= now:
            raise CommandError(
                f"--month {args.month} has not begun yet; its report can be made from its first day"
            )
        report = figures.build(ctx, args.month, args.site, now=now)
    finally:
        ctx.close()
    written = output.write(report, args.out, formats, locale=args.locale or config.service.locale)
    print(
        f"report {args.month}: {counted(len(report.sites), 'site')}, "
        f"{counted(len(report.compliance), 'pollutant row')}"
    )
    if report.as_of is not None:
        print(f"  month in progress: figures run to {report.as_of_text}")
    for path in written:
        print(f"  {path}")


def report_list(args, config: Config, when) -> None:
    rows = monthly.versions(connect(config.state_url))
    print(counted(len(rows), "report version"))
    for r in rows:
        print(
            f"{r['month']} v{r['version']} generated {local(config, r['generated_at'])}"
            + (f", {r['changes']} figures changed" if r["version"] > 1 else "")
            + ": "
            f"{config.data_dir / r['folder']}"
        )
