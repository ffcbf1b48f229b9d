"""The rules, as SQL conditions: each mirrors a verdict of ``kiosk.domain.kpi`` (see the package
docstring)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from kiosk.domain import kpi as rules
from kiosk.domain.call_timer import CALL_LIMIT_SECONDS
from kiosk.domain.callbacks import CallbackResult
from kiosk.domain.deadlines import Priority
from kiosk.models.callbacks import Callback, CallbackStatus
from kiosk.models.calls import Call
from kiosk.models.property import Owner
from kiosk.models.tasks import SlipStatus, TaskEvent, TaskSlip
from kiosk.models.visits import Incident
from kiosk.services.kpi.sql import seconds_between

INBOUND = Call.direction == "in"
ANSWERED = Call.answered_at.is_not(None)


def ring_met(target_seconds: float) -> ColumnElement:
    """Answered within the three-ring target (``target_seconds``, inclusive)."""
    return and_(INBOUND, ANSWERED, Call.ring_seconds.is_not(None), Call.ring_seconds <= target_seconds)


def ring_late(target_seconds: float) -> ColumnElement:
    return and_(INBOUND, ANSWERED, Call.ring_seconds > target_seconds)


def ring_abandoned(target_seconds: float) -> ColumnElement:
    """Not answered, and the caller rang longer than the target before hanging up (rounded to whole
    seconds like ``CallTimes.ring_seconds`` of an answered call)."""
    rang = func.round(seconds_between(Call.ended_at, Call.ringing_at))
    unanswered = and_(INBOUND, Call.answered_at.is_(None), Call.ended_at.is_not(None))
    return and_(unanswered, Call.ringing_at.is_not(None), rang > target_seconds)


TALKED = Call.talk_seconds.is_not(None)
OVER_THREE_MINUTES = Call.talk_seconds > CALL_LIMIT_SECONDS

_WAITING = SlipStatus.WAITING_ON_OWNER.value


def _paused_since() -> ColumnElement:
    """When the slip's current wait on the owner began (the newest move into waiting)."""
    into_waiting = and_(TaskEvent.slip_id == TaskSlip.id, TaskEvent.to_status == _WAITING,
                        or_(TaskEvent.from_status.is_(None), TaskEvent.from_status != _WAITING))
    return select(func.max(TaskEvent.at)).where(into_waiting).correlate(TaskSlip).scalar_subquery()


SLIP_MET = and_(TaskSlip.resolved_at.is_not(None), TaskSlip.resolved_at <= TaskSlip.due_at)


def slip_missed(now: datetime) -> ColumnElement:
    """``deadline_verdict`` is missed: resolved late, or open past the deadline and not paused in time."""
    late = and_(TaskSlip.resolved_at.is_not(None), TaskSlip.resolved_at > TaskSlip.due_at)
    open_past_due = and_(TaskSlip.resolved_at.is_(None), TaskSlip.due_at < now,
                         or_(TaskSlip.status != _WAITING, _paused_since() > TaskSlip.due_at))
    return or_(late, open_past_due)


COMPLAINT = or_(TaskSlip.category == "complaint", TaskSlip.priority == Priority.COMPLAINT.value)
MAJOR = TaskSlip.priority == Priority.MAJOR.value

CALLBACK_MET = Callback.status == CallbackStatus.DONE.value


def callback_missed(now: datetime) -> ColumnElement:
    pending_past_due = and_(Callback.status == CallbackStatus.PENDING.value, Callback.due_at < now)
    return or_(Callback.status == CallbackStatus.UNREACHABLE.value, pending_past_due)


_SATISFIED = [r.value for r in rules.SATISFIED_RESULTS]
ANSWER_MET = and_(CALLBACK_MET, Callback.result.in_(_SATISFIED))
ANSWER_MISSED = and_(CALLBACK_MET, Callback.result == CallbackResult.UNSATISFIED.value)

REPORT_MET = and_(Incident.report_filed_at.is_not(None), Incident.report_filed_at <= Incident.report_due_at)


def report_missed(now: datetime) -> ColumnElement:
    late = and_(Incident.report_filed_at.is_not(None), Incident.report_filed_at > Incident.report_due_at)
    return or_(late, and_(Incident.report_filed_at.is_(None), Incident.report_due_at < now))


def _filled(column) -> ColumnElement:
    return and_(column.is_not(None), func.trim(column) != "")


# rules.PROFILE_REQUIRED_FIELDS: name, mobile, unit, moved_in_on.
PROFILE_COMPLETE = and_(_filled(Owner.name), _filled(Owner.mobile), Owner.unit_id.is_not(None),
                        Owner.moved_in_on.is_not(None))
