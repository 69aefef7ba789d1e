"""What a visit's check-in shows, as flags for the operator — each check passed, failed, or
not possible — and the one judgement the assessment counts: every check passed.

Each check is a fact with its reason, never a verdict: a phone indoors reads its position
poorly, a plate can be photographed, a clock can be wrong. The operator reads them beside the
visit and may refuse 销号 with a reason; the contractor scorecard counts visits with every
check passed, visits with flags and visits without check-in (docs/operators/field-visits.md).
"""

from dataclasses import dataclass, field

from wastewatch.config.i18n import N_, Sentence

from .checkins import Checkin
from .plates import Plate

PASSED, FAILED, UNKNOWN = "passed", "failed", "unknown"
# The checks in the order they are shown.
NAMES = {
    "plate": N_("plate"),
    "distance": N_("distance to the site"),
    "accuracy": N_("position accuracy"),
    "span": N_("check-in to report"),
    "photos": N_("photos after check-in"),
    "clock": N_("phone clock"),
}
# Of a visit as a whole, for the order's page, its timeline and the scorecard.
VERDICTS = {
    "passed": N_("every check passed"),
    "flagged": N_("checked in, with flags"),
    "none": N_("no check-in"),
}


@dataclass(frozen=True)
class Flag:
    name: str  # a key of NAMES
    state: str  # passed, failed, unknown
    why: Sentence  # what was found, in words

    @property
    def passed(self) -> bool:
        return self.state == PASSED


@dataclass(frozen=True)
class Photo:
    """What the checks need of a photo sent with the report: when the server received it, and
    when its EXIF says it was taken (None where the phone stripped it)."""

    uploaded_at: int
    taken_at: int | None


@dataclass(frozen=True)
class Visit:
    checkin: Checkin | None
    flags: list[Flag] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        """passed (a check-in with every check passed), flagged, or none."""
        if self.checkin is None:
            return "none"
        return "passed" if all(f.state != FAILED for f in self.flags) and self._located() else "flagged"

    def _located(self) -> bool:
        # A check-in the checks could not place (no position, no plate) is not a passed one.
        return all(f.passed for f in self.flags if f.name in ("plate", "distance", "accuracy"))


def judge(
    checkin: Checkin | None,
    plate: Plate | None,
    plate_site_name: str | None,
    resolved_at: int | None,
    photos: list[Photo],
    bounds,
    report_made_at: int | None = None,
) -> Visit:
    """The flags of a visit: `plate` is the plate the check-in's code named (None when it named
    none), `plate_site_name` that plate's site's name; `resolved_at` when the visit was reported
    done (None while it waits), `report_made_at` the phone's time of a report made offline;
    `bounds` the `[visits]` config."""
    if checkin is None:
        return Visit(None)
    flags = [
        _plate(checkin, plate, plate_site_name),
        _distance(checkin, bounds),
        _accuracy(checkin, bounds),
        _span(checkin, resolved_at, report_made_at, bounds),
        _photos(checkin, photos, bounds),
        _clock(checkin, bounds),
    ]
    return Visit(checkin, flags)


def _plate(c: Checkin, plate: Plate | None, site_name: str | None) -> Flag:
    if not c.plate_text:
        return Flag("plate", FAILED, Sentence(N_("no plate was read")))
    if plate is None:
        return Flag("plate", FAILED, Sentence(N_("the code read is not a Wastewatch plate")))
    if plate.site_id != c.site_id:
        return Flag(
            "plate",
            FAILED,
            Sentence(N_("the plate of another site ({site})"), site=site_name or plate.site_id),
        )
    if not plate.in_use_at(c.received_at):
        return Flag("plate", FAILED, Sentence(N_("a retired plate (no. {serial})"), serial=plate.serial))
    return Flag("plate", PASSED, Sentence(N_("this site's plate (no. {serial})"), serial=plate.serial))


