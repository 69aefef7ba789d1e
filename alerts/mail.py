"""Alert emails: the context every template gets, rendered and queued (work-order emails build
on it in maintenance/notices.py).

One base name per kind (`alert`, `alert-reminder`, `alert-resolved`), three
templates each (`-subject.txt`, `-body.txt`, `-body.html`) per locale, all rendered by
`messages.make_message` from the same context keys: site, alert, rule, limit, reading,
work_order. Follow-ups on one incident reply in its thread.
"""

import json

from wastewatch.config.i18n import N_, gettext
from wastewatch.config.metrics import equipment_state, metric_label
from wastewatch.config.text import duration
from wastewatch.notify import About, notify

from . import said
from .context import Context
from .findings import RULES

KINDS = {
    "exceedance": N_("exceedance"),
    "operations": N_("operations"),
    "data_quality": N_("data quality"),
}
SEVERITIES = {
    "info": N_("info"),
    "warning": N_("warning"),
    "critical": N_("critical"),
}
WORK_ORDER_KINDS = {
    "fault_repair": N_("fault repair"),
    "exceedance_investigation": N_("exceedance investigation"),
    "comms_restore": N_("communications restore"),
    "routine_inspection": N_("routine inspection"),
    "effluent_sampling": N_("effluent sampling"),
    "operator_request": N_("operator request"),
    "instrument_check": N_("instrument check"),
}
# What to do next, per rule: the part of the email an operator acts on.
NEXT_STEPS = {
    "sample_exceedance": N_(
        "Check the process and dosing, take a manual sample if needed; if it persists the daily mean will exceed and a work order follows."
    ),
    "daily_exceedance": N_(
        "An exceedance investigation work order went to the contractor; follow up on cause and fix, then verify and close it."
    ),
    "comms_loss": N_(
        "Check the site's power, data logger and network; after 24 h a work order goes to the contractor."
    ),
    "zero_flow": N_(
        "Confirm the plant should be running; check the lift pump, blocked sewers and the flow meter."
    ),
    "hydraulic_overload": N_("Check for rain, spring or groundwater inflow; consider capacity or diversion."),
    "equipment": N_("A repair work order went to the contractor; follow its progress."),
    "stuck_value": N_(
        "The sensor looks stuck; its readings are left out of compliance. Arrange calibration or repair."
    ),
    "out_of_range": N_(
        "The value is outside the instrument range and left out of compliance; check the instrument."
    ),
    "lab_exceedance": N_(
        "An exceedance investigation work order went to the contractor; it can be closed once a later sample of the same item meets the limit."
    ),
    "lab_comparison": N_(
        "The analyser reads differently from the laboratory: an instrument check went to the contractor (calibrate or repair). Consider marking the analyser's readings invalid for the span concerned."
    ),
    "quarantine": N_(
        "Messages from this site could not be stored and were set aside as received; their readings are not stored yet. See why with `wastewatch quarantine list`, then store them with `wastewatch quarantine replay` once the cause is fixed."
    ),
}


