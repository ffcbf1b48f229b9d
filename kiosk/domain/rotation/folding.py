"""Folding events into the day: :func:`apply` looks up the handler of the event's type in ``_HANDLERS``
(one small function per event type, each citing its article); :func:`replay` folds a day's events;
:func:`next_day_order` starts tomorrow's table (seed 001 制度1 第3–50条, 制度2 第1–9条)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from kiosk.domain.rotation.events import (
    AssistRecorded,
    AwayOnCompanyBusiness,
    BackAtDesk,
    BusyWithOtherWork,
    CustomerArrived,
    Event,
    HoursSet,
    MakeUpGranted,
    OnLeave,
    Reassigned,
    Reordered,
    Roster,
    SalesCall,
    SalespersonArrived,
    SalespersonLeft,
)
from kiosk.domain.rotation.planning import plan
from kiosk.domain.rotation.queries import last_in_rotation, start_day
from kiosk.domain.rotation.state import Assist, CallAnswer, DayState, Decision
from kiosk.domain.rotation.vocabulary import Outcome, Presence


def _set_presence(state: DayState, who: str, where: Presence) -> DayState:
    pairs = [(p, w) for p, w in state.presence if p != who]
    pairs.append((who, where))
    order = {p: i for i, p in enumerate(state.queue)}
    pairs.sort(key=lambda pw: (order.get(pw[0], len(order)), pw[0]))
    queue = state.queue if who in state.queue else (*state.queue, who)
    return replace(state, presence=tuple(pairs), queue=queue)


def _log(state: DayState, ev: Event, article: str, why: str, accepted: bool = True) -> DayState:
    return replace(state, log=(*state.log, Decision(ev.at, type(ev).__name__, article, why, accepted)))


# ----------------------------------------------------------------------------------------------------
# One handler per event type
# ----------------------------------------------------------------------------------------------------


def _customer_arrived(state: DayState, ev: CustomerArrived) -> DayState:
    """制度1 第3–50条: the decision of :func:`~kiosk.domain.rotation.planning.plan`, folded in; a duplicate
    group (第10条) is logged, not recorded again."""
    decided = plan(state, ev)
    a = decided.assignment
    new = replace(
        state,
        queue=decided.queue,
        assists=state.assists + decided.assists,
        missed_turns=state.missed_turns + decided.missed,
        assignments=state.assignments if a.outcome is Outcome.DUPLICATE_GROUP else (*state.assignments, a),
        last_receiver=a.receiver if a.took_turn else state.last_receiver,
    )
    return _log(new, ev, a.article, a.explanation_zh, a.outcome is Outcome.RECEIVED)


def _at_desk(state: DayState, ev: SalespersonArrived | BackAtDesk) -> DayState:
    """制度2 第6条: back at the desk in the place they have; a newcomer joins at the end (制度1 第8条)."""
    new = _set_presence(state, ev.salesperson, Presence.AT_DESK)
    return _log(new, ev, "制度2 第6条", f"{ev.salesperson} 回到前台,按现有轮值位置排位。")


def _left(state: DayState, ev: SalespersonLeft) -> DayState:
    """制度1 第9条: left for personal reasons; the turns missed are not made up."""
    new = _set_presence(state, ev.salesperson, Presence.LEFT)
    return _log(new, ev, "制度1 第9条", f"{ev.salesperson} 因个人原因离开现场,错过的轮值不予补充。")


def _on_leave(state: DayState, ev: OnLeave) -> DayState:
    """制度1 第9条: leave, holiday or absence gives up the day's turns, not made up."""
    new = _set_presence(state, ev.salesperson, Presence.ON_LEAVE)
    return _log(new, ev, "制度1 第9条", f"{ev.salesperson} {ev.reason},视为自动放弃本日轮值,不予补充。")


def _away_on_business(state: DayState, ev: AwayOnCompanyBusiness) -> DayState:
    """制度1 第9条 后段: away on company business; the supervisor may make the missed turns up."""
    new = _set_presence(state, ev.salesperson, Presence.ON_COMPANY_BUSINESS)
    why = f"{ev.salesperson} 因{ev.reason}离开现场,错过的轮值可由销售主管补充。"
    return _log(new, ev, "制度1 第9条", why)


