"""Alert emails: the context every template gets, rendered and queued (work-order emails build
on it in maintenance/notices.py).

One base name per kind (`alert`, `alert-reminder`, `alert-resolved`), three
templates each (`-subject.txt`, `-body.txt`, `-body.html`) per locale, all rendered by
`messages.make_message` from the same context keys: site, alert, rule, limit, reading,
work_order. Follow-ups on one incident reply in its thread.
"""

import json
from datetime import datetime

from wastewatch.config.metrics import METRICS

from . import outbox
from .findings import Finding
from .messages import make_message

RULES = {
    "sample_exceedance": ("出水单样本超标", "Effluent sample over limit"),
    "daily_exceedance": ("出水日均值超标", "Effluent daily mean over limit"),
    "comms_loss": ("数据中断", "Communications lost"),
    "zero_flow": ("零流量", "Zero flow"),
    "hydraulic_overload": ("水力超负荷", "Hydraulic overload"),
    "equipment": ("设备故障", "Equipment fault"),
    "stuck_value": ("数据恒定不变（疑似传感器卡滞）", "Stuck value (sensor suspect)"),
    "out_of_range": ("数据超出量程", "Value outside the instrument range"),
    "quarantine": ("消息无法入库（已隔离）", "Messages quarantined (could not be stored)"),
}
KINDS = {
    "exceedance": ("超标", "exceedance"),
    "operations": ("运行异常", "operations"),
    "data_quality": ("数据质量", "data quality"),
}
SEVERITIES = {"info": ("提示", "info"), "warning": ("警告", "warning"), "critical": ("严重", "critical")}
WORK_ORDER_KINDS = {
    "fault_repair": ("故障维修", "fault repair"),
    "exceedance_investigation": ("超标原因调查", "exceedance investigation"),
    "comms_restore": ("通信恢复", "communications restore"),
    "routine_inspection": ("例行巡检", "routine inspection"),
    "effluent_sampling": ("人工采样", "effluent sampling"),
    "operator_request": ("监管派单", "operator request"),
}
# What to do next, per rule: the part of the email an operator acts on.
NEXT_STEPS = {
    "sample_exceedance": (
        "核查工艺运行与加药情况，必要时人工取样复核；若持续超标将形成日均值超标并派发工单。",
        "Check the process and dosing, take a manual sample if needed; if it persists the daily mean "
        "will exceed and a work order follows.",
    ),
    "daily_exceedance": (
        "已向运维单位派发超标调查工单；请督促查明原因并整改，整改后核验销号。",
        "An exceedance investigation work order went to the contractor; follow up on cause and fix, "
        "then verify and close it.",
    ),
    "comms_loss": (
        "检查站点供电、数采仪与网络；超过 24 小时将向运维单位派发通信恢复工单。",
        "Check the site's power, data logger and network; after 24 h a work order goes to the contractor.",
    ),
    "zero_flow": (
        "确认设施是否应在运行；检查提升泵、管网堵塞与流量计。",
        "Confirm the plant should be running; check the lift pump, blocked sewers and the flow meter.",
    ),
    "hydraulic_overload": (
        "核查是否有雨水、山泉水或地下水混入，评估是否需扩容或分流。",
        "Check for rain, spring or groundwater inflow; consider capacity or diversion.",
    ),
    "equipment": (
        "已向运维单位派发故障维修工单；请关注修复进度。",
        "A repair work order went to the contractor; follow its progress.",
    ),
    "stuck_value": (
        "传感器数据疑似卡滞，相关数据不计入达标判定；请安排校准或检修。",
        "The sensor looks stuck; its readings are left out of compliance. Arrange calibration or repair.",
    ),
    "out_of_range": (
        "数据超出仪表量程，不计入达标判定；请检查仪表与量程设置。",
        "The value is outside the instrument range and left out of compliance; check the instrument.",
    ),
    "quarantine": (
        "该站点的消息无法写入数据库，已原样隔离保存，其中的数据暂未入库。请用 wastewatch quarantine list "
        "查看原因，排除后用 wastewatch quarantine replay 重新入库。",
        "Messages from this site could not be stored and were set aside as received; their readings are "
        "not stored yet. See why with `wastewatch quarantine list`, then store them with "
        "`wastewatch quarantine replay` once the cause is fixed.",
    ),
}


