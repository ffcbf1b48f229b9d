"""Sales-office reception rotation (轮值表) — a pure, event-sourced engine.

Source: seed 001 (``shared/seeds/001_ec8d6fb4b1b403f7.txt``), 制度1 chapters 2–6 (第3–50条) and the
一接/二接/三接 variant 制度2 (第1–9条). Every decision the engine takes carries the article that
decided it, written as ``"制度1 第12条"`` or ``"制度2 第7条"``.

Model
-----
* The day starts from a :class:`Roster` (the day's 客户轮值表). The live rotation is a queue: its
  head is first up (一接), then 二接, 三接 … (seed 001 制度2 第1条). After a reception that *counts
  as a rotation turn* the receiver marks it and goes to the end of the queue (seed 001 制度1
  第3、6、27条).
* The state of a day is derived only by folding events (:func:`apply`, :func:`replay`); nothing
  reads the clock. The stream order is authoritative: :func:`replay` applies events in the order
  given.
* When a rotation turn is taken, every unavailable person ahead of the receiver forfeits that turn
  and goes to the end (seed 001 制度1 第9条; 制度2 第7条 "视为轮空,不予补排"). The forfeit is
  recorded as a :class:`MissedTurn`; it may be made up by the supervisor (:class:`MakeUpGranted`)
  only when the absence was company business or work assigned by a leader (制度1 第8、9条, 制度2
  第7条). Make-up puts the person back at the head of the queue.

Readings chosen where the seed is ambiguous (each is tested)
-------------------------------------------------------------
* 制度1 第11条 (named salesperson): a reception by a salesperson the customer named never moves
  that salesperson in the queue. If their turn has not come yet they keep it ("继续按轮值顺序接待");
  if it has already passed they are simply in the next round ("自动转到下一轮") — in a queue both
  mean "position unchanged". This holds even when the named reception counts (a new customer brought
  by an old one and naming them, 第49条): the lead was earned, it does not cost the walk-in turn.
* 制度1 第12条: when the named salesperson is present, the on-duty person hands the customer over,
  keeps their place, and the hand-over is recorded as an assist for them (not a reception). When the
  named salesperson is absent, the on-duty person serves; that is an assist for the absent
  salesperson, does not count, and keeps the on-duty place.
* 制度1 第17条 / 第13条: a returning customer whose ``last_contact`` is more than one calendar
  month before the visit is a new customer and goes to the on-duty person even if a salesperson is
  named (the lead has lapsed). When ``last_contact`` is unknown (``None``) the customer is treated
  as still tracked.
* Receptions that do not count (outside working hours 第43条, on-call shift 第48条, named old
  customers 第44/47条) never move anyone in the queue: an uncounted reception neither costs nor
  earns a turn.
* Visits not about buying — clearly unrelated to sales (第29条), looking for someone and promotion
  (第44条), company staff (第45条) — are handled by the last in rotation; the on-duty person keeps
  their place.
* Peers (同行): 制度1 第29条 counts them in rotation; 制度2 第7条 says peer research is received by
  the last and not counted. 制度1 is the default; a roster can opt into the 制度2 reading with
  ``peer_research_by_last=True``.
* Old customers: 制度1 第44条 says a returning customer's visit does not count; 制度2 第8条 counts an
  old customer who has paid no 意向金/封樓費/定金 (phone appointments included) once for their
  salesperson. The engine follows 制度1 (the chapter the counting rules live in): whether a deposit was
  taken is not known when the group walks in, and the 制度2 reading would reward booking appointments
  over receiving walk-ins. A named new customer (an appointment made by phone) does count (第39条).
* Same customer again today (制度2 第8条, keyed by ``customer_key``) and a group that came together
  with an earlier group (制度1 第50条) go to the salesperson who already has them and do not count
  again. "仍算接待一次" is once, not never: a later visit of the same customer counts when no earlier
  one that day did (it came outside the working hours, say).
* Company staff (第45条): the seed only says it does not count; handling by the last in rotation is
  our choice.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from enum import Enum

__all__ = [
    "Assignment",
    "Assist",
    "AssistRecorded",
    "AwayOnCompanyBusiness",
    "BackAtDesk",
    "BusyWithOtherWork",
    "BuyerSays",
    "CallAnswer",
    "CustomerArrived",
    "CustomerKind",
    "DayState",
    "Decision",
    "Event",
    "HoursSet",
    "MakeUpGranted",
    "MissedTurn",
    "OnLeave",
    "Outcome",
    "Presence",
    "Reassigned",
    "Reordered",
    "Roster",
    "SalesCall",
    "SalespersonArrived",
    "SalespersonLeft",
    "apply",
    "assign",
    "first_up",
    "kind_from_kiosk",
    "last_in_rotation",
    "next_day_order",
    "reception_counts",
    "replay",
    "start_day",
    "table_in_force",
    "up_next",
]


# ----------------------------------------------------------------------------------------------------
# Vocabulary
# ----------------------------------------------------------------------------------------------------


class Presence(Enum):
    """Where a salesperson is (seed 001 制度1 第9条, 制度2 第7条)."""

    AT_DESK = "在岗"
    LEFT = "个人原因离开现场"
    ON_LEAVE = "请假/休假"
    ON_COMPANY_BUSINESS = "公务外出"
    BUSY_OWN_WORK = "处理工作事务"
    BUSY_LEADER_ASSIGNED = "处理领导安排的工作"


#: Absences after which the supervisor may grant a make-up turn (制度1 第9条 后段, 制度2 第7条).
_MAKE_UP_ELIGIBLE = frozenset({Presence.ON_COMPANY_BUSINESS, Presence.BUSY_LEADER_ASSIGNED})


class CustomerKind(Enum):
    """Who walked in, in the seed's own categories (seed 001 制度1 第11–17、29、42–50条)."""

    NEW_WALK_IN = "新客户"
    RETURNING = "老客户回访"  # 第11、12、17、44条
    RETURNING_RECOGNISED = "老客户(销售人员进门认出)"  # 第14条
    RETURNING_REBOOKING = "老客户再次定房"  # 第47条
    WITHDRAWN_RETURNING = "已退房客户再次来访"  # 第13条
    BROUGHT_BY_OLD_CUSTOMER = "老客户带来的新客户"  # 第13、49条
    PEER = "同行"  # 第29条 (制度2 第7条)
    PURPOSE_UNSTATED = "未说明来意"  # 第29条
    UNRELATED_TO_SALES = "与售楼无关"  # 第29条
    LOOKING_FOR_SOMEONE = "找人"  # 第44条
    PROMOTION = "推销"  # 第44条
    COMPANY_STAFF = "公司及关联单位人员"  # 第45条


