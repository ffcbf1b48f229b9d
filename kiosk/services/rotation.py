"""The sales-office rotation (轮值表, seed 001): open a day, record events, receive customers, report.

The day's state is never stored. Every change is an engine event (``kiosk.domain.rotation``) appended to
``rotation_events`` with its actor and reason, and the state is always ``replay(roster, events)``.
Salespeople appear in the engine as ``"@<user id>"`` (:func:`sid`); :meth:`DayView.explain` turns them
back into names for display.

Serialising writers: every write is one :func:`kiosk.database.unit_of_work` (``BEGIN IMMEDIATE`` on
SQLite) and locks the day's row with ``SELECT … FOR UPDATE`` (PostgreSQL) before replaying, so two tablets
signing in two groups at once are decided one after the other, each on the state the other left.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time, timedelta
from enum import Enum

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from kiosk.clock import local
from kiosk.database import unit_of_work
from kiosk.domain.rotation import (
    Assignment,
    AssistRecorded,
    AwayOnCompanyBusiness,
    BackAtDesk,
    BusyWithOtherWork,
    CustomerArrived,
    CustomerKind,
    DayState,
    Decision,
    Event,
    HoursSet,
    MakeUpGranted,
    OnLeave,
    Outcome,
    Reassigned,
    Reordered,
    Roster,
    SalesCall,
    SalespersonArrived,
    SalespersonLeft,
    apply,
    assign,
    last_in_rotation,
    next_day_order,
    replay,
    up_next,
)
from kiosk.extensions import db
from kiosk.models.people import Role, User, UserRole
from kiosk.models.rotation import RotationDay, RotationEvent
from kiosk.services import accounts, submissions
from kiosk.services.notifications import notify

#: The one sales office of a deployment for now; the key leaves room for more.
DEFAULT_OFFICE = "sales_office"
#: Where a notified salesperson is sent (the rotation blueprint's index; a web test keeps them equal).
PAGE_PATH = "/rotation/"
DEFAULT_HOURS = (time(9, 0), time(18, 0))

_EVENT_TYPES: dict[str, type] = {
    cls.__name__: cls
    for cls in (SalespersonArrived, SalespersonLeft, OnLeave, AwayOnCompanyBusiness, BusyWithOtherWork,
                BackAtDesk, CustomerArrived, SalesCall, MakeUpGranted, Reordered, AssistRecorded, Reassigned,
                HoursSet)
}
_PERSON_FIELDS = frozenset({"salesperson", "named_salesperson", "assistant", "to", "on_call_salesperson"})
_TIME_PAIRS = frozenset({"working_hours", "on_call_shift"})
_SID = re.compile(r"@(\d+)")


class RotationRefused(Exception):
    """The engine refused an event (e.g. a make-up after a personal absence, 制度1 第9条)."""

    def __init__(self, decision: Decision):
        super().__init__(decision.explanation_zh)
        self.decision = decision


def sid(user_id: int) -> str:
    """A user id as the engine's salesperson id."""
    return f"@{user_id}"


def uid(salesperson: str) -> int:
    """The user id behind an engine salesperson id."""
    return int(salesperson.removeprefix("@"))


# ----------------------------------------------------------------------------------------------------
# Events <-> rows
# ----------------------------------------------------------------------------------------------------


def _encode_value(name: str, value):
    if value is None:
        return None
    if name in _PERSON_FIELDS:
        return uid(value)
    if name == "new_order":
        return [uid(p) for p in value]
    if name in _TIME_PAIRS:
        return [t.strftime("%H:%M") for t in value]
    if isinstance(value, Enum):
        return value.name
    if isinstance(value, date):
        return value.isoformat()
    return value


def _decode_value(name: str, value):
    if value is None:
        return None
    if name in _PERSON_FIELDS:
        return sid(value)
    if name == "new_order":
        return tuple(sid(p) for p in value)
    if name in _TIME_PAIRS:
        return tuple(time.fromisoformat(t) for t in value)
    if name == "kind":
        return CustomerKind[value]
    if name == "last_contact":
        return date.fromisoformat(value)
    return value


