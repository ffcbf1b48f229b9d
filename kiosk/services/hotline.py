"""Hotline verbs: switchboard events, answering and starting calls, record → confirm → outcome, phrases,
corrections, agents' states, caller look-up and the books at the agent's hand.

Every write is one ``unit_of_work()`` and locks the call row it changes (``FOR UPDATE`` on
PostgreSQL; the write lock of ``BEGIN IMMEDIATE`` on SQLite), so two tabs, two agents or a switchboard
repeating itself never apply the same change twice.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import lazyload

from kiosk import json_input
from kiosk.clock import local
from kiosk.database import dialect_insert, unit_of_work, upsert
from kiosk.domain.callbacks import CallbackResult
from kiosk.domain.deadlines import Priority
from kiosk.domain.deadlines import due_at as deadline_for
from kiosk.domain.hotline import (
    STANDARD_PHRASES,
    AgentStatus,
    CallCategory,
    CallLost,
    CallState,
    CallTimes,
    CtiEvent,
    CtiPayload,
    CtiRefusal,
    Disposition,
    SettledChange,
    agent_status_after,
    can_report_wrong_answer,
    cti_event,
    dispatch_priority,
    event_time_refused,
    first_contact_owner,
    generic_hangup_cause,
    lost_since,
    may_hear_recording,
    may_work_on_call,
    merge_event,
    settled_call_change,
    surname_of,
)
from kiosk.domain.phone_numbers import CALLER, normalise_phone
from kiosk.domain.slip_lifecycle import Action, Refused, Status
from kiosk.domain.working_days import WorkingCalendar
from kiosk.extensions import db
from kiosk.models.callbacks import Callback, CallbackStatus
from kiosk.models.calls import (
    AgentState,
    AnswerBookEntry,
    Call,
    CallChange,
    CallEvent,
    CallPhraseUse,
    CtiRefusalCount,
    DirectoryEntry,
    PbxSecret,
)
from kiosk.models.people import Department, Role, User, UserRole
from kiosk.models.phrases import ScriptPhrase
from kiosk.models.property import Building, Owner, Project, Unit
from kiosk.models.tasks import SlipSource, SlipStatus, TaskSlip
from kiosk.models.types import literal_in
from kiosk.services import audit, switch, tasks
from kiosk.services.notifications import notify
from kiosk.services.register import caller_profile

SIGNATURE_HEADER = "X-Kiosk-Signature"
PBX_HEADER = "X-Kiosk-Pbx"


# --- switchboard events (shaped after Zammad's generic CTI API) ---------------------------------


class BadEvent(ValueError):
    """A signed body we do not take; ``reason`` says which kind of refusal it is counted as."""

    def __init__(self, message: str, reason: CtiRefusal = CtiRefusal.MALFORMED):
        super().__init__(message)
        self.reason = reason


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_valid(pbx_name: str, body: bytes, signature: str) -> bool:
    """Is ``signature`` the HMAC-SHA256 of the raw body under this switchboard's secret?"""
    if not pbx_name:
        return False
    secret = db.session.scalar(select(PbxSecret.secret).where(PbxSecret.name == pbx_name))
    if not secret or not signature:
        return False
    return hmac.compare_digest(sign(secret, body), signature)


def _raw(data: dict, key: str, limit: int) -> str:
    value = data.get(key, "")
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise BadEvent(f"{key} must be text")
    value = str(value).strip()
    if len(value) > limit:
        raise BadEvent(f"{key} is too long")
    return value


def _text(data: dict, key: str, limit: int) -> str:
    """A text field; JSON's ``\\ud800`` escapes make strings no database can store, refused here."""
    value = _raw(data, key, limit)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        raise BadEvent(f"{key} is not valid text") from error
    return value


def switch_number(raw: str) -> str:
    """A caller's or called number in its stored form, or ``""`` (unknown): a switchboard sends
    "anonymous" or nothing for a withheld number, and a ringing call is taken whatever it shows."""
    return normalise_phone(raw.strip()[:30], CALLER) or ""


def _number(data: dict, key: str) -> str:
    return switch_number(_raw(data, key, 30))


def json_object(body: bytes) -> dict:
    """A switchboard's JSON body as an object; ``BadEvent`` when it is none (or nests too deep)."""
    try:
        data = json_input.loads(body)
    except json_input.JsonRefused as error:
        raise BadEvent(str(error), CtiRefusal.TOO_DEEP if error.reason == "too_deep"
                       else CtiRefusal.MALFORMED) from error
    if not isinstance(data, dict):
        raise BadEvent("body must be a JSON object")
    return data


def _what_and_which(data: dict, id_key: str) -> tuple[CtiEvent, str, str]:
    """The event, the call id (under ``id_key``) and the direction every webhook's event names."""
    event = cti_event(_text(data, "event", 20))
    if event is None:
        raise BadEvent("unknown event (ringing, answered, hangup; or newCall, answer, hangup)")
    call_id = _text(data, id_key, 80)
    if not call_id:
        raise BadEvent(f"{id_key} is required (at most 80 characters)")
    direction = _text(data, "direction", 10) or "in"
    if direction not in ("in", "out"):
        raise BadEvent("direction must be in or out")
    return event, call_id, direction


def parse_generic_event(data: dict, now: datetime) -> CtiPayload:
    """An event of the generic CTI format Zammad and many PBXs send (form fields or JSON): ``event``
    (``newCall``, ``answer``, ``hangup``), ``from``, ``to``, ``direction`` (``in``/``out``), ``callId``,
    ``user`` (``user[]``: the names of the agents involved), ``answeringNumber`` (who answered: an
    extension or a username), ``queue``, ``cause`` (why a hangup ended the call: ``generic_hangup_cause``).
    It carries no time of its own: it is taken as it arrives. The agent is the one ``answeringNumber``
    names, else the only one ``user`` names.
    """
    event, call_id, direction = _what_and_which(data, "callId")
    users = data.get("user[]", data.get("user", []))
    users = [users] if isinstance(users, str | int) and not isinstance(users, bool) else users
    if not isinstance(users, list) or len(users) > 50:
        raise BadEvent("user must be a list of names")
    names = [_text({"user": name}, "user", 60) for name in users]
    agent = _generic_agent(_text(data, "answeringNumber", 60), names)
    cause = generic_hangup_cause(_text(data, "cause", 40)) if event is CtiEvent.HANGUP else None
    return CtiPayload(event=event, call_id=call_id, at=now, caller=_number(data, "from"),
                      called=_number(data, "to"), direction=direction,
                      extension=agent.extension if agent and agent.extension else "",
                      queue=_text(data, "queue", 40), cause=cause.value if cause else "")