class BuyerSays(Enum):
    """What a buyer answers on the sales-office tablet: have you been here before, and with whom?

    The tablet asks the on-duty salesperson's first question for them (seed 001 制度1 第12条: "需第一时间
    询问客户是否曾经到访并由谁接待过"); the salesperson the buyer names, if any, is asked separately.
    """

    FIRST_VISIT = "first"  # 第一次来
    BEEN_BEFORE = "before"  # 以前来过 (第11、12、17条)
    REFERRED = "referred"  # 老客户介绍来的 (第13、49条)
    PEER = "peer"  # 同行 (第29条)


_KIND_FROM_KIOSK = {
    BuyerSays.FIRST_VISIT: CustomerKind.NEW_WALK_IN,
    BuyerSays.BEEN_BEFORE: CustomerKind.RETURNING,
    BuyerSays.REFERRED: CustomerKind.BROUGHT_BY_OLD_CUSTOMER,
    BuyerSays.PEER: CustomerKind.PEER,
}


def kind_from_kiosk(answer: BuyerSays) -> CustomerKind:
    """The seed's customer category for a buyer's answer on the tablet (制度1 第12、13、29、42、49条).

    Whether a salesperson is named is decided by the engine per kind: a first visit naming someone is a
    phoned-ahead customer (第39条), a returning one is handed over (第12条), a referred one counts for the
    named salesperson (第49条), a peer is received in turn whoever they name (第29条).
    """
    return _KIND_FROM_KIOSK[BuyerSays(answer)]


#: Visits handled by the last in rotation (on-duty keeps their place), with the counting article.
_HANDLED_BY_LAST: dict[CustomerKind, tuple[str, str]] = {
    CustomerKind.UNRELATED_TO_SALES: ("制度2 第9条", "来意与售楼无关,不算接待"),
    CustomerKind.LOOKING_FOR_SOMEONE: ("制度1 第44条", "找人不计入接待次数"),
    CustomerKind.PROMOTION: ("制度1 第44条", "推销不计入接待次数"),
    CustomerKind.COMPANY_STAFF: ("制度1 第45条", "公司及关联单位人员的接待不计入接待次数"),
}

_RETURNING_KINDS = frozenset(
    {
        CustomerKind.RETURNING,
        CustomerKind.RETURNING_RECOGNISED,
        CustomerKind.RETURNING_REBOOKING,
        CustomerKind.WITHDRAWN_RETURNING,
    }
)


class Outcome(Enum):
    """What happened to a customer group."""

    RECEIVED = "已接待"
    NOBODY_AVAILABLE = "无人可接待"
    DUPLICATE_GROUP = "重复登记"


# ----------------------------------------------------------------------------------------------------
# Roster and events
# ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Roster:
    """The day's 客户轮值表 (seed 001 制度1 第3、6条).

    ``order`` is the rotation order (first is 一接). ``present_at_opening`` lists who is at the desk when
    the day starts; ``None`` means everyone in ``order``. ``on_call_shift`` / ``on_call_salesperson``
    describe the 值班 period (制度1 第48条). ``peer_research_by_last`` selects the 制度2 第7条 reading for
    peers (see module doc).
    """

    date: date
    order: tuple[str, ...]
    working_hours: tuple[time, time] = (time(9, 0), time(18, 0))
    on_call_shift: tuple[time, time] | None = None
    on_call_salesperson: str | None = None
    present_at_opening: tuple[str, ...] | None = None
    peer_research_by_last: bool = False

    def __post_init__(self) -> None:
        if len(set(self.order)) != len(self.order):
            raise ValueError("轮值表中同一销售人员不能出现两次")
        if self.working_hours[0] >= self.working_hours[1]:
            raise ValueError("工作时间的开始必须早于结束")


