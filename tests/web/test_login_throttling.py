"""Login throttling through the login page: a growing delay per account and address, a generous limit per
address, admins told once of a burst, old attempts purged, unknown usernames as costly as known ones."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from threading import Barrier

import pytest
from sqlalchemy import func, select

from kiosk.domain.login_throttle import ThrottlePolicy
from kiosk.extensions import db
from kiosk.models.notifications import Notification
from kiosk.models.people import dummy_password_hash
from kiosk.models.security import LoginAttempt
from kiosk.services import accounts, notifications
from tests.support import PASSWORD

START = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
ATTACKER, DESK, OFFICE = "203.0.113.9", "10.1.1.20", "198.51.100.1"


class Clock:
    def __init__(self):
        self.now = START

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr("kiosk.blueprints.auth.utcnow", lambda: clock.now)
    return clock


def attempt(client, username: str, address: str, password: str = "wrong-password"):
    return client.post_form("/auth/login", {"username": username, "password": password},
                            environ_base={"REMOTE_ADDR": address})


def login_bursts() -> list[Notification]:
    db.session.rollback()
    return list(db.session.scalars(select(Notification).where(Notification.kind == "login_burst")))


def test_failures_elsewhere_do_not_stop_the_owner_at_a_clean_address(app, clock, make_user):
    make_user("admin", username="root1")
    attacker, owner = app.test_client(), app.test_client()
    answers = [attempt(attacker, "root1", ATTACKER).status_code for _ in range(20)]
    assert answers[:4] == [422] * 4 and set(answers[4:]) == {429}
    assert attempt(attacker, "root1", ATTACKER, PASSWORD).status_code == 429  # the same answer when right
    assert attempt(owner, "root1", DESK, PASSWORD).status_code == 303


def test_the_wait_doubles_with_each_failure_and_stops_at_fifteen_minutes(client, clock, make_user):
    make_user("agent", username="lina")
    for _ in range(4):
        assert attempt(client, "lina", ATTACKER).status_code == 422
    waits = []
    for _ in range(12):
        refused = attempt(client, "lina", ATTACKER)
        assert refused.status_code == 429
        page = refused.get_data(as_text=True)
        assert 'value="lina"' in page
        seconds = int(refused.headers["Retry-After"])
        waits.append(seconds)
        clock.advance(seconds=seconds)
        assert attempt(client, "lina", ATTACKER).status_code == 422
    assert waits == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]
    assert "请 15 分钟后再试" in page


def test_the_wait_is_told_in_seconds_then_minutes(client, clock, make_user):
    make_user("agent", username="lina")
    for _ in range(4):
        attempt(client, "lina", ATTACKER)
    assert "登录失败次数较多，请 1 秒后再试。" in attempt(client, "lina", ATTACKER).get_data(as_text=True)
    for _ in range(7):  # the streak reaches 11: a wait of 2 minutes 8 seconds
        clock.advance(minutes=10)
        attempt(client, "lina", ATTACKER)
    answer = attempt(client, "lina", ATTACKER)
    assert answer.headers["Retry-After"] == "128"
    assert "登录失败次数较多，请 3 分钟后再试。" in answer.get_data(as_text=True)


def test_an_office_behind_one_address_is_not_locked_out_by_typos(app, clock, make_user):
    people = [make_user("agent", username=f"office{n}").username for n in range(12)]
    office = app.test_client()
    for username in people:
        for _ in range(3):
            assert attempt(office, username, OFFICE).status_code == 422
    for username in people:
        desk = app.test_client()
        assert attempt(desk, username, OFFICE, PASSWORD).status_code == 303


@pytest.mark.parametrize("app_config", [{"LOGIN_ADDRESS_MAX_FAILURES": 6}])
def test_an_address_failing_across_many_usernames_waits_and_its_successes_do_not_count(
        app, clock, make_user, app_config):
    make_user("agent", username="lina")
    for _ in range(10):
        assert attempt(app.test_client(), "lina", OFFICE, PASSWORD).status_code == 303
    sprayer = app.test_client()
    for n in range(6):
        clock.advance(minutes=1)
        assert attempt(sprayer, f"guess{n}", OFFICE).status_code == 422
    refused = attempt(app.test_client(), "lina", OFFICE, PASSWORD)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == str(10 * 60)  # when the first of the six leaves the window
    assert attempt(app.test_client(), "lina", DESK, PASSWORD).status_code == 303
    clock.advance(minutes=10)
    assert attempt(app.test_client(), "lina", OFFICE, PASSWORD).status_code == 303


def test_a_burst_against_one_account_is_reported_to_the_admins_once(app, clock, make_user):
    make_user("agent", username="lina")
    admin = make_user("admin", username="root1")
    for n in range(15):  # from fifteen addresses: no backoff, only the burst
        attempt(app.test_client(), "lina", f"192.0.2.{n}")
    bursts = login_bursts()
    assert len(bursts) == 1
    assert "账号 lina" in bursts[0].title and bursts[0].level == "urgent"
    assert [note.id for note, unread in notifications.recent_for(admin)] == [bursts[0].id]

    clock.advance(minutes=14)  # the burst goes on
    for n in range(10):
        attempt(app.test_client(), "lina", f"198.18.0.{n}")
    assert len(login_bursts()) == 1
    clock.advance(minutes=16)  # a whole quiet window: the next burst is a new one
    for n in range(10):
        attempt(app.test_client(), "lina", f"198.18.1.{n}")
    assert len(login_bursts()) == 2


def test_a_burst_from_one_address_is_reported_once(app, clock):
    sprayer = app.test_client()
    for n in range(30):
        attempt(sprayer, f"nobody{n}", ATTACKER)
    bursts = login_bursts()
    assert [b.title for b in bursts] == [f"登录异常：地址 {ATTACKER} 15 分钟内密码错误 25 次以上"]


def test_workers_crossing_the_burst_threshold_at_once_report_it_once(app, clock, make_user):
    make_user("agent", username="lina")
    for n in range(8):
        attempt(app.test_client(), "lina", f"192.0.2.{n}")
    clients = [app.test_client() for _ in range(6)]
    start = Barrier(len(clients))

    def fail(n: int) -> int:
        start.wait()
        return attempt(clients[n], "lina", f"198.18.0.{n}").status_code

    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        assert list(pool.map(fail, range(len(clients)))) == [422] * len(clients)
    assert len(login_bursts()) == 1


def test_parallel_guesses_cannot_slip_past_the_backoff(app, clock, make_user):
    make_user("agent", username="lina")
    clients = [app.test_client() for _ in range(10)]
    start = Barrier(len(clients))

    def guess(n: int) -> int:
        start.wait()
        return attempt(clients[n], "lina", ATTACKER).status_code

    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        answers = list(pool.map(guess, range(len(clients))))
    assert sorted(answers) == [422] * 4 + [429] * 6  # three free failures and one more, then 1 s to wait
    db.session.rollback()
    assert db.session.scalar(select(func.count(LoginAttempt.id))) == 4


def test_purge_deletes_attempts_older_than_the_period(app, runner, make_user, monkeypatch):
    def record(username: str, at: datetime) -> None:
        accounts.sign_in(username, "wrong-password", ATTACKER, at, policy=ThrottlePolicy())

    record("old", START - timedelta(days=31))
    record("recent", START - timedelta(days=29))
    assert accounts.purge_login_attempts(START, timedelta(days=30)) == 1
    assert db.session.scalars(select(LoginAttempt.username)).all() == ["recent"]

    monkeypatch.setattr("kiosk.cli.utcnow", lambda: START + timedelta(days=2))
    result = runner.invoke(args=["purge-login-attempts", "--older-than-days", "30"])
    assert "Deleted 1 login attempt(s) older than 30 days." in result.output
    db.session.rollback()
    assert db.session.scalar(select(func.count(LoginAttempt.id))) == 0


def test_an_unknown_username_costs_the_same_password_check_as_a_known_one(client, clock, make_user,
                                                                         monkeypatch):
    user = make_user("agent", username="lina")
    make_user("agent", username="gone", active=False)
    checks = []
    real = accounts.verify_password

    def counting(stored_hash: str, password: str) -> bool:
        checks.append(stored_hash.split("$")[0])
        return real(stored_hash, password)

    monkeypatch.setattr("kiosk.services.accounts.verify_password", counting)
    for username in ("lina", "nobody", "gone"):
        attempt(client, username, DESK)
    method = user.password_hash.split("$")[0]  # algorithm and its parameters, e.g. scrypt:32768:8:1
    assert checks == [method, method, method]
    assert dummy_password_hash().split("$")[0] == method
