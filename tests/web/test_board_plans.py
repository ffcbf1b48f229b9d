"""The board's statements read what they show along partial indexes, however many rows the years hold
(SQLite's plans; PostgreSQL plans from its own statistics)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import BinaryExpression, BindParameter
from sqlalchemy.sql.selectable import Select

from kiosk.clock import utcnow
from kiosk.extensions import db
from kiosk.services import board, switch


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


def test_the_visitors_on_site_are_counted_without_reading_them_and_the_latest_read_in_order(plan):
    """The counts, the version and the headlines' people read the places' counts (``OnSiteCount``), not
    the visits on site (thousands at a busy year's end)."""
    by_place, latest = board._visitors_statements()
    read = plan(latest, limit=30)
    assert "ix_visits_on_site_arrivals" in read and "TEMP B-TREE" not in read  # no sort of them all
    now = utcnow()
    for statement in (by_place, board._version_statement(("visitors", "headlines"), False)[0],
                      board._headline_counts_statement()):
        read = plan(statement, now=now, today=now, rang_since=now, ring_target=15.0, over_since=now,
                    stale_before=now)
        assert "on_site_counts" in read and "visits" not in read.replace("on_site_counts", "")


def test_the_headlines_count_the_overdue_slips_without_reading_them(plan):
    """Not along the slips' (status, due_at) index up to now: a year's backlog of late slips."""
    now = utcnow()
    read = plan(board._headline_counts_statement(), now=now, today=now, rang_since=now, ring_target=15.0,
                over_since=now)
    assert "due_at<" not in read.replace(" ", "")
    assert "due_at>" in read.replace(" ", "")


def test_the_panels_statements_conditions_bind_only_moments(app):
    """PostgreSQL runs the panels' statements on the one plan it makes without the bound values
    (``kiosk.database.ALONE_OPTIONS``): a state, a direction or a role bound instead of written into the
    SQL made that plan read a year's calls (13 ms for the calls in progress)."""
    statements = [*(board._slips_statement(kind) for kind in ("unassigned", "near_due", "overdue")),
                  board._by_department_statement(), board._activity_statement(),
                  *(board._calls_statement(state) for state in ("ringing", "answered")),
                  board._agents_statement(), *board._incidents_statements(), *board._visitors_statements(),
                  board._headline_counts_statement(), switch._connectors_statement()]
    for statement in statements:
        conditions = [node.whereclause for node in visitors.iterate(statement)
                      if isinstance(node, Select) and node.whereclause is not None]
        compared = {side.key for condition in conditions for node in visitors.iterate(condition)
                    if isinstance(node, BinaryExpression)
                    for side in (node.left, node.right) if isinstance(side, BindParameter)}
        assert compared <= {"now", "today", "rang_since", "over_since"}, statement


def test_the_by_department_panel_counts_the_slips_not_yet_due_from_the_index_alone(plan):
    """Not the slips themselves along their deadline (each read from the table, then sorted by
    department): at a year the running slips not yet due are ten times a tenth's."""
    read = plan(board._by_department_statement(), now=utcnow())
    assert read.count("COVERING INDEX ix_task_slips_open_department") == 2, read
    assert "status_due_at" not in read and "TEMP B-TREE FOR GROUP BY" not in read, read
