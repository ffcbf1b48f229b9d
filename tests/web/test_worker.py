"""The timed-job worker in one process with a frozen clock: what is due runs (the same service functions as
the one-shot commands) and is recorded; what is not due waits; downtime makes one run; a failed or late job
is recorded and told to the admins once per incident; a worker that died leaves its job to another; a
database outage does not end the loop."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import select

from kiosk.domain.classify import VisitPurpose
from kiosk.domain.schedules import Every
from kiosk.extensions import db
from kiosk.models.jobs import JobRun, JobSchedule
from kiosk.models.notifications import Notification
from kiosk.models.visits import Visit
from kiosk.services import jobs as job_records
from kiosk.services import visits
from kiosk.worker.jobs import JOBS, Job, job_named
from kiosk.worker.loop import Worker
from tests.conftest import make_app
from tests.kiosk_support import scalar, scalars, sign_in

T = datetime(2026, 12, 4, 1, 0, 20, tzinfo=UTC)  # 9:00:20 in Shanghai
MINUTE = timedelta(minutes=1)
EVERY_MINUTE = {"escalate-overdue", "check-model-home-rounds", "escalate-alerts", "close-lost-calls",
                "kpi-rollups"}
EVERY_5_SECONDS = {"deliver-messages"}


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _worker(app, clock, identity="host-a:1", jobs=JOBS) -> Worker:
    return Worker(app, jobs=jobs, clock=clock, identity=identity)


def _runs(job: str | None = None) -> list[JobRun]:
    query = select(JobRun).order_by(JobRun.id)
    return scalars(query.where(JobRun.job == job) if job else query)


def _row(name: str) -> JobSchedule:
    db.session.rollback()
    return db.session.get(JobSchedule, name)


def _admin_notes(kind: str) -> list[Notification]:
    return scalars(select(Notification).where(Notification.kind == kind, Notification.role == "admin"))


def test_once_runs_every_job_on_first_start_and_records_each_run(app, runner):
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    for job in JOBS:
        assert f"{job.name}: " in result.output
    runs = _runs()
    assert sorted(run.job for run in runs) == sorted(job.name for job in JOBS)
    assert all(run.finished_at >= run.started_at and run.error is None and run.result for run in runs)
    assert {run.result for run in runs if run.job == "auto-sign-out"} == {"自动签退 0 位访客"}


def test_a_job_not_due_is_not_run_and_each_schedule_sets_its_next_slot(app, make_device):
    make_device(closes_at=time(18, 0))
    clock = Clock(T)
    worker = _worker(app, clock)
    assert len(worker.run_pending().outcomes) == len(JOBS)
    assert _row("escalate-overdue").next_due_at == datetime(2026, 12, 4, 1, 1, tzinfo=UTC)  # 9:01
    assert _row("auto-sign-out").next_due_at == datetime(2026, 12, 4, 10, 0, tzinfo=UTC)  # 18:00 today
    assert _row("schedule-callbacks").next_due_at == datetime(2026, 12, 4, 22, 0, tzinfo=UTC)  # 6:00 tomorrow
    assert _row("purge-visitors").next_due_at == datetime(2026, 12, 4, 19, 0, tzinfo=UTC)  # 3:00 tomorrow

    clock.now = T + timedelta(seconds=30)  # 9:00:50: only the message delivery (every 5 s) is due
    done = worker.run_pending()
    assert [o.job for o in done.outcomes] == ["deliver-messages"]
    assert done.wake_at == datetime(2026, 12, 4, 1, 0, 55, tzinfo=UTC)
    clock.now = datetime(2026, 12, 4, 1, 1, tzinfo=UTC)  # 9:01: the one-minute jobs
    assert {o.job for o in worker.run_pending().outcomes} == EVERY_MINUTE | EVERY_5_SECONDS
    assert len(_runs()) == len(JOBS) + len(EVERY_MINUTE) + 2  # and deliver-messages at 9:00:50


def test_after_downtime_a_job_runs_once_and_keeps_to_its_grid(app):
    clock = Clock(T)
    worker = _worker(app, clock)
    worker.run_pending()
    clock.now = T + timedelta(hours=3, seconds=5)  # 12:00:25: three hours of slots were missed
    outcomes = [o for o in worker.run_pending().outcomes if o.job == "escalate-overdue"]
    assert [o.due_at for o in outcomes] == [datetime(2026, 12, 4, 1, 1, tzinfo=UTC)]
    assert _row("escalate-overdue").next_due_at == datetime(2026, 12, 4, 4, 1, tzinfo=UTC)  # 12:01
    assert [o for o in worker.run_pending().outcomes if o.job == "escalate-overdue"] == []


def test_the_worker_signs_out_visitors_after_their_tablets_closing_time(app, make_device, paired_client):
    device = make_device(closes_at=time(0, 0))
    sign_in(paired_client(device=device), VisitPurpose.REPAIR)
    visit = scalars(select(Visit))[-1]
    midnight = visits.closing_after(visit.signed_in_at, time(0, 0))
    worker = _worker(app, Clock(midnight - MINUTE))
    worker.run_pending()  # first start, before midnight: nobody to sign out yet
    assert scalar(select(Visit.signed_out_at).where(Visit.id == visit.id)) is None
    assert _row("auto-sign-out").next_due_at == midnight
    worker.clock.now = midnight + timedelta(seconds=2)
    outcome = next(o for o in worker.run_pending().outcomes if o.job == "auto-sign-out")
    assert outcome.result.startswith("自动签退") and outcome.result != "自动签退 0 位访客"
    assert scalar(select(Visit.sign_out_method).where(Visit.id == visit.id)) == "automatic"


def test_a_new_tablet_closing_earlier_moves_the_auto_sign_out_forward(app, make_device):
    make_device(closes_at=time(19, 0))
    clock = Clock(T)
    worker = _worker(app, clock)
    worker.run_pending()
    assert _row("auto-sign-out").next_due_at == datetime(2026, 12, 4, 11, 0, tzinfo=UTC)  # 19:00
    make_device(closes_at=time(17, 30))
    clock.now = T + timedelta(seconds=10)
    worker.run_pending()
    assert _row("auto-sign-out").next_due_at == datetime(2026, 12, 4, 9, 30, tzinfo=UTC)  # 17:30


def test_without_tablets_auto_sign_out_waits_for_one(app, make_device):
    clock = Clock(T)
    worker = _worker(app, clock)
    worker.run_pending()
    assert _row("auto-sign-out").next_due_at is None
    make_device(closes_at=time(18, 0))
    clock.now = T + MINUTE
    worker.run_pending()
    assert _row("auto-sign-out").next_due_at == datetime(2026, 12, 4, 10, 0, tzinfo=UTC)


def test_a_settings_interval_replaces_the_jobs_schedule(app, database_url):
    short = make_app(database_url, WORKER_INTERVALS={"purge-visitors": 2})
    clock = Clock(T)
    with short.app_context():
        worker = _worker(short, clock)
        worker.run_pending()
        clock.now = T + timedelta(seconds=2)
        assert {o.job for o in worker.run_pending().outcomes} == {"purge-visitors"}
        db.session.remove()


# ---- failures and lateness ------------------------------------------------------------------------


class Flaky:
    """A job function that fails while ``failing`` is set."""

    def __init__(self) -> None:
        self.failing = True
        self.calls = 0

    def __call__(self, now, settings) -> str:
        self.calls += 1
        if self.failing:
            raise RuntimeError("上游服务不可用\nDETAIL: 13812345678")
        return "好了"


def test_a_failed_job_records_its_error_and_tells_the_admins_once_per_incident(app, make_user):
    make_user("admin")
    flaky = Flaky()
    job = Job("flaky", "测试任务", Every(MINUTE), flaky)
    clock = Clock(T)
    worker = _worker(app, clock, jobs=(job,))
    done = worker.run_pending()
    assert done.failed and done.outcomes[0].error == "RuntimeError: 上游服务不可用"
    run = _runs("flaky")[0]
    assert run.error == "RuntimeError: 上游服务不可用" and run.result is None and run.finished_at == T
    assert _row("flaky").next_due_at == datetime(2026, 12, 4, 1, 1, tzinfo=UTC)  # scheduled on, not retried
    clock.now = T + MINUTE
    worker.run_pending()  # fails again: the same incident
    notes = _admin_notes("job_failed")
    assert len(notes) == 1 and notes[0].title == "定时任务「测试任务」运行失败"
    assert notes[0].link == "/admin/jobs/flaky" and "13812345678" not in notes[0].body

    flaky.failing = False
    clock.now = T + 2 * MINUTE
    assert not worker.run_pending().failed and _row("flaky").alert is None
    flaky.failing = True
    clock.now = T + 3 * MINUTE
    worker.run_pending()  # a new incident
    assert len(_admin_notes("job_failed")) == 2 and flaky.calls == 4


def test_once_exits_non_zero_when_a_job_fails(app, database_url, make_user):
    broken = make_app(database_url, VISITOR_RETENTION_DAYS="半年")  # a misconfigured retention
    with broken.app_context():  # the command runs in the app context it finds
        result = broken.test_cli_runner().invoke(args=["worker", "--once"])
        db.session.remove()
    assert result.exit_code == 1
    assert "purge-visitors: TypeError" in result.output and "escalate-overdue: 即将超时提醒" in result.output


def test_a_late_job_is_told_to_the_admins_once_then_runs(app, make_user):
    make_user("admin")
    clock = Clock(T)
    worker = _worker(app, clock)
    worker.run_pending()
    clock.now = T + timedelta(minutes=20)  # nothing ran for 20 minutes (the grace is 10)
    worker.run_pending()
    late = _admin_notes("job_late")
    assert sorted(n.title for n in late) == sorted(f"定时任务「{job_named(n).label}」未按时运行"
                                                  for n in EVERY_MINUTE | EVERY_5_SECONDS)
    assert "应于 2026-12-04 09:01 运行" in late[0].body
    assert _row("escalate-overdue").alert is None  # it ran in the same pass: the incident is closed
    clock.now = T + timedelta(minutes=21)
    worker.run_pending()
    assert len(_admin_notes("job_late")) == len(EVERY_MINUTE | EVERY_5_SECONDS)


# ---- leases ---------------------------------------------------------------------------------------


def test_a_job_held_by_a_worker_that_died_is_taken_over_when_its_lease_runs_out(app):
    clock = Clock(T)
    worker = _worker(app, clock, identity="host-b:2")
    worker.run_pending()
    slot = datetime(2026, 12, 4, 1, 1, tzinfo=UTC)
    dead = job_records.claim("escalate-overdue", worker="host-a:1", now=slot, lease=timedelta(minutes=10))
    assert dead is not None and dead.due_at == slot

    clock.now = slot + timedelta(minutes=5)  # the dead worker's lease still runs
    assert "escalate-overdue" not in {o.job for o in worker.run_pending().outcomes}
    clock.now = slot + timedelta(minutes=10, seconds=1)
    taken = [o for o in worker.run_pending().outcomes if o.job == "escalate-overdue"]
    assert [o.due_at for o in taken] == [slot]
    runs = _runs("escalate-overdue")
    assert [(r.worker, r.finished_at is None) for r in runs[-2:]] == [("host-a:1", True), ("host-b:2", False)]

    after_takeover = _row("escalate-overdue").next_due_at
    job_records.finish("escalate-overdue", dead, label="x", worker="host-a:1", now=clock.now + MINUTE,
                       next_due=clock.now + timedelta(hours=5), result="迟到的结果")
    assert _row("escalate-overdue").next_due_at == after_takeover  # a late finisher changes nothing


def test_a_lease_setting_lengthens_a_jobs_hold(app, database_url):
    long = make_app(database_url, WORKER_LEASE_SECONDS={"purge-visitors": 3600})
    assert job_named("purge-visitors").lease_in(long.config) == timedelta(hours=1)
    assert job_named("escalate-overdue").lease_in(long.config) == timedelta(minutes=10)


# ---- the loop -------------------------------------------------------------------------------------


def test_a_database_outage_does_not_end_the_loop_it_waits_longer_each_time(tmp_path):
    gone = make_app(f"sqlite:///{tmp_path}/missing/kiosk.sqlite3", WORKER_POLL_SECONDS=5)
    worker = Worker(gone, clock=Clock(T), identity="host-a:1")
    pauses = []

    def wait(seconds):
        pauses.append(seconds)
        if len(pauses) == 6:
            worker.stop()

    worker.run_forever(wait)
    assert pauses == [5, 10, 20, 40, 60, 60]


def test_the_loop_sleeps_until_the_next_slot_at_most_the_poll_and_stops_when_told(app):
    start = datetime(2026, 12, 4, 1, 0, 57, 500000, tzinfo=UTC)  # 9:00:57.5
    clock = Clock(start)
    worker = _worker(app, clock)
    pauses = []

    def wait(seconds):
        pauses.append(seconds)
        clock.now += timedelta(seconds=seconds)
        if len(pauses) == 20:
            worker.stop()

    worker.run_forever(wait)
    assert pauses[0] == 2.5 and set(pauses[1:]) == {5.0}  # to 9:01, then a look every 5 s
    assert [r.due_at for r in _runs("escalate-overdue")] == [start, datetime(2026, 12, 4, 1, 1, tzinfo=UTC),
                                                             datetime(2026, 12, 4, 1, 2, tzinfo=UTC)]


def test_a_stop_during_a_job_lets_it_finish_and_starts_no_other(app):
    clock = Clock(T)
    worker = None

    def stop_midway(now, settings):
        worker.stop()
        return "已完成"

    never = Flaky()
    worker = _worker(app, clock, jobs=(Job("first", "甲", Every(MINUTE), stop_midway),
                                       Job("second", "乙", Every(MINUTE), never)))
    worker.run_forever(lambda seconds: pytest.fail("the loop should have stopped"))
    assert [(r.job, r.result) for r in _runs()] == [("first", "已完成")] and never.calls == 0


@pytest.mark.parametrize("name", [job.name for job in JOBS])
def test_every_job_has_a_unique_name_and_a_label(name):
    assert [job.name for job in JOBS].count(name) == 1 and str(job_named(name).label)


def test_the_nightly_purge_forgets_login_attempts_past_their_retention(app):
    from kiosk.models.security import LoginAttempt

    days = app.config["LOGIN_ATTEMPT_RETENTION_DAYS"]
    for age in (days + 1, days - 1):
        db.session.add(LoginAttempt(username="lina", address="10.0.0.9", at=T - timedelta(days=age),
                                    succeeded=False))
    db.session.commit()
    outcomes = _worker(app, Clock(T), jobs=(job_named("purge-login-attempts"),)).run_pending().outcomes
    assert [o.job for o in outcomes] == ["purge-login-attempts"]
    assert [a.at for a in scalars(select(LoginAttempt))] == [T - timedelta(days=days - 1)]


def test_the_nightly_purge_forgets_form_submission_keys_once_no_resend_can_come(app):
    from kiosk.models.submissions import FormSubmission
    from kiosk.services.submissions import KEEP_KEYS

    for n, age in enumerate((KEEP_KEYS + MINUTE, KEEP_KEYS - MINUTE)):
        db.session.add(FormSubmission(submitter="device-1", form="kiosk_visit", key=f"k{n}", result_id=n,
                                      created_at=T - age))
    db.session.commit()
    _worker(app, Clock(T), jobs=(job_named("purge-submission-keys"),)).run_pending()
    assert [s.key for s in scalars(select(FormSubmission))] == ["k1"]
