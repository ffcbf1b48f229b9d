"""Command-line verbs: ``flask --app kiosk seed-demo``, ``seed-phrases``, ``create-user`` ..."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from kiosk.clock import utcnow
from kiosk.domain.messaging import Channel
from kiosk.extensions import db
from kiosk.models.calls import PbxSecret
from kiosk.models.people import Department, Role, User, UserRole
from kiosk.models.property import Owner
from kiosk.services import accounts, audit


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Only when the database has no users yet.")
def seed_demo_command(if_empty: bool) -> None:
    """Load realistic demo data (idempotent)."""
    from flask import current_app

    from kiosk.devtools.demo import (
        DEMO_PASSWORD,
        DEMO_PBX,
        STAFF,
        refresh_live_calls,
        seed_demo,
        seed_history,
    )

    if if_empty and db.session.scalar(select(func.count(User.id))):
        click.echo("Database already has users; demo data not loaded.")
        refresh_live_calls(utcnow(), current_app.config)
    else:
        result = seed_demo(utcnow())
        click.echo(f"Demo data ready ({result['users_added']} users added).")
        history = seed_history(utcnow())
        if history:
            click.echo(f"A year of history for the KPI page: {history} calls with their slips and callbacks.")
        click.echo("Kiosk pairing codes (enter one at /kiosk/pair on a tablet; valid 15 minutes):")
        for device_name, code in result["pairing_codes"].items():
            click.echo(f"  {device_name:<12} {code}")
        click.echo("A tablet paired at the sales office also shows /rotation/front-desk (一接/二接/三接).")
    demo_usernames = [username for username, *_rest in STAFF]
    if db.session.scalar(select(func.count(User.id)).where(User.username.in_(demo_usernames))):
        click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, name, roles, _department, _ext in STAFF:
            click.echo(f"  {username:<12} {name}  [{', '.join(r.value for r in roles)}]")
    secret = db.session.scalar(select(PbxSecret.secret).where(PbxSecret.name == DEMO_PBX))
    if secret:
        click.echo(f"Switchboard {DEMO_PBX!r} signs its events (flask cti-simulate --secret) with: {secret}")


@click.command("seed-phrases")
def seed_phrases_command() -> None:
    """Load the standard phrase book (seed 003 §2(12)) when it is empty; a book in use is left alone."""
    from kiosk.services.hotline import load_standard_phrases

    added = load_standard_phrases()
    if added:
        click.echo(f"Standard phrases loaded: {added}.")
    else:
        click.echo("The phrase book already has phrases; nothing loaded.")


@click.command("auto-sign-out")
def auto_sign_out_command() -> None:
    """Sign out visitors still on site after their kiosk's closing time (run it from cron; idempotent)."""
    from kiosk.services.visits import auto_sign_out

    click.echo(f"Signed out {auto_sign_out(utcnow())} visit(s) automatically.")


@click.command("purge-visitors")
@click.option("--older-than", "days", type=click.IntRange(min=1), default=None,
              help="Age in days (default: the VISITOR_RETENTION_DAYS setting).")
def purge_visitors_command(days: int | None) -> None:
    """Anonymise the personal data of old visits, keeping the counts."""
    from flask import current_app

    from kiosk.services.visits import purge_visitors

    days = days or current_app.config["VISITOR_RETENTION_DAYS"]
    click.echo(f"Anonymised {purge_visitors(days, utcnow())} visit(s) older than {days} days.")


@click.command("purge-login-attempts")
@click.option("--older-than-days", "days", type=click.IntRange(min=1), default=None,
              help="Age in days (default: the LOGIN_ATTEMPT_RETENTION_DAYS setting).")
def purge_login_attempts_command(days: int | None) -> None:
    """Delete old login attempts: they hold addresses and typed usernames (run it nightly)."""
    from datetime import timedelta

    from flask import current_app

    days = days or current_app.config["LOGIN_ATTEMPT_RETENTION_DAYS"]
    removed = accounts.purge_login_attempts(utcnow(), timedelta(days=days))
    click.echo(f"Deleted {removed} login attempt(s) older than {days} days.")


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
    now = utcnow()
    accounts.create_user(username=username, display_name=display_name, password=password, roles=roles,
                         department=department, now=now, by=audit.By(None, "", now))
    click.echo(f"Created {username}.")


