"""In-app notifications: to a user, a role or a department; the bell polls with 304; mark as read."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

from kiosk.clock import utcnow
from kiosk.extensions import db
from kiosk.models.notifications import NotificationRead
from kiosk.services.notifications import bell_state, mark_read, notify
from tests.support import statements_sent


def _notify(**target):
    notify(kind="test", title=target.pop("title", "3栋电梯故障"), now=utcnow(), **target)
    db.session.commit()


def _badge(html: str) -> int:
    match = re.search(r'<span class="badge">(\d+)</span>', html)
    return int(match.group(1)) if match else 0


def test_a_notification_reaches_its_user_role_and_department_only(app, make_user, make_department):
    engineering, hr = make_department(), make_department()
    agent = make_user("agent", department=engineering)
    supervisor = make_user("supervisor", department=hr)
    _notify(user=agent)
    _notify(role="supervisor")
    _notify(department=engineering)
    assert bell_state(agent)[1] == 2
    assert bell_state(supervisor)[1] == 1


def test_bell_shows_the_unread_count_on_every_staff_page(client, login_as):
    user = login_as("agent")
    _notify(user=user)
    assert _badge(client.get("/workbench").get_data(as_text=True)) == 1


def test_unchanged_bell_poll_answers_304_and_a_change_answers_200(client, login_as):
    user = login_as("agent")
    first = client.get_htmx("/notifications/bell")
    assert first.status_code == 200 and first.headers["ETag"]
    again = client.get_htmx("/notifications/bell", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""
    _notify(user=user)
    changed = client.get_htmx("/notifications/bell", headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and _badge(changed.get_data(as_text=True)) == 1


def test_list_page_and_fragment_and_mark_one_read(client, login_as):
    user = login_as("agent")
    _notify(user=user, title="A栋停水通知")
    _notify(user=user, title="B栋停电通知")
    page = client.get("/notifications/").get_data(as_text=True)
    assert "A栋停水通知" in page and "<html" in page
    fragment = client.get_htmx("/notifications/").get_data(as_text=True)
    assert fragment.lstrip().startswith('<ul id="notification_list"')
    note_id = re.search(r'name="id" value="(\d+)"', fragment).group(1)
    response = client.post_form("/notifications/read", {"id": note_id}, htmx=True)
    assert response.status_code == 200
    assert response.get_data(as_text=True).count('class="note level-info unread"') == 1


def test_mark_all_read_clears_the_bell(client, login_as):
    user = login_as("agent")
    for _ in range(3):
        _notify(user=user)
    assert client.post_form("/notifications/read").status_code == 303
    assert _badge(client.get("/notifications/bell").get_data(as_text=True)) == 0


def test_two_tabs_marking_all_read_at_once_store_each_read_once(app, make_user):
    user = make_user("agent")
    for _ in range(5):
        _notify(user=user)
    user_id = user.id

    def mark(_):
        with app.app_context():
            from kiosk.models.people import User

            return mark_read(db.session.get(User, user_id), utcnow())

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(mark, range(8)))
    db.session.rollback()
    assert db.session.query(NotificationRead).filter_by(user_id=user_id).count() == 5


def test_the_board_page_s_bell_counts_a_new_notification_at_its_next_load(client, login_as, make_department):
    """The board page reads the bell with its panels' versions (board.page_versions): its number is still
    the person's own, up to date at each load, for their role, their department and themselves."""
    department = make_department()
    supervisor = login_as("supervisor", department=department)
    assert _badge(client.get("/supervisor/").get_data(as_text=True)) == 0
    _notify(role="supervisor")
    assert _badge(client.get("/supervisor/").get_data(as_text=True)) == 1
    _notify(department=department)
    _notify(user=supervisor)
    _notify(role="agent")
    assert _badge(client.get("/supervisor/").get_data(as_text=True)) == 3
    mark_read(supervisor, utcnow())
    assert _badge(client.get("/supervisor/").get_data(as_text=True)) == 0


def test_the_board_page_reads_its_bell_in_the_statement_of_its_panels_versions(client, login_as):
    """One statement fewer on the supervisor's page: the bell's columns ride on the versions' statement."""
    login_as("supervisor")
    with statements_sent(db.engine) as seen:
        assert client.get("/supervisor/").status_code == 200
    reading_notifications = [statement for statement in seen if "FROM notifications" in statement]
    assert len(reading_notifications) == 1 and "agent_states" in reading_notifications[0]
