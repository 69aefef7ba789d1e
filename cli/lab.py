"""`wastewatch lab | review`: laboratory results (import a laboratory's sheet, list, show, enter
and correct results) and data review (mark a span of a series invalid, accept, restore)."""

import time
from pathlib import Path

from wastewatch.alerts import reviews
from wastewatch.alerts.context import Context
from wastewatch.config import Config
from wastewatch.config.text import counted, printable
from wastewatch.maintenance import lab
from wastewatch.maintenance.lab import judging, records
from wastewatch.maintenance.reaction import changing
from wastewatch.store.state import connect, transaction

from .common import CommandError, known, local, subcommand
from .options import add_by


def add_commands(command) -> None:
    lc = command(
        "lab", None, "laboratory results: import a sheet, list, show, enter and correct", config=False
    ).add_subparsers(title="lab commands")
    imp = subcommand(
        lc,
        "import",
        lab_import,
        "import a laboratory's results (CSV in UTF-8 or GBK, or XLSX; Chinese or English headers)",
    )
    imp.add_argument("path", type=Path, help="the laboratory's sheet")
    imp.add_argument(
        "--kind",
        default="self_check",
        choices=list(lab.KINDS),
        help="what a sample the sheet brings is, where no sampling order's sample waits for it "
        "(default: self_check)",
    )
    add_by(imp, "imports it")
    listing = subcommand(lc, "list", lab_list, "samples, newest first, with their results")
    listing.add_argument("--site", help="only this site's samples (its id)")
    listing.add_argument("--pending", action="store_true", help="only samples whose results are not in")
    show = subcommand(
        lc, "show", lab_show, "one sample: its facts, results against the limits, every version"
    )
    show.add_argument("id", type=int, help="the sample's number in 'lab list'")
    new = subcommand(lc, "sample", lab_sample, "record a sample taken (a spot check or a self-check)")
    new.add_argument("--site", required=True, help="the site's id")
    new.add_argument("--at", required=True, help="when it was taken (ISO, local time)")
    new.add_argument("--kind", default="spot_check", choices=list(lab.KINDS), help="default: spot_check")
    add_by(new, "records it")
    enter = subcommand(lc, "enter", lab_enter, "enter or correct a sample's results: ITEM=RESULT ...")
    enter.add_argument("id", type=int, help="the sample's number")
    enter.add_argument(
        "results", nargs="+", help="e.g. cod=45 nh3n=ND tp=<0.01 (ND takes the method's limit)"
    )
    enter.add_argument("--laboratory", default="", help="the laboratory's name")
    enter.add_argument("--cma", default="", help="its CMA certificate number")
    enter.add_argument("--report-no", default="", help="the laboratory report's number")
    enter.add_argument("--report-date", default="", help="the report's date, YYYY-MM-DD")
    enter.add_argument("--reason", default="", help="why, for a correction (a result already entered)")
    add_by(enter, "enters them")

    rc = command(
        "review",
        None,
        "data review: mark a span of a series invalid, accept a proposal, restore",
        config=False,
    ).add_subparsers(title="review commands")
    add = subcommand(rc, "add", review_add, "mark a span of one series invalid (in force at once)")
    add.add_argument("--site", required=True, help="the site's id")
    add.add_argument("--metric", required=True, help="the series, e.g. cod")
    add.add_argument("--from", dest="start", required=True, help="ISO time, local by default")
    add.add_argument("--until", required=True, help="ISO time, local by default")
    add.add_argument(
        "--reason", required=True, choices=list(reviews.REASONS), help="why the readings do not count"
    )
    add.add_argument("--note", default="", help="what happened, kept with the review")
    add_by(add, "reviews it")
    rl = subcommand(rc, "list", review_list, "reviews, newest first")
    rl.add_argument("--site", help="only this site's reviews (its id)")
    for name, handler, text in (
        ("accept", review_accept, "accept a contractor's proposal: in force from now"),
        ("reject", review_reject, "reject a contractor's proposal"),
    ):
        decide = subcommand(rc, name, handler, text)
        decide.add_argument("id", type=int, help="the review's number in 'review list'")
        add_by(decide, "decides")
    restore = subcommand(rc, "restore", review_restore, "restore a span: its readings count again")
    restore.add_argument("id", type=int, help="the review's number in 'review list'")
    restore.add_argument("--note", required=True, help="why the readings count again")
    add_by(restore, "restores it")


def _with_ctx(config: Config, action):
    """Run `action(ctx, now)` in a transaction whose alerts and orders are reacted to."""
    ctx = Context.open(config)
    try:
        with changing(ctx):
            return action(ctx, ctx.now())
    except lab.LabError as exc:
        raise CommandError(str(exc)) from None
    finally:
        ctx.close()


def lab_import(args, config: Config, when) -> None:
    try:
        data = args.path.read_bytes()
    except OSError as exc:
        raise CommandError(f"cannot read {args.path}: {exc.strerror}") from None
    outcome = _with_ctx(
        config, lambda ctx, now: lab.import_sheet(ctx, args.path.name, data, args.by, now, args.kind)
    )
    if outcome.before is not None:
        print(f"{args.path.name}: already imported at {local(config, outcome.before)}; nothing changed")
        return
    print(
        f"{args.path.name}: {counted(outcome.stored, 'result')} stored for "
        f"{counted(len(outcome.samples), 'sample')}, "
        f"{outcome.unchanged} already recorded, {counted(len(outcome.rejected), 'row')} rejected"
    )
    for number, reason in outcome.rejected:
        print(f"  row {number}: {reason}")


