"""Database connection rules.

SQLite (the default): WAL, a busy timeout and foreign keys on every connection, and writes that begin
with ``BEGIN IMMEDIATE`` so that two writers queue instead of failing (a deferred read that later
upgrades to a write fails at once, whatever the timeout). PostgreSQL: row locks (``FOR UPDATE``) and
conditional updates in the services do the same job.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import namedtuple
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache, lru_cache
from operator import methodcaller
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import BigInteger, Table, TextClause, bindparam, create_engine, event, func, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Compiled, Connection, Engine
from sqlalchemy.exc import DBAPIError, InvalidatePoolError, InvalidRequestError, NoResultFound
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.sql.elements import BindParameter

from kiosk.extensions import db

SQLITE_BUSY_TIMEOUT_MS = 15000

log = logging.getLogger(__name__)


#: The tables whose statistics SQLite needs to read the board through its partial indexes (without them it
#: prefers the (status, due_at) index and sorts); the KPIs' queries plan better without the others'.
SQLITE_ANALYZED = ("task_slips", "incidents")


def analyze(connection) -> None:
    """Take the planner's statistics: PostgreSQL's for every table, SQLite's for ``SQLITE_ANALYZED``."""
    tables = SQLITE_ANALYZED if connection.dialect.name == "sqlite" else ("",)
    for table in tables:
        connection.exec_driver_sql(f"ANALYZE {table}".strip())


#: PostgreSQL session settings of every connection: no JIT compilation. The app's statements each read at
#: most a year of index entries (the KPIs); the planner's cost of a correlated subquery (a slip's pause)
#: crosses ``jit_above_cost`` and compiling then took seconds where running takes milliseconds (the KPI
#: month page: 7.8 s of JIT for a 60 ms statement, see README's KPI section).
POSTGRESQL_OPTIONS = "-c jit=off"

#: The session settings of the connections of ``read_alone`` and ``rows_alone``: each statement they
#: prepare (``_on_server``) runs on the one plan the server makes without the bound values, never planned
#: again. PostgreSQL planned afresh, at every run, the statements whose plan it judged might depend on a
#: value (a moment, a limit): a changed board panel's rows (0.1–0.5 ms of the server's time per render at
#: a year, more than running them). Their bound values are moments, limits and ids, whatever they are the
#: same index is read; any other value is written into the SQL (tests/web/test_board_plans.py).
ALONE_OPTIONS = f"{POSTGRESQL_OPTIONS} -c plan_cache_mode=force_generic_plan"

#: A pooled connection idle for longer than this is pinged before it is handed out (``ping_when_idle``).
PING_AFTER_IDLE_SECONDS = 1.0
_RETURNED_AT = "kiosk_returned_at"


def ping_when_idle(engine: Engine) -> None:
    """A server's connections (PostgreSQL) are checked for life when they come out of the pool after
    sitting idle there for ``PING_AFTER_IDLE_SECONDS``: a ping, and if the server dropped the connection
    (a restart, a cut link, an idle timeout while the app was quiet) the pool's connections are replaced
    before any request meets them. SQLAlchemy's ``pool_pre_ping`` pinged at every checkout, a round trip
    on each request: a board poll's one statement became two.

    A connection used within the last second is taken as it is. Should the server have dropped it in that
    second, its statement fails and SQLAlchemy replaces the pool's connections: a poll then reads again
    (``read_alone``), and any other request answers 503 once (``kiosk.web.errors``)."""

    @event.listens_for(engine, "checkin")
    def note_return(_dbapi_connection, record):
        record.info[_RETURNED_AT] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def ping_if_idle(dbapi_connection, record, _proxy):
        returned_at = record.info.get(_RETURNED_AT)  # none for a new connection
        if returned_at is None or time.monotonic() - returned_at < PING_AFTER_IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise InvalidatePoolError() from error  # the pool reconnects, and drops its older connections