@click.command("cti-simulate")
@click.option("--url", default="http://127.0.0.1:5000", show_default=True, help="The running server.")
@click.option("--secret", required=True, help="The switchboard's secret (seed-demo prints demo-pbx's).")
@click.option("--pbx", default="demo-pbx", show_default=True, help="The switchboard's name.")
@click.option("--calls", default=5, show_default=True, type=click.IntRange(1, 10000))
@click.option("--ringing", default=1, show_default=True, type=click.IntRange(0),
              help="How many of the calls are left ringing for an agent to answer on the console.")
@click.option("--seed", default=None, type=int, help="Random seed, for a repeatable run.")
def cti_simulate_command(url, secret, pbx, calls, ringing, seed) -> None:
    """Play realistic, signed switchboard event streams against a running server."""
    import random

    from kiosk.devtools.cti_simulator import call_streams, post_event

    owners = db.session.scalars(select(Owner.mobile).where(Owner.mobile.is_not(None))).all()
    extensions = db.session.scalars(
        select(User.extension).join(UserRole)
        .where(UserRole.role == Role.AGENT.value, User.extension.is_not(None))
    ).all()
    rng = random.Random(seed)
    counts: dict[str, int] = {}
    for event in call_streams(rng, calls=calls, ringing=min(ringing, calls), clock=utcnow, numbers=owners,
                              extensions=extensions):
        status, answer = post_event(url, pbx, secret, event)
        key = f"{status} {answer.get('status', answer.get('error', ''))}"
        counts[key] = counts.get(key, 0) + 1
    for key, count in sorted(counts.items()):
        click.echo(f"{count:>5} × {key}")
@click.command("cti-asterisk")
@click.option("--url", required=True, envvar="KIOSK_CTI_AMI_URL",
              help="The switch's manager interface: ami://USER:SECRET@HOST:5038 (or KIOSK_CTI_AMI_URL).")
@click.option("--switchboard", required=True, help="The switchboard's name (its calls' ids are its own).")
def cti_asterisk_command(url: str, switchboard: str) -> None:
    """Follow an Asterisk switch's calls and queues (AMI) until SIGTERM, reconnecting after an outage, and
    carry out click-to-dial and queue pauses for it."""
    import logging

    from flask import current_app

    from kiosk.connectors.ami import parse_url
    from kiosk.connectors.asterisk import Settings, run_forever

    try:
        parse_url(url)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--url") from None
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    config = current_app.config
    run_forever(current_app._get_current_object(),
                Settings(url, switchboard[:40], interface=config["CTI_AMI_INTERFACE"],
                         context=config["CTI_AMI_DIAL_CONTEXT"], caller_id=config["CTI_AMI_CALLER_ID"],
                         queues=tuple(q.strip() for q in config["CTI_AMI_QUEUES"].split(",") if q.strip())))


@click.command("cti-webhook-token")
@click.argument("switchboard")
def cti_webhook_token_command(switchboard: str) -> None:
    """Give a switchboard a new token for the generic webhook and print its address (the old one stops)."""
    from kiosk.services import audit, switch

    token = switch.new_webhook_token(switchboard, by=audit.By(None, "", utcnow()))
    if token is None:
        raise click.ClickException(f"No switchboard named {switchboard!r}.")
    click.echo(f"/cti/generic/{token}")


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


@click.command("report-missed-payments")
def report_missed_payments_command() -> None:
    """Tell the project manager of down payments whose due date passed unpaid (once each; cron-safe)."""
    from kiosk.services.sales import report_missed_payments

    click.echo(f"Missed down payments reported: {report_missed_payments(utcnow())}.")


@click.command("check-model-home-rounds")
def check_model_home_rounds_command() -> None:
    """Alert the supervisor of model-home rounds not done by their time (once each; cron-safe)."""
    from kiosk.services.model_home import alert_missed_rounds

    click.echo(f"Missed model-home rounds alerted: {alert_missed_rounds(utcnow())}.")


@click.command("kpi-rollups")
def kpi_rollups_command() -> None:
    """Count every closed day (then month) of the KPIs not rolled up yet, or changed since, and the standing
    figures if changed (after a deploy; cron-safe)."""
    from flask import current_app

    from kiosk.services import kpi

    days = kpi.refresh(utcnow(), current_app.config["THREE_RINGS_SECONDS"])
    click.echo(f"KPI days rolled up: {days}.")


