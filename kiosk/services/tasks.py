"""Task slips: opening them (every source: hotline calls, visits, staff reports), their lifecycle,
callbacks (回访) and deadline escalation.

Verbs take the acting user and ``now``; the lifecycle rules are ``kiosk.domain.slip_lifecycle``, the
deadlines ``kiosk.domain.deadlines``, the callback rules ``kiosk.domain.callbacks``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import case, delete, exists, func, or_, select, update
from sqlalchemy.orm import joinedload, selectinload

from kiosk.clock import SHANGHAI
from kiosk.database import dialect_insert, unit_of_work, upsert
from kiosk.domain import slip_lifecycle as lifecycle
from kiosk.domain.callbacks import (
    CallbackResult,
    CallbackRetryPolicy,
    due_today,
    next_callback_attempt,
    next_periodic_callback,
)
from kiosk.domain.deadlines import DeadlinePolicy, Pause, Priority, due_at, near_due_from
from kiosk.domain.register import Relation
from kiosk.domain.slip_lifecycle import Action, Party, Refused, Status
from kiosk.domain.working_days import WorkingCalendar
from kiosk.extensions import db
from kiosk.models.callbacks import Callback, CallbackKind, CallbackStatus
from kiosk.models.people import Department, Role, User, UserRole
from kiosk.models.property import Building, Owner, Project, Unit, UnitMember
from kiosk.models.settings import Setting
from kiosk.models.tasks import (
    OPEN_VALUES,
    RUNNING_VALUES,
    SlipCounter,
    SlipSource,
    SlipStatus,
    TaskEvent,
    TaskSlip,
    status_among,
)
from kiosk.models.visits import Visit
from kiosk.services import audit, directory, outbox, submissions
from kiosk.services.directory import working_calendar
from kiosk.services.kpi import stale
from kiosk.services.notifications import notify


def next_slip_number(now: datetime) -> str:
    """RW<yyyymmdd>-<nnnn>, by the Shanghai date; one atomic upsert, so two workers never share a number."""
    day = now.astimezone(SHANGHAI).date()
    statement = upsert(SlipCounter, ("day",), {"day": day, "last": 1}, {"last": SlipCounter.last + 1})
    sequence = db.session.execute(statement.returning(SlipCounter.last)).scalar_one()
    return f"RW{day:%Y%m%d}-{sequence:04d}"


def open_slip(*, source: SlipSource, category: str, priority: Priority, description: str, owner: User,
              now: datetime, calendar: WorkingCalendar, policy: DeadlinePolicy | None = None,
              department: Department | None = None, source_ref: int | None = None, location: str = "",
              caller_name: str = "", caller_phone: str | None = None, note: str = "") -> TaskSlip:
    """Open a slip with its deadline (seed 004 §2, seed 003) and dispatch it when a department is named.

    Added to the caller's transaction; the caller commits, so a call and its slip are stored together
    (``report_slip`` is the verb that owns its transaction). The department is told in-app at once.
    """
    policy = policy or current_policy()
    status = SlipStatus.DISPATCHED if department is not None else SlipStatus.NEW
    slip = TaskSlip(
        number=next_slip_number(now), source=SlipSource(source).value, source_ref=source_ref,
        category=category, priority=Priority(priority).value, status=status.value,
        department=department, owner=owner, caller_name=caller_name, caller_phone=caller_phone,
        location=location, description=description, opened_at=now,
        due_at=due_at(now, Priority(priority), policy, calendar),
    )
    slip.events.append(TaskEvent(at=now, actor_id=owner.id, kind="opened", from_status=None,
                                 to_status=status.value, note=note))
    _set_deadline(slip, slip.due_at, policy, now)
    db.session.add(slip)
    db.session.flush()
    if department is not None:
        _notify_dispatched(slip, now, f"新任务单 {slip.number}：{description[:40]}")
    return slip


def report_slip(*, owner: User, now: datetime, category: str, priority: Priority, description: str,
                department_id: int | None = None, visit: Visit | None = None, location: str = "",
                caller_name: str = "", caller_phone: str | None = None,
                submission: submissions.Submission | None = None) -> TaskSlip:
    """A slip reported by staff, or opened from a visit in the visitor log: then the slip's source is
    the visit and, unless another number was typed, the visitor's number is the caller's.

    Once per submission: the same form sent again answers with the slip the first sending opened.
    """
    with unit_of_work():
        slip = submissions.repeat_of(submission, TaskSlip, now)
        if slip is None:
            slip = open_slip(
                source=SlipSource.VISIT if visit else SlipSource.STAFF,
                source_ref=visit.id if visit else None,
                category=category, priority=Priority(priority), description=description, owner=owner,
                now=now, calendar=working_calendar(), department=directory.get_department(department_id),
                location=location, caller_name=caller_name,
                caller_phone=caller_phone or (visit.mobile if visit else None),
            )
            submissions.settle(submission, slip.id)
    return slip


# --- Reading slips --------------------------------------------------------------------------------


def get_slip(slip_id: int) -> TaskSlip | None:
    return db.session.get(TaskSlip, slip_id)


def slip_list(*, now: datetime, status: str = "", priority: str = "", department_id: int | None = None,
              overdue: bool = False, query: str = "", limit: int = 200) -> list[TaskSlip]:
    """The newest slips (with their department and assignee) matching the filters of the slip list;
    ``query`` is looked for in the number, description, location and caller's name."""
    statement = (select(TaskSlip).options(joinedload(TaskSlip.department), joinedload(TaskSlip.assignee))
                 .order_by(TaskSlip.id.desc()).limit(limit))
    if status:
        statement = statement.where(TaskSlip.status == status)
    if priority:
        statement = statement.where(TaskSlip.priority == priority)
    if department_id:
        statement = statement.where(TaskSlip.department_id == department_id)
    if overdue:
        statement = statement.where(overdue_condition(now))
    if query:
        like = f"%{query}%"
        statement = statement.where(or_(TaskSlip.number.ilike(like), TaskSlip.description.ilike(like),
                                        TaskSlip.location.ilike(like), TaskSlip.caller_name.ilike(like)))
    return list(db.session.scalars(statement))