@dataclass(frozen=True)
class SalespersonArrived:
    """A salesperson comes to the desk. Someone not on the table joins at the end (制度1 第8条)."""

    at: datetime
    salesperson: str


@dataclass(frozen=True)
class SalespersonLeft:
    """A salesperson leaves the sales floor for personal reasons: turns are forfeited (制度1 第9条)."""

    at: datetime
    salesperson: str


@dataclass(frozen=True)
class OnLeave:
    """Leave, holiday or absence: turns are forfeited, no make-up (制度1 第9条)."""

    at: datetime
    salesperson: str
    reason: str = "请假"


@dataclass(frozen=True)
class AwayOnCompanyBusiness:
    """Away on company or leader-assigned business: missed turns may be made up (制度1 第9条 后段)."""

    at: datetime
    salesperson: str
    reason: str = "公务"


@dataclass(frozen=True)
class BusyWithOtherWork:
    """Busy with other work (制度2 第7条): turn passes to 二接, lost unless the work was leader-assigned."""

    at: datetime
    salesperson: str
    assigned_by_leader: bool = False


@dataclass(frozen=True)
class BackAtDesk:
    """Back at the desk after absence or other work; takes the queue place it has (制度2 第6、7条)."""

    at: datetime
    salesperson: str


@dataclass(frozen=True)
class CustomerArrived:
    """A customer group walks in (制度1 第3、12条).

    ``named_salesperson``: the salesperson the customer names (指定/点名), or for ``RETURNING_RECOGNISED``
    the one who recognised them at the door. ``together_with``: the group_id of an earlier group they came
    with (第50条). ``customer_key``: identifies the same customer across the day (制度2 第8条).
    ``last_contact``: the last visit or tracking record of a returning customer (第17条).
    """

    at: datetime
    group_id: str
    kind: CustomerKind = CustomerKind.NEW_WALK_IN
    named_salesperson: str | None = None
    together_with: str | None = None
    customer_key: str | None = None
    last_contact: date | None = None


@dataclass(frozen=True)
class SalesCall:
    """A sales phone call; answered by the last in rotation (制度1 第38条)."""

    at: datetime
    call_id: str = ""


@dataclass(frozen=True)
class MakeUpGranted:
    """The sales supervisor grants a make-up turn (制度1 第8、9条, 制度2 第7条)."""

    at: datetime
    salesperson: str
    reason: str = ""


@dataclass(frozen=True)
class Reordered:
    """The supervisor or sales manager sets a new queue order (制度1 第4、5、8条)."""

    at: datetime
    new_order: tuple[str, ...]
    reason: str = ""


@dataclass(frozen=True)
class AssistRecorded:
    """A salesperson assisted with a group (制度1 第10、15、18条); not a reception (第46条)."""

    at: datetime
    assistant: str
    group_id: str


@dataclass(frozen=True)
class Reassigned:
    """At the customer's strong request the group changes salesperson (制度1 第16条)."""

    at: datetime
    group_id: str
    to: str
    reason: str = "客户要求更换销售人员"


@dataclass(frozen=True)
class HoursSet:
    """The supervisor sets the working hours and the on-call shift (制度1 第4、43、48条).

    It changes the day's roster from this moment on: receptions already decided keep their decision,
    so a replay of the day gives the same answers whatever is set later.
    """

    at: datetime
    working_hours: tuple[time, time]
    on_call_shift: tuple[time, time] | None = None
    on_call_salesperson: str | None = None


Event = (
    SalespersonArrived
    | SalespersonLeft
    | OnLeave
    | AwayOnCompanyBusiness
    | BusyWithOtherWork
    | BackAtDesk
    | CustomerArrived
    | SalesCall
    | MakeUpGranted
    | Reordered
    | AssistRecorded
    | Reassigned
    | HoursSet
)


# ----------------------------------------------------------------------------------------------------
# Derived records and state
# ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Assignment:
    """Who received a customer group and why (制度1 第27、28条: the reception is marked and registered).

    ``article`` decided the receiver; ``count_article`` decided whether it counts (第六章). ``assist_for``
    is set when the receiver served on someone else's behalf (第12条). ``took_turn`` is true when the
    reception used the receiver's rotation turn and sent them to the end of the queue (第27条).
    """

    group_id: str
    receiver: str | None
    counts: bool
    article: str
    explanation_zh: str
    assist_for: str | None = None
    count_article: str = ""
    outcome: Outcome = Outcome.RECEIVED
    took_turn: bool = False
    at: datetime | None = None
    kind: CustomerKind = CustomerKind.NEW_WALK_IN
    customer_key: str | None = None