class Mail:
    def __init__(self, ctx: Context, locale: str | None = None):
        """Words in `locale` (a page's reader's), or the service's (every email's)."""
        self.ctx = ctx
        self.locale = locale or ctx.config.service.locale
        self.zh = self.locale == "zh-CN"

    def gettext(self, message: str) -> str:
        return gettext(self.locale, message)

    def local(self, ts: int | None) -> str:
        return self.ctx.local(ts)

    def metric_label(self, metric: str) -> str:
        return metric_label(metric, self.locale) if metric else ""

    def describe_alert(self, alert) -> str:
        """One line naming the fault, for work-order summaries."""
        site = self.ctx.config.site_by_id[alert["site_id"]]
        shown = self.reading(alert)
        text = f"{site.name} {self.gettext(RULES[alert['rule']])}"
        if shown["label"] and not shown["state"]:
            text += f" {shown['label']}"
        if shown["value"]:
            text += f" {shown['value']}"  # 提升泵 报警, not 提升泵状态 4
        if shown["limit"]:
            text += f"（{self.gettext(N_('limit'))} {shown['limit']}）"
        return text

    def measure(self, alert, detail: "Detail") -> dict:
        """What the alert's value is: its label, unit and how it is written (said.measure)."""
        label, unit, decimals = said.measure(alert["rule"], alert["metric"], detail)
        return {
            "label": self.gettext(label) if label else "",
            "unit": unit,
            "show": lambda v: said.value_text(v, "", decimals),
        }

    def reading(self, alert) -> dict:
        """The alert's value as people read it, the same in an email, a list and a page: what
        was measured ("日处理水量" for a day's volume, not the reading's metric), the value with
        its unit, a machine's state in words ("提升泵 报警", not 4), and the limit it broke."""
        detail = Detail(json.loads(alert["detail"]))
        measure = self.measure(alert, detail)
        unit, limit = measure["unit"], detail.get("limit")
        state = equipment_state(alert["metric"], alert["value"], self.locale)
        value, peak = measure["show"](alert["value"]), measure["show"](alert["peak"])
        # A day's volume is judged against the design capacity times the overload factor.
        bound = _limit_text(limit) if limit else f"{detail['limit_m3d']:g}" if detail["limit_m3d"] else ""
        return {
            "label": measure["label"],
            "value": state or (f"{value} {unit}".rstrip() if value else ""),
            "state": bool(state),
            # The worst value while it lasted, where it is not the one shown.
            "peak": f"{peak} {unit}".rstrip() if peak and peak != value and not state else "",
            "limit": f"{bound} {unit}".rstrip() if bound else "",
        }

    def context(self, alert) -> dict:
        site = self.ctx.config.site_by_id[alert["site_id"]]
        standard = self.ctx.standard(site.id)
        rule = self.ctx.rules.rule(alert["rule"])
        detail = Detail(json.loads(alert["detail"]))
        limit = detail.get("limit")
        measure = self.measure(alert, detail)
        unit, label, shown = measure["unit"], measure["label"], measure["show"]

        return {
            "site": site,
            "contractor": self.ctx.config.contractor_by_id.get(site.contractor),
            "standard": {
                "id": standard.standard.id,
                "grade": standard.grade_label
                if self.zh
                else standard.standard.grades[standard.grade].label_en,
                "reason": standard.reason,
            },
            "alert": {
                **dict(alert),
                "detail": detail,
                "opened_local": self.local(alert["opened_at"]),
                "since_local": self.local(alert["since"]),
                "last_local": self.local(alert["last_seen"]),
                "resolved_local": self.local(alert["resolved_at"]),
                "kind_label": self.gettext(KINDS[alert["kind"]]),
                "severity_label": self.gettext(SEVERITIES[alert["severity"]]),
                # How long the problem has held: since it began to the last check that saw it
                # (to its end, once resolved). A comms-loss alert's `since` is the last reading.
                "lasted": duration(
                    (alert["resolved_at"] or alert["last_seen"]) - alert["since"], self.locale
                ),
                # The alert's page in the console (after signing in), to acknowledge it there.
                "console_url": f"{self.ctx.config.web.url}/alerts/{alert['id']}",
            },
            "rule": {
                "name": alert["rule"],
                "label": self.gettext(RULES[alert["rule"]]),
                "citation": rule.citation,
                "verified": rule.verified,
                "next_steps": self.gettext(NEXT_STEPS[alert["rule"]]),
            },
            "metric": {"name": alert["metric"], "label": label, "unit": unit},
            "limit": limit and {**limit, "text": _limit_text(limit)},
            "reading": {"value": shown(alert["value"]), "peak": shown(alert["peak"]), "unit": unit},
            # The value as every list and page says it (with its unit, a machine's state in words).
            "shown": self.reading(alert),
        }

    def alert(self, alert, kind: str, now: int, reason: str = "") -> str | None:
        """Queue an email about an alert to the site's operators; returns its Message-ID (None
        when it has nobody to go to)."""
        ctx = self.context(alert)
        ctx["reason"] = reason
        ctx["now_local"] = self.local(now)
        name = {"alert": "alert", "reminder": "alert-reminder", "resolved": "alert-resolved"}[kind]
        return notify(
            self.ctx.db,
            name,
            self.locale,
            ctx,
            to=ctx["site"].operators,
            sender=self.ctx.config.smtp.sender,
            ref=f"alert:{alert['id']}",
            now=now,
            thread=alert["thread_id"],
            idstring=f"alert{alert['id']}.{kind}",
            config=self.ctx.config,
            about=self.about(alert),
        )

    def about(self, alert) -> About:
        """What the alert concerns, for the routes to chat groups."""
        site = self.ctx.config.site_by_id[alert["site_id"]]
        return About(site.id, site.town, site.contractor, alert["severity"])


class Detail(dict):
    """Rule-specific facts: templates ask for keys only some rules set (`alert.detail.day`)."""

    def __missing__(self, key):
        return None


def _limit_text(limit: dict) -> str:
    return f"{limit['low']:g}–{limit['high']:g}" if limit.get("low") is not None else f"{limit['high']:g}"