def _generic_agent(answering: str, names: list[str]) -> User | None:
    """The agent an event names: by ``answeringNumber`` (an extension or a username), else the one
    active user whose display name is the only name in ``user[]``."""
    if answering:
        return db.session.scalar(select(User).where(
            or_(User.extension == answering, User.username == answering), User.active.is_(True)).limit(1))
    if len(names) == 1 and names[0]:
        found = db.session.scalars(select(User).where(User.display_name == names[0], User.active.is_(True))
                                   .limit(2)).all()
        return found[0] if len(found) == 1 else None
    return None


def parse_event(body: bytes, *, now: datetime, max_skew: timedelta) -> CtiPayload:
    """The event in a switchboard's JSON body; ``BadEvent`` names what is wrong.

    An event dated further than ``max_skew`` from ``now`` is refused (``event_time_refused``); a body
    nested deeper than ``json_input.MAX_DEPTH`` is refused before it is parsed.
    """
    data = json_object(body)
    event, call_id, direction = _what_and_which(data, "call_id")
    try:
        at = datetime.fromisoformat(_text(data, "timestamp", 40))
    except ValueError as error:
        raise BadEvent("timestamp must be ISO 8601") from error
    if at.tzinfo is None:
        raise BadEvent("timestamp must carry its UTC offset")
    try:
        at = at.astimezone(UTC)
    except OverflowError as error:  # 0001-01-01T00:00+01:00 has no UTC time
        raise BadEvent("timestamp out of range") from error
    if event_time_refused(at, now, max_skew):
        raise BadEvent(f"timestamp {at.isoformat()} is more than {max_skew.total_seconds():.0f} s from the "
                       f"server clock ({now.astimezone(UTC).isoformat(timespec='seconds')})",
                       CtiRefusal.CLOCK_SKEW)
    return CtiPayload(event=event, call_id=call_id, at=at, caller=_number(data, "from"),
                      called=_number(data, "to"), direction=direction,
                      extension=_text(data, "extension", 20))


def count_refusal(pbx_name: str, reason: CtiRefusal, now: datetime) -> None:
    """One more of a switchboard's events refused today (the Shanghai day), and when it was.

    ``INSERT … ON CONFLICT DO UPDATE SET count = count + 1``: refusals arriving together each count once
    (PostgreSQL locks the row it updates; on SQLite ``unit_of_work`` takes the write lock first). A name
    that is no switchboard of ours counts under ``""``, so made-up names add no rows.
    """
    with unit_of_work():
        known = db.session.scalar(select(PbxSecret.name).where(PbxSecret.name == pbx_name)) or ""
        db.session.execute(upsert(
            CtiRefusalCount, ("pbx_name", "reason", "day"),
            {"pbx_name": known, "reason": reason.value, "day": local(now).date(), "count": 1, "last_at": now},
            {"count": CtiRefusalCount.count + 1, "last_at": now}))


@dataclass(frozen=True)
class SwitchboardRefusals:
    """A switchboard's refused events: today's count per reason, and the last refusal (any day)."""

    name: str  # "" for names that are no switchboard of ours
    today: dict[CtiRefusal, int]
    last_at: datetime | None
    last_reason: CtiRefusal | None
    webhook_on: bool = False  # the generic webhook has a token


def switchboards(now: datetime) -> list[SwitchboardRefusals]:
    """Every connected switchboard (and unknown names, if any were refused) with its refusals."""
    today = local(now).date()
    webhooks = {name: on for name, on in db.session.execute(
        select(PbxSecret.name, PbxSecret.webhook_token.is_not(None)).order_by(PbxSecret.name))}
    counts: dict[str, dict[CtiRefusal, int]] = {name: {} for name in webhooks}
    last: dict[str, CtiRefusalCount] = {}
    for row in db.session.scalars(select(CtiRefusalCount).order_by(CtiRefusalCount.last_at.desc())):
        counts.setdefault(row.pbx_name, {})
        last.setdefault(row.pbx_name, row)
        if row.day == today:
            counts[row.pbx_name][CtiRefusal(row.reason)] = row.count
    return [SwitchboardRefusals(name, today=by_reason, last_at=last[name].last_at if name in last else None,
                                last_reason=CtiRefusal(last[name].reason) if name in last else None,
                                webhook_on=webhooks.get(name, False))
            for name, by_reason in counts.items()]


