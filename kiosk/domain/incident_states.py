"""Where an office incident stands: one state at a time, never two that contradict each other.

An incident raised by a sign-in (seed 000 §3) is first waiting for the alerted role to take it (待确认:
"第一时间通知……进行接待", §4); once someone has taken it, it is being handled (处理中); when it is closed,
the incident report falls due (《突发事件处理记录表》 within two working days, §5 C5: 报告待交, or 报告逾期
past its due time); with the report filed it is done (已结案). A closed incident is never "待确认", even if
it was closed without anyone pressing the acknowledge button: closing it is taking it.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum


class IncidentState(StrEnum):
    AWAITING = "awaiting"  # 待确认
    HANDLING = "handling"  # 处理中
    REPORT_DUE = "report_due"  # 已关闭，报告待交
    REPORT_OVERDUE = "report_overdue"  # 已关闭，报告逾期
    DONE = "done"  # 已结案（报告已交）


def incident_state(*, acknowledged_at: datetime | None, closed_at: datetime | None,
                   report_filed_at: datetime | None, report_due_at: datetime | None,
                   now: datetime) -> IncidentState:
    """The one state an incident is in now (the later steps win over the earlier ones)."""
    if closed_at is not None:
        if report_filed_at is not None:
            return IncidentState.DONE
        if report_due_at is not None and report_due_at < now:
            return IncidentState.REPORT_OVERDUE
        return IncidentState.REPORT_DUE
    if acknowledged_at is not None:
        return IncidentState.HANDLING
    return IncidentState.AWAITING