def configure_engine(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        _configure_server(engine)
        _keep_for_alone(_configure_server(_alone_pool(engine), ALONE_OPTIONS))
        return
    _keep_for_alone(engine)

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        options = connection.get_execution_options()
        if options.get("isolation_level") == "AUTOCOMMIT" or options.get(ALONE):
            return  # one statement, no transaction
        connection.exec_driver_sql(f"BEGIN {options.get('sqlite_begin', 'DEFERRED')}")


def _configure_server(engine: Engine, options: str = POSTGRESQL_OPTIONS) -> Engine:
    """A server's connections (PostgreSQL): its session ``options``, and a ping when idle (a file in the
    app's own process is never dropped: SQLite needs none)."""

    @event.listens_for(engine, "do_connect")
    def session_options(_dialect, _record, _cargs, cparams):
        cparams["options"] = " ".join(filter(None, [cparams.get("options"), options]))

    ping_when_idle(engine)
    return engine


#: Connections of ``read_alone`` and ``rows_alone`` on PostgreSQL a worker keeps (a sync worker reads one
#: statement at a time; more are opened when threads ask at once, and closed when they come back).
ALONE_POOL_SIZE = 2
_ALONE_POOLS: WeakKeyDictionary[Engine, Engine] = WeakKeyDictionary()


def _alone_pool(engine: Engine) -> Engine:
    """An engine of ``engine``'s database whose connections stay in autocommit, for the reads outside a
    transaction (``read_alone``, ``rows_alone``), disposed with ``engine``.

    Had they used the app's pool, each read would switch its connection to autocommit and back, and the
    server's prepared statements (``_on_server``) would not outlive the next page on that connection:
    psycopg deallocates them all at every ROLLBACK, and every page's transaction ends in one. In a pool of
    their own no transaction ever ends, and each connection keeps its statements prepared."""
    alone = _ALONE_POOLS[engine] = create_engine(engine.url, isolation_level="AUTOCOMMIT",
                                                 pool_size=ALONE_POOL_SIZE,
                                                 hide_parameters=engine.hide_parameters)
    event.listen(engine, "engine_disposed", lambda _engine: alone.dispose())
    return alone


class _Kept:
    """The connection the last read alone used, kept checked out of its pool for the next one: a board's
    polls read one statement each, and checking a connection out of SQLAlchemy's pool and back in (its
    queue, lock, events and reset) cost a poll about as much as its statement on SQLite. One connection
    is kept per pool, for whichever thread reads next (others check theirs out as before); one idle for
    ``PING_AFTER_IDLE_SECONDS`` goes back to the pool, marked idle since its last use, and the read takes
    one from the pool as before (pinged there on PostgreSQL, ``ping_when_idle``). A connection that was
    invalidated is never kept; the engine's disposal and a lost connection (``_close_pools``) return the
    kept one."""

    def __init__(self):
        self._lock = threading.Lock()
        self._connection: PoolProxiedConnection | None = None
        self._used_at = 0.0

    def take(self, pool: Engine) -> PoolProxiedConnection:
        with self._lock:
            connection, used_at, self._connection = self._connection, self._used_at, None
        if connection is not None:
            if time.monotonic() - used_at < PING_AFTER_IDLE_SECONDS:
                return connection
            info = connection.info
            connection.close()
            info[_RETURNED_AT] = used_at  # idle since then, not since now
        return pool.raw_connection()

    def give_back(self, connection: PoolProxiedConnection) -> None:
        if connection.is_valid:
            with self._lock:
                if self._connection is None:
                    self._connection, self._used_at = connection, time.monotonic()
                    return
        connection.close()

    def release(self) -> None:
        with self._lock:
            connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()


_KEPT: WeakKeyDictionary[Engine, _Kept] = WeakKeyDictionary()


def _keep_for_alone(pool: Engine) -> None:
    """The reads alone on ``pool`` keep their connection between them (``_Kept``)."""
    kept = _KEPT[pool] = _Kept()
    event.listen(pool, "engine_disposed", lambda _engine: kept.release())


#: Execution option of ``read_alone`` on SQLite: send no BEGIN (``configure_engine``).
ALONE = "kiosk_read_alone"


def read_alone(statement, parameters: dict):
    """The one row of one reading statement, run on its own outside any transaction: a single statement
    sees one consistent state by itself, so neither BEGIN nor ROLLBACK is sent (on PostgreSQL two round
    trips fewer), and the ORM session is not opened. For the polls' version checks.

    The statement is compiled once and handed to the driver straight (``_run_on_driver``): SQLAlchemy's
    execution around it (a Connection, its execution context, the result object) cost more than the
    statement itself, two thirds of a poll's time in the database layer on PostgreSQL. While anything
    listens to the engine's statements (a test or a benchmark counting them, ``echo``), it runs through
    SQLAlchemy as any other, for them to see it.

    A connection the server dropped since its last use (``ping_when_idle``) fails the statement; it only
    reads, so it runs once more, on a new connection."""
    row = _alone_once_more(statement, parameters, many=False)
    if row is None:
        raise NoResultFound("read_alone: the statement returned no row")
    return row


def read_alone_or_none(statement, parameters: dict):
    """``read_alone`` of a statement that may find no row (None then): a check made before the request's
    own transaction, such as a tablet's credential."""
    return _alone_once_more(statement, parameters, many=False)


def rows_alone(statement, parameters: dict | None = None) -> list:
    """Every row of one reading statement, run on its own as ``read_alone`` runs one (outside any
    transaction, handed to the driver, once more on a dropped connection), each a named tuple: the rows a
    board panel shows (``kiosk.services.board``; through SQLAlchemy's Connection and Result, and without
    the server's prepared statement, a panel's reads on PostgreSQL cost twice as much)."""
    return _alone_once_more(statement, parameters or {}, many=True)


def write_alone(statement, parameters: dict) -> list:
    """The rows (``RETURNING``) of one writing statement run on its own as ``rows_alone`` runs a read:
    outside any transaction, in autocommit, so it commits by itself (its triggers with it), on the reads'
    kept connection, handed to the driver. For a write that is one statement whole (a kiosk sign-in
    that writes only its visit): BEGIN and COMMIT would be two round trips more on PostgreSQL, and a
    connection checked out of the pool and back. The session's read transaction is ended first, as for
    any write (``end_session_read``). Not run again on a dropped connection: whether it was written is
    not known."""
    end_session_read()
    return _run_alone(statement, parameters, many=True)


def _alone_once_more(statement, parameters: dict, *, many: bool):
    try:
        return _run_alone(statement, parameters, many)
    except DBAPIError as error:
        if not error.connection_invalidated:
            raise
        return _run_alone(statement, parameters, many)


def _run_alone(statement, parameters: dict, many: bool):
    """Every row of ``statement`` (``many``), or its first row or None, outside any transaction."""
    engine = db.engine
    prepared = None if _watched(engine) else _for_driver(statement, engine.dialect)
    if prepared is not None:
        return _run_on_driver(engine, prepared, parameters, many)
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            # The driver never begins a transaction of its own here (``configure_engine``): leaving out
            # our BEGIN is enough. SQLAlchemy's AUTOCOMMIT would set and reset ``PRAGMA read_uncommitted``,
            # which expires every statement the connection has prepared (each poll prepared its own again).
            connection = connection.execution_options(**{ALONE: True})
        else:
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        result = connection.execute(statement, parameters)
        return result.all() if many else result.one_or_none()


def _watched(engine: Engine) -> bool:
    """Does anything listen to the engine's statements or log them?"""
    events = engine.dispatch
    return bool(engine.echo or events.before_execute or events.after_execute or events.before_cursor_execute
                or events.after_cursor_execute or engine.dialect.dispatch.handle_error)


@dataclass(frozen=True)
class _Bind:
    """One of a compiled statement's bound parameters, as ``_DriverStatement.values`` fills it in."""

    name: str  # in the compiled SQL
    parameter: BindParameter  # its key names it in the parameters a caller passes (a literal's: none)
    convert: Callable | None  # its type's conversion for the driver (None: as it is)

    def value(self, parameters: dict):
        key = self.parameter.key
        if key in parameters:
            value = parameters[key]
        elif self.parameter.required:
            raise InvalidRequestError(f"A value is required for bind parameter {key!r}")
        else:
            value = self.parameter.effective_value
        return value if self.convert is None else self.convert(value)


@dataclass(frozen=True)
class _DriverStatement:
    """A statement compiled for one dialect, as its driver takes it."""

    compiled: Compiled
    binds: tuple[_Bind, ...]  # in the SQL's order for a positional paramstyle (a name as often as it is used)
    positional: bool
    results: tuple  # each column's conversion from the driver (None: as it is)
    converts: bool  # does any column convert (else rows are taken as the driver gives them)
    shape: type  # the row: a named tuple of the columns' keys, as SQLAlchemy's Row reads them by name

    def values(self, parameters: dict):
        """The driver's parameters: what SQLAlchemy's ``construct_params`` and bind processors make of
        ``parameters``, without going through every bind of the statement's cache key each time."""
        if self.positional:
            return tuple(bind.value(parameters) for bind in self.binds)
        return {bind.name: bind.value(parameters) for bind in self.binds}

    def row(self, values) -> tuple:
        if not self.converts:  # as the driver gives them (the polls' texts and numbers)
            return self.shape._make(values)
        return self.shape._make(convert(value) if convert else value
                                for convert, value in zip(self.results, values, strict=True))


@lru_cache(maxsize=256)
def _for_driver(statement, dialect) -> _DriverStatement | None:
    """``statement`` compiled for ``dialect``; None when its SQL is completed at each run (expanding ``IN``
    lists, literal values, escaped names): then SQLAlchemy runs it."""
    compiled = statement.compile(dialect=dialect)
    if compiled.literal_execute_params or compiled.post_compile_params or compiled.escaped_bind_names:
        return None
    named = [(name, compiled.binds[name]) for name in (compiled.positiontup if compiled.positional
                                                        else compiled.binds)]
    binds = tuple(_Bind(name, bind, bind.type.dialect_impl(dialect).bind_processor(dialect))
                  for name, bind in named)
    columns = statement.exported_columns  # a select's columns, or what a write RETURNs (none: no row)
    results = tuple(column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns)
    shape = namedtuple("Row", list(columns.keys()), rename=True)
    return _DriverStatement(compiled, binds, compiled.positional, results, any(results), shape)


def _run_on_driver(engine: Engine, prepared: _DriverStatement, parameters: dict, many: bool):
    """Every row of ``prepared`` (``many``), or its first (None: none), on a pooled connection (the one the
    last read kept, ``_Kept``); the driver's errors raised as SQLAlchemy's (a lost connection invalidated
    and the pool's others closed, as SQLAlchemy does)."""
    dialect, values = engine.dialect, prepared.values(parameters)
    pool = _ALONE_POOLS.get(engine, engine)  # SQLite: the engine's own (no transaction here)
    kept = _KEPT.get(pool)
    try:
        connection = pool.raw_connection() if kept is None else kept.take(pool)
    except dialect.loaded_dbapi.Error as error:  # no connection to be had (the server down or refusing)
        raise DBAPIError.instance(None, None, error, dialect.loaded_dbapi.Error,
                                  hide_parameters=engine.hide_parameters, dialect=dialect) from error
    try:
        if dialect.name == "sqlite":  # no transaction here anyway (``configure_engine``)
            rows = _on_cursor(connection, prepared.compiled.string, values, _ALL if many else _FIRST)
        else:
            rows = _on_server(connection, prepared.compiled.string, values, many)
    except dialect.loaded_dbapi.Error as error:
        raise _driver_error(error, engine, connection.dbapi_connection, prepared, values,
                            connection.invalidate) from error
    finally:
        if kept is None:
            connection.close()
        else:
            kept.give_back(connection)
    if many:
        return [prepared.row(row) for row in rows]
    return None if rows is None else prepared.row(rows)


#: PostgreSQL's "cached plan must not change result type": a statement prepared on a connection before a
#: migration changed what it returns (a column's type, a table's columns). The server will not run it
#: again; a new connection prepares it afresh. Its class (0A000, "feature not supported") holds other
#: errors, which are defects to be seen as such: the message tells this one.
STALE_PLAN = ("0A000", "cached plan must not change result type")


def _driver_error(error, engine: Engine, driver_connection, prepared: _DriverStatement, values,
                  invalidate: Callable) -> DBAPIError:
    """The driver's ``error`` as SQLAlchemy's (an ``IntegrityError`` is one), as SQLAlchemy would raise it:
    a lost connection invalidated (``invalidate``) and said so, for a reader to try once more, and the
    pools' other connections closed (``_close_pools``).
    A connection whose prepared statement went stale (``STALE_PLAN``) is invalidated alone, and said so."""
    dialect = engine.dialect
    lost = dialect.is_disconnect(error, driver_connection, None)
    if lost:
        invalidate(error)
        _close_pools(engine)
    stale = not lost and getattr(error, "sqlstate", None) == STALE_PLAN[0] and STALE_PLAN[1] in str(error)
    if stale:
        invalidate(error)  # its prepared statements go with it; the pool's others meet this once each
    return DBAPIError.instance(prepared.compiled.string, values, error, dialect.loaded_dbapi.Error,
                               hide_parameters=engine.hide_parameters, dialect=dialect,
                               connection_invalidated=lost or stale)


def _close_pools(engine: Engine) -> None:
    """After a lost connection, close the others kept for ``engine``, ``read_alone``'s too: they were most
    likely dropped as well (a restart)."""
    pools = [engine, _ALONE_POOLS[engine]] if engine in _ALONE_POOLS else [engine]
    for pool in pools:
        if pool in _KEPT:
            _KEPT[pool].release()
        pool.pool.dispose()


def in_transaction(statement, parameters: dict) -> list:
    """The rows of ``statement`` (none for a write without RETURNING), run in the request's write: on the
    driver's connection of a ``driver_write``, else in the session's transaction.

    For the few statements of a request that writes on every call (the kiosk's sign-in): as for the polls
    (``read_alone``), the statement is compiled once and handed to the driver, on the connection of the
    transaction, leaving out SQLAlchemy's execution around it (a single-row read on SQLite: 19 µs through
    SQLAlchemy, 8 µs here). What listens to the engine's statements still sees them run through
    SQLAlchemy. The driver's errors are raised as SQLAlchemy's (an ``IntegrityError`` is one), a lost
    connection invalidated as SQLAlchemy does, so the write rolls back as for any other."""
    write = _DRIVER_WRITE.get()
    if write is not None and write.ended:
        raise RuntimeError("in_transaction() after the driver_write was rolled back")
    if write is not None and write.joined is None:
        prepared = _for_driver(statement, write.engine.dialect)
        if prepared is not None:
            return _on_driver(write.engine, write.driver, prepared, parameters, write.fairy.invalidate)
        orm_in_write()  # SQLAlchemy completes this one's SQL at each run: on the write's connection too
    connection = db.session.connection()
    dialect = connection.dialect
    prepared = None if _watched(connection.engine) else _for_driver(statement, dialect)
    if prepared is None:
        result = connection.execute(statement, parameters)
        return result.all() if result.returns_rows else []
    return _on_driver(connection.engine, connection.connection.dbapi_connection, prepared, parameters,
                      connection.invalidate)


#: What a statement run on a cursor gives back (``_on_cursor``): its rows, its first row, or nothing.
_ALL, _FIRST = methodcaller("fetchall"), methodcaller("fetchone")


def _nothing(_cursor) -> list:
    return []


def _on_cursor(connection, sql: str, values, fetch: Callable):
    """``fetch`` of a new cursor of the driver's ``connection`` that ran ``sql``; the cursor closed after."""
    cursor = connection.cursor()
    try:
        cursor.execute(sql, values)
        return fetch(cursor)
    finally:
        cursor.close()


def _on_driver(engine: Engine, driver, prepared: _DriverStatement, parameters: dict,
               invalidate: Callable) -> list:
    """The rows of ``prepared`` run on the driver's connection ``driver``, in its transaction."""
    dialect = engine.dialect
    values = prepared.values(parameters)
    try:
        # What the statement names (PostgreSQL's compiler adds a RETURNING of the key to a plain insert)
        rows = _on_cursor(driver, prepared.compiled.string, values, _ALL if prepared.results else _nothing)
    except dialect.loaded_dbapi.Error as error:
        raise _driver_error(error, engine, driver, prepared, values, invalidate) from error
    return [prepared.row(row) for row in rows]


#: The pooled connection's own cursor for ``read_alone`` (kept in the pool's record of the connection,
#: which forgets it with the connection).
_ALONE_CURSOR = "kiosk_read_alone_cursor"


def _on_server(connection, sql: str, values, many: bool):
    """Every row of ``sql`` (``many``), or its first, on a PostgreSQL connection (psycopg) of
    ``_alone_pool``, in autocommit: outside any transaction.

    Each connection keeps one cursor for these statements (making one, with its adapters, cost a sixth
    of the statement's time in the driver; psycopg holds the whole result, so nothing stays open on the
    server between uses), and the statement is prepared on the server at its first run there (``prepare``;
    psycopg would wait for the fifth): the polls send the same few statements all day, so the server
    parses and plans each once per connection. No transaction ends on these connections, so psycopg
    never deallocates them (it does at every ROLLBACK)."""
    cursor = connection.info.get(_ALONE_CURSOR)
    if cursor is None:
        cursor = connection.info[_ALONE_CURSOR] = connection.dbapi_connection.cursor()
    cursor.execute(sql, values, prepare=True)
    return cursor.fetchall() if many else cursor.fetchone()


def begin_write() -> None:
    """Open the request's write transaction before its first read of the data it will change.

    Ends the read-only transaction that loading the signed-in user opened, then begins again with
    the write lock taken up front on SQLite (``BEGIN IMMEDIATE``); on PostgreSQL a plain BEGIN.
    """
    session = db.session()
    _end_read(session)
    session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})