@dataclass(frozen=True)
class Assist:
    """An assist: not a reception, the assistant keeps their turn (制度1 第12、15、18、46条)."""

    at: datetime
    assistant: str
    group_id: str
    assist_for: str | None
    article: str


@dataclass(frozen=True)
class MissedTurn:
    """A forfeited turn (制度1 第9条, 制度2 第7条); ``make_up_eligible`` when company/leader business."""

    at: datetime
    salesperson: str
    group_id: str
    presence: Presence
    make_up_eligible: bool
    made_up: bool = False


@dataclass(frozen=True)
class CallAnswer:
    """A sales call and who answered it (制度1 第38条)."""

    at: datetime
    call_id: str
    answerer: str | None
    article: str


@dataclass(frozen=True)
class Decision:
    """One line of the audit trail: what an event did and the article behind it."""

    at: datetime
    event: str
    article: str
    explanation_zh: str
    accepted: bool = True


@dataclass(frozen=True)
class DayState:
    """The derived state of one day; build it with :func:`start_day` / :func:`replay`, never by hand."""

    roster: Roster
    queue: tuple[str, ...]
    presence: tuple[tuple[str, Presence], ...]
    assignments: tuple[Assignment, ...] = ()
    assists: tuple[Assist, ...] = ()
    missed_turns: tuple[MissedTurn, ...] = ()
    calls: tuple[CallAnswer, ...] = ()
    log: tuple[Decision, ...] = field(default=())
    last_receiver: str | None = None

    def presence_of(self, salesperson: str) -> Presence:
        """Where ``salesperson`` is; unknown people are not on the floor (制度1 第9条)."""
        for who, where in self.presence:
            if who == salesperson:
                return where
        return Presence.LEFT

    def is_available(self, salesperson: str) -> bool:
        """Present at the desk and free to receive (制度1 第9条, 制度2 第7条)."""
        return self.presence_of(salesperson) is Presence.AT_DESK

    def received(self, group_id: str) -> Assignment | None:
        """The reception of ``group_id``, if it was received today."""
        for a in self.assignments:
            if a.group_id == group_id and a.outcome is Outcome.RECEIVED:
                return a
        return None


# ----------------------------------------------------------------------------------------------------
# Queries
# ----------------------------------------------------------------------------------------------------


def start_day(roster: Roster) -> DayState:
    """The state at opening: the queue is the day's table order (seed 001 制度1 第3、6条)."""
    present = set(roster.order if roster.present_at_opening is None else roster.present_at_opening)
    people = list(roster.order) + [p for p in sorted(present) if p not in roster.order]
    presence = tuple((p, Presence.AT_DESK if p in present else Presence.LEFT) for p in people)
    return DayState(roster=roster, queue=tuple(people), presence=presence)


def up_next(state: DayState, n: int = 3) -> tuple[str, ...]:
    """一接、二接、三接…: the first ``n`` available people in queue order (seed 001 制度2 第1、4条)."""
    return tuple(p for p in state.queue if state.is_available(p))[:n]


def first_up(state: DayState) -> str | None:
    """一接 / 当值: who receives the next new customer, or ``None`` if nobody is at the desk (制度1 第6条)."""
    nxt = up_next(state, 1)
    return nxt[0] if nxt else None


def last_in_rotation(state: DayState) -> str | None:
    """末位: the last available person in the queue (制度1 第29、38条)."""
    available = [p for p in state.queue if state.is_available(p)]
    return available[-1] if available else None


def reception_counts(state: DayState) -> dict[str, int]:
    """接待次数 per salesperson: counted receptions only (seed 001 制度1 第六章 第42–50条)."""
    counts = {p: 0 for p in state.queue}
    for a in state.assignments:
        if a.counts and a.receiver is not None:
            counts[a.receiver] = counts.get(a.receiver, 0) + 1
    return counts


def _in_window(window: tuple[time, time] | None, at: datetime) -> bool:
    if window is None:
        return False
    start, end = window
    t = at.time()
    if start <= end:
        return start <= t < end
    return t >= start or t < end  # a shift across midnight


def table_in_force(roster: Roster, at: datetime) -> bool:
    """Is the day's table in force at ``at``: in the working hours or the on-call shift (制度1 第43、48条)?

    Our reading for the kiosk: outside both, the people on the table may have gone home, so a tablet
    must not name one of them; the reception desk receives the buyer and the sales supervisor, who sees
    that every visitor is received (制度1 第4条), is told. A reception stored outside the hours (by
    hand) is still decided by 第43条.
    """
    start, end = roster.working_hours
    return start <= at.time() < end or _in_window(roster.on_call_shift, at)


def _add_month(d: date) -> date:
    year, month = (d.year + 1, 1) if d.month == 12 else (d.year, d.month + 1)
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def _lapsed(last_contact: date | None, at: datetime) -> bool:
    """制度1 第17条: no revisit and no tracking for a month → a new customer."""
    return last_contact is not None and at.date() > _add_month(last_contact)


