"""`wastewatch init`: a working installation from what a county has — its site inventory and its
contractors' list (XLSX or CSV) and the bureau's addresses.

It writes, in the config folder: wastewatch.toml (once: after that it is the administrator's),
sites.csv and contractors.csv (the config's inventory, from the sheets), secrets/mqtt-password
(the service's broker login) and secrets/site-logins.csv (each site's broker login and HJ 212
registration, the handout for whoever sets up the loggers); in the broker's folder: passwd (one
login per site and the service's, hashed by mosquitto_passwd), acl (each site publishes only to
its own topic) and wastewatch.conf; and the first admin account, its password printed once.

Run again after the sheets change, it shows what it would change, and changes it with --apply.
A secret it wrote is never written again: a site keeps its login, the service its password.
"""

import csv
import io
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined

from wastewatch.config import county
from wastewatch.config.lab import squeeze
from wastewatch.config.loader import CONTRACTOR_CSV_COLUMNS, SITE_CSV_COLUMNS

from .common import CommandError

SERVICE_LOGIN = "wastewatch"
TOPIC_PREFIX = "wastewatch"
LOGIN_COLUMNS = ("site", "name", "mqtt_username", "mqtt_password", "hj212_mn", "hj212_pw")
PRIVATE, SHARED = 0o600, 0o640


def add_commands(command) -> None:
    init = command(
        "init",
        run_init,
        "write an installation from the county's site inventory and contractors' list "
        "(shows what it would change; --apply changes it)",
        config=False,
    )
    init.add_argument(
        "--inventory", type=Path, required=True, help="the site inventory (设施台账): XLSX or CSV"
    )
    init.add_argument(
        "--contractors",
        type=Path,
        help="the contractors (运维单位): XLSX or CSV (default: the inventory workbook)",
    )
    init.add_argument("--bureau", required=True, help="the bureau's name, e.g. 天全县生态环境局")
    init.add_argument(
        "--bureau-email", action="append", required=True, help="the bureau's address (again for several)"
    )
    init.add_argument("--folder", type=Path, default=Path("/etc/wastewatch"), help="the config folder")
    init.add_argument("--data", type=Path, default=Path("/var/lib/wastewatch"), help="the data folder")
    init.add_argument("--broker-folder", type=Path, help="the broker's files (default: <folder>/mosquitto)")
    init.add_argument(
        "--backups", type=Path, default=Path("/var/backups/wastewatch"), help="the daily backups"
    )
    init.add_argument("--mqtt-port", type=int, default=1883, help="the broker's port (default: 1883)")
    init.add_argument(
        "--smtp", default="127.0.0.1:25", help="the mail relay, HOST[:PORT] (default: 127.0.0.1:25)"
    )
    init.add_argument(
        "--sender", help="the From address (default: wastewatch@ the bureau's first address's domain)"
    )
    init.add_argument("--web-port", type=int, default=8080, help="the console's port behind the proxy")
    init.add_argument(
        "--hj212-port", type=int, default=9212, help="the port HJ 212 loggers connect to (default: 9212)"
    )
    init.add_argument("--base-url", help="the console's address as phones reach it (https://…)")
    init.add_argument("--admin", default="admin", help="the first admin account's username (default: admin)")
    init.add_argument("--apply", action="store_true", help="change what it shows")


@dataclass
class Planned:
    """A file init owns: what it should hold, and what that changes."""

    path: Path
    content: str
    mode: int
    change: str  # "" when it holds this already
    once: bool = False  # the administrator's after the first write


def run_init(args) -> None:
    folder = args.folder.resolve()
    broker = (args.broker_folder or folder / "mosquitto").resolve()
    sheets = args.contractors or args.inventory
    for given in {args.inventory, sheets}:
        if not given.is_file():
            raise CommandError(f"{given}: no such file (the county's sheet, XLSX or CSV)")
    logins = _read_csv(folder / "secrets" / "site-logins.csv", "site")
    known_ids = {
        squeeze(row["name"]): row["id"] for row in _read_csv(folder / "contractors.csv", "id").values()
    }
    try:
        found = county.read(args.inventory, sheets, args.bureau_email, known_ids)
    except county.CountyError as exc:
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        raise CommandError(
            f"init: the sheets have {len(exc.problems)} problem(s), each above; nothing was written"
        ) from None
    service_password = _read(folder / "secrets" / "mqtt-password") or secrets.token_urlsafe(24)
    handout = _logins(found.sites, logins)
    plan = _plan(args, folder, broker, found, handout, service_password)
    users = {SERVICE_LOGIN, *handout}
    passwd = broker / "passwd"
    passwd_change = _passwd_change(passwd, users)
    admin_exists = _admin_exists(folder, args.admin)
    changes = [p for p in plan if p.change] + ([passwd_change] if passwd_change else [])
    print(f"init: {len(found.sites)} sites, {len(found.contractors)} contractors read")
    for planned in plan:
        if planned.change:
            print(f"  {planned.path}: {planned.change}")
    if passwd_change:
        print(f"  {passwd}: {passwd_change}")
    if not admin_exists:
        print(f"  the admin account '{args.admin}': new (its password is printed once)")
    if not changes and admin_exists:
        print("nothing to change")
        return
    if not args.apply:
        print("nothing was written: run again with --apply to make these changes")
        return
    for planned in plan:
        if planned.change:
            _write(planned.path, planned.content, planned.mode)
    if passwd_change:
        passwords = {site: login["mqtt_password"] for site, login in handout.items()}
        _hash_logins(passwd, {SERVICE_LOGIN: service_password} | passwords)
    if not admin_exists:
        _add_admin(folder, args.admin)
    print("done")


