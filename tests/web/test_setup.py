"""Configuration, the secret key, migrations and the command-line verbs."""

from __future__ import annotations

import stat

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from kiosk import create_app
from kiosk.config import normalise_database_url, settings_from_environment
from kiosk.devtools.demo import DEMO_PASSWORD, STAFF
from kiosk.domain.hotline import STANDARD_PHRASES
from kiosk.extensions import db
from kiosk.models.people import User
from kiosk.models.phrases import ScriptPhrase
from kiosk.models.property import Owner, Project


def test_environment_overrides_database_secret_and_prefixed_settings():
    found = settings_from_environment(
        {
            "DATABASE_URL": "postgres://u@db/kiosk",
            "SECRET_KEY": "s3",
            "KIOSK_SESSION_IDLE_MINUTES": "45",
            "KIOSK_HOTLINE_NUMBER": "400-123",
            "KIOSK_SESSION_COOKIE_SECURE": "true",
            "PATH": "/bin",
        }
    )
    assert found == {
        "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://u@db/kiosk",
        "SECRET_KEY": "s3",
        "SESSION_IDLE_MINUTES": 45,
        "HOTLINE_NUMBER": "400-123",
        "SESSION_COOKIE_SECURE": True,
    }


def test_database_urls_use_psycopg_3():
    assert normalise_database_url("postgresql://x/y") == "postgresql+psycopg://x/y"
    assert normalise_database_url("sqlite:///a.db") == "sqlite:///a.db"


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/k.db")
    from flask import Flask

    monkeypatch.setattr(Flask, "auto_find_instance_path", lambda self: str(tmp_path / "instance"))
    first = create_app().config["SECRET_KEY"]
    second = create_app().config["SECRET_KEY"]
    key_file = tmp_path / "instance" / "secret_key"
    assert first == second == key_file.read_text().strip() and len(first) == 64
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_sqlite_connections_use_wal_busy_timeout_and_foreign_keys(app):
    if db.engine.dialect.name != "sqlite":
        return
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_postgresql_connections_compile_no_statement_with_jit(app):
    """The KPI month page spent seconds in JIT compilation of statements that run in milliseconds."""
    if db.engine.dialect.name != "postgresql":
        return
    db.engine.dispose()  # a connection made now, with the engine's session options
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("SHOW jit").scalar() == "off"


def test_the_migrations_build_exactly_the_models(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_seed_demo_loads_staff_projects_owners_and_phrases_and_is_idempotent(runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0 and DEMO_PASSWORD in first.output and "kefu1" in first.output
    counts = [
        db.session.scalar(select(func.count()).select_from(m)) for m in (User, Project, Owner, ScriptPhrase)
    ]
    # Projects: the delivered ones with owners, and the one on sale (its units have no owners yet).
    assert counts[0] == len(STAFF) >= 15 and counts[1] == 3 and counts[2] >= 20 and counts[3] >= 11
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0
    again = [
        db.session.scalar(select(func.count()).select_from(m)) for m in (User, Project, Owner, ScriptPhrase)
    ]
    assert again == counts
    assert phrase_book() == list(STANDARD_PHRASES)  # the same standard phrases as seed-phrases loads
    assert "already has users" in runner.invoke(args=["seed-demo", "--if-empty"]).output


def phrase_book() -> list[tuple[str, str]]:
    db.session.expire_all()
    return [(p.stage, p.text) for p in db.session.scalars(
        select(ScriptPhrase).order_by(ScriptPhrase.sort_order, ScriptPhrase.id))]


def test_seed_phrases_gives_a_new_install_the_standard_phrase_book_once(runner):
    first = runner.invoke(args=["seed-phrases"])
    assert first.exit_code == 0 and f"Standard phrases loaded: {len(STANDARD_PHRASES)}." in first.output
    assert phrase_book() == list(STANDARD_PHRASES)
    second = runner.invoke(args=["seed-phrases"])
    assert second.exit_code == 0 and "nothing loaded" in second.output
    assert phrase_book() == list(STANDARD_PHRASES)


def test_seed_phrases_leaves_a_phrase_book_in_use_as_it_is(runner):
    db.session.add(ScriptPhrase(stage="greeting", text="您好，湘江物业{hotline}，请讲。", sort_order=0))
    db.session.commit()
    result = runner.invoke(args=["seed-phrases"])
    assert result.exit_code == 0 and "nothing loaded" in result.output
    assert phrase_book() == [("greeting", "您好，湘江物业{hotline}，请讲。")]


def test_demo_staff_cover_every_role_and_department():
    roles = {role.value for _u, _n, user_roles, _d, _e in STAFF for role in user_roles}
    assert roles == {"admin", "supervisor", "agent", "staff", "sales"}


def test_create_user_command(runner):
    result = runner.invoke(
        args=["create-user", "boss", "--name", "老板", "--role", "admin", "--role", "supervisor"],
        input="long-password-1\nlong-password-1\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.username == "boss"))
    assert user.roles == {"admin", "supervisor"} and user.check_password("long-password-1")
    again = runner.invoke(
        args=["create-user", "boss", "--name", "x", "--role", "agent"], input="pw12345678\npw12345678\n"
    )
    assert again.exit_code != 0 and "already exists" in again.output


def test_create_user_refuses_a_short_password_and_an_unknown_department(runner):
    short = runner.invoke(
        args=["create-user", "a1", "--name", "x", "--role", "agent"], input="short\nshort\n"
    )
    assert short.exit_code != 0 and "at least 8" in short.output
    nodept = runner.invoke(
        args=["create-user", "a2", "--name", "x", "--role", "agent", "--department", "nope"],
        input="long-password-1\nlong-password-1\n",
    )
    assert nodept.exit_code != 0 and "no department" in nodept.output
