"""Command-line verbs: ``flask --app kiosk seed-demo``, ``create-user``."""

from __future__ import annotations

import click
from sqlalchemy import func, select

from kiosk.clock import utcnow
from kiosk.extensions import db
from kiosk.models.people import Department, Role, User
from kiosk.services import accounts


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Only when the database has no users yet.")
def seed_demo_command(if_empty: bool) -> None:
    """Load realistic demo data (idempotent)."""
    from kiosk.demo import DEMO_PASSWORD, STAFF, seed_demo

    if if_empty and db.session.scalar(select(func.count(User.id))):
        click.echo("Database already has users; demo data not loaded.")
        return
    result = seed_demo(utcnow())
    click.echo(f"Demo data ready ({result['users_added']} users added).")
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for username, name, roles, _department, _ext in STAFF:
        click.echo(f"  {username:<12} {name}  [{', '.join(r.value for r in roles)}]")


@click.command("create-user")
@click.argument("username")
@click.option("--name", "display_name", required=True, help="Display name.")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice([r.value for r in Role]))
@click.option("--department", "department_code", default=None, help="Department code.")
@click.password_option()
def create_user_command(username, display_name, roles, department_code, password) -> None:
    """Create a staff account."""
    if accounts.username_taken(username):
        raise click.ClickException(f"user {username!r} already exists")
    department = None
    if department_code:
        department = db.session.scalar(select(Department).where(Department.code == department_code))
        if department is None:
            raise click.ClickException(f"no department with code {department_code!r}")
    if len(password) < 8:
        raise click.ClickException("password must have at least 8 characters")
    accounts.create_user(username=username, display_name=display_name, password=password, roles=roles,
                         department=department, now=utcnow())
    click.echo(f"Created {username}.")


@click.command("escalate-overdue")
def escalate_overdue_command() -> None:
    """Tell people about near-due slips, escalate overdue ones to the supervisors (once each; cron-safe)."""
    from kiosk.services.tasks import notify_deadlines

    near, late = notify_deadlines(utcnow())
    click.echo(f"Near due: {near} notified. Overdue: {late} escalated.")


@click.command("schedule-callbacks")
def schedule_callbacks_command() -> None:
    """Schedule the periodic owner callbacks (monthly in the first year, quarterly after; cron-safe)."""
    from kiosk.services.tasks import schedule_periodic_callbacks

    added = schedule_periodic_callbacks(utcnow())
    click.echo(f"Periodic callbacks scheduled: {added}.")


def register(app) -> None:
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(create_user_command)
    app.cli.add_command(escalate_overdue_command)
    app.cli.add_command(schedule_callbacks_command)