def end_session_read() -> None:
    """End the request's session's read transaction, if it has one open (``_end_read``): what the
    statements after it read and write on a connection of their own is then what the session's next
    reads see (on SQLite a reader keeps its snapshot until its transaction ends)."""
    if db.session.registry.has():
        _end_read(db.session())


def _end_read(session) -> None:
    """End the read-only transaction the session has open (loading the signed-in user opens one), so that
    what the write commits is seen by the session's next reads (SQLite keeps a reader's snapshot)."""
    if session.in_transaction():
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("a write begun with unsaved changes in the session")
        session.commit()


_ADVISORY_LOCK = select(func.pg_advisory_xact_lock(bindparam("key", type_=BigInteger)))


def advisory_lock(name: str) -> None:
    """Line up the transactions that take the lock ``name`` until they end: on PostgreSQL a
    transaction-scoped advisory lock (released at commit or rollback); on SQLite nothing more is needed,
    the write transaction (``BEGIN IMMEDIATE``) already admits one writer at a time."""
    if db.engine.dialect.name == "postgresql":
        digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
        in_transaction(_ADVISORY_LOCK, {"key": int.from_bytes(digest, "big", signed=True)})


@contextmanager
def unit_of_work(conflict: Callable[[], Exception] | None = None) -> Iterator:
    """One write, whole or not at all: ``with unit_of_work(lambda: SlipConflict(slip_id)) as session: ...``

    Begins the write (``begin_write``: the write lock up front on SQLite), commits when the block ends, and
    rolls back on any error. A lost optimistic-lock race (``StaleDataError`` from a ``version_id_col``)
    becomes ``conflict()`` when given, the error the service's callers know; anything else is re-raised.
    """
    begin_write()
    session = db.session()
    try:
        yield session
        session.commit()
    except StaleDataError:
        session.rollback()
        if conflict is None:
            raise
        raise conflict() from None
    except BaseException:
        session.rollback()
        raise