def encode(event: Event) -> tuple[str, dict]:
    """An engine event as (type, JSON payload); ``at`` is stored in its own column."""
    payload = {f.name: _encode_value(f.name, getattr(event, f.name)) for f in fields(event) if f.name != "at"}
    return type(event).__name__, payload


def decode(row: RotationEvent) -> Event:
    """The engine event of a stored row, its moment in Shanghai time (working hours are local)."""
    cls = _EVENT_TYPES[row.type]
    values = {name: _decode_value(name, value) for name, value in row.payload.items()}
    return cls(at=local(row.at), **values)


# ----------------------------------------------------------------------------------------------------
# The day's table
# ----------------------------------------------------------------------------------------------------


def roster_of(row: RotationDay) -> Roster:
    has_shift = row.on_call_start is not None and row.on_call_end is not None
    on_call = (row.on_call_start, row.on_call_end) if has_shift else None
    return Roster(
        date=row.day,
        order=tuple(sid(i) for i in row.opening_order),
        working_hours=(row.work_start, row.work_end),
        on_call_shift=on_call,
        on_call_salesperson=sid(row.on_call_user_id) if row.on_call_user_id else None,
    )


def replay_day(row: RotationDay) -> DayState:
    """The day's state: its opening roster and every stored event, in sequence order."""
    return replay(roster_of(row), [decode(e) for e in row.events])


def sales_user_ids() -> list[int]:
    """Active salespeople (Role.SALES), by id."""
    statement = (
        select(User.id).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.SALES.value, User.active.is_(True)).order_by(User.id)
    )
    return list(db.session.scalars(statement))


def _opening(office: str, day: date, now: datetime) -> dict:
    """Today's table: the sales users in the previous day's order, started per 制度1 第7条."""
    people = sales_user_ids()
    previous = db.session.scalar(
        select(RotationDay).where(RotationDay.office == office, RotationDay.day < day)
        .order_by(RotationDay.day.desc()).limit(1)
    )
    if previous is None:
        roster = Roster(day, tuple(sid(i) for i in people), working_hours=DEFAULT_HOURS)
    else:
        before = replay_day(previous)
        kept = [i for i in previous.opening_order if i in people]
        order = tuple(sid(i) for i in kept + [i for i in people if i not in kept])
        on_call_person = before.roster.on_call_salesperson
        roster = next_day_order(before, Roster(
            day, order, working_hours=before.roster.working_hours, on_call_shift=before.roster.on_call_shift,
            on_call_salesperson=on_call_person if on_call_person in order else None,
        ))
    shift = roster.on_call_shift or (None, None)
    return {
        "office": office, "day": day, "opening_order": [uid(p) for p in roster.order],
        "work_start": roster.working_hours[0], "work_end": roster.working_hours[1],
        "on_call_start": shift[0], "on_call_end": shift[1],
        "on_call_user_id": uid(roster.on_call_salesperson) if roster.on_call_salesperson else None,
        "last_seq": 0, "opened_at": now,
    }


def _find_day(office: str, day: date, *, lock: bool) -> RotationDay | None:
    statement = select(RotationDay).where(RotationDay.office == office, RotationDay.day == day)
    if lock:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    return db.session.scalar(statement)


def _locked_day(office: str, day: date, now: datetime) -> RotationDay:
    """The day's row, created if missing, locked for this write transaction (inside unit_of_work())."""
    row = _find_day(office, day, lock=True)
    if row is None:
        dialect = db.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        db.session.execute(
            insert(RotationDay).values(**_opening(office, day, now))
            .on_conflict_do_nothing(index_elements=["office", "day"])
        )
        row = _find_day(office, day, lock=True)
    return row


def open_day(office: str, day: date, now: datetime) -> RotationDay:
    """Open the day's rotation table if it is not open yet (idempotent, safe when two do it at once)."""
    with unit_of_work():
        row = _locked_day(office, day, now)
    return row