@click.command("worker")
@click.option("--once", is_flag=True, help="Run the jobs that are due now, then exit (for tests and cron).")
def worker_command(once: bool) -> None:
    """Run the timed jobs at their times (escalation, model-home rounds, auto sign-out, callbacks, missed
    payments, purges) until SIGTERM; several workers on several hosts run each job once per slot."""
    import signal

    from flask import current_app

    from kiosk.worker.loop import Worker

    worker = Worker(current_app._get_current_object())
    if not once:
        signal.signal(signal.SIGTERM, worker.stop)
        signal.signal(signal.SIGINT, worker.stop)
        worker.run_forever()
        return
    done = worker.run_pending()
    for outcome in done.outcomes:
        click.echo(f"{outcome.job}: {outcome.error or outcome.result}")
    if not done.outcomes:
        click.echo("No job is due.")
    if done.failed:
        raise SystemExit(1)


@click.command("report")
@click.option("--period", "label", default=None, metavar="PERIOD",
              help="A month (2026-10: the 服务监督报告) or a reporting week (2026-W43: Saturday to "
                   "Friday, named after the ISO week of its Friday). Default: the last complete month.")
@click.option("--out", "out", default=None, type=click.Path(dir_okay=False, writable=True),
              help="Where to write it (default: service-report-2026-10.xlsx or weekly-report-2026-W43.xlsx "
                   "in the current directory).")
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv"]), default=None,
              help="xlsx or csv (default: from --out's extension, else xlsx).")
def report_command(label: str | None, out: str | None, fmt: str | None) -> None:
    """Write the monthly service supervision report (or a weekly report) to a file, for cron and mail."""
    from pathlib import Path

    from flask import current_app

    from kiosk.clock import local
    from kiosk.domain.kpi import PeriodKind, parse_period, supervision_report_period
    from kiosk.services import kpi
    from kiosk.web import reports
    from kiosk.web.exports import csv_text, xlsx_bytes

    now = utcnow()
    try:
        period = parse_period(label) if label else supervision_report_period(local(now).date())
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--period") from None
    if period.kind is PeriodKind.DAY:
        raise click.BadParameter("a report covers a month (2026-10) or a week (2026-W43)",
                                 param_hint="--period")
    fmt = fmt or (Path(out).suffix.lstrip(".").lower() if out else "xlsx")
    if fmt not in ("xlsx", "csv"):
        raise click.BadParameter("--out must end in .xlsx or .csv, or give --format", param_hint="--out")
    data = kpi.report(period, now, ring_target_seconds=current_app.config["THREE_RINGS_SECONDS"])
    target = Path(out or reports.filename(data, fmt))
    if fmt == "xlsx":
        target.write_bytes(xlsx_bytes(reports.sheets(data)))
    else:
        target.write_text(csv_text(reports.csv_rows(data)), encoding="utf-8")
    click.echo(f"{reports.report_title(period)} {period.label} → {target}")


@click.command("check-deploy")
def check_deploy_command() -> None:
    """Preflight before going live: names every production misconfiguration; exits 1 if there is any."""
    from flask import current_app

    from kiosk.deploy_checks import configuration_problems, describe, environment_problems
    from kiosk.services.deployment import gather_facts

    config = current_app.config
    problems = configuration_problems(config) + environment_problems(config, gather_facts())
    if problems:
        click.echo(describe(problems), err=True)
        raise click.exceptions.Exit(1)
    click.echo("部署检查通过。 / Deployment checks passed.")


@click.command("photos-to-database")
def photos_to_database_command() -> None:
    """Move asset photos kept as files (ASSET_PHOTO_DIR) into the database; run it once on the host that
    holds the folder after switching ASSET_PHOTO_STORAGE to "database" (safe to run again)."""
    from flask import current_app

    from kiosk.services.photos import move_files_to_database
    from kiosk.web.photo_storage import photo_folder

    moved, missing = move_files_to_database(photo_folder(current_app))
    click.echo(f"Moved {moved} photo(s) into the database.")
    if missing:
        click.echo(f"{missing} photo file(s) not found under {photo_folder(current_app)}; their records keep "
                   "the file names.", err=True)


