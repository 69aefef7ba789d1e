"""What an alert's state changes say, as sentences (config/i18n.py): written with each
transition row and shown in the reader's language — in the console's history and in the
resolved email — never as the rule's codes ("daily_exceedance, cod, value 136.242, …").

Rows written before sentences were kept hold only their English text; `history()` reads the
sentences back out of it, so an old alert's history reads as well as a new one's.
"""

import re

from wastewatch.config.i18n import N_, NP_, Record, Sentence, Word
from wastewatch.config.metrics import EQUIPMENT, EQUIPMENT_STATES, METRICS, QUANTITIES

# Who changed an alert or an order, when it was no person.
ACTORS = {
    "rules": NP_("actor", "the rules (automatic)"),
    "sla": NP_("actor", "the deadline check (automatic)"),
    "schedule": NP_("actor", "the inspection calendar (automatic)"),
}
WINDOW_KINDS = {  # as alerts/windows.py names them (a layer above: the names only)
    "planned_stop": N_("planned stop"),
    "maintenance": N_("maintenance"),
    "calibration": N_("calibration"),
}


def actor(who: str, locale: str, companies: dict | None = None) -> str:
    """ "系统规则（自动）" for the rules, "命令行（王科长）" for a command, "天全县清源环保运维有限公司
    （张三）" for a contractor's person (`companies`: {contractor id: name}), the person otherwise."""
    if who in ACTORS:
        return Word(ACTORS[who], "actor").text(locale)
    if who.startswith("cli:"):
        return Sentence(N_("command line ({who})"), who=who[4:]).text(locale)
    company, _, person = who.partition("/")
    if companies and company in companies:
        if not person:
            return companies[company]
        return (
            f"{companies[company]}（{person}）" if locale == "zh-CN" else f"{companies[company]} ({person})"
        )
    return who


def measure(rule: str, metric: str, detail: dict) -> tuple[str, str, int | None]:
    """(what was measured, its unit, decimals or None for as many as needed): a rule whose
    value is a day's figure names its quantity (日处理水量, m³/d), others the reading's metric.
    Alerts from before quantities were named are recognised by their rule."""
    quantity = QUANTITIES.get(
        detail.get("quantity") or ("daily_volume" if rule == "hydraulic_overload" else "")
    )
    if quantity:
        return quantity.label, quantity.unit, quantity.decimals
    known = METRICS.get(metric)
    return (known.label if known else metric), (known.unit if known else ""), None


def value_text(value: float | None, unit: str, decimals: int | None) -> str:
    if value is None:
        return ""
    shown = f"{value:.{decimals}f}" if decimals is not None else f"{value:g}"
    return f"{shown} {unit}".rstrip()


def reading(rule: str, metric: str, value: float | None, detail: dict):
    """The value as a Sentence: "化学需氧量 136.242 mg/L", "提升泵 报警" (a machine's state in
    words), or None without a value."""
    if value is None:
        return None
    if metric in EQUIPMENT and value in EQUIPMENT_STATES:
        # As config.metrics.equipment_state() says it: 提升泵报警, Lift pump alarm.
        return Sentence(
            N_("{equipment} {state}"),
            equipment=Word(EQUIPMENT[metric]),
            state=Word(EQUIPMENT_STATES[int(value)]),
        )
    label, unit, decimals = measure(rule, metric, detail)
    return Sentence("{what} {value}", what=Word(label), value=value_text(value, unit, decimals))


def opened(finding, since: str, window=None) -> Record:
    """What the rules saw when they opened the alert: the value, the limit it broke and its
    standard, since when; and, inside a maintenance window, that nobody was emailed."""
    limit = finding.limit
    return _opened(
        finding.rule,
        finding.metric,
        finding.value,
        finding.detail,
        since,
        (limit.text(), limit.standard, limit.grade) if limit else None,
        (window.id, window.kind) if window else None,
    )


def _opened(rule, metric, value, detail, since: str, limit=None, window=None) -> Record:
    said = []
    shown = reading(rule, metric, value, detail)
    if shown is not None and limit is not None:
        unit = measure(rule, metric, detail)[1]
        text, standard, grade = limit
        said.append(
            Sentence(
                N_("{reading}, limit {limit} ({standard} grade {grade}), since {since}"),
                reading=shown,
                limit=f"{text} {unit}".rstrip(),
                standard=standard,
                grade=grade,
                since=since,
            )
        )
    elif shown is not None:
        said.append(Sentence(N_("{reading}, since {since}"), reading=shown, since=since))
    else:
        said.append(Sentence(N_("since {since}"), since=since))
    if window is not None:
        said.append(
            Sentence(
                N_("inside maintenance window {window} ({kind}): recorded, not emailed"),
                window=window[0],
                kind=Word(WINDOW_KINDS.get(window[1], window[1])),
            )
        )
    return Record(tuple(said))


def cleared(since: str, held_s: int, hold_s: int) -> Record:
    if not hold_s:
        return Record((Sentence(N_("condition clear since {since}"), since=since),))
    return Record(
        (
            Sentence(
                N_("condition clear since {since} ({held} min, hold {hold} min)"),
                since=since,
                held=held_s // 60,
                hold=hold_s // 60,
            ),
        )
    )


def by_hand(note: str) -> Record:
    return Record((Sentence(N_("resolved by hand")),), note)


def acknowledged(note: str) -> Record:
    return Record(() if note else (Sentence(N_("acknowledged the alert")),), note)


def history(row, locale: str) -> str:
    """A transition row's words in `locale`: its sentences, or those read back from the text of
    a row written before they were kept; a text that matches nothing is shown as written."""
    if row["said"]:
        return Record.loads(row["said"]).text(locale)
    return legacy(row["reason"]).text(locale)


# The texts the lifecycle wrote before sentences were kept (mail.describe() and the lifecycle).
_OPENED = re.compile(
    r"(?P<rule>[a-z_]+)(?:, (?P<metric>[a-z_0-9]+))?(?:, value (?P<value>[-+\d.e]+|nan|inf))?"
    r"(?:, limit (?P<limit>\S+) \((?P<standard>\S+) (?P<grade>\S+)\))?"
    r", since (?P<since>\d{4}-\d\d-\d\d \d\d:\d\d)"
    r".*?(?: \(inside maintenance window (?P<window>\d+), (?P<kind>[a-z_]+): recorded, not emailed\))?"
)
_CLEAR = re.compile(
    r"condition clear since (?P<since>.+?)(?: \((?P<held>\d+) min, hold (?P<hold>\d+) min\))?"
)


def legacy(text: str) -> Record:
    if text == "acknowledged":
        return acknowledged("")
    if text.startswith("resolved by hand: "):
        return by_hand(text.removeprefix("resolved by hand: "))
    found = _CLEAR.fullmatch(text)
    if found:
        held, hold = int(found["held"] or 0), int(found["hold"] or 0)
        return cleared(found["since"], held * 60, hold * 60)
    found = _OPENED.fullmatch(text)
    if found:
        return _opened_from(found)
    return Record((), text)  # a person's note, or a text no rule wrote


def _opened_from(found) -> Record:
    return _opened(
        found["rule"],
        found["metric"] or "",
        float(found["value"]) if found["value"] else None,
        {},
        found["since"],
        (found["limit"], found["standard"], found["grade"]) if found["limit"] else None,
        (int(found["window"]), found["kind"]) if found["window"] else None,
    )