def _append(row: RotationDay, event: Event, actor: User | None, reason: str) -> None:
    row.last_seq += 1
    kind, payload = encode(event)
    row.events.append(RotationEvent(
        seq=row.last_seq, type=kind, payload=payload, actor_id=actor.id if actor else None,
        at=event.at, reason=(reason or getattr(event, "reason", "") or "")[:200],
    ))


def record(office: str, event: Event | Callable[[DayState], Event], *, actor: User | None, now: datetime,
           reason: str = "") -> Decision:
    """Store a supervisor's or salesperson's event on today's table and return the engine's decision.

    ``event`` has its moment in Shanghai time (``kiosk.clock.local(now)``); it may also be a function of
    the day's current state that builds the event under the lock (a reorder computed from the live queue
    must not undo a reception another tablet stored meanwhile). An event the engine refuses is not
    stored: :class:`RotationRefused` carries the refusal and its article.
    """
    with unit_of_work():
        row = _locked_day(office, local(now).date(), now)
        state = replay_day(row)
        if callable(event):
            event = event(state)
        decision = apply(state, event).log[-1]
        if not decision.accepted:
            raise RotationRefused(decision)
        _append(row, event, actor, reason)
    return decision


@dataclass(frozen=True)
class Reception:
    """Who receives a customer group (the kiosk's answer): ``receiver`` is None when nobody is at the desk."""

    assignment: Assignment
    receiver: User | None
    explanation: str

    @property
    def article(self) -> str:
        return self.assignment.article

    @property
    def counts(self) -> bool:
        return self.assignment.counts

    @property
    def outcome(self) -> Outcome:
        return self.assignment.outcome


def receive_customer(office: str, group_id: str, kind: CustomerKind = CustomerKind.NEW_WALK_IN,
                     named_salesperson_id: int | None = None, *, together_with: str | None = None,
                     customer_key: str | None = None, last_contact: date | None = None,
                     actor: User | None = None, label: str | None = None, now: datetime,
                     submission: submissions.Submission | None = None) -> Reception:
    """A customer group walks in: decide who receives them by the rules, store it, notify the receiver.

    Serialised per office and day (row lock / immediate transaction), so concurrent tablets never give one
    group to two people. The caller must have committed its own changes first (this commits). A group id
    already received returns the same receiver again (制度1 第10条) and notifies nobody. ``label`` names
    the group in the receiver's notification (the kiosk gives the visitor's name and party size). Once
    per ``submission``: the same one again stores no second event and answers with the first decision.
    """
    with unit_of_work():
        first = submissions.repeat_of(submission, RotationEvent, now)
        if first is not None:
            return _stored_reception(first)
        at = local(now)
        row = _locked_day(office, at.date(), now)
        state = replay_day(row)
        event = CustomerArrived(
            at=at, group_id=group_id, kind=kind,
            named_salesperson=sid(named_salesperson_id) if named_salesperson_id else None,
            together_with=together_with, customer_key=customer_key, last_contact=last_contact,
        )
        assignment = assign(state, event)
        _append(row, event, actor, "")
        reception = _reception(apply(state, event), assignment)
        if assignment.outcome is Outcome.RECEIVED and reception.receiver is not None:
            notify(kind="rotation", title=f"请接待客户 {label or group_id}", body=reception.explanation,
                   link=PAGE_PATH, level="urgent", user=reception.receiver, now=now)
        elif assignment.outcome is Outcome.NOBODY_AVAILABLE:
            tell_sales_supervisors(f"售楼处有客户无人接待：{label or group_id}", reception.explanation, now)
        if submission is not None:
            db.session.flush()
            submissions.settle(submission, row.events[-1].id)
    return reception


def _reception(state: DayState, assignment: Assignment) -> Reception:
    """An assignment with its receiver's account and its explanation in names."""
    names = _names(state)
    explanation = _SID.sub(lambda m: names.get(m.group(0), m.group(0)), assignment.explanation_zh)
    receiver = db.session.get(User, uid(assignment.receiver)) if assignment.receiver else None
    return Reception(assignment, receiver, explanation)


