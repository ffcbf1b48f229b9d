"""README's production path on real parts: nginx (TLS) in front of two gunicorn instances (two hosts),
two workers each, on one PostgreSQL and one Redis. Everything below goes through nginx."""

from __future__ import annotations

import re
import subprocess
import sys

from sqlalchemy import func, select

from kiosk.extensions import db
from kiosk.models.audit import AdminAudit
from kiosk.models.jobs import JobRun
from kiosk.models.model_home import AssetRecord
from kiosk.models.security import LoginAttempt
from kiosk.worker.jobs import JOBS
from tests.deploy.servers import PROXY_ADDRESS, ROOT
from tests.support import PNG
from tests.worker_support import EVERY_SECOND, one_of_two_workers_killed_mid_escalation, wait_for

FORGED = {"X-Forwarded-For": "203.0.113.9"}


def test_the_client_s_address_reaches_login_throttling_and_a_forged_one_does_not(stack, make_supervisor):
    username = make_supervisor()
    browser = stack.browser("127.0.0.3")
    answer = browser.post_form("/auth/login", {"username": username, "password": "wrong-password"},
                               headers=FORGED)
    assert answer.status == 422
    with stack.app_context():
        addresses = db.session.scalars(select(LoginAttempt.address).where(LoginAttempt.username == username))
        assert list(addresses) == ["127.0.0.3"]  # not nginx's address, not the forged 203.0.113.9
    assert PROXY_ADDRESS != "127.0.0.3"


def test_a_session_made_through_one_instance_works_on_the_other(stack, make_supervisor):
    browser = stack.browser("127.0.0.4")
    login = browser.post_form("/auth/login", {"username": make_supervisor(), "password": "deploy-pass-2026"})
    assert login.status == 303
    assert "Secure" in next(line for line in browser.set_cookie_lines if line.startswith("session="))
    pages = [browser.get("/supervisor/") for _ in range(4)]
    assert [page.status for page in pages] == [200] * 4
    assert {login.upstream, *(page.upstream for page in pages)} == stack.instances


def test_a_tablet_paired_through_one_instance_works_on_the_other(stack, pairing_code):
    tablet = stack.browser("127.0.0.5")
    paired = tablet.post_form("/kiosk/pair", {"code": pairing_code})
    assert paired.status == 303
    screens = [tablet.get("/kiosk/") for _ in range(4)]
    assert [screen.status for screen in screens] == [200] * 4
    assert {screen.upstream for screen in screens} == stack.instances


def test_one_rate_limit_budget_across_both_instances(stack, pairing_code):
    """KIOSK_POST_RATE_LIMIT per tablet (10 an hour here), counted in Redis whichever instance answers."""
    tablet = stack.browser("127.0.0.6")
    assert tablet.post_form("/kiosk/pair", {"code": pairing_code}).status == 303
    token = tablet.csrf_token("/kiosk/sign-out")
    answers = [tablet.post_form("/kiosk/sign-out", {"code": "ZZZZZZ"}, token=token) for _ in range(11)]
    assert [answer.status for answer in answers] == [422] * 10 + [429]
    assert {answer.upstream for answer in answers[:10]} == stack.instances


def test_a_tablet_s_post_is_judged_by_its_origin_through_nginx(stack, pairing_code):
    """Behind nginx (TLS, a port of its own) the app sees the origin the browser saw: the tablet's own
    POST is taken, one from another origin or site is refused before anything is read."""
    tablet = stack.browser("127.0.0.11")
    assert tablet.post_form("/kiosk/pair", {"code": pairing_code}).status == 303
    other_port = tablet.origin.rpartition(":")[0] + f":{tablet.port + 1}"
    refused = [tablet.post_form("/kiosk/sign-out", {"code": "ZZZZZZ"}, headers=headers) for headers in (
        {"Origin": other_port, "Referer": other_port + "/"}, {"Sec-Fetch-Site": "cross-site"})]
    assert [answer.status for answer in refused] == [403, 403]
    own = tablet.post_form("/kiosk/sign-out", {"code": "ZZZZZZ"}, headers={"Sec-Fetch-Site": "same-origin"})
    assert own.status == 422  # taken, and the code is unknown


def test_check_deploy_passes_in_this_environment(stack):
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "kiosk", "check-deploy"], cwd=ROOT,
                          env=stack.env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Deployment checks passed" in done.stdout