def lab_list(args, config: Config, when) -> None:
    known("site", args.site, config.site_by_id)
    db = connect(config.state_url)
    rows = records.listing(db, [args.site] if args.site else None, pending_only=args.pending, limit=500)
    results = records.current_of(db, [r["id"] for r in rows])
    now = int(time.time())
    print(counted(len(rows), "sample"))
    for s in rows:
        found = results.get(s["id"], {})
        shown = (
            ", ".join(f"{item}={lab.result_text(r, 'en')}" for item, r in found.items()) or "results pending"
        )
        late = " RESULTS OVERDUE" if records.results_late(s, bool(found), now) else ""
        print(
            f"{s['id']:>5} {s['site_id']:<12} {local(config, s['sampled_at'])} {s['kind']:<10} "
            f"{printable(s['report_no']) or '-'}{late} | {shown}"
        )


def lab_show(args, config: Config, when) -> None:
    ctx = Context.open(config)
    try:
        sample = records.get(ctx.db, args.id)
        if sample is None:
            raise CommandError(f"no sample {args.id}; see 'wastewatch lab list'")
        for key in (
            "id",
            "site_id",
            "kind",
            "sampled_by",
            "laboratory",
            "lab_cma",
            "report_no",
            "report_date",
            "bottles",
            "work_order_id",
        ):
            print(f"{key}: {printable(sample[key]) if sample[key] is not None else '-'}")
        print(f"sampled_at: {local(config, sample['sampled_at'])}")
        if sample["results_due_at"] is not None:
            print(f"results_due_at: {local(config, sample['results_due_at'])}")
        print("results:")
        for item, row in records.current(ctx.db, args.id).items():
            limit = judging.limit_for(ctx, sample["site_id"], item)
            verdict = judging.verdict(limit, row)
            against = f" (limit {limit.text()} {limit.standard} grade {limit.grade})" if limit else ""
            print(f"  {item}: {lab.result_text(row, 'en', unit=True)} → {verdict}{against}")
        print("versions:")
        for row in records.history(ctx.db, args.id):
            why = f" because {printable(row['reason'])}" if row["reason"] else ""
            print(
                f"  {row['item']} v{row['version']}: {printable(row['shown'])} {row['unit']} by "
                f"{printable(row['entered_by'])} at {local(config, row['entered_at'])} ({row['source']}){why}"
            )
    finally:
        ctx.close()


def lab_sample(args, config: Config, when) -> None:
    known("site", args.site, config.site_by_id)
    at = int(when(args.at).timestamp())
    sample_id = _with_ctx(
        config, lambda ctx, now: records.add_sample(ctx.db, args.site, at, args.kind, args.by, now)
    )
    print(
        f"sample {sample_id}: {args.site} {args.kind} at {local(config, at)}; "
        f"enter its results with 'wastewatch lab enter {sample_id} ...'"
    )


def lab_enter(args, config: Config, when) -> None:
    entries = []
    for pair in args.results:
        item, sep, text = pair.partition("=")
        if not sep or not text:
            raise CommandError(f"{pair!r} is not ITEM=RESULT, e.g. cod=45 or nh3n=ND", usage=True)
        try:
            entries.append(lab.parse_entry(item.strip(), text))
        except lab.LabError as exc:
            raise CommandError(str(exc)) from None
    report = {
        "laboratory": args.laboratory,
        "lab_cma": args.cma,
        "report_no": args.report_no,
        "report_date": args.report_date,
    }
    added = _with_ctx(
        config, lambda ctx, now: lab.enter(ctx, args.id, entries, args.by, now, "cli", args.reason, report)
    )
    print(f"sample {args.id}: {counted(added, 'result')} recorded" + ("" if added else " (nothing changed)"))


def review_add(args, config: Config, when) -> None:
    known("site", args.site, config.site_by_id)
    known("metric", args.metric, config.site_by_id[args.site].metrics, f"site {args.site}")
    start, until = int(when(args.start).timestamp()), int(when(args.until).timestamp())
    try:
        review_id = reviews.propose(
            connect(config.state_url),
            args.site,
            args.metric,
            start,
            until,
            args.reason,
            args.note,
            args.by,
            int(time.time()),
            accept=True,
        )
    except reviews.ReviewError as exc:
        raise CommandError(str(exc)) from None
    print(
        f"review {review_id}: {args.site} {args.metric} {local(config, start)} → {local(config, until)} "
        f"invalid ({args.reason}); closed days it touches are judged again"
    )


def review_list(args, config: Config, when) -> None:
    known("site", args.site, config.site_by_id)
    rows = reviews.listing(connect(config.state_url), args.site)
    print(counted(len(rows), "data review"))
    for r in rows:
        print(
            f"{r['id']:>4} {r['state']:<9} {r['site_id']:<12} {r['metric']:<8} "
            f"{local(config, r['starts_at'])} → {local(config, r['ends_at'])} {r['reason']} "
            f"by {printable(r['proposed_by'])}: {printable(r['note'])}"
        )


def _decide(config: Config, review_id: int, accept: bool, actor: str) -> None:
    db = connect(config.state_url)
    try:
        with transaction(db):
            reviews.decide(db, review_id, accept, actor, int(time.time()))
    except reviews.ReviewError as exc:
        raise CommandError(str(exc)) from None


def review_accept(args, config: Config, when) -> None:
    _decide(config, args.id, True, args.by)
    print(f"review {args.id} accepted: in force")


def review_reject(args, config: Config, when) -> None:
    _decide(config, args.id, False, args.by)
    print(f"review {args.id} rejected")


def review_restore(args, config: Config, when) -> None:
    try:
        reviews.restore(connect(config.state_url), args.id, args.note, args.by, int(time.time()))
    except reviews.ReviewError as exc:
        raise CommandError(str(exc)) from None
    print(f"review {args.id} restored: its readings count again")
