"""`wastewatch backup` and `wastewatch restore`: an installation copied while it runs, and
put back on an empty data folder (store/backup.py)."""

from datetime import datetime
from pathlib import Path

from .common import CommandError, load


def add_commands(command) -> None:
    """Register the commands; `command(name, handler, help)` comes from cli.main."""
    take = command(
        "backup",
        backup,
        "copy the databases, photos, report versions, signing key and config into a new folder, "
        "while the service runs, and check the copy against its manifest",
    )
    take.add_argument(
        "--to", type=Path, help="the folder that holds the backups (default: [backup] to in the config)"
    )
    take.add_argument(
        "--keep", type=int, help="backups kept there; older ones are removed (default: [backup] keep)"
    )
    put = command(
        "restore",
        restore,
        "check a backup against its manifest and restore it into the config's empty data folder "
        "(and empty PostgreSQL database); then start the service",
    )
    put.add_argument("source", type=Path, help="the backup's folder (wastewatch-backup-…)")
    check = command(
        "backup-check", check_backup, "check a backup against its manifest without restoring it", config=False
    )
    check.add_argument("source", type=Path, help="the backup's folder (wastewatch-backup-…)")


def backup(args) -> None:
    from wastewatch.store.backup import BackupError
    from wastewatch.store.backup import backup as take

    config = load(args)
    to = args.to or config.backup.to
    if to is None:
        raise CommandError("say where: --to DIR, or set [backup] to in the config", usage=True)
    keep = args.keep if args.keep is not None else config.backup.keep
    if keep < 1:
        raise CommandError("--keep: must be at least 1", usage=True)
    try:
        made = take(config, to, keep, datetime.now(config.tz))
    except (BackupError, OSError) as exc:
        raise CommandError(f"backup failed: {exc}") from None
    print(
        f"backup {made.folder}: {made.files} files, {made.bytes / 1e6:.1f} MB, checked against its manifest"
    )
    for old in made.removed:
        print(f"removed the older backup {old}")


def restore(args) -> None:
    from wastewatch.store.backup import BackupError
    from wastewatch.store.backup import restore as put

    config = load(args)
    try:
        manifest = put(args.source, config)
    except (BackupError, OSError) as exc:
        raise CommandError(f"restore refused: {exc}") from None
    print(
        f"restored the backup of {manifest['made_at']} (wastewatch {manifest['wastewatch']}, "
        f"{len(manifest['files'])} files) into {config.data_dir}; start the service"
    )


def check_backup(args) -> None:
    from wastewatch.store.backup import BackupError, verify

    try:
        manifest = verify(args.source)
    except BackupError as exc:
        raise CommandError(str(exc)) from None
    print(f"{args.source}: sound, {len(manifest['files'])} files as listed, made {manifest['made_at']}")