def _plan(args, folder: Path, broker: Path, found, handout: dict, service_password: str) -> list[Planned]:
    templates = Environment(
        loader=PackageLoader("wastewatch.cli", "templates"),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,  # noqa: S701 — config files, not HTML
    )
    templates.filters["toml"] = lambda value: json.dumps(
        value if not isinstance(value, Path) else str(value), ensure_ascii=False
    )
    host, _, port = args.smtp.partition(":")
    domain = args.bureau_email[0].rpartition("@")[2]
    values = {
        "bureau": args.bureau,
        "emails": args.bureau_email,
        "folder": str(folder),
        "data": str(args.data.resolve()),
        "backups": str(args.backups.resolve()),
        "mqtt_host": "127.0.0.1",
        "mqtt_port": args.mqtt_port,
        "service": SERVICE_LOGIN,
        "smtp_host": host,
        "smtp_port": int(port or 25),
        "sender": args.sender or f"wastewatch@{domain}",
        "web_port": args.web_port,
        "hj212_port": args.hj212_port,
        "base_url": args.base_url,
        "hj212": any(site.hj212_mn for site in found.sites),
    }
    sites = [_site_row(site, handout[site.id]) for site in found.sites]
    contractors = [{"id": c.id, "name": c.name, "email": str(c.email)} for c in found.contractors]
    logins = [handout[site.id] | {"site": site.id, "name": site.name} for site in found.sites]
    return [
        _planned(
            folder / "wastewatch.toml",
            templates.get_template("wastewatch.toml").render(values),
            SHARED,
            once=True,
        ),
        _table(folder / "sites.csv", SITE_CSV_COLUMNS, sites, "id", PRIVATE, "site"),
        _table(folder / "contractors.csv", CONTRACTOR_CSV_COLUMNS, contractors, "id", SHARED, "contractor"),
        _planned(folder / "secrets" / "mqtt-password", service_password + "\n", PRIVATE),
        _table(folder / "secrets" / "site-logins.csv", LOGIN_COLUMNS, logins, "site", PRIVATE, "login"),
        _planned(
            broker / "acl",
            templates.get_template("acl").render(
                service=SERVICE_LOGIN, prefix=TOPIC_PREFIX, sites=found.sites
            ),
            SHARED,
        ),
        _planned(
            broker / "wastewatch.conf",
            templates.get_template("mosquitto.conf").render(port=args.mqtt_port, folder=str(broker)),
            SHARED,
        ),
    ]


def _logins(sites, before: dict[str, dict]) -> dict[str, dict]:
    """Each site's broker login and HJ 212 registration: what was handed out before, kept; a new
    site's made now. A PW given in the inventory is the logger's own and wins."""
    handout = {}
    for site in sites:
        had = before.get(site.id, {})
        mn = site.hj212_mn or ""
        pw = site.hj212_pw or had.get("hj212_pw") or (f"{secrets.randbelow(10**8):08d}" if mn else "")
        handout[site.id] = {
            "mqtt_username": site.id,
            "mqtt_password": had.get("mqtt_password") or secrets.token_urlsafe(12),
            "hj212_mn": mn,
            "hj212_pw": pw if mn else "",
        }
    return handout


def _site_row(site, login: dict) -> dict:
    def cell(value):
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, float):
            return f"{value:g}"
        return str(value)

    metrics = ";".join(
        f"{name}={spec if isinstance(spec, int) else spec.interval_s}" for name, spec in site.metrics.items()
    )
    row = {column: cell(getattr(site, column, None)) for column in SITE_CSV_COLUMNS}
    row |= {
        "operators": ";".join(str(a) for a in site.operators),
        "metrics": metrics,
        "hj212_pw": login["hj212_pw"],
        "hj212_series": site.hj212_series if site.hj212_mn else "",
        "hj212_equipment": ";".join(f"{k}={v}" for k, v in site.hj212_equipment.items()),
        "location": f"{site.location[0]},{site.location[1]}" if site.location else "",
    }
    return row


