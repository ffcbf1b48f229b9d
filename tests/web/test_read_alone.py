"""``kiosk.database.read_alone``: the polls' one statement, handed to the driver without SQLAlchemy's
execution around it, reads exactly what SQLAlchemy reads; its errors are SQLAlchemy's (the error pages
know them); and whoever listens to the engine's statements still sees it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import column, event, literal, select, table
from sqlalchemy.exc import DBAPIError

from kiosk.clock import utcnow
from kiosk.database import read_alone, read_alone_or_none
from kiosk.extensions import db
from kiosk.services import board
from tests.web.slips import make_cast, open_one


@pytest.fixture
def parameters(app, make_department):
    cast = make_cast(make_department)
    open_one(cast, dispatched=False)  # a slip and its event
    now = utcnow()
    return {"now": now, "session_of": cast.supervisor.id, "stale_before": now - timedelta(minutes=5),
            "over_since": now}


@pytest.mark.parametrize("panel", board.PANELS)
def test_the_driver_reads_what_sqlalchemy_reads(parameters, panel):
    statement, _where = board._version_statement((panel,), True)
    with db.engine.connect() as connection:
        expected = tuple(connection.execute(statement, parameters).one())
    assert read_alone(statement, parameters) == expected


def test_a_driver_error_is_sqlalchemys(app):
    with pytest.raises(DBAPIError):
        read_alone(select(column("x")).select_from(table("no_such_table")), {})


def test_a_listener_sees_the_statement(parameters):
    seen = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        read_alone(board._version_statement(("unassigned",), True)[0], parameters)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert [statement for statement in seen if "session_version" in statement]


def test_a_row_is_read_by_its_columns_names_as_sqlalchemys(app):
    statement = select(literal(7).label("seven"), literal("x").label("letter"))
    row = read_alone(statement, {})
    assert (row.seven, row.letter) == (7, "x") == tuple(row)
    assert read_alone_or_none(statement.where(literal(1) == 2), {}) is None