# ----------------------------------------------------------------------------------------------------
# The decision for one customer group
# ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Plan:
    assignment: Assignment
    queue: tuple[str, ...]
    missed: tuple[MissedTurn, ...] = ()
    assists: tuple[Assist, ...] = ()


def _nobody(ev: CustomerArrived, state: DayState) -> _Plan:
    return _Plan(
        Assignment(
            group_id=ev.group_id,
            receiver=None,
            counts=False,
            article="制度1 第4条",
            explanation_zh="现场没有可接待的销售人员,请销售主管立即安排接待,保证客户及时得到接待。",
            count_article="制度1 第4条",
            outcome=Outcome.NOBODY_AVAILABLE,
            at=ev.at,
            kind=ev.kind,
            customer_key=ev.customer_key,
        ),
        state.queue,
    )


def _received(ev: CustomerArrived, receiver: str, counts: bool, article: str, why: str, count_article: str,
              *, assist_for: str | None = None, took_turn: bool = False) -> Assignment:
    return Assignment(
        group_id=ev.group_id,
        receiver=receiver,
        counts=counts,
        article=article,
        explanation_zh=why,
        assist_for=assist_for,
        count_article=count_article,
        took_turn=took_turn,
        at=ev.at,
        kind=ev.kind,
        customer_key=ev.customer_key,
    )


def _by_last(state: DayState, ev: CustomerArrived, count_article: str, reason: str) -> _Plan:
    """制度1 第29条: handled by the last in rotation; the on-duty person keeps their place."""
    last = last_in_rotation(state)
    if last is None:
        return _nobody(ev, state)
    why = f"{reason};由末位 {last} 接待,当值销售人员继续排位。"
    return _Plan(_received(ev, last, False, "制度1 第29条", why, count_article), state.queue)


def _rotation(state: DayState, ev: CustomerArrived, count_article: str, reason: str) -> _Plan:
    """A turn in rotation (制度1 第3、6、27条), modified by on-call (第48条) and working hours (第43条)."""
    roster = state.roster
    on_duty = first_up(state)
    if on_duty is None:
        return _nobody(ev, state)
    if _in_window(roster.on_call_shift, ev.at):
        oc = roster.on_call_salesperson
        receiver = oc if oc is not None and state.is_available(oc) else on_duty
        why = f"{reason};值班期间以值班人员为主,由 {receiver} 接待,不计入接待次数,轮值顺序不变。"
        return _Plan(_received(ev, receiver, False, "制度1 第48条", why, "制度1 第48条"), state.queue)
    start, end = roster.working_hours
    if not start <= ev.at.time() < end:
        why = f"{reason};工作时间以外,由当值 {on_duty} 接待,不计入接待次数,轮值顺序不变。"
        return _Plan(_received(ev, on_duty, False, "制度1 第6条", why, "制度1 第43条"), state.queue)

    skipped = state.queue[: state.queue.index(on_duty)]
    rest = [p for p in state.queue if p not in skipped and p != on_duty]
    missed = tuple(
        MissedTurn(ev.at, p, ev.group_id, state.presence_of(p), state.presence_of(p) in _MAKE_UP_ELIGIBLE)
        for p in skipped
    )
    if skipped:
        note = "、".join(skipped)
        article = "制度2 第7条" if any(m.presence.name.startswith("BUSY") for m in missed) else "制度1 第9条"
        why = (f"{reason};{note} 不在岗或正处理其他事务,视为放弃本次轮值,"
               f"由 {on_duty} 接待,接待后排到最后一位。")
    else:
        article = "制度1 第6条"
        why = f"{reason};按当日客户轮值表由当值 {on_duty} 接待,接待后排到最后一位(制度1 第27条)。"
    queue = tuple(rest) + tuple(skipped) + (on_duty,)
    return _Plan(_received(ev, on_duty, True, article, why, count_article, took_turn=True), queue, missed)


def _named(state: DayState, ev: CustomerArrived, owner: str | None, counts: bool, article: str,
           count_article: str, reason: str) -> _Plan:
    """制度1 第11、12条: hand the customer to the named salesperson; nobody moves in the queue."""
    on_duty = first_up(state)
    if owner is not None and state.is_available(owner):
        if counts and _in_window(state.roster.on_call_shift, ev.at):
            counts, count_article = False, "制度1 第48条"
        elif counts and not state.roster.working_hours[0] <= ev.at.time() < state.roster.working_hours[1]:
            counts, count_article = False, "制度1 第43条"
        tail = "计入接待次数" if counts else "不计入接待次数"
        why = f"{reason};转交指定的 {owner} 接待,{tail};{owner} 的轮值位置不变(制度1 第11条),当值继续排位。"
        assists: tuple[Assist, ...] = ()
        if on_duty is not None and on_duty != owner:
            assists = (Assist(ev.at, on_duty, ev.group_id, owner, "制度1 第12条"),)
        return _Plan(_received(ev, owner, counts, article, why, count_article), state.queue, assists=assists)
    if on_duty is None:
        return _nobody(ev, state)
    who = owner or "原销售人员"
    why = f"{reason};{who} 不在,由当值 {on_duty} 继续接待,视为协助接待,不计入接待次数,保留其轮值机会。"
    plan = _received(ev, on_duty, False, "制度1 第12条", why, "制度1 第46条", assist_for=owner)
    return _Plan(plan, state.queue)


