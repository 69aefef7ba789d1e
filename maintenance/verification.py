"""销号 verification: what the readings say about a work order's fault, shown to the operator
and recorded with the closing. It only reads: the order's alerts, as the lifecycle left them."""

import re
from dataclasses import dataclass, field

from wastewatch.alerts import lifecycle
from wastewatch.alerts.context import Context
from wastewatch.alerts.findings import RULES
from wastewatch.config.i18n import N_, Sentence, Term, Word
from wastewatch.config.metrics import METRICS

from .lab import records as lab_records

# Orders for these rules are closed only after the readings have been back for verify_hold_s;
# any order with alerts, only once they have resolved.
VERIFIED_RULES = ("daily_exceedance", "sample_exceedance", "comms_loss")


@dataclass
class Verification:
    """What the readings say about an order's fault, shown to the operator before 销号."""

    ok: bool = True
    checked: bool = False  # False: this kind of order has no readings check
    facts: list[Sentence] = field(default_factory=list)
    problems: list[Sentence] = field(default_factory=list)

    def lines(self, locale: str) -> list[str]:
        return [x.text(locale) for x in self.facts + self.problems]


def check(ctx: Context, order, alerts: list, now: int) -> Verification:
    """Every linked alert resolved; for exceedance and comms orders, also its condition clear
    (the rules' own judgement, in reading time) for verify_hold_s, and the site reporting."""
    result = Verification()
    if order["kind"] == "effluent_sampling":
        _results_in(ctx, order, result)
    held_rule = order["fault"].partition(":")[0] in VERIFIED_RULES
    if not alerts and not held_rule:
        result.ok = not result.problems
        return result
    result.checked = True
    hold = ctx.rules.work_orders.verify_hold_s
    local = ctx.local
    for alert in alerts:
        if alert["state"] != "resolved":
            result.problems.append(
                Sentence(
                    N_("alert {alert} ({fault}) is still {state}"),
                    alert=alert["id"],
                    fault=_fault(alert),
                    state=lifecycle.state_word(alert["state"]),
                )
            )
            continue
        clear = alert["clear_since"] if alert["clear_since"] is not None else alert["resolved_at"]
        if not held_rule:
            result.facts.append(
                Sentence(
                    N_("alert {alert} ({fault}) resolved {at}"),
                    alert=alert["id"],
                    fault=_fault(alert),
                    at=local(alert["resolved_at"]),
                )
            )
            continue
        held = now - clear
        text = Sentence(
            N_("alert {alert} ({fault}) clear since {at}, {held} h of {hold} h"),
            alert=alert["id"],
            fault=_fault(alert),
            at=local(clear),
            held=f"{held / 3600:.1f}",
            hold=f"{hold / 3600:g}",
        )
        (result.facts if held >= hold else result.problems).append(text)
    if held_rule:
        silent = lifecycle.silent_since(ctx.db, order["site_id"])
        if silent is not None:
            result.problems.append(Sentence(N_("the site has sent no data since {at}"), at=local(silent)))
    result.ok = not result.problems
    return result


def _results_in(ctx: Context, order, result: Verification) -> None:
    """A sampling order is crossed off once its samples' laboratory results are in."""
    result.checked = True
    samples = lab_records.for_order(ctx.db, order["id"])
    if not samples:
        result.problems.append(Sentence(N_("no sample was recorded for this sampling order")))
    reported = lab_records.current_of(ctx.db, [s["id"] for s in samples])
    for sample in samples:
        if sample["id"] in reported:
            result.facts.append(
                Sentence(
                    N_("sample {sample}: results in ({report})"),
                    sample=sample["id"],
                    report=sample["report_no"] or "-",
                )
            )
        else:
            result.problems.append(
                Sentence(N_("sample {sample}: the laboratory results are not in yet"), sample=sample["id"])
            )


def _fault(alert) -> Term:
    return fault(alert["rule"], alert["metric"])


def fault(rule_name: str, metric_name: str) -> Term:
    """The rule and the metric: "daily_exceedance cod" in English, 出水日均值超标 化学需氧量 in words."""
    code = f"{rule_name} {metric_name}".strip()
    metric = METRICS.get(metric_name)
    rule = Word(RULES.get(rule_name, rule_name))
    if metric is None:
        return Term(code, Sentence("{rule}", rule=rule))
    return Term(code, Sentence("{rule} {metric}", rule=rule, metric=Word(metric.label)))


# The lines the check wrote before they were kept as sentences (work_orders/said.py reads them).
_LEGACY = re.compile(
    r"alert (?P<alert>\d+) \((?P<rule>[a-z_]+)(?: (?P<metric>[a-z_0-9]+))?\) (?:is still (?P<state>\w+)"
    r"|resolved (?P<resolved>.+)|clear since (?P<clear>.+?), (?P<held>[\d.]+) h of (?P<hold>[\d.]+) h)"
)
_SILENT = re.compile(r"the site has sent no data since (.+)")


def legacy(text: str):
    """A Sentence read back from one of those lines, or the line as it was."""
    found = _LEGACY.fullmatch(text)
    if found:
        alert, what = int(found["alert"]), fault(found["rule"], found["metric"] or "")
        if found["state"]:
            state = lifecycle.state_word(found["state"])
            return Sentence(
                N_("alert {alert} ({fault}) is still {state}"), alert=alert, fault=what, state=state
            )
        if found["resolved"]:
            return Sentence(
                N_("alert {alert} ({fault}) resolved {at}"), alert=alert, fault=what, at=found["resolved"]
            )
        return Sentence(
            N_("alert {alert} ({fault}) clear since {at}, {held} h of {hold} h"),
            alert=alert,
            fault=what,
            at=found["clear"],
            held=found["held"],
            hold=found["hold"],
        )
    found = _SILENT.fullmatch(text)
    return Sentence(N_("the site has sent no data since {at}"), at=found[1]) if found else text
