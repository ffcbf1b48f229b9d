"""``kiosk.database.read_alone``: the polls' one statement, handed to the driver without SQLAlchemy's
execution around it, reads exactly what SQLAlchemy reads; its errors are SQLAlchemy's (the error pages
know them); and whoever listens to the engine's statements still sees it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import (
    Integer,
    bindparam,
    column,
    create_engine,
    event,
    func,
    insert,
    literal,
    select,
    table,
    text,
)
from sqlalchemy.exc import DBAPIError, IntegrityError, InvalidRequestError
from sqlalchemy.pool import NullPool

from kiosk.clock import utcnow
from kiosk.database import read_alone, read_alone_or_none, rows_alone, write_alone
from kiosk.extensions import db
from kiosk.models.people import Department
from kiosk.models.types import UTCDateTime
from kiosk.services import board
from tests.support import statements_sent
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
    with statements_sent(db.engine) as seen:
        read_alone(board._version_statement(("unassigned",), True)[0], parameters)
    assert [statement for statement in seen if "session_version" in statement]


_NEW_DEPARTMENT = insert(Department).values(code=bindparam("code"), name=bindparam("name"),
                                            active=True).returning(Department.id)


def _departments() -> int:
    return db.session.scalar(select(func.count(Department.id)))


def test_a_write_alone_commits_by_itself_and_the_session_sees_it_after(app):
    """Its one statement is the whole write: the session's rollback does not undo it, and the session's
    next read sees it (the session's read, begun before, is ended first: SQLite keeps a reader's
    snapshot)."""
    assert _departments() == 0  # the session reads: its transaction is open
    [row] = write_alone(_NEW_DEPARTMENT, {"code": "hr", "name": "人事部"})
    db.session.rollback()
    assert _departments() == 1 and db.session.get(Department, row.id).code == "hr"


def test_a_write_alone_refused_by_the_database_is_sqlalchemys_error_and_leaves_nothing(app):
    write_alone(_NEW_DEPARTMENT, {"code": "hr", "name": "人事部"})
    with pytest.raises(IntegrityError):
        write_alone(_NEW_DEPARTMENT, {"code": "hr", "name": "人事部二"})
    write_alone(_NEW_DEPARTMENT, {"code": "pr", "name": "公关部"})  # the connection is not left mid-write
    assert _departments() == 2


def test_a_row_is_read_by_its_columns_names_as_sqlalchemys(app):
    statement = select(literal(7).label("seven"), literal("x").label("letter"))
    row = read_alone(statement, {})
    assert (row.seven, row.letter) == (7, "x") == tuple(row)
    assert read_alone_or_none(statement.where(literal(1) == 2), {}) is None



def test_parameters_fill_the_statement_as_sqlalchemy_fills_them(app):
    """A parameter named twice is sent twice, a literal keeps its own value, a value goes through its type
    (a moment is stored as the column's type writes it), and a missing one is SQLAlchemy's error."""
    moment = utcnow()
    twice = bindparam("n", type_=Integer)
    statement = select((twice + twice).label("sum"), literal("kept").label("literal"),
                       (bindparam("at", type_=UTCDateTime()) == moment).label("same"))
    assert tuple(read_alone(statement, {"n": 4, "at": moment})) == (8, "kept", True)
    with pytest.raises(InvalidRequestError, match="'n'"):
        read_alone(statement, {"at": moment})

@pytest.fixture
def postgres(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("prepared statements on the server: PostgreSQL only")


_PREPARED = select(column("statement")).select_from(table("pg_prepared_statements"))


def test_a_polls_prepared_statement_outlives_a_pages_transaction(postgres, parameters):
    """psycopg deallocates a connection's prepared statements at each ROLLBACK, which ends every page's
    transaction: the reads alone have connections of their own, where none ends."""
    statement = board._version_statement(("unassigned",), True)[0]
    read_alone(statement, parameters)
    for _page in range(3):  # on each of the app pool's connections (the test's session holds one)
        with db.engine.connect() as connection:
            connection.execute(select(literal(1)))
            connection.rollback()  # a page's end
    prepared = [row.statement for row in rows_alone(_PREPARED)]
    assert [sql for sql in prepared if "session_version" in sql]


def test_a_statement_prepared_before_a_migration_changed_its_columns_is_read_again(postgres):
    """PostgreSQL will not run a prepared statement whose result type changed ("cached plan must not change
    result type"): its connection is dropped and the read made once more, on a new one."""
    migrations = create_engine(db.engine.url, poolclass=NullPool)  # another process's connection
    with migrations.begin() as connection:
        connection.execute(text("CREATE TABLE plan_probe (x integer)"))
        connection.execute(text("INSERT INTO plan_probe VALUES (7)"))
    try:
        probe = select(column("x")).select_from(table("plan_probe"))
        assert tuple(read_alone(probe, {})) == (7,)
        with migrations.begin() as connection:
            connection.execute(text("ALTER TABLE plan_probe ALTER COLUMN x TYPE text"))
        assert tuple(read_alone(probe, {})) == ("7",)
    finally:
        with migrations.begin() as connection:
            connection.execute(text("DROP TABLE plan_probe"))


@pytest.fixture
def checkouts(app):
    """How many times the reads alone take a connection from their pool."""
    from kiosk.database import _ALONE_POOLS

    pool = _ALONE_POOLS.get(db.engine, db.engine)
    taken = []

    def count(*_args):
        taken.append(1)

    event.listen(pool, "checkout", count)
    yield pool, taken
    event.remove(pool, "checkout", count)


def test_the_reads_alone_keep_their_connection_from_one_read_to_the_next(parameters, checkouts):
    """A board's polls read one statement each: checking a connection out of the pool and back in cost a
    poll as much as its statement on SQLite."""
    statement = board._version_statement(("unassigned",), True)[0]
    _pool, taken = checkouts
    for _poll in range(5):
        read_alone(statement, parameters)
    assert len(taken) <= 1


def test_a_kept_connection_idle_for_a_while_goes_back_to_the_pool(parameters, checkouts, monkeypatch):
    """The pool pings a connection idle for a second before handing it out (PostgreSQL): one kept as long
    goes back there, and the read takes one from the pool."""
    from kiosk import database

    statement = board._version_statement(("unassigned",), True)[0]
    pool, taken = checkouts
    read_alone(statement, parameters)
    taken.clear()
    later = database.time.monotonic() + database.PING_AFTER_IDLE_SECONDS
    monkeypatch.setattr(database.time, "monotonic", lambda: later)
    assert read_alone(statement, parameters)
    assert taken == [1]


def test_the_engines_disposal_returns_the_kept_connection(parameters):
    from kiosk.database import _ALONE_POOLS, _KEPT

    read_alone(board._version_statement(("unassigned",), True)[0], parameters)
    pool = _ALONE_POOLS.get(db.engine, db.engine)
    assert pool.pool.checkedout() >= 1
    kept = _KEPT[pool]
    db.engine.dispose()
    assert kept._connection is None
