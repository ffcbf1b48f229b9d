"""A buyer signs in at the sales-office tablet and is handed to the salesperson the rotation names.

Seed 001 制度1 第3、6、12、27条 (in turn; the tablet asks "been here before, with whom?"), 第4条 (nobody
there: the supervisor arranges), 制度2 第8条 (the same customer again today). Sign-in never fails because
of the rotation.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from kiosk.domain.classify import VisitPurpose
from kiosk.domain.rotation import BuyerSays, HoursSet, OnLeave, Outcome, up_next
from kiosk.models.notifications import Notification
from kiosk.models.rotation import RotationEvent
from kiosk.models.visits import Visit
from kiosk.services import rotation, sales_desk
from kiosk.services.rotation import DEFAULT_OFFICE as OFFICE
from kiosk.services.rotation import sid
from tests.kiosk_support import scalar, scalars, sign_in
from tests.support import field_error

TEN = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, inside the default working hours
DAY = date(2026, 11, 23)


@pytest.fixture
def clock(monkeypatch):
    """The kiosk's clock, 10:00 in Shanghai unless a test moves it."""
    moment = {"now": TEN}
    monkeypatch.setattr("kiosk.blueprints.visitor_kiosk.utcnow", lambda: moment["now"])
    return moment


@pytest.fixture
def team(make_user):
    return [make_user("sales", display_name=name) for name in ("王敏", "张伟", "杨帆")]


@pytest.fixture
def tablet(paired_client):
    return paired_client("sales_office")


def buyer(client, says: BuyerSays = BuyerSays.FIRST_VISIT, salesperson: int = 0, *, htmx: bool = False,
          **extra):
    return sign_in(client, VisitPurpose.VIEWING, htmx=htmx, buyer_says=says.value,
                   salesperson=str(salesperson), **extra)


def stored_events() -> list[RotationEvent]:
    return scalars(select(RotationEvent).order_by(RotationEvent.seq))


def test_a_first_time_buyer_gets_first_up_named_on_the_screen_and_notified(tablet, team, clock):
    response = buyer(tablet)
    assert response.status_code == 303
    visit = scalar(select(Visit))
    assert visit.been_before is False and visit.previous_salesperson is None
    [event] = stored_events()
    assert (event.type, event.payload["group_id"], event.payload["kind"]) == (
        "CustomerArrived", f"visit-{visit.id}", "NEW_WALK_IN")
    html = tablet.get("/kiosk/done").get_data(as_text=True)
    assert "顾问 王敏 马上来接待您" in html and visit.badge_code in html
    note = scalar(select(Notification))
    assert (note.user_id, note.level) == (team[0].id, "urgent") and "张三（1 人）" in note.title
    assert "13812345678" not in note.title + note.body
    view = rotation.current_state(OFFICE, DAY)
    assert up_next(view.state) == tuple(sid(u.id) for u in (team[1], team[2], team[0]))  # 制度1 第27条


def test_the_confirmation_names_the_salesperson_in_english_too(tablet, team, clock):
    buyer(tablet)
    tablet.post_form("/lang/en", {"next": "/kiosk/done"})
    html = tablet.get("/kiosk/done").get_data(as_text=True)
    assert "Your consultant 王敏 will be with you shortly." in html


def test_a_returning_buyer_who_names_a_salesperson_is_handed_to_them(tablet, team, clock):
    page = tablet.get("/kiosk/visit/viewing").get_data(as_text=True)
    for person in team:
        assert f'value="{person.id}"' in page and person.display_name in page
    assert buyer(tablet, BuyerSays.BEEN_BEFORE, team[2].id).status_code == 303
    visit = scalar(select(Visit))
    assert visit.been_before is True and visit.previous_salesperson == "杨帆"
    assert "顾问 杨帆 马上来接待您" in tablet.get("/kiosk/done").get_data(as_text=True)
    assignment = rotation.current_state(OFFICE, DAY).state.received(f"visit-{visit.id}")
    assert (assignment.article, assignment.counts) == ("制度1 第12条", False)
    assert up_next(rotation.current_state(OFFICE, DAY).state)[0] == sid(team[0].id)  # on duty keeps place


@pytest.mark.parametrize("htmx", [False, True])
@pytest.mark.parametrize(("field", "data"), [
    ("buyer_says", {"buyer_says": ""}),
    ("buyer_says", {"buyer_says": "vip"}),
    ("salesperson", {"salesperson": "99999"}),
    ("salesperson", {"salesperson": "王敏"}),
])
def test_bad_answers_are_refused_beside_the_field_with_input_kept(tablet, team, clock, field, data, htmx):
    response = sign_in(tablet, VisitPurpose.VIEWING, htmx=htmx, **{"buyer_says": "first", "salesperson": "0",
                                                                   **data})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_error(html, field) and 'value="张三"' in html
    assert scalar(select(func.count(Visit.id))) == 0 and stored_events() == []


