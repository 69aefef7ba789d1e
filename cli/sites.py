"""`wastewatch sites plates`: each site's QR plate, printed as A6 pages to laminate and fix at the
plant (docs/operators/field-visits.md). A site's plate in use is printed again as it is; a first
plate is issued for a site without one; `--reissue` makes new plates and retires the old ones,
whose codes then count as retired at every check-in. Each issue is in the audit log."""

import time
from pathlib import Path

from wastewatch.access import audit
from wastewatch.config import Config
from wastewatch.maintenance.visits import plates, sheet
from wastewatch.store.state import connect, transaction

from .common import CommandError, known, subcommand
from .options import add_by


def add_commands(command) -> None:
    sites = command("sites", None, "the sites: their QR plates", config=False).add_subparsers(
        title="sites commands"
    )
    printing = subcommand(
        sites, "plates", sites_plates, "print the sites' QR plates (A6, one a page) to a PDF"
    )
    printing.add_argument("--out", type=Path, required=True, help="the PDF to write")
    printing.add_argument("--site", action="append", default=[], help="only this site (may be repeated)")
    printing.add_argument("--town", help="only the sites of this town")
    printing.add_argument(
        "--reissue", action="store_true", help="new plates for these sites; their plates in use are retired"
    )
    printing.add_argument(
        "--lang", choices=("zh-CN", "en"), help="the plates' language (default: the service's)"
    )
    add_by(printing, "issues them")


def sites_plates(args, config: Config, when) -> None:
    for site in args.site:
        known("site", site, config.site_by_id)
    known("town", args.town, config.towns)
    chosen = [
        s.id
        for s in config.sites
        if (not args.site or s.id in args.site) and (not args.town or s.town == args.town)
    ]
    if not chosen:
        raise CommandError("no site is both in --site and in --town")
    if args.reissue and not (args.site or args.town):
        raise CommandError("--reissue retires plates in use: name the sites (--site) or the town (--town)")
    if not args.out.parent.is_dir():
        raise CommandError(f"--out {args.out}: the folder {args.out.parent} does not exist")
    db = connect(config.state_url)
    now = int(time.time())
    actor = f"cli:{args.by}"
    with transaction(db):
        before = plates.current(db, chosen)
        made = plates.issue(db, chosen, actor, now, reissue=args.reissue)
        issued = [p for p in made if before.get(p.site_id) != p]
        for plate in issued:
            audit.record(db, actor, "plate.issue", now, target=f"{plate.site_id} #{plate.serial}")
    sheet.pdf(config, made, args.out, args.lang or config.service.locale)
    new = len(issued)
    print(
        f"{len(made)} plates printed to {args.out} "
        f"({new} newly issued, {len(made) - new} in use as they were)"
    )
