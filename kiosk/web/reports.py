"""How KPIs read: labels, values as text, trend charts, and the report as tables for XLSX and CSV.

One place turns ``kiosk.services.kpi.KpiReport`` into what people see, so the page, the printable
weekly report (周报, seed 001 制度3 §4), the monthly service supervision report (服务监督报告, 制度3 §1)
and their downloads show the same numbers.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from kiosk.domain.kpi import KPIS, Direction, KpiCode, Period, PeriodKind, Unit
from kiosk.services.kpi import Breakdown, KpiReport, KpiValue, NoBreakdown
from kiosk.web import labels
from kiosk.web.charts import Chart, Point, bar_chart
from kiosk.web.exports import Number, Sheet

#: What the number under each KPI counts ("39 / 40 calls").
BASIS_LABELS = {
    KpiCode.ANSWERED_WITHIN_THREE_RINGS: _l("通来电"),
    KpiCode.OVER_THREE_MINUTES: _l("通通话"),
    KpiCode.AVERAGE_HANDLING_TIME: _l("通通话"),
    KpiCode.P90_HANDLING_TIME: _l("通通话"),
    KpiCode.COMPLAINT_TIMELINESS: _l("件投诉"),
    KpiCode.VALID_COMPLAINT_SATISFACTION: _l("次投诉回访"),
    KpiCode.CALLBACK_COVERAGE: _l("次应回访"),
    KpiCode.ANNUAL_VISIT_COVERAGE: _l("户"),
    KpiCode.OWNER_PROFILE_COMPLETENESS: _l("份档案"),
    KpiCode.SLIPS_OVERDUE: _l("张到期任务单"),
    KpiCode.INCIDENT_REPORTS_ON_TIME: _l("份应交记录表"),
    KpiCode.ROTATION_FAIRNESS: _l("天"),
}

#: How each KPI's basis is counted, one line under it (the domain module has the full rule); the three-ring
#: target is filled in by ``kpi_notes``.
KPI_NOTES = {
    KpiCode.ANSWERED_WITHIN_THREE_RINGS: _l("%(seconds)s 秒内接起；"
                                            "超过 %(seconds)s 秒才挂断的未接来电计为未达标。"),
    KpiCode.OVER_THREE_MINUTES: _l("通话超过 180 秒的占比。"),
    KpiCode.AVERAGE_HANDLING_TIME: _l("已接通话的平均时长。"),
    KpiCode.P90_HANDLING_TIME: _l("九成通话不超过此时长。"),
    KpiCode.COMPLAINT_TIMELINESS: _l("截止时间在本期的投诉：常规一天内处理，重大三天内答复"
                                     "（均以任务单办结时间为准）。"),
    KpiCode.VALID_COMPLAINT_SATISFACTION: _l("本期投诉回访中满意与基本满意的占比。"),
    KpiCode.CALLBACK_COVERAGE: _l("本期到期的回访中已完成的占比。"),
    KpiCode.ANNUAL_VISIT_COVERAGE: _l("截至本期末的十二个月内，定期回访到业主的次数 ÷ 户数。"),
    KpiCode.OWNER_PROFILE_COMPLETENESS: _l("姓名、手机、房号、入住日期齐全的档案占比（档案现状）。"),
    KpiCode.SLIPS_OVERDUE: _l("截止时间在本期的任务单中超时的占比；等待业主的暂停不计时。"),
    KpiCode.INCIDENT_REPORTS_ON_TIME: _l("事件结束后两个工作日内提交记录表的占比。"),
    KpiCode.ROTATION_FAIRNESS: _l("全天在岗的销售顾问轮值接待次数之差，取本期最差的一天。"),
}


def kpi_notes(ring_target_seconds: float) -> dict[KpiCode, str]:
    """``KPI_NOTES`` as shown: the three-ring note names the target the calls were judged by (the setting)."""
    notes = {code: str(note) for code, note in KPI_NOTES.items()}
    ring = KpiCode.ANSWERED_WITHIN_THREE_RINGS
    notes[ring] = notes[ring] % {"seconds": f"{ring_target_seconds:g}"}
    return notes


#: The row of a breakdown whose key is empty.
NOBODY_LABELS = {
    "agent": _l("未分派"),
    # slips sent to no department, and calls, callbacks and incidents of people in none
    "department": _l("无部门（含未派单）"),
    "project": _l("未关联项目"),
    "class": _l("关注名单"),
}
#: Whom each breakdown counts a row for (``kiosk.services.kpi``'s module docstring has the rules).
DIMENSION_NOTES = {
    "agent": _l("通话按接听坐席；任务单、投诉及其满意率按首问责任人；回访按回访人；"
                "突发事件记录表按关闭事件的人。"),
    "department": _l("任务单、投诉及其满意率按派往的部门；通话、回访和突发事件记录表按坐席"
                     "（关闭事件的人）所属部门。"),
    "project": _l("通话按来电业主的房号；任务单、投诉及其满意率按来电开单的业主；回访按所访业主；"
                  "访问覆盖率和建档率按业主房号。"),
}
#: Why a breakdown leaves a KPI out (``kiosk.services.kpi.NOT_BROKEN_DOWN``).
NO_BREAKDOWN_REASONS = {
    NoBreakdown.HOUSEHOLDS_BY_PROJECT: _l("分母是户数，户属于项目，不属于某个人或部门。"),
    NoBreakdown.NO_PROFILE_KEEPER: _l("业主档案没有记录由谁建档、维护。"),
    NoBreakdown.SPREAD_BETWEEN_SALESPEOPLE: _l("接待差是销售顾问之间的差，一个人没有差；"
                                               "每人的轮值接待见“销售轮值”表。"),
    NoBreakdown.ONE_SALES_TEAM: _l("只有售楼处的销售顾问参加轮值，按部门即是指标本身。"),
    NoBreakdown.ROTATION_BY_OFFICE: _l("轮值表按售楼处记录，不关联项目。"),
    NoBreakdown.VISIT_RECORDS_PLACE: _l("突发事件来自来访登记，登记只记录地点（客服中心、售楼处、样板间），"
                                        "不记录项目。"),
}


def dimension_note(dimension: str) -> str | None:
    """Whom a breakdown counts each row for; None for the incident classes (nothing to explain)."""
    note = DIMENSION_NOTES.get(dimension)
    return None if note is None else str(note)


def not_broken_down(breakdown: Breakdown) -> list[tuple[str, str]]:
    """The KPIs a breakdown leaves out, as (name, why) -- shown under the table and in the downloads."""
    return [(str(labels.KPI[code]), str(NO_BREAKDOWN_REASONS[reason]))
            for code, reason in breakdown.not_applicable.items()]


def row_name(dimension: str, name: str | None, key) -> str:
    if key is None:
        return str(NOBODY_LABELS[dimension])
    if dimension == "class":
        return _("%(cls)s类", cls=key)
    return name or str(key)


# ---- values as text ----------------------------------------------------------------------------------


def seconds_text(seconds: float) -> str:
    whole = round(seconds)
    return _("%(m)d分%(s)02d秒", m=whole // 60, s=whole % 60)


def number_text(code: KpiCode, number: float | None) -> str:
    """A KPI's number as the page shows it: "97.5%", "2分13秒", "1"; "—" without data."""
    if number is None:
        return "—"
    unit = KPIS[code].unit
    if unit is Unit.PERCENT:
        return f"{number:.1f}%"
    if unit is Unit.SECONDS:
        return seconds_text(number)
    return str(int(number))


