"""``kiosk.database.in_transaction``: the kiosk sign-in's statements handed to the driver in the session's
transaction read and write what SQLAlchemy would; a driver's error is SQLAlchemy's and the write is rolled
back whole; the one statement that reads the visitor and the watch list brings every entry."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.exc import IntegrityError

from kiosk.clock import utcnow
from kiosk.database import _watched, in_transaction, unit_of_work
from kiosk.domain.classify import VisitPurpose
from kiosk.extensions import db
from kiosk.models.submissions import FormSubmission
from kiosk.models.visits import Incident, Visit, WatchPerson
from kiosk.services import visits
from tests.kiosk_support import MOBILE, scalar, sign_in
from tests.support import statements_sent


def listened():
    """While something listens to the engine's statements, they run through SQLAlchemy."""
    return statements_sent(db.engine)


def _watch(make_user, *entries):
    author = make_user("supervisor")
    for name, mobile in entries:
        db.session.add(WatchPerson(name=name, mobile=mobile, note="", created_by_id=author.id,
                                   created_at=utcnow()))
    db.session.commit()


def test_the_driver_reads_what_sqlalchemy_reads(app, make_user, paired_client):
    _watch(make_user, ("甲", None), ("乙", "13900000001"))
    sign_in(paired_client(), VisitPurpose.REPAIR)
    parameters = {"mobile": MOBILE, "place": "service_centre"}
    assert not _watched(db.engine)  # else both would run through SQLAlchemy
    with unit_of_work():
        by_driver = in_transaction(visits._ABOUT_VISITOR, parameters)
    with listened(), unit_of_work():
        by_sqlalchemy = in_transaction(visits._ABOUT_VISITOR, parameters)
    assert [tuple(row) for row in by_driver] == [tuple(row) for row in by_sqlalchemy]
    assert len(by_driver) == 2 and by_driver[0].open_visit_id == scalar(select(Visit.id))
    assert {row.name for row in by_driver} == {"甲", "乙"} and by_driver[0].on_register in (False, 0)


def test_an_empty_watch_list_is_one_row_without_an_entry(app):
    with unit_of_work():
        (row,) = in_transaction(visits._ABOUT_VISITOR, {"mobile": None, "place": "service_centre"})
    assert row.open_visit_id is None and not row.on_register and row.name is None


@pytest.mark.parametrize("watched", [False, True])
def test_a_driver_error_is_sqlalchemys_and_the_write_rolls_back(app, watched):
    key = {"submitter": "device-1", "form": "kiosk_repair", "key": "k" * 20, "created_at": utcnow()}
    with unit_of_work():
        db.session.execute(insert(FormSubmission).values(key))
    claim = insert(FormSubmission.__table__).values(
        {name: bindparam(name) for name in ("submitter", "form", "key", "created_at")})
    with pytest.raises(IntegrityError), (listened() if watched else _nothing()), unit_of_work():
        in_transaction(claim, {**key, "key": "m" * 20})  # the first row of this write ...
        in_transaction(claim, key)  # ... goes with it: this one breaks the unique key
    assert scalar(select(func.count(FormSubmission.id))) == 1


@contextmanager
def _nothing():
    yield


def test_a_hit_on_the_last_of_several_entries_is_found(paired_client, make_user, make_department):
    make_department("service_centre", "客服中心")
    _watch(make_user, ("甲", None), ("乙", "13900000001"), ("丙", MOBILE))
    sign_in(paired_client(), VisitPurpose.REPAIR, name="张三")
    assert scalar(select(Incident.watch_list_hit)) is True
