"""``flask check-deploy``: every production misconfiguration named, in Chinese and English; none, exit 0."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import delete

from kiosk import create_app
from kiosk.deploy_checks import (
    Facts,
    calendar_years,
    configuration_problems,
    environment_problems,
    fatal,
)
from kiosk.extensions import db
from kiosk.models.calendar import CalendarOverride
from kiosk.services.deployment import gather_facts
from kiosk.services.directory import set_override, working_calendar
from tests.conftest import make_app

PRODUCTION = {
    "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://kiosk@db.internal/kiosk",
    "RATELIMIT_STORAGE_URI": "redis://10.0.0.5:6379/0",
    "SESSION_COOKIE_SECURE": True,
    "TRUSTED_PROXIES": 1,
    "ASSET_PHOTO_STORAGE": "database",
}


def codes(problems) -> list[str]:
    return [problem.code for problem in problems]


# ---- the settings alone ------------------------------------------------------------------------------


def test_a_production_configuration_has_no_problem():
    assert configuration_problems(PRODUCTION, workers=4) == []


@pytest.mark.parametrize(("change", "code", "fatal_with_workers"), [
    ({"SECRET_KEY_GENERATED": True}, "secret-key", True),
    ({"SQLALCHEMY_DATABASE_URI": "sqlite:////srv/kiosk/instance/kiosk.sqlite3"}, "database-sqlite", True),
    ({"RATELIMIT_STORAGE_URI": "memory://"}, "ratelimit-memory", True),
    ({"ASSET_PHOTO_STORAGE": "directory"}, "photos-not-shared", False),
    ({"SESSION_COOKIE_SECURE": False}, "cookie-not-secure", False),
    ({"PASSWORD_HASH_METHOD": "pbkdf2:sha256:1"}, "password-hash-weak", False),
])
def test_each_misconfiguration_is_named_in_both_languages(change, code, fatal_with_workers):
    [problem] = configuration_problems({**PRODUCTION, **change}, workers=2)
    assert problem.code == code
    assert problem.fatal is fatal_with_workers
    assert any("\u4e00" <= ch <= "\u9fff" for ch in problem.zh) and problem.en.isascii()


def test_a_photo_directory_declared_shared_is_accepted():
    shared = {**PRODUCTION, "ASSET_PHOTO_STORAGE": "directory", "ASSET_PHOTO_DIR_SHARED": True}
    assert configuration_problems(shared) == []


def test_sqlite_and_memory_limits_are_fatal_only_with_several_workers():
    single = {**PRODUCTION, "SQLALCHEMY_DATABASE_URI": "sqlite:///x.sqlite3", "RATELIMIT_STORAGE_URI": "memory://"}
    assert fatal(configuration_problems(single, workers=1)) == []
    assert codes(fatal(configuration_problems(single, workers=2))) == ["database-sqlite", "ratelimit-memory"]


def test_a_key_generated_on_this_host_is_named_and_one_from_the_environment_is_not(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    assert "secret-key" in codes(configuration_problems(create_app().config))
    monkeypatch.setenv("SECRET_KEY", "the-same-key-on-every-host")
    assert "secret-key" not in codes(configuration_problems(create_app().config))


# ---- the running environment -------------------------------------------------------------------------


HEAD = frozenset({"9c3d5e7f1b20"})
CURRENT = Facts(database_revisions=HEAD, head_revisions=HEAD)


def test_an_environment_in_order_has_no_problem():
    assert environment_problems(PRODUCTION, CURRENT) == []


@pytest.mark.parametrize(("facts", "code"), [
    (Facts(database_error="OperationalError: connection refused"), "database-unreachable"),
    (Facts(limiter_storage_error="no answer", database_revisions=HEAD, head_revisions=HEAD),
     "ratelimit-unreachable"),
    (Facts(years_without_make_up_days=(2027,), database_revisions=HEAD, head_revisions=HEAD),
     "calendar-make-up-days"),
    (Facts(database_revisions=frozenset({"0a1b2c3d4e5f"}), head_revisions=HEAD), "pending-migrations"),
])
def test_each_environment_problem_is_named(facts, code):
    assert codes(environment_problems(PRODUCTION, facts)) == [code]


def test_forwarded_headers_are_a_problem_only_while_no_proxy_is_trusted():
    seen = Facts(forwarded_header_seen=True, database_revisions=HEAD, head_revisions=HEAD)
    assert codes(environment_problems({**PRODUCTION, "TRUSTED_PROXIES": 0}, seen)) == ["proxy-not-trusted"]
    assert environment_problems(PRODUCTION, seen) == []


@pytest.mark.parametrize(("today", "years"), [
    (date(2026, 6, 1), (2026,)),
    (date(2026, 11, 2), (2026, 2027)),
    (date(2026, 12, 31), (2026, 2027)),
])
def test_the_calendar_must_know_the_coming_year_from_november(today, years):
    assert calendar_years(today) == years


# ---- facts read from the database and the rate-limit store ------------------------------------------


def test_a_forwarded_request_is_found_by_the_preflight(app, client):
    assert not gather_facts().forwarded_header_seen
    client.get("/auth/login", headers={"X-Forwarded-For": "203.0.113.9"})
    assert gather_facts().forwarded_header_seen


def test_a_year_without_make_up_days_until_an_admin_enters_them(app):
    assert gather_facts(today=date(2099, 12, 1)).years_without_make_up_days == (2099, 2100)
    set_override(date(2099, 1, 31), True, "调休上班")
    set_override(date(2100, 2, 6), True, "调休上班")
    assert gather_facts(today=date(2099, 12, 1)).years_without_make_up_days == ()


def test_an_unmigrated_database_is_named(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'new.sqlite3'}")
    with app.app_context():
        facts = gather_facts()
        db.engine.dispose()
    assert facts.database_revisions == frozenset() and facts.head_revisions
    assert codes(environment_problems(app.config, facts)) == ["pending-migrations"]


def test_unreachable_servers_are_named():
    app = make_app("postgresql+psycopg://postgres@127.0.0.1:1/nothing", RATELIMIT_ENABLED=True,
                   RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0")
    with app.app_context():
        problems = environment_problems(app.config, gather_facts())
    assert codes(problems) == ["database-unreachable", "ratelimit-unreachable"]


# ---- the command -------------------------------------------------------------------------------------


def test_the_test_setup_fails_the_preflight_naming_each_cause(runner):
    result = runner.invoke(args=["check-deploy"])
    assert result.exit_code == 1
    for code in ("ratelimit-memory", "cookie-not-secure", "password-hash-weak"):
        assert f"[{code}]" in result.output
    assert "Deployment checks passed" not in result.output


def _cover_calendar_years() -> list[date]:
    """What an admin does each November: enter the coming year's make-up days (one worked Saturday here)."""
    calendar, added = working_calendar(), []
    for year in calendar_years(date.today()):
        if not calendar.knows_make_up_days(year):
            saturday = date(year, 1, 1) + timedelta(days=(5 - date(year, 1, 1).weekday()) % 7)
            set_override(saturday, True, "调休上班")
            added.append(saturday)
    return added


def test_a_production_environment_passes(server_database_url, redis_url):
    app = make_app(server_database_url, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=redis_url,
                   SESSION_COOKIE_SECURE=True, TRUSTED_PROXIES=1, PASSWORD_HASH_METHOD="scrypt")
    with app.app_context():
        added = _cover_calendar_years()
        try:
            result = app.test_cli_runner().invoke(args=["check-deploy"])
        finally:
            db.session.execute(delete(CalendarOverride).where(CalendarOverride.day.in_(added)))
            db.session.commit()
            db.engine.dispose()
    assert result.exit_code == 0, result.output
    assert "Deployment checks passed" in result.output