def value_text(value: KpiValue | None) -> str:
    return "—" if value is None else number_text(value.code, value.number)


def _target_number(code: KpiCode) -> float:
    """The target as the page shows numbers: percentages as 0–100."""
    kpi = KPIS[code]
    return float(kpi.target * 100) if kpi.unit is Unit.PERCENT else float(kpi.target)


def target_text(code: KpiCode) -> str:
    """"≥ 100.0%", "≤ 3分00秒", "≤ 1"."""
    kpi = KPIS[code]
    sign = "≥" if kpi.direction is Direction.HIGHER_IS_BETTER else "≤"
    return f"{sign} {number_text(code, _target_number(code))}"


def basis_text(value: KpiValue) -> str:
    """What the value was counted from: "39 / 40 通来电", "120 通通话", "28 天"."""
    unit = str(BASIS_LABELS[value.code])
    if value.numerator is None:
        return f"{value.basis} {unit}"
    return f"{value.numerator} / {value.basis} {unit}"


def period_title(period: Period) -> str:
    if period.kind is PeriodKind.DAY:
        return period.start.isoformat()
    return f"{period.label}（{period.start.isoformat()} – {period.end.isoformat()}）"


def report_title(period: Period) -> str:
    """The monthly 服务监督报告 (seed 001 制度3 §1), the weekly 客服周报 (§4), or a day's 日报."""
    return str({PeriodKind.MONTH: _l("服务监督报告"), PeriodKind.WEEK: _l("客服周报"),
                PeriodKind.DAY: _l("客服日报")}[period.kind])


# ---- charts --------------------------------------------------------------------------------------------


def _short(period: Period) -> str:
    if period.kind is PeriodKind.MONTH:
        return period.label[2:]  # 26-10
    if period.kind is PeriodKind.WEEK:
        return period.label[5:]  # W43
    return period.start.strftime("%m-%d")


def trend_chart(report: KpiReport, code: KpiCode) -> Chart:
    points = [Point(_short(p.period), p.value.number, p.value.status.value,
                    f"{p.period.label}: {value_text(p.value)}") for p in report.trend[code]]
    target = _target_number(code)
    return bar_chart(points, target if target else None)


def charts(report: KpiReport) -> dict[KpiCode, Chart]:
    return {code: trend_chart(report, code) for code in KpiCode}


