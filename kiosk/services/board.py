"""What the supervisor board shows, panel by panel, and the cheap version check each panel polls.

Every poll asks its panel's version first (``panel_version``); same version → 304 without rendering.

* Task slips (``board_version``, one statement of three index look-ups): the newest audit event, the next
  moment a slip turns near due and the next deadline of a running slip. Any change to a slip writes an
  event; when time passes one of those moments, the next one takes its place. (Counting the near-due and
  overdue slips would do too, but reads as many index entries as there are overdue slips; these read a
  few whatever the backlog.)
* Calls (``calls_version``): the id and row version of each call ringing or in progress (an indexed
  look-up of a handful of rows; every change to a call bumps its version). Agents add their states'
  count and newest change. The timers on these panels tick in the browser from the answer or ring time,
  so time passing alone never changes the version.
* Incidents (``incidents_version``): the newest opening, acknowledgement, closing and report filed, and
  how many reports are overdue now.
* Visitors on site (``visitors_version``): how many visits are open and the newest of them (a sign-in
  raises the newest id, a sign-out lowers the count), over the on-site index.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import joinedload

from kiosk.clock import SHANGHAI, local
from kiosk.domain.call_timer import (
    CALL_LIMIT_SECONDS,
    CALL_TIMER,
    Thresholds,
    TimerColour,
    ring_wait_thresholds,
)
from kiosk.domain.hotline import AgentStatus, CallState
from kiosk.domain.wallboard import Headline, headline_colour
from kiosk.extensions import db
from kiosk.models.calls import AgentState, Call
from kiosk.models.people import Department, User
from kiosk.models.tasks import TaskEvent, TaskSlip
from kiosk.models.visits import Incident, Visit
from kiosk.services import hotline, switch
from kiosk.services.tasks import OPEN_VALUES, RUNNING_VALUES, near_due_condition, overdue_condition

#: In the order the laptop page shows them (the wallboard places them in its own grid).
PANELS = ("agents", "live_calls", "ringing", "unassigned", "overdue", "near_due", "incidents", "visitors",
          "by_department", "activity", "switch", "headlines")
#: Panels only the wallboard shows.
WALL_ONLY = ("headlines",)
UNASSIGNED = ("new", "rejected")
LIVE_CALL_STATES = (CallState.RINGING.value, CallState.ANSWERED.value)


def board_version(now: datetime) -> str:
    newest = select(func.max(TaskEvent.id)).scalar_subquery()
    # Any slip's next warning (a finished slip's costs one needless render): one step along warn_at's index.
    next_warning = select(func.min(TaskSlip.warn_at)).where(TaskSlip.warn_at >= now).scalar_subquery()
    next_deadline = (select(func.min(TaskSlip.due_at))
                     .where(TaskSlip.status.in_(RUNNING_VALUES), TaskSlip.due_at >= now).scalar_subquery())
    row = db.session.execute(select(newest, next_warning, next_deadline)).one()
    return _digest("|".join(str(value or 0) for value in row))


def _slips(condition, order, limit: int) -> list[TaskSlip]:
    statement = (select(TaskSlip).where(condition).order_by(order, TaskSlip.id).limit(limit)
                 .options(joinedload(TaskSlip.department), joinedload(TaskSlip.assignee)))
    return list(db.session.scalars(statement))


def unassigned(limit: int = 30) -> list[TaskSlip]:
    return _slips(TaskSlip.status.in_(UNASSIGNED), TaskSlip.due_at, limit)


def near_due(now: datetime, limit: int = 30) -> list[TaskSlip]:
    return _slips(near_due_condition(now), TaskSlip.due_at, limit)


def overdue(now: datetime, limit: int = 30) -> list[TaskSlip]:
    return _slips(overdue_condition(now), TaskSlip.due_at, limit)


def by_department(now: datetime) -> list[tuple[str, int, int, int]]:
    """(department, open slips, near due, overdue) for every department with open slips."""
    near = func.sum(case((near_due_condition(now), 1), else_=0))
    late = func.sum(case((overdue_condition(now), 1), else_=0))
    rows = db.session.execute(
        select(Department.name, func.count(TaskSlip.id), near, late)
        .join(TaskSlip, TaskSlip.department_id == Department.id)
        .where(TaskSlip.status.in_(OPEN_VALUES))
        .group_by(Department.name).order_by(late.desc(), func.count(TaskSlip.id).desc())
    ).all()
    return [(name, total, near or 0, late or 0) for name, total, near, late in rows]


def recent_activity(limit: int = 15) -> list[TaskEvent]:
    """The newest events first, by when they happened (not by when they were stored)."""
    statement = (select(TaskEvent).order_by(TaskEvent.at.desc(), TaskEvent.id.desc()).limit(limit)
                 .options(joinedload(TaskEvent.slip), joinedload(TaskEvent.actor)))
    return list(db.session.scalars(statement))


# --- calls and agents --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Clock:
    """A clock the browser ticks on from ``started_at``; the colour and time are the server's at render."""

    started_at: datetime
    seconds: int
    colour: TimerColour
    thresholds: Thresholds