def receive_event(payload: CtiPayload, pbx_name: str, now: datetime) -> Call | None:
    """Store one switchboard event and fold it into its call; ``None`` when it is a repeat.

    Every door a switchboard's events come through (the signed webhook, the generic webhook, the Asterisk
    connector) ends here. The (switchboard, call id, event, detail) row is inserted first with ``ON
    CONFLICT DO NOTHING``: of five copies posted at once exactly one goes on. The call row is created the
    same way and then locked, so events of one call arriving together are applied one after the other,
    in whatever order, by ``merge_event``.

    Who the call is with: a ringing call rings at the extension of its latest ring (a queue rings one
    agent after another), an answer or a transfer gives it to the extension that took it, and the agent
    it leaves is free again unless on another call. A hangup that names no extension is the call's agent's.
    """
    with unit_of_work():
        stored = db.session.execute(
            dialect_insert(CallEvent).values(pbx_call_id=payload.call_id, event=payload.event.value,
                                             detail=payload.detail, at=payload.at, received_at=now,
                                             pbx_name=pbx_name)
            .on_conflict_do_nothing().returning(CallEvent.id)
        ).scalar()
        if stored is None:
            return None
        db.session.execute(
            dialect_insert(Call).values(pbx_name=pbx_name, pbx_call_id=payload.call_id,
                                        direction=payload.direction, state=CallState.RINGING.value,
                                        created_at=now)
            .on_conflict_do_nothing(index_elements=[Call.pbx_name, Call.pbx_call_id])
        )
        call = db.session.scalar(
            select(Call).where(Call.pbx_name == pbx_name, Call.pbx_call_id == payload.call_id)
            .with_for_update().execution_options(populate_existing=True)
        )
        call.caller_number = call.caller_number or payload.caller
        call.called_number = call.called_number or payload.called
        call.queue = call.queue or payload.queue or None
        if payload.event is CtiEvent.RECORDING:
            call.recording = payload.recording
        if payload.event is CtiEvent.HANGUP and payload.cause:
            call.hangup_cause = payload.cause
        times = merge_event(_times(call), payload.event, payload.at)
        _apply_times(call, times)
        agent = _agent_by_extension(payload.extension)
        previous = call.agent_id
        if payload.event is CtiEvent.RINGING and payload.extension and times.answered_at is None:
            latest = _agent_by_extension(_latest_ring(pbx_name, payload.call_id))
            call.agent_id = latest.id if latest else call.agent_id
        elif agent is not None and (call.agent_id is None or payload.event in (CtiEvent.ANSWERED,
                                                                                 CtiEvent.TRANSFER)):
            call.agent_id = agent.id
        if call.owner_id is None:
            owner = caller_profile(call.party_number)
            call.owner_id = owner.id if owner else None
        if agent is None and payload.event is CtiEvent.HANGUP and call.agent_id is not None:
            agent = db.session.get(User, call.agent_id)
        status = agent_status_after(payload.event, times, settled=call.disposition is not None)
        if agent is not None and status is not None:
            _set_agent_state(agent.id, status, now)
        if payload.event is CtiEvent.TRANSFER and previous not in (None, call.agent_id):
            db.session.flush()
            if not _has_live_call(previous):
                _set_agent_state(previous, AgentStatus.AVAILABLE, now)
    return call


def _latest_ring(pbx_name: str, call_id: str) -> str:
    """The extension the call rang at last (by the switch's time), whatever order the rings arrived in."""
    return db.session.scalar(
        select(CallEvent.detail).where(CallEvent.pbx_name == pbx_name, CallEvent.pbx_call_id == call_id,
                                       CallEvent.event == CtiEvent.RINGING.value, CallEvent.detail != "")
        .order_by(CallEvent.at.desc(), CallEvent.id.desc()).limit(1)
    ) or ""


def live_switch_calls(pbx_name: str) -> set[str]:
    """The call ids of a switchboard's calls the app shows ringing or answered."""
    return set(db.session.scalars(
        select(Call.pbx_call_id).where(Call.pbx_name == pbx_name, Call.pbx_call_id.is_not(None),
                                       Call.state != CallState.ENDED.value)
    ))


def _agent_by_extension(extension: str) -> User | None:
    if not extension:
        return None
    return db.session.scalar(select(User).where(User.extension == extension, User.active.is_(True)))


def _times(call: Call) -> CallTimes:
    return CallTimes(call.ringing_at, call.answered_at, call.ended_at)


def _apply_times(call: Call, times: CallTimes) -> None:
    call.ringing_at, call.answered_at, call.ended_at = times.ringing_at, times.answered_at, times.ended_at
    call.state = times.state.value
    call.ring_seconds, call.talk_seconds = times.ring_seconds, times.talk_seconds


# --- the agent's moves --------------------------------------------------------------------------


def _locked_call(call_id: int) -> Call | None:
    return db.session.scalar(
        select(Call).where(Call.id == call_id).with_for_update().execution_options(populate_existing=True)
    )


def get_call(call_id: int) -> Call | None:
    return db.session.get(Call, call_id)


def corrections_of(call: Call) -> list[Call]:
    """The correction callbacks made for a wrong answer given on this call."""
    return list(db.session.scalars(select(Call).where(Call.correction_of_id == call.id)))


def _supervises(user: User) -> bool:
    return user.has_role(Role.ADMIN, Role.SUPERVISOR)


def may_work_on(call: Call, user: User) -> bool:
    """First-contact responsibility (seed 003 §2(3)): the call's own agent works on it (record, read back,
    settle, phrases, the caller, a wrong answer, a callback's result), or a supervisor; another agent is
    refused."""
    return may_work_on_call(call.agent_id, user.id, supervises=_supervises(user))


def may_hear(call: Call, user: User) -> bool:
    """May ``user`` play the switch's recording of ``call`` (``may_hear_recording``)?"""
    return call.recording is not None and may_hear_recording(call.agent_id, user.id,
                                                             supervises=_supervises(user))


def settled_change(call: Call, user: User, reason: str = "") -> SettledChange:
    """May ``user`` change ``call`` now (``kiosk.domain.hotline.settled_call_change``)?"""
    return settled_call_change(call.disposition is not None, supervises=_supervises(user), reason=reason)


def may_change(call: Call, user: User) -> bool:
    """Who may change the call's record (its caller): the owner rule, and on a settled call a supervisor."""
    return may_work_on(call, user) and settled_change(call, user) is not SettledChange.SUPERVISORS_ONLY


class SettledCall(Exception):
    """The call is settled: only a supervisor changes it."""


class ReasonRequired(Exception):
    """A supervisor changing a settled call must say why."""


def _record_change(call: Call, actor: User, now: datetime, *, kind: str, before: str, after: str,
                   reason: str) -> None:
    """Check the settled-call rule on the locked ``call`` and keep the change in its history; raises
    ``SettledCall`` or ``ReasonRequired`` (the unit of work rolls back) when the change may not be made."""
    verdict = settled_change(call, actor, reason)
    if verdict is not SettledChange.ALLOWED:
        raise SettledCall(call.id) if verdict is SettledChange.SUPERVISORS_ONLY else ReasonRequired(call.id)
    db.session.add(CallChange(call_id=call.id, at=now, actor_id=actor.id, kind=kind, before=before[:200],
                              after=after[:200], reason=reason.strip()))