def _plan(state: DayState, ev: CustomerArrived) -> _Plan:
    existing = state.received(ev.group_id)
    if existing is not None:
        why = f"该组客户已由 {existing.receiver} 接待,一组客户不得由多人接待。"
        dup = replace(existing, counts=False, explanation_zh=why, article="制度1 第10条",
                      count_article="制度1 第10条", outcome=Outcome.DUPLICATE_GROUP, at=ev.at,
                      took_turn=False)
        return _Plan(dup, state.queue)

    if ev.together_with is not None:
        first = state.received(ev.together_with)
        if first is not None and first.receiver is not None:
            why = f"与 {ev.together_with} 相约一起看房,视为一组客户,由 {first.receiver} 一并接待,不重复计数。"
            plan = _received(ev, first.receiver, False, "制度1 第50条", why, "制度1 第50条")
            return _Plan(plan, state.queue)

    if ev.customer_key is not None:
        visits = [a for a in state.assignments if a.customer_key == ev.customer_key
                  and a.outcome is Outcome.RECEIVED and a.receiver is not None]
        if visits:
            # "仍算接待一次": once, not never -- when no earlier visit today counted (it came outside the
            # working hours, say), this one may.
            if any(a.counts for a in visits):
                return _named(state, ev, visits[0].receiver, False, "制度2 第8条", "制度2 第8条",
                              "同一客户当天再次来访,同一天接待同一客户多次仍算一次")
            return _named(state, ev, visits[0].receiver, True, "制度2 第8条", "制度2 第8条",
                          "同一客户当天再次来访,当天早先的接待未计数,本次计为当天的一次接待")

    kind = ev.kind
    if kind in _HANDLED_BY_LAST:
        count_article, reason = _HANDLED_BY_LAST[kind]
        return _by_last(state, ev, count_article, reason)
    if kind is CustomerKind.PEER:
        if state.roster.peer_research_by_last:
            return _by_last(state, ev, "制度2 第7条", "同行调研由末排接待,不记排轮")
        return _rotation(state, ev, "制度1 第29条", "同行来了解情况,算排位")
    if kind is CustomerKind.PURPOSE_UNSTATED:
        return _rotation(state, ev, "制度1 第29条", "没有说明来意,算排位")
    if kind is CustomerKind.BROUGHT_BY_OLD_CUSTOMER:
        if ev.named_salesperson is not None:
            return _named(state, ev, ev.named_salesperson, True, "制度1 第13条", "制度1 第49条",
                          "老客户带来的新客户指名销售人员,由其接待并计入接待次数")
        return _rotation(state, ev, "制度1 第49条", "老客户带来的新客户未指名,按顺序接待并计入接待次数")
    if kind in _RETURNING_KINDS:
        if _lapsed(ev.last_contact, ev.at):
            return _rotation(state, ev, "制度1 第17条",
                             "老客户一个月内未做回访且无跟踪记录,视为新客户,由当值销售人员接待")
        if kind is CustomerKind.WITHDRAWN_RETURNING and ev.named_salesperson is None:
            return _rotation(state, ev, "制度1 第13条", "已退房客户再次来访未点名,重新计为新客户")
        if kind is CustomerKind.RETURNING and ev.named_salesperson is None:
            return _rotation(state, ev, "制度1 第42条", "老客户未指定销售人员,按新客户轮值接待")
        if kind is CustomerKind.RETURNING_RECOGNISED:
            return _named(state, ev, ev.named_salesperson, False, "制度1 第14条", "制度1 第44条",
                          "销售人员进门认出自己的老客户,可不计顺序优先接待;老客户回访不计入接待次数")
        if kind is CustomerKind.RETURNING_REBOOKING:
            return _named(state, ev, ev.named_salesperson, False, "制度1 第17条", "制度1 第47条",
                          "老客户直接再次定房,由原销售人员接待,不计入接待次数")
        article = "制度1 第13条" if kind is CustomerKind.WITHDRAWN_RETURNING else "制度1 第12条"
        return _named(state, ev, ev.named_salesperson, False, article, "制度1 第44条",
                      "老客户回访指定销售人员(首次接待负责制),不计入接待次数")
    # NEW_WALK_IN
    if ev.named_salesperson is not None:
        return _named(state, ev, ev.named_salesperson, True, "制度1 第39条", "制度1 第42条",
                      "新客户来访指定销售人员(如电话预约),由其接待,计为一次有效接待")
    return _rotation(state, ev, "制度1 第42条", "新客户来访,每组计为一次有效接待")