@dataclass
class _Write:
    """A ``driver_write`` under way: its pooled connection and the driver's, and the ORM session's
    Connection on them once the session joined (``orm_in_write``)."""

    engine: Engine
    fairy: PoolProxiedConnection
    driver: Any
    joined: Connection | None = None
    ended: bool = False  # rolled back and its connection returned to the pool (``roll_back``)


_DRIVER_WRITE: ContextVar[_Write | None] = ContextVar("kiosk_driver_write", default=None)


@contextmanager
def driver_write() -> Iterator[None]:
    """One write, whole or not at all, as ``unit_of_work`` (the write lock up front on SQLite), run on a
    pooled connection's driver without the ORM session until something needs it.

    For a write of a few statements on every call (the kiosk's sign-in, whose statements go through
    ``in_transaction``): beginning the session's transaction, checking its connection out, committing and
    closing it cost more than the statements (about 0.2 ms of CPU against 0.07 on SQLite). Here BEGIN
    and COMMIT go to the driver. When the ORM is used inside the write (an incident, a notification, an
    appointment), the session joins the transaction on the same connection by itself (``orm_in_write``),
    and its commit ends it. ``roll_back`` undoes it (a repeated submission). The driver's errors are raised
    as SQLAlchemy's, a lost connection invalidated, as for any other write. While anything listens to the
    engine's statements it is ``unit_of_work`` itself, for them to see every statement and the BEGIN."""
    engine = db.engine
    if _watched(engine):
        with unit_of_work():
            yield
        return
    end_session_read()
    dialect = engine.dialect
    try:
        fairy = engine.raw_connection()
    except dialect.loaded_dbapi.Error as error:  # no connection to be had (the server down or refusing)
        raise _plain_driver_error(error, engine, None) from error
    write = _Write(engine, fairy, fairy.dbapi_connection)
    token = _DRIVER_WRITE.set(write)
    try:
        try:
            if dialect.name == "sqlite":
                write.driver.execute("BEGIN IMMEDIATE")  # the write lock up front, as begin_write
            elif write.driver.autocommit:  # as the pool hands them out, it is not: the driver sends BEGIN
                write.driver.autocommit = False  # before the first statement by itself
            yield
            if write.ended:
                return
            if write.joined is None and _pending_in_session():
                orm_in_write()
            if write.joined is not None:
                db.session.commit()
            else:
                write.driver.commit()
        except dialect.loaded_dbapi.Error as error:
            raise _plain_driver_error(error, engine, write) from error
        except BaseException:
            _roll_back(write)
            raise
    finally:
        _DRIVER_WRITE.reset(token)
        _release(write)


