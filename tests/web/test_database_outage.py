"""When the database goes away: a readable 503, nothing half-written, and service again by itself.

On PostgreSQL the connection is really cut: every connection to the test database is terminated and new
ones are refused for a moment (``ALLOW_CONNECTIONS false`` binds superusers too), then allowed again;
the next request is served without anyone restarting anything (the pool replaces the dead connections,
``kiosk.database.ping_when_idle``). ``bench/load.py --faults`` does the same under load.
"""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm import Session

from kiosk.domain.classify import VisitPurpose
from kiosk.extensions import db
from kiosk.models.visits import Visit
from tests.kiosk_support import MOBILE, sign_in


@pytest.fixture
def app_config():
    return {"PROPAGATE_EXCEPTIONS": False}


def _connection_lost(*_args, **_kwargs):
    raise OperationalError("UPDATE …", {}, Exception("server closed the connection unexpectedly"))


def test_a_lost_connection_mid_sign_in_answers_503_and_stores_nothing(app, paired_client, monkeypatch):
    tablet = paired_client()
    # A complaint writes its visit and incident in one transaction; the host is told after both INSERTs.
    monkeypatch.setattr("kiosk.services.visits._tell_host", _connection_lost)
    response = sign_in(tablet, VisitPurpose.COMPLAINT, relation="owner")
    page = response.get_data(as_text=True)
    assert response.status_code == 503 and "系统暂时无法连接数据库" in page
    assert response.headers["Retry-After"] and response.headers["Cache-Control"] == "no-store"
    assert db.session.scalar(select(func.count(Visit.id))) == 0
    monkeypatch.undo()
    assert sign_in(tablet, VisitPurpose.REPAIR).status_code == 303


def test_a_lost_connection_at_the_insert_of_a_visit_alone_answers_503_and_the_resend_signs_in(
        app, paired_client, monkeypatch):
    """A sign-in whose visit is its whole write (``write_alone``): the connection lost as it inserts is a
    503, and the tablet's resend of the same form signs the visitor in once."""
    tablet = paired_client()
    monkeypatch.setattr("kiosk.services.visits.write_alone", _connection_lost)
    response = sign_in(tablet, VisitPurpose.REPAIR, submission_key="o" * 20)
    assert response.status_code == 503 and "系统暂时无法连接数据库" in response.get_data(as_text=True)
    monkeypatch.undo()
    for _sending in range(2):
        assert sign_in(tablet, VisitPurpose.REPAIR, submission_key="o" * 20).status_code == 303
    db.session.rollback()
    assert db.session.scalar(select(func.count(Visit.id))) == 1


def test_a_connection_closed_under_the_driver_is_a_503_too(app, client, login_as, monkeypatch):
    """psycopg's InterfaceError on a connection the server closed: SQLAlchemy marks it a disconnect."""
    login_as("agent")

    def closed(*_args, **_kwargs):
        raise InterfaceError("SELECT …", {}, Exception("connection already closed"),
                             connection_invalidated=True)

    monkeypatch.setattr("kiosk.services.hotline.ringing_for", closed)
    assert client.get("/hotline/").status_code == 503


def test_any_other_driver_error_is_a_500_and_logged(app, client, login_as, monkeypatch, caplog):
    login_as("agent")

    def bug(*_args, **_kwargs):
        raise IntegrityError("INSERT …", {}, Exception("duplicate key"))

    monkeypatch.setattr("kiosk.services.hotline.ringing_for", bug)
    assert client.get("/hotline/").status_code == 500
    assert any("unhandled error on GET /hotline/" in r.getMessage() for r in caplog.records)


