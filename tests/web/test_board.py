"""The supervisor board: panels as page and fragment, 304 on an unchanged poll and 200 after a change,
actions from the board; escalation and near-due notices from cron; periodic callbacks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from kiosk.clock import utcnow
from kiosk.extensions import db
from kiosk.models.callbacks import Callback
from kiosk.models.notifications import Notification
from kiosk.models.property import Building, Owner, Project, Unit
from kiosk.models.tasks import TaskEvent, TaskSlip
from kiosk.services import tasks
from tests.web.slips import client_for, make_cast, open_one

PANELS = ["unassigned", "near_due", "overdue", "by_department", "activity"]


@pytest.fixture
def cast(app, make_department):
    return make_cast(make_department)


@pytest.fixture
def boss(app, cast):
    return client_for(app, cast.supervisor)


def test_the_board_is_the_supervisors_home(app, cast):
    client = client_for(app, cast.supervisor)
    assert client.get("/").headers["Location"].endswith("/supervisor/")


def test_the_board_page_shows_every_panel(boss, cast):
    unassigned = open_one(cast, dispatched=False)
    late = open_one(cast, now=utcnow() - timedelta(days=5))
    page = boss.get("/supervisor/").get_data(as_text=True)
    for name in PANELS:
        assert f'id="panel_{name}"' in page
    assert unassigned.number in page and late.number in page and "工程部" in page
    wall = boss.get("/supervisor/wall").get_data(as_text=True)
    assert "board-wall" in wall and late.number in wall and 'class="topbar"' not in wall


@pytest.mark.parametrize("name", PANELS)
def test_each_panel_answers_as_a_fragment_and_304_until_something_changes(boss, cast, name):
    open_one(cast)
    first = boss.get_htmx(f"/supervisor/panels/{name}")
    assert first.status_code == 200
    assert first.get_data(as_text=True).lstrip().startswith('<section class="panel')
    assert f'id="panel_{name}"' in first.get_data(as_text=True)
    etag = first.headers["ETag"]
    unchanged = boss.get_htmx(f"/supervisor/panels/{name}", headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.get_data() == b""
    open_one(cast, dispatched=False)
    changed = boss.get_htmx(f"/supervisor/panels/{name}", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_an_unchanged_polls_304_carries_its_caching_and_security_headers_and_no_body_headers(boss, cast):
    open_one(cast)
    etag = boss.get_htmx("/supervisor/panels/unassigned").headers["ETag"]
    unchanged = boss.get_htmx("/supervisor/panels/unassigned", headers={"If-None-Match": etag})
    assert unchanged.status_code == 304
    assert unchanged.headers["ETag"] == etag and unchanged.headers["Cache-Control"] == "no-store"
    assert set(unchanged.headers["Vary"].split(", ")) == {"HX-Request", "Cookie"}
    assert unchanged.headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" in unchanged.headers
    assert "Content-Type" not in unchanged.headers and "Content-Length" not in unchanged.headers
    among_others = boss.get_htmx("/supervisor/panels/unassigned", headers={"If-None-Match": f'"a", {etag}'})
    assert among_others.status_code == 304


def test_a_panel_opened_directly_leads_to_the_board(boss):
    assert boss.get("/supervisor/panels/unassigned").headers["Location"].endswith("/supervisor/")
    assert boss.get_htmx("/supervisor/panels/nothing").status_code == 404


def test_time_passing_into_overdue_changes_the_version(app, cast):
    from kiosk.services import board

    slip = open_one(cast)
    before = board.board_version(utcnow())
    after = board.board_version(slip.due_at + timedelta(minutes=1))
    assert before != after


def test_time_passing_into_near_due_changes_the_version_and_nothing_else_does(app, cast):
    from kiosk.services import board

    slip = open_one(cast)
    assert board.board_version(utcnow()) == board.board_version(slip.warn_at - timedelta(minutes=1))
    assert board.board_version(utcnow()) != board.board_version(slip.warn_at + timedelta(minutes=1))


def test_the_supervisor_dispatches_from_the_board(boss, cast):
    slip = open_one(cast, dispatched=False)
    response = boss.post_form(f"/tasks/{slip.id}/dispatch", {
        "dispatch-version": slip.version, "dispatch-department_id": cast.department.id,
        "dispatch-next": "/supervisor/"})
    assert response.status_code == 303 and response.headers["Location"] == "/supervisor/"
    db.session.rollback()
    stored = db.session.get(TaskSlip, slip.id)
    assert stored.status == "dispatched" and stored.department_id == cast.department.id
    assert slip.number not in boss.get_htmx("/supervisor/panels/unassigned").get_data(as_text=True)


def test_choosing_a_slip_on_the_board_shows_its_actions_there(boss, cast):
    slip = open_one(cast)
    fragment = boss.get_htmx(f"/supervisor/?slip={slip.id}").get_data(as_text=True)
    assert fragment.lstrip().startswith('<aside id="board_actions"')
    for action in ("reassign", "priority", "deadline"):
        assert f'action="/tasks/{slip.id}/{action}"' in fragment
    assert 'value="/supervisor/"' in fragment
    response = boss.post_form(f"/tasks/{slip.id}/priority", {
        "priority-version": slip.version, "priority-priority": "emergency", "priority-note": "业主家中漏电",
        "priority-next": "/supervisor/"})
    assert response.status_code == 303
    db.session.rollback()
    event = db.session.get(TaskSlip, slip.id).events[-1]
    assert (event.kind, event.actor_id) == ("priority", cast.supervisor.id) and "业主家中漏电" in event.note


def test_escalate_overdue_records_once_and_tells_supervisor_assignee_and_owner(app, runner, cast):
    slip = open_one(cast, now=utcnow() - timedelta(days=5))
    tasks.accept(slip.id, actor=cast.staff, now=utcnow())
    for _ in range(2):
        result = runner.invoke(args=["escalate-overdue"])
        assert result.exit_code == 0, result.output
    db.session.rollback()
    events = db.session.scalars(select(TaskEvent).where(TaskEvent.kind == "escalated")).all()
    assert len(events) == 1
    notes = db.session.scalars(select(Notification).where(Notification.kind.in_(
        ["slip_overdue", "slip_escalated"]))).all()
    assert {(n.user_id, n.role) for n in notes} == {(cast.staff.id, None), (cast.owner.id, None),
                                                   (None, "supervisor")}


def test_near_due_is_told_once(app, cast):
    slip = open_one(cast)
    moment = slip.warn_at + timedelta(minutes=1)
    assert tasks.notify_deadlines(moment) == (1, 0)
    assert tasks.notify_deadlines(moment) == (0, 0)
    assert tasks.notify_deadlines(slip.due_at + timedelta(minutes=1)) == (0, 1)


def test_a_paused_slip_does_not_escalate(app, cast):
    slip = open_one(cast, now=utcnow() - timedelta(days=5))
    tasks.accept(slip.id, actor=cast.staff, now=utcnow())
    tasks.wait_on_owner(slip.id, actor=cast.staff, now=utcnow(), reason="业主出差")
    assert tasks.notify_deadlines(utcnow()) == (0, 0)


def _owner_of(project_delivered: date) -> Owner:
    project = Project(name=f"楼盘{project_delivered}", delivered_on=project_delivered)
    unit = Unit(building=Building(project=project, name="1栋"), number="101")
    owner = Owner(name="张建华", mobile="13900001111", unit=unit)
    db.session.add(owner)
    db.session.commit()
    return owner


def test_schedule_callbacks_monthly_in_the_first_year_quarterly_after_and_idempotent(app, runner, cast):
    today = utcnow()
    young = _owner_of((today - timedelta(days=100)).date())
    old = _owner_of((today - timedelta(days=800)).date())
    added = []
    for _ in range(2):
        result = runner.invoke(args=["schedule-callbacks"])
        assert result.exit_code == 0, result.output
        added.append(result.output)
    db.session.rollback()
    assert db.session.scalar(select(func.count(Callback.id))) == 2
    # the count it reports is the rows it added, on every database
    assert added == ["Periodic callbacks scheduled: 2.\n", "Periodic callbacks scheduled: 0.\n"]
    young_callback = db.session.scalar(select(Callback).where(Callback.property_owner_id == young.id))
    # Due today: the monthly callbacks since delivery are overdue and nothing was recorded.
    assert young_callback.due_at.date() <= today.date() + timedelta(days=1)
    tasks.record_callback(young_callback.id, actor=cast.owner, now=today, result="satisfied")
    tasks.schedule_periodic_callbacks(today)
    nxt = db.session.scalar(select(Callback).where(Callback.property_owner_id == young.id,
                                                   Callback.status == "pending"))
    assert 28 <= (nxt.due_at - today).days <= 31
    old_callback = db.session.scalar(select(Callback).where(Callback.property_owner_id == old.id))
    tasks.record_callback(old_callback.id, actor=cast.owner, now=today, result="satisfied")
    tasks.schedule_periodic_callbacks(today)
    nxt = db.session.scalar(select(Callback).where(Callback.property_owner_id == old.id,
                                                   Callback.status == "pending"))
    assert 88 <= (nxt.due_at - today).days <= 92
    assert nxt in tasks.my_callbacks(cast.other_agent)  # periodic callbacks are shared by the agents


def test_the_callbacks_list_highlights_overdue_periodic_callbacks(app, cast):
    _owner_of(date(2025, 1, 1))
    tasks.schedule_periodic_callbacks(datetime(2026, 11, 23, 2, 0, tzinfo=UTC))
    page = client_for(app, cast.owner).get("/tasks/callbacks").get_data(as_text=True)
    assert "定期回访" in page and "张建华" in page and 'class="callback overdue"' in page