def answer_call(call_id: int, agent: User, now: datetime) -> Call | None:
    """Take a ringing call (or start a pending callback); ``None`` when someone else was quicker."""
    with unit_of_work():
        call = _locked_call(call_id)
        if call is None or call.state != CallState.RINGING or call.agent_id not in (None, agent.id):
            return None
        call.agent_id = agent.id
        if call.owner_id is None:
            owner = caller_profile(call.party_number)
            call.owner_id = owner.id if owner else None
        _apply_times(call, merge_event(_times(call), CtiEvent.ANSWERED, now))
        _set_agent_state(agent.id, AgentStatus.ON_CALL, now)
    return call


def start_call(agent: User, caller_number: str, now: datetime) -> Call:
    """A call taken by hand where no switchboard is connected: answered now, ring time unknown."""
    with unit_of_work():
        owner = caller_profile(caller_number)
        call = Call(direction="in", caller_number=caller_number, agent_id=agent.id,
                    state=CallState.ANSWERED.value, answered_at=now, created_at=now,
                    owner_id=owner.id if owner else None)
        db.session.add(call)
        _set_agent_state(agent.id, AgentStatus.ON_CALL, now)
    return call


class NotReady(Exception):
    """The call is not in a state for this move (an outcome before the read-back; a record or an outcome
    once it is settled)."""


def save_record(call_id: int, *, category: str, surname: str, location: str, description: str,
                notes: str) -> Call:
    """Save what the agent wrote down; a change to what was read back asks for a new read-back.

    Raises ``NotReady`` when the call was settled meanwhile (an outcome posted at the same moment from
    another tab): a settled call's record is what it was settled on and is never rewritten.
    """
    with unit_of_work():
        call = _locked_call(call_id)
        if call.disposition is not None:
            raise NotReady
        record = (category, surname, location, description)
        if record != (call.category, call.caller_surname, call.location, call.description):
            call.confirmed_at = None
        call.category, call.caller_surname, call.location, call.description = record
        call.notes = notes
    return call


def confirm_record(call_id: int, now: datetime) -> bool:
    """The read-back tick (seed 003 §2(1) 确认信息): only a recorded call can be confirmed."""
    with unit_of_work():
        call = _locked_call(call_id)
        if not call.category or not call.description:
            return False
        call.confirmed_at = call.confirmed_at or now
    return True


#: A phrase use keeps the phrase as said, up to its column's length: a phrase of the book's full length
#: grows when ``{hotline}`` is filled in.
PHRASE_USE_LENGTH = CallPhraseUse.__table__.c.text.type.length


def script_phrases() -> list[ScriptPhrase]:
    """The phrase book in the order its buttons are shown."""
    return list(db.session.scalars(select(ScriptPhrase).order_by(ScriptPhrase.sort_order, ScriptPhrase.id)))


def get_phrase(phrase_id: int | None) -> ScriptPhrase | None:
    return db.session.get(ScriptPhrase, phrase_id) if phrase_id is not None else None


def record_phrase(call_id: int, phrase: ScriptPhrase, text: str, now: datetime) -> None:
    with unit_of_work():
        db.session.add(CallPhraseUse(call_id=call_id, phrase_id=phrase.id, stage=phrase.stage,
                                     text=text[:PHRASE_USE_LENGTH], used_at=now))


def dispose(call_id: int, actor: User, *, disposition: Disposition, now: datetime, calendar: WorkingCalendar,
            answer_text: str = "", department: Department | None = None, major: bool = False) -> Call:
    """Settle a confirmed call: answer it, open its slip, transfer it, log it (seed 003 §2(2)–(5)).

    The agent who took the call owns the slip until it is closed (首问责任制, seed 003 §2(3)), also when a
    supervisor settles it; ``actor`` owns it only when the call has no agent. An emergency also alerts
    every supervisor at once. Settling ends the agent's part: the call ends now unless it has ended
    already (a switchboard that never sends the hangup leaves no call running on the boards; a hangup
    arriving later keeps the earlier end, ``merge_event``), and its agent is free again unless on
    another call.
    """
    with unit_of_work():
        call = _locked_call(call_id)
        if call.confirmed_at is None or call.disposition is not None:
            raise NotReady
        agent = db.session.get(User, first_contact_owner(call.agent_id, actor.id))
        disposition = Disposition(disposition)
        priority = dispatch_priority(disposition, CallCategory(call.category), major)
        if priority is not None:
            owner_name = call.owner.name if call.owner else call.caller_surname
            slip = tasks.open_slip(source=SlipSource.CALL, source_ref=call.id, category=call.category,
                                   priority=priority, description=call.description, owner=agent, now=now,
                                   calendar=calendar, department=department, location=call.location,
                                   caller_name=owner_name, caller_phone=call.party_number or None)
            call.slip_id = slip.id
            if disposition is Disposition.EMERGENCY:
                notify(kind="hotline_emergency", title=f"热线应急：{call.location} {call.description[:40]}",
                       now=now, role=Role.SUPERVISOR.value, level="urgent", link=f"/hotline/calls/{call.id}")
        call.disposition, call.disposed_at, call.answer_text = disposition.value, now, answer_text
        call.department_id = department.id if department else None
        if call.ended_at is None:
            _apply_times(call, merge_event(_times(call), CtiEvent.HANGUP, now))
        db.session.flush()
        if not _has_live_call(agent.id):
            _set_agent_state(agent.id, AgentStatus.AVAILABLE, now)
    return call


@dataclass(frozen=True)
class DispatchPreview:
    """What an outcome that sends the call on would open: the slip's priority and deadline."""

    priority: Priority
    due_at: datetime


def dispatch_previews(call: Call, now: datetime, calendar: WorkingCalendar
                      ) -> tuple[dict[str, DispatchPreview], DispatchPreview | None]:
    """For the call screen, before the agent settles: each slip-opening outcome's priority and deadline
    (``dispatch_priority``, the deadline policy in force), and the deadline of a plain slip marked major.
    Nothing before the call has a category (the deadline path depends on it)."""
    if not call.category:
        return {}, None
    policy = tasks.current_policy()

    def preview(disposition: Disposition, major: bool = False) -> DispatchPreview:
        priority = dispatch_priority(disposition, CallCategory(call.category), major)
        return DispatchPreview(priority, deadline_for(now, priority, policy, calendar))

    previews = {d.value: preview(d) for d in Disposition if d.opens_slip}
    major = preview(Disposition.SLIP, major=True)
    return previews, major if major.priority != previews[Disposition.SLIP.value].priority else None


