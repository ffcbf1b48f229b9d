"""The board's statements read what they show along partial indexes, however many rows the years hold
(SQLite's plans; PostgreSQL plans from its own statistics)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from kiosk.clock import utcnow
from kiosk.extensions import db
from kiosk.services import board


@pytest.fixture
def plan(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL plans from its own statistics")

    def explained(statement, **values) -> str:
        compiled = statement.params(**values).compile(dialect=db.engine.dialect,
                                                      compile_kwargs={"literal_binds": True})
        with db.engine.connect() as connection:
            return " ".join(row[-1] for row in connection.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))

    return explained


def test_the_visitors_on_site_are_counted_from_their_index_alone_and_the_latest_read_in_order(plan):
    by_place, latest = board._visitors_statements()
    assert "COVERING INDEX ix_visits_on_site_places" in plan(by_place)
    read = plan(latest, limit=30)
    assert "ix_visits_on_site_arrivals" in read and "TEMP B-TREE" not in read  # no sort of them all
    statement, _where = board._version_statement(("visitors",), False)
    assert "COVERING INDEX ix_visits_on_site_places" in plan(statement)


def test_the_headlines_count_the_overdue_slips_without_reading_them(plan):
    """Not along the slips' (status, due_at) index up to now: a year's backlog of late slips."""
    now = utcnow()
    read = plan(board._headline_counts_statement(), now=now, today=now, rang_since=now, ring_target=15.0,
                over_since=now)
    assert "due_at<" not in read.replace(" ", "")
    assert "due_at>" in read.replace(" ", "")
