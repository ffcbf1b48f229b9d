"""The rotation service: stored events, replay, day opening and carry-over, concurrent tablets."""

from __future__ import annotations

import json
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, time, timedelta
from typing import get_args

import pytest
from sqlalchemy import select

from kiosk.domain import rotation as engine
from kiosk.domain.rotation import (
    BackAtDesk,
    BusyWithOtherWork,
    CustomerKind,
    HoursSet,
    MakeUpGranted,
    OnLeave,
    Outcome,
    Reordered,
    reception_counts,
    up_next,
)
from kiosk.extensions import db
from kiosk.models.notifications import Notification
from kiosk.models.rotation import RotationDay, RotationEvent
from kiosk.services import rotation
from kiosk.services.rotation import DEFAULT_OFFICE as OFFICE
from kiosk.services.rotation import RotationRefused, sid

DAY = date(2026, 11, 23)
# 10:00 in Shanghai, inside the default working hours.
TEN = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


@pytest.fixture
def team(make_user):
    return [make_user("sales", display_name=name) for name in ("王敏", "张伟", "杨帆")]


def at(minutes: int) -> datetime:
    return TEN + timedelta(minutes=minutes)


def test_a_day_opens_with_the_sales_users_and_is_idempotent(app, team, make_user):
    make_user("agent")
    row = rotation.open_day(OFFICE, DAY, TEN)
    again = rotation.open_day(OFFICE, DAY, at(5))
    assert row.id == again.id and row.opening_order == [u.id for u in team]
    assert (row.work_start, row.work_end) == (time(9), time(18))
    view = rotation.current_state(OFFICE, DAY)
    assert up_next(view.state) == tuple(sid(u.id) for u in team)
    assert [name for _, name in view.people()] == ["王敏", "张伟", "杨帆"]


def test_receive_customer_stores_the_event_notifies_and_sends_the_receiver_to_the_end(app, team):
    reception = rotation.receive_customer(OFFICE, "visit-1", now=TEN)
    assert reception.receiver.id == team[0].id
    assert (reception.article, reception.counts, reception.outcome) == ("制度1 第6条", True, Outcome.RECEIVED)
    assert "王敏" in reception.explanation
    view = rotation.current_state(OFFICE, DAY)
    assert up_next(view.state) == (sid(team[1].id), sid(team[2].id), sid(team[0].id))
    note = db.session.scalar(select(Notification))
    assert (note.user_id, note.level, note.link) == (team[0].id, "urgent", rotation.PAGE_PATH)
    stored = db.session.scalars(select(RotationEvent)).all()
    assert [(e.seq, e.type, e.payload["group_id"]) for e in stored] == [(1, "CustomerArrived", "visit-1")]


def test_a_named_returning_customer_goes_to_the_named_salesperson_as_in_the_engine(app, team):
    reception = rotation.receive_customer(OFFICE, "v1", CustomerKind.RETURNING, team[2].id, now=TEN)
    assert reception.receiver.id == team[2].id and not reception.counts
    assert reception.article == "制度1 第12条"


def test_the_same_group_twice_goes_to_the_same_person_and_is_not_notified_again(app, team):
    first = rotation.receive_customer(OFFICE, "v1", now=TEN)
    again = rotation.receive_customer(OFFICE, "v1", now=at(1))
    assert again.receiver.id == first.receiver.id and again.outcome is Outcome.DUPLICATE_GROUP
    assert db.session.query(Notification).count() == 1


def test_nobody_at_the_desk_alerts_the_supervisors(app, team):
    for person in team:
        rotation.record(OFFICE, OnLeave(rotation.local(at(0)), sid(person.id)), actor=None, now=at(0))
    reception = rotation.receive_customer(OFFICE, "v1", now=at(1))
    assert reception.receiver is None and reception.outcome is Outcome.NOBODY_AVAILABLE
    note = db.session.scalar(select(Notification))
    assert note.role == "supervisor" and note.level == "urgent"


