"""销号 verification: what the readings say about a work order's fault, shown to the operator
and recorded with the closing. It only reads: the order's alerts, as the lifecycle left them."""

from dataclasses import dataclass, field

from wastewatch.alerts import lifecycle

# Orders for these rules are closed only after the readings have been back for verify_hold_s;
# any order with alerts, only once they have resolved.
VERIFIED_RULES = ("daily_exceedance", "sample_exceedance", "comms_loss")


@dataclass
class Verification:
    """What the readings say about an order's fault, shown to the operator before 销号."""

    ok: bool = True
    checked: bool = False  # False: this kind of order has no readings check
    facts: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if not self.checked:
            return ""
        return "verification: " + "; ".join(self.problems or self.facts)


def check(ctx, order, alerts: list, now: int) -> Verification:
    """Every linked alert resolved; for exceedance and comms orders, also its condition clear
    (the rules' own judgement, in reading time) for verify_hold_s, and the site reporting."""
    result = Verification()
    held_rule = order["fault"].partition(":")[0] in VERIFIED_RULES
    if not alerts and not held_rule:
        return result
    result.checked = True
    hold = ctx.rules.work_orders.verify_hold_s
    local = ctx.local
    for alert in alerts:
        if alert["state"] != "resolved":
            result.problems.append(f"alert {alert['id']} ({_fault(alert)}) is still {alert['state']}")
            continue
        clear = alert["clear_since"] if alert["clear_since"] is not None else alert["resolved_at"]
        if not held_rule:
            result.facts.append(
                f"alert {alert['id']} ({_fault(alert)}) resolved {local(alert['resolved_at'])}"
            )
            continue
        held = now - clear
        text = (
            f"alert {alert['id']} ({_fault(alert)}) clear since {local(clear)}, "
            f"{held / 3600:.1f} h of {hold / 3600:g} h"
        )
        (result.facts if held >= hold else result.problems).append(text)
    if held_rule:
        silent = lifecycle.silent_since(ctx.db, order["site_id"])
        if silent is not None:
            result.problems.append(f"the site has sent no data since {local(silent)}")
    result.ok = not result.problems
    return result


def _fault(alert) -> str:
    return f"{alert['rule']} {alert['metric']}".strip()
