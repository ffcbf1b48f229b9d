"""Column types shared by the models."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import ColumnElement, DateTime, Index, literal_column, text
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out; stored as naive UTC on every database."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect):
        return None if value is None else value.replace(tzinfo=UTC)


def _in_sql(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{value}'" for value in values) + ")"


def partial_index(name: str, column: str, values: tuple[str, ...], *columns: str) -> Index:
    """An index over the rows whose ``column`` is one of ``values`` (SQLite and PostgreSQL alike); a
    query reaches it through ``literal_in`` on the same values."""
    where = text(_in_sql(column, values))
    return Index(name, *columns, sqlite_where=where, postgresql_where=where)


def literal_in(column, values: tuple[str, ...]) -> ColumnElement[bool]:
    """``column IN (…)`` with the values written into the SQL rather than bound, in the given order:
    SQLite and PostgreSQL then see that the partial index over the same list (``partial_index``) serves
    the query (a bound list hides that from them). The values are our own constants (enum values),
    quoted as ``partial_index`` quotes them, and compiled once with the statement."""
    return column.in_([literal_column(f"'{value}'") for value in values])
