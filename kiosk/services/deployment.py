"""What the production preflight needs to know about the running environment (``flask check-deploy``)."""

from __future__ import annotations

import json
import logging
from datetime import date

from flask import current_app
from limits.errors import ConfigurationError
from limits.storage import storage_from_string
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from kiosk.clock import local, utcnow
from kiosk.database import dialect_insert
from kiosk.deploy_checks import Facts, calendar_years
from kiosk.extensions import db, init_migrations
from kiosk.models.settings import Setting
from kiosk.services.directory import working_calendar

log = logging.getLogger(__name__)

#: The settings row that says a request carried X-Forwarded-For while no proxy was trusted.
UNTRUSTED_FORWARDING_KEY = "untrusted_forwarding_seen"


def record_untrusted_forwarding(peer: str) -> bool:
    """Write down the first request that came with X-Forwarded-For while ``TRUSTED_PROXIES`` is 0.

    An insert that does nothing when the row exists, on a connection of its own (the request's session
    is left alone), so it costs one statement per process at most. False if the database refused: the
    request goes on and a later one tries again.
    """
    now = utcnow()
    row = {"key": UNTRUSTED_FORWARDING_KEY, "value": json.dumps({"peer": peer, "at": now.isoformat()}),
           "updated_at": now}
    statement = dialect_insert(Setting).values(**row).on_conflict_do_nothing(index_elements=["key"])
    try:
        connection = db.engine.connect().execution_options(sqlite_begin="IMMEDIATE")
        with connection, connection.begin():
            connection.execute(statement)
    except SQLAlchemyError as error:
        log.warning("could not record the untrusted X-Forwarded-For header: %s", type(error).__name__)
        return False
    return True


def _limiter_storage_error(uri: str) -> str | None:
    try:
        reachable = storage_from_string(uri).check()
    except ConfigurationError as error:  # e.g. the Redis client is not installed
        return f"{error} (pip install '.[production]')"
    return None if reachable else "no answer / 无应答"


def _database_facts(today: date) -> dict:
    """The schema revision and the calendar, read from the database."""
    migrations = init_migrations(current_app)  # Alembic only when asked (kiosk.extensions)
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(migrations.migrate.get_config())
    heads = frozenset(scripts.get_heads())
    with db.engine.connect() as connection:
        revisions = frozenset(MigrationContext.configure(connection).get_current_heads())
    facts: dict = {"head_revisions": heads, "database_revisions": revisions}
    if revisions != heads:  # the tables below may not exist yet
        return facts
    calendar = working_calendar()
    facts["years_without_make_up_days"] = tuple(
        year for year in calendar_years(today) if not calendar.knows_make_up_days(year)
    )
    facts["forwarded_header_seen"] = db.session.scalar(
        select(Setting.key).where(Setting.key == UNTRUSTED_FORWARDING_KEY)
    ) is not None
    return facts


def gather_facts(today: date | None = None) -> Facts:
    """Ask the database and the rate-limit store what only they can tell (``today``: a Shanghai date)."""
    today = today or local(utcnow()).date()
    config = current_app.config
    found: dict = {}
    try:
        found.update(_database_facts(today))
    except SQLAlchemyError as error:
        found["database_error"] = f"{type(error).__name__}: {getattr(error, 'orig', None) or error}"
    if config.get("RATELIMIT_ENABLED", True):
        found["limiter_storage_error"] = _limiter_storage_error(config["RATELIMIT_STORAGE_URI"])
    return Facts(**found)
