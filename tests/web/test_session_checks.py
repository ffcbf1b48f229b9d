"""The session's user comes from the signed session, checked by one column in the poll's own statement:
an unchanged board poll runs exactly one statement, and a revoked, disabled or re-passworded account,
or one that lost its role, is refused at its very next poll."""

from __future__ import annotations

import pytest
from flask import session
from flask_login import current_user

from kiosk.clock import utcnow
from kiosk.extensions import db
from kiosk.models.people import Role, User
from kiosk.services import accounts
from kiosk.services.notifications import notify
from kiosk.web.sessions import USER_ID, Identity, SessionUser, adopt
from tests.support import statements_sent
from tests.web.slips import client_for, make_cast, open_one

POLL = "/supervisor/panels/unassigned"


@pytest.fixture
def cast(app, make_department):
    return make_cast(make_department)


@pytest.fixture
def boss(app, cast):
    open_one(cast, dispatched=False)
    return client_for(app, cast.supervisor)


def statements():
    """The statements sent, but SQLite's explicit transaction start (``kiosk.database``)."""
    return statements_sent(db.engine, lambda statement: not statement.startswith("BEGIN"))


def etag_of(client) -> str:
    first = client.get_htmx(POLL)
    assert first.status_code == 200
    return first.headers["ETag"]


def poll(client, etag: str):
    return client.get_htmx(POLL, headers={"If-None-Match": etag})


def ended(response) -> bool:
    """The login page, as htmx is told to open it (the poll swaps nothing)."""
    return response.status_code == 401 and "/auth/login" in response.headers["HX-Redirect"]


@pytest.mark.parametrize("panel", ["agents", "live_calls", "ringing", "unassigned", "overdue", "near_due",
                                   "incidents", "visitors", "by_department", "activity"])
def test_an_unchanged_poll_runs_one_statement_the_version_check(boss, panel):
    path = f"/supervisor/panels/{panel}"
    etag = boss.get_htmx(path).headers["ETag"]
    with statements() as seen:
        answer = boss.get_htmx(path, headers={"If-None-Match": etag})
    assert answer.status_code == 304
    assert len(seen) == 1 and "session_version" in seen[0]


def test_a_deactivated_account_is_signed_out_at_its_next_poll(boss, cast):
    etag = etag_of(boss)
    assert poll(boss, etag).status_code == 304
    accounts.update_user(cast.supervisor, display_name="陈静", roles=[Role.SUPERVISOR], department=None,
                         active=False, extension=None, new_password=None)
    assert ended(poll(boss, etag))
    assert ended(poll(boss, etag))  # and stays out


def test_a_new_password_set_by_the_admin_ends_the_session_at_once(boss, cast):
    etag = etag_of(boss)
    accounts.update_user(cast.supervisor, display_name="陈静", roles=[Role.SUPERVISOR], department=None,
                         active=True, extension=None, new_password="another-pass-2026")
    assert ended(poll(boss, etag))


def test_a_password_changed_elsewhere_ends_this_session(boss, cast):
    etag = etag_of(boss)
    accounts.change_password(cast.supervisor, "another-pass-2026")
    assert ended(poll(boss, etag))


def test_signing_out_everywhere_ends_the_polling_session(boss, cast):
    etag = etag_of(boss)
    accounts.sign_out_everywhere(cast.supervisor)
    assert ended(poll(boss, etag))


def test_a_supervisor_who_loses_the_role_is_refused_at_the_next_poll(boss, cast):
    etag = etag_of(boss)
    accounts.update_user(cast.supervisor, display_name="陈静", roles=[Role.AGENT], department=None,
                         active=True, extension=None, new_password=None)
    assert poll(boss, etag).status_code == 403
    assert boss.get("/supervisor/").status_code == 403
    assert boss.get("/hotline/").status_code == 200  # still signed in, with the new role


def test_a_role_change_that_keeps_access_refreshes_the_session_and_polls_on(boss, cast):
    etag = etag_of(boss)
    accounts.update_user(cast.supervisor, display_name="陈静", roles=[Role.SUPERVISOR, Role.AGENT],
                         department=None, active=True, extension=None, new_password=None)
    assert poll(boss, etag).status_code == 304  # the account is loaded once and the session refreshed
    with statements() as seen:
        assert poll(boss, etag).status_code == 304
    assert len(seen) == 1


