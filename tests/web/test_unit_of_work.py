"""``unit_of_work``: a write is committed whole, rolled back whole, and a lost version race is the caller's
own conflict error."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from kiosk.database import unit_of_work
from kiosk.extensions import db
from kiosk.models.people import Department, User


class DepartmentConflict(Exception):
    pass


def _names() -> list[str]:
    db.session.rollback()
    return list(db.session.scalars(select(Department.name).order_by(Department.id)))


def test_a_block_that_ends_is_committed(app):
    with unit_of_work() as session:
        session.add(Department(code="eng", name="工程部", active=True))
    assert _names() == ["工程部"]


def test_an_error_in_the_block_leaves_nothing_behind(app):
    with pytest.raises(ValueError), unit_of_work() as session:
        session.add(Department(code="eng", name="工程部", active=True))
        session.flush()
        raise ValueError("refused")
    assert _names() == []


def test_a_lost_version_race_becomes_the_callers_conflict(app, make_user):
    user = make_user("agent", display_name="王芳")
    with pytest.raises(DepartmentConflict), unit_of_work(DepartmentConflict):
        mine = db.session.get(User, user.id)
        # The row moves on to the next version behind the loaded object's back, as another worker's save
        # would between this one's read and its write.
        db.session.execute(update(User).where(User.id == user.id).values(version=User.version + 1)
                           .execution_options(synchronize_session=False))
        mine.display_name = "王芳芳"
    db.session.rollback()
    assert db.session.get(User, user.id).display_name == "王芳"
