"""What a platform's progress means, for the console's page and /metrics: up to when a site's
data has gone, how many periods wait, how far behind it is, and its last error in words. One
function each, so the page and the figures cannot say two things.

`through` is a `forward_progress` row's: periods starting at or before it are done (answered,
or without anything to send)."""

import re
from datetime import datetime, tzinfo

from wastewatch.config.forward import Forward
from wastewatch.config.i18n import N_, gettext

from .forwarder import PERIOD_S, RECORD_SKIP_S, SETTLE_S

# Behind by less than this is the usual pace (a quiet site's stretch is recorded as done every
# RECORD_SKIP_S): the page says nothing of it. An hour or more, or an error, is shown in red.
NOTABLE_S = 2 * RECORD_SKIP_S
LATE_S = 3600


def width(target: Forward, kind: str) -> int:
    """A kind's period in seconds (0 for realtime: each reading is its own)."""
    return 0 if kind == "realtime" else target.minute_s if kind == "minute" else PERIOD_S[kind]


def delivered_until(target: Forward, kind: str, through: int, zone: tzinfo) -> int:
    """The moment before which every period of the kind is done: the end of the period holding
    `through` (a local midnight for days); for realtime, just after the last reading done."""
    if kind == "realtime":
        return through + 1
    if kind == "daily":
        day = datetime.fromtimestamp(through, zone).date()
        return int(datetime(day.year, day.month, day.day, tzinfo=zone).timestamp()) + 86400
    span = width(target, kind)
    return (through // span + 1) * span  # minute spans and hours: whole in every zone China uses


def _due_for(target: Forward, kind: str, through: int, now: float, zone: tzinfo) -> int:
    """Seconds since the first period not done began, less the wait before a period is sent."""
    return int(now) - SETTLE_S[kind] - delivered_until(target, kind, through, zone)


def behind(target: Forward, kind: str, through: int, now: float, zone: tzinfo) -> int:
    """How long the oldest period not done has been due (0: none is due). A site quiet for a
    while reads up to five minutes behind: a stretch without readings is recorded as done that
    often (RECORD_SKIP_S)."""
    return max(0, _due_for(target, kind, through, now, zone) - width(target, kind))


def waiting(target: Forward, kind: str, through: int, now: float, zone: tzinfo) -> int | None:
    """Periods due and not yet done (at most: one without readings is skipped, not sent); None
    for realtime, whose readings are not counted here."""
    if kind == "realtime":
        return None
    return max(0, _due_for(target, kind, through, now, zone)) // width(target, kind)


# A stored error (jobs/forwarder.py writes them in English, as the log does) said for a person.
MEANINGS = {
    "no reply within": N_(
        "no reply within {s} s: the platform may not know this site's MN or PW, or lost the frame; "
        "sent again after a rest"
    ),
    "the platform closed": N_("the platform closed the connection before replying; sent again after a rest"),
}
UNREACHABLE = N_("cannot reach the platform ({error}); tried again")


def error_words(error: str, locale: str) -> str:
    for prefix, meaning in MEANINGS.items():
        if error.startswith(prefix):
            seconds = re.search(r"(\d+) s", error)
            return gettext(locale, meaning).format(s=seconds[1] if seconds else "?")
    return gettext(locale, UNREACHABLE).format(error=error)