def assign(state: DayState, event: CustomerArrived) -> Assignment:
    """Who would receive ``event`` in ``state``, whether it counts, and the article (seed 001 制度1 第3–50条).

    Pure: the state is not changed; :func:`apply` folds the same decision into the day. Returns an
    assignment with ``outcome=Outcome.NOBODY_AVAILABLE`` and ``receiver=None`` when nobody is at the desk
    (制度1 第4条), and ``Outcome.DUPLICATE_GROUP`` when the group was already received (制度1 第10条).
    """
    return _plan(state, event).assignment


# ----------------------------------------------------------------------------------------------------
# Folding events
# ----------------------------------------------------------------------------------------------------


def _set_presence(state: DayState, who: str, where: Presence) -> DayState:
    pairs = [(p, w) for p, w in state.presence if p != who]
    pairs.append((who, where))
    order = {p: i for i, p in enumerate(state.queue)}
    pairs.sort(key=lambda pw: (order.get(pw[0], len(order)), pw[0]))
    queue = state.queue if who in state.queue else (*state.queue, who)
    return replace(state, presence=tuple(pairs), queue=queue)


def _log(state: DayState, ev: Event, article: str, why: str, accepted: bool = True) -> DayState:
    return replace(state, log=(*state.log, Decision(ev.at, type(ev).__name__, article, why, accepted)))


def apply(state: DayState, event: Event) -> DayState:
    """Fold one event into the day (seed 001 制度1 第3–50条, 制度2 第1–9条); returns a new state.

    Every event adds one :class:`Decision` to ``state.log`` naming its article. Refused events (e.g. a
    make-up for a personal absence, 制度1 第9条) leave the rotation unchanged and are logged with
    ``accepted=False``.
    """
    if isinstance(event, CustomerArrived):
        plan = _plan(state, event)
        a = plan.assignment
        new = replace(
            state,
            queue=plan.queue,
            assists=state.assists + plan.assists,
            missed_turns=state.missed_turns + plan.missed,
            assignments=state.assignments if a.outcome is Outcome.DUPLICATE_GROUP
            else (*state.assignments, a),
            last_receiver=a.receiver if a.took_turn else state.last_receiver,
        )
        return _log(new, event, a.article, a.explanation_zh, a.outcome is Outcome.RECEIVED)

    if isinstance(event, SalespersonArrived | BackAtDesk):
        new = _set_presence(state, event.salesperson, Presence.AT_DESK)
        return _log(new, event, "制度2 第6条", f"{event.salesperson} 回到前台,按现有轮值位置排位。")
    if isinstance(event, SalespersonLeft):
        new = _set_presence(state, event.salesperson, Presence.LEFT)
        return _log(new, event, "制度1 第9条", f"{event.salesperson} 因个人原因离开现场,错过的轮值不予补充。")
    if isinstance(event, OnLeave):
        new = _set_presence(state, event.salesperson, Presence.ON_LEAVE)
        why = f"{event.salesperson} {event.reason},视为自动放弃本日轮值,不予补充。"
        return _log(new, event, "制度1 第9条", why)
    if isinstance(event, AwayOnCompanyBusiness):
        new = _set_presence(state, event.salesperson, Presence.ON_COMPANY_BUSINESS)
        why = f"{event.salesperson} 因{event.reason}离开现场,错过的轮值可由销售主管补充。"
        return _log(new, event, "制度1 第9条", why)
    if isinstance(event, BusyWithOtherWork):
        where = Presence.BUSY_LEADER_ASSIGNED if event.assigned_by_leader else Presence.BUSY_OWN_WORK
        tail = ("领导安排的工作,可申请补齐排轮" if event.assigned_by_leader
                else "轮到时由二接接待,视为轮空,不予补排")
        return _log(_set_presence(state, event.salesperson, where), event, "制度2 第7条",
                    f"{event.salesperson} 正处理工作事务:{tail}。")
    if isinstance(event, MakeUpGranted):
        return _make_up(state, event)
    if isinstance(event, Reordered):
        if len(set(event.new_order)) != len(event.new_order):
            return _log(state, event, "制度1 第8条", "新排位中有重复人员,未采用。", accepted=False)
        extra = tuple(p for p in state.queue if p not in event.new_order)
        new = replace(state, queue=tuple(event.new_order) + extra)
        for p in event.new_order:
            if p not in dict(new.presence):
                new = _set_presence(new, p, Presence.LEFT)
        return _log(new, event, "制度1 第4条", f"销售主管调整轮值顺序:{event.reason or '现场调整'}。")
    if isinstance(event, SalesCall):
        answerer = last_in_rotation(state)
        why = f"销售电话由末位 {answerer} 接听。" if answerer else "现场无人可接听销售电话。"
        call = CallAnswer(event.at, event.call_id, answerer, "制度1 第38条")
        new = replace(state, calls=(*state.calls, call))
        return _log(new, event, "制度1 第38条", why, answerer is not None)
    if isinstance(event, AssistRecorded):
        target = state.received(event.group_id)
        if target is None or target.receiver == event.assistant:
            return _log(state, event, "制度1 第10条", "协助记录无效:该组客户未接待或协助人即接待人。", False)
        assist = Assist(event.at, event.assistant, event.group_id, target.receiver, "制度1 第15条")
        why = f"{event.assistant} 协助接待 {event.group_id},不计入接待次数,保留其轮值机会。"
        return _log(replace(state, assists=(*state.assists, assist)), event, "制度1 第46条", why)
    if isinstance(event, Reassigned):
        return _reassign(state, event)
    if isinstance(event, HoursSet):
        return _set_hours(state, event)
    raise TypeError(f"unknown rotation event: {event!r}")


