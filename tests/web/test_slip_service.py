"""The lifecycle verbs: the audit trail, the deadline clock paused while waiting on the owner, callbacks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from kiosk.database import begin_write
from kiosk.domain.callbacks import CallbackResult, CallbackRetryPolicy
from kiosk.domain.deadlines import DeadlinePolicy, Priority
from kiosk.domain.slip_lifecycle import Refused
from kiosk.extensions import db
from kiosk.models.callbacks import Callback
from kiosk.models.notifications import Notification
from kiosk.models.tasks import SlipSource, TaskSlip
from kiosk.services import tasks
from kiosk.services.directory import working_calendar
from tests.web.slips import bring_to, make_cast, open_one, pending_callback

# Monday 2026-11-16 10:00 in Shanghai.
MONDAY = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)
# Friday 2026-11-20 10:00 in Shanghai.
FRIDAY = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


@pytest.fixture
def cast(app, make_department):
    return make_cast(make_department)


def _working(cast, now):
    slip = open_one(cast, now=now)
    tasks.accept(slip.id, actor=cast.staff, now=now)
    tasks.start(slip.id, actor=cast.staff, now=now)
    return slip


def test_a_routine_slip_waiting_two_hours_on_the_owner_is_due_two_hours_later(cast):
    slip = _working(cast, MONDAY)
    assert slip.due_at == MONDAY + 24 * HOUR
    tasks.wait_on_owner(slip.id, actor=cast.staff, now=MONDAY + 2 * HOUR, reason="业主中午不在家")
    slip = tasks.resume(slip.id, actor=cast.staff, now=MONDAY + 4 * HOUR)
    assert slip.due_at == MONDAY + 26 * HOUR


def test_a_pause_over_the_weekend_adds_only_its_working_time(cast):
    slip = _working(cast, FRIDAY)  # due Monday 10:00 (Saturday and Sunday are not working days)
    assert slip.due_at == FRIDAY + 72 * HOUR
    tasks.wait_on_owner(slip.id, actor=cast.staff, now=FRIDAY + 10 * HOUR, reason="业主周末外出")  # Fri 20:00
    slip = tasks.resume(slip.id, actor=cast.staff, now=FRIDAY + 70 * HOUR)  # Mon 08:00
    assert slip.due_at == FRIDAY + 72 * HOUR + 12 * HOUR  # Fri 20-24 and Mon 0-8


def test_a_complaint_pause_adds_its_wall_time(cast):
    slip = open_one(cast, priority=Priority.COMPLAINT, now=MONDAY)
    tasks.accept(slip.id, actor=cast.staff, now=MONDAY)
    tasks.wait_on_owner(slip.id, actor=cast.staff, now=MONDAY + HOUR, reason="等业主提供照片")
    slip = tasks.resume(slip.id, actor=cast.staff, now=MONDAY + 4 * HOUR)
    assert slip.due_at == MONDAY + 27 * HOUR


def test_two_pauses_both_count(cast):
    slip = _working(cast, MONDAY)
    for start in (1, 5):
        tasks.wait_on_owner(slip.id, actor=cast.staff, now=MONDAY + start * HOUR, reason="业主不在")
        slip = tasks.resume(slip.id, actor=cast.staff, now=MONDAY + (start + 1) * HOUR)
    assert slip.due_at == MONDAY + 26 * HOUR
    kinds = [e.kind for e in slip.events]
    assert kinds == ["opened", "accept", "start", "wait", "resume", "wait", "resume"]


def test_a_hand_set_deadline_is_pushed_by_a_later_pause(cast):
    slip = _working(cast, MONDAY)
    tasks.change_deadline(slip.id, actor=cast.supervisor, now=MONDAY, due=MONDAY + 48 * HOUR,
                          reason="备件需调货")
    tasks.wait_on_owner(slip.id, actor=cast.staff, now=MONDAY + HOUR, reason="业主不在")
    slip = tasks.resume(slip.id, actor=cast.staff, now=MONDAY + 3 * HOUR)
    assert slip.due_at == MONDAY + 50 * HOUR


def test_a_new_priority_takes_the_policy_deadline(cast):
    slip = _working(cast, MONDAY)
    slip = tasks.change_priority(slip.id, actor=cast.supervisor, now=MONDAY + HOUR, priority=Priority.MAJOR,
                                 reason="涉及整栋楼供水")
    assert slip.due_at == MONDAY + 72 * HOUR
    assert "常规 → 重大" in slip.events[-1].note


def test_every_change_is_an_event_with_who_when_from_to_and_note(cast):
    slip = bring_to(cast, "closed", now=MONDAY)
    trail = [(e.kind, e.from_status, e.to_status, e.actor_id) for e in slip.events]
    assert trail == [
        ("opened", None, "dispatched", cast.owner.id),
        ("accept", "dispatched", "accepted", cast.staff.id),
        ("start", "accepted", "in_progress", cast.staff.id),
        ("resolve", "in_progress", "resolved", cast.staff.id),
        ("callback", "resolved", "called_back", cast.owner.id),
        ("close", "called_back", "closed", cast.owner.id),
    ]
    assert slip.events[3].note == "已更换水管" and slip.result == "已更换水管"
    assert slip.closed_at == MONDAY


def test_rejecting_needs_a_reason_and_tells_the_dispatcher_and_supervisors(cast):
    slip = open_one(cast, now=MONDAY)
    with pytest.raises(tasks.ReasonRequired):
        tasks.reject(slip.id, actor=cast.staff, now=MONDAY, reason="  ")
    slip = tasks.reject(slip.id, actor=cast.staff, now=MONDAY, reason="应由秩序部处理")
    assert slip.status == "rejected" and slip.events[-1].note == "应由秩序部处理"
    notes = db.session.scalars(select(Notification).where(Notification.kind == "slip_rejected")).all()
    assert {(n.user_id, n.role) for n in notes} == {(cast.owner.id, None), (None, "supervisor")}


def test_the_wrong_person_or_the_wrong_state_is_refused_and_nothing_changes(cast):
    slip = open_one(cast, now=MONDAY)
    with pytest.raises(Refused) as refused:
        tasks.accept(slip.id, actor=cast.other_staff, now=MONDAY)
    assert refused.value.because == "role"
    with pytest.raises(Refused) as refused:
        tasks.resolve(slip.id, actor=cast.staff, now=MONDAY, result="好了")
    assert refused.value.because == "state"
    assert db.session.get(TaskSlip, slip.id).status == "dispatched"


def test_a_stale_version_is_a_conflict(cast):
    slip = open_one(cast, now=MONDAY)
    version = slip.version
    tasks.accept(slip.id, actor=cast.staff, now=MONDAY, version=version)
    with pytest.raises(tasks.SlipConflict):
        tasks.reject(slip.id, actor=cast.staff, now=MONDAY, reason="晚了", version=version)


def test_resolving_schedules_a_callback_for_the_owner(cast):
    slip = bring_to(cast, "resolved", now=MONDAY)
    callback = pending_callback(slip.id)
    assert callback.agent_id == cast.owner.id
    assert callback.due_at == MONDAY + tasks.SLIP_CALLBACK_AFTER
    assert tasks.my_callbacks(cast.owner) == [callback]
    assert tasks.my_callbacks(cast.other_agent) == []


def test_a_slip_staff_reported_is_called_back_by_any_agent_and_seen_by_the_supervisor(cast):
    begin_write()
    slip = tasks.open_slip(source=SlipSource.STAFF, category="repair", priority=Priority.ROUTINE,
                           description="大堂灯不亮", owner=cast.other_staff, now=MONDAY,
                           calendar=working_calendar(), location="3栋大堂", caller_name="李先生",
                           caller_phone="13812345678", department=cast.department)
    db.session.commit()
    for action in ("accept", "start"):
        getattr(tasks, action)(slip.id, actor=cast.staff, now=MONDAY)
    tasks.resolve(slip.id, actor=cast.staff, now=MONDAY, result="已换灯管")
    callback = pending_callback(slip.id)
    assert callback.agent_id is None  # staff do not make callbacks: the agents share it
    assert tasks.my_callbacks(cast.other_agent) == [callback] == tasks.my_callbacks(cast.owner)
    assert tasks.my_callbacks(cast.supervisor) == [callback]
    assert tasks.may_record_callback(callback, cast.other_agent)
    assert not tasks.may_record_callback(callback, cast.staff)  # the department does not call back
    tasks.record_callback(callback.id, actor=cast.other_agent, now=MONDAY + HOUR,
                          result=CallbackResult.SATISFIED)
    assert db.session.get(TaskSlip, slip.id).status == "closed"


def test_an_unreachable_owner_is_called_again_as_the_admin_set(cast):
    tasks.save_policy(tasks.current_policy(), now=MONDAY,
                      retry=CallbackRetryPolicy(max_attempts=2, retry_after=timedelta(minutes=30)))
    slip = bring_to(cast, "resolved", now=MONDAY)
    callback = pending_callback(slip.id)
    tasks.record_callback(callback.id, actor=cast.owner, now=MONDAY, result=CallbackResult.UNREACHABLE)
    again = db.session.get(Callback, callback.id)
    assert (again.status, again.due_at) == ("pending", MONDAY + timedelta(minutes=30))
    tasks.record_callback(callback.id, actor=cast.owner, now=MONDAY + HOUR, result=CallbackResult.UNREACHABLE)
    assert db.session.get(Callback, callback.id).status == "unreachable"  # two attempts, as set


def test_the_supervisor_sees_every_pending_callback(cast):
    slip = bring_to(cast, "resolved", now=MONDAY)
    assert tasks.my_callbacks(cast.supervisor) == [pending_callback(slip.id)]


def test_an_unsatisfied_callback_reopens_the_slip_for_the_department(cast):
    slip = bring_to(cast, "resolved", now=MONDAY)
    tasks.record_callback(pending_callback(slip.id).id, actor=cast.owner, now=MONDAY + HOUR,
                          result=CallbackResult.UNSATISFIED, note="仍然漏水")
    slip = db.session.get(TaskSlip, slip.id)
    assert slip.status == "dispatched" and slip.resolved_at is None
    assert [e.kind for e in slip.events[-2:]] == ["callback", "reopen"]
    assert "仍然漏水" in slip.events[-1].note


def test_an_unreachable_caller_is_tried_again_then_closed_as_unreachable(cast):
    slip = bring_to(cast, "resolved", now=MONDAY)
    callback_id = pending_callback(slip.id).id
    for attempt in range(1, 3):
        callback = tasks.record_callback(callback_id, actor=cast.owner, now=MONDAY + attempt * HOUR,
                                         result=CallbackResult.UNREACHABLE)
        assert callback.status == "pending" and callback.attempts == attempt
        assert callback.due_at == MONDAY + attempt * HOUR + timedelta(hours=2)
        assert db.session.get(TaskSlip, slip.id).status == "resolved"
    callback = tasks.record_callback(callback_id, actor=cast.owner, now=MONDAY + 3 * HOUR,
                                     result=CallbackResult.UNREACHABLE)
    assert callback.status == "unreachable"
    slip = db.session.get(TaskSlip, slip.id)
    assert slip.status == "closed" and "未接通" in slip.events[-1].note
    assert db.session.scalar(select(Notification).where(Notification.kind == "callback_unreachable"))


def test_a_recorded_callback_cannot_be_recorded_twice(cast):
    slip = bring_to(cast, "resolved", now=MONDAY)
    callback_id = pending_callback(slip.id).id
    tasks.record_callback(callback_id, actor=cast.owner, now=MONDAY, result=CallbackResult.SATISFIED)
    with pytest.raises(tasks.CallbackConflict):
        tasks.record_callback(callback_id, actor=cast.owner, now=MONDAY, result=CallbackResult.UNSATISFIED)
    assert db.session.scalar(select(Callback).where(Callback.id == callback_id)).result == "satisfied"


def test_the_policy_setting_is_stored_and_used_for_new_slips(cast):
    assert tasks.current_policy() == DeadlinePolicy()
    tasks.save_policy(DeadlinePolicy(routine_working_days=2, near_due_fraction=0.5), now=MONDAY)
    assert tasks.current_policy().routine_working_days == 2
    slip = open_one(cast, now=MONDAY)
    assert slip.due_at == MONDAY + 48 * HOUR
    assert slip.warn_at == MONDAY + 24 * HOUR
