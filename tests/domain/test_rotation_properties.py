"""Properties of the rotation that must hold for any day (seed 001 制度1 第4、7、10、27条)."""

from datetime import date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.domain.rotation import (
    AssistRecorded,
    AwayOnCompanyBusiness,
    BackAtDesk,
    BusyWithOtherWork,
    CustomerArrived,
    CustomerKind,
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
    first_up,
    next_day_order,
    reception_counts,
    replay,
    start_day,
)

DAY = date(2026, 11, 23)
PEOPLE = ("甲", "乙", "丙", "丁", "戊", "己")
GROUPS = tuple(f"g{i}" for i in range(12))

orders = st.lists(st.sampled_from(PEOPLE), min_size=1, max_size=len(PEOPLE), unique=True).map(tuple)


def at(minute: int, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, 9) + timedelta(minutes=minute)  # 09:00 + minutes


def plain_walk_ins(n: int, day: date = DAY) -> list[CustomerArrived]:
    return [CustomerArrived(at(i, day), f"{day}-{i}") for i in range(n)]


@st.composite
def event_streams(draw):
    order = draw(orders)
    person = st.sampled_from(PEOPLE)
    group = st.sampled_from(GROUPS)
    kinds = st.sampled_from(list(CustomerKind))
    maybe_person = st.none() | person
    customer = st.builds(CustomerArrived, st.just(None), group, kinds, maybe_person, st.none() | group,
                         st.none() | st.sampled_from(("k1", "k2", "k3")),
                         st.none() | st.dates(date(2026, 9, 1), DAY))
    builders = [
        customer,
        customer,
        customer,
        st.builds(SalespersonArrived, st.just(None), person),
        st.builds(SalespersonLeft, st.just(None), person),
        st.builds(OnLeave, st.just(None), person),
        st.builds(AwayOnCompanyBusiness, st.just(None), person),
        st.builds(BusyWithOtherWork, st.just(None), person, st.booleans()),
        st.builds(BackAtDesk, st.just(None), person),
        st.builds(SalesCall, st.just(None)),
        st.builds(MakeUpGranted, st.just(None), person),
        st.builds(Reordered, st.just(None), st.permutations(order).map(tuple)),
        st.builds(AssistRecorded, st.just(None), person, group),
        st.builds(Reassigned, st.just(None), group, person),
    ]
    raw = draw(st.lists(st.one_of(*builders), max_size=30))
    # times in stream order, spanning before, during and after working hours (08:00 to 20:00)
    minutes = sorted(draw(st.lists(st.integers(-60, 660), min_size=len(raw), max_size=len(raw))))
    events = [type(e)(at(m), *[getattr(e, f) for f in e.__dataclass_fields__ if f != "at"])
              for e, m in zip(raw, minutes, strict=True)]
    return Roster(DAY, order), events


@settings(max_examples=100, deadline=None)
@given(order=orders, n=st.integers(0, 60))
def test_plain_walk_ins_with_everyone_present_are_fair_within_one(order, n):
    """制度1 第3、27条: in table order, to the end after each reception → counts differ by at most one."""
    counts = reception_counts(replay(Roster(DAY, order), plain_walk_ins(n)))
    assert sum(counts.values()) == n
    assert max(counts.values()) - min(counts.values()) <= 1


@settings(max_examples=80, deadline=None)
@given(event_streams())
def test_no_group_is_ever_given_to_two_people(day):
    """制度1 第10条: one group, one receiver, whatever happens during the day."""
    roster, events = day
    state = replay(roster, events)
    received = [a.group_id for a in state.assignments if a.outcome is Outcome.RECEIVED]
    assert len(received) == len(set(received))
    assert all(a.receiver is None for a in state.assignments if a.outcome is Outcome.NOBODY_AVAILABLE)
    assert len(state.queue) == len(set(state.queue))
    assert len(state.log) == len(events)


@settings(max_examples=80, deadline=None)
@given(event_streams())
def test_replaying_the_events_reproduces_identical_assignments(day):
    """The day is an audit trail: replay is deterministic and ``assign`` predicts what ``apply`` records."""
    roster, events = day
    state = start_day(roster)
    for ev in events:
        if isinstance(ev, CustomerArrived):
            predicted = assign(state, ev)
            state = apply(state, ev)
            if predicted.outcome is not Outcome.DUPLICATE_GROUP:
                assert state.assignments[-1] == predicted
            if predicted.outcome is Outcome.RECEIVED:
                assert predicted.receiver is not None and predicted.article
            if predicted.outcome is Outcome.NOBODY_AVAILABLE:
                assert first_up(state) is None and "销售主管" in predicted.explanation_zh
        else:
            state = apply(state, ev)
    again = replay(roster, events)
    assert again == state
    assert again.assignments == replay(roster, list(events)).assignments


@settings(max_examples=100, deadline=None)
@given(order=orders, n=st.integers(1, 40), m=st.integers(1, 10))
def test_first_up_of_the_next_day_follows_the_last_receiver(order, n, m):
    """制度1 第7条: the person after day N's last receiver is first up on day N+1."""
    today = replay(Roster(DAY, order), plain_walk_ins(n))
    last = today.last_receiver
    assert last is not None
    expected = order[(order.index(last) + 1) % len(order)]
    tomorrow_date = DAY + timedelta(days=1)
    tomorrow = next_day_order(today, Roster(tomorrow_date, order))
    assert first_up(start_day(tomorrow)) == expected
    day2 = replay(tomorrow, plain_walk_ins(m, tomorrow_date))
    assert day2.assignments[0].receiver == expected