def _stored_reception(event: RotationEvent) -> Reception:
    """The decision a stored customer event made, as :func:`receive_customer` answered it."""
    state = replay_day(event.rotation_day)
    group_id = event.payload["group_id"]
    return _reception(state, next(a for a in state.assignments if a.group_id == group_id))


def tell_sales_supervisors(title: str, body: str, now: datetime) -> None:
    """An urgent notice to the sales supervisors (supervisors who are also salespeople, 销售主管) in the
    caller's transaction; to every supervisor when there is none, so the notice is never lost."""
    both = (
        select(User).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.SUPERVISOR.value, User.active.is_(True),
               User.id.in_(select(UserRole.user_id).where(UserRole.role == Role.SALES.value)))
        .order_by(User.id)
    )
    supervisors = db.session.scalars(both).all()
    targets = [{"user": u} for u in supervisors] or [{"role": Role.SUPERVISOR.value}]
    for target in targets:
        notify(kind="rotation", title=title, body=body, link=PAGE_PATH, level="urgent", now=now, **target)


def receivers_of(office: str, day: date, group_ids: Iterable[str]) -> dict[str, User]:
    """Who received each of ``group_ids`` on ``day`` (after any reassignment, 制度1 第16条), from one replay.

    A group nobody received is left out.
    """
    row = _find_day(office, day, lock=False)
    if row is None:
        return {}
    state = replay_day(row)
    ids = {g: uid(r.receiver) for g in group_ids if (r := state.received(g)) and r.receiver}
    if not ids:
        return {}
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(set(ids.values()))))}
    return {g: users[i] for g, i in ids.items()}


def salespeople() -> list[tuple[int, str]]:
    """(user id, name) of the active salespeople, by name: whom a customer may name at the kiosk."""
    return [(user.id, user.display_name) for user in accounts.active_users(Role.SALES)]


# ----------------------------------------------------------------------------------------------------
# Reading
# ----------------------------------------------------------------------------------------------------


def _names(state: DayState) -> dict[str, str]:
    people = {p for p, _ in state.presence} | set(state.queue)
    people |= {a.receiver for a in state.assignments if a.receiver}
    ids = [uid(p) for p in people]
    rows = db.session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all() if ids else []
    return {sid(i): name for i, name in rows}


@dataclass(frozen=True)
class ReceptionLine:
    """One reception in the report, with the rule that decided whether it counts."""

    day: date
    at: datetime | None
    group_id: str
    salesperson: str
    counts: bool
    article: str
    count_article: str
    explanation: str


@dataclass
class PersonTotals:
    name: str
    counted: int = 0
    uncounted: Counter = field(default_factory=Counter)  # count article -> how many
    assists: int = 0

    @property
    def uncounted_total(self) -> int:
        return sum(self.uncounted.values())


def _tally(day: date, state: DayState, names: dict[str, str], totals: dict[str, PersonTotals],
           lines: list[ReceptionLine]) -> None:
    """Add one day's receptions and assists to ``totals`` and ``lines`` (制度1 第六章 第42–50条)."""

    def person(p: str) -> PersonTotals:
        if p not in totals:
            totals[p] = PersonTotals(names.get(p, p))
        return totals[p]

    for p in state.queue:
        person(p)
    for a in state.assignments:
        if a.outcome is not Outcome.RECEIVED or a.receiver is None:
            continue
        entry = person(a.receiver)
        if a.counts:
            entry.counted += 1
        else:
            entry.uncounted[a.count_article] += 1
        explanation = _SID.sub(lambda m: names.get(m.group(0), m.group(0)), a.explanation_zh)
        lines.append(ReceptionLine(day, a.at, a.group_id, entry.name, a.counts, a.article, a.count_article,
                                   explanation))
    for assist in state.assists:
        person(assist.assistant).assists += 1


@dataclass(frozen=True)
class LogLine:
    """One event of the day with the engine's decision, who recorded it and why."""

    seq: int
    group_id: str | None
    decision: Decision
    actor: str | None
    reason: str