def test_a_connection_cut_after_the_answer_is_made_does_not_turn_it_into_a_500(app, client, login_as,
                                                                               monkeypatch):
    """Found by ``bench/load.py --faults``: the session's closing rollback failed on the cut connection
    and gunicorn answered 500 for a request that had succeeded."""
    login_as("agent")
    real_close = Session.close
    cut = []

    def close_on_a_cut_connection(session):
        real_close(session)  # hand the (live) test connection back, or it would hold its locks
        if not cut:
            cut.append(True)
            raise OperationalError("ROLLBACK", {}, Exception("terminating connection: administrator command"))

    monkeypatch.setattr(Session, "close", close_on_a_cut_connection)
    assert client.get("/hotline/").status_code == 200 and cut
    assert client.get("/hotline/").status_code == 200


def test_an_htmx_request_gets_the_message_in_its_flash_area(app, client, login_as, monkeypatch):
    login_as("agent")
    monkeypatch.setattr("kiosk.services.hotline.ringing_for", _connection_lost)
    response = client.get_htmx("/hotline/ringing")
    assert response.status_code == 503 and response.headers["HX-Retarget"] == "#flash"
    assert "系统暂时无法连接数据库" in response.get_data(as_text=True)


def test_engine_keeps_values_out_of_error_messages(app):
    assert db.engine.hide_parameters


@pytest.fixture
def postgres(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("a server to cut off: PostgreSQL only (SQLite is a file in the app's own process)")
    name = db.engine.url.database
    admin = create_engine(db.engine.url.set(database="postgres"), isolation_level="AUTOCOMMIT")

    def drop():
        """The server ends every connection to the test database (new ones are still welcome)."""
        with admin.connect() as connection:
            connection.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                    "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": name})

    def cut():
        with admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
        drop()

    def restore():
        with admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))

    yield cut, restore, drop
    restore()
    admin.dispose()


def test_cut_off_and_back_without_a_manual_step(app, client, login_as, paired_client, postgres):
    cut, restore, _drop = postgres
    tablet = paired_client()
    login_as("supervisor")
    assert client.get("/supervisor/").status_code == 200
    cut()
    try:
        page, fragment = client.get("/supervisor/"), client.get_htmx("/hotline/agents")
        refused = sign_in(tablet, VisitPurpose.REPAIR, mobile="13912340009")
        for response in (page, fragment, refused):
            assert response.status_code == 503
            assert "系统暂时无法连接数据库" in response.get_data(as_text=True)
        assert "<html" in page.get_data(as_text=True)  # the error page itself needs no database
        assert fragment.headers["HX-Retarget"] == "#flash"
    finally:
        restore()
    assert client.get("/supervisor/").status_code == 200
    assert sign_in(tablet, VisitPurpose.REPAIR).status_code == 303
    mobiles = db.session.scalars(select(Visit.mobile)).all()
    assert mobiles == [MOBILE]


def test_connections_dropped_while_the_app_was_idle_are_replaced_before_use(app, client, login_as, postgres,
                                                                             monkeypatch):
    """A restart or an idle timeout at a quiet hour: the first request after it is served as any other."""
    _cut, _restore, drop = postgres
    login_as("supervisor")
    assert client.get("/supervisor/").status_code == 200
    drop()
    monkeypatch.setattr("kiosk.database.PING_AFTER_IDLE_SECONDS", 0)  # as if the pool had sat for a while
    assert client.get("/supervisor/").status_code == 200
    assert client.get_htmx("/hotline/agents").status_code == 200


def test_a_poll_on_a_connection_dropped_a_moment_ago_is_answered(app, client, login_as, postgres,
                                                                 monkeypatch):
    """A connection used within the last second is not pinged: the poll's one statement finds it dead,
    and reads again on a new connection."""
    _cut, _restore, drop = postgres
    monkeypatch.setattr("kiosk.database.PING_AFTER_IDLE_SECONDS", 3600)
    login_as("supervisor")
    path = "/supervisor/panels/unassigned"
    etag = client.get_htmx(path).headers["ETag"]
    drop()
    assert client.get_htmx(path, headers={"If-None-Match": etag}).status_code == 304
    assert client.get_htmx(path, headers={"If-None-Match": etag}).status_code == 304