# ---- the report as tables (XLSX sheets, CSV sections) ---------------------------------------------------

_FORMATS = {Unit.PERCENT: "0.0%", Unit.SECONDS: "0", Unit.COUNT: "0"}


def _figure(value: KpiValue | None) -> Number:
    """A KPI value as a spreadsheet number: a rate as a fraction with a % format, seconds, a count."""
    if value is None or value.value is None:
        return Number(None, text="—")
    unit = value.kpi.unit
    number = round(value.number / 100, 6) if unit is Unit.PERCENT else round(value.number)
    return Number(number, _FORMATS[unit], value_text(value))


def summary_sheet(report: KpiReport) -> Sheet:
    sheet = Sheet(_("指标汇总"), [_("指标"), _("本期"), _("目标"), _("达标"), _("分子"), _("分母"),
                                  _("说明"), _("依据")])
    notes = kpi_notes(report.ring_target_seconds)
    for code in KpiCode:
        value = report.values[code]
        sheet.rows.append([str(labels.KPI[code]), _figure(value), target_text(code),
                           str(labels.KPI_STATUS[value.status]), value.numerator, value.basis,
                           notes[code], labels.cite(KPIS[code].seed)])
    return sheet


def trend_sheet(report: KpiReport) -> Sheet:
    periods = report.periods
    sheet = Sheet(_("趋势"), [_("指标"), *(p.label for p in periods)])
    for code in KpiCode:
        if code is KpiCode.ROTATION_FAIRNESS:
            continue  # by day: its own sheet
        sheet.rows.append([str(labels.KPI[code]), *(_figure(p.value) for p in report.trend[code])])
    return sheet


def rotation_sheet(report: KpiReport) -> Sheet:
    sheet = Sheet(_("轮值公平"), [_("日期"), str(labels.KPI[KpiCode.ROTATION_FAIRNESS])])
    for point in report.trend[KpiCode.ROTATION_FAIRNESS]:
        sheet.rows.append([point.period.start.isoformat(), _figure(point.value)])
    sheet.rows.append([])
    sheet.rows.append([_("销售顾问"), _("在表天数"), _("全天在岗天数"), _("轮值接待"), _("计入接待次数")])
    for person in report.salespeople:
        sheet.rows.append([person.name, person.days, person.days_present, person.turns, person.receptions])
    return sheet


def breakdown_sheet(breakdown: Breakdown) -> Sheet:
    """A breakdown's rows; under them, after an empty row, whom rows are counted for and the KPIs it
    leaves out with the reason (as the page says under its table)."""
    title = str(labels.KPI_DIMENSION[breakdown.dimension])
    sheet = Sheet(title, [title, *(str(labels.KPI[c]) for c in breakdown.codes)])
    for row in breakdown.rows:
        sheet.rows.append([row_name(breakdown.dimension, row.name, row.key),
                           *(_figure(row.values.get(c)) for c in breakdown.codes)])
    note, left_out = dimension_note(breakdown.dimension), not_broken_down(breakdown)
    if note or left_out:
        sheet.rows.append([])
    if note:
        sheet.rows.append([_("说明"), note])
    if left_out:
        sheet.rows.append([_("不按%(dimension)s统计的指标", dimension=title), _("原因")])
        sheet.rows += [[name, why] for name, why in left_out]
    return sheet


def volume_sheet(report: KpiReport) -> Sheet:
    v = report.volume
    sheet = Sheet(_("本期概况"), [_("项目"), _("数量")])
    sheet.rows += [[_("来电"), v.calls_in], [_("接通"), v.calls_answered], [_("外呼"), v.calls_out],
                   [_("新开任务单"), v.slips_total]]
    sheet.rows += [[f"  {labels.CATEGORY.get(category, category)}", n]
                   for category, n in sorted(v.slips_opened.items())]
    sheet.rows += [[_("完成回访"), v.callbacks_made], [_("来访登记"), v.visits], [_("突发事件"), v.incidents]]
    return sheet


def sheets(report: KpiReport) -> list[Sheet]:
    """The report's workbook: summary, trend, volume, each breakdown, the rotation."""
    return [summary_sheet(report), trend_sheet(report), volume_sheet(report),
            *(breakdown_sheet(b) for b in report.breakdowns), rotation_sheet(report)]


def csv_rows(report: KpiReport) -> list[list]:
    """The same tables one under the other (numbers written as the page shows them)."""
    rows: list[list] = [[report_title(report.period), period_title(report.period)]]
    for sheet in sheets(report):
        rows += [[], [sheet.title], sheet.header, *sheet.rows]
    return rows


def filename(report: KpiReport, extension: str) -> str:
    kind = {PeriodKind.MONTH: "service-report", PeriodKind.WEEK: "weekly-report",
            PeriodKind.DAY: "daily-report"}[report.period.kind]
    return f"{kind}-{report.period.label}.{extension}"
