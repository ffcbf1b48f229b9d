"""Slip pages: every action allowed and refused by role and state, reasons beside the field, the
timeline, conflicts answered with the fresh state, the list, the queue, a staff report, callbacks, policy."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from kiosk.clock import SHANGHAI, utcnow
from kiosk.database import begin_write
from kiosk.domain.hotline import CallCategory
from kiosk.domain.slip_lifecycle import RULES, Action, may
from kiosk.extensions import db
from kiosk.forms.tasks import STAFF_CATEGORIES
from kiosk.models.tasks import TaskSlip
from kiosk.models.visits import Visit
from kiosk.services import tasks
from tests.support import OUT_OF_YEARS, field_error
from tests.web.slips import bring_to, client_for, make_cast, open_one, pending_callback

STATUSES = ["new", "dispatched", "rejected", "accepted", "in_progress", "waiting_on_owner", "resolved",
            "closed"]
PEOPLE = ["owner", "staff", "other_staff", "supervisor", "other_agent"]
WEB_ACTIONS = [a for a in RULES if a is not Action.CALLBACK]


@pytest.fixture
def cast(app, make_department):
    return make_cast(make_department)


def action_data(action: Action, slip: TaskSlip, cast) -> dict:
    p = action.value
    data = {f"{p}-version": slip.version, f"{p}-note": "原因说明"}
    if action in (Action.DISPATCH, Action.REASSIGN):
        data[f"{p}-department_id"] = cast.department.id
    elif action is Action.PRIORITY:
        data[f"{p}-priority"] = "major"
    elif action is Action.DEADLINE:
        data[f"{p}-due"] = (utcnow() + timedelta(days=3)).astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M")
    return data


@pytest.mark.parametrize("who", PEOPLE)
@pytest.mark.parametrize("status", STATUSES)
def test_every_action_is_allowed_or_refused_by_role_and_state(app, cast, status, who):
    person = getattr(cast, who)
    client = client_for(app, person)
    wrong = []
    for action in WEB_ACTIONS:
        slip = bring_to(cast, status)
        parties = tasks.parties(slip, person)
        if not tasks.may_view(slip, person):
            expected = 403
        elif may(action, slip.status, parties):
            expected = 303
        elif slip.status not in RULES[action].sources:
            expected = 409
        else:
            expected = 403
        version = slip.version
        response = client.post_form(f"/tasks/{slip.id}/{action.value}", action_data(action, slip, cast))
        if response.status_code != expected:
            wrong.append((action.value, response.status_code, expected))
        db.session.rollback()
        stored = db.session.get(TaskSlip, slip.id)
        if expected == 303:
            assert stored.events[-1].kind == action.value and stored.events[-1].actor_id == person.id
        else:
            assert stored.status == status and stored.version == version
    assert wrong == []


def test_rejecting_without_a_reason_shows_the_message_beside_the_field(app, cast):
    slip = open_one(cast)
    client = client_for(app, cast.staff)
    for htmx in (False, True):
        response = client.post_form(f"/tasks/{slip.id}/reject", {"reject-version": slip.version,
                                                                 "reject-note": "  "}, htmx=htmx)
        assert response.status_code == 422
        assert field_error(response.get_data(as_text=True), "reject-note") == "此项必填。"
    response = client.post_form(f"/tasks/{slip.id}/reject", {"reject-version": slip.version,
                                                             "reject-note": "应由秩序部处理"})
    assert response.status_code == 303
    page = client_for(app, cast.owner).get(f"/tasks/{slip.id}").get_data(as_text=True)
    assert "已退回" in page and "应由秩序部处理" in page


def test_the_slip_page_shows_the_timeline_and_only_the_viewers_actions(app, cast):
    slip = bring_to(cast, "in_progress")
    staff_page = client_for(app, cast.staff).get(f"/tasks/{slip.id}").get_data(as_text=True)
    assert "处理记录" in staff_page and "签收" in staff_page and "赵强" in staff_page
    assert f'action="/tasks/{slip.id}/resolve"' in staff_page
    assert f'action="/tasks/{slip.id}/reassign"' not in staff_page
    boss = client_for(app, cast.supervisor)
    board_page = boss.get(f"/tasks/{slip.id}").get_data(as_text=True)
    assert f'action="/tasks/{slip.id}/reassign"' in board_page
    assert f'action="/tasks/{slip.id}/resolve"' not in board_page
    fragment = boss.get_htmx(f"/tasks/{slip.id}")
    assert fragment.get_data(as_text=True).lstrip().startswith('<div id="slip_panel"')


def test_the_caller_phone_is_masked_for_agents_who_do_not_own_the_slip(app, cast):
    slip = open_one(cast)
    assert "13812345678" in client_for(app, cast.owner).get(f"/tasks/{slip.id}").get_data(as_text=True)
    other = client_for(app, cast.other_agent).get(f"/tasks/{slip.id}").get_data(as_text=True)
    assert "13812345678" not in other and "138****5678" in other


#: Every category a slip can have: a call's (slips opened from the hotline) and those staff choose from.
SLIP_CATEGORIES = sorted({c.value for c in CallCategory} | set(STAFF_CATEGORIES))


def test_every_category_a_slip_can_have_is_shown_by_its_chinese_name(app, cast):
    client = client_for(app, cast.owner)
    for category in SLIP_CATEGORIES:
        slip = open_one(cast)
        slip.category = category
        db.session.commit()
        page = client.get(f"/tasks/{slip.id}").get_data(as_text=True)
        shown = re.search(r"<dt>类别</dt><dd>([^<]*)</dd>", page).group(1)
        assert re.search(r"[\u4e00-\u9fff]", shown) and category not in shown, (category, shown)


def test_a_stale_form_gets_409_with_the_fresh_state_and_changes_nothing(app, cast):
    slip = open_one(cast)
    first, second = client_for(app, cast.staff), client_for(app, cast.staff)
    seen = slip.version  # both people opened the slip at this version
    assert first.post_form(f"/tasks/{slip.id}/accept", {"accept-version": seen}).status_code == 303
    for htmx in (False, True):
        response = second.post_form(f"/tasks/{slip.id}/reject", {"reject-version": seen,
                                                                 "reject-note": "不归我们"}, htmx=htmx)
        assert response.status_code == 409
        html = response.get_data(as_text=True)
        assert "刚被其他人修改" in html and "已签收" in html
    db.session.rollback()
    assert db.session.get(TaskSlip, slip.id).status == "accepted"


def test_a_reason_is_required_to_change_priority_or_deadline(app, cast):
    slip = open_one(cast)
    client = client_for(app, cast.supervisor)
    for action in (Action.PRIORITY, Action.DEADLINE, Action.REASSIGN):
        data = action_data(action, slip, cast) | {f"{action.value}-note": ""}
        response = client.post_form(f"/tasks/{slip.id}/{action.value}", data)
        assert response.status_code == 422, action
        assert field_error(response.get_data(as_text=True), f"{action.value}-note")


def test_a_deadline_in_the_past_is_refused_beside_the_field(app, cast):
    slip = open_one(cast)
    data = action_data(Action.DEADLINE, slip, cast) | {"deadline-due": "2020-01-01T09:00"}
    response = client_for(app, cast.supervisor).post_form(f"/tasks/{slip.id}/deadline", data)
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "deadline-due") == "新的截止时间必须晚于现在。"


def test_a_deadline_beyond_the_calendar_is_refused_beside_the_field(app, cast):
    slip = open_one(cast)
    data = action_data(Action.DEADLINE, slip, cast) | {"deadline-due": "9999-12-31T23:59"}
    response = client_for(app, cast.supervisor).post_form(f"/tasks/{slip.id}/deadline", data)
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "deadline-due") == OUT_OF_YEARS


@pytest.mark.parametrize("bad", [{"accept-version": "abc"}, {}, {"accept-version": "99999999999999999999"}])
def test_garbage_in_the_form_never_breaks_the_page(app, cast, bad):
    slip = open_one(cast)
    response = client_for(app, cast.staff).post_form(f"/tasks/{slip.id}/accept", bad)
    assert response.status_code in (409, 422)


def test_unknown_actions_and_slips_are_404(app, cast):
    slip = open_one(cast)
    client = client_for(app, cast.supervisor)
    assert client.post_form(f"/tasks/{slip.id}/explode", {}).status_code == 404
    assert client.post_form(f"/tasks/{slip.id}/callback", {}).status_code == 404
    assert client.get("/tasks/999999").status_code == 404


def test_the_list_filters_and_searches_as_page_and_fragment(app, cast):
    leak = open_one(cast)
    begin_write()
    quiet = tasks.open_slip(source="staff", category="cleaning", priority="major", description="大堂地面湿滑",
                            owner=cast.owner, now=utcnow(), calendar=tasks.working_calendar())
    db.session.commit()
    client = client_for(app, cast.supervisor)
    page = client.get("/tasks/?q=水管").get_data(as_text=True)
    assert leak.number in page and quiet.number not in page
    fragment = client.get_htmx("/tasks/?priority=major").get_data(as_text=True)
    assert fragment.lstrip().startswith('<tbody id="slip_rows">')
    assert quiet.number in fragment and leak.number not in fragment
    assert quiet.number in client.get("/tasks/?status=new").get_data(as_text=True)
    by_department = client.get(f"/tasks/?department={cast.department.id}").get_data(as_text=True)
    assert leak.number in by_department and quiet.number not in by_department
    assert client.get("/tasks/?status=nonsense&department=x&overdue=1").status_code == 200


def test_the_overdue_filter_shows_running_slips_past_their_deadline(app, cast):
    late = open_one(cast, now=utcnow() - timedelta(days=10))
    fresh = open_one(cast)
    page = client_for(app, cast.supervisor).get("/tasks/?overdue=1").get_data(as_text=True)
    assert late.number in page and fresh.number not in page


def test_department_staff_accept_and_resolve_on_their_queue(app, cast):
    slip = open_one(cast)
    elsewhere = open_one(cast)
    tasks.reassign(elsewhere.id, actor=cast.supervisor, now=utcnow(), department=cast.other_department,
                   reason="改派秩序部")
    client = client_for(app, cast.staff)
    page = client.get("/tasks/queue").get_data(as_text=True)
    assert f'aria-label="{slip.number}"' in page and elsewhere.number not in page
    assert client.get_htmx("/tasks/queue").get_data(as_text=True).lstrip().startswith('<div id="queue_rows"')
    response = client.post_form(f"/tasks/{slip.id}/accept", {"accept-version": 1,
                                                             "accept-next": "/tasks/queue"})
    assert response.status_code == 303 and response.headers["Location"] == "/tasks/queue"
    db.session.rollback()
    version = db.session.get(TaskSlip, slip.id).version
    response = client.post_form(f"/tasks/{slip.id}/resolve", {"resolve-version": version,
                                                               "resolve-note": "已更换阀门",
                                                               "resolve-next": "https://evil.example/"})
    assert response.status_code == 303 and response.headers["Location"] == f"/tasks/{slip.id}"
    assert f'aria-label="{slip.number}"' not in client.get("/tasks/queue").get_data(as_text=True)


def test_staff_open_a_slip_from_the_new_slip_form(app, cast):
    client = client_for(app, cast.staff)
    assert client.get("/tasks/new").status_code == 200
    bad = client.post_form("/tasks/new", {"category": "repair", "priority": "routine", "department_id": 0,
                                          "location": "", "description": "电梯异响"}, htmx=True)
    assert bad.status_code == 422 and field_error(bad.get_data(as_text=True), "location") == "此项必填。"
    assert "电梯异响" in bad.get_data(as_text=True)
    response = client.post_form("/tasks/new", {"category": "repair", "priority": "emergency",
                                               "department_id": cast.department.id, "location": "B座 电梯",
                                               "description": "电梯异响", "caller_phone": "138-1234-5678"})
    assert response.status_code == 303
    db.session.rollback()
    slip = db.session.scalar(select(TaskSlip).where(TaskSlip.description == "电梯异响"))
    assert (slip.source, slip.status, slip.owner_id, slip.department_id) == (
        "staff", "dispatched", cast.staff.id, cast.department.id)


def complaint_visit() -> Visit:
    begin_write()
    visit = Visit(place="service_centre", purpose="complaint", name="赵女士", mobile="13912345678",
                  party_size=2, badge_code="V7QX2K", signed_in_at=utcnow())
    db.session.add(visit)
    db.session.commit()
    return visit


def test_a_complaint_visit_becomes_a_complaint_slip_from_the_visitor_log(app, cast):
    visit = complaint_visit()
    agent = client_for(app, cast.owner)
    log = agent.get("/visitors/").get_data(as_text=True)
    assert f'href="/tasks/new?visit={visit.id}"' in log
    form = agent.get(f"/tasks/new?visit={visit.id}").get_data(as_text=True)
    assert 'value="赵女士"' in form and "来自来访登记：赵女士" in form
    assert re.search(r'<option (selected value="complaint"|value="complaint" selected)', form)
    assert "13912345678" not in form  # the number comes from the visit, not through the page
    response = agent.post_form("/tasks/new", {
        "visit_id": str(visit.id), "category": "complaint", "priority": "complaint",
        "department_id": cast.department.id, "location": "客服中心", "caller_name": "赵女士",
        "description": "物业费账单有误，当面投诉"})
    assert response.status_code == 303
    db.session.rollback()
    slip = db.session.scalar(select(TaskSlip).where(TaskSlip.description == "物业费账单有误，当面投诉"))
    assert (slip.source, slip.source_ref, slip.caller_phone, slip.owner_id) == (
        "visit", visit.id, "13912345678", cast.owner.id)
    assert "来访" in agent.get(f"/tasks/{slip.id}").get_data(as_text=True)


@pytest.mark.parametrize("visit", ["999999", "abc", "-1", "9" * 40])
def test_an_unknown_visit_opens_an_ordinary_slip(app, cast, visit):
    client = client_for(app, cast.staff)
    assert client.get(f"/tasks/new?visit={visit}").status_code == 200
    response = client.post_form("/tasks/new", {"visit_id": visit, "category": "repair",
                                               "priority": "routine", "department_id": 0, "location": "B座",
                                               "description": "门禁坏了"})
    assert response.status_code == 303
    db.session.rollback()
    slip = db.session.scalar(select(TaskSlip).where(TaskSlip.description == "门禁坏了"))
    assert (slip.source, slip.source_ref) == ("staff", None)


def test_salespeople_get_no_slip_link_in_the_visitor_log(app, cast, make_user):
    complaint_visit()
    page = client_for(app, make_user("sales")).get("/visitors/").get_data(as_text=True)
    assert "/tasks/new?visit=" not in page


def test_the_agent_records_a_callback_from_their_list(app, cast):
    slip = bring_to(cast, "resolved")
    callback = pending_callback(slip.id)
    client = client_for(app, cast.owner)
    page = client.get("/tasks/callbacks").get_data(as_text=True)
    assert slip.number in page
    assert client.get_htmx("/tasks/callbacks").get_data(as_text=True).lstrip().startswith(
        '<div id="callback_rows"')
    prefix = f"cb{callback.id}"
    bad = client.post_form(f"/tasks/callbacks/{callback.id}", {f"{prefix}-version": callback.version,
                                                               f"{prefix}-result": "unsatisfied"})
    assert bad.status_code == 422 and field_error(bad.get_data(as_text=True), f"{prefix}-note")
    response = client.post_form(f"/tasks/callbacks/{callback.id}", {f"{prefix}-version": callback.version,
                                                                    f"{prefix}-result": "satisfied"})
    assert response.status_code == 303
    again = client.post_form(f"/tasks/callbacks/{callback.id}", {f"{prefix}-version": callback.version,
                                                                 f"{prefix}-result": "satisfied"})
    assert again.status_code == 409
    db.session.rollback()
    assert db.session.get(TaskSlip, slip.id).status == "closed"


def test_only_the_owner_or_a_supervisor_records_a_slips_callback(app, cast):
    slip = bring_to(cast, "resolved")
    callback = pending_callback(slip.id)
    prefix = f"cb{callback.id}"
    data = {f"{prefix}-version": callback.version, f"{prefix}-result": "satisfied"}
    response = client_for(app, cast.other_agent).post_form(f"/tasks/callbacks/{callback.id}", data)
    assert response.status_code == 403


def test_the_admin_edits_the_deadline_policy(app, make_user, auth, client):
    admin = make_user("admin")
    auth.login(admin.username)
    assert "1" in client.get("/tasks/policy").get_data(as_text=True)
    fields = {"routine_working_days": 2, "major_working_days": 3, "complaint_hours": 24,
              "emergency_minutes": 45, "incident_report_working_days": 2, "near_due_fraction": 0.25,
              "near_due_minutes": "", "callback_attempts": 5, "callback_retry_minutes": 30}
    bad = client.post_form("/tasks/policy", fields | {"near_due_fraction": 3, "callback_attempts": 0},
                           htmx=True)
    assert bad.status_code == 422 and field_error(bad.get_data(as_text=True), "near_due_fraction")
    assert field_error(bad.get_data(as_text=True), "callback_attempts") == "应在 1 到 10 之间。"
    assert client.post_form("/tasks/policy", fields).status_code == 303
    db.session.rollback()
    policy = tasks.current_policy()
    assert (policy.routine_working_days, policy.emergency_minutes, policy.near_due_fraction) == (2, 45, 0.25)
    retry = tasks.current_retry_policy()
    assert (retry.max_attempts, retry.retry_after) == (5, timedelta(minutes=30))
    assert 'value="5"' in client.get("/tasks/policy").get_data(as_text=True)