def close_lost_calls(now: datetime, *, ringing_after: timedelta, answered_after: timedelta) -> int:
    """Close the calls nothing was heard of for longer than their setting (``lost_since``): ended now, the
    reason kept, no talk time counted (nobody knows it), the agent's part ended as a hangup would end
    it. Each call is locked and judged again, so two workers (or a hangup arriving meanwhile) close it
    once. Returns how many were closed."""
    oldest_ring = now - ringing_after
    oldest_answer = now - answered_after
    candidates = db.session.scalars(
        select(Call.id).where(or_(
            and_(Call.state == CallState.ANSWERED.value, Call.answered_at < oldest_answer),
            and_(Call.state == CallState.RINGING.value, Call.direction == "in",
                 func.coalesce(Call.ringing_at, Call.created_at) < oldest_ring)))
        .order_by(Call.id)).all()
    closed = 0
    for call_id in candidates:
        with unit_of_work():
            call = _locked_call(call_id)
            if call is None or not lost_since(_times(call), call.created_at, direction=call.direction,
                                              ringing_after=ringing_after, answered_after=answered_after,
                                              now=now):
                continue
            answered = call.answered_at is not None
            _apply_times(call, merge_event(_times(call), CtiEvent.HANGUP, now))
            call.talk_seconds, call.lost_reason = None, CallLost.NO_EVENT.value
            db.session.flush()
            if answered and call.agent_id is not None and not _has_live_call(call.agent_id):
                state = db.session.get(AgentState, call.agent_id)
                if state is not None and state.state == AgentStatus.ON_CALL.value:
                    status = AgentStatus.AVAILABLE if call.disposition else AgentStatus.WRAP_UP
                    _set_agent_state(call.agent_id, status, now)
            closed += 1
    return closed


def report_wrong_answer(call_id: int, reporter: User, now: datetime) -> Call | None:
    """Seed 003 §2(5): a wrong answer is corrected by an immediate callback (a new outbound call).

    The callback rings for the agent who gave the answer, who is told at once; ``None`` when the call
    was not answered on the spot or a correction is already waiting.
    """
    with unit_of_work():
        call = _locked_call(call_id)
        open_correction = db.session.scalar(
            select(Call.id).where(Call.correction_of_id == call.id, Call.state != CallState.ENDED.value)
        ) is not None
        if not can_report_wrong_answer(call.disposition, open_correction):
            return None
        agent_id = first_contact_owner(call.agent_id, reporter.id)
        correction = Call(direction="out", caller_number="", called_number=call.party_number,
                          agent_id=agent_id, state=CallState.RINGING.value, ringing_at=now, created_at=now,
                          owner_id=call.owner_id, caller_surname=call.caller_surname, category=call.category,
                          location=call.location, correction_of_id=call.id)
        db.session.add(correction)
        db.session.flush()
        notify(kind="correction_callback", title=f"答复有误，请立即回拨纠正并致歉（来电 #{call.id}）",
               now=now, user=db.session.get(User, agent_id), level="urgent",
               link=f"/hotline/calls/{correction.id}")
    return correction


# --- callbacks made as calls (回访, seed 003 §2(1)) -------------------------------------------------


class CallbackClosed(Exception):
    """The callback is no longer pending (recorded or withdrawn meanwhile)."""


def _callback_party(callback: Callback) -> tuple[str, Owner | None, str, str]:
    """(number to dial, owner profile, caller's name, location) of a callback."""
    if callback.slip is not None:
        slip = callback.slip
        number = slip.caller_phone or ""
        return number, caller_profile(number), slip.caller_name or "", slip.location or ""
    owner = callback.property_owner
    return (owner.mobile or "") if owner else "", owner, owner.name if owner else "", ""


def _callback_and_call(callback_id: int, agent: User) -> tuple[Callback, Call | None]:
    """The pending callback (locked) and its open call if it has one; ``CallbackClosed`` when it is no
    longer pending, ``Refused`` when the agent may not make it or another agent is on it (首问责任制)."""
    callback = db.session.scalar(select(Callback).where(Callback.id == callback_id).with_for_update()
                                 .execution_options(populate_existing=True))
    if callback is None or callback.status != CallbackStatus.PENDING:
        raise CallbackClosed(callback_id)
    if not tasks.may_record_callback(callback, agent):
        raise Refused(Action.CALLBACK, Status.RESOLVED, "role")
    call = db.session.scalar(select(Call).where(Call.callback_id == callback.id, Call.disposition.is_(None)))
    if call is not None and not may_work_on(call, agent):
        raise Refused(Action.CALLBACK, Status.RESOLVED, "role")
    return callback, call


def _callback_call(callback: Callback, agent: User, **times) -> Call:
    number, owner, name, location = _callback_party(callback)
    call = Call(direction="out", caller_number="", called_number=number, agent_id=agent.id,
                owner_id=owner.id if owner else None, caller_surname=surname_of(name)[:20],
                location=location[:200], callback_id=callback.id, **times)
    db.session.add(call)
    return call


def start_callback(callback_id: int, agent: User, now: datetime) -> Call:
    """An agent starts a callback from their list: an outbound call linked to it, its timer from now.

    The call reaches the caller of the slip (or the owner of a periodic callback) and is answered at
    once, so the call screen's timer, phrases and record work as for a call taken in. While that call is
    open, starting the callback again returns it (a double tap opens one call). Raises
    ``CallbackClosed`` when the callback is no longer pending, ``Refused`` when the agent may not make it.
    """
    with unit_of_work():
        callback, call = _callback_and_call(callback_id, agent)
        if call is None:
            call = _callback_call(callback, agent, state=CallState.ANSWERED.value, answered_at=now,
                                  created_at=now)
            _set_agent_state(agent.id, AgentStatus.ON_CALL, now)
    return call