def test_an_unrelated_change_to_the_account_keeps_the_session_cheap(boss, cast):
    etag = etag_of(boss)
    accounts.update_user(cast.supervisor, display_name="陈静主管", roles=[Role.SUPERVISOR], department=None,
                         active=True, extension="8001", new_password=None)
    with statements() as seen:
        assert poll(boss, etag).status_code == 304
    assert len(seen) == 1


def test_a_session_signed_before_the_session_version_is_checked_the_ordinary_way(boss, cast):
    etag = etag_of(boss)
    with boss.session_transaction() as session:
        del session["sv"], session["roles"]
    assert poll(boss, etag).status_code == 304
    with boss.session_transaction() as session:
        assert session["roles"] == ["supervisor"]  # taken from the account on that request
    accounts.sign_out_everywhere(cast.supervisor)
    assert ended(poll(boss, etag))


PAGE = "/supervisor/"


def page_ended(response) -> bool:
    return response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_the_board_page_runs_one_statement_while_its_session_stands(boss):
    """The kept board page is admitted on the session's roles and checks the session in the statement of
    its panels' versions, which brings the name and the bell for the top bar: the account is not loaded."""
    assert boss.get(PAGE).status_code == 200  # renders the panels, kept from now on
    with statements() as seen:
        page = boss.get(PAGE)
    assert page.status_code == 200 and "陈静" in page.get_data(as_text=True)
    assert len(seen) == 1 and "session_version" in seen[0] and "FROM notifications" in seen[0]


@pytest.mark.parametrize("change", [
    lambda user: accounts.update_user(user, display_name="陈静", roles=[Role.SUPERVISOR], department=None,
                                      active=False, extension=None, new_password=None),
    lambda user: accounts.change_password(user, "another-pass-2026"),
    accounts.sign_out_everywhere,
], ids=["deactivated", "new password", "signed out everywhere"])
def test_an_ended_session_is_signed_out_at_its_next_board_page(boss, cast, change):
    assert boss.get(PAGE).status_code == 200
    change(cast.supervisor)
    assert page_ended(boss.get(PAGE))
    assert page_ended(boss.get("/supervisor/wall"))


def test_the_board_page_shows_a_new_name_at_once(boss, cast):
    assert boss.get(PAGE).status_code == 200
    accounts.update_user(cast.supervisor, display_name="陈静主管", roles=[Role.SUPERVISOR], department=None,
                         active=True, extension="8001", new_password=None)
    assert "陈静主管" in boss.get(PAGE).get_data(as_text=True)


def test_a_new_role_counts_in_the_board_pages_bell_at_once(boss, cast):
    """The session's roles are stale until this very request: the bell is read again for the new ones."""
    notify(kind="test", title="3栋电梯故障", now=utcnow(), role=Role.AGENT)
    db.session.commit()
    assert boss.get(PAGE).status_code == 200
    accounts.update_user(cast.supervisor, display_name="陈静", roles=[Role.SUPERVISOR, Role.AGENT],
                         department=None, active=True, extension=None, new_password=None)
    assert '<span class="badge">1</span>' in boss.get(PAGE).get_data(as_text=True)
    with boss.session_transaction() as session:
        assert session["roles"] == ["agent", "supervisor"]


def test_the_session_s_user_is_the_account_for_anything_more(app, cast):
    """A page that adopted the session's user (``adopt``) and asks more of it than id, roles and name
    gets the account itself, loaded as on any request."""
    user = cast.supervisor
    with app.test_request_context():
        session[USER_ID] = f"{user.id}:{user.session_token}"
        adopt(Identity(user.id, user.session_version, frozenset({"supervisor"})), "陈静")
        assert current_user.display_name == "陈静" and current_user.has_role("supervisor")
        assert isinstance(current_user._get_current_object(), SessionUser)
        assert current_user.username == user.username
        assert isinstance(current_user._get_current_object(), User)
