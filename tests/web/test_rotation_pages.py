"""The rotation page, its live fragments, the supervisor's actions and the report, through the web client."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
from flask import url_for
from sqlalchemy import select

from kiosk.extensions import db
from kiosk.models.rotation import RotationEvent
from kiosk.services import rotation
from kiosk.services.rotation import DEFAULT_OFFICE as OFFICE
from kiosk.services.rotation import sid
from kiosk.web.navigation import home_endpoint
from tests.support import OUT_OF_YEARS, field_error

# Views read the clock; the tests fix it at 10:00 in Shanghai, inside the default working hours.
TEN = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
DAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def ten_oclock(monkeypatch):
    monkeypatch.setattr("kiosk.blueprints.rotation.utcnow", lambda: TEN)


@pytest.fixture
def team(make_user):
    return [make_user("sales", display_name=name) for name in ("王敏", "张伟", "杨帆")]


def receive(group: str):
    return rotation.receive_customer(OFFICE, group, now=TEN)


def events() -> list[RotationEvent]:
    db.session.rollback()  # end the test's own read snapshot (SQLite) to see what the requests wrote
    return list(db.session.scalars(select(RotationEvent).order_by(RotationEvent.seq)))


def test_salesperson_sees_the_order_as_full_page_and_as_fragment(client, login_as, team):
    me = login_as("sales", display_name="我自己")
    page = client.get("/rotation/").get_data(as_text=True)
    assert "<html" in page and "一接" in page and "王敏" in page and "我自己" in page
    assert 'id="self_status"' in page and 'id="presence_form"' not in page
    fragment = client.get_htmx("/rotation/").get_data(as_text=True)
    assert "<html" not in fragment and fragment.lstrip().startswith('<section id="rotation_live"')
    assert home_endpoint(me) == "rotation.index"


def test_supervisor_sees_every_action_form(client, login_as, team):
    login_as("supervisor")
    page = client.get("/rotation/").get_data(as_text=True)
    for form_id in ("group_form", "presence_form", "make_up_form", "assist_form", "reassign_form",
                    "reorder_form", "hours_form"):
        assert f'id="{form_id}"' in page
    assert 'id="self_status"' not in page


def test_the_live_poll_answers_304_until_an_event_then_200_with_the_change(client, login_as, team):
    login_as("sales")
    first = client.get_htmx("/rotation/live")
    assert first.status_code == 200 and first.headers["ETag"]
    etag = first.headers["ETag"]
    same = client.get_htmx("/rotation/live", headers={"If-None-Match": etag})
    assert same.status_code == 304
    receive("visit-1")
    changed = client.get_htmx("/rotation/live", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    html = changed.get_data(as_text=True)
    assert "visit-1" in html and "制度1 第6条" in html and "<html" not in html


def test_front_desk_shows_first_second_third_up_and_polls_with_etag(client, login_as, team):
    login_as("sales")
    page = client.get("/rotation/front-desk").get_data(as_text=True)
    assert "<html" in page and page.index("王敏") < page.index("张伟") < page.index("杨帆")
    fragment = client.get_htmx("/rotation/front-desk")
    html = fragment.get_data(as_text=True)
    assert "<html" not in html and "一接" in html and "三接" in html
    assert client.get_htmx("/rotation/front-desk",
                           headers={"If-None-Match": fragment.headers["ETag"]}).status_code == 304
    receive("visit-1")
    moved = client.get_htmx("/rotation/front-desk", headers={"If-None-Match": fragment.headers["ETag"]})
    assert moved.status_code == 200
    text = moved.get_data(as_text=True)
    assert text.index("张伟") < text.index("杨帆")


def test_supervisor_actions_are_stored_with_actor_and_reason(client, login_as, team):
    boss = login_as("supervisor")
    wang, zhang, yang = (sid(u.id) for u in team)
    receive("visit-1")  # 王敏 receives
    posts = [
        ("/rotation/presence", {"presence-salesperson": zhang, "presence-status": "company_business",
                                "presence-reason": "去银行办按揭"}),
        ("/rotation/presence", {"presence-salesperson": zhang, "presence-status": "back"}),
        ("/rotation/assist", {"assist-group_id": "visit-1", "assist-salesperson": yang}),
        ("/rotation/reassign", {"reassign-group_id": "visit-1", "reassign-salesperson": yang,
                                "reassign-reason": "客户要求更换"}),
        ("/rotation/reorder", {"reorder-salesperson": yang, "reorder-position": "1",
                               "reorder-reason": "开会"}),
        ("/rotation/hours", {"hours-work_start": "08:30", "hours-work_end": "20:00",
                             "hours-on_call_start": "12:00", "hours-on_call_end": "13:30",
                             "hours-on_call_person": wang}),
    ]
    for url, data in posts:
        response = client.post_form(url, data)
        assert response.status_code == 303, (url, response.get_data(as_text=True)[:2000])
    stored = events()
    assert [e.type for e in stored] == ["CustomerArrived", "AwayOnCompanyBusiness", "BackAtDesk",
                                        "AssistRecorded", "Reassigned", "Reordered", "HoursSet"]
    assert all(e.actor_id == boss.id for e in stored[1:])
    assert stored[1].reason == "去银行办按揭" and stored[4].reason == "客户要求更换"
    view = rotation.current_state(OFFICE, DAY)
    assert view.state.queue[0] == yang and view.state.received("visit-1").receiver == yang
    page = client.get("/rotation/").get_data(as_text=True)
    assert "制度1 第16条" in page and "客户要求更换" in page and "08:30–20:00" in page


def group(client, label: str, kind: str, **extra):
    data = {"group-label": label, "group-kind": kind} | {f"group-{k}": v for k, v in extra.items()}
    return client.post_form("/rotation/group", data)


def test_the_supervisor_records_groups_of_every_kind_and_the_rules_decide(client, login_as, team):
    login_as("supervisor")
    wang, zhang, yang = (sid(u.id) for u in team)
    assert group(client, "李先生", "NEW_WALK_IN").status_code == 303  # 王敏, counted, to the end
    follow = client.get("/rotation/").get_data(as_text=True)
    assert "李先生：" in follow and "制度1 第6条" in follow
    group(client, "快递员", "LOOKING_FOR_SOMEONE")  # the last in rotation, not counted
    group(client, "刘女士", "RETURNING_RECOGNISED", named=yang)  # 杨帆 saw her come in
    group(client, "李先生的朋友", "NEW_WALK_IN", together_with=events()[0].payload["group_id"])
    group(client, "陈先生", "RETURNING", named=yang, last_contact="2026-09-01")  # lapsed: a new customer
    state = rotation.current_state(OFFICE, DAY).state
    decided = [(a.receiver, a.counts, a.count_article) for a in state.assignments]
    assert decided == [
        (wang, True, "制度1 第42条"),
        (wang, False, "制度1 第44条"),  # 找人: the last in rotation (王敏 after his turn)
        (yang, False, "制度1 第44条"),
        (wang, False, "制度1 第50条"),
        (zhang, True, "制度1 第17条"),
    ]
    stored = events()
    assert all(e.type == "CustomerArrived" and e.payload["group_id"].startswith("desk-") for e in stored)
    assert len({e.payload["group_id"] for e in stored}) == 5


def test_bad_group_input_is_shown_beside_the_field_and_kept(client, login_as, team):
    login_as("supervisor")
    response = client.post_form("/rotation/group", {"group-label": "", "group-kind": "MARTIAN",
                                                    "group-last_contact": "0001-01-01"}, htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and html.lstrip().startswith('<form id="group_form"')
    assert field_error(html, "group-label") == "此项必填。"
    assert field_error(html, "group-kind")
    assert field_error(html, "group-last_contact") == OUT_OF_YEARS
    recognised = client.post_form("/rotation/group", {"group-label": "刘女士",
                                                      "group-kind": "RETURNING_RECOGNISED"}, htmx=True)
    recognised = recognised.get_data(as_text=True)
    assert field_error(recognised, "group-named") == "请选择认出或原来接待该客户的销售顾问。"
    assert 'value="刘女士"' in recognised
    assert events() == []


def test_make_up_after_company_business_is_granted(client, login_as, team):
    login_as("supervisor")
    zhang = sid(team[1].id)
    receive("visit-1")  # 王敏
    client.post_form("/rotation/presence",
                     {"presence-salesperson": zhang, "presence-status": "company_business"})
    receive("visit-2")  # 张伟 away on business: 杨帆 receives, 张伟 missed a turn that may be made up
    client.post_form("/rotation/presence", {"presence-salesperson": zhang, "presence-status": "back"})
    response = client.post_form("/rotation/make-up",
                                {"make-up-salesperson": zhang, "make-up-reason": "公司派出"})
    assert response.status_code == 303
    assert events()[-1].type == "MakeUpGranted"


def test_a_refused_make_up_is_shown_beside_the_field_with_the_article(client, login_as, team):
    login_as("supervisor")
    zhang = sid(team[1].id)
    client.post_form("/rotation/presence", {"presence-salesperson": zhang, "presence-status": "on_leave"})
    receive("visit-1")
    response = client.post_form("/rotation/make-up", {"make-up-salesperson": zhang, "make-up-reason": "想补"},
                                htmx=True)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<form id="make_up_form"')
    assert "不予补充轮值" in field_error(html, "make-up-salesperson")
    assert events()[-1].type == "CustomerArrived"


@pytest.mark.parametrize(("url", "data", "field_id"), [
    ("/rotation/presence", {"presence-status": "on_leave"}, "presence-salesperson"),
    ("/rotation/presence", {"presence-salesperson": "@999", "presence-status": "on_leave"},
     "presence-salesperson"),
    ("/rotation/presence", {"presence-salesperson": "SELF", "presence-status": "flying"}, "presence-status"),
    ("/rotation/make-up", {"make-up-salesperson": "SELF"}, "make-up-reason"),
    ("/rotation/assist", {"assist-group_id": "nope", "assist-salesperson": "SELF"}, "assist-group_id"),
    ("/rotation/reassign", {"reassign-salesperson": "SELF", "reassign-reason": "x"}, "reassign-group_id"),
    ("/rotation/reorder", {"reorder-salesperson": "SELF", "reorder-position": "9", "reorder-reason": "x"},
     "reorder-position"),
    ("/rotation/reorder", {"reorder-salesperson": "SELF", "reorder-position": "abc", "reorder-reason": "x"},
     "reorder-position"),
    ("/rotation/hours", {"hours-work_start": "18:00", "hours-work_end": "09:00"}, "hours-work_end"),
    ("/rotation/hours", {"hours-work_start": "25:00", "hours-work_end": "09:00"}, "hours-work_start"),
    ("/rotation/hours",
     {"hours-work_start": "09:00", "hours-work_end": "18:00", "hours-on_call_start": "12:00"},
     "hours-on_call_end"),
    ("/rotation/reassign",
     {"reassign-group_id": "", "reassign-salesperson": "SELF", "reassign-reason": "x" * 201},
     "reassign-reason"),
])
@pytest.mark.parametrize("htmx", [False, True])
def test_bad_input_is_answered_422_beside_the_field_keeping_what_was_typed(client, login_as, team, url, data,
                                                                        field_id, htmx):
    login_as("supervisor")
    data = {k: sid(team[0].id) if v == "SELF" else v for k, v in data.items()}
    response = client.post_form(url, data, htmx=htmx)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_error(html, field_id), html[:3000]
    assert ("<html" in html) is not htmx
    assert events() == []


def test_actions_are_refused_to_the_wrong_role(client, login_as, team):
    login_as("sales")
    for url in ("/rotation/presence", "/rotation/make-up", "/rotation/assist", "/rotation/reassign",
                "/rotation/reorder", "/rotation/hours"):
        assert client.post_form(url, {}).status_code == 403
    assert events() == []


def test_a_supervisor_without_the_sales_role_cannot_mark_themselves(client, login_as, team):
    login_as("supervisor")
    assert client.post_form("/rotation/me", {"status": "busy"}).status_code == 403


def test_salesperson_marks_themselves_busy_then_back(client, login_as, team):
    me = login_as("sales", display_name="我自己")
    assert client.post_form("/rotation/me", {"status": "busy"}).status_code == 303
    assert client.post_form("/rotation/me", {"status": "back"}, htmx=True).headers["HX-Redirect"]
    stored = events()
    assert [(e.type, e.actor_id, e.payload["salesperson"]) for e in stored] == [
        ("BusyWithOtherWork", me.id, me.id), ("BackAtDesk", me.id, me.id)]
    bad = client.post_form("/rotation/me", {"status": "asleep"}, htmx=True)
    assert bad.status_code == 422 and 'id="self_status"' in bad.get_data(as_text=True)


def test_report_as_page_fragment_and_csv(client, login_as, team):
    login_as("supervisor")
    receive("visit-1")
    receive("visit-2")
    day = DAY.isoformat()
    page = client.get(f"/rotation/report?period=week&day={day}").get_data(as_text=True)
    assert "<html" in page and "王敏" in page and "visit-2" in page
    fragment = client.get_htmx("/rotation/report?period=month").get_data(as_text=True)
    assert fragment.lstrip().startswith('<section id="report_body"')
    assert client.get("/rotation/report?period=decade&day=nonsense").status_code == 200
    response = client.get(f"/rotation/report.csv?period=day&day={day}")
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["接待次数汇总", day, day]
    assert rows[1][:5] == ["销售顾问", "接待次数", "不计数接待", "不计数的依据", "协助接待"]
    totals = {r[0]: r[1:] for r in rows[2:5]}
    assert {name: counts[:2] for name, counts in totals.items()} == {
        "王敏": ["1", "0"], "张伟": ["1", "0"], "杨帆": ["0", "0"]}
    assert rows[5] == ["最多与最少相差", "1"] and rows[6] == []
    lines = rows[8:]
    assert rows[7][0] == "日期" and {r[2] for r in lines} == {"visit-1", "visit-2"}
    assert all(r[6] for r in lines)


def test_the_report_csv_cannot_carry_a_formula_in_a_name(client, login_as, make_user):
    login_as("supervisor")
    make_user("sales", display_name="=HYPERLINK(1)")
    receive("visit-1")
    response = client.get(f"/rotation/report.csv?period=day&day={DAY.isoformat()}")
    body = response.get_data(as_text=True)
    assert "'=HYPERLINK(1)" in body and ",=HYPERLINK" not in body
    assert "no-store" in response.headers["Cache-Control"]


def test_notification_link_is_the_rotation_page(app):
    with app.test_request_context():
        assert url_for("rotation.index") == rotation.PAGE_PATH


def test_sales_and_supervisors_have_the_rotation_in_their_menu(client, login_as, team):
    login_as("supervisor")
    page = client.get("/workbench").get_data(as_text=True)
    assert 'href="/rotation/"' in page and 'href="/rotation/report"' in page