def test_nobody_at_the_desk_the_screen_sends_to_reception_and_the_sales_supervisor_is_told(
        tablet, team, clock, make_user):
    boss = make_user("supervisor", "sales", display_name="何军")
    other_supervisor = make_user("supervisor", display_name="陈静")
    for person in [*team, boss]:
        rotation.record(OFFICE, OnLeave(rotation.local(TEN), sid(person.id)), actor=None, now=TEN)
    assert buyer(tablet).status_code == 303
    html = tablet.get("/kiosk/done").get_data(as_text=True)
    assert "前台同事马上来接待您" in html and "顾问" not in html
    [note] = scalars(select(Notification))
    assert note.user_id == boss.id and note.user_id != other_supervisor.id and note.level == "urgent"
    assert stored_events()[-1].type == "CustomerArrived"
    assert rotation.current_state(OFFICE, DAY).state.assignments[-1].outcome is Outcome.NOBODY_AVAILABLE


def test_outside_the_tables_hours_nobody_is_named_and_the_supervisor_arranges(tablet, team, clock, make_user):
    boss = make_user("supervisor", "sales", display_name="何军")
    clock["now"] = TEN + timedelta(hours=10)  # 20:00
    assert buyer(tablet).status_code == 303
    assert "前台同事马上来接待您" in tablet.get("/kiosk/done").get_data(as_text=True)
    assert stored_events() == []
    [note] = scalars(select(Notification))
    assert note.user_id == boss.id and "工作时间以外" in note.title


def test_during_the_evening_on_call_shift_the_on_call_salesperson_is_named(tablet, team, clock):
    shift = HoursSet(rotation.local(TEN), (time(9), time(18)), (time(18), time(21)), sid(team[1].id))
    rotation.record(OFFICE, shift, actor=None, now=TEN)
    clock["now"] = TEN + timedelta(hours=9)  # 19:00
    buyer(tablet)
    assert "顾问 张伟 马上来接待您" in tablet.get("/kiosk/done").get_data(as_text=True)
    assert rotation.current_state(OFFICE, DAY).state.assignments[-1].count_article == "制度1 第48条"


def test_the_sign_in_stands_when_the_rotation_fails_and_the_front_desk_is_told(tablet, team, clock,
                                                                              monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("rotation unavailable")

    monkeypatch.setattr(rotation, "receive_customer", broken)
    response = buyer(tablet)
    assert response.status_code == 303
    visit = scalar(select(Visit))
    assert visit.waiting_for_salesperson and visit.badge_code
    html = tablet.get("/kiosk/done").get_data(as_text=True)
    assert "前台同事马上来接待您" in html and visit.badge_code in html
    [note] = scalars(select(Notification))
    assert (note.role, note.level) == ("sales", "urgent") and "未能自动分配" in note.title


def test_the_same_buyer_again_today_goes_back_to_the_same_salesperson_and_counts_once(tablet, team, clock):
    buyer(tablet)
    assert tablet.post_form("/kiosk/sign-out", {"code": "13812345678"}).status_code == 303  # left, came back
    clock["now"] = TEN + timedelta(hours=3)
    buyer(tablet, BuyerSays.BEEN_BEFORE)
    state = rotation.current_state(OFFICE, DAY).state
    first, again = state.assignments
    assert first.receiver == again.receiver == sid(team[0].id)
    assert (again.counts, again.count_article) == (False, "制度2 第8条")
    assert "13812345678" not in str([e.payload for e in stored_events()])


def test_the_hand_off_is_idempotent_per_visit(tablet, team, clock):
    buyer(tablet)
    visit = scalar(select(Visit))
    again = sales_desk.hand_off(visit.id, BuyerSays.FIRST_VISIT, None, now=TEN, secret="test-secret")
    assert again.id == team[0].id
    assert scalar(select(func.count(Notification.id))) == 1
    assert len(rotation.current_state(OFFICE, DAY).received_groups()) == 1
    assert sales_desk.receiver_for(visit).id == team[0].id


def test_the_visitor_log_and_its_export_name_the_salesperson_each_buyer_was_given(
        tablet, team, clock, client, login_as):
    buyer(tablet)
    clock["now"] = TEN + timedelta(minutes=5)
    buyer(tablet, mobile="13912340002", name="李四")
    sign_in(tablet, VisitPurpose.DELIVERY_PROMOTION, mobile="13912340003", name="王五",
            organisation="湘江物流有限公司")
    login_as("supervisor")
    day = f"?start={DAY.isoformat()}"
    page = client.get(f"/visitors/{day}").get_data(as_text=True)
    rows = {row.split("</td>")[1].strip(): row for row in re.findall(r"<tr[^>]*>(.*?)</tr>", page, re.S)[1:]}
    assert "置业顾问 王敏" in rows["<td>张三"] and "置业顾问 张伟" in rows["<td>李四"]
    assert "置业顾问" not in rows["<td>王五"]
    fragment = client.get_htmx(f"/visitors/{day}").get_data(as_text=True)
    assert "置业顾问 王敏" in fragment and "<html" not in fragment
    export = client.get(f"/visitors/export.csv{day}").get_data(as_text=True)
    assert "置业顾问 王敏" in export and "置业顾问 张伟" in export


def test_viewing_at_a_model_home_and_other_purposes_at_the_sales_office_are_not_handed_off(
        paired_client, tablet, team, clock):
    buyer(paired_client("model_home"))
    sign_in(tablet, VisitPurpose.DELIVERY_PROMOTION)
    assert stored_events() == []
    assert "请稍坐，我们的同事马上来接待您" in tablet.get("/kiosk/done").get_data(as_text=True)