class NoSwitch(Exception):
    """No switch is connected, or the agent has no extension: the call is made by hand."""


class NothingToDial(Exception):
    """There is no number to dial (a callback whose caller left none), or the call is under way."""


def may_dial(agent: User, now: datetime) -> bool:
    """Does a dial button start a call through the switch for this agent now (a connected switch and an
    extension of theirs)? Where not, calls are started by hand."""
    return bool(agent.extension) and switch.dial_switchboard(now) is not None


def dial(agent: User, now: datetime, *, number: str = "", callback_id: int | None = None,
         call_id: int | None = None) -> Call:
    """Click-to-dial: the switch rings the agent's extension and then dials the number (AMI ``Originate``).

    The call is written now, ringing, with the id the switch will give it, so its events (the number's
    ring, the answer, the hangup: the timer from the switch's answer) fold into this very call, which
    stays tied to what started it: a callback (as ``start_callback``, an open call of it is returned), a
    correction call already waiting (``call_id``), or a number on a customer's file. The request to the
    switch is queued in the same transaction (``kiosk.services.switch``). ``NoSwitch`` where the call must
    be made by hand, ``NothingToDial`` without a number.
    """
    with unit_of_work():
        pbx_name = switch.dial_switchboard(now)
        if pbx_name is None or not agent.extension:
            raise NoSwitch
        pbx_call_id = switch.new_call_id()
        ids = {"pbx_name": pbx_name, "pbx_call_id": pbx_call_id}
        if callback_id is not None:
            callback, call = _callback_and_call(callback_id, agent)
            if call is not None:
                return call
            call = _callback_call(callback, agent, state=CallState.RINGING.value, created_at=now, **ids)
        elif call_id is not None:
            call = _locked_call(call_id)
            if (call is None or call.direction != "out" or call.state != CallState.RINGING.value
                    or call.pbx_call_id is not None or not may_work_on(call, agent)):
                raise NothingToDial
            call.pbx_name, call.pbx_call_id, call.agent_id = pbx_name, pbx_call_id, agent.id
        else:
            owner = caller_profile(number)
            call = Call(direction="out", caller_number="", called_number=number, agent_id=agent.id,
                        state=CallState.RINGING.value, created_at=now, owner_id=owner.id if owner else None,
                        caller_surname=surname_of(owner.name)[:20] if owner else "", **ids)
            db.session.add(call)
        if not call.called_number:
            raise NothingToDial
        switch.queue_request(pbx_name, switch.RequestKind.DIAL, agent, now, number=call.called_number,
                             pbx_call_id=pbx_call_id)
    return call


def record_callback_result(callback_id: int, *, actor: User, now: datetime, result: CallbackResult,
                           note: str = "", version: int | None = None) -> Callback:
    """Record a callback's result (``tasks.record_callback``); the call it was made on, if still open,
    ends with that result in the same transaction, and its agent is free again. While that call is open
    the callback is its agent's (首问责任制): another agent is ``Refused``."""
    result = CallbackResult(result)

    def settle(callback: Callback) -> None:
        calls = db.session.scalars(
            select(Call).where(Call.callback_id == callback.id, Call.disposition.is_(None)).with_for_update()
        ).all()
        if not all(may_work_on(call, actor) for call in calls):
            raise Refused(Action.CALLBACK, Status.RESOLVED, "role")
        label = result.label_zh
        for call in calls:
            call.disposition, call.disposed_at = Disposition.CALLBACK.value, now
            call.answer_text = f"{label}：{note}" if note else label
            if call.ended_at is None:
                _apply_times(call, merge_event(_times(call), CtiEvent.HANGUP, now))
        db.session.flush()
        for agent_id in {c.agent_id for c in calls if c.agent_id}:
            if not _has_live_call(agent_id):
                _set_agent_state(agent_id, AgentStatus.AVAILABLE, now)

    return tasks.record_callback(callback_id, actor=actor, now=now, result=result, note=note,
                                 version=version, also=settle)


def open_callback_calls(callbacks: list[Callback]) -> dict[int, Call]:
    """The open call of each callback that has one (callback id → call)."""
    ids = [c.id for c in callbacks]
    if not ids:
        return {}
    calls = db.session.scalars(select(Call).where(Call.callback_id.in_(ids), Call.disposition.is_(None)))
    return {call.callback_id: call for call in calls}


# --- agents' states ------------------------------------------------------------------------------


def _set_agent_state(user_id: int, status: AgentStatus, now: datetime) -> None:
    """Upsert; ``since`` only moves when the state really changes."""
    db.session.execute(upsert(AgentState, ("user_id",),
                              {"user_id": user_id, "state": status.value, "since": now},
                              where=AgentState.state != status.value))


def _queue_request_for(previous: AgentStatus | None, status: AgentStatus) -> str | None:
    """What the switch is asked when the console goes from ``previous`` to ``status``: signing in
    (available from signed out) logs the agent in to the switch's queues, pausing and resuming pause
    them there, signing out takes them out; wrap-up stays between the two on the switch's side."""
    signed_out = previous in (None, AgentStatus.OFFLINE)
    if status is AgentStatus.OFFLINE:
        return None if signed_out else switch.RequestKind.LOGOUT
    if status is AgentStatus.AVAILABLE:
        return switch.RequestKind.LOGIN if signed_out else switch.RequestKind.UNPAUSE
    if status is AgentStatus.PAUSED:
        return switch.RequestKind.PAUSE
    return None


def set_agent_state(user: User, status: AgentStatus, now: datetime) -> None:
    """The agent's own choice on the console. It reaches the switch's queues too (queued for the
    connector, ``_queue_request_for``), so the switch hands them calls exactly when the board shows them
    available."""
    status = AgentStatus(status)
    with unit_of_work():
        current = db.session.get(AgentState, user.id, populate_existing=True, with_for_update=True)
        previous = AgentStatus(current.state) if current else None
        if previous is status:
            return
        _set_agent_state(user.id, status, now)
        pbx_name = switch.dial_switchboard(now) if user.extension else None
        kind = _queue_request_for(previous, status)
        if pbx_name and kind:
            switch.queue_request(pbx_name, kind, user, now)