def _release(write: _Write) -> None:
    """Return the write's connection to the pool (once)."""
    if not write.ended:
        write.ended = True
        (write.joined or write.fairy).close()


def _plain_driver_error(error, engine: Engine, write: _Write | None) -> DBAPIError:
    """The driver's ``error`` outside a statement of ours (checking a connection out, BEGIN, COMMIT) as
    SQLAlchemy's, the write rolled back and a lost connection invalidated."""
    dialect = engine.dialect
    lost = write is not None and dialect.is_disconnect(error, write.driver, None)
    if write is not None:
        if lost:
            write.fairy.invalidate(error)
            _close_pools(engine)
        else:
            _roll_back(write)
    return DBAPIError.instance(None, None, error, dialect.loaded_dbapi.Error,
                               hide_parameters=engine.hide_parameters, dialect=dialect,
                               connection_invalidated=lost)


def _pending_in_session() -> bool:
    """Has the session changes not yet flushed (added inside the write without a statement since)?"""
    if not db.session.registry.has():
        return False
    session = db.session()
    return bool(session.new or session.dirty or session.deleted)


@event.listens_for(Session, "do_orm_execute")
def _join_on_execute(_state) -> None:
    """Whatever the session runs inside a ``driver_write`` runs in it: the session joins first, so no read
    or write of the ORM can go to another connection and transaction beside the write."""
    orm_in_write()