# --- The deadline policy (an admin setting) -------------------------------------------------------

POLICY_KEY = "deadline_policy"


def current_policy() -> DeadlinePolicy:
    """The deadline policy in force: the admin's setting, or the seeds' defaults."""
    row = db.session.get(Setting, POLICY_KEY)
    return DeadlinePolicy(**json.loads(row.value)) if row else DeadlinePolicy()


RETRY_KEY = "callback_retry_policy"


def current_retry_policy() -> CallbackRetryPolicy:
    """How often and how far apart an unreachable owner is called again: the admin's setting, or ours."""
    row = db.session.get(Setting, RETRY_KEY)
    if row is None:
        return CallbackRetryPolicy()
    stored = json.loads(row.value)
    return CallbackRetryPolicy(stored["max_attempts"], timedelta(minutes=stored["retry_after_minutes"]))


def _store_setting(key: str, value: dict, now: datetime) -> None:
    row = db.session.get(Setting, key) or Setting(key=key)
    row.value, row.updated_at = json.dumps(value), now
    db.session.add(row)


def _retry_values(retry: CallbackRetryPolicy) -> dict:
    return {"max_attempts": retry.max_attempts,
            "retry_after_minutes": retry.retry_after // timedelta(minutes=1)}


def save_policy(policy: DeadlinePolicy, *, now: datetime, retry: CallbackRetryPolicy | None = None,
                by: audit.By | None = None) -> None:
    """Store the policy (and the callback retries, when given). Deadlines already promised stay; the
    near-due moments of open slips follow it; pending callbacks keep the time they were given."""
    with unit_of_work():
        audit.record(by, audit.Action.DEADLINE_POLICY,
                     audit.Subject(audit.ObjectType.POLICY, POLICY_KEY, "时限设置"),
                     asdict(current_policy()), asdict(policy))
        _store_setting(POLICY_KEY, asdict(policy), now)
        if retry is not None:
            audit.record(by, audit.Action.CALLBACK_RETRY_POLICY,
                         audit.Subject(audit.ObjectType.POLICY, RETRY_KEY, "回访重拨设置"),
                         _retry_values(current_retry_policy()), _retry_values(retry))
            _store_setting(RETRY_KEY, _retry_values(retry), now)
        open_slips = db.session.execute(
            select(TaskSlip.id, TaskSlip.due_at, TaskSlip.opened_at).where(TaskSlip.status.in_(OPEN_VALUES))
        ).all()
        for slip_id, due, opened in open_slips:
            db.session.execute(update(TaskSlip).where(TaskSlip.id == slip_id)
                               .values(warn_at=near_due_from(due, opened, policy)))


# --- Who the viewer is to a slip ------------------------------------------------------------------

#: What a department works on: dispatched to it and not yet resolved.
WORK_QUEUE = ("dispatched", "accepted", "in_progress", "waiting_on_owner")


def parties(slip: TaskSlip, user: User) -> set[Party]:
    found = set()
    if user.id == slip.owner_id:
        found.add(Party.OWNER)
    in_department = slip.department_id is not None and user.department_id == slip.department_id
    if in_department and user.has_role(Role.STAFF):
        found.add(Party.DEPARTMENT)
    if user.has_role(Role.SUPERVISOR):
        found.add(Party.SUPERVISOR)
    if user.has_role(Role.ADMIN):
        found.add(Party.ADMIN)
    return found


def may_view(slip: TaskSlip, user: User) -> bool:
    """The slip's own people, and every hotline agent (they answer the caller's next call)."""
    return bool(parties(slip, user)) or user.has_role(Role.AGENT)


def available_actions(slip: TaskSlip, user: User) -> list[Action]:
    return lifecycle.available(Status(slip.status), parties(slip, user))


# --- Changing a slip ------------------------------------------------------------------------------


class SlipConflict(Exception):
    """Someone else changed the slip since the form was shown (its version moved on)."""


class ReasonRequired(ValueError):
    """Rejecting, reassigning, waiting, resolving, reopening and changing priority or deadline need a text."""


def _pauses(slip: TaskSlip, now: datetime) -> list[Pause]:
    """The waiting-on-owner stretches from the audit trail; an ongoing one ends ``now``."""
    waiting, pauses, started = SlipStatus.WAITING_ON_OWNER.value, [], None
    for event in slip.events:
        if event.to_status == waiting and event.from_status != waiting:
            started = event.at
        elif started is not None and event.from_status == waiting and event.to_status != waiting:
            pauses.append((started, event.at))
            started = None
    if started is not None:
        pauses.append((started, now))
    return pauses


def _set_deadline(slip: TaskSlip, due: datetime, policy: DeadlinePolicy, now: datetime) -> None:
    slip.due_at, slip.warn_at = due, near_due_from(due, slip.opened_at, policy)
    if due >= now:
        slip.escalated_at = None
    if slip.warn_at > now:
        slip.near_due_notified_at = None


def _recompute_deadline(slip: TaskSlip, now: datetime, calendar: WorkingCalendar, policy: DeadlinePolicy,
                        ended_pause: Pause | None = None) -> None:
    """The policy's deadline less the pauses; a hand-set deadline is pushed by the pause just ended."""
    if slip.deadline_set_by_hand:
        if ended_pause is not None and ended_pause[0] < slip.due_at:
            _set_deadline(slip, slip.due_at + (ended_pause[1] - ended_pause[0]), policy, now)
        return
    due = due_at(slip.opened_at, Priority(slip.priority), policy, calendar, pauses=_pauses(slip, now))
    _set_deadline(slip, due, policy, now)


def _locked_slip(slip_id: int) -> TaskSlip:
    # The events are loaded with the slip, so appending one later does not flush half a change early
    # (one UPDATE, one version step).
    statement = (select(TaskSlip).where(TaskSlip.id == slip_id).with_for_update()
                 .options(selectinload(TaskSlip.events)).execution_options(populate_existing=True))
    slip = db.session.scalar(statement)
    if slip is None:
        raise LookupError(f"no task slip {slip_id}")
    return slip


def _notify_dispatched(slip: TaskSlip, now: datetime, title: str) -> None:
    level = "urgent" if slip.priority in (Priority.EMERGENCY, Priority.COMPLAINT) else "info"
    target = {"user": slip.assignee} if slip.assignee is not None else {"department": slip.department}
    kind = "complaint_received" if slip.priority == Priority.COMPLAINT else "slip_dispatched"
    notify(kind=kind, title=title, now=now, link=f"/tasks/{slip.id}", level=level, **target)


def _change(slip_id: int, action: Action, *, actor: User, now: datetime, version: int | None,
            note: str = "", apply: Callable[[TaskSlip, str], None] | None = None,
            calendar: WorkingCalendar | None = None, policy: DeadlinePolicy | None = None) -> TaskSlip:
    """Check the move against the lifecycle table, apply it, record it, commit; or roll back and raise.

    ``version`` is the one the actor's form showed: a different stored version means someone got there
    first (``SlipConflict``); the UPDATE itself is ``... WHERE version = :v`` (version_id_col), so two
    writers that read the same version cannot both succeed.
    """
    note = (note or "").strip()
    with unit_of_work(lambda: SlipConflict(slip_id)):
        slip = _locked_slip(slip_id)
        if version is not None and slip.version != version:
            raise SlipConflict(slip_id)
        if lifecycle.needs_reason(action) and not note:
            raise ReasonRequired(action)
        before = slip.status
        after = lifecycle.check(action, Status(before), parties(slip, actor))
        slip.status = after.value
        slip.events.append(TaskEvent(at=now, actor_id=actor.id, kind=action.value, from_status=before,
                                     to_status=after.value, note=note))
        # The policy, calendar and notification look-ups below must not flush half the change: one
        # UPDATE, one version step.
        with db.session.no_autoflush:
            if before == SlipStatus.WAITING_ON_OWNER and after != Status.WAITING_ON_OWNER:
                pause_start = next(e.at for e in reversed(slip.events[:-1])
                                   if e.to_status == SlipStatus.WAITING_ON_OWNER)
                _recompute_deadline(slip, now, calendar or working_calendar(), policy or current_policy(),
                                    ended_pause=(pause_start, now))
            if apply is not None:
                apply(slip, note)
    return slip


def dispatch(slip_id: int, *, actor: User, now: datetime, department: Department,
             assignee: User | None = None, version: int | None = None, note: str = "") -> TaskSlip:
    """Send a new (or rejected) slip to a department, optionally to one of its people, who are told."""
    def apply(slip, _note):
        slip.department, slip.assignee = department, assignee
        _notify_dispatched(slip, now, f"新任务单 {slip.number}：{slip.description[:40]}")
    return _change(slip_id, Action.DISPATCH, actor=actor, now=now, version=version, note=note, apply=apply)


def reassign(slip_id: int, *, actor: User, now: datetime, department: Department, reason: str,
             assignee: User | None = None, version: int | None = None) -> TaskSlip:
    """A supervisor moves a slip to another department or person (with a reason); they must sign for it."""
    def apply(slip, _note):
        slip.department, slip.assignee = department, assignee
        _notify_dispatched(slip, now, f"改派任务单 {slip.number}：{slip.description[:40]}")
    return _change(slip_id, Action.REASSIGN, actor=actor, now=now, version=version, note=reason, apply=apply)


def _take(actor: User):
    def apply(slip, _note):
        if slip.assignee_id is None:
            slip.assignee = actor
    return apply


def accept(slip_id: int, *, actor: User, now: datetime, version: int | None = None) -> TaskSlip:
    """签收: the department takes the slip; the person who signs becomes its assignee if none was named."""
    return _change(slip_id, Action.ACCEPT, actor=actor, now=now, version=version, apply=_take(actor))


def reject(slip_id: int, *, actor: User, now: datetime, reason: str, version: int | None = None) -> TaskSlip:
    """Send the slip back to whoever dispatched it, with a reason; they and the supervisors are told."""
    def apply(slip, note):
        dispatcher = next((e.actor for e in reversed(slip.events)
                           if e.kind in ("opened", Action.DISPATCH, Action.REASSIGN, Action.REOPEN)), None)
        title = f"任务单 {slip.number} 被退回：{note[:60]}"
        link = f"/tasks/{slip.id}"
        if dispatcher is not None:
            notify(kind="slip_rejected", title=title, now=now, user=dispatcher, link=link, level="urgent")
        notify(kind="slip_rejected", title=title, now=now, role=Role.SUPERVISOR.value, link=link)
        slip.assignee = None
    return _change(slip_id, Action.REJECT, actor=actor, now=now, version=version, note=reason, apply=apply)


def start(slip_id: int, *, actor: User, now: datetime, version: int | None = None) -> TaskSlip:
    return _change(slip_id, Action.START, actor=actor, now=now, version=version, apply=_take(actor))


def wait_on_owner(slip_id: int, *, actor: User, now: datetime, reason: str,
                  version: int | None = None) -> TaskSlip:
    """Waiting on the owner: the deadline clock stops until ``resume`` (deadlines.due_at with pauses)."""
    return _change(slip_id, Action.WAIT, actor=actor, now=now, version=version, note=reason)


def resume(slip_id: int, *, actor: User, now: datetime, version: int | None = None,
           calendar: WorkingCalendar | None = None, policy: DeadlinePolicy | None = None) -> TaskSlip:
    """Work again after waiting; the deadline moves on by the pause (working time for working-day slips)."""
    return _change(slip_id, Action.RESUME, actor=actor, now=now, version=version, calendar=calendar,
                   policy=policy)


def add_note(slip_id: int, *, actor: User, now: datetime, note: str, version: int | None = None) -> TaskSlip:
    """A progress note on the timeline; the status stays."""
    return _change(slip_id, Action.NOTE, actor=actor, now=now, version=version, note=note)


SLIP_CALLBACK_AFTER = timedelta(hours=2)
"""A resolved slip's callback falls due this long after resolution ("结果跟踪回访", seed 003 §2(1))."""


def resolve(slip_id: int, *, actor: User, now: datetime, result: str, version: int | None = None) -> TaskSlip:
    """Done, with the result; a callback to the caller is scheduled for the first-contact owner.

    When the owner is not an agent (staff reported it themselves), the callback is shared by the agents,
    who make the calls, instead of waiting on a list its owner cannot open.
    """
    def apply(slip, note):
        slip.result, slip.resolved_at = note, now
        caller = slip.owner_id if slip.owner is not None and slip.owner.has_role(Role.AGENT) else None
        db.session.add(Callback(kind=CallbackKind.SLIP.value, slip=slip, agent_id=caller,
                                due_at=now + SLIP_CALLBACK_AFTER, created_at=now))
        notify(kind="slip_resolved", title=f"任务单 {slip.number} 已办结，请回访", now=now, user=slip.owner,
               link=f"/tasks/{slip.id}")
    return _change(slip_id, Action.RESOLVE, actor=actor, now=now, version=version, note=result, apply=apply)


def _drop_pending_callbacks(slip: TaskSlip) -> None:
    stale.mark_since(db.session, slip.opened_at.astimezone(SHANGHAI).date())  # a bulk delete: unflushed
    db.session.execute(delete(Callback).where(Callback.slip_id == slip.id,
                                              Callback.status == CallbackStatus.PENDING.value))


def reopen(slip_id: int, *, actor: User, now: datetime, reason: str, version: int | None = None) -> TaskSlip:
    """Back to the department (a complaint came back, the fix did not hold)."""
    def apply(slip, _note):
        _drop_pending_callbacks(slip)
        slip.resolved_at = slip.closed_at = None
        _notify_dispatched(slip, now, f"任务单 {slip.number} 重新打开：{reason[:40]}")
    return _change(slip_id, Action.REOPEN, actor=actor, now=now, version=version, note=reason, apply=apply)


def close(slip_id: int, *, actor: User, now: datetime, version: int | None = None,
          note: str = "") -> TaskSlip:
    def apply(slip, _note):
        slip.closed_at = now
    return _change(slip_id, Action.CLOSE, actor=actor, now=now, version=version, note=note, apply=apply)


def change_priority(slip_id: int, *, actor: User, now: datetime, priority: Priority, reason: str,
                    version: int | None = None, calendar: WorkingCalendar | None = None,
                    policy: DeadlinePolicy | None = None) -> TaskSlip:
    """A supervisor's call, with a reason; the deadline follows the policy for the new priority."""
    def apply(slip, note):
        old = Priority(slip.priority)
        slip.events[-1].note = f"{note}（{old.label_zh} → {Priority(priority).label_zh}）"
        slip.priority, slip.deadline_set_by_hand = Priority(priority).value, False
        _recompute_deadline(slip, now, calendar or working_calendar(), policy or current_policy())
    return _change(slip_id, Action.PRIORITY, actor=actor, now=now, version=version, note=reason, apply=apply)


def change_deadline(slip_id: int, *, actor: User, now: datetime, due: datetime, reason: str,
                    version: int | None = None, policy: DeadlinePolicy | None = None) -> TaskSlip:
    """A supervisor sets the deadline by hand, with a reason (audited with the old and new time)."""
    def apply(slip, note):
        shown = "%Y-%m-%d %H:%M"
        old, new = slip.due_at.astimezone(SHANGHAI), due.astimezone(SHANGHAI)
        slip.events[-1].note = f"{note}（{old:{shown}} → {new:{shown}}）"
        slip.deadline_set_by_hand = True
        _set_deadline(slip, due, policy or current_policy(), now)
    return _change(slip_id, Action.DEADLINE, actor=actor, now=now, version=version, note=reason, apply=apply)


# --- Callbacks (回访) ------------------------------------------------------------------------------


class CallbackConflict(Exception):
    """The callback was recorded (or retried) by someone else since the form was shown."""


def may_record_callback(callback: Callback, user: User) -> bool:
    """The slip's parties who may call back (its owner, a supervisor); any agent for a shared one."""
    if callback.slip is not None:
        if callback.agent_id is None and user.has_role(Role.AGENT):
            return lifecycle.may(Action.CALLBACK, Status(callback.slip.status), {Party.OWNER})
        return lifecycle.may(Action.CALLBACK, Status(callback.slip.status), parties(callback.slip, user))
    return user.has_role(Role.AGENT, Role.SUPERVISOR, Role.ADMIN)


def record_callback(callback_id: int, *, actor: User, now: datetime, result: CallbackResult, note: str = "",
                    version: int | None = None, retry: CallbackRetryPolicy | None = None,
                    also: Callable[[Callback], None] | None = None) -> Callback:
    """Record one callback attempt. Reached: done, and the slip is closed (or reopened when unsatisfied).

    Unreachable: tried again after ``retry.retry_after``, up to ``retry.max_attempts``; then the callback
    is given up, the slip closed as unreachable and the supervisors told. ``also(callback)`` runs in the
    same transaction (the hotline settles the call the callback was made on).
    """
    result, note = CallbackResult(result), (note or "").strip()
    with unit_of_work(lambda: CallbackConflict(callback_id)):
        callback = db.session.scalar(select(Callback).where(Callback.id == callback_id).with_for_update()
                                     .execution_options(populate_existing=True))
        if callback is None:
            raise LookupError(f"no callback {callback_id}")
        if (version is not None and callback.version != version) or callback.status != CallbackStatus.PENDING:
            raise CallbackConflict(callback_id)
        if not may_record_callback(callback, actor):
            raise Refused(Action.CALLBACK, Status.RESOLVED, "role")
        callback.attempts += 1
        callback.last_attempt_at = now
        retry_at = None if result.reached else next_callback_attempt(callback.attempts, now,
                                                                     retry or current_retry_policy())
        if retry_at is not None:
            callback.due_at = retry_at
        else:
            callback.status = (CallbackStatus.DONE if result.reached else CallbackStatus.UNREACHABLE).value
            callback.result, callback.note = result.value, note
            callback.done_at, callback.done_by_id = now, actor.id
        if callback.slip is not None:
            _callback_moves_slip(callback.slip, result, retry_at is not None, actor, now, note)
        if not result.reached and retry_at is None:
            link = f"/tasks/{callback.slip_id}" if callback.slip_id else None
            notify(kind="callback_unreachable", title=f"回访多次未接通：{_callback_subject(callback)}",
                   now=now, role=Role.SUPERVISOR.value, link=link)
        if also is not None:
            also(callback)
    return callback


def get_callback(callback_id: int) -> Callback | None:
    return db.session.get(Callback, callback_id)


def pending_callback(slip: TaskSlip) -> Callback | None:
    """The slip's callback still to be made, if any."""
    return db.session.scalar(select(Callback).where(Callback.slip_id == slip.id,
                                                    Callback.status == CallbackStatus.PENDING.value))


def _callback_subject(callback: Callback) -> str:
    if callback.slip is not None:
        return callback.slip.number
    return callback.property_owner.name if callback.property_owner else ""


def _callback_moves_slip(slip: TaskSlip, result: CallbackResult, will_retry: bool, actor: User, now: datetime,
                         note: str) -> None:
    label = result.label_zh
    text = f"{label}：{note}" if note else label
    if not will_retry and not result.reached:
        text = f"{text}（{'已达最多回访次数，按未接通关闭'}）"
    before = slip.status
    steps = lifecycle.after_callback(result, attempts_left=will_retry)
    if not steps:
        slip.events.append(TaskEvent(at=now, actor_id=actor.id, kind="callback_attempt", from_status=before,
                                     to_status=before, note=text))
    for after in steps:
        kind = {Status.CALLED_BACK: Action.CALLBACK, Status.CLOSED: Action.CLOSE}.get(after, Action.REOPEN)
        slip.events.append(TaskEvent(at=now, actor_id=actor.id, kind=kind.value, from_status=before,
                                     to_status=after.value, note=text))
        before = slip.status = after.value
    if slip.status == SlipStatus.CLOSED:
        slip.closed_at = now
    elif slip.status == SlipStatus.DISPATCHED:
        slip.resolved_at = None
        _notify_dispatched(slip, now, f"回访不满意，任务单 {slip.number} 重新打开")


def _holds_title():
    """The person owns or co-owns a unit: periodic callbacks go to owners (seed 001 制度3 §5), not to their
    tenants or household members."""
    return exists().where(UnitMember.owner_id == Owner.id,
                          UnitMember.relation.in_([r.value for r in Relation if r.holds_title]))


def schedule_periodic_callbacks(now: datetime) -> int:
    """One pending periodic callback per owner of a delivered project (seed 001 制度3 §5); idempotent.

    The date comes from ``callbacks.next_periodic_callback`` (monthly in the first year, quarterly
    after), counted from the owner's last periodic callback. Owners who already have one pending are
    left alone; the partial unique index makes two runs at once add it once.
    """
    today = now.astimezone(SHANGHAI).date()
    with unit_of_work():
        pending = select(Callback.id).where(Callback.property_owner_id == Owner.id,
                                            Callback.status == CallbackStatus.PENDING.value).exists()
        last_done = (select(func.max(Callback.done_at)).where(Callback.property_owner_id == Owner.id,
                                                              Callback.kind == CallbackKind.PERIODIC.value)
                     .scalar_subquery())
        rows = db.session.execute(
            select(Owner.id, Project.delivered_on, last_done)
            .join(Unit, Owner.unit_id == Unit.id).join(Building, Unit.building_id == Building.id)
            .join(Project, Building.project_id == Project.id)
            .where(Project.delivered_on.is_not(None), ~pending, Owner.merged_into_id.is_(None),
                   _holds_title())
        ).all()
        values = []
        for owner_id, delivered, last in rows:
            day = next_periodic_callback(delivered, last.astimezone(SHANGHAI).date() if last else None, today)
            due = datetime.combine(day, PERIODIC_CALLBACK_TIME, tzinfo=SHANGHAI).astimezone(UTC)
            values.append({"kind": CallbackKind.PERIODIC.value, "property_owner_id": owner_id, "due_at": due,
                           "status": CallbackStatus.PENDING.value, "attempts": 0, "note": "",
                           "created_at": now, "version": 1})
        added = 0
        if values:
            statement = dialect_insert(Callback).values(values).on_conflict_do_nothing(
                index_elements=[Callback.property_owner_id], index_where=Callback.status == "pending",
            ).returning(Callback.id)  # the rows really added (psycopg reports no row count for this insert)
            added = len(db.session.execute(statement).all())
    return added


PERIODIC_CALLBACK_TIME = time(9, 0)
"""Periodic callbacks fall due at 09:00 Shanghai on their day."""


def my_callbacks(user: User, limit: int = 200) -> list[Callback]:
    """Pending callbacks for an agent: their own slips' callbacks and the shared ones (periodic callbacks,
    slips reported by staff). A supervisor sees everyone's, so none is left unmade."""
    statement = select(Callback).where(Callback.status == CallbackStatus.PENDING.value)
    if not user.has_role(Role.SUPERVISOR, Role.ADMIN):
        statement = statement.where((Callback.agent_id == user.id) | Callback.agent_id.is_(None))
    statement = statement.order_by(Callback.due_at, Callback.id).limit(limit)
    return list(db.session.scalars(statement))


CALLBACKS_PAGE = "/tasks/callbacks"


def tell_callbacks_due(now: datetime) -> int:
    """Each agent's morning digest of the day's callbacks (``kiosk.domain.callbacks.due_today``): their own
    slips' callbacks and the shared ones (periodic callbacks, slips reported by staff), as
    "今日待回访 12 个，其中逾期 3 个" with a link to 我的回访. Once per agent per day whichever worker runs it
    (``message_keys``); routed as ``callback_due`` like every alert. Returns how many agents were told."""
    today = now.astimezone(SHANGHAI).date()
    starts = datetime.combine(today, time(0), tzinfo=SHANGHAI).astimezone(UTC)
    ends = starts + timedelta(days=1)
    due = db.session.execute(
        select(Callback.agent_id, Callback.due_at)
        .where(Callback.status == CallbackStatus.PENDING.value, Callback.due_at < ends)
    ).all()
    agents = db.session.scalars(
        select(User).join(UserRole).where(UserRole.role == Role.AGENT.value, User.active).order_by(User.id)
    ).all()
    db.session.commit()
    told = 0
    for agent in agents:
        digest = due_today((at for owner, at in due if owner in (None, agent.id)), starts, ends)
        if not digest.worth_telling:
            continue
        with unit_of_work():
            if not outbox.first_time(f"callbacks-due-{today:%Y%m%d}-{agent.id}", now):
                continue
            notify(kind="callback_due", title=digest.title_zh, body="请在“我的回访”中逐个回访并记录结果。",
                   link=CALLBACKS_PAGE, user=agent, now=now)
            told += 1
    return told


# --- Deadlines: near due and overdue (run from cron) -------------------------------------------


def near_due_condition(now: datetime):
    """Running slips (the clock not paused) past their near-due moment and not yet due."""
    return status_among(RUNNING_VALUES) & (TaskSlip.warn_at <= now) & (TaskSlip.due_at >= now)


def overdue_condition(now: datetime):
    """Running slips past their deadline."""
    return status_among(RUNNING_VALUES) & (TaskSlip.due_at < now)


def notify_deadlines(now: datetime) -> tuple[int, int]:
    """Tell people once when a running slip turns near due, and escalate once when it is overdue.

    Each slip is claimed with ``UPDATE ... WHERE <flag> IS NULL`` and only the run whose update touched
    the row writes the event and the notifications, so cron may overlap. (The slip's version is not
    bumped: this does not change anything a person edits.) Returns (near due, escalated).
    """
    with unit_of_work():
        near = _claim(now, TaskSlip.near_due_notified_at, near_due_condition(now))
        late = _claim(now, TaskSlip.escalated_at, overdue_condition(now))
        for slip in near:
            title = f"任务单 {slip.number} 即将超时（{slip.due_at.astimezone(SHANGHAI):%m-%d %H:%M} 截止）"
            _tell_slip_people(slip, now, "slip_near_due", title, "info")
        for slip in late:
            slip.events.append(TaskEvent(at=now, actor_id=None, kind="escalated", from_status=slip.status,
                                         to_status=slip.status, note="已超时，升级至主管"))
            title = f"任务单 {slip.number} 已超时，已升级至主管"
            _tell_slip_people(slip, now, "slip_overdue", title, "urgent")
            notify(kind="slip_escalated", title=title, now=now, role=Role.SUPERVISOR.value,
                   link=f"/tasks/{slip.id}", level="urgent")
    return len(near), len(late)


def _claim(now: datetime, flag, condition) -> list[TaskSlip]:
    candidates = db.session.scalars(select(TaskSlip.id).where(flag.is_(None), condition)).all()
    claimed = [slip_id for slip_id in candidates
               if db.session.execute(update(TaskSlip).where(TaskSlip.id == slip_id, flag.is_(None))
                                     .values({flag.key: now})).rowcount == 1]
    return [db.session.get(TaskSlip, slip_id) for slip_id in claimed]


def _tell_slip_people(slip: TaskSlip, now: datetime, kind: str, title: str, level: str) -> None:
    link = f"/tasks/{slip.id}"
    if slip.assignee is not None:
        notify(kind=kind, title=title, now=now, user=slip.assignee, link=link, level=level)
    elif slip.department is not None:
        notify(kind=kind, title=title, now=now, department=slip.department, link=link, level=level)
    if slip.owner_id != slip.assignee_id:
        notify(kind=kind, title=title, now=now, user=slip.owner, link=link, level=level)


# --- A department's queue -------------------------------------------------------------------------


def _in_queue(department_id: int):
    return (TaskSlip.department_id == department_id) & TaskSlip.status.in_(WORK_QUEUE)


def department_queue(department_id: int) -> list[TaskSlip]:
    return list(db.session.scalars(
        select(TaskSlip).options(selectinload(TaskSlip.assignee)).where(_in_queue(department_id))
        .order_by(TaskSlip.due_at)))


def queue_version(department_id: int, now: datetime) -> str:
    """The cheap "last change" of a department's queue, for its page's poll (one statement).

    A slip joining the queue brings the newest event, one leaving it lowers the count, any change to a
    slip in it writes an event; time passing moves the near-due and overdue counts.
    """
    newest = (select(func.max(TaskEvent.id)).join(TaskSlip, TaskEvent.slip_id == TaskSlip.id)
              .where(_in_queue(department_id)).scalar_subquery())
    row = db.session.execute(select(
        newest, func.count(TaskSlip.id),
        func.sum(case((near_due_condition(now), 1), else_=0)),
        func.sum(case((overdue_condition(now), 1), else_=0)),
    ).where(_in_queue(department_id))).one()
    return "-".join(str(value or 0) for value in row)