def test_every_event_type_round_trips_through_storage(app, team):
    a, b, c = (sid(u.id) for u in team)
    moment = rotation.local(TEN)
    events = [
        BusyWithOtherWork(moment, a, assigned_by_leader=True),
        HoursSet(moment, (time(8, 30), time(20)), (time(12), time(13)), c),
        Reordered(moment, (b, a, c), "现场调整"),
        BackAtDesk(moment, a),
    ]
    for event in events:
        rotation.record(OFFICE, event, actor=team[0], now=TEN, reason="测试")
    rotation.receive_customer(OFFICE, "g", CustomerKind.RETURNING, team[1].id, customer_key="k",
                              last_contact=date(2026, 11, 1), now=TEN)
    row = db.session.scalar(select(RotationDay))
    decoded = [rotation.decode(e) for e in row.events]
    assert decoded[:4] == events
    assert decoded[4].last_contact == date(2026, 11, 1) and decoded[4].named_salesperson == b
    view = rotation.current_state(OFFICE, DAY)
    assert [line.actor for line in view.lines][:4] == ["王敏"] * 4
    assert view.state.roster.working_hours == (time(8, 30), time(20))


def test_each_of_the_engine_s_event_types_with_every_field_set_decodes_to_itself(app):
    """Codec only (no rules): a stored day replays exactly the events it was given."""
    moment = rotation.local(TEN)
    samples = [
        engine.SalespersonArrived(moment, "@1"), engine.SalespersonLeft(moment, "@1"),
        engine.OnLeave(moment, "@2", "年假"), engine.AwayOnCompanyBusiness(moment, "@2", "银行"),
        engine.BusyWithOtherWork(moment, "@3", assigned_by_leader=True), engine.BackAtDesk(moment, "@3"),
        engine.CustomerArrived(moment, "g2", CustomerKind.RETURNING_REBOOKING, "@1", together_with="g1",
                               customer_key="m-abc", last_contact=date(2026, 10, 30)),
        engine.SalesCall(moment, "call-7"), engine.MakeUpGranted(moment, "@2", "公务补位"),
        engine.Reordered(moment, ("@3", "@1", "@2"), "开会"), engine.AssistRecorded(moment, "@2", "g2"),
        engine.Reassigned(moment, "g2", "@3", "客户要求"),
        engine.HoursSet(moment, (time(8, 30), time(20)), (time(12), time(13, 30)), "@1"),
    ]
    assert {type(e) for e in samples} == set(get_args(engine.Event))  # a new event type needs a sample
    for event in samples:
        kind, payload = rotation.encode(event)
        stored = RotationEvent(type=kind, payload=json.loads(json.dumps(payload)), at=TEN)
        assert rotation.decode(stored) == event


def test_a_refused_event_is_not_stored_and_says_why(app, team):
    moment = rotation.local(TEN)
    rotation.record(OFFICE, OnLeave(moment, sid(team[0].id)), actor=None, now=TEN)
    rotation.receive_customer(OFFICE, "v1", now=TEN)
    with pytest.raises(RotationRefused) as refused:
        rotation.record(OFFICE, MakeUpGranted(moment, sid(team[0].id)), actor=None, now=TEN)
    assert refused.value.decision.article == "制度1 第9条"
    assert db.session.query(RotationEvent).count() == 2


def test_art_7_next_day_starts_after_the_last_receiver_and_keeps_the_hours(app, team, make_user):
    rotation.record(OFFICE, HoursSet(rotation.local(TEN), (time(8), time(19))), actor=None, now=TEN)
    rotation.receive_customer(OFFICE, "v1", now=at(1))  # 王敏 receives: 张伟 is first up tomorrow
    newcomer = make_user("sales", display_name="新人")  # joins the table at its end
    row = rotation.open_day(OFFICE, DAY + timedelta(days=1), TEN + timedelta(days=1))
    assert row.opening_order == [team[1].id, team[2].id, newcomer.id, team[0].id]
    assert (row.work_start, row.work_end) == (time(8), time(19))