@dataclass(frozen=True)
class DayView:
    """Today's rotation as the page shows it."""

    row: RotationDay
    state: DayState
    names: dict[str, str]
    lines: list[LogLine] = field(default_factory=list)

    def name(self, salesperson: str | None) -> str:
        return "" if salesperson is None else self.names.get(salesperson, salesperson)

    def explain(self, text: str) -> str:
        return _SID.sub(lambda m: self.name(m.group(0)), text)

    def received_groups(self) -> list[Assignment]:
        return [a for a in self.state.assignments if a.outcome is Outcome.RECEIVED]

    def last_in_rotation(self) -> str | None:
        """末位: who answers a sales call now (制度1 第38条)."""
        return last_in_rotation(self.state)

    def up_next_names(self, n: int = 3) -> list[str]:
        """一接、二接、三接…: names of the next ``n`` available salespeople (seed 001 制度2 第1条)."""
        return [self.name(p) for p in up_next(self.state, n)]

    def totals(self) -> dict[str, PersonTotals]:
        """Per salesperson (engine id): today's counted and uncounted receptions and assists."""
        totals: dict[str, PersonTotals] = {}
        _tally(self.row.day, self.state, self.names, totals, [])
        return totals

    def people(self) -> list[tuple[str, str]]:
        """(engine id, name) of everyone on today's table, in queue order."""
        return [(p, self.name(p)) for p in self.state.queue]


def day_etag(office: str, day: date) -> str | None:
    """The ETag of a day without replaying it: its id and newest event's sequence number (None: not open)."""
    row = _find_day(office, day, lock=False)
    return f"rotation-{row.id}-{row.last_seq}" if row else None


def current_state(office: str, day: date) -> DayView | None:
    """The day's table, replayed, with names and the log (None if the day was never opened)."""
    row = _find_day(office, day, lock=False)
    if row is None:
        return None
    state = replay_day(row)
    names = _names(state)
    actors = {e.actor_id for e in row.events if e.actor_id}
    actor_names = dict(db.session.execute(
        select(User.id, User.display_name).where(User.id.in_(actors))).all()) if actors else {}
    lines = [LogLine(e.seq, e.payload.get("group_id"), d, actor_names.get(e.actor_id), e.reason)
             for e, d in zip(row.events, state.log, strict=True)]
    return DayView(row, state, names, lines)


# ----------------------------------------------------------------------------------------------------
# Counts and fairness report (制度1 第六章)
# ----------------------------------------------------------------------------------------------------

PERIODS = ("day", "week", "month")


def period_bounds(period: str, day: date) -> tuple[date, date]:
    """The first and last day of the day, ISO week (Monday first) or calendar month containing ``day``."""
    if period == "week":
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    if period == "month":
        start = day.replace(day=1)
        following = (start + timedelta(days=32)).replace(day=1)
        return start, following - timedelta(days=1)
    return day, day


@dataclass(frozen=True)
class Report:
    start: date
    end: date
    people: list[PersonTotals]
    lines: list[ReceptionLine]

    @property
    def spread(self) -> int:
        """How many more receptions the busiest salesperson counted than the least busy (制度1 第六章's
        fairness at a glance; 0 with fewer than two people)."""
        counts = [person.counted for person in self.people]
        return max(counts) - min(counts) if len(counts) > 1 else 0


def report(office: str, start: date, end: date) -> Report:
    """Receptions per salesperson between two days (inclusive), replaying each stored day."""
    days = db.session.scalars(
        select(RotationDay).where(RotationDay.office == office, RotationDay.day.between(start, end))
        .order_by(RotationDay.day)
    ).all()
    totals: dict[str, PersonTotals] = {}
    lines: list[ReceptionLine] = []
    names: dict[str, str] = {}
    for row in days:
        state = replay_day(row)
        names.update(_names(state))
        _tally(row.day, state, names, totals, lines)
    people = sorted(totals.values(), key=lambda t: (-t.counted, t.name))
    return Report(start, end, people, lines)
