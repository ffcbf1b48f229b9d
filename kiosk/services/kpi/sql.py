"""SQL building blocks of the KPI queries: seconds between two moments on SQLite and PostgreSQL, a
filtered count, a half-open time span."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import Float


class seconds_between(FunctionElement):  # noqa: N801  (reads like the SQL function it stands for)
    """``later - earlier`` in seconds, as a float, on SQLite and PostgreSQL."""

    type = Float()
    inherit_cache = True
    name = "seconds_between"


@compiles(seconds_between, "sqlite")
def _seconds_between_sqlite(element, compiler, **kw):
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"((julianday({later}) - julianday({earlier})) * 86400.0)"


@compiles(seconds_between, "postgresql")
def _seconds_between_postgresql(element, compiler, **kw):
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"EXTRACT(EPOCH FROM ({later} - {earlier}))"


def counted(condition) -> ColumnElement:
    return func.count().filter(condition)


def within(column, start: datetime, end: datetime) -> list[ColumnElement]:
    return [column >= start, column < end]