@event.listens_for(Session, "before_flush")
def _join_on_flush(_session, _context, _instances) -> None:
    """A flush inside a ``driver_write`` writes in it (``_join_on_execute``'s reason)."""
    orm_in_write()


def _roll_back(write: _Write) -> None:
    if write.ended:
        return
    if write.joined is not None:
        db.session.rollback()
        return
    if not write.fairy.is_valid:  # invalidated by a lost connection: nothing left to roll back
        return
    try:
        write.driver.rollback()
    except write.engine.dialect.loaded_dbapi.Error as error:  # lost meanwhile: the pool replaces it
        write.fairy.invalidate(error)


def orm_in_write() -> None:
    """Let the ORM session work in the ``driver_write`` under way (if any): from here its statements run
    in that transaction, on that connection, and its commit ends the write. The session's first statement
    or flush inside the write calls it by itself (``_join_on_execute``, ``_join_on_flush``)."""
    write = _DRIVER_WRITE.get()
    if write is None or write.joined is not None or write.ended:
        return
    session = db.session()
    transaction = session.get_transaction()
    # A read between the write's start and here holds the session's own connection: ended first. A
    # transaction holding none yet (``Session.add`` begins one) joins as it is, its new objects kept.
    if transaction is not None and transaction._connections:  # (no public way to ask)
        _end_read(session)
    # Its BEGIN was sent (ALONE: none again); the session begins and commits the transaction as its own.
    write.joined = Connection(write.engine, connection=write.fairy).execution_options(**{ALONE: True})
    session.connection(bind_arguments={"bind": write.joined})