def _distance(c: Checkin, bounds) -> Flag:
    if c.location_error:
        return Flag("distance", UNKNOWN, Sentence(LOCATION_WORDS[c.location_error]))
    if c.distance_m is None:
        return Flag("distance", UNKNOWN, Sentence(N_("the site has no coordinates")))
    metres = round(c.distance_m)
    if c.distance_m <= bounds.radius_m:
        return Flag("distance", PASSED, Sentence(N_("{m} m from the site"), m=metres))
    return Flag(
        "distance",
        FAILED,
        Sentence(N_("{m} m from the site, beyond {radius} m"), m=metres, radius=round(bounds.radius_m)),
    )


def _accuracy(c: Checkin, bounds) -> Flag:
    if c.accuracy_m is None:
        return Flag("accuracy", UNKNOWN, Sentence(N_("no position")))
    metres = round(c.accuracy_m)
    if c.accuracy_m <= bounds.max_accuracy_m:
        return Flag("accuracy", PASSED, Sentence(N_("within {m} m"), m=metres))
    return Flag(
        "accuracy",
        FAILED,
        Sentence(N_("within {m} m only, worse than {max} m"), m=metres, max=round(bounds.max_accuracy_m)),
    )


def _span(c: Checkin, resolved_at: int | None, made_at: int | None, bounds) -> Flag:
    if resolved_at is None:
        return Flag("span", UNKNOWN, Sentence(N_("not reported done yet")))
    # Made without signal, both arrive later together: the phone's own times of each are what
    # the visit took (each phone time was checked against its arrival, see _clock).
    if made_at is not None and c.phone_at is not None:
        minutes = (made_at - c.phone_at) / 60
    else:
        minutes = (resolved_at - c.received_at) / 60
    shown = round(minutes)
    if minutes < bounds.min_visit_min:
        return Flag(
            "span",
            FAILED,
            Sentence(
                N_("reported done {n} min after check-in, under {min} min"),
                n=shown,
                min=round(bounds.min_visit_min),
            ),
        )
    if minutes > bounds.max_visit_h * 60:
        return Flag(
            "span",
            FAILED,
            Sentence(
                N_("reported done {h} h after check-in, over {max} h"),
                h=round(minutes / 60, 1),
                max=f"{bounds.max_visit_h:g}",
            ),
        )
    return Flag("span", PASSED, Sentence(N_("reported done {n} min after check-in"), n=shown))


def _photos(c: Checkin, photos: list[Photo], bounds) -> Flag:
    if not photos:
        return Flag("photos", UNKNOWN, Sentence(N_("no photos")))
    # Sent with the report, so after the check-in; what a photo's own EXIF says of when it was
    # taken is the evidence, where the phone kept it (browsers strip GPS, some keep the time).
    slack = bounds.max_phone_skew_min * 60
    before = [p for p in photos if p.taken_at is not None and p.taken_at < c.received_at - slack]
    if before:
        return Flag(
            "photos",
            FAILED,
            Sentence(
                N_("{n} of {total} taken before check-in by their own record"),
                n=len(before),
                total=len(photos),
            ),
        )
    dated = sum(p.taken_at is not None for p in photos)
    return Flag(
        "photos",
        PASSED,
        Sentence(N_("{total} after check-in ({dated} with their own time)"), total=len(photos), dated=dated),
    )


def _clock(c: Checkin, bounds) -> Flag:
    if c.phone_at is None:
        return Flag("clock", UNKNOWN, Sentence(N_("the phone sent no time")))
    skew = c.received_at - c.phone_at
    if c.offline:
        # Made without signal: the phone's time must come before its arrival.
        if skew < -bounds.max_phone_skew_min * 60:
            return Flag("clock", FAILED, Sentence(N_("the phone's time is after it arrived")))
        return Flag("clock", PASSED, Sentence(N_("made offline, sent {n} min later"), n=round(skew / 60)))
    if abs(skew) > bounds.max_phone_skew_min * 60:
        return Flag(
            "clock", FAILED, Sentence(N_("the phone's clock is {n} min off"), n=round(abs(skew) / 60))
        )
    return Flag("clock", PASSED, Sentence(N_("agrees with the server")))


LOCATION_WORDS = {
    "denied": N_("the phone's position was refused"),
    "unavailable": N_("the phone could not find its position"),
    "timeout": N_("the phone's position took too long"),
    "unsupported": N_("the browser cannot give a position"),
}
