"""A contractor's report from the field — acknowledging an order, or reporting it done with a
note, photos and, for a routine visit, its time and checklist — read from a form and recorded.

Two pages take it: the signed link of a work-order email (web/app.py), and the console's page
for a contractor's account (web/console/fieldwork.py). Both check the same things and call the
same lifecycle functions; they differ in who the person is (the link, or the session).
"""

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from wastewatch.config.i18n import translations
from wastewatch.maintenance import work_orders

from .uploads import UploadError, read_photo, store, taken_at

# The states each action accepts, as the lifecycle's moves say.
ALLOWED = {"acknowledge": work_orders.MOVES["acknowledge"][0], "done": work_orders.MOVES["done"][0]}
_QUESTION = re.compile(r"q([0-9]{1,3})")


class Problem(Exception):
    """Something to tell the contractor: a key into the page's words and its values, and the
    fields as typed, to fill the form again."""

    def __init__(self, key: str, status: int = 400, fields: dict | None = None, **values):
        super().__init__(key)
        self.key, self.status, self.values, self.fields = key, status, values, fields


def moved_on(order, action: str, local) -> Problem | None:
    """What became of an order that a link or a form can no longer act on, said plainly ("此工单
    已于 12-03 10:00 销号"), rather than that the link was used or the state is wrong; None when
    the order could still take the action."""
    if order["state"] == "closed":
        return Problem("closed", 409, at=local(order["closed_at"]))
    if order["state"] == "cancelled":
        return Problem("cancelled", 409, at=local(order["cancelled_at"]))
    if order["state"] == "resolved":
        return Problem("reported_already", 409, at=local(order["resolved_at"]))
    if order["state"] == "acknowledged" and action == "acknowledge":
        return Problem("acknowledged_already", 409, at=local(order["acknowledged_at"]))
    return None


@dataclass
class Report:
    fields: dict  # name, note, visited (as typed), answers {question index: answer}
    photos: list = field(default_factory=list)  # uploads.Photo, checked
    visited: int | None = None  # routine orders' visit time
    checklist: dict | None = None  # routine orders' {question: yes|no|na}
    key: str = ""  # the phone's key for this report: a repeat of it is the same report
    made_at: int | None = None  # the phone's clock when a report queued offline was made


_KEY = re.compile(r"[A-Za-z0-9_-]{8,64}")


def sent_key(form) -> str:
    """The report's key as the page's script sent it ("" without scripts, or a malformed one)."""
    key = str(form.get("key", ""))
    return key if _KEY.fullmatch(key) else ""


def _made_at(form, now: int) -> int | None:
    """The phone's time of a report made offline: whole seconds, not after its arrival."""
    if str(form.get("offline", "")) != "1":
        return None
    text = str(form.get("made_at", ""))
    if not (text.isascii() and text.isdigit()):
        return None
    return min(int(text), now)


def max_body(web) -> int:
    """The largest form: every photo at its largest plus room for the text fields."""
    return web.max_photos * int(web.max_photo_mb * 1024 * 1024) + 256 * 1024


def check_length(request, web) -> None:
    """Refuse an oversized form before reading it: by its declared length, which must be there."""
    length = request.headers.get("content-length")
    if length is None or not (length.isascii() and length.isdigit()) or int(length) > max_body(web):
        raise Problem("too_large", 413, n=web.max_photos, mb=f"{web.max_photo_mb:g}")


async def read(form, order, action: str, ctx, web) -> Report:
    """The form's fields and photos, checked; Problem (with the fields) when something is wrong."""
    # ASCII digits only: "q²" passes str.isdigit() and then fails int().
    answers = {int(m[1]): str(v) for k, v in form.items() if (m := _QUESTION.fullmatch(k))}
    fields = {
        "name": one_line(str(form.get("name", "")))[:40],
        "note": note_text(str(form.get("note", "")))[:4000],
        "visited": str(form.get("visited", "")),
        "answers": answers,
    }
    uploads = [f for f in form.getlist("photos") if hasattr(f, "read") and f.filename]
    if len(uploads) > web.max_photos:
        raise Problem("too_many", 400, fields, n=web.max_photos)
    try:
        photos = [await read_photo(f, int(web.max_photo_mb * 1024 * 1024)) for f in uploads]
    except UploadError as exc:
        if exc.reason == "too_large":
            raise Problem("too_large", 413, fields, n=web.max_photos, mb=f"{web.max_photo_mb:g}") from None
        raise Problem("not_image", 415, fields, name=exc.name) from None
    report = Report(fields, photos, key=sent_key(form), made_at=_made_at(form, ctx.now()))
    if action == "done" and order["kind"] in work_orders.ROUTINE:
        report.visited, report.checklist = _routine(ctx, fields)
    return report


def _routine(ctx, fields: dict) -> tuple[int, dict]:
    try:
        visited = int(datetime.fromisoformat(fields["visited"]).replace(tzinfo=ctx.config.tz).timestamp())
    except ValueError:
        raise Problem("visited", 400, fields) from None
    if visited > ctx.now():
        raise Problem("visited", 400, fields)
    questions = ctx.rules.inspections.checklist
    answers = fields["answers"]
    if any(answers.get(i) not in ("yes", "no", "na") for i in range(len(questions))):
        raise Problem("checklist", 400, fields)
    return visited, {q: answers[i] for i, q in enumerate(questions)}


def store_photos(config, order, report: Report) -> list:
    """The photos' files, written before the transaction that records them: a crash between
    leaves a stray file, never a row without its file."""
    return [store(config.data_dir, order["id"], photo) for photo in report.photos]


def record(ctx, order, action: str, actor: str, report: Report, paths: list, now: int):
    """Attach the photos and move the order, in the caller's transaction; the order after."""
    db = ctx.db
    for photo, path in zip(report.photos, paths):
        work_orders.attach_photo(
            db,
            order["id"],
            path,
            photo.name,
            photo.content_type,
            len(photo.data),
            photo.sha256,
            actor,
            now,
            taken_at(photo, ctx.config.tz),
        )
    note = report.fields["note"]
    if report.photos:  # said in the service's language: the note goes to the operators
        count = translations(ctx.config.service.locale).ngettext(
            "(%(n)d photo)", "(%(n)d photos)", len(report.photos)
        ) % {"n": len(report.photos)}
        note = note + ("" if count.startswith("（") else " ") + count if note else count
    if report.key:
        work_orders.submitted(db, report.key, order["id"], action, report.made_at, now)
    if action == "acknowledge":
        return work_orders.acknowledge(ctx, order["id"], actor, note, now)
    offline = (work_orders.said.offline(ctx.local(report.made_at), ctx.local(now)),) if report.made_at else ()
    return work_orders.done(
        ctx,
        order["id"],
        actor,
        note,
        now,
        visited_at=report.visited,
        checklist=report.checklist,
        said=offline,
    )


def received_before(ctx, order_id: str, form):
    """The submission this form repeats (a phone's queue sending a report again), or None."""
    key = sent_key(form)
    found = work_orders.submission(ctx.db, key) if key else None
    return found if found is not None and found["work_order_id"] == order_id else None


def one_line(text: str) -> str:
    """A name: one line, runs of white space and control characters as one space."""
    return " ".join("".join(" " if unicodedata.category(c) == "Cc" else c for c in text).split())


def note_text(text: str) -> str:
    """A note keeps its line breaks (as LF) and tabs; other control characters go."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(c for c in text if c in "\n\t" or unicodedata.category(c) != "Cc").strip()
