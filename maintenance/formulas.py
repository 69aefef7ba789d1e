"""Every figure of the monthly report and how it is computed: printed in the report's last
section (zh-CN and English) and in the README. Change a formula here and in reports.py together."""

# CSV columns copied from the config (site inventory) and the standard that applies: named,
# not computed. Every other column has its formula below (tests/maintenance/test_formulas.py).
COPIED = (
    "site_id", "site_name", "town", "pollutant", "unit", "standard", "grade", "limit", "basis", "limit_verified",
)  # fmt: skip

FORMULAS = [
    (
        "站点与限值列",
        "site_id / site_name / town / pollutant / unit / standard / grade / limit / basis / limit_verified",
        "取自配置（设施台账）与该站点适用的标准（限值、级别、判定依据、是否已核实），未经计算",
        "copied from the config (site inventory) and the standard that applies to the site (limit, grade, "
        "basis, verified or provisional); not computed",
    ),
    (
        "本月日期",
        "Days",
        "按服务时区（默认 Asia/Shanghai）划分的自然日",
        "local days of the month in the service's time zone",
    ),
    (
        "有效样本",
        "valid sample",
        "标记为 N（或无标记）、数值有限且在仪表（或合理）量程内、不在检修窗口内、不在数据恒定（卡滞）告警标记的可疑时段内",
        "flag N (or none), finite, inside the instrument (or plausible) range, outside maintenance windows and outside "
        "spans a stuck-value alert marked suspect",
    ),
    (
        "expected_samples",
        "expected_samples",
        "Σ 各日 日长（秒）÷ 该指标配置的采样间隔",
        "Σ over days of the day's length in seconds ÷ the metric's interval",
    ),
    (
        "received_samples / valid_samples",
        "received_samples / valid_samples",
        "本月收到的样本数 / 其中有效样本数",
        "samples received in the month / of them, valid samples",
    ),
    (
        "valid_days",
        "valid_days",
        "有效样本数 ≥ min_valid_fraction（默认 75%）× 当日应有样本数的日数",
        "days whose valid samples ≥ min_valid_fraction (default 75 %) × the day's expected samples",
    ),
    ("日均值", "daily mean", "当日有效样本的算术平均", "arithmetic mean of the day's valid samples"),
    (
        "exceedance_days",
        "exceedance_days",
        "有效日中：日均值超过当日限值（按日均值判定的污染物）；或任一有效样本超过限值（按单次样本判定的污染物）；pH 为任一有效样本超出范围。"
        "当日限值按当日平均水温适用温度条款",
        "valid days whose daily mean is over the day's limit (basis daily_mean), or with any valid sample over it "
        "(basis sample); for pH, any valid sample outside the range. The day's limit applies the temperature clause "
        "with the day's mean water temperature",
    ),
    (
        "compliance_rate",
        "compliance_rate",
        "(valid_days − exceedance_days) ÷ valid_days；valid_days 为 0 时留空",
        "(valid_days − exceedance_days) ÷ valid_days; empty when valid_days is 0",
    ),
    (
        "monthly_mean / max_daily_mean / max_sample",
        "monthly_mean / max_daily_mean / max_sample",
        "有效日日均值的平均 / 最大有效日日均值 / 最大有效样本",
        "mean of the valid days' means / the largest valid day's mean / the largest valid sample",
    ),
    (
        "expected_readings / received_readings / valid_readings",
        "expected_readings / received_readings / valid_readings",
        "该站点全部指标的应有 / 收到 / 有效读数之和",
        "Σ over the site's metrics of expected / received / valid readings",
    ),
    (
        "alerts_opened / work_orders_opened / work_orders_closed",
        "alerts_opened / work_orders_opened / work_orders_closed",
        "本月新开告警数 / 本月新开工单数 / 本月销号工单数",
        "alerts opened / work orders opened / work orders closed in the month",
    ),
    (
        "transmission_rate / validity_rate",
        "transmission_rate / validity_rate",
        "站点全部指标 收到条数 ÷ 应有条数 / 有效条数 ÷ 应有条数",
        "all the site's metrics: received ÷ expected / valid ÷ expected",
    ),
    (
        "treated_volume_m3",
        "treated_volume_m3",
        "Σ 有效流量样本 流量（m³/h）× 采样间隔（秒）÷ 3600",
        "Σ over valid flow samples of flow (m³/h) × interval (s) ÷ 3,600",
    ),
    (
        "operating_rate",
        "operating_rate",
        "至少有一个大于 0 的有效流量样本的小时数 ÷ 本月小时数",
        "hours with at least one valid flow sample > 0 ÷ hours in the month",
    ),
    (
        "ack_on_time_rate / repair_on_time_rate",
        "ack_on_time_rate / repair_on_time_rate",
        "接单（完成）期限落在本月、未取消的工单中，按期接单（报告完成）的比例；例行工单无单独接单期限",
        "of the orders (not cancelled) whose acknowledgement (repair) deadline fell in the month, the share "
        "acknowledged (reported done) by it; routine orders have no separate acknowledgement deadline",
    ),
    (
        "mean_hours_to_close",
        "mean_hours_to_close",
        "本月销号工单 从派单到销号的平均小时数",
        "mean hours from opening to closing of the orders closed in the month",
    ),
    (
        "inspections_due / inspections_done",
        "inspections_due / inspections_done",
        "按巡检日历截止日落在本月的巡检次数 / 其中在截止前报告完成的次数",
        "routine inspections whose period ends in the month by the calendar / those reported done by then",
    ),
    (
        "score",
        "score",
        "100 × Σ 权重 × 比率 ÷ Σ 权重（本月无数据的比率不计入，其余权重按比例放大）；站点达标率 = Σ(有效日 − 超标日) ÷ Σ 有效日；"
        "巡检完成率 = inspections_done ÷ inspections_due",
        "100 × Σ weight × rate ÷ Σ weight over the rates the site had that month (the others rescaled); site compliance "
        "= Σ(valid days − exceedance days) ÷ Σ valid days; inspection rate = inspections_done ÷ inspections_due",
    ),
    (
        "全县",
        "county",
        "达标率 = Σ(有效日 − 超标日) ÷ Σ 有效日（全部站点与污染物）；全面达标站点 = 至少一个有效日且无超标日；"
        "逾期故障 = 完成期限落在本月而未按期完成的非例行工单",
        "compliance = Σ(valid days − exceedance days) ÷ Σ valid days over every site and pollutant; fully compliant "
        "site = at least one valid day and no exceedance day; overdue faults = non-routine orders whose repair "
        "deadline fell in the month and were not done by it",
    ),
    (
        "数字格式",
        "number format",
        "比率为 4 位小数的分数，浓度 3 位小数，水量与小时 1 位小数；无数据为空",
        "rates as fractions with 4 decimals, concentrations with 3, volumes and hours with 1; empty when there is no data",
    ),
]
