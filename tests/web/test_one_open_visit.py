"""A person is on site at one place once: the open visits' unique index by mobile and place, what a sign-in
does when another tablet's sign-in of the same person commits first, and the migration that builds the
index over visits signed in twice before it existed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import IntegrityError

from kiosk import create_app
from kiosk.clock import utcnow
from kiosk.database import driver_write, in_transaction, write_alone
from kiosk.domain.classify import VisitPurpose
from kiosk.extensions import db
from kiosk.models.visits import Visit
from kiosk.services import submissions, visits
from tests.kiosk_support import MOBILE, scalar, scalars, sign_in

BEFORE = "8d2e4b7a1c53"  # the revision the unique index follows (or an ancestor, once re-chained)


def _open_visit(mobile: str | None, place: str = "service_centre", badge: str = "AAAAAA") -> dict:
    return {"place": place, "purpose": "repair", "name": "张三", "mobile": mobile, "party_size": 1,
            "badge_code": badge, "signed_in_at": utcnow(), "waiting_for_salesperson": False,
            "anonymised": False}


def test_the_database_refuses_a_second_open_visit_of_a_mobile_at_a_place(app):
    with db.engine.begin() as connection:
        connection.execute(insert(Visit), [
            _open_visit(MOBILE), _open_visit(MOBILE, "sales_office", "BBBBBB"),
            _open_visit(None, badge="CCCCCC"), _open_visit(None, badge="DDDDDD")])
    with pytest.raises(IntegrityError), db.engine.begin() as connection:
        connection.execute(insert(Visit), [_open_visit(MOBILE, badge="EEEEEE")])


@pytest.mark.parametrize("alone", [True, False], ids=["visit alone", "in a transaction"])
def test_a_sign_in_whose_person_another_tablet_signed_in_first_returns_to_that_visit(app, alone):
    """What the second of two sign-ins at once meets (both read that the person is not on site; the first
    commits): its insert skips, and it answers with the first's visit, whether its insert is the whole
    write or a statement of a transaction."""
    with db.engine.begin() as connection:
        connection.execute(insert(Visit), [_open_visit(MOBILE)])
    first = scalar(select(Visit.id))
    values = {**dict.fromkeys(visits._VISIT_COLUMNS), **_open_visit(MOBILE, badge="FFFFFF")}
    key = submissions.by_device(1, "kiosk_repair", "s" * 20)
    if alone:
        found = visits._insert_with_badge(values, key, write_alone)
    else:
        with driver_write():
            found = visits._insert_with_badge(values, key, in_transaction)
    assert (found.id, found.rejoined, found.badge_code) == (first, True, None)
    assert scalar(select(func.count(Visit.id))) == 1


def test_signing_in_after_signing_out_is_a_new_open_visit(paired_client):
    tablet = paired_client()
    for _visit in range(2):
        assert sign_in(tablet, VisitPurpose.REPAIR).status_code == 303
        assert tablet.post_form("/kiosk/sign-out", {"code": MOBILE}).status_code == 303
    assert sign_in(tablet, VisitPurpose.REPAIR).status_code == 303
    on_site = [visit.signed_out_at is None for visit in scalars(select(Visit).order_by(Visit.id))]
    assert on_site == [False, False, True]


def test_a_sign_in_sent_again_after_its_visitor_signed_out_is_answered_with_its_visit(paired_client):
    """The resend of a sign-in whose visitor has left meanwhile (its visit no longer open): its insert
    meets the visit's one-time key, and it is answered as the first sending was, with nothing new made."""
    tablet = paired_client()
    assert sign_in(tablet, VisitPurpose.REPAIR, submission_key="r" * 20).status_code == 303
    [visit] = scalars(select(Visit))
    assert tablet.post_form("/kiosk/sign-out", {"code": MOBILE}).status_code == 303
    assert sign_in(tablet, VisitPurpose.REPAIR, submission_key="r" * 20).status_code == 303
    page = tablet.get("/kiosk/done").get_data(as_text=True)
    assert visit.badge_code in page and "登记成功" in page
    assert [v.id for v in scalars(select(Visit))] == [visit.id]


def test_the_migration_signs_out_all_but_the_newest_of_a_persons_open_visits_at_a_place(tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.sqlite3'}"})
    now = utcnow().replace(microsecond=0)
    rows = [  # (mobile, place, minutes ago): the first three are one person on site three times
        (MOBILE, "service_centre", 90), (MOBILE, "service_centre", 60), (MOBILE, "service_centre", 30),
        (MOBILE, "sales_office", 20), ("13900001111", "service_centre", 10), (None, "service_centre", 5),
        (None, "service_centre", 4)]
    with app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as connection:
            for n, (mobile, place, ago) in enumerate(rows, start=1):
                connection.execute(insert(Visit), [{**_open_visit(mobile, place, f"B{n:05d}"),
                                                    "signed_in_at": now - timedelta(minutes=ago)}])
        upgrade()
        with db.engine.connect() as connection:
            left = connection.execute(select(Visit.id, Visit.signed_out_at, Visit.sign_out_method)
                                      .order_by(Visit.id)).all()
            indexes = connection.execute(text("SELECT name FROM sqlite_master WHERE type = 'index' "
                                              "AND tbl_name = 'visits'")).scalars().all()
        db.engine.dispose()
    third = now - timedelta(minutes=30)
    assert [(row.signed_out_at, row.sign_out_method) for row in left] == [
        (third, "automatic"), (third, "automatic")] + [(None, None)] * 5
    assert "uq_visits_open_by_mobile" in indexes and "ix_visits_open_by_mobile" not in indexes
