"""Two people acting on the same slip at once: exactly one wins, the other is told, nothing is lost.

Threads against the file (SQLite) or server (PostgreSQL) database, each with its own client or app context.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from threading import Barrier

import pytest
from sqlalchemy import func, select

from kiosk.clock import utcnow
from kiosk.domain.callbacks import CallbackResult
from kiosk.domain.deadlines import Priority
from kiosk.domain.slip_lifecycle import Refused
from kiosk.extensions import db
from kiosk.models.people import Department, User
from kiosk.models.tasks import TaskEvent, TaskSlip
from kiosk.services import tasks
from tests.web.slips import bring_to, client_for, make_cast, open_one, pending_callback, quick_user


@pytest.fixture
def cast(app, make_department):
    return make_cast(make_department)


def test_two_staff_accept_and_reject_at_once_one_wins_the_other_gets_409(app, cast):
    colleague = quick_user("staff", department=cast.department, display_name="孙磊")
    slip = open_one(cast)
    slip_id, version = slip.id, slip.version
    clients = [client_for(app, cast.staff), client_for(app, colleague)]
    forms = [("accept", {"accept-version": version}),
             ("reject", {"reject-version": version, "reject-note": "不是本部门的"})]
    barrier = Barrier(2)

    def act(i):
        action, data = forms[i]
        token = clients[i].csrf_token()
        barrier.wait()
        response = clients[i].post(f"/tasks/{slip_id}/{action}", data={"csrf_token": token, **data})
        return response.status_code, response.get_data(as_text=True)

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(act, range(2)))
    assert sorted(status for status, _ in results) == [303, 409]
    loser = next(html for status, html in results if status == 409)
    assert "刚被其他人修改" in loser
    db.session.rollback()
    stored = db.session.get(TaskSlip, slip_id)
    moves = [e.kind for e in stored.events]
    assert moves == ["opened", stored.events[-1].kind] and stored.events[-1].kind in ("accept", "reject")
    assert stored.version == version + 1


def test_many_accepting_the_same_version_exactly_one_succeeds(app, cast):
    slip = open_one(cast)
    people = [cast.staff.id] + [quick_user("staff", department=cast.department, display_name=f"员工{i}").id
                                for i in range(7)]
    # Read in this thread, before the race: the main session's objects are expired by the commits above,
    # and a worker touching them would reload them (through this thread's session) after a winner's commit.
    slip_id, version = slip.id, slip.version
    barrier = Barrier(len(people))

    def accept(user_id):
        with app.app_context():
            actor = db.session.get(User, user_id)
            barrier.wait()
            try:
                tasks.accept(slip_id, actor=actor, now=utcnow(), version=version)
                return "won"
            except tasks.SlipConflict:
                return "conflict"
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=len(people)) as pool:
        outcomes = list(pool.map(accept, people))
    assert outcomes.count("won") == 1 and outcomes.count("conflict") == len(people) - 1
    db.session.rollback()
    stored = db.session.get(TaskSlip, slip.id)
    assert stored.status == "accepted" and stored.assignee_id in people
    assert db.session.scalar(select(func.count(TaskEvent.id)).where(TaskEvent.slip_id == slip.id)) == 2


def test_notes_added_at_once_are_all_kept(app, cast):
    slip = bring_to(cast, "in_progress")
    slip_id, staff_id = slip.id, cast.staff.id

    def note(i):
        with app.app_context():
            actor = db.session.get(User, staff_id)
            try:
                tasks.add_note(slip_id, actor=actor, now=utcnow(), note=f"进展 {i}")
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(note, range(12)))
    db.session.rollback()
    notes = db.session.scalars(select(TaskEvent.note).where(TaskEvent.slip_id == slip.id,
                                                           TaskEvent.kind == "note")).all()
    assert sorted(notes) == sorted(f"进展 {i}" for i in range(12))


def test_resolve_and_reassign_race_leaves_one_consistent_result(app, cast):
    slip = bring_to(cast, "in_progress")
    version, other_id = slip.version, cast.other_department.id
    slip_id, staff_id, supervisor_id = slip.id, cast.staff.id, cast.supervisor.id
    barrier = Barrier(2)

    def resolve():
        with app.app_context():
            barrier.wait()
            try:
                tasks.resolve(slip_id, actor=db.session.get(User, staff_id), now=utcnow(),
                              result="修好了", version=version)
                return "resolved"
            except (tasks.SlipConflict, Refused):
                return "lost"
            finally:
                db.session.remove()

    def reassign():
        with app.app_context():
            barrier.wait()
            try:
                tasks.reassign(slip_id, actor=db.session.get(User, supervisor_id), now=utcnow(),
                               department=db.session.get(Department, other_id), reason="改派",
                               version=version)
                return "reassigned"
            except (tasks.SlipConflict, Refused):
                return "lost"
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = sorted(f.result() for f in [pool.submit(resolve), pool.submit(reassign)])
    assert outcomes.count("lost") == 1
    db.session.rollback()
    stored = db.session.get(TaskSlip, slip.id)
    winner = next(o for o in outcomes if o != "lost")
    assert stored.status == {"resolved": "resolved", "reassigned": "dispatched"}[winner]
    callbacks = 1 if winner == "resolved" else 0
    assert (pending_callback(slip.id) is not None) == bool(callbacks)


def test_one_callback_recorded_twice_at_once_counts_once(app, cast):
    slip = bring_to(cast, "resolved")
    callback = pending_callback(slip.id)
    callback_id, version, owner_id = callback.id, callback.version, cast.owner.id
    barrier = Barrier(2)

    def record(result):
        with app.app_context():
            barrier.wait()
            try:
                tasks.record_callback(callback_id, actor=db.session.get(User, owner_id), now=utcnow(),
                                      result=result, version=version)
                return "recorded"
            except tasks.CallbackConflict:
                return "conflict"
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(record, [CallbackResult.SATISFIED, CallbackResult.UNSATISFIED]))
    assert sorted(outcomes) == ["conflict", "recorded"]
    db.session.rollback()
    kinds = [e.kind for e in db.session.get(TaskSlip, slip.id).events]
    assert kinds.count("callback") == 1


def test_escalation_runs_overlapping_escalate_each_slip_once(app, cast):
    from datetime import timedelta

    for _ in range(5):
        open_one(cast, now=utcnow() - timedelta(days=5))

    def run(_):
        with app.app_context():
            try:
                return tasks.notify_deadlines(utcnow())[1]
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=4) as pool:
        escalated = list(pool.map(run, range(4)))
    assert sum(escalated) == 5
    db.session.rollback()
    assert db.session.scalar(select(func.count(TaskEvent.id)).where(TaskEvent.kind == "escalated")) == 5


#: A hand-set deadline no policy would give (a major slip's 3 working days can equal 2 calendar days).
HAND_SET = timedelta(days=2, minutes=7)


def test_two_supervisors_editing_priority_and_deadline_at_once_one_wins_and_the_other_change_is_not_lost(
        app, cast):
    """Both read the same version: one change is applied, the other is refused (not silently overwritten),
    so the refused supervisor sees the fresh slip and decides again."""
    other = quick_user("supervisor", display_name="钱主管")
    slip = open_one(cast)
    slip_id, version, due = slip.id, slip.version, slip.due_at
    barrier = Barrier(2)

    def edit(i):
        with app.app_context():
            actor = db.session.get(User, (cast.supervisor.id, other.id)[i])
            barrier.wait()
            try:
                if i == 0:
                    tasks.change_priority(slip_id, actor=actor, now=utcnow(), priority=Priority.MAJOR,
                                          reason="业主多次来电", version=version)
                else:
                    tasks.change_deadline(slip_id, actor=actor, now=utcnow(), due=due + HAND_SET,
                                          reason="等配件", version=version)
                return "won"
            except tasks.SlipConflict:
                return "conflict"
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(edit, range(2)))
    assert sorted(outcomes) == ["conflict", "won"]
    db.session.rollback()
    stored = db.session.get(TaskSlip, slip_id)
    assert stored.version == version + 1  # one change, one version step
    assert [e.kind for e in stored.events][1:] in (["priority"], ["deadline"])
    winner = outcomes.index("won")
    assert (stored.priority == "major") == (winner == 0)
    assert (stored.due_at == due + HAND_SET) == (winner == 1)