def _busy(state: DayState, ev: BusyWithOtherWork) -> DayState:
    """制度2 第7条: busy with other work, the turn passes to 二接, lost unless the work is leader-assigned."""
    where = Presence.BUSY_LEADER_ASSIGNED if ev.assigned_by_leader else Presence.BUSY_OWN_WORK
    tail = "领导安排的工作,可申请补齐排轮" if ev.assigned_by_leader else "轮到时由二接接待,视为轮空,不予补排"
    return _log(_set_presence(state, ev.salesperson, where), ev, "制度2 第7条",
                f"{ev.salesperson} 正处理工作事务:{tail}。")


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


def _reorder(state: DayState, ev: Reordered) -> DayState:
    """制度1 第4、8条: the supervisor sets a new order; people not named keep their order after it, people
    named but not yet on the floor join as away. An order naming someone twice is refused."""
    if len(set(ev.new_order)) != len(ev.new_order):
        return _log(state, ev, "制度1 第8条", "新排位中有重复人员,未采用。", accepted=False)
    extra = tuple(p for p in state.queue if p not in ev.new_order)
    new = replace(state, queue=tuple(ev.new_order) + extra)
    for p in ev.new_order:
        if p not in dict(new.presence):
            new = _set_presence(new, p, Presence.LEFT)
    return _log(new, ev, "制度1 第4条", f"销售主管调整轮值顺序:{ev.reason or '现场调整'}。")


def _sales_call(state: DayState, ev: SalesCall) -> DayState:
    """制度1 第38条: a sales call is answered by the last in rotation."""
    answerer = last_in_rotation(state)
    why = f"销售电话由末位 {answerer} 接听。" if answerer else "现场无人可接听销售电话。"
    call = CallAnswer(ev.at, ev.call_id, answerer, "制度1 第38条")
    return _log(replace(state, calls=(*state.calls, call)), ev, "制度1 第38条", why, answerer is not None)


def _assist(state: DayState, ev: AssistRecorded) -> DayState:
    """制度1 第15、46条: an assist on a received group, not a reception; not by its receiver (第10条)."""
    target = state.received(ev.group_id)
    if target is None or target.receiver == ev.assistant:
        return _log(state, ev, "制度1 第10条", "协助记录无效:该组客户未接待或协助人即接待人。", False)
    assist = Assist(ev.at, ev.assistant, ev.group_id, target.receiver, "制度1 第15条")
    why = f"{ev.assistant} 协助接待 {ev.group_id},不计入接待次数,保留其轮值机会。"
    return _log(replace(state, assists=(*state.assists, assist)), ev, "制度1 第46条", why)


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


#: The handler of each event type (every member of ``Event`` has one).
_HANDLERS: dict[type, Callable[[DayState, Any], DayState]] = {
    CustomerArrived: _customer_arrived,
    SalespersonArrived: _at_desk,
    BackAtDesk: _at_desk,
    SalespersonLeft: _left,
    OnLeave: _on_leave,
    AwayOnCompanyBusiness: _away_on_business,
    BusyWithOtherWork: _busy,
    MakeUpGranted: _make_up,
    Reordered: _reorder,
    SalesCall: _sales_call,
    AssistRecorded: _assist,
    Reassigned: _reassign,
    HoursSet: _set_hours,
}


def apply(state: DayState, event: Event) -> DayState:
    """Fold one event into the day (seed 001 制度1 第3–50条, 制度2 第1–9条); returns a new state.

    Every event adds one :class:`Decision` to ``state.log`` naming its article. Refused events (e.g. a
    make-up for a personal absence, 制度1 第9条) leave the rotation unchanged and are logged with
    ``accepted=False``.
    """
    handler = _HANDLERS.get(type(event))
    if handler is None:
        raise TypeError(f"unknown rotation event: {event!r}")
    return handler(state, event)


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
