"""What one kiosk sign-in asks of the database: the statements it sends, the index its on-site look-up
reads, and a badge code drawn again when the one drawn is taken (the sign-in's own inserts skip it)."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from kiosk.domain.classify import VisitPurpose
from kiosk.extensions import db
from kiosk.models.submissions import FormSubmission
from kiosk.models.visits import Visit
from kiosk.services import visits
from tests.kiosk_support import MOBILE, scalar, scalars, sign_in
from tests.support import statements_sent


def _sent(seen: list[str]) -> list[str]:
    return [" ".join(statement.split()) for statement in seen]


def test_a_sign_in_is_the_tablet_check_the_visitor_and_one_write(paired_client):
    """The tablet's credential; the mobile's open visit, its register entry and the watch list in one
    statement; the visit, with the form's one-time key, inserted on its own: the whole write, it commits
    by itself, with no transaction begun around it. Nothing read twice, no department list for a purpose
    that asks for no department."""
    tablet = paired_client()
    tablet.get(f"/kiosk/visit/{VisitPurpose.OWNER_BUSINESS.value}")
    with statements_sent(db.engine) as seen:
        response = sign_in(tablet, VisitPurpose.OWNER_BUSINESS, submission_key="k" * 20)
    assert response.status_code == 303
    sent = _sent(seen)
    expected = ["SELECT kiosk_devices.id,", "SELECT (SELECT visits.id ", "INSERT INTO visits "]
    assert len(sent) == len(expected), sent
    assert all(s.startswith(start) for s, start in zip(sent, expected, strict=True)), sent
    visit = scalar(select(Visit))
    assert (visit.mobile, visit.submission_key) == (MOBILE, "k" * 20) and visit.badge_code
    assert scalar(select(FormSubmission.id)) is None


def test_a_sign_in_that_alerts_writes_its_visit_and_incident_in_one_transaction(paired_client,
                                                                               make_department):
    """A complaint's visit, incident and alerts are one write: on SQLite it begins before the visit's
    insert (``BEGIN IMMEDIATE``: the write lock up front)."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's driver sends its BEGIN without a statement to see")
    make_department("service_centre", "客服中心")
    with statements_sent(db.engine) as seen:
        response = sign_in(paired_client(), VisitPurpose.COMPLAINT, relation="owner")
    assert response.status_code == 303
    sent = _sent(seen)
    insert = next(n for n, statement in enumerate(sent) if statement.startswith("INSERT INTO visits "))
    assert "BEGIN IMMEDIATE" in sent[:insert] and any(s.startswith("INSERT INTO incidents") for s in sent)


def test_the_on_site_look_up_reads_the_open_visits_of_the_mobile_only(app):
    """However many people are on site, the look-up reads the partial index of open visits by mobile."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL plans from its own statistics")
    statement = visits._ABOUT_VISITOR.params(mobile=MOBILE, place="service_centre")
    compiled = statement.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True})
    with db.engine.connect() as connection:
        plan = " ".join(row[-1] for row in connection.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
    assert "uq_visits_open_by_mobile" in plan


def test_a_badge_code_already_given_is_skipped_and_another_drawn(paired_client, monkeypatch):
    tablet = paired_client()
    assert sign_in(tablet, VisitPurpose.REPAIR).status_code == 303
    taken = scalar(select(Visit.badge_code))
    drawn = iter([taken, taken, "ZZZZZZ"])
    monkeypatch.setattr(visits, "new_code", lambda _length: next(drawn))
    assert sign_in(paired_client(), VisitPurpose.REPAIR, mobile="13900001111").status_code == 303
    assert sorted(scalars(select(Visit.badge_code))) == sorted([taken, "ZZZZZZ"])
