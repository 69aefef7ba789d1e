"""What a work order's state changes say, as sentences (config/i18n.py): kept with each
transition row beside its English text and shown in the reader's language on the timeline —
"已提醒运维单位：接单期限 2026-10-13 01:00", not "reminder: acknowledge by 2026-10-13 01:00".

Rows written before sentences were kept hold only their English text; `timeline()` reads the
sentences back out of it, so an old order's timeline reads as well as a new one's.
"""

import re

from wastewatch.config.i18n import N_, NP_, Record, Sentence, Word

from .. import verification

# Which deadline, as a sentence names it.
DEADLINES = {"acknowledge": NP_("deadline", "acknowledgement"), "repair": NP_("deadline", "completion")}
# How often a routine visit is due; other periods are counted.
EVERY = {
    ("d", 7): N_("every week"),
    ("d", 14): N_("every two weeks"),
    ("mo", 1): N_("every month"),
    ("mo", 3): N_("every quarter"),
    ("mo", 12): N_("every year"),
}


def deadline(which: str) -> Word:
    return Word(DEADLINES[which], "deadline") if which in DEADLINES else Word(which)


def every(period: str):
    """ "每两周" for "14d", "每 10 天" for "10d": a Word or a Sentence."""
    number, unit = (int(period[:-2]), "mo") if period.endswith("mo") else (int(period[:-1]), "d")
    if (unit, number) in EVERY:
        return Word(EVERY[(unit, number)])
    return Sentence(N_("every {n} days") if unit == "d" else N_("every {n} months"), n=number)


def opened_for(alert_id: int) -> Sentence:
    return Sentence(N_("opened for alert {alert}"), alert=alert_id)


def routine(period: str, last_day: str) -> Sentence:
    return Sentence(N_("routine visit, {every}, due by {day}"), every=every(period), day=last_day)


def absorbed(alert_id: int) -> Sentence:
    return Sentence(N_("absorbed alert {alert} (same fault)"), alert=alert_id)


def recurred(hours: int, alert_id: int) -> Sentence:
    return Sentence(
        N_("fault recurred within {hours} h of closing: alert {alert}"), hours=hours, alert=alert_id
    )


def assigned(old: str, new: str) -> Sentence:
    return Sentence(N_("assigned from {old} to {new}"), old=old, new=new)


def reminded(which: str, due: str) -> Sentence:
    return Sentence(N_("reminder: {deadline} by {due}"), deadline=deadline(which), due=due)


def escalated(which: str, due: str) -> Sentence:
    return Sentence(N_("escalated: {deadline} deadline {due} missed"), deadline=deadline(which), due=due)


def results_overdue(sample_id: int, due: str) -> Sentence:
    return Sentence(
        N_("escalated: laboratory results of sample {sample} were due {due}"), sample=sample_id, due=due
    )


def chased() -> Sentence:
    return Sentence(N_("chased the contractor"))


def offline(made: str, sent: str) -> Sentence:
    """A report made on a phone without signal and sent when it had one."""
    return Sentence(N_("made offline at {made}, sent at {sent}"), made=made, sent=sent)


def checked(lines: list) -> Sentence:
    return Sentence(N_("verification: {lines}"), lines=lines)


def timeline(row, locale: str) -> str:
    """A transition row's words in `locale`: its sentences and note, or those read back from
    the text of a row written before sentences were kept."""
    if row["said"]:
        return Record.loads(row["said"]).text(locale)
    return legacy(row["note"]).text(locale)


# The texts the moves wrote before sentences were kept, newest wording first.
_LEGACY = [
    (re.compile(r"opened for alert (\d+): (.*)", re.S), lambda m: Record((opened_for(int(m[1])),), m[2])),
    (re.compile(r"absorbed alert (\d+) \(same fault\)"), lambda m: Record((absorbed(int(m[1])),))),
    (
        re.compile(r"fault recurred within (\d+) h of closing: alert (\d+)"),
        lambda m: Record((recurred(int(m[1]), int(m[2])),)),
    ),
    (
        re.compile(r"assigned from (\S+) to (\S+?)(?:: (.*))?", re.S),
        lambda m: Record((assigned(m[1], m[2]),), m[3] or ""),
    ),
    (re.compile(r"reminder: (acknowledge|repair) by (.+)"), lambda m: Record((reminded(m[1], m[2]),))),
    (
        re.compile(r"escalated: (acknowledge|repair) deadline (.+) missed"),
        lambda m: Record((escalated(m[1], m[2]),)),
    ),
    (re.compile(r"routine: every (\d+(?:d|mo)), due by (\S+)"), lambda m: Record((routine(m[1], m[2]),))),
    (
        re.compile(r"(?:(.*); )?verification: (.*)", re.S),
        lambda m: Record((checked([verification.legacy(x) for x in m[2].split("; ")]),), m[1] or ""),
    ),
]


def legacy(text: str) -> Record:
    for pattern, said in _LEGACY:
        found = pattern.fullmatch(text)
        if found:
            return said(found)
    return Record((), text)  # a person's note
