"""What the supervisor board shows, panel by panel, and the cheap version check each panel polls.

Every poll asks its panel's version first (``panel_version``: one statement of index look-ups, which also
brings the session version of the user asking, ``kiosk.web.sessions``); same version → 304 without rendering.
A changed panel is rendered once per version and kept (``kiosk.web.fragments``), so what it shows must be a
function of its version; the board page reads every panel's version in one statement (``panel_versions``).

* Task slips (``board_version``, one statement of three index look-ups): the newest audit event, the next
  moment a slip turns near due and the next deadline of a running slip. Any change to a slip writes an
  event; when time passes one of those moments, the next one takes its place. (Counting the near-due and
  overdue slips would do too, but reads as many index entries as there are overdue slips; these read a
  few whatever the backlog.)
* Calls (``_calls_version``): how many calls ring or are in progress, the newest and the sum of their
  row versions (an indexed look-up of a handful of rows; every change to a call bumps its version).
  Agents add their states' count and newest change. The timers on these panels tick in the browser
  from the answer or ring time, so time passing alone never changes the version.
* Incidents (``_open_incidents``, ``_incidents_version``): how many are open (all the headlines read),
  the newest incident, how many of the open ones are acknowledged, how many reports are due and how many
  of them overdue now.
* Visitors on site (``_visitors_version``): how many times a visit on site arrived, left or was changed,
  which the database counts per place (``OnSiteCount``); the headlines read the people on site instead
  (``_people_on_site``), the one number of the visitors they show.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from functools import cache, reduce

from sqlalchemy import Float, Integer, Text, and_, bindparam, case, cast, func, literal_column, select

from kiosk.clock import SHANGHAI, local
from kiosk.database import read_alone, rows_alone
from kiosk.domain.call_timer import (
    CALL_LIMIT_SECONDS,
    CALL_TIMER,
    Thresholds,
    TimerColour,
    ring_wait_thresholds,
)
from kiosk.domain.hotline import AgentStatus, CallState
from kiosk.domain.wallboard import Headline, headline_colour
from kiosk.models.calls import AgentState, Call, live_call
from kiosk.models.people import Department, User
from kiosk.models.tasks import (
    OPEN_VALUES,
    RUNNING_VALUES,
    UNASSIGNED_VALUES,
    SlipCount,
    TaskEvent,
    TaskSlip,
    status_among,
)
from kiosk.models.types import UTCDateTime, literal_in
from kiosk.models.visits import Incident, OnSiteCount, Visit
from kiosk.services import accounts, hotline, notifications, switch
from kiosk.services.tasks import near_due_condition, overdue_condition

#: The moment a panel is read and the user whose session version comes with a poll's version, bound at
#: each request: the board's statements are built once (building one and its cache key anew took as long
#: as running it). A call answered before ``over_since`` has passed three minutes; a switch connector not
#: heard of since ``stale_before`` is shown as stale.
_NOW = bindparam("now", type_=UTCDateTime())
_OVER_SINCE = bindparam("over_since", type_=UTCDateTime())
_STALE_BEFORE = bindparam("stale_before", type_=UTCDateTime())
_USER = bindparam("session_of", type_=Integer())
_LIMIT = bindparam("limit", type_=Integer())

#: In the order the laptop page shows them (the wallboard places them in its own grid).
PANELS = ("agents", "live_calls", "ringing", "unassigned", "overdue", "near_due", "incidents", "visitors",
          "by_department", "activity", "switch", "headlines")
#: Panels only the wallboard shows.
WALL_ONLY = ("headlines",)
#: The most rows a list panel reads: the laptop board shows its first rows (the count says "30+"); the
#: wallboard pages through them all (``js/wall.js``), up to a bound no service centre reaches.
LIST_LIMIT = 30
WALL_LIST_LIMIT = 300


def _slips_version(now) -> list:
    newest = select(func.max(TaskEvent.id)).scalar_subquery()
    # Any slip's next warning (a finished slip's costs one needless render): one step along warn_at's index.
    next_warning = select(func.min(TaskSlip.warn_at)).where(TaskSlip.warn_at >= now).scalar_subquery()
    next_deadline = (select(func.min(TaskSlip.due_at))
                     .where(status_among(RUNNING_VALUES), TaskSlip.due_at >= now).scalar_subquery())
    return [newest, next_warning, next_deadline]


def board_version(now: datetime) -> str:
    return panel_version("unassigned", now)[0]


@cache
def _slips_statement(kind: str):
    """The first slips by deadline of one panel, along a partial index of the board (kiosk.models.tasks):
    the columns a row shows, with its department's and assignee's names (rows, not objects: loading
    slips, departments and users with their roles took more time than the statement)."""
    condition = {"unassigned": lambda: status_among(UNASSIGNED_VALUES),
                 "near_due": lambda: near_due_condition(_NOW),
                 "overdue": lambda: overdue_condition(_NOW)}[kind]()
    return (select(TaskSlip.id, TaskSlip.number, TaskSlip.priority, TaskSlip.status, TaskSlip.location,
                   TaskSlip.description, TaskSlip.due_at, Department.name.label("department"),
                   User.display_name.label("assignee"))
            .outerjoin(Department, Department.id == TaskSlip.department_id)
            .outerjoin(User, User.id == TaskSlip.assignee_id)
            .where(condition).order_by(TaskSlip.due_at, TaskSlip.id).limit(_LIMIT))


def _slips(kind: str, now: datetime | None, limit: int) -> list:
    return rows_alone(_slips_statement(kind), {"now": now, "limit": limit})


def unassigned(limit: int = 30) -> list:
    """(id, number, priority, status, location, description, due_at, department, assignee) rows."""
    return _slips("unassigned", None, limit)


def near_due(now: datetime, limit: int = 30) -> list:
    return _slips("near_due", now, limit)


def overdue(now: datetime, limit: int = 30) -> list:
    return _slips("overdue", now, limit)


#: The open statuses whose clock is paused: an open slip not paused is running.
_PAUSED_VALUES = tuple(value for value in OPEN_VALUES if value not in RUNNING_VALUES)


@cache
def _by_department_statement():
    """Per department: its open and running slips from the counts the database keeps (``SlipCount``), and
    of its running slips those not yet due and those of them near due, counted along the open slips'
    index by department and deadline from now on (a few days of slips, however large the backlog of late
    ones), from the index alone. The late ones are the running ones not yet due subtracted.

    A running slip is read as an open one (the index's condition, which SQLite must find in the query to
    take it) not paused: one comparison for each, where the list of running statuses was a look-up.
    Counted along the running slips' index by deadline instead, each slip not yet due was read from the
    table and sorted by department: at a year, ten times a tenth's slips a day, SQLite's render grew by
    a third."""
    def counted(*condition):
        return (select(func.count())
                .where(status_among(OPEN_VALUES), ~literal_in(TaskSlip.status, _PAUSED_VALUES),
                       TaskSlip.department_id == Department.id, TaskSlip.due_at >= _NOW, *condition)
                .correlate(Department).scalar_subquery())

    counts = (select(SlipCount.department_id, func.sum(SlipCount.slips).label("total"),
                     func.sum(case((literal_in(SlipCount.status, _PAUSED_VALUES), 0), else_=SlipCount.slips))
                     .label("running"))
              .where(literal_in(SlipCount.status, OPEN_VALUES)).group_by(SlipCount.department_id).subquery())
    late = (counts.c.running - counted()).label("late")
    return (select(Department.name, counts.c.total, counted(TaskSlip.warn_at <= _NOW), late)
            .join(counts, counts.c.department_id == Department.id)
            .where(counts.c.total > literal_column("0"))
            .order_by(late.desc(), counts.c.total.desc(), Department.name))


def by_department(now: datetime) -> list[tuple[str, int, int, int]]:
    """(department, open slips, near due, overdue) for every department with open slips."""
    return [tuple(row) for row in rows_alone(_by_department_statement(), {"now": now})]


@cache
def _activity_statement():
    """The newest events along their index by time, then their slips' numbers and actors' names (joined
    first, SQLite's planner read every slip and sorted all their events)."""
    newest = (select(TaskEvent.id, TaskEvent.slip_id, TaskEvent.at, TaskEvent.kind, TaskEvent.actor_id)
              .order_by(TaskEvent.at.desc(), TaskEvent.id.desc()).limit(_LIMIT).subquery())
    return (select(newest.c.slip_id, newest.c.at, newest.c.kind, TaskSlip.number,
                   User.display_name.label("actor"))
            .join(TaskSlip, TaskSlip.id == newest.c.slip_id)
            .outerjoin(User, User.id == newest.c.actor_id)
            .order_by(newest.c.at.desc(), newest.c.id.desc()))


def recent_activity(limit: int = 15) -> list:
    """The newest events first, by when they happened (not by when they were stored): (slip_id, at, kind,
    the slip's number, the actor's name) rows."""
    return rows_alone(_activity_statement(), {"limit": limit})


# --- calls and agents --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Clock:
    """A clock the browser ticks on from ``started_at``; the colour and time are the server's at render."""

    started_at: datetime
    seconds: int
    colour: TimerColour
    thresholds: Thresholds

    def next_colour_change(self) -> datetime | None:
        """When this clock turns amber or red (the seconds shown are whole ones); None once red."""
        if self.colour is TimerColour.CALM:
            return self.started_at + timedelta(seconds=math.ceil(self.thresholds.amber_from))
        if self.colour is TimerColour.AMBER:
            return self.started_at + timedelta(seconds=math.floor(self.thresholds.red_after) + 1)
        return None


def _clock(started_at: datetime, now: datetime, thresholds: Thresholds) -> Clock:
    seconds = max(0, int((now - started_at).total_seconds()))
    return Clock(started_at, seconds, thresholds.colour(seconds), thresholds)


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def _calls_version() -> list:
    """How many calls ring or are in progress, the newest of them and the sum of their row versions.

    Exact: a call only moves forward (ringing → answered → ended) and a new one has a higher id than
    any before, so the set changes only by calls leaving (the count falls) or arriving (the newest
    rises); with the same set, any change to a call raises its version, so the sum. An indexed look-up
    of the few live calls, whatever the year holds."""
    return [_read_once([func.count(Call.id), func.max(Call.id), func.sum(Call.version)], live_call())]


@cache
def _calls_statement(state: str):
    """Calls ringing in (the longest wait first) or in progress (the longest first): the columns a row
    shows, with the agent's name; built once. The state and direction are written into the SQL, not
    bound: PostgreSQL runs the panels' statements on the plan it makes once, not knowing the bound
    values (``kiosk.database.ALONE_OPTIONS``), and with the state bound that plan read a year's calls."""
    if state == CallState.RINGING.value:
        condition, order = literal_in(Call.direction, ("in",)), Call.ringing_at
    else:
        condition, order = Call.disposition.is_(None), Call.answered_at
    return (select(Call.id, Call.agent_id, Call.party_number.label("party_number"), Call.category,
                   Call.queue, Call.created_at, Call.ringing_at, Call.answered_at,
                   User.display_name.label("agent"))
            .outerjoin(User, User.id == Call.agent_id).where(literal_in(Call.state, (state,)), condition)
            .order_by(order, Call.id))


@dataclass(frozen=True)
class LiveCall:
    call: tuple  # a row of ``_calls_statement``
    clock: Clock


def live_calls(now: datetime) -> list[LiveCall]:
    """Calls in progress, the longest first, each with its three-minute timer (seed 003 §2(11))."""
    return [LiveCall(call, _clock(call.answered_at, now, CALL_TIMER))
            for call in rows_alone(_calls_statement(CallState.ANSWERED.value))]


def ringing(now: datetime, target_seconds: float) -> list[LiveCall]:
    """Inbound calls ringing, the longest wait first, judged against the three-ring target."""
    thresholds = ring_wait_thresholds(target_seconds)
    return [LiveCall(call, _clock(call.ringing_at or call.created_at, now, thresholds))
            for call in rows_alone(_calls_statement(CallState.RINGING.value))]


@dataclass(frozen=True)
class AgentRow:
    user_id: int
    name: str
    extension: str | None
    state: str | None  # as the agent's state row says (None: never set)
    since: datetime | None
    call: LiveCall | None

    @property
    def shown_state(self) -> str | None:
        """The state the board shows: on a call whenever a call in progress is theirs, whatever the
        state row says (an agent who set themselves 空闲 mid-call is not shown free and on a call)."""
        if self.call is not None:
            return AgentStatus.ON_CALL.value
        return self.state


@cache
def _agents_statement():
    return hotline.agents_select(User.id, User.display_name, User.extension, AgentState.state,
                                 AgentState.since)


def agents(now: datetime) -> list[AgentRow]:
    """Every agent with their state, since when, and the call they are on (with its timer)."""
    current = {}
    for row in live_calls(now):
        current.setdefault(row.call.agent_id, row)
    return [AgentRow(user_id, name, extension, state, since, current.get(user_id))
            for user_id, name, extension, state, since in rows_alone(_agents_statement())]


# --- incidents ------------------------------------------------------------------------------------------


def _open_incidents() -> list:
    """How many incidents are open: all the wallboard's headline shows of them."""
    return [select(func.count(Incident.id)).where(Incident.closed_at.is_(None)).scalar_subquery()]


def _incidents_version(now) -> list:
    """With how many are open (``_open_incidents``): the newest incident; how many of the open ones are
    acknowledged; how many reports are due and how many of them late now. An incident only moves forward
    (opened → acknowledged → closed → report filed): any step changes one of these counts, unless a new
    incident makes up for it, which raises the newest. Counted over the open and unreported ones only
    (partial indexes)."""
    due = Incident.closed_at.is_not(None) & Incident.report_filed_at.is_(None)
    return [select(func.max(Incident.id)).scalar_subquery(),
            select(func.count(Incident.acknowledged_at)).where(Incident.closed_at.is_(None)).scalar_subquery(),
            _read_once([func.count(Incident.id),
                        func.count(Incident.id).filter(Incident.report_due_at < now)], due)]


@dataclass(frozen=True)
class IncidentBoard:
    open: list  # rows of ``_incidents_statements``
    reports_due: list
    reports_overdue: int


@cache
def _incidents_statements():
    """Incidents still open and reports due, with their visitors' names (and the person who acknowledged
    an open one), along their partial indexes; built once."""
    open_ones = (select(Incident.id, Incident.incident_class, Incident.opened_at, Incident.acknowledged_at,
                        Visit.name, Visit.place, User.display_name.label("acknowledged_by"))
                 .join(Visit, Visit.id == Incident.visit_id)
                 .outerjoin(User, User.id == Incident.acknowledged_by_id)
                 .where(Incident.closed_at.is_(None))
                 .order_by(Incident.acknowledged_at.is_not(None), Incident.opened_at).limit(_LIMIT))
    reports = (select(Incident.id, Incident.incident_class, Incident.report_due_at, Visit.name)
               .join(Visit, Visit.id == Incident.visit_id)
               .where(Incident.closed_at.is_not(None), Incident.report_filed_at.is_(None))
               .order_by(Incident.report_due_at).limit(_LIMIT))
    return open_ones, reports


def incidents(now: datetime, limit: int = 20) -> IncidentBoard:
    """Incidents still open (unacknowledged first), and incident reports due, the most overdue first."""
    open_statement, reports_statement = _incidents_statements()
    still_open = rows_alone(open_statement, {"limit": limit})
    reports = rows_alone(reports_statement, {"limit": limit})
    return IncidentBoard(still_open, reports, sum(1 for i in reports if i.report_due_at < now))


# --- visitors on site -----------------------------------------------------------------------------------


def _visitors_version() -> list:
    """How many times a visit on site arrived, left or was changed (a sign-in, a sign-out, an edit, a purge
    or a delete), summed over the places' counts the database keeps (``OnSiteCount``: a row a place). Exact,
    as each of those raises it, and a few rows however many are on site: counting and summing their ids,
    as before, read every visit on site's index entry (3,000 at a busy year's end) and missed an edit."""
    return [select(func.sum(OnSiteCount.changes)).scalar_subquery()]


def _people_on_site():
    """How many people are on site (the headlines' number), from the places' counts (``OnSiteCount``)."""
    return select(func.coalesce(func.sum(OnSiteCount.people), 0)).scalar_subquery()


@dataclass(frozen=True)
class OnSite:
    by_place: list[tuple[str, int, int]]  # (place, visits, people)
    visits: list  # rows of ``_visitors_statements``

    @property
    def groups(self) -> int:
        return sum(count for _place, count, _people in self.by_place)

    @property
    def people(self) -> int:
        return sum(people for _place, _count, people in self.by_place)


@cache
def _visitors_statements():
    """Groups and people on site by place (the places' counts, ``OnSiteCount``: a place nobody is at now
    is not shown), and the latest arrivals along their index: what their rows show; built once."""
    by_place = (select(OnSiteCount.place, OnSiteCount.visits, OnSiteCount.people)
                .where(OnSiteCount.visits > literal_column("0")).order_by(OnSiteCount.place))
    latest = (select(Visit.name, Visit.party_size, Visit.mobile, Visit.place, Visit.signed_in_at,
                     Visit.incident_class)
              .where(Visit.signed_out_at.is_(None))
              .order_by(Visit.signed_in_at.desc(), Visit.id.desc()).limit(_LIMIT))
    return by_place, latest


def visitors(limit: int = 30) -> OnSite:
    """Who is on site now: groups and people by place, and the latest arrivals."""
    by_place, latest = _visitors_statements()
    return OnSite([tuple(row) for row in rows_alone(by_place)], rows_alone(latest, {"limit": limit}))


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


def _talking_too_long(answered_before):
    """Calls in progress answered before ``answered_before`` (now less three minutes). The state is
    written into the SQL: PostgreSQL keeps one generic plan for a statement psycopg prepares (one run
    often, as a poll's), and with the state bound that plan expected a quarter of the year's calls, so
    the server planned the headlines' poll afresh each time (1 ms of its time at a year)."""
    return and_(literal_in(Call.state, (CallState.ANSWERED.value,)), Call.disposition.is_(None),
                Call.answered_at < answered_before)


#: No call rings for a day: one answered today rang (was created) since yesterday at the earliest, so
#: today's calls are read along the calls' index by creation (``ix_calls_kpi``), not all the year's.
LONGEST_RING = timedelta(days=1)
_TODAY = bindparam("today", type_=UTCDateTime())
_RANG_SINCE = bindparam("rang_since", type_=UTCDateTime())
_RING_TARGET = bindparam("ring_target", type_=Float())


def _overdue_count():
    """How many running slips are past their deadline, without reading them (a year's backlog of late ones
    grows with the year): the running ones the database counts per department (``SlipCount``) and those
    without a department, less the running ones not yet due (a few days of them, along their index)."""
    running = RUNNING_VALUES
    counted = select(func.coalesce(func.sum(SlipCount.slips), 0)).where(literal_in(SlipCount.status, running))
    # count(*): PostgreSQL then reads the indexes alone (the id is in neither).
    uncounted = select(func.count()).where(status_among(running), TaskSlip.department_id.is_(None))
    pending = select(func.count()).where(status_among(running), TaskSlip.due_at >= _NOW)
    return counted.scalar_subquery() + uncounted.scalar_subquery() - pending.scalar_subquery()


@cache
def _headline_counts_statement():
    """Today's inbound calls answered (with a ring time), within three rings and over three minutes;
    the calls over three minutes now, the slips overdue, the incidents open and the people on site: one
    statement, built once."""
    today = (select(func.count(Call.ring_seconds).label("answered"),  # calls taken by hand: no ring time
                    func.sum(case((Call.ring_seconds <= _RING_TARGET, 1), else_=0)).label("within"),
                    func.sum(case((Call.talk_seconds > CALL_LIMIT_SECONDS, 1), else_=0)).label("over"))
             .where(literal_in(Call.direction, ("in",)), Call.answered_at >= _TODAY,
                    Call.created_at >= _RANG_SINCE)
             .subquery())

    def one(column, condition):
        return select(column).where(condition).scalar_subquery()

    return select(today.c.answered, today.c.within, today.c.over,
                  one(func.count(Call.id), _talking_too_long(_OVER_SINCE)),
                  _overdue_count(),
                  one(func.count(Incident.id), Incident.closed_at.is_(None)),
                  _people_on_site())


def headlines(now: datetime, *, ring_target_seconds: float, visitors_thresholds: Thresholds
              ) -> list[HeadlineValue]:
    """The seven numbers on top of the wallboard, each with its colour (``kiosk.domain.wallboard``)."""
    today = _start_of_day(now)
    waiting = ringing(now, ring_target_seconds)
    (answered, within, over_today, over_now, overdue_count, open_incidents, people), = rows_alone(
        _headline_counts_statement(),
        {"today": today, "rang_since": today - LONGEST_RING, "ring_target": ring_target_seconds,
         "over_since": now - timedelta(seconds=CALL_LIMIT_SECONDS), "now": now})
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


#: The columns of the version checks, by what they watch; a panel's version is made of some of them.
_VERSION_PARTS = {
    "slips": lambda: _slips_version(_NOW),
    "calls": _calls_version,
    "agents": lambda: [_read_once(hotline.agents_version_columns())],
    "talking_too_long": lambda: [select(func.count(Call.id)).where(_talking_too_long(_OVER_SINCE))
                                 .scalar_subquery()],
    "open_incidents": _open_incidents,
    "incidents": lambda: _incidents_version(_NOW),
    "visitors": _visitors_version,
    "people_on_site": lambda: [_people_on_site()],
    "switch": lambda: [_read_once(switch.connectors_version_columns(_STALE_BEFORE))],
}
#: What each panel's version is made of (a panel not named here: the slips'). The headlines count
#: "today" and the activity panel writes the day of an event unless it is today: their versions carry
#: the day too (``panel_versions``).
_PANEL_PARTS = {
    "agents": ("agents", "calls"),
    "live_calls": ("calls",),
    "ringing": ("calls",),
    "incidents": ("open_incidents", "incidents"),
    "visitors": ("visitors",),
    "switch": ("switch",),
    "headlines": ("calls", "talking_too_long", "slips", "open_incidents", "people_on_site"),
}
_DATED = ("headlines", "activity")
_CALL_LIMIT = timedelta(seconds=CALL_LIMIT_SECONDS)


def _parts(name: str) -> tuple[str, ...]:
    return _PANEL_PARTS.get(name, ("slips",))


_BAR, _NOTHING = literal_column("'|'", Text), literal_column("''", Text)


def _as_text(columns: list):
    """A part's columns written as one text by the database (``|`` between the values, nothing for
    none): the row then brings one text per part, not a dozen numbers and moments for the driver and
    SQLAlchemy to convert one by one before they are written out again for the version (a third of a
    poll's time in the database layer went there)."""
    texts = [func.coalesce(cast(column, Text), _NOTHING) for column in columns]
    return reduce(lambda text, more: text.concat(_BAR).concat(more), texts)


def _read_once(columns: list, *conditions):
    """Aggregates of one part read in one pass over the rows ``conditions`` pick, as one text
    (``_as_text``): a subquery per aggregate read the same rows again."""
    return select(_as_text(columns)).where(*conditions).scalar_subquery()


@cache
def _version_statement(names: tuple[str, ...], with_session: bool, bell: tuple[str, ...] | None = None):
    """One statement for the versions of ``names``, built once: a poll only binds the moments and the
    user. Each part is read once however many of the panels share it, as one text (``_as_text``).
    Returns the statement and each part's column in its row. Then, with ``with_session``, the user's
    session version; with ``bell`` (the user's roles), the user's name and bell (``PageReading``)."""
    columns, where = [], {}
    for part in dict.fromkeys(part for name in names for part in _parts(name)):
        where[part] = len(columns)
        columns.append(_as_text(_VERSION_PARTS[part]()))
    if with_session:
        columns.append(accounts.session_version_of(_USER))
    if bell is not None:
        columns += [accounts.display_name_of(_USER), *notifications.account_bell_columns(_USER, bell)]
    return select(*columns), where


def _read_versions(names, now: datetime, session_of: int | None = None, bell: tuple[str, ...] | None = None):
    """The versions of ``names`` and the row they were read from (``_version_statement``), read alone:
    neither a poll nor the board page opens a transaction."""
    statement, where = _version_statement(tuple(names), session_of is not None, bell)
    row = read_alone(statement, {"now": now, "session_of": session_of,
                                 "stale_before": now - switch.STALE_AFTER, "over_since": now - _CALL_LIMIT})
    versions = {}
    for name in names:
        day = local(now).date().isoformat() if name in _DATED else ""
        values = "|".join([row[where[part]] for part in _parts(name)])
        versions[name] = _digest(f"{name}|{day}|{values}")
    return versions, row


def panel_versions(names, now: datetime, *, session_of: int | None = None
                   ) -> tuple[dict[str, str], int | None]:
    """The version of each panel of ``names`` (what a poll compares with the ETag it holds, and what the
    board's rendered panels are kept by, ``kiosk.web.fragments``), all in one statement; with
    ``session_of``, that user's session version from the same statement (``kiosk.web.sessions``)."""
    versions, row = _read_versions(names, now, session_of=session_of)
    return versions, (row[-1] if session_of is not None else None)


@dataclass(frozen=True)
class PageReading:
    """What the board page reads in one statement (``page_versions``)."""

    versions: dict[str, str]
    session_version: int | None  # the account's (None: no such account)
    display_name: str | None  # for the top bar
    bell_unread: int  # the bell's number (``notifications.bell_state``)


def page_versions(names, now: datetime, user_id: int, roles) -> PageReading:
    """The board page's one reading, outside a transaction: the versions of its panels ``names``
    (``panel_versions``) and, of the account ``user_id`` holding ``roles`` (the signed session's word,
    checked by the session version read with them, ``kiosk.web.sessions``), its name and its bell."""
    held = tuple(sorted(roles))
    versions, row = _read_versions(names, now, session_of=user_id, bell=held)
    session_version, display_name, _newest, unread = row[-4:]
    return PageReading(versions, session_version, display_name, unread)


def panel_version(name: str, now: datetime, *, session_of: int | None = None) -> tuple[str, int | None]:
    """The version a poll of this panel compares with the ETag it holds (``panel_versions``)."""
    versions, stored = panel_versions((name,), now, session_of=session_of)
    return versions[name], stored


def panel_data(name: str, now: datetime, *, ring_target_seconds: float,
               visitors_thresholds: Thresholds | None = None, list_limit: int = LIST_LIMIT) -> dict:
    producers = {
        "headlines": lambda: headlines(now, ring_target_seconds=ring_target_seconds,
                                       visitors_thresholds=visitors_thresholds),
        "agents": lambda: agents(now),
        "live_calls": lambda: live_calls(now),
        "ringing": lambda: ringing(now, ring_target_seconds),
        "unassigned": lambda: unassigned(list_limit),
        "near_due": lambda: near_due(now, list_limit),
        "overdue": lambda: overdue(now, list_limit),
        "incidents": lambda: incidents(now),
        "visitors": lambda: visitors(list_limit),
        "by_department": lambda: by_department(now),
        "activity": lambda: recent_activity(),
        "switch": lambda: switch.connectors(now),
    }
    return {name: producers[name]()}


def _clocks(name: str, shown) -> list[Clock]:
    if name in ("live_calls", "ringing"):
        return [row.clock for row in shown]
    if name == "agents":
        return [row.call.clock for row in shown if row.call]
    if name == "headlines":
        return [value.clock for value in shown if value.clock]
    return []


def settled_until(name: str, shown) -> datetime | None:
    """Until when what ``panel_data`` gave for ``name`` renders the same, but for the digits of its clocks
    (the browser ticks those on from their start, js/call-timer.js): the first moment one of its clocks
    changes colour, a change its version does not see. None: for as long as its version stays."""
    return min(filter(None, (clock.next_colour_change() for clock in _clocks(name, shown))), default=None)
