"""Shared set-up for the task-slip tests: the people around a slip and a way to bring a slip to a status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from itertools import count

from sqlalchemy import select
from werkzeug.security import generate_password_hash

from kiosk.clock import utcnow
from kiosk.database import begin_write
from kiosk.domain.callbacks import CallbackResult
from kiosk.domain.deadlines import Priority
from kiosk.extensions import db
from kiosk.models.callbacks import Callback
from kiosk.models.people import Department, User
from kiosk.models.tasks import SlipSource, TaskSlip
from kiosk.services import tasks
from kiosk.services.directory import working_calendar
from tests.support import PASSWORD


@dataclass
class Cast:
    department: Department
    other_department: Department
    owner: User  # the agent who opened the slip (first-contact owner)
    staff: User  # staff of the slip's department
    other_staff: User  # staff of another department
    supervisor: User
    other_agent: User


@cache
def _password_hash() -> str:
    return generate_password_hash(PASSWORD)


def quick_user(*roles: str, display_name: str, department: Department | None = None,
               username: str | None = None) -> User:
    """Like the ``make_user`` fixture, with the password hashed once per run (hashing is slow on purpose)."""
    user = User(username=username or f"u{next(_numbers)}", display_name=display_name, department=department,
                created_at=utcnow(), active=True, password_hash=_password_hash())
    user.set_roles(roles)
    db.session.add(user)
    db.session.commit()
    return user


_numbers = count(1)


def make_cast(make_department) -> Cast:
    department, other = make_department(name="工程部"), make_department(name="秩序部")
    return Cast(
        department=department, other_department=other,
        owner=quick_user("agent", display_name="李娜"),
        staff=quick_user("staff", department=department, display_name="赵强"),
        other_staff=quick_user("staff", department=other, display_name="周勇"),
        supervisor=quick_user("supervisor", display_name="陈静"),
        other_agent=quick_user("agent", display_name="王芳"),
    )


def open_one(cast: Cast, *, dispatched: bool = True, priority: Priority = Priority.ROUTINE,
             now: datetime | None = None) -> TaskSlip:
    begin_write()
    slip = tasks.open_slip(source=SlipSource.CALL, category="repair", priority=priority,
                           description="3栋 201 厨房水管漏水", owner=cast.owner, now=now or utcnow(),
                           calendar=working_calendar(), location="湘江壹号 3栋 201", caller_name="张先生",
                           caller_phone="13812345678", department=cast.department if dispatched else None)
    db.session.commit()
    return slip


def pending_callback(slip_id: int) -> Callback:
    return db.session.scalar(select(Callback).where(Callback.slip_id == slip_id,
                                                    Callback.status == "pending"))


def bring_to(cast: Cast, status: str, now: datetime | None = None) -> TaskSlip:
    """A slip in ``status``, got there through the service verbs."""
    now = now or utcnow()
    slip = open_one(cast, dispatched=status != "new", now=now)
    steps = {
        "new": [], "dispatched": [],
        "rejected": [lambda i: tasks.reject(i, actor=cast.staff, now=now, reason="不属于本部门")],
        "accepted": [lambda i: tasks.accept(i, actor=cast.staff, now=now)],
    }
    steps["in_progress"] = steps["accepted"] + [lambda i: tasks.start(i, actor=cast.staff, now=now)]
    steps["waiting_on_owner"] = steps["in_progress"] + [
        lambda i: tasks.wait_on_owner(i, actor=cast.staff, now=now, reason="业主不在家")]
    steps["resolved"] = steps["in_progress"] + [
        lambda i: tasks.resolve(i, actor=cast.staff, now=now, result="已更换水管")]
    steps["closed"] = steps["resolved"] + [
        lambda i: tasks.record_callback(pending_callback(i).id, actor=cast.owner, now=now,
                                        result=CallbackResult.SATISFIED)]
    for step in steps[status]:
        step(slip.id)
    slip = db.session.get(TaskSlip, slip.id)
    assert slip.status == status
    return slip


def client_for(app, user: User):
    client = app.test_client()
    response = client.post_form("/auth/login", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 303
    return client
