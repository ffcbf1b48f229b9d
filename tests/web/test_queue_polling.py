"""A department's queue refreshes itself: its list polls, 304 while nothing in the queue changed, 200 when a
slip arrives, moves or leaves, or a deadline state turns; the polls do not keep an idle session alive."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from kiosk.clock import utcnow
from kiosk.extensions import db
from kiosk.models.tasks import TaskSlip
from kiosk.services import tasks
from tests.web.slips import client_for, make_cast, open_one


@pytest.fixture
def cast(app, make_department):
    return make_cast(make_department)


@pytest.fixture
def staff(app, cast):
    return client_for(app, cast.staff)


def _poll(client, etag: str | None = None):
    return client.get_htmx("/tasks/queue", headers={"If-None-Match": etag} if etag else {})


def test_the_queue_page_polls_its_list(staff, cast):
    slip = open_one(cast)
    page = staff.get("/tasks/queue")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "ETag" not in page.headers
    assert 'id="queue_rows"' in html and "data-poll" in html and 'hx-get="/tasks/queue"' in html
    assert "js/poll.js" in html and slip.number in html
    fragment = _poll(staff)
    assert fragment.status_code == 200 and fragment.headers["ETag"]
    assert fragment.get_data(as_text=True).lstrip().startswith('<div id="queue_rows"')


def test_the_queue_is_304_until_a_slip_arrives_changes_or_leaves(staff, cast):
    first = open_one(cast)
    etag = _poll(staff).headers["ETag"]
    assert _poll(staff, etag).status_code == 304

    other = open_one(cast, dispatched=False)  # not for this department
    tasks.dispatch(other.id, actor=cast.supervisor, now=utcnow(), department=cast.other_department)
    assert _poll(staff, etag).status_code == 304

    arrived = open_one(cast)
    response = _poll(staff, etag)
    assert response.status_code == 200 and arrived.number in response.get_data(as_text=True)
    etag = response.headers["ETag"]

    tasks.accept(first.id, actor=cast.staff, now=utcnow())
    response = _poll(staff, etag)
    assert response.status_code == 200 and "已签收" in response.get_data(as_text=True)
    etag = response.headers["ETag"]

    slip = db.session.get(TaskSlip, arrived.id)
    tasks.reassign(slip.id, actor=cast.supervisor, now=utcnow(), department=cast.other_department,
                   assignee=None, reason="属秩序部")
    response = _poll(staff, etag)
    assert response.status_code == 200 and arrived.number not in response.get_data(as_text=True)


def test_a_slip_turning_near_due_or_overdue_changes_the_version(app, cast):
    slip = open_one(cast)
    department = cast.department.id
    near_due = slip.warn_at + timedelta(minutes=1)
    assert tasks.queue_version(department, utcnow()) != tasks.queue_version(department, near_due)
    assert tasks.queue_version(department, slip.warn_at + timedelta(minutes=1)) != tasks.queue_version(
        department, slip.due_at + timedelta(minutes=1))


def test_staff_without_a_department_see_an_empty_queue(app, make_user):
    from tests.support import PASSWORD

    user = make_user("staff")
    client = app.test_client()
    client.post_form("/auth/login", {"username": user.username, "password": PASSWORD})
    response = _poll(client)
    assert response.status_code == 200 and "本部门暂无待处理的任务单" in response.get_data(as_text=True)


def test_the_polls_do_not_count_as_activity_but_opening_the_page_does(staff):
    idle_since = int(time.time()) - 60
    with staff.session_transaction() as session:
        session["seen_at"] = idle_since
    _poll(staff)
    with staff.session_transaction() as session:
        assert session["seen_at"] == idle_since
    staff.get("/tasks/queue")
    with staff.session_transaction() as session:
        assert session["seen_at"] > idle_since