@click.command("notify-test")
@click.argument("channel", type=click.Choice([c.value for c in Channel if c is not Channel.BELL]))
@click.argument("target")
def notify_test_command(channel: str, target: str) -> None:
    """Send one test message (wecom_group: the robot key; wecom_app: the WeCom user id; sms: a mobile;
    email: an address); exit 1 with the provider's reason when it fails."""
    from kiosk.messaging import DeliveryError
    from kiosk.services import delivery

    try:
        provider_id = delivery.send_test(Channel(channel), target, settings=current_app.config, now=utcnow())
    except DeliveryError as error:
        click.echo(f"发送失败 / failed ({error.outcome}): {error.reason}", err=True)
        sys.exit(1)
    click.echo(f"已发送 / sent{f' ({provider_id})' if provider_id else ''}")


@click.command("deliver-messages")
def deliver_messages_command() -> None:
    """Deliver the messages due now (the worker's deliver-messages job, once)."""
    from kiosk.worker.jobs import job_named

    click.echo(job_named("deliver-messages").run(utcnow(), current_app.config))


@click.command("import-owners")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Say what each row would do; write nothing.")
@click.option("--create-buildings", is_flag=True, help="Create projects and buildings the register lacks.")
@click.option("--show", default=50, show_default=True, help="Rows listed (refused rows first).")
def import_owners_command(path: str, dry_run: bool, create_buildings: bool, show: int) -> None:
    """Import the owner register from a property ERP's XLSX or CSV export (all rows or none)."""
    from pathlib import Path

    from kiosk.services import register_import
    from kiosk.services.register import Actor
    from kiosk.web.labels import import_reason

    with open(path, "rb") as file:
        data = file.read(register_import.MAX_BYTES + 1)
    try:
        columns, body = register_import.read_file(Path(path).name, data)
        if dry_run:
            plan = register_import.dry_run(columns, body, create_buildings=create_buildings)
        else:
            plan = register_import.apply(columns, body, actor=Actor(None, utcnow()),
                                         create_buildings=create_buildings)
    except register_import.ImportFileRefused as refused:
        click.echo(import_reason(refused.reason), err=True)
        raise click.exceptions.Exit(1) from None
    except register_import.RowsRefused as refused:
        plan, dry_run = refused.plan, True
    listed = sorted(plan.outcomes, key=lambda o: (o.kind != "refused", o.line))[:show]
    for outcome in listed:
        details = "；".join(map(import_reason, outcome.details))
        click.echo(f"{outcome.line:>6} {outcome.kind:<9} {outcome.label} {details}")
    counts = plan.counts
    summary = ", ".join(f"{kind} {counts[kind]}" for kind in ("created", "updated", "unchanged", "refused"))
    if plan.refused:
        click.echo(f"{summary}. Nothing imported: correct the refused rows and import again.", err=True)
        raise click.exceptions.Exit(1)
    click.echo(f"{summary}." + (" (dry run: nothing written)" if dry_run else " Imported."))


@click.command("db", add_help_option=False,
               context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.pass_context
@with_appcontext
def migrations_command(ctx: click.Context) -> None:
    """Perform database migrations (Flask-Migrate's ``flask db``; --help lists them)."""
    from kiosk.extensions import init_migrations

    init_migrations(current_app)
    from flask_migrate.cli import db as commands

    with commands.make_context(ctx.info_name, list(ctx.args), parent=ctx.parent) as migrations:
        commands.invoke(migrations)


def register(app) -> None:
    app.cli.add_command(migrations_command)
    app.cli.add_command(import_owners_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(seed_phrases_command)
    app.cli.add_command(create_user_command)
    app.cli.add_command(auto_sign_out_command)
    app.cli.add_command(purge_visitors_command)
    app.cli.add_command(purge_login_attempts_command)
    app.cli.add_command(cti_simulate_command)
    app.cli.add_command(cti_asterisk_command)
    app.cli.add_command(cti_webhook_token_command)
    app.cli.add_command(escalate_overdue_command)
    app.cli.add_command(schedule_callbacks_command)
    app.cli.add_command(report_missed_payments_command)
    app.cli.add_command(check_model_home_rounds_command)
    app.cli.add_command(kpi_rollups_command)
    app.cli.add_command(report_command)
    app.cli.add_command(check_deploy_command)
    app.cli.add_command(worker_command)
    app.cli.add_command(photos_to_database_command)
    app.cli.add_command(notify_test_command)
    app.cli.add_command(deliver_messages_command)