def _planned(path: Path, content: str, mode: int, once: bool = False) -> Planned:
    had = _read(path, strip=False)
    if had is None:
        change = "new"
    elif once or had == content:
        change = ""
    else:
        change = "rewritten"
    return Planned(path, content, mode, change, once)


def _table(path: Path, columns: tuple, rows: list[dict], key: str, mode: int, noun: str) -> Planned:
    """A CSV init owns, and its change said row by row: what was added, removed, changed."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    content = out.getvalue()
    had = _read(path, strip=False)
    if had is None:
        return Planned(path, content, mode, f"new, {len(rows)} {noun}s")
    if had == content:
        return Planned(path, content, mode, "")
    before = _rows(had, key)
    after = {row[key]: row for row in rows}
    said = []
    for word, ids in (
        ("added", [k for k in after if k not in before]),
        ("removed", [k for k in before if k not in after]),
    ):
        if ids:
            said.append(f"{len(ids)} {noun}(s) {word} ({', '.join(ids)})")
    for k in after:
        if k in before:
            moved = [c for c in columns if str(before[k].get(c, "")) != str(after[k].get(c, ""))]
            if moved:
                secret = {"mqtt_password", "hj212_pw"}
                shown = [
                    c if c in secret else f"{c} {before[k].get(c, '')!r} → {after[k][c]!r}" for c in moved
                ]
                said.append(f"{k} changed: {'; '.join(shown)}")
    return Planned(path, content, mode, "; ".join(said) or "rewritten")


def _passwd_change(path: Path, users: set[str]) -> str:
    """What the broker's password file lacks or holds too many of (it keeps hashes only, so it
    is compared by its logins)."""
    had = _read(path)
    if had is None:
        return f"new, {len(users)} logins"
    names = {line.partition(":")[0] for line in had.splitlines() if line.strip()}
    added, removed = sorted(users - names), sorted(names - users)
    said = [f"{len(added)} login(s) added ({', '.join(added)})"] if added else []
    said += [f"{len(removed)} login(s) removed ({', '.join(removed)})"] if removed else []
    return "; ".join(said)


def _hash_logins(path: Path, logins: dict[str, str]) -> None:
    """The broker's password file, hashed by Mosquitto's own tool (mosquitto_passwd -U turns a
    file of user:password lines into its hashed form)."""
    tool = shutil.which("mosquitto_passwd") or "/usr/bin/mosquitto_passwd"
    if not Path(tool).exists():
        raise CommandError("mosquitto_passwd not found: install the broker first (apt-get install mosquitto)")
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o750)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=".passwd-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.writelines(f"{user}:{password}\n" for user, password in sorted(logins.items()))
        done = subprocess.run([tool, "-U", name], capture_output=True, text=True)
        if done.returncode != 0:
            raise CommandError(f"mosquitto_passwd failed: {done.stderr.strip() or done.stdout.strip()}")
        os.chmod(name, SHARED)
        os.replace(name, path)
    finally:
        if os.path.exists(name):
            os.unlink(name)


def _admin_exists(folder: Path, username: str) -> bool:
    if not (folder / "wastewatch.toml").exists():
        return False
    from wastewatch.access import accounts
    from wastewatch.config import load_config
    from wastewatch.store.state import connect

    config = load_config(folder / "wastewatch.toml")
    return accounts.get(connect(config.state_url), username) is not None


def _add_admin(folder: Path, username: str) -> None:
    from wastewatch.access import accounts, audit
    from wastewatch.config import load_config
    from wastewatch.store.state import connect, transaction

    config = load_config(folder / "wastewatch.toml")
    config.data_dir.mkdir(parents=True, exist_ok=True, mode=0o750)
    db = connect(config.state_url)
    password = accounts.new_password()
    now = int(time.time())
    with transaction(db):
        accounts.add(db, config, username, "", "admin", password, now)
        audit.record(db, "cli:init", "user.add", now, target=username)
    print(f"  the admin account '{username}': password {password}  (shown once; change it after signing in)")


def _write(path: Path, content: str, mode: int) -> None:
    """Written whole or not at all: a temporary file beside it, then renamed over it."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o750)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(content)
        os.chmod(name, mode)
        os.replace(name, path)
    finally:
        if os.path.exists(name):
            os.unlink(name)


def _read(path: Path, strip: bool = True) -> str | None:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    return text.strip() if strip else text


def _read_csv(path: Path, key: str) -> dict[str, dict]:
    text = _read(path, strip=False)
    return {} if text is None else _rows(text, key)


def _rows(text: str, key: str) -> dict[str, dict]:
    """A CSV's rows by the value of their `key` column."""
    return {row[key]: row for row in csv.DictReader(io.StringIO(text))}