def test_report_counts_per_person_with_the_rule_behind_each_uncounted(app, team):
    rotation.receive_customer(OFFICE, "v1", now=at(0))
    rotation.receive_customer(OFFICE, "v2", CustomerKind.COMPANY_STAFF, now=at(1))
    rotation.receive_customer(OFFICE, "v3", now=TEN + timedelta(hours=10))  # 20:00, after hours
    result = rotation.report(OFFICE, *rotation.period_bounds("week", DAY))
    by_name = {p.name: p for p in result.people}
    assert by_name["王敏"].counted == 1
    uncounted = Counter()
    for p in result.people:
        uncounted.update(p.uncounted)
    assert uncounted == Counter({"制度1 第45条": 1, "制度1 第43条": 1})
    assert len(result.lines) == 3
    assert rotation.period_bounds("month", DAY) == (date(2026, 11, 1), date(2026, 11, 30))
    assert rotation.period_bounds("week", DAY) == (date(2026, 11, 23), date(2026, 11, 29))


@pytest.mark.parametrize("opened_before", [True, False], ids=["day-open", "first-groups-open-the-day"])
def test_ten_groups_from_three_tablets_at_once_get_ten_distinct_rule_correct_receptions(app, team,
                                                                                        opened_before):
    if opened_before:
        rotation.open_day(OFFICE, DAY, TEN)

    def tablet(n: int) -> tuple[str, int]:
        with app.app_context():
            reception = rotation.receive_customer(OFFICE, f"group-{n}", now=at(n % 3))
            result = (reception.assignment.group_id, reception.receiver.id)
            db.session.remove()
            return result

    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(tablet, range(10)))

    assert sorted(g for g, _ in results) == sorted(f"group-{n}" for n in range(10))
    row = db.session.scalar(select(RotationDay))
    assert db.session.query(RotationDay).count() == 1
    assert [e.seq for e in row.events] == list(range(1, 11))
    state = rotation.replay_day(row)
    # Replay gives every group the receiver its tablet was told, and each group exactly one.
    assert {a.group_id: rotation.uid(a.receiver) for a in state.assignments} == dict(results)
    assert len(state.assignments) == 10
    # Rule-correct: in stored order the receivers go round the table (制度1 第3、27条).
    order = [u.id for u in team]
    assert [rotation.uid(a.receiver) for a in state.assignments] == [order[i % 3] for i in range(10)]
    counts = reception_counts(state).values()
    assert max(counts) - min(counts) <= 1


def test_demo_seeds_todays_table_for_the_sales_team_once(app):
    from kiosk.devtools.demo import seed_demo

    assert seed_demo(TEN)["receptions"] == 2
    assert seed_demo(TEN)["receptions"] == 0
    view = rotation.current_state(OFFICE, DAY)
    names = [name for _, name in view.people()]
    assert sorted(names) == sorted(["何军", "王敏", "张伟", "杨帆"])
    assert len(view.received_groups()) == 2 and names[-2:] == ["何军", "王敏"]


def test_an_event_built_from_the_state_sees_what_another_tablet_stored_meanwhile(app, team):
    seen = []

    def move_last_to_front(state):
        seen.append(state.queue)
        return Reordered(rotation.local(TEN), (state.queue[-1], *state.queue[:-1]), "现场调整")

    rotation.receive_customer(OFFICE, "v1", now=TEN)  # stored between the page and the POST
    rotation.record(OFFICE, move_last_to_front, actor=team[2], now=at(1))
    assert seen == [(sid(team[1].id), sid(team[2].id), sid(team[0].id))]
    view = rotation.current_state(OFFICE, DAY)
    assert view.state.queue == (sid(team[0].id), sid(team[1].id), sid(team[2].id))
    assert view.state.received("v1").receiver == sid(team[0].id)


def test_week_and_month_reports_add_up_the_days(app, team):
    rotation.receive_customer(OFFICE, "mon", now=TEN)
    rotation.receive_customer(OFFICE, "tue", now=TEN + timedelta(days=1))  # 张伟 first up on Tuesday (art. 7)
    rotation.receive_customer(OFFICE, "next-mon", now=TEN + timedelta(days=7))
    week = {p.name: p.counted for p in rotation.report(OFFICE, *rotation.period_bounds("week", DAY)).people}
    assert week == {"王敏": 1, "张伟": 1, "杨帆": 0}
    month = rotation.report(OFFICE, *rotation.period_bounds("month", DAY))
    assert [line.group_id for line in month.lines] == ["mon", "tue", "next-mon"]
    assert {p.name: p.counted for p in month.people} == {"王敏": 1, "张伟": 1, "杨帆": 1}