def sign_out_agent(user: User, now: datetime) -> None:
    """An agent signing out of the app signs out of the console (and the switch's queues) too."""
    if db.session.get(AgentState, user.id, populate_existing=True) is not None:
        set_agent_state(user, AgentStatus.OFFLINE, now)


def agent_from_switch(extension: str, paused: bool, now: datetime) -> None:
    """The switch paused or resumed an agent in its queues (their phone's pause key, the switch's own
    console): the board follows. A pause during a call waits for the call to end; resuming frees only
    a paused or signed-out agent (one on a call or writing it up stays so); an agent signed out stays
    so when the switch takes them out of its queues (the echo of their own sign-out)."""
    with unit_of_work():
        agent = _agent_by_extension(extension)
        if agent is None:
            return
        current = db.session.get(AgentState, agent.id, populate_existing=True)
        state = AgentStatus(current.state) if current else None
        if paused and state not in (AgentStatus.ON_CALL, AgentStatus.OFFLINE):
            _set_agent_state(agent.id, AgentStatus.PAUSED, now)
        elif not paused and state in (None, AgentStatus.PAUSED, AgentStatus.OFFLINE):
            _set_agent_state(agent.id, AgentStatus.AVAILABLE, now)


def agents_from_switch(members: dict[str, bool], now: datetime) -> None:
    """The switch's queue members on (re)connecting (extension → paused): each agent with an extension
    follows as from the switch's own events (``agent_from_switch``), and one the board shows available
    or paused who is in none of the switch's queues (dropped by its restart, taken out meanwhile) shows
    signed out: the switch hands them no calls."""
    for extension, paused in members.items():
        agent_from_switch(extension, paused, now)
    with unit_of_work():
        absent = db.session.scalars(
            select(AgentState.user_id).join(User, User.id == AgentState.user_id)
            .where(User.extension.is_not(None), User.extension != "",
                   User.extension.not_in(list(members) or [""]),
                   AgentState.state.in_([AgentStatus.AVAILABLE.value, AgentStatus.PAUSED.value]))
        ).all()
        for user_id in absent:
            _set_agent_state(user_id, AgentStatus.OFFLINE, now)


def agent_state(user: User) -> AgentState | None:
    return db.session.get(AgentState, user.id)


def _has_live_call(agent_id: int) -> bool:
    return db.session.scalar(
        select(Call.id).where(Call.agent_id == agent_id, Call.state == CallState.ANSWERED.value,
                              Call.disposition.is_(None))
    ) is not None


def agents_select(*columns):
    """``columns`` of every active agent and their state row (if any), by name: the agents' table on the
    hotline and the supervisors' board (its role written into the SQL: the board's statements bind no
    such value, ``kiosk.database.ALONE_OPTIONS``)."""
    return (select(*columns).select_from(User)
            .join(UserRole, and_(UserRole.user_id == User.id, literal_in(UserRole.role, (Role.AGENT.value,))))
            .outerjoin(AgentState, AgentState.user_id == User.id)
            .where(User.active.is_(True)).order_by(User.display_name))


def agents_board() -> list[tuple[User, AgentState | None]]:
    """Every active agent with their state, for the hotline's agents table."""
    rows = db.session.execute(
        agents_select(User, AgentState).options(lazyload(User.role_rows))  # shown by name: roles unread
    ).all()
    return [(user, state) for user, state in rows]


def agents_version_columns() -> list:
    """Cheap 'last change' of the agents' panel, as the aggregates of one reading of ``agent_states``
    (how many, and the newest change: every state change moves ``since``)."""
    return [func.count(AgentState.user_id), func.max(AgentState.since)]


def agents_version() -> str:
    count, newest = db.session.execute(select(*agents_version_columns())).one()
    return f"{count}-{newest.timestamp() if newest else 0}"


# --- the console's panels ------------------------------------------------------------------------


def ringing_for(agent: User) -> list[Call]:
    """Calls ringing for this agent: theirs, and those for nobody in particular. A call waiting in the
    switch's queue is the switch's to hand out: it shows on the board, and here once it rings here."""
    return db.session.scalars(
        select(Call).where(Call.state == CallState.RINGING.value,
                           or_(and_(Call.agent_id.is_(None), Call.queue.is_(None)),
                               Call.agent_id == agent.id))
        .order_by(Call.ringing_at, Call.id)
    ).all()


def my_current_calls(agent: User) -> list[Call]:
    """Calls this agent has taken and not yet settled."""
    return db.session.scalars(
        select(Call).where(Call.agent_id == agent.id, Call.state != CallState.RINGING.value,
                           Call.disposition.is_(None)).order_by(Call.id)
    ).all()


def console_version(agent: User) -> str:
    ringing = [f"{c.id}.{c.version}" for c in ringing_for(agent)]
    current = [f"{c.id}.{c.version}" for c in my_current_calls(agent)]
    return "-".join(ringing) + "/" + "-".join(current)


def my_open_items(agent: User) -> list[TaskSlip]:
    """First-contact responsibility (seed 003 §2(3)): every slip I opened, until it is closed."""
    return db.session.scalars(
        select(TaskSlip).where(TaskSlip.owner_id == agent.id, TaskSlip.status != SlipStatus.CLOSED.value)
        .order_by(TaskSlip.due_at)
    ).all()


# --- caller look-up ------------------------------------------------------------------------------


def past_calls(call: Call, limit: int = 10) -> list[Call]:
    matches = []
    if call.party_number:
        matches += [Call.caller_number == call.party_number, Call.called_number == call.party_number]
    if call.owner_id:
        matches.append(Call.owner_id == call.owner_id)
    if not matches:
        return []
    return db.session.scalars(
        select(Call).where(or_(*matches), Call.id != call.id).order_by(Call.id.desc()).limit(limit)
    ).all()


def open_slips_of(call: Call) -> list[TaskSlip]:
    numbers = {n for n in [call.party_number, *(p.number for p in (call.owner.phones if call.owner else []))]
               if n}
    if not numbers:
        return []
    return db.session.scalars(
        select(TaskSlip).where(TaskSlip.caller_phone.in_(sorted(numbers)),
                               TaskSlip.status != SlipStatus.CLOSED.value).order_by(TaskSlip.due_at)
    ).all()


