"""``kiosk.database.driver_write``: a kiosk sign-in is written on the driver's connection, without the ORM
session's transaction; the session joins that same transaction when the sign-in writes through the ORM (an
incident and its alerts), and whatever fails rolls back the whole of it."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event, func, select, text

from kiosk.clock import utcnow
from kiosk.database import _watched, driver_write, in_transaction, orm_in_write
from kiosk.domain.classify import VisitPurpose
from kiosk.extensions import db
from kiosk.models.notifications import Notification
from kiosk.models.submissions import FormSubmission
from kiosk.models.visits import Incident, Visit
from kiosk.services import submissions, visits
from tests.kiosk_support import MOBILE, scalar, sign_in


@contextmanager
def sqlalchemy_transactions():
    """How many transactions SQLAlchemy's Connections begin (a listener that leaves statements unwatched)."""
    begun: list[int] = []

    def note(_connection):
        begun.append(1)

    event.listen(db.engine, "begin", note)
    try:
        yield begun
    finally:
        event.remove(db.engine, "begin", note)


def _count(model) -> int:
    return scalar(select(func.count()).select_from(model))


def test_an_ordinary_sign_in_begins_no_transaction_of_sqlalchemy(paired_client):
    tablet = paired_client()
    tablet.get(f"/kiosk/visit/{VisitPurpose.OWNER_BUSINESS.value}")
    with sqlalchemy_transactions() as begun:
        assert not _watched(db.engine)
        response = sign_in(tablet, VisitPurpose.OWNER_BUSINESS, submission_key="k" * 20)
    assert response.status_code == 303
    assert begun == []
    visit = scalar(select(Visit))
    assert (visit.mobile, visit.submission_key) == (MOBILE, "k" * 20)


def test_an_incident_is_written_in_the_same_transaction_as_its_visit(paired_client, make_department,
                                                                    monkeypatch):
    """A complaint writes its incident and alerts through the ORM, joined to the sign-in's transaction:
    a failure after them leaves neither the visit (with its key), nor the incident, nor an alert: the same
    form sent again is signed in."""
    make_department("service_centre", "客服中心")
    tablet = paired_client()

    def fail(*_args, **_kwargs):
        raise RuntimeError("the host could not be told")

    monkeypatch.setattr(visits, "_tell_host", fail)
    complaint = {"relation": "owner", "submission_key": "c" * 20}
    assert sign_in(tablet, VisitPurpose.COMPLAINT, **complaint).status_code == 500
    assert [_count(model) for model in (Visit, Incident, Notification)] == [0, 0, 0]
    monkeypatch.undo()
    assert sign_in(tablet, VisitPurpose.COMPLAINT, **complaint).status_code == 303
    incident = scalar(select(Incident))
    assert incident.visit_id == scalar(select(Visit.id)) and _count(Notification) >= 1


def test_the_orm_used_in_a_driver_write_joins_it_by_itself(app, make_user):
    author = make_user("supervisor")
    key = submissions.by_device(1, "kiosk_repair", "u" * 20)
    with pytest.raises(RuntimeError, match="after the notification"), driver_write():
        assert submissions.repeat_of(key, Visit, utcnow()) is None
        db.session.add(Notification(kind="x", title="x", body="", level="info", created_at=utcnow(),
                                    user_id=author.id))
        db.session.execute(text("SELECT 1"))  # a statement of the session: joined, not beside the write
        db.session.flush()
        (row,) = in_transaction(select(func.count(Notification.id)), {})
        assert row[0] == 1  # the ORM's row, seen by the driver's statement: one transaction
        raise RuntimeError("after the notification")
    db.session.rollback()
    assert _count(FormSubmission) == 0 and _count(Notification) == 0


@pytest.mark.parametrize("flushed", [False, True])
def test_what_the_orm_added_before_it_ran_anything_is_written_with_the_write(app, make_user, flushed):
    author_id = make_user("supervisor").id  # read before: the ORM runs nothing inside the write
    key = submissions.by_device(1, "kiosk_repair", "a" * 20)
    with driver_write():
        assert submissions.repeat_of(key, Visit, utcnow()) is None
        db.session.add(Notification(kind="x", title="x", body="", level="info", created_at=utcnow(),
                                    user_id=author_id))  # Session.add begins the session's transaction
        if flushed:
            db.session.flush()
    assert _count(FormSubmission) == 1 and _count(Notification) == 1


def test_statements_after_the_orm_joined_run_in_its_transaction(app, make_user):
    author = make_user("supervisor")
    key = submissions.by_device(1, "kiosk_repair", "j" * 20)
    with driver_write():
        assert submissions.repeat_of(key, Visit, utcnow()) is None
        orm_in_write()
        db.session.add(Notification(kind="x", title="x", body="", level="info", created_at=utcnow(),
                                    user_id=author.id))
        db.session.flush()
        (row,) = in_transaction(select(func.count(Notification.id)), {})
        assert row[0] == 1  # the ORM's row, seen by the driver's statement: one transaction
    assert _count(FormSubmission) == 1 and _count(Notification) == 1


def test_a_statement_sqlalchemy_completes_at_each_run_joins_the_write(app):
    key = submissions.by_device(1, "kiosk_repair", "e" * 20)
    listed = select(func.count(FormSubmission.id)).where(FormSubmission.key.in_(["e" * 20, "f" * 20]))
    with driver_write():
        assert submissions.repeat_of(key, Visit, utcnow()) is None
        (row,) = in_transaction(listed, {})  # an expanding IN: not for the driver straight
        assert row[0] == 1
    assert _count(FormSubmission) == 1


def test_a_connection_handed_out_in_autocommit_still_writes_whole_or_not_at_all(app, monkeypatch):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite's driver connections never begin by themselves (BEGIN IMMEDIATE is sent)")
    checkout = db.engine.raw_connection

    def in_autocommit():
        fairy = checkout()
        fairy.dbapi_connection.autocommit = True
        return fairy

    monkeypatch.setattr(db.engine, "raw_connection", in_autocommit)
    key = submissions.by_device(1, "kiosk_repair", "a" * 20)
    with pytest.raises(RuntimeError, match="after the key"), driver_write():
        assert submissions.repeat_of(key, Visit, utcnow()) is None
        raise RuntimeError("after the key")
    monkeypatch.undo()
    assert _count(FormSubmission) == 0