def _clock(started_at: datetime, now: datetime, thresholds: Thresholds) -> Clock:
    seconds = max(0, int((now - started_at).total_seconds()))
    return Clock(started_at, seconds, thresholds.colour(seconds), thresholds)


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def calls_version() -> str:
    rows = db.session.execute(
        select(Call.id, Call.version).where(Call.state.in_(LIVE_CALL_STATES)).order_by(Call.id)).all()
    return _digest(",".join(f"{call_id}.{version}" for call_id, version in rows))


def _live_calls() -> list[Call]:
    return list(db.session.scalars(
        select(Call).where(Call.state == CallState.ANSWERED.value, Call.disposition.is_(None))
        .options(joinedload(Call.agent)).order_by(Call.answered_at, Call.id)))


@dataclass(frozen=True)
class LiveCall:
    call: Call
    clock: Clock


def live_calls(now: datetime) -> list[LiveCall]:
    """Calls in progress, the longest first, each with its three-minute timer (seed 003 §2(11))."""
    return [LiveCall(call, _clock(call.answered_at, now, CALL_TIMER)) for call in _live_calls()]


def ringing(now: datetime, target_seconds: float) -> list[LiveCall]:
    """Inbound calls ringing, the longest wait first, judged against the three-ring target."""
    thresholds = ring_wait_thresholds(target_seconds)
    calls = db.session.scalars(
        select(Call).where(Call.state == CallState.RINGING.value, Call.direction == "in")
        .options(joinedload(Call.agent)).order_by(Call.ringing_at, Call.id))
    return [LiveCall(call, _clock(call.ringing_at or call.created_at, now, thresholds)) for call in calls]


@dataclass(frozen=True)
class AgentRow:
    user: User
    state: AgentState | None
    call: LiveCall | None

    @property
    def shown_state(self) -> str | None:
        """The state the board shows: on a call whenever a call in progress is theirs, whatever the
        state row says (an agent who set themselves 空闲 mid-call is not shown free and on a call)."""
        if self.call is not None:
            return AgentStatus.ON_CALL.value
        return self.state.state if self.state else None


def agents(now: datetime) -> list[AgentRow]:
    """Every agent with their state, since when, and the call they are on (with its timer)."""
    current = {}
    for row in live_calls(now):
        current.setdefault(row.call.agent_id, row)
    return [AgentRow(user, state, current.get(user.id)) for user, state in hotline.agents_board()]


# --- incidents ------------------------------------------------------------------------------------------


def incidents_version(now: datetime) -> str:
    late = func.sum(case(((Incident.report_filed_at.is_(None)) & (Incident.report_due_at < now), 1), else_=0))
    row = db.session.execute(select(
        func.count(Incident.id), func.max(Incident.opened_at), func.max(Incident.acknowledged_at),
        func.max(Incident.closed_at), func.max(Incident.report_filed_at), late)).one()
    return _digest("|".join(str(value or 0) for value in row))


@dataclass(frozen=True)
class IncidentBoard:
    open: list[Incident]
    reports_due: list[Incident]
    reports_overdue: int


def incidents(now: datetime, limit: int = 20) -> IncidentBoard:
    """Incidents still open (unacknowledged first), and incident reports due, the most overdue first."""
    still_open = db.session.scalars(
        select(Incident).where(Incident.closed_at.is_(None))
        .options(joinedload(Incident.visit), joinedload(Incident.acknowledged_by))
        .order_by(Incident.acknowledged_at.is_not(None), Incident.opened_at).limit(limit))
    reports = list(db.session.scalars(
        select(Incident).where(Incident.closed_at.is_not(None), Incident.report_filed_at.is_(None))
        .options(joinedload(Incident.visit)).order_by(Incident.report_due_at).limit(limit)))
    return IncidentBoard(list(still_open), reports, sum(1 for i in reports if i.report_due_at < now))


# --- visitors on site -----------------------------------------------------------------------------------


def visitors_version() -> str:
    row = db.session.execute(select(func.count(Visit.id), func.max(Visit.id))
                             .where(Visit.signed_out_at.is_(None))).one()
    return "-".join(str(value or 0) for value in row)


@dataclass(frozen=True)
class OnSite:
    by_place: list[tuple[str, int, int]]  # (place, visits, people)
    visits: list[Visit]

    @property
    def groups(self) -> int:
        return sum(count for _place, count, _people in self.by_place)

    @property
    def people(self) -> int:
        return sum(people for _place, _count, people in self.by_place)


