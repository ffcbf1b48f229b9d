"""README's production path on real parts: nginx (TLS) in front of two gunicorn instances (two hosts),
two workers each, on one PostgreSQL and one Redis. Everything below goes through nginx."""

from __future__ import annotations

import re
import subprocess
import sys

from sqlalchemy import select

from kiosk.extensions import db
from kiosk.models.security import LoginAttempt
from tests.deploy.servers import PROXY_ADDRESS, ROOT

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
