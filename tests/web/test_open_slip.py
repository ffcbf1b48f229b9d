"""Opening a task slip: readable numbers, the deadline from the policy, the department told at once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from sqlalchemy import select

from kiosk.database import begin_write
from kiosk.domain.deadlines import Priority
from kiosk.extensions import db
from kiosk.models.notifications import Notification
from kiosk.models.tasks import SlipSource, TaskSlip
from kiosk.services.directory import working_calendar
from kiosk.services.tasks import open_slip

# Friday 2026-10-09 10:00 in Shanghai; Saturday 10-10 is a make-up workday after National Day.
FRIDAY_MORNING = datetime(2026, 10, 9, 2, 0, tzinfo=UTC)


def _open(owner, department, priority=Priority.ROUTINE, now=FRIDAY_MORNING):
    slip = open_slip(source=SlipSource.CALL, category="service_request", priority=priority,
                     description="3栋 201 厨房水管漏水", owner=owner, department=department, now=now,
                     calendar=working_calendar(), location="湘江壹号 3栋 201")
    db.session.commit()
    return slip


def test_slip_numbers_are_readable_by_date_and_sequential(app, make_user, make_department):
    owner, department = make_user("agent"), make_department()
    first, second = _open(owner, department), _open(owner, department)
    assert (first.number, second.number) == ("RW20261009-0001", "RW20261009-0002")


def test_routine_slip_is_due_one_working_day_later_counting_the_make_up_saturday(app, make_user,
                                                                                 make_department):
    slip = _open(make_user("agent"), make_department())
    assert slip.due_at == datetime(2026, 10, 10, 2, 0, tzinfo=UTC)


def test_dispatched_slip_tells_the_department_and_records_who_opened_it(app, make_user, make_department):
    owner, department = make_user("agent"), make_department()
    slip = _open(owner, department, priority=Priority.EMERGENCY)
    assert slip.status == "dispatched"
    assert [(e.kind, e.to_status, e.actor_id) for e in slip.events] == [("opened", "dispatched", owner.id)]
    note = db.session.scalar(select(Notification).where(Notification.department_id == department.id))
    assert note.level == "urgent" and slip.number in note.title


def test_slip_without_department_waits_as_new(app, make_user):
    assert _open(make_user("agent"), None).status == "new"


def test_concurrent_openings_never_share_a_number(app, make_user, make_department):
    owner_id, department_id = make_user("agent").id, make_department().id

    def open_one(_):
        with app.app_context():
            from kiosk.models.people import Department, User

            begin_write()
            slip = _open(db.session.get(User, owner_id), db.session.get(Department, department_id))
            return slip.number

    with ThreadPoolExecutor(max_workers=8) as pool:
        numbers = list(pool.map(open_one, range(20)))
    assert len(set(numbers)) == 20
    db.session.rollback()  # end this test's own read snapshot before looking
    stored = db.session.scalars(select(TaskSlip.number)).all()
    assert sorted(stored) == sorted(numbers) == [f"RW20261009-{n:04d}" for n in range(1, 21)]