def roll_back() -> None:
    """Undo the write under way: a ``driver_write``'s, or the session's."""
    write = _DRIVER_WRITE.get()
    if write is None:
        db.session.rollback()
    else:  # and its connection returned, for whatever the request reads next (on another)
        _roll_back(write)
        _release(write)


def dialect_insert(model):
    """``INSERT`` for the session's database, with its ``ON CONFLICT`` clauses (SQLite or PostgreSQL)."""
    dialect = db.session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)


def upsert(model, key: Sequence[str], values: dict, update: dict | None = None, **options):
    """``INSERT … ON CONFLICT (key) DO UPDATE`` for the session's database: ``values`` go in as a new row,
    or, where a row of ``key`` is already there, ``update`` (by default the values not in ``key``) is
    written into it, in one statement, so two writers at once leave one row. ``options`` go to
    ``on_conflict_do_update`` (``where``); the caller adds ``returning`` and executes it."""
    if update is None:
        update = {name: value for name, value in values.items() if name not in key}
    return dialect_insert(model).values(**values).on_conflict_do_update(
        index_elements=[getattr(model, name) for name in key], set_=update, **options)


def insert_or_skip(table: Table, columns: tuple[str, ...], conflict: tuple[str, ...], returning: str):
    """``INSERT INTO table (columns) VALUES (:column, …) ON CONFLICT (conflict) DO NOTHING RETURNING
    returning`` for the app's database (no ``conflict`` named: a conflict on any unique index skips), as a
    statement SQLAlchemy compiles once: its dialects' own ``insert().on_conflict_do_nothing()`` is never
    cached and is compiled again at every execution (0.3 to 0.6 ms of CPU, more than running it). Execute
    it with the columns' values by name; the values go through the columns' types as usual."""
    return _insert_or_skip(db.engine.dialect.name, table, columns, conflict, returning)


@cache
def _insert_or_skip(dialect: str, table: Table, columns: tuple[str, ...], conflict: tuple[str, ...],
                    returning: str) -> TextClause:
    module = postgresql if dialect == "postgresql" else sqlite
    statement = (module.insert(table).values({name: bindparam(name) for name in columns})
                 .on_conflict_do_nothing(index_elements=list(conflict) or None).returning(table.c[returning]))
    named = str(statement.compile(dialect=module.dialect(paramstyle="named")))
    return (text(named).bindparams(*(bindparam(name, type_=table.c[name].type) for name in columns))
            .columns(table.c[returning]))


def end_session(_error=None) -> None:
    """Close the request's session; a connection the database dropped meanwhile is not the answer's fault.

    The answer is made by then. Closing rolls back what the request left open (often only a read); if the
    connection was cut in the meantime (a database restart, ``pg_terminate_backend``), that rollback fails,
    and without this the server would turn an answer already made into a 500. The pool replaces the dead
    connection (``ping_when_idle``). Runs before Flask-SQLAlchemy's own teardown, which then has nothing
    left to close.
    """
    try:
        db.session.remove()
    except DBAPIError as error:
        log.warning("connection lost while closing the session: %s", type(error.orig).__name__)
        db.session.registry.clear()
