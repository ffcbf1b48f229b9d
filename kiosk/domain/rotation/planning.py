"""The decision for one customer group: who receives it, whether it counts, and the article that says so
(seed 001 制度1 第3–50条, 制度2 第7–9条).

:func:`plan` runs named steps in the seed's order of precedence -- a group already received (第10条),
a group that came with another (第50条), the same customer again today (制度2 第8条), a returning
customer whose lead lapsed (第17条) -- and then the rule for the kind of customer (``_BY_KIND``).
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime

from kiosk.domain.rotation.events import CustomerArrived
from kiosk.domain.rotation.queries import first_up, in_window, last_in_rotation
from kiosk.domain.rotation.state import Assignment, Assist, DayState, MissedTurn
from kiosk.domain.rotation.vocabulary import CustomerKind, Outcome, Presence

#: Absences after which the supervisor may grant a make-up turn (制度1 第9条 后段, 制度2 第7条).
_MAKE_UP_ELIGIBLE = frozenset({Presence.ON_COMPANY_BUSINESS, Presence.BUSY_LEADER_ASSIGNED})

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


@dataclass(frozen=True)
class Plan:
    """A decision and what it does to the day: the new queue, the turns forfeited, the assists."""

    assignment: Assignment
    queue: tuple[str, ...]
    missed: tuple[MissedTurn, ...] = ()
    assists: tuple[Assist, ...] = ()


def _nobody(ev: CustomerArrived, state: DayState) -> Plan:
    return Plan(
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


# ----------------------------------------------------------------------------------------------------
# How a group is received: by the last, in rotation, by the named salesperson
# ----------------------------------------------------------------------------------------------------


def _by_last(state: DayState, ev: CustomerArrived, count_article: str, reason: str) -> Plan:
    """制度1 第29条: handled by the last in rotation; the on-duty person keeps their place."""
    last = last_in_rotation(state)
    if last is None:
        return _nobody(ev, state)
    why = f"{reason};由末位 {last} 接待,当值销售人员继续排位。"
    return Plan(_received(ev, last, False, "制度1 第29条", why, count_article), state.queue)


def _rotation(state: DayState, ev: CustomerArrived, count_article: str, reason: str) -> Plan:
    """A turn in rotation (制度1 第3、6、27条), modified by on-call (第48条) and working hours (第43条)."""
    on_duty = first_up(state)
    if on_duty is None:
        return _nobody(ev, state)
    return (_on_call_or_after_hours(state, ev, on_duty, reason)
            or _turn_taken(state, ev, on_duty, count_article, reason))


def _on_call_or_after_hours(state: DayState, ev: CustomerArrived, on_duty: str, reason: str) -> Plan | None:
    """制度1 第48、43条: in the on-call shift the on-call salesperson receives; outside the working hours the
    on-duty person does; neither counts nor moves the queue. ``None`` inside the working hours."""
    roster = state.roster
    if in_window(roster.on_call_shift, ev.at):
        oc = roster.on_call_salesperson
        receiver = oc if oc is not None and state.is_available(oc) else on_duty
        why = f"{reason};值班期间以值班人员为主,由 {receiver} 接待,不计入接待次数,轮值顺序不变。"
        return Plan(_received(ev, receiver, False, "制度1 第48条", why, "制度1 第48条"), state.queue)
    start, end = roster.working_hours
    if not start <= ev.at.time() < end:
        why = f"{reason};工作时间以外,由当值 {on_duty} 接待,不计入接待次数,轮值顺序不变。"
        return Plan(_received(ev, on_duty, False, "制度1 第6条", why, "制度1 第43条"), state.queue)
    return None


def _turn_taken(state: DayState, ev: CustomerArrived, on_duty: str, count_article: str, reason: str) -> Plan:
    """制度1 第6、27条: the on-duty person receives and goes to the end; everyone unavailable ahead of them
    forfeits the turn and goes to the end too (制度1 第9条, 制度2 第7条)."""
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
    return Plan(_received(ev, on_duty, True, article, why, count_article, took_turn=True), queue, missed)


def _named(state: DayState, ev: CustomerArrived, owner: str | None, counts: bool, article: str,
           count_article: str, reason: str) -> Plan:
    """制度1 第11、12条: hand the customer to the named salesperson; nobody moves in the queue."""
    on_duty = first_up(state)
    if owner is not None and state.is_available(owner):
        return _handed_over(state, ev, owner, on_duty, counts, article, count_article, reason)
    if on_duty is None:
        return _nobody(ev, state)
    who = owner or "原销售人员"
    why = f"{reason};{who} 不在,由当值 {on_duty} 继续接待,视为协助接待,不计入接待次数,保留其轮值机会。"
    plan = _received(ev, on_duty, False, "制度1 第12条", why, "制度1 第46条", assist_for=owner)
    return Plan(plan, state.queue)


def _handed_over(state: DayState, ev: CustomerArrived, owner: str, on_duty: str | None, counts: bool,
                 article: str, count_article: str, reason: str) -> Plan:
    """制度1 第12条: the named salesperson is present and receives; the on-duty person's hand-over is an
    assist. A reception that would count does not in the on-call shift (第48条) or after hours (第43条)."""
    if counts and in_window(state.roster.on_call_shift, ev.at):
        counts, count_article = False, "制度1 第48条"
    elif counts and not state.roster.working_hours[0] <= ev.at.time() < state.roster.working_hours[1]:
        counts, count_article = False, "制度1 第43条"
    tail = "计入接待次数" if counts else "不计入接待次数"
    why = f"{reason};转交指定的 {owner} 接待,{tail};{owner} 的轮值位置不变(制度1 第11条),当值继续排位。"
    assists: tuple[Assist, ...] = ()
    if on_duty is not None and on_duty != owner:
        assists = (Assist(ev.at, on_duty, ev.group_id, owner, "制度1 第12条"),)
    return Plan(_received(ev, owner, counts, article, why, count_article), state.queue, assists=assists)


# ----------------------------------------------------------------------------------------------------
# The steps, in order of precedence
# ----------------------------------------------------------------------------------------------------


def _already_received(state: DayState, ev: CustomerArrived) -> Plan | None:
    """制度1 第10条: a group already received is not received again (a duplicate, not counted)."""
    existing = state.received(ev.group_id)
    if existing is None:
        return None
    why = f"该组客户已由 {existing.receiver} 接待,一组客户不得由多人接待。"
    dup = replace(existing, counts=False, explanation_zh=why, article="制度1 第10条",
                  count_article="制度1 第10条", outcome=Outcome.DUPLICATE_GROUP, at=ev.at,
                  took_turn=False)
    return Plan(dup, state.queue)


def _came_together(state: DayState, ev: CustomerArrived) -> Plan | None:
    """制度1 第50条: a group that came with an earlier one goes to its receiver and is not counted again."""
    if ev.together_with is None:
        return None
    first = state.received(ev.together_with)
    if first is None or first.receiver is None:
        return None
    why = f"与 {ev.together_with} 相约一起看房,视为一组客户,由 {first.receiver} 一并接待,不重复计数。"
    return Plan(_received(ev, first.receiver, False, "制度1 第50条", why, "制度1 第50条"), state.queue)


def _same_customer_again(state: DayState, ev: CustomerArrived) -> Plan | None:
    """制度2 第8条: the same customer again today goes to whoever received them first.

    "仍算接待一次": once, not never -- when no earlier visit today counted (it came outside the working
    hours, say), this one may.
    """
    if ev.customer_key is None:
        return None
    visits = [a for a in state.assignments if a.customer_key == ev.customer_key
              and a.outcome is Outcome.RECEIVED and a.receiver is not None]
    if not visits:
        return None
    if any(a.counts for a in visits):
        return _named(state, ev, visits[0].receiver, False, "制度2 第8条", "制度2 第8条",
                      "同一客户当天再次来访,同一天接待同一客户多次仍算一次")
    return _named(state, ev, visits[0].receiver, True, "制度2 第8条", "制度2 第8条",
                  "同一客户当天再次来访,当天早先的接待未计数,本次计为当天的一次接待")


def _add_month(d: date) -> date:
    year, month = (d.year + 1, 1) if d.month == 12 else (d.year, d.month + 1)
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def _lapsed(last_contact: date | None, at: datetime) -> bool:
    """制度1 第17条: no revisit and no tracking for a month → a new customer."""
    return last_contact is not None and at.date() > _add_month(last_contact)


def _lead_lapsed(state: DayState, ev: CustomerArrived) -> Plan | None:
    """制度1 第17条: a returning customer not followed up for a month is a new customer, received in turn."""
    if ev.kind not in _RETURNING_KINDS or not _lapsed(ev.last_contact, ev.at):
        return None
    return _rotation(state, ev, "制度1 第17条",
                     "老客户一个月内未做回访且无跟踪记录,视为新客户,由当值销售人员接待")


_STEPS: tuple[Callable[[DayState, CustomerArrived], Plan | None], ...] = (
    _already_received, _came_together, _same_customer_again, _lead_lapsed,
)


# ----------------------------------------------------------------------------------------------------
# The rule for each kind of customer
# ----------------------------------------------------------------------------------------------------


def _handled_by_last(state: DayState, ev: CustomerArrived) -> Plan:
    """制度1 第29、44、45条, 制度2 第9条: visits not about buying go to the last in rotation, not counted."""
    count_article, reason = _HANDLED_BY_LAST[ev.kind]
    return _by_last(state, ev, count_article, reason)


def _peer(state: DayState, ev: CustomerArrived) -> Plan:
    """制度1 第29条: a peer is received in turn; a roster may choose 制度2 第7条 (the last, not counted)."""
    if state.roster.peer_research_by_last:
        return _by_last(state, ev, "制度2 第7条", "同行调研由末排接待,不记排轮")
    return _rotation(state, ev, "制度1 第29条", "同行来了解情况,算排位")


def _purpose_unstated(state: DayState, ev: CustomerArrived) -> Plan:
    """制度1 第29条: a visitor who does not say why they came is received in turn."""
    return _rotation(state, ev, "制度1 第29条", "没有说明来意,算排位")


def _brought_by_old_customer(state: DayState, ev: CustomerArrived) -> Plan:
    """制度1 第13、49条: counts for the salesperson named, else is received in turn."""
    if ev.named_salesperson is not None:
        return _named(state, ev, ev.named_salesperson, True, "制度1 第13条", "制度1 第49条",
                      "老客户带来的新客户指名销售人员,由其接待并计入接待次数")
    return _rotation(state, ev, "制度1 第49条", "老客户带来的新客户未指名,按顺序接待并计入接待次数")


def _to_first_receiver(state: DayState, ev: CustomerArrived, article: str) -> Plan:
    """制度1 第12、13、44条: an old customer naming their salesperson goes to them (首次接待负责制), not
    counted."""
    return _named(state, ev, ev.named_salesperson, False, article, "制度1 第44条",
                  "老客户回访指定销售人员(首次接待负责制),不计入接待次数")


def _returning(state: DayState, ev: CustomerArrived) -> Plan:
    """制度1 第12、42、44条: a returning customer goes to the salesperson named, not counted; naming nobody,
    they are received in turn like a new customer."""
    if ev.named_salesperson is None:
        return _rotation(state, ev, "制度1 第42条", "老客户未指定销售人员,按新客户轮值接待")
    return _to_first_receiver(state, ev, "制度1 第12条")


def _returning_recognised(state: DayState, ev: CustomerArrived) -> Plan:
    """制度1 第14、44条: a salesperson who recognises their old customer at the door receives them first."""
    return _named(state, ev, ev.named_salesperson, False, "制度1 第14条", "制度1 第44条",
                  "销售人员进门认出自己的老客户,可不计顺序优先接待;老客户回访不计入接待次数")


def _returning_rebooking(state: DayState, ev: CustomerArrived) -> Plan:
    """制度1 第17、47条: an old customer booking again goes to their salesperson, not counted."""
    return _named(state, ev, ev.named_salesperson, False, "制度1 第17条", "制度1 第47条",
                  "老客户直接再次定房,由原销售人员接待,不计入接待次数")


def _withdrawn_returning(state: DayState, ev: CustomerArrived) -> Plan:
    """制度1 第13条: a customer who withdrew and comes back is new unless they name a salesperson."""
    if ev.named_salesperson is None:
        return _rotation(state, ev, "制度1 第13条", "已退房客户再次来访未点名,重新计为新客户")
    return _to_first_receiver(state, ev, "制度1 第13条")


def _new_walk_in(state: DayState, ev: CustomerArrived) -> Plan:
    """制度1 第39、42条: a new customer counts once, for the salesperson named (a phone appointment) or in
    turn."""
    if ev.named_salesperson is not None:
        return _named(state, ev, ev.named_salesperson, True, "制度1 第39条", "制度1 第42条",
                      "新客户来访指定销售人员(如电话预约),由其接待,计为一次有效接待")
    return _rotation(state, ev, "制度1 第42条", "新客户来访,每组计为一次有效接待")


_BY_KIND: dict[CustomerKind, Callable[[DayState, CustomerArrived], Plan]] = {
    CustomerKind.NEW_WALK_IN: _new_walk_in,
    CustomerKind.RETURNING: _returning,
    CustomerKind.RETURNING_RECOGNISED: _returning_recognised,
    CustomerKind.RETURNING_REBOOKING: _returning_rebooking,
    CustomerKind.WITHDRAWN_RETURNING: _withdrawn_returning,
    CustomerKind.BROUGHT_BY_OLD_CUSTOMER: _brought_by_old_customer,
    CustomerKind.PEER: _peer,
    CustomerKind.PURPOSE_UNSTATED: _purpose_unstated,
    **dict.fromkeys(_HANDLED_BY_LAST, _handled_by_last),
}


def plan(state: DayState, ev: CustomerArrived) -> Plan:
    """The decision for ``ev`` in ``state``: the first step that decides it, else the rule for its kind."""
    for step in _STEPS:
        decided = step(state, ev)
        if decided is not None:
            return decided
    return _BY_KIND[ev.kind](state, ev)


def assign(state: DayState, event: CustomerArrived) -> Assignment:
    """Who would receive ``event`` in ``state``, whether it counts, and the article (seed 001 制度1 第3–50条).

    Pure: the state is not changed; :func:`apply` folds the same decision into the day. Returns an
    assignment with ``outcome=Outcome.NOBODY_AVAILABLE`` and ``receiver=None`` when nobody is at the desk
    (制度1 第4条), and ``Outcome.DUPLICATE_GROUP`` when the group was already received (制度1 第10条).
    """
    return plan(state, event).assignment
