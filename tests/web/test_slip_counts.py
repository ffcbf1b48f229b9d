"""The slips per department and status the database keeps (``SlipCount``, triggers on ``task_slips``), and
the board's by-department panel read from them: always what counting the slips themselves says."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import case, column, delete, func, select, table, text, update

from kiosk.clock import utcnow
from kiosk.extensions import db
from kiosk.models.people import Department
from kiosk.models.tasks import OPEN_VALUES, SlipCount, TaskEvent, TaskSlip, status_among
from kiosk.services import board
from kiosk.services.tasks import near_due_condition, overdue_condition
from tests.web.slips import bring_to, make_cast, open_one

#: SQLite's catalogue of the schema.
sqlite_master = table("sqlite_master", column("type"), column("name"), column("tbl_name"))


@pytest.fixture
def cast(app, make_department):
    return make_cast(make_department)


def kept_counts() -> dict:
    rows = db.session.execute(select(SlipCount.department_id, SlipCount.status, SlipCount.slips))
    return {(department, status): slips for department, status, slips in rows if slips}


def live_counts() -> dict:
    rows = db.session.execute(select(TaskSlip.department_id, TaskSlip.status, func.count())
                              .where(TaskSlip.department_id.is_not(None))
                              .group_by(TaskSlip.department_id, TaskSlip.status))
    return {(department, status): slips for department, status, slips in rows}


def live_by_department(now) -> list:
    """The panel's rows as counting every open slip gives them (how the panel read them before)."""
    near = func.sum(case((near_due_condition(now), 1), else_=0))
    late = func.sum(case((overdue_condition(now), 1), else_=0))
    rows = db.session.execute(
        select(Department.name, func.count(), near, late)
        .join(TaskSlip, TaskSlip.department_id == Department.id)
        .where(status_among(OPEN_VALUES)).group_by(Department.name)
        .order_by(late.desc(), func.count().desc(), Department.name))
    return [tuple(row) for row in rows]


def test_the_counts_follow_every_insert_change_and_delete(cast):
    for status in ("new", "dispatched", "rejected", "accepted", "in_progress", "waiting_on_owner",
                   "resolved", "closed"):
        bring_to(cast, status)
    assert kept_counts() == live_counts() and kept_counts()
    moved = open_one(cast)
    # Written behind the services' back (a script, a bulk update): the database keeps the counts all the same.
    db.session.execute(update(TaskSlip).where(TaskSlip.id == moved.id)
                       .values(department_id=cast.other_department.id, status="in_progress"))
    db.session.execute(update(TaskSlip).where(TaskSlip.status == "rejected").values(department_id=None))
    db.session.commit()
    assert kept_counts() == live_counts()
    db.session.execute(delete(TaskEvent).where(TaskEvent.slip_id == moved.id))
    db.session.execute(delete(TaskSlip).where(TaskSlip.id == moved.id))
    db.session.commit()
    assert kept_counts() == live_counts()


def test_the_by_department_panel_counts_as_the_slips_say(cast):
    now = utcnow()
    for days_ago in (0, 0, 2, 5, 9):  # due later, near due and overdue, in both departments
        open_one(cast, now=now - timedelta(days=days_ago))
    bring_to(cast, "waiting_on_owner", now=now - timedelta(days=9))  # open, its clock stopped
    bring_to(cast, "closed")
    db.session.execute(update(TaskSlip).where(TaskSlip.id == open_one(cast, now=now - timedelta(days=3)).id)
                       .values(department_id=cast.other_department.id))
    db.session.commit()
    for moment in (now, now + timedelta(days=1), now + timedelta(days=4), now + timedelta(days=30)):
        assert board.by_department(moment) == live_by_department(moment)
    assert {late for _name, _total, _near, late in board.by_department(now)} != {0}


def test_the_triggers_that_keep_the_counts_are_there_at_the_newest_schema(app):
    """A later migration that rebuilds ``task_slips`` (SQLite's copy-and-move) drops its triggers: the counts
    would then stop following the slips without any error."""
    if db.engine.dialect.name == "sqlite":
        names = db.session.scalars(select(sqlite_master.c.name).where(
            sqlite_master.c.type == "trigger", sqlite_master.c.tbl_name == "task_slips"))
        assert set(names) >= {"slip_counts_insert", "slip_counts_delete", "slip_counts_update"}
    else:
        names = db.session.scalars(text(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'task_slips'::regclass AND NOT tgisinternal"))
        assert "slip_counts_follow" in set(names)
