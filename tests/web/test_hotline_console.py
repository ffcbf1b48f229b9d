"""The agent's console and call screen: answer, look up, phrases, record → confirm → every outcome."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import render_template_string
from flask_login import login_user
from sqlalchemy import select

from kiosk.clock import utcnow
from kiosk.domain.deadlines import DeadlinePolicy, Priority, due_at
from kiosk.domain.hotline import Disposition, fill_phrase
from kiosk.extensions import db
from kiosk.models.calls import AgentState, Call, CallPhraseUse
from kiosk.models.notifications import Notification
from kiosk.models.people import User
from kiosk.models.phrases import ScriptPhrase
from kiosk.models.property import Owner
from kiosk.models.tasks import TaskSlip
from kiosk.services import hotline
from kiosk.services.directory import working_calendar
from tests.support import field_error
from tests.web.hotline_support import OWNER_MOBILE, add_owner


@pytest.fixture
def agent(login_as):
    return login_as("agent")


@pytest.fixture
def department(make_department):
    return make_department(code="engineering", name="工程部")


def _ringing(number: str = OWNER_MOBILE, agent_id: int | None = None) -> Call:
    now = utcnow()
    call = Call(direction="in", caller_number=number, state="ringing", ringing_at=now - timedelta(seconds=8),
                created_at=now, agent_id=agent_id)
    db.session.add(call)
    db.session.commit()
    return call


def _answered(client, number: str = OWNER_MOBILE) -> Call:
    call = _ringing(number)
    response = client.post_form(f"/hotline/calls/{call.id}/answer")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/hotline/calls/{call.id}")
    db.session.expire_all()
    return db.session.get(Call, call.id)


def _recorded(client, category="service_request", description="厨房水管漏水", confirm=True) -> Call:
    call = _answered(client)
    response = client.post_form(f"/hotline/calls/{call.id}/record", {
        "category": category, "caller_surname": "张", "location": "3栋 201", "description": description,
        "notes": "",
    })
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    if confirm:
        assert client.post_form(f"/hotline/calls/{call.id}/confirm", {"read_back": "y"}).status_code == 303
    db.session.expire_all()
    return db.session.get(Call, call.id)


def _settle(client, call, **data):
    return client.post_form(f"/hotline/calls/{call.id}/outcome", data)


# --- console, ringing calls, answering -------------------------------------------------------------


def test_an_agent_lands_on_the_console(client, auth, make_user):
    make_user("agent", username="lina")
    assert auth.login("lina").headers["Location"].endswith("/hotline/")
    assert "热线坐席台" in client.get("/hotline/").get_data(as_text=True)


def test_ringing_panel_as_page_and_fragment_answers_304_when_unchanged(client, agent):
    _ringing()
    page = client.get("/hotline/ringing")
    assert page.status_code == 200 and "<html" in page.get_data(as_text=True)
    fragment = client.get_htmx("/hotline/ringing")
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in body and 'id="ringing_calls"' in body
    assert fragment.headers["ETag"] != page.headers["ETag"]
    again = client.get_htmx("/hotline/ringing", headers={"If-None-Match": fragment.headers["ETag"]})
    assert again.status_code == 304
    _ringing("13900005678")
    changed = client.get_htmx("/hotline/ringing", headers={"If-None-Match": fragment.headers["ETag"]})
    assert changed.status_code == 200 and "13900005678" in changed.get_data(as_text=True)


def test_answering_opens_the_call_screen_and_puts_the_agent_on_a_call(client, agent):
    call = _answered(client)
    assert (call.state, call.agent_id) == ("answered", agent.id)
    assert call.ring_seconds is not None and call.ring_seconds >= 8
    assert db.session.get(AgentState, agent.id).state == "on_call"
    page = client.get(f"/hotline/calls/{call.id}").get_data(as_text=True)
    assert f'data-started-at="{call.answered_at.isoformat()}"' in page
    assert 'data-amber-from="150"' in page and 'data-red-after="180"' in page


def test_a_call_taken_by_another_agent_cannot_be_answered_twice(client, agent, make_user):
    other = make_user("agent")
    call = _ringing(agent_id=other.id)
    response = client.post_form(f"/hotline/calls/{call.id}/answer")
    assert response.status_code == 303 and response.headers["Location"].endswith("/hotline/")
    assert db.session.get(Call, call.id).state == "ringing"


def test_a_call_started_by_hand_looks_up_the_caller(client, agent):
    owner = add_owner()
    response = client.post_form("/hotline/calls/start", {"caller_number": OWNER_MOBILE})
    assert response.status_code == 303
    call = db.session.scalar(select(Call))
    assert (call.state, call.owner_id, call.ring_seconds) == ("answered", owner.id, None)


def test_a_bad_number_to_start_a_call_is_answered_beside_the_field(client, agent):
    response = client.post_form("/hotline/calls/start", {"caller_number": "12ab"}, htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and field_error(html, "caller_number") and 'value="12ab"' in html
    assert db.session.scalar(select(Call)) is None


def test_agent_sets_their_state_and_bad_input_is_refused(client, agent):
    assert client.post_form("/hotline/state", {"state": "paused"}).status_code == 303
    assert db.session.get(AgentState, agent.id).state == "paused"
    response = client.post_form("/hotline/state", {"state": "asleep"})
    assert response.status_code == 422 and field_error(response.get_data(as_text=True), "state")


# --- caller look-up -------------------------------------------------------------------------------


def test_a_known_number_shows_the_owner_profile_past_calls_and_open_slips(client, agent, department):
    owner = add_owner()
    earlier = _recorded(client)
    _settle(client, earlier, disposition="slip", department_id=department.id)
    call = _answered(client)
    page = client.get(f"/hotline/calls/{call.id}").get_data(as_text=True)
    assert owner.name in page and "湘江壹号" in page and "3栋" in page and "201" in page
    assert f"/hotline/calls/{earlier.id}" in page
    slip = db.session.scalar(select(TaskSlip))
    assert slip.number in page


@pytest.mark.parametrize("query", ["张建华", "建华", "zjh", "ZJ", "201", "3栋 201", "湘江 201", "1234"])
def test_callers_are_found_by_name_unit_or_pinyin_initials(client, agent, query):
    add_owner()
    add_owner(name="李秀英", mobile="13900009999", unit_number="502")
    call = _answered(client, number="02188886666")
    response = client.get_htmx(f"/hotline/calls/{call.id}/callers?q={query}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert "张建华" in html and "李秀英" not in html


def test_caller_search_page_works_without_javascript(client, agent):
    add_owner()
    call = _answered(client, number="02188886666")
    html = client.get(f"/hotline/calls/{call.id}/callers?q=zjh").get_data(as_text=True)
    assert "<html" in html and "张建华" in html


def test_a_found_owner_is_linked_to_the_call(client, agent):
    owner = add_owner()
    call = _answered(client, number="02188886666")
    assert client.post_form(f"/hotline/calls/{call.id}/caller", {"owner_id": owner.id}).status_code == 303
    assert db.session.get(Call, call.id).owner_id == owner.id


def test_a_new_caller_is_saved_as_an_owner_profile(client, agent):
    call = _answered(client, number="13700001111")
    response = client.post_form(f"/hotline/calls/{call.id}/new-caller",
                                {"name": "陈晓东", "mobile": "137 0000 1111", "unit_id": 0})
    assert response.status_code == 303
    owner = db.session.scalar(select(Owner).where(Owner.name == "陈晓东"))
    assert (owner.mobile, owner.name_initials) == ("13700001111", "cxd")
    assert db.session.get(Call, call.id).owner_id == owner.id


def test_a_new_caller_with_bad_input_is_answered_beside_the_fields(client, agent):
    call = _answered(client, number="13700001111")
    response = client.post_form(f"/hotline/calls/{call.id}/new-caller",
                                {"name": "", "mobile": "12345", "unit_id": 0}, htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_error(html, "name") and field_error(html, "mobile") and 'value="12345"' in html


# --- phrases --------------------------------------------------------------------------------------


@pytest.fixture
def phrases(app):
    rows = [ScriptPhrase(stage="greeting", text="您好，这里是{hotline}服务热线", sort_order=0),
            ScriptPhrase(stage="calming", text="{surname}先生/女士，您别急，慢慢说……", sort_order=1)]
    db.session.add_all(rows)
    db.session.commit()
    return rows


def test_phrases_are_grouped_by_stage_with_placeholders_filled(client, agent, phrases):
    add_owner()
    call = _answered(client)
    page = client.get(f"/hotline/calls/{call.id}").get_data(as_text=True)
    assert "您好，这里是400-800-1234服务热线" in page and "张先生/女士，您别急" in page
    assert "问候" in page and "安抚" in page and 'aria-keyshortcuts="Alt+1"' in page


def test_a_phrase_used_by_script_is_recorded_on_the_call(client, agent, phrases):
    call = _answered(client)
    response = client.post_form(f"/hotline/calls/{call.id}/phrase", {"phrase_id": phrases[0].id}, htmx=True)
    assert response.status_code == 204
    use = db.session.scalar(select(CallPhraseUse))
    assert (use.call_id, use.stage, use.text) == (call.id, "greeting", "您好，这里是400-800-1234服务热线")


def test_a_phrase_without_javascript_joins_the_notes_and_keeps_what_was_typed(client, agent, phrases):
    call = _answered(client)
    response = client.post_form(f"/hotline/calls/{call.id}/phrase", {
        "phrase_id": phrases[0].id, "description": "电梯停在 5 楼", "notes": "业主很着急", "category": "",
    })
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "电梯停在 5 楼" in html and "业主很着急\n您好，这里是400-800-1234服务热线" in html
    assert db.session.scalar(select(CallPhraseUse)) is not None


def test_an_unknown_phrase_is_refused(client, agent):
    call = _answered(client)
    assert client.post_form(f"/hotline/calls/{call.id}/phrase", {"phrase_id": "999"}).status_code == 400


def test_a_phrase_of_the_books_full_length_is_kept_on_the_call_up_to_the_records_length(client, agent):
    """A phrase may be 300 characters in the book; filled in, {hotline} makes it longer than the record of
    its use can hold, so the record keeps its first 300 characters (and PostgreSQL does not refuse it)."""
    text = "{surname}" + "您好{hotline}" * 10 + "请" * 181
    assert len(text) == 300
    phrase = ScriptPhrase(stage="greeting", text=text, sort_order=0)
    db.session.add(phrase)
    db.session.commit()
    add_owner()
    call = _answered(client)
    said = fill_phrase(text, hotline="400-800-1234", surname="张")
    assert len(said) > 300
    response = client.post_form(f"/hotline/calls/{call.id}/phrase", {"phrase_id": phrase.id}, htmx=True)
    assert response.status_code == 204
    assert db.session.scalar(select(CallPhraseUse.text)) == said[:300]


# --- record, confirm ------------------------------------------------------------------------------


def test_a_bad_record_is_answered_beside_the_fields_with_input_kept(client, agent):
    call = _answered(client)
    response = client.post_form(f"/hotline/calls/{call.id}/record", {
        "category": "weather", "caller_surname": "张" * 30, "location": "3栋", "description": "",
        "notes": "记下的话",
    }, htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "<html" not in html
    assert all(field_error(html, name) for name in ("category", "description", "caller_surname"))
    assert "记下的话" in html and 'value="3栋"' in html


def test_confirm_needs_the_tick_and_a_record(client, agent):
    call = _answered(client)
    response = client.post_form(f"/hotline/calls/{call.id}/confirm", {"read_back": "y"})
    assert response.status_code == 422 and "请先填写类别和来电内容" in response.get_data(as_text=True)
    call = _recorded(client, confirm=False)
    response = client.post_form(f"/hotline/calls/{call.id}/confirm", {})
    assert response.status_code == 422 and field_error(response.get_data(as_text=True), "read_back")
    assert db.session.get(Call, call.id).confirmed_at is None


def test_changing_the_record_after_the_read_back_asks_for_a_new_one(client, agent):
    call = _recorded(client)
    assert call.confirmed_at is not None
    client.post_form(f"/hotline/calls/{call.id}/record", {
        "category": "service_request", "caller_surname": "张", "location": "3栋 202",
        "description": "厨房水管漏水",
    })
    db.session.expire_all()
    assert db.session.get(Call, call.id).confirmed_at is None


def test_nothing_is_dispatched_before_the_read_back(client, agent, department):
    call = _recorded(client, confirm=False)
    response = _settle(client, call, disposition="slip", department_id=department.id)
    assert response.status_code == 422 and "复述" in response.get_data(as_text=True)
    assert db.session.scalar(select(TaskSlip)) is None


# --- outcomes -------------------------------------------------------------------------------------


def test_answered_on_the_spot_needs_the_answer_and_ends_a_call_taken_by_hand(client, agent):
    call = _recorded(client, category="inquiry", description="物业费怎么交")
    response = _settle(client, call, disposition="answered_on_spot", answer_text="")
    assert response.status_code == 422 and field_error(response.get_data(as_text=True), "answer_text")
    response = _settle(client, call, disposition="answered_on_spot", answer_text="管理处柜台或小程序")
    assert response.status_code == 303
    db.session.expire_all()
    call = db.session.get(Call, call.id)
    assert (call.disposition, call.answer_text, call.state, call.slip_id) == (
        "answered_on_spot", "管理处柜台或小程序", "ended", None)
    assert call.talk_seconds is not None
    assert db.session.get(AgentState, agent.id).state == "available"


@pytest.mark.parametrize(("major", "priority"), [("", Priority.ROUTINE), ("y", Priority.MAJOR)])
def test_a_slip_goes_to_the_department_with_the_deadline_by_the_rules(client, agent, department, major,
                                                                     priority):
    owner = add_owner()
    call = _recorded(client)
    response = _settle(client, call, disposition="slip", department_id=department.id, major=major)
    assert response.status_code == 303
    slip = db.session.scalar(select(TaskSlip))
    assert (slip.priority, slip.owner_id, slip.department_id, slip.source, slip.source_ref) == (
        priority.value, agent.id, department.id, "call", call.id)
    assert (slip.caller_name, slip.caller_phone, slip.location) == (owner.name, OWNER_MOBILE, "3栋 201")
    assert slip.due_at == due_at(slip.opened_at, priority, DeadlinePolicy(), working_calendar())
    assert db.session.get(Call, call.id).slip_id == slip.id


def test_a_slip_needs_a_department(client, agent):
    call = _recorded(client)
    response = client.post_form(f"/hotline/calls/{call.id}/outcome",
                                {"disposition": "slip", "department_id": 0}, htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "<html" not in html and field_error(html, "department_id")
    assert re.search(r'<input(?=[^>]*value="slip")(?=[^>]*\bchecked\b)[^>]*>', html)


def test_transferred_calls_name_the_department_and_open_no_slip(client, agent, department):
    call = _recorded(client, category="inquiry", description="想咨询装修押金")
    assert _settle(client, call, disposition="transferred", department_id=department.id).status_code == 303
    call = db.session.get(Call, call.id)
    assert (call.disposition, call.department_id, call.slip_id) == ("transferred", department.id, None)


def test_a_complaint_is_a_slip_answered_within_24_hours(client, agent, department):
    call = _recorded(client, category="complaint", description="保安态度恶劣")
    response = _settle(client, call, disposition="answered_on_spot", answer_text="抱歉")
    assert response.status_code == 422 and field_error(response.get_data(as_text=True), "disposition")
    assert _settle(client, call, disposition="complaint", department_id=department.id).status_code == 303
    slip = db.session.scalar(select(TaskSlip))
    assert slip.priority == "complaint" and slip.due_at - slip.opened_at == timedelta(hours=24)


def test_an_emergency_alerts_the_supervisors_and_the_department_at_once(client, agent, department):
    call = _recorded(client, category="emergency", description="地下车库燃气味很重")
    assert _settle(client, call, disposition="emergency", department_id=department.id).status_code == 303
    slip = db.session.scalar(select(TaskSlip))
    assert slip.priority == "emergency" and slip.due_at - slip.opened_at == timedelta(minutes=30)
    alerts = db.session.scalars(select(Notification).where(Notification.level == "urgent")).all()
    assert {a.role for a in alerts if a.role} == {"supervisor"}
    assert any(a.department_id == department.id for a in alerts)


def test_a_suggestion_is_thanked_and_logged(client, agent):
    call = _recorded(client, category="suggestion", description="建议增加儿童游乐设施")
    assert _settle(client, call, disposition="suggestion").status_code == 303
    call = db.session.get(Call, call.id)
    assert call.disposition == "suggestion" and db.session.scalar(select(TaskSlip)) is None


def test_a_settled_call_cannot_be_settled_again_or_rewritten(client, agent):
    call = _recorded(client, category="suggestion")
    _settle(client, call, disposition="suggestion")
    assert _settle(client, call, disposition="suggestion").status_code == 422
    response = client.post_form(f"/hotline/calls/{call.id}/record", {"category": "other", "description": "x"})
    assert response.status_code == 422


def test_a_record_posted_as_the_call_is_settled_does_not_rewrite_it(client, agent, monkeypatch):
    """The outcome from another tab lands between the record's checks and its write: the record is refused
    and the call stays as it was settled."""
    call = _recorded(client, category="suggestion", description="建议增加儿童游乐设施")
    save_record = hotline.save_record

    def settled_meanwhile(call_id, **record):
        hotline.dispose(call_id, db.session.get(User, agent.id), disposition=Disposition.SUGGESTION,
                        now=utcnow(), calendar=working_calendar())
        return save_record(call_id, **record)

    monkeypatch.setattr(hotline, "save_record", settled_meanwhile)
    response = client.post_form(f"/hotline/calls/{call.id}/record", {
        "category": "complaint", "caller_surname": "张", "location": "3栋 201", "description": "改成投诉",
    })
    assert response.status_code == 409 and "这个来电已处理完毕" in response.get_data(as_text=True)
    db.session.expire_all()
    call = db.session.get(Call, call.id)
    assert (call.disposition, call.category, call.description) == (
        "suggestion", "suggestion", "建议增加儿童游乐设施")


def test_my_open_items_list_the_slips_i_own_with_number_and_deadline(client, agent, department):
    call = _recorded(client)
    _settle(client, call, disposition="slip", department_id=department.id)
    slip = db.session.scalar(select(TaskSlip))
    page = client.get("/hotline/").get_data(as_text=True)
    assert slip.number in page and slip.due_at.isoformat() in page


# --- first-contact responsibility (首问责任制, seed 003 §2(3)) -----------------------------------------


def test_a_supervisor_settling_an_agents_call_leaves_the_slip_with_that_agent(client, agent, auth, login_as,
                                                                              department):
    call = _recorded(client)
    auth.logout()
    supervisor = login_as("supervisor")
    assert _settle(client, call, disposition="slip", department_id=department.id).status_code == 303
    slip = db.session.scalar(select(TaskSlip))
    assert slip.owner_id == agent.id != supervisor.id
    db.session.expire_all()
    assert db.session.get(AgentState, agent.id).state == "available"  # the call's agent is free again


MOVES = {
    "record": {"category": "complaint", "caller_surname": "王", "location": "5栋", "description": "改写"},
    "confirm": {"read_back": "y"},
    "outcome": {"disposition": "suggestion"},
    "phrase": {},
}


@pytest.mark.parametrize("move", list(MOVES))
def test_another_agent_may_not_work_on_a_call_that_is_not_theirs(client, agent, auth, login_as, phrases,
                                                                  move):
    call = _recorded(client, category="suggestion", confirm=move != "confirm")
    read_back_at = call.confirmed_at
    auth.logout()
    login_as("agent")
    data = {**MOVES[move], "phrase_id": phrases[0].id} if move == "phrase" else MOVES[move]
    assert client.post_form(f"/hotline/calls/{call.id}/{move}", data).status_code == 403
    db.session.expire_all()
    after = db.session.get(Call, call.id)
    assert (after.category, after.description, after.confirmed_at, after.disposition) == (
        "suggestion", "厨房水管漏水", read_back_at, None)
    assert db.session.scalar(select(CallPhraseUse)) is None and db.session.scalar(select(TaskSlip)) is None


# --- corrections ----------------------------------------------------------------------------------


def test_a_wrong_answer_creates_an_immediate_correction_callback_for_the_agent(client, agent):
    call = _recorded(client, category="inquiry", description="停车月卡多少钱")
    _settle(client, call, disposition="answered_on_spot", answer_text="每月 200 元")
    response = client.post_form(f"/hotline/calls/{call.id}/wrong-answer")
    correction = db.session.scalar(select(Call).where(Call.correction_of_id == call.id))
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/calls/{correction.id}")
    assert (correction.direction, correction.state, correction.agent_id, correction.called_number) == (
        "out", "ringing", agent.id, OWNER_MOBILE)
    note = db.session.scalar(select(Notification).where(Notification.kind == "correction_callback"))
    assert note.user_id == agent.id and note.level == "urgent"
    assert "纠正回拨" in client.get("/hotline/").get_data(as_text=True)
    client.post_form(f"/hotline/calls/{call.id}/wrong-answer")
    assert len(db.session.scalars(select(Call).where(Call.correction_of_id == call.id)).all()) == 1


def test_a_call_not_answered_on_the_spot_has_no_correction(client, agent, department):
    call = _recorded(client)
    _settle(client, call, disposition="slip", department_id=department.id)
    client.post_form(f"/hotline/calls/{call.id}/wrong-answer")
    assert db.session.scalar(select(Call).where(Call.correction_of_id == call.id)) is None


# --- agents' panel, confidentiality ---------------------------------------------------------------


def test_supervisors_see_agents_states_as_page_and_fragment_with_304(client, login_as, make_user):
    agent = make_user("agent", display_name="李娜")
    db.session.add(AgentState(user_id=agent.id, state="paused", since=utcnow()))
    db.session.commit()
    login_as("supervisor")
    page = client.get("/hotline/agents")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "李娜" in html and "暂停" in html
    fragment = client.get_htmx("/hotline/agents")
    body = fragment.get_data(as_text=True)
    assert 'id="agent_rows"' in body and "<html" not in body
    assert fragment.headers["ETag"] != page.headers["ETag"]
    unchanged = {"If-None-Match": fragment.headers["ETag"]}
    assert client.get_htmx("/hotline/agents", headers=unchanged).status_code == 304
    db.session.get(AgentState, agent.id).state = "available"
    db.session.get(AgentState, agent.id).since = utcnow() + timedelta(seconds=1)
    db.session.commit()
    assert client.get_htmx("/hotline/agents", headers=unchanged).status_code == 200


@pytest.mark.parametrize(("role", "shown"), [("agent", "13900001234"), ("supervisor", "13900001234"),
                                             ("admin", "13900001234"), ("staff", "139****1234"),
                                             ("sales", "139****1234")])
def test_caller_numbers_are_masked_for_roles_that_do_not_need_them(app, make_user, role, shown):
    user = make_user(role)
    with app.test_request_context():
        login_user(user)
        assert render_template_string("{{ n|phone }}", n="13900001234") == shown


def test_my_open_items_link_to_their_slips(client, login_as, make_department):
    from kiosk.clock import utcnow
    from kiosk.domain.deadlines import Priority
    from kiosk.extensions import db
    from kiosk.models.tasks import SlipSource
    from kiosk.services.directory import working_calendar
    from kiosk.services.tasks import open_slip

    agent = login_as("agent")
    slip = open_slip(source=SlipSource.CALL, category="service_request", priority=Priority.ROUTINE,
                     description="2栋 电梯运行异响", owner=agent, department=make_department(), now=utcnow(),
                     calendar=working_calendar())
    db.session.commit()
    page = client.get("/hotline/").get_data(as_text=True)
    assert f'<a href="/tasks/{slip.id}">{slip.number}</a>' in page