def visitors(limit: int = 30) -> OnSite:
    """Who is on site now: groups and people by place, and the latest arrivals."""
    on_site = Visit.signed_out_at.is_(None)
    by_place = db.session.execute(
        select(Visit.place, func.count(Visit.id), func.coalesce(func.sum(Visit.party_size), 0))
        .where(on_site).group_by(Visit.place).order_by(Visit.place)).all()
    latest = db.session.scalars(
        select(Visit).where(on_site).order_by(Visit.signed_in_at.desc(), Visit.id.desc()).limit(limit))
    return OnSite([tuple(row) for row in by_place], list(latest))


# --- the wallboard's headline numbers --------------------------------------------------------------------


@dataclass(frozen=True)
class HeadlineValue:
    headline: Headline
    value: float | None  # a count, seconds, or a share (0..1); None: nothing to judge yet
    colour: TimerColour
    clock: Clock | None = None  # the longest wait ticks on in the browser


def _start_of_day(now: datetime) -> datetime:
    """Midnight in Shanghai of ``now``'s day, in UTC (the "today" of the headline numbers)."""
    return datetime.combine(local(now).date(), time(0), SHANGHAI).astimezone(UTC)


def _talking_too_long(now: datetime):
    return and_(Call.state == CallState.ANSWERED.value, Call.disposition.is_(None),
                Call.answered_at < now - timedelta(seconds=CALL_LIMIT_SECONDS))


def headlines_version(now: datetime) -> str:
    """Any change a headline number shows: calls (and a live call passing three minutes), slips,
    incidents, visitors, and the day."""
    over = db.session.scalar(select(func.count(Call.id)).where(_talking_too_long(now)))
    return _digest("|".join((calls_version(), str(over), board_version(now), incidents_version(now),
                             visitors_version(), local(now).date().isoformat())))


def headlines(now: datetime, *, ring_target_seconds: float, visitors_thresholds: Thresholds
              ) -> list[HeadlineValue]:
    """The seven numbers on top of the wallboard, each with its colour (``kiosk.domain.wallboard``)."""
    today = _start_of_day(now)
    waiting = ringing(now, ring_target_seconds)
    answered, within, over_today = db.session.execute(
        select(func.count(Call.ring_seconds),  # calls taken by hand have no ring time to judge
               func.sum(case((Call.ring_seconds <= ring_target_seconds, 1), else_=0)),
               func.sum(case((Call.talk_seconds > CALL_LIMIT_SECONDS, 1), else_=0)))
        .where(Call.direction == "in", Call.answered_at >= today)).one()
    over_now = db.session.scalar(select(func.count(Call.id)).where(_talking_too_long(now)))
    overdue_count = db.session.scalar(select(func.count(TaskSlip.id)).where(overdue_condition(now)))
    open_incidents = db.session.scalar(select(func.count(Incident.id)).where(Incident.closed_at.is_(None)))
    people = db.session.scalar(select(func.coalesce(func.sum(Visit.party_size), 0))
                               .where(Visit.signed_out_at.is_(None)))
    longest = waiting[0].clock if waiting else None
    values = {
        Headline.CALLS_WAITING: len(waiting),
        Headline.LONGEST_WAIT: longest.seconds if longest else 0,
        Headline.WITHIN_THREE_RINGS: (within or 0) / answered if answered else None,
        Headline.OVER_THREE_MINUTES: (over_today or 0) + over_now,
        Headline.SLIPS_OVERDUE: overdue_count,
        Headline.OPEN_INCIDENTS: open_incidents,
        Headline.VISITORS_ON_SITE: people,
    }
    return [HeadlineValue(name, value, headline_colour(name, value, ring_target_seconds=ring_target_seconds,
                                                       visitors=visitors_thresholds),
                          longest if name is Headline.LONGEST_WAIT else None)
            for name, value in values.items()]


# --- the panels -----------------------------------------------------------------------------------------


def panel_version(name: str, now: datetime) -> str:
    """The version a poll of this panel compares with the ETag it holds."""
    versions = {
        "agents": lambda: f"{hotline.agents_version()}-{calls_version()}",
        "live_calls": calls_version,
        "ringing": calls_version,
        "incidents": lambda: incidents_version(now),
        "visitors": visitors_version,
        "switch": switch.connectors_version,
        "headlines": lambda: headlines_version(now),
    }
    return versions.get(name, lambda: board_version(now))()


def panel_data(name: str, now: datetime, *, ring_target_seconds: float,
               visitors_thresholds: Thresholds | None = None) -> dict:
    producers = {
        "headlines": lambda: headlines(now, ring_target_seconds=ring_target_seconds,
                                       visitors_thresholds=visitors_thresholds),
        "agents": lambda: agents(now),
        "live_calls": lambda: live_calls(now),
        "ringing": lambda: ringing(now, ring_target_seconds),
        "unassigned": lambda: unassigned(),
        "near_due": lambda: near_due(now),
        "overdue": lambda: overdue(now),
        "incidents": lambda: incidents(now),
        "visitors": lambda: visitors(),
        "by_department": lambda: by_department(now),
        "activity": lambda: recent_activity(),
        "switch": lambda: switch.connectors(now),
    }
    return {name: producers[name]()}