def test_static_files_come_from_nginx_with_a_year_s_cache(stack):
    browser = stack.browser()
    stylesheet = re.search(r'href="(/static/css/app\.css\?v=[0-9a-f]{12})"', browser.get("/auth/login").text)
    answer = browser.get(stylesheet.group(1))
    assert answer.status == 200 and "body" in answer.text
    assert answer.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert answer.upstream == ""  # no app instance was asked


def _finished_runs() -> dict[str, list[JobRun]]:
    runs = db.session.scalars(select(JobRun).where(JobRun.finished_at.is_not(None)).order_by(JobRun.id))
    found: dict[str, list[JobRun]] = {job.name: [] for job in JOBS}
    for run in runs:
        found[run.job].append(run)
    return found


def test_two_workers_run_each_slot_once_and_a_killed_one_leaves_its_job_to_the_other(stack, make_admin):
    """Two workers (two hosts) on the stack's database, every job every second. The escalation's first
    run hangs on a locked table; its worker is killed (SIGKILL) there, and the other takes the slot over
    when the lease (2 s) runs out, then runs every job on. The admins see it all through nginx."""
    with stack.app_context(), one_of_two_workers_killed_mid_escalation({**stack.env, **EVERY_SECOND}) as (
            hung, workers):
        slot, survivor = hung.due_at, f"{hung.worker.rsplit(':', 1)[0]}:{next(iter(workers))}"
        wait_for(lambda: min(len(runs) for runs in _finished_runs().values()) >= 3 or None, workers)
    with stack.app_context():
        db.session.rollback()
        runs = _finished_runs()
        assert db.session.scalar(select(func.count()).select_from(JobRun).where(
            JobRun.finished_at.is_(None))) == 1  # only the killed worker's run never ended
        taken = runs["escalate-overdue"][0]
        assert taken.due_at == slot and taken.worker == survivor and taken.error is None
        for name, done in runs.items():
            assert len({run.due_at for run in done}) == len(done), f"{name}: a slot ran twice"
            assert all(run.error is None for run in done), name

    admin = stack.browser("127.0.0.7")
    login = admin.post_form("/auth/login", {"username": make_admin(), "password": "deploy-pass-2026"})
    assert login.status == 303
    page = admin.get("/admin/jobs")
    assert page.status == 200
    assert page.text.count('class="job-health job-ok"') == len(JOBS)


def test_an_administrative_change_is_audited_with_the_client_s_address(stack, make_admin):
    admin = stack.browser("127.0.0.8")
    login = admin.post_form("/auth/login", {"username": make_admin(), "password": "deploy-pass-2026"})
    assert login.status == 303
    saved = admin.post_form("/admin/departments/new", {"code": "eng_deploy", "name": "工程部（部署）",
                                                       "active": "y"}, headers=FORGED)
    assert saved.status == 303
    with stack.app_context():
        entry = db.session.scalars(select(AdminAudit).order_by(AdminAudit.id.desc())).first()
        assert entry.address == "127.0.0.8" and "工程部（部署）" in str(entry.after)


def test_a_photo_uploaded_through_one_instance_is_served_by_the_other(stack, model_home_pairing_code,
                                                                      make_supervisor):
    tablet = stack.browser("127.0.0.9")
    assert tablet.post_form("/kiosk/pair", {"code": model_home_pairing_code}).status == 303
    report = {"item": "客厅装饰花瓶", "event": "lost", "happened": "闭店清点时发现不见",
              "occurred_at": "2026-11-23T09:40", "reported_by": "李管家"}
    filed = tablet.post_files("/model-home/assets/new", report, {"photos": ("vase.png", "image/png", PNG)})
    assert filed.status == 303
    with stack.app_context():
        record_id = db.session.scalar(select(AssetRecord.id).order_by(AssetRecord.id.desc()))
    supervisor = stack.browser("127.0.0.10")
    assert supervisor.post_form("/auth/login", {"username": make_supervisor(),
                                                "password": "deploy-pass-2026"}).status == 303
    photos = [supervisor.get(f"/model-homes/assets/{record_id}/photos/0") for _ in range(4)]
    assert [(p.status, p.body) for p in photos] == [(200, PNG)] * 4
    assert {filed.upstream, *(p.upstream for p in photos)} == stack.instances
