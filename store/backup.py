"""Backups of an installation, taken while the service runs, and their restore.

A backup is a folder `wastewatch-backup-<local time>` holding:

- the databases: the SQLite file copied by `VACUUM INTO` (one read transaction, so one
  consistent moment, without stopping ingest), checked with `PRAGMA integrity_check`; or a
  `pg_dump` of each PostgreSQL database (custom format, one snapshot);
- the files beside them in the data folder: photos and laboratory reports (`attachments/`),
  the report versions (`reports/`, not the drafts) and the link-signing key;
- the config and every file it names (`config/`, laid out as under the config's folder);
- `manifest.json`: every file's size and SHA-256, the release and schema revision that wrote it.

The databases are copied first and the files after: the service writes a file before the row
that names it, so every file a copied row names is there (a file or two newer than the copy
may be too, which costs nothing). A backup is written under a temporary name, read back
against its manifest, and only then given its name; the oldest beyond `keep` are removed.

`restore` checks the manifest file by file before it copies anything, and only into an empty
data folder (and an empty PostgreSQL database).
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from wastewatch import __version__
from wastewatch.config import Config
from wastewatch.config.files import config_files

from .files import private_database

MANIFEST = "manifest.json"
PREFIX = "wastewatch-backup-"
_PARTIAL = ".partial-"
_SQLITE = "databases/wastewatch.db"
# What the data folder holds beside the databases, by the names the service writes.
_DATA = ("attachments", "reports", "web-secret.key")
_SKIPPED = ("reports/drafts",)
_CHUNK = 1 << 20


class BackupError(Exception):
    """A backup that cannot be made or used, said in one sentence naming the file. `kind`:
    "database" (a database could not be copied or restored), "damaged" (a file is not what
    the manifest says), "refused" (a restore that would mix histories), or "other"."""

    def __init__(self, message: str, kind: str = "other"):
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class Made:
    folder: Path
    files: int
    bytes: int
    removed: tuple[Path, ...]


def backup(config: Config, to: Path, keep: int, now: datetime) -> Made:
    """Back the installation up into a new folder under `to`; keep the newest `keep`."""
    to = Path(to)
    to.mkdir(parents=True, exist_ok=True, mode=0o700)
    name = PREFIX + now.astimezone(config.tz).strftime("%Y%m%dT%H%M%S")
    final = to / name
    if final.exists():
        raise BackupError(f"{final}: a backup of that second exists already")
    for stale in to.glob(_PARTIAL + PREFIX + "*"):  # a run that died half-way
        shutil.rmtree(stale, ignore_errors=True)
    partial = to / (_PARTIAL + name)
    partial.mkdir(mode=0o700)
    try:
        entries = _databases(config, partial)
        entries += _data_files(config.data_dir, partial, skip=to)
        entries += _config(config.path, partial)
        manifest = {
            "wastewatch": __version__,
            "schema": _schema(config, partial),
            "made_at": now.astimezone(config.tz).isoformat(timespec="seconds"),
            "config": Path(config.path).name,
            "databases": _kinds(config),
            "files": entries,
        }
        _write(partial / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1).encode())
        verify(partial)
        partial.rename(final)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return Made(final, len(entries), sum(e["bytes"] for e in entries), _rotate(to, keep))


def backups(to: Path) -> list[Path]:
    """The finished backups in a folder, oldest first (their names sort by time)."""
    return sorted(p for p in Path(to).glob(PREFIX + "*") if (p / MANIFEST).is_file())


def verify(folder: Path) -> dict:
    """The backup's manifest, once every file it lists has its size and SHA-256; else a
    BackupError naming the first file that does not."""
    folder = Path(folder)
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        listed = manifest["files"]
    except FileNotFoundError:
        raise BackupError(f"{folder}: no {MANIFEST}; not a Wastewatch backup, or an unfinished one") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise BackupError(f"{folder / MANIFEST}: cannot be read ({exc})") from None
    for entry in listed:
        path = folder / entry["path"]
        if not path.is_file():
            raise BackupError(f"{path}: listed in the manifest but missing; the backup is damaged", "damaged")
        size, digest = _digest(path)
        if size != entry["bytes"] or digest != entry["sha256"]:
            raise BackupError(
                f"{path}: differs from the manifest (size or SHA-256); the backup is damaged", "damaged"
            )
    return manifest


def restore(folder: Path, config: Config) -> dict:
    """Restore a verified backup into the config's empty data folder (and empty PostgreSQL
    databases); returns the manifest."""
    folder = Path(folder)
    manifest = verify(folder)
    from .state import head

    if manifest.get("schema") and manifest["schema"] > head():
        raise BackupError(
            f"{folder}: made by wastewatch {manifest['wastewatch']}, whose database is newer than this "
            f"release's ({__version__}); install {manifest['wastewatch']} or newer to restore it"
        )
    if _kinds(config) != manifest["databases"]:
        raise BackupError(
            f"{folder}: holds {_said(manifest['databases'])}, but the config keeps {_said(_kinds(config))}; "
            "restore with a config like the one in the backup's config/ folder"
        )
    data = config.data_dir
    if data.exists() and any(data.iterdir()):
        held = ", ".join(sorted(p.name for p in data.iterdir())[:5])
        raise BackupError(f"{data}: the data folder is not empty ({held}); restore only into an empty one")
    urls = _postgres_urls(config)
    for url in urls:
        _refuse_nonempty_database(url)
    data.mkdir(parents=True, exist_ok=True, mode=0o700)
    for entry in manifest["files"]:
        source = folder / entry["path"]
        if entry["path"] == _SQLITE:
            private_database(config.database_path)
            shutil.copyfile(source, config.database_path)
            _check_sqlite(config.database_path)
        elif entry["path"].startswith("databases/") and entry["path"].endswith(".pgdump"):
            _pg_restore(source, urls[int(Path(entry["path"]).stem.rsplit("-", 1)[1])])
        elif entry["path"].startswith("data/"):
            target = data / entry["path"][len("data/") :]
            target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            shutil.copyfile(source, target)
            os.chmod(target, 0o600)
    return manifest


# -- the parts of a backup -------------------------------------------------------------------


def _kinds(config: Config) -> list[str]:
    """Where the installation keeps its databases: "sqlite" and/or one "postgresql" per URL."""
    kinds = ["postgresql"] * len(_postgres_urls(config))
    return (["sqlite"] if _uses_sqlite(config) else []) + kinds


def _said(kinds: list[str]) -> str:
    return " and ".join(kinds) or "no database"


def _uses_sqlite(config: Config) -> bool:
    return config.readings_url is None or config.database.url is None


def _postgres_urls(config: Config) -> list[str]:
    """The PostgreSQL databases, each once (the readings share the state's unless [store] url
    names another), as libpq URLs."""
    from sqlalchemy.engine import make_url

    urls = [u for u in (config.database.url, config.readings_url) if u]
    plain = [make_url(u).set(drivername="postgresql").render_as_string(hide_password=False) for u in urls]
    return list(dict.fromkeys(plain))


def _databases(config: Config, partial: Path) -> list[dict]:
    (partial / "databases").mkdir(mode=0o700)
    entries = []
    if _uses_sqlite(config):
        target = partial / _SQLITE
        copying = target.with_name(target.name + ".copying")
        source = sqlite3.connect(config.database_path, timeout=60)
        try:
            source.execute("VACUUM INTO ?", (str(copying),))
        except sqlite3.Error as exc:
            raise BackupError(f"{config.database_path}: cannot be copied ({exc})", "database") from None
        finally:
            source.close()
        _check_sqlite(copying)
        copying.rename(target)
        entries.append(_entry(partial, target))
    for index, url in enumerate(_postgres_urls(config)):
        target = partial / "databases" / f"postgresql-{index}.pgdump"
        done = subprocess.run(
            ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(target), url],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise BackupError(f"pg_dump of {_hidden(url)} failed: {done.stderr.strip()[:300]}", "database")
        entries.append(_entry(partial, target))
    return entries


def _data_files(data: Path, partial: Path, skip: Path) -> list[dict]:
    entries = []
    for name in _DATA:
        source = data / name
        found = [source] if source.is_file() else sorted(p for p in source.rglob("*") if p.is_file())
        for path in found:
            relative = path.relative_to(data)
            if any(relative.is_relative_to(s) for s in _SKIPPED) or path.is_relative_to(skip.resolve()):
                continue
            if path.suffix == ".part":  # a photo being written; its row does not exist yet
                continue
            entries.append(_copy(path, partial / "data" / relative, partial))
    return entries


def _config(config_path: Path, partial: Path) -> list[dict]:
    base = Path(config_path).resolve().parent
    entries = []
    for path in config_files(config_path):
        relative = path.relative_to(base) if path.is_relative_to(base) else Path("outside", *path.parts[1:])
        entries.append(_copy(path, partial / "config" / relative, partial))
    return entries


def _schema(config: Config, partial: Path) -> str | None:
    """The state's schema revision (its newest migration), read from the copy when it is
    SQLite; a restore into an older release must not meet a newer schema."""
    query = "SELECT version_num FROM alembic_version"
    if config.database.url is None:
        connection = sqlite3.connect(f"file:{partial / _SQLITE}?mode=ro", uri=True)
        try:
            row = connection.execute(query).fetchone()
        finally:
            connection.close()
    else:
        import psycopg

        with psycopg.connect(_postgres_urls(config)[0]) as pg:
            row = pg.execute(query).fetchone()
    return row[0] if row else None


# -- files -----------------------------------------------------------------------------------


def _copy(source: Path, target: Path, partial: Path) -> dict:
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    digest, size = hashlib.sha256(), 0
    with open(source, "rb") as reading, open(target, "wb", opener=_private) as writing:
        while chunk := reading.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
            writing.write(chunk)
        writing.flush()
        os.fsync(writing.fileno())
    return {"path": target.relative_to(partial).as_posix(), "bytes": size, "sha256": digest.hexdigest()}


def _entry(partial: Path, path: Path) -> dict:
    os.chmod(path, 0o600)
    size, digest = _digest(path)
    return {"path": path.relative_to(partial).as_posix(), "bytes": size, "sha256": digest}


def _write(path: Path, data: bytes) -> None:
    with open(path, "wb", opener=_private) as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())


def _private(path, flags):
    return os.open(path, flags, 0o600)


def _digest(path: Path) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as reading:
        while chunk := reading.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _check_sqlite(path: Path) -> None:
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = connection.execute("PRAGMA integrity_check").fetchall()
        finally:
            connection.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path}: not a sound SQLite database ({exc})", "database") from None
    if result != [("ok",)]:
        raise BackupError(f"{path}: PRAGMA integrity_check found {result[0][0]!r}", "database")


def _rotate(to: Path, keep: int) -> tuple[Path, ...]:
    old = backups(to)[:-keep] if keep > 0 else []
    for folder in old:
        shutil.rmtree(folder)
    return tuple(old)


# -- PostgreSQL ------------------------------------------------------------------------------


def _hidden(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _refuse_nonempty_database(url: str) -> None:
    import psycopg

    with psycopg.connect(url) as connection:
        tables = connection.execute(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
        ).fetchone()
    if tables and tables[0]:
        raise BackupError(
            f"{_hidden(url)}: the database holds {tables[0]} tables; restore only into an empty one"
        )


def _pg_restore(dump: Path, url: str) -> None:
    done = subprocess.run(
        [
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            "--dbname",
            url,
            str(dump),
        ],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise BackupError(f"pg_restore of {dump} into {_hidden(url)} failed: {done.stderr.strip()[:300]}")
