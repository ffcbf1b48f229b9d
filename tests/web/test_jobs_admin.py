"""The admin page 定时任务: every job with its schedule, last run and next slot; an alert when no worker has
ever run, when a job is late or when its last run failed; the latest runs of one job; page and fragment."""

from __future__ import annotations

from datetime import timedelta

from kiosk.clock import utcnow
from kiosk.services import jobs as job_records
from kiosk.worker.jobs import JOBS
from kiosk.worker.loop import Worker

ALERT = "有定时任务需要处理"


def test_before_any_worker_ran_every_job_is_listed_and_the_page_raises_the_alarm(client, login_as):
    login_as("admin")
    response = client.get("/admin/jobs")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<title>定时任务" in html
    for job in JOBS:
        assert str(job.label) in html and f"/admin/jobs/{job.name}" in html
    assert ALERT in html and html.count("从未运行。") == len(JOBS)
    assert "每 1 分钟" in html and "每天 06:00" in html and "每台访客终端闭店后" in html
    assert "flask --app kiosk worker" in html


def test_after_a_worker_ran_each_job_shows_its_result_and_next_slot(app, client, login_as):
    Worker(app, identity="host-a:7").run_pending()
    login_as("admin")
    html = client.get("/admin/jobs").get_data(as_text=True)
    assert ALERT not in html
    assert html.count('class="job-health job-ok"') == len(JOBS)
    assert "即将超时提醒 0 张，超时升级 0 张" in html and "匿名化 0 条超过 180 天的来访记录" in html
    assert "暂无（还没有访客终端）" in html  # auto sign-out waits for a tablet
    assert "用时" in html


def test_a_failed_and_a_late_job_are_named_in_the_alert(app, client, login_as):
    now = utcnow()
    Worker(app).run_pending()
    held = job_records.claim("purge-visitors", worker="host-a:7", now=now + timedelta(days=1),
                             lease=timedelta(minutes=10))
    job_records.finish("purge-visitors", held, label="清除过期访客个人信息", worker="host-a:7",
                       now=now + timedelta(days=1, seconds=1), next_due=now + timedelta(days=2),
                       error="TypeError: unsupported type for timedelta days component: str")
    state = job_records.schedule_states()["escalate-overdue"]
    job_records.move_due("escalate-overdue", was=state.next_due_at, to=now - timedelta(hours=1), now=now)
    login_as("admin")
    html = client.get("/admin/jobs").get_data(as_text=True)
    assert ALERT in html
    assert "上次运行失败：TypeError: unsupported type for timedelta days component: str" in html
    assert "至今没有运行" in html and 'class="job-health job-late"' in html
    assert 'class="job-health job-failed"' in html


def test_htmx_polls_get_only_the_board(app, client, login_as):
    login_as("admin")
    response = client.get_htmx("/admin/jobs")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.lstrip().startswith('<div id="job_board"')
    assert "<title>" not in html and "HX-Request" in response.headers.get("Vary", "")


def test_one_jobs_page_lists_its_latest_runs(app, client, login_as):
    worker = Worker(app, identity="host-a:7")
    worker.run_pending()
    login_as("admin")
    response = client.get("/admin/jobs/escalate-overdue")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "任务单临期提醒与超时升级" in html
    assert "host-a:7" in html and "即将超时提醒 0 张，超时升级 0 张" in html and "最近 1 次运行" in html
    empty = client.get("/admin/jobs/auto-sign-out").get_data(as_text=True)
    assert "暂无（还没有访客终端）" in empty
    assert client.get("/admin/jobs/no-such-job").status_code == 404


def test_the_page_is_for_admins_only(client, login_as):
    login_as("supervisor")
    assert client.get("/admin/jobs").status_code == 403
    assert client.get("/admin/jobs/escalate-overdue").status_code == 403