def _make_up(state: DayState, ev: MakeUpGranted) -> DayState:
    """制度1 第8、9条, 制度2 第7条: make-up only after company or leader business; placed first."""
    idx = next((i for i, m in enumerate(state.missed_turns)
                if m.salesperson == ev.salesperson and m.make_up_eligible and not m.made_up), None)
    if idx is None:
        why = f"{ev.salesperson} 没有因公错过的轮值;请假或个人原因错过的不予补充轮值。"
        return _log(state, ev, "制度1 第9条", why, accepted=False)
    if not state.is_available(ev.salesperson):
        # A make-up placed while the person is still away would be skipped by the next group and lost.
        why = f"{ev.salesperson} 尚未回到岗位;回到岗位后再补充轮值。"
        return _log(state, ev, "制度1 第8条", why, accepted=False)
    missed = list(state.missed_turns)
    missed[idx] = replace(missed[idx], made_up=True)
    queue = (ev.salesperson, *(p for p in state.queue if p != ev.salesperson))
    why = f"销售主管为 {ev.salesperson} 补充轮值,排为一接。{ev.reason}".strip()
    return _log(replace(state, queue=queue, missed_turns=tuple(missed)), ev, "制度1 第8条", why)


def _set_hours(state: DayState, ev: HoursSet) -> DayState:
    """制度1 第4、43、48条: new working hours / on-call shift apply to the receptions that follow."""
    start, end = ev.working_hours
    if start >= end:
        return _log(state, ev, "制度1 第43条", "工作时间的开始必须早于结束,未采用。", accepted=False)
    roster = replace(state.roster, working_hours=ev.working_hours, on_call_shift=ev.on_call_shift,
                     on_call_salesperson=ev.on_call_salesperson)
    why = f"销售主管设定工作时间 {start:%H:%M}–{end:%H:%M},工作时间以外接待不计入接待次数(制度1 第43条)"
    if ev.on_call_shift is not None:
        who = ev.on_call_salesperson or "当值销售人员"
        why += (f";值班 {ev.on_call_shift[0]:%H:%M}–{ev.on_call_shift[1]:%H:%M} 由 {who} 接待,"
                "不计入接待次数(制度1 第48条)")
    return _log(replace(state, roster=roster), ev, "制度1 第4条", why + "。")


def _reassign(state: DayState, ev: Reassigned) -> DayState:
    """制度1 第16条: only at the customer's request; the group keeps one receiver, now the later one."""
    target = state.received(ev.group_id)
    if target is None or target.receiver == ev.to or ev.to not in state.queue:
        why = "转接无效:该组客户未接待、已由此人接待或此人不在轮值表。"
        return _log(state, ev, "制度1 第16条", why, False)
    why = f"{target.explanation_zh} 因{ev.reason},改由 {ev.to} 接待,成交业绩归属后者。"
    moved = replace(target, receiver=ev.to, article="制度1 第16条", explanation_zh=why)
    assignments = tuple(moved if a is target else a for a in state.assignments)
    return _log(replace(state, assignments=assignments), ev, "制度1 第16条",
                f"{ev.group_id} 由 {target.receiver} 转给 {ev.to}:{ev.reason}。")


def replay(roster: Roster, events: Iterable[Event]) -> DayState:
    """Rebuild a day from roster and events, in the order given; deterministic (制度1 第4、28条)."""
    state = start_day(roster)
    for ev in events:
        state = apply(state, ev)
    return state


def next_day_order(previous: DayState, tomorrow: Roster) -> Roster:
    """制度1 第7条: the person after the day's last receiver is first up the next day.

    Tomorrow's table order is kept and rotated so that it starts with the first person who follows today's
    last rotation receiver in today's closing queue (skipping people not on tomorrow's table). If nobody
    received a rotation turn today, tomorrow starts with whoever was still first in today's queue.
    """
    queue = list(previous.queue)
    if previous.last_receiver in queue:
        i = queue.index(previous.last_receiver)
        candidates = queue[i + 1:] + queue[: i + 1]
    else:
        candidates = queue
    order = list(tomorrow.order)
    start = next((p for p in candidates if p in order), None)
    if start is None:
        return tomorrow
    k = order.index(start)
    return replace(tomorrow, order=tuple(order[k:] + order[:k]))
