"""Database connection rules.

SQLite (the default): WAL, a busy timeout and foreign keys on every connection, and writes that begin
with ``BEGIN IMMEDIATE`` so that two writers queue instead of failing (a deferred read that later
upgrades to a write fails at once, whatever the timeout). PostgreSQL: row locks (``FOR UPDATE``) and
conditional updates in the services do the same job.
"""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import Engine

from kiosk.extensions import db

SQLITE_BUSY_TIMEOUT_MS = 15000


def configure_engine(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return

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
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


def begin_write() -> None:
    """Open the request's write transaction before its first read of the data it will change.

    Ends the read-only transaction that loading the signed-in user opened, then begins again with
    the write lock taken up front on SQLite (``BEGIN IMMEDIATE``); on PostgreSQL a plain BEGIN.
    """
    session = db.session()
    if session.in_transaction():
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("begin_write() called with unsaved changes in the session")
        session.commit()
    session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