def get_owner(owner_id: int | None) -> Owner | None:
    return db.session.get(Owner, owner_id) if owner_id is not None else None



def unit_choices() -> list[tuple[int, str]]:
    """Every unit as (id, label) sorted by label, for a new caller's profile: one query of three columns
    (the label is ``Unit.label``: project, building, number), no unit, building or project loaded."""
    rows = db.session.execute(
        select(Unit.id, Project.name, Building.name, Unit.number)
        .join(Building, Unit.building_id == Building.id).join(Project, Building.project_id == Project.id)
    ).all()
    labels = ((unit_id, f"{project} {building} {number}") for unit_id, project, building, number in rows)
    return sorted(labels, key=lambda choice: choice[1])


def _owner_label(owner: Owner | None) -> str:
    if owner is None:
        return ""
    return f"{owner.name} {owner.unit.label}" if owner.unit else owner.name


def _change_caller(call: Call, owner: Owner, actor: User, now: datetime, reason: str) -> None:
    _record_change(call, actor, now, kind="caller", before=_owner_label(call.owner),
                   after=_owner_label(owner), reason=reason)
    call.owner_id = owner.id


def link_owner(call_id: int, owner: Owner, *, actor: User, now: datetime, reason: str = "") -> None:
    """The caller is this owner. A settled call changes only by a supervisor, with a reason; every change
    is kept in the call's history (raises ``SettledCall`` / ``ReasonRequired``)."""
    with unit_of_work():
        call = _locked_call(call_id)
        _change_caller(call, owner, actor, now, reason)


def save_new_caller(call_id: int, *, name: str, mobile: str | None, unit: Unit | None, actor: User,
                    now: datetime, reason: str = "") -> Owner:
    """A caller we did not know becomes an owner profile, linked to the call (as ``link_owner``)."""
    with unit_of_work():
        call = _locked_call(call_id)
        owner = Owner(name=name, mobile=mobile, unit=unit, notes="")
        db.session.add(owner)
        db.session.flush()
        _change_caller(call, owner, actor, now, reason)
    return owner


# --- the books: phrase book, "114" directory, answer book -----------------------------------------


class DuplicateEntry(Exception):
    """The book already has this entry (the same phrase at the same stage)."""


#: The books supervisors keep, as the audit log names them, with the field that labels an entry.
_BOOKS = {ScriptPhrase: (audit.ObjectType.PHRASE, "text"),
          DirectoryEntry: (audit.ObjectType.DIRECTORY, "name"),
          AnswerBookEntry: (audit.ObjectType.ANSWER, "question")}


#: The books by the name in their address, with the order their entries are listed in.
BOOK_ORDER = {"phrases": (ScriptPhrase, (ScriptPhrase.stage, ScriptPhrase.sort_order, ScriptPhrase.id)),
              "directory": (DirectoryEntry, (DirectoryEntry.name, DirectoryEntry.id)),
              "answers": (AnswerBookEntry, (AnswerBookEntry.question, AnswerBookEntry.id))}


def book_entries(kind: str) -> list:
    """Every entry of a book (``BOOK_ORDER``'s names), in its order."""
    model, order = BOOK_ORDER[kind]
    return list(db.session.scalars(select(model).order_by(*order)))


def book_entry(kind: str, entry_id: int | None):
    """One entry of a book, or None; a new, unsaved entry when ``entry_id`` is None."""
    model, _order = BOOK_ORDER[kind]
    return model() if entry_id is None else db.session.get(model, entry_id)


def _entry(row) -> audit.Subject:
    kind, label = _BOOKS[type(row)]
    return audit.Subject(kind, row.id, getattr(row, label))


def save_entry(row, values: dict, *, by: audit.By | None = None):
    """Add or change one entry of a book kept by supervisors; ``DuplicateEntry`` if it is there already."""
    try:
        with unit_of_work():
            new = row.id is None
            before = None if new else audit.fields_of(row, values)
            for key, value in values.items():
                setattr(row, key, value)
            db.session.add(row)
            db.session.flush()
            action = audit.Action.ENTRY_CREATED if new else audit.Action.ENTRY_CHANGED
            audit.record(by, action, _entry(row), before, audit.fields_of(row, values))
    except IntegrityError as error:
        raise DuplicateEntry from error
    return row


def delete_entry(row, *, by: audit.By | None = None) -> None:
    with unit_of_work():
        audit.record(by, audit.Action.ENTRY_DELETED, _entry(row), audit.fields_of(row, _fields(row)), None)
        db.session.delete(row)


def _fields(row) -> list[str]:
    return [column.key for column in type(row).__table__.columns if column.key != "id"]


def load_standard_phrases() -> int:
    """Fill an empty phrase book with the standard phrases (seed 003 §2(12)); how many were added.

    A book that has any phrase is the supervisors' and is left as it is, so running it again (or on a
    book they edited) adds nothing.
    """
    with unit_of_work():
        if db.session.scalar(select(ScriptPhrase.id).limit(1)) is not None:
            return 0
        added = db.session.execute(
            dialect_insert(ScriptPhrase).values([{"stage": stage, "text": text, "sort_order": order}
                                                 for order, (stage, text) in enumerate(STANDARD_PHRASES)])
            .on_conflict_do_nothing().returning(ScriptPhrase.id)
        ).scalars().all()
    return len(added)


def search_books(query: str, limit: int = 10) -> tuple[list[DirectoryEntry], list[AnswerBookEntry]]:
    """Active search from the console over the "114" directory and the answer book."""
    words = query.split()[:5]
    if not words:
        return [], []

    def matching(model, columns):
        statement = select(model)
        for word in words:
            statement = statement.where(or_(*(c.contains(word, autoescape=True) for c in columns)))
        return db.session.scalars(statement.order_by(model.id).limit(limit)).all()

    return (matching(DirectoryEntry, [DirectoryEntry.name, DirectoryEntry.floor, DirectoryEntry.phone,
                                      DirectoryEntry.info]),
            matching(AnswerBookEntry, [AnswerBookEntry.question, AnswerBookEntry.answer]))
