"""Opening task slips. Shared by every source: hotline calls, visits and staff reports."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite

from kiosk.clock import SHANGHAI
from kiosk.domain.deadlines import DeadlinePolicy, Priority, due_at
from kiosk.domain.working_days import WorkingCalendar
from kiosk.extensions import db
from kiosk.models.people import Department, User
from kiosk.models.tasks import SlipCounter, SlipSource, SlipStatus, TaskEvent, TaskSlip
from kiosk.services.notifications import notify


def next_slip_number(now: datetime) -> str:
    """RW<yyyymmdd>-<nnnn>, by the Shanghai date; one atomic upsert, so two workers never share a number."""
    day = now.astimezone(SHANGHAI).date()
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(SlipCounter).values(day=day, last=1)
    statement = statement.on_conflict_do_update(
        index_elements=[SlipCounter.day], set_={"last": SlipCounter.last + 1}
    ).returning(SlipCounter.last)
    sequence = db.session.execute(statement).scalar_one()
    return f"RW{day:%Y%m%d}-{sequence:04d}"


def open_slip(*, source: SlipSource, category: str, priority: Priority, description: str, owner: User,
              now: datetime, calendar: WorkingCalendar, policy: DeadlinePolicy | None = None,
              department: Department | None = None, source_ref: int | None = None, location: str = "",
              caller_name: str = "", caller_phone: str | None = None, note: str = "") -> TaskSlip:
    """Open a slip with its deadline (seed 004 §2, seed 003) and dispatch it when a department is named.

    Added to the caller's transaction; the caller commits, so a call and its slip are stored together.
    The department is told in-app at once.
    """
    policy = policy or DeadlinePolicy()
    status = SlipStatus.DISPATCHED if department is not None else SlipStatus.NEW
    slip = TaskSlip(
        number=next_slip_number(now), source=SlipSource(source).value, source_ref=source_ref,
        category=category, priority=Priority(priority).value, status=status.value,
        department=department, owner=owner, caller_name=caller_name, caller_phone=caller_phone,
        location=location, description=description, opened_at=now,
        due_at=due_at(now, Priority(priority), policy, calendar),
    )
    slip.events.append(TaskEvent(at=now, actor_id=owner.id, kind="opened", from_status=None,
                                 to_status=status.value, note=note))
    db.session.add(slip)
    db.session.flush()
    if department is not None:
        notify(kind="slip_dispatched", title=f"新任务单 {slip.number}：{description[:40]}", now=now,
               department=department, link=f"/tasks/{slip.id}",
               level="urgent" if priority in (Priority.EMERGENCY, Priority.COMPLAINT) else "info")
    return slip
