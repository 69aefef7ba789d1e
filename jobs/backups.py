"""The daily backup, as a job of `serve` ([backup] to, at, keep): a backup that fails is a
problem on /healthz until one succeeds, and an email to the operators, since a county finds out
about a missing backup only on the day it needs one."""

import errno
import logging
import socket
from datetime import datetime

from wastewatch.config import Config
from wastewatch.config.i18n import N_, gettext
from wastewatch.config.text import local_time
from wastewatch.notify import notify
from wastewatch.store.backup import BackupError, Made, backup, backups
from wastewatch.store.health import HEALTH
from wastewatch.store.state import connect, transaction

log = logging.getLogger("wastewatch.backup")
COMPONENT = "backup"
# What the operators read of a failure: the cause in their words. The technical message (a
# path, an errno, pg_dump's own words) goes to the log and /healthz, for whoever fixes it.
CAUSES = {
    "full": N_("the backup disk is full"),
    "folder": N_(
        "the backup folder cannot be used: a share not mounted, or a file where the folder should be"
    ),
    "permission": N_("the service may not write to the backup folder"),
    "database": N_("the database could not be copied"),
    "damaged": N_("the copy did not read back as it was written"),
    "other": N_("an unexpected error"),
}


def cause(exc: BaseException) -> str:
    """The key in CAUSES of a failed backup's exception."""
    if isinstance(exc, BackupError):
        return exc.kind if exc.kind in CAUSES else "other"
    if isinstance(exc, OSError):
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return "full"
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            return "permission"
        if exc.errno in (errno.ENOTDIR, errno.EEXIST, errno.ENOENT, errno.ENODEV, errno.ESTALE):
            return "folder"
    return "other"


class Backups:
    def __init__(self, config: Config):
        self.config = config

    def run(self, now: datetime) -> Made | None:
        settings = self.config.backup
        assert settings.to is not None, "scheduled only when [backup] to is set"
        try:
            made = backup(self.config, settings.to, settings.keep, now)
        except Exception as exc:  # noqa: BLE001 — any failure is the operators' to know
            log.error("backup into %s failed: %s", settings.to, exc, exc_info=not _expected(exc))
            HEALTH.failing(COMPONENT, str(exc), f"the next backup is at {settings.at}")
            self._tell(cause(exc), now)
            return None
        HEALTH.recovered(COMPONENT)
        log.info(
            "backup %s: %d files, %.1f MB, checked; %d older removed",
            made.folder,
            made.files,
            made.bytes / 1e6,
            len(made.removed),
        )
        return made

    def _tell(self, why: str, now: datetime) -> None:
        config = self.config
        operators = [address for site in config.sites for address in site.operators]
        kept = backups(config.backup.to)  # none where the folder is missing or a file
        stamp = int(now.timestamp())
        context = {
            "cause": gettext(config.service.locale, CAUSES[why]),
            "at_local": local_time(stamp, config.tz),
            "folder": str(config.backup.to),
            "host": socket.gethostname(),
            "last": kept[-1].name if kept else None,
            "next": config.backup.at,
        }
        db = connect(self.config.state_url)  # a connection of the job's own thread
        try:
            with transaction(db):
                notify(
                    db,
                    "backup-failed",
                    config.service.locale,
                    context,
                    to=operators,
                    sender=config.smtp.sender,
                    ref=f"backup:{now.astimezone(config.tz):%Y-%m-%d}",
                    now=stamp,
                )
        finally:
            db.close()


def _expected(exc: Exception) -> bool:
    return isinstance(exc, (BackupError, OSError))