class Mail:
    def __init__(self, ctx):
        self.ctx = ctx
        self.locale = ctx.config.service.locale
        self.zh = self.locale == "zh-CN"

    def _pick(self, pair: tuple[str, str]) -> str:
        return pair[0] if self.zh else pair[1]

    def local(self, ts: int | None) -> str:
        if ts is None:
            return ""
        return datetime.fromtimestamp(ts, self.ctx.config.tz).strftime("%Y-%m-%d %H:%M")

    def metric_label(self, metric: str) -> str:
        if not metric:
            return ""
        known = METRICS.get(metric)
        return (known.label_zh if self.zh else metric) if known else metric

    def describe(self, finding: Finding) -> str:
        """One line for the transition row: what the rule saw."""
        parts = [finding.rule, finding.metric] if finding.metric else [finding.rule]
        if finding.value is not None:
            parts.append(f"value {finding.value:g}")
        if finding.limit:
            parts.append(f"limit {finding.limit.text()} ({finding.limit.standard} {finding.limit.grade})")
        parts.append(f"since {self.local(finding.since)}")
        extra = {k: v for k, v in finding.detail.items() if k not in ("range",)}
        if extra:
            parts.append(json.dumps(extra, ensure_ascii=False, sort_keys=True))
        return ", ".join(parts)

    def describe_alert(self, alert) -> str:
        """One line naming the fault, for work-order summaries."""
        site = self.ctx.config.site_by_id[alert["site_id"]]
        text = f"{site.name} {self._pick(RULES[alert['rule']])}"
        if alert["metric"]:
            text += f" {self.metric_label(alert['metric'])}"
        if alert["value"] is not None:
            text += f" {alert['value']:g}"
        limit = json.loads(alert["detail"]).get("limit")
        if limit:
            text += f"（{'限值' if self.zh else 'limit'} {_limit_text(limit)}）"
        return text

    def context(self, alert) -> dict:
        site = self.ctx.config.site_by_id[alert["site_id"]]
        standard = self.ctx.standard(site.id)
        rule = self.ctx.rules.rule(alert["rule"])
        detail = Detail(json.loads(alert["detail"]))
        limit = detail.get("limit")
        # A rule whose value is not the metric itself (a day's volume of flow) names its unit.
        unit = detail["unit"] or (METRICS[alert["metric"]].unit if alert["metric"] in METRICS else "")
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
                "kind_label": self._pick(KINDS[alert["kind"]]),
                "severity_label": self._pick(SEVERITIES[alert["severity"]]),
            },
            "rule": {
                "name": alert["rule"],
                "label": self._pick(RULES[alert["rule"]]),
                "citation": rule.citation,
                "verified": rule.verified,
                "next_steps": self._pick(NEXT_STEPS[alert["rule"]]),
            },
            "metric": {"name": alert["metric"], "label": self.metric_label(alert["metric"]), "unit": unit},
            "limit": limit and {**limit, "text": _limit_text(limit)},
            "reading": {"value": _num(alert["value"]), "peak": _num(alert["peak"]), "unit": unit},
        }

    def alert(self, alert, kind: str, now: int, reason: str = "") -> str:
        """Queue an email about an alert to the site's operators; returns its Message-ID."""
        ctx = self.context(alert)
        ctx["reason"] = reason
        ctx["now_local"] = self.local(now)
        name = {"alert": "alert", "reminder": "alert-reminder", "resolved": "alert-resolved"}[kind]
        site = ctx["site"]
        message = make_message(
            name,
            self.locale,
            ctx,
            to=site.operators,
            sender=self.ctx.config.smtp.sender,
            thread=alert["thread_id"],
            idstring=f"alert{alert['id']}.{kind}",
        )
        outbox.enqueue(self.ctx.db, name, f"alert:{alert['id']}", site.operators, message, now)
        return message["Message-ID"]


class Detail(dict):
    """Rule-specific facts: templates ask for keys only some rules set (`alert.detail.day`)."""

    def __missing__(self, key):
        return None


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _limit_text(limit: dict) -> str:
    return f"{limit['low']:g}–{limit['high']:g}" if limit.get("low") is not None else f"{limit['high']:g}"
