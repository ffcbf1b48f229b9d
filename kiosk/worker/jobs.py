"""The timed jobs: each one's name, label, schedule and the service function it calls.

Adding a job is one entry in ``JOBS``: a function ``(now, settings) -> str`` that calls the service and
returns a short summary of what it did (shown to admins on 定时任务), and its schedule from
``kiosk.domain.schedules`` (``Every``, ``DailyAt``, ``AfterClosing``)::

    Job("purge-submission-keys", _l("清理过期表单提交码"), DailyAt(time(3, 20)), _purge_submission_keys),
    Job("purge-job-runs", _l("清理定时任务运行记录"), DailyAt(time(3, 30)), _purge_job_runs),

The settings ``WORKER_INTERVALS`` and ``WORKER_LEASE_SECONDS`` (seconds, by job name) override a job's
schedule and lease, so a test can run every job every second.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from kiosk.clock import utcnow
from kiosk.domain.schedules import AfterClosing, DailyAt, Every, JobHealth, Schedule, job_health
from kiosk.messaging import senders
from kiosk.models.jobs import JobRun
from kiosk.services import (
    accounts,
    delivery,
    hotline,
    kpi,
    model_home,
    register_import,
    sales,
    submissions,
    tasks,
    visits,
)
from kiosk.services import jobs as job_records

#: How long a run may hold its job before another worker may take it over (``WORKER_LEASE_SECONDS``).
DEFAULT_LEASE = timedelta(minutes=10)
MINUTE = timedelta(minutes=1)

JobFunction = Callable[[datetime, Mapping], str]


@dataclass(frozen=True)
class Job:
    name: str  # also the one-shot command's name where there is one (flask --app kiosk escalate-overdue)
    label: str  # what admins read (lazy: translated when shown)
    schedule: Schedule
    run: JobFunction
    lease: timedelta = DEFAULT_LEASE

    def schedule_in(self, settings: Mapping) -> Schedule:
        seconds = settings.get("WORKER_INTERVALS", {}).get(self.name)
        return Every(timedelta(seconds=seconds)) if seconds else self.schedule

    def lease_in(self, settings: Mapping) -> timedelta:
        seconds = settings.get("WORKER_LEASE_SECONDS", {}).get(self.name)
        return timedelta(seconds=seconds) if seconds else self.lease


def _escalate_overdue(now: datetime, settings: Mapping) -> str:
    near, late = tasks.notify_deadlines(now)
    return f"即将超时提醒 {near} 张，超时升级 {late} 张"


def _check_model_home_rounds(now: datetime, settings: Mapping) -> str:
    return f"漏检提醒 {model_home.alert_missed_rounds(now)} 次"


def _auto_sign_out(now: datetime, settings: Mapping) -> str:
    return f"自动签退 {visits.auto_sign_out(now)} 位访客"


def _schedule_callbacks(now: datetime, settings: Mapping) -> str:
    return f"新安排定期回访 {tasks.schedule_periodic_callbacks(now)} 个"


def _tell_callbacks_due(now: datetime, settings: Mapping) -> str:
    return f"提醒 {tasks.tell_callbacks_due(now)} 位坐席今日待回访"


def _report_missed_payments(now: datetime, settings: Mapping) -> str:
    return f"上报逾期首期款 {sales.report_missed_payments(now)} 笔"


def _deliver_messages(now: datetime, settings: Mapping) -> str:
    done = delivery.deliver_due(senders=senders(settings, delivery.DatabaseTokens(utcnow)), settings=settings,
                                worker=f"{socket.gethostname()}:{os.getpid()}", clock=utcnow)
    return done.summary()


def _escalate_alerts(now: datetime, settings: Mapping) -> str:
    after = timedelta(minutes=settings["MESSAGE_ESCALATE_AFTER_MINUTES"])
    return f"上报无人确认的紧急提醒 {delivery.escalate_unacknowledged(now, after)} 条"


def _remind_buyers(now: datetime, settings: Mapping) -> str:
    return f"提醒置业顾问及客户 {delivery.remind_buyers(now)} 次"


def _purge_messages(now: datetime, settings: Mapping) -> str:
    days = settings["MESSAGE_RETENTION_DAYS"]
    return f"删除 {delivery.purge(days, now)} 条超过 {days} 天的消息及发送记录"


def _purge_visitors(now: datetime, settings: Mapping) -> str:
    days = settings["VISITOR_RETENTION_DAYS"]
    return f"匿名化 {visits.purge_visitors(days, now)} 条超过 {days} 天的来访记录"


def _purge_job_runs(now: datetime, settings: Mapping) -> str:
    days = settings["WORKER_RUN_RETENTION_DAYS"]
    return f"删除 {job_records.purge_runs(days, now)} 条超过 {days} 天的运行记录"


def _purge_login_attempts(now: datetime, settings: Mapping) -> str:
    days = settings["LOGIN_ATTEMPT_RETENTION_DAYS"]
    return f"删除 {accounts.purge_login_attempts(now, timedelta(days=days))} 条超过 {days} 天的登录记录"


def _close_lost_calls(now: datetime, settings: Mapping) -> str:
    closed = hotline.close_lost_calls(
        now, ringing_after=timedelta(minutes=settings["CALL_RINGING_LOST_MINUTES"]),
        answered_after=timedelta(minutes=settings["CALL_ANSWERED_LOST_MINUTES"]))
    return f"按丢失结束 {closed} 个长时间没有消息的来电"


#: Days one run of ``kpi-rollups`` counts at most (each its own short transaction): after a deploy the worker
#: catches up over a few runs, or ``flask --app kiosk kpi-rollups`` counts them all at once.
KPI_DAYS_PER_RUN = 31


def _roll_up_kpi_days(now: datetime, settings: Mapping) -> str:
    days = kpi.refresh(now, settings["THREE_RINGS_SECONDS"], limit=KPI_DAYS_PER_RUN)
    return f"汇总 KPI 日数据 {days} 天"


def _purge_submission_keys(now: datetime, settings: Mapping) -> str:
    return f"删除 {submissions.purge_submission_keys(now)} 个过期的表单提交码"


def _purge_import_uploads(now: datetime, settings: Mapping) -> str:
    return f"删除 {register_import.purge_uploads(now)} 个过期的导入预检文件"


JOBS: tuple[Job, ...] = (
    Job("escalate-overdue", _l("任务单临期提醒与超时升级"), Every(MINUTE), _escalate_overdue),
    Job("close-lost-calls", _l("结束长时间没有消息的来电"), Every(MINUTE), _close_lost_calls),
    Job("check-model-home-rounds", _l("样板间巡查漏检提醒"), Every(MINUTE), _check_model_home_rounds),
    Job("auto-sign-out", _l("闭店后自动签退访客"), AfterClosing(), _auto_sign_out),
    Job("schedule-callbacks", _l("安排业主定期回访"), DailyAt(time(6, 0)), _schedule_callbacks),
    Job("tell-callbacks-due", _l("每日待回访提醒（坐席）"), DailyAt(time(8, 30)), _tell_callbacks_due),
    Job("report-missed-payments", _l("上报逾期未交首期款"), DailyAt(time(0, 10)), _report_missed_payments),
    Job("deliver-messages", _l("发送企业微信、短信和邮件消息"), Every(timedelta(seconds=5)),
        _deliver_messages,
        lease=timedelta(minutes=2)),
    Job("escalate-alerts", _l("紧急提醒无人确认时逐级上报"), Every(MINUTE), _escalate_alerts),
    Job("remind-buyers", _l("首期款与按揭提醒（置业顾问与客户）"), DailyAt(time(9, 0)), _remind_buyers),
    Job("purge-messages", _l("清理过期消息及发送记录"), DailyAt(time(3, 5)), _purge_messages),
    Job("purge-visitors", _l("清除过期访客个人信息"), DailyAt(time(3, 0)), _purge_visitors),
    Job("purge-login-attempts", _l("清理过期登录记录"), DailyAt(time(3, 15)), _purge_login_attempts),
    Job("purge-submission-keys", _l("清理过期表单提交码"), DailyAt(time(3, 20)), _purge_submission_keys),
    Job("purge-job-runs", _l("清理定时任务运行记录"), DailyAt(time(3, 30)), _purge_job_runs),
    Job("kpi-rollups", _l("汇总 KPI 每日数据"), Every(MINUTE), _roll_up_kpi_days),
    Job("purge-import-uploads", _l("清理过期的导入预检文件"), DailyAt(time(3, 25)), _purge_import_uploads),
)


def job_named(name: str, jobs: tuple[Job, ...] = JOBS) -> Job | None:
    return next((job for job in jobs if job.name == name), None)


def describe(schedule: Schedule) -> str:
    """A schedule as admins read it: 每 1 分钟, 每天 06:00, 每台访客终端闭店后."""
    if isinstance(schedule, Every):
        seconds = schedule.interval.total_seconds()
        if seconds % 60:
            return _("每 %(n)s 秒", n=format(seconds, "g"))
        return _("每 %(n)s 分钟", n=format(seconds / 60, "g"))
    if isinstance(schedule, DailyAt):
        return _("每天 %(time)s", time=schedule.at.strftime("%H:%M"))
    return _("每台访客终端闭店后")


def late_grace(settings: Mapping) -> timedelta:
    return timedelta(seconds=settings["WORKER_LATE_AFTER_SECONDS"])




@dataclass(frozen=True)
class JobStatus:
    """One line of the admin page 定时任务."""

    job: Job
    schedule: Schedule
    state: job_records.ScheduleState | None
    last_run: JobRun | None
    health: JobHealth


def statuses(settings: Mapping, now: datetime, jobs: tuple[Job, ...] = JOBS) -> list[JobStatus]:
    """Every job with its schedule, next slot, last run and health."""
    states = job_records.schedule_states()
    runs = job_records.last_runs(job.name for job in jobs)
    found = []
    for job in jobs:
        state, run = states.get(job.name), runs.get(job.name)
        health = job_health(
            registered=state is not None, next_due_at=state and state.next_due_at,
            lease_until=state and state.lease_until, last_failed=run is not None and run.error is not None,
            now=now, grace=late_grace(settings),
        )
        found.append(JobStatus(job, job.schedule_in(settings), state, run, health))
    return found
