"""Administration: staff accounts, departments, the calendar, timed jobs, switchboards, the audit log."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from kiosk.clock import SHANGHAI, utcnow
from kiosk.forms.admin import CalendarOverrideForm, DepartmentForm, EmptyForm, UserForm, WebhookTokenForm
from kiosk.forms.audit import AuditFilterForm, changes
from kiosk.forms.fields import day_arg, options, row_id_or_none
from kiosk.models.people import Department, Role, User
from kiosk.services import accounts, audit, directory, hotline, switch
from kiosk.services import jobs as job_records
from kiosk.web.access import roles
from kiosk.web.auditing import by_request
from kiosk.web.rendering import render, see_other
from kiosk.worker import jobs as timed_jobs

bp = Blueprint("admin", __name__, url_prefix="/admin")



def _department_choices():
    return options([(0, _("（无）"))] + [(d.id, d.name) for d in directory.departments()])


@bp.route("/users")
@roles(Role.ADMIN)
def users():
    query = request.args.get("q", "").strip()
    return render("admin/users.html", "user_rows", users=accounts.find_users(query), q=query)


def _user_form(user: User | None):
    form = UserForm(
        obj=user, editing=user, editing_self=user is not None and user.id == current_user.id,
        taken=lambda name: accounts.username_taken(name, except_id=user.id if user else None),
    )
    form.department_id.choices = _department_choices()
    if request.method == "GET" and user is not None:
        form.roles.data = sorted(user.roles)
        form.department_id.data = user.department_id or 0
    return form


@bp.route("/users/new", methods=["GET", "POST"])
@roles(Role.ADMIN)
def user_new():
    form = _user_form(None)
    if request.method == "POST":
        if form.validate():
            user = accounts.create_user(
                username=form.username.data, display_name=form.display_name.data,
                password=form.password.data, roles=form.roles.data,
                department=directory.get_department(form.department_id.data),
                extension=form.extension.data, now=utcnow(), by=by_request(),
            )
            flash(_("已创建用户 %(name)s。", name=user.display_name), "success")
            return see_other(url_for("admin.users"))
        return render("admin/user_form.html", "user_form", form=form, user=None, status=422)
    return render("admin/user_form.html", "user_form", form=form, user=None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles(Role.ADMIN)
def user_edit(user_id: int):
    user = accounts.get_user(user_id) or abort(404)
    form = _user_form(user)
    if request.method == "POST":
        if form.validate():
            accounts.update_user(
                user, display_name=form.display_name.data, roles=form.roles.data,
                department=directory.get_department(form.department_id.data),
                active=form.active.data, extension=form.extension.data, new_password=form.password.data,
                by=by_request(),
            )
            flash(_("已保存用户 %(name)s。", name=user.display_name), "success")
            return see_other(url_for("admin.users"))
        return render("admin/user_form.html", "user_form", form=form, user=user, status=422)
    return render("admin/user_form.html", "user_form", form=form, user=user)


@bp.route("/departments")
@roles(Role.ADMIN)
def departments():
    return render("admin/departments.html", departments=directory.departments())


@bp.route("/departments/new", methods=["GET", "POST"], defaults={"department_id": None})
@bp.route("/departments/<int:department_id>", methods=["GET", "POST"])
@roles(Role.ADMIN)
def department_edit(department_id: int | None):
    department = Department() if department_id is None else (directory.get_department(department_id)
                                                             or abort(404))
    form = DepartmentForm(
        obj=department,
        taken=lambda column, value: directory.department_value_taken(column, value, except_id=department_id),
    )
    if request.method == "POST":
        if form.validate():
            directory.save_department(
                department, code=form.code.data, name=form.name.data, phone=form.phone.data or None,
                location=form.location.data or None, active=form.active.data, by=by_request(),
            )
            flash(_("已保存部门 %(name)s。", name=department.name), "success")
            return see_other(url_for("admin.departments"))
        return render("admin/department_form.html", "department_form", form=form, department=department,
                      status=422)
    return render("admin/department_form.html", "department_form", form=form, department=department)


@bp.route("/calendar", methods=["GET", "POST"])
@roles(Role.ADMIN)
def calendar():
    form = CalendarOverrideForm()
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate():
            directory.set_override(form.day.data, form.is_working_day.data == "1", form.note.data or "",
                                   by=by_request())
            flash(_("已保存 %(day)s 的安排。", day=form.day.data.isoformat()), "success")
            return see_other(url_for("admin.calendar"))
    today = utcnow().astimezone(SHANGHAI).date()
    overrides = directory.calendar_overrides()
    working = directory.working_calendar()
    upcoming = [today + timedelta(days=i) for i in range(21)]
    return render(
        "admin/calendar.html", "calendar_form", form=form, overrides=overrides, status=status,
        days=[(d, working.is_working_day(d), working.holiday_name(d)) for d in upcoming],
    )


@bp.route("/calendar/<day>/delete", methods=["POST"])
@roles(Role.ADMIN)
def calendar_delete(day: str):
    parsed = day_arg(day, None)
    if parsed is None:
        abort(404)
    if EmptyForm().validate():
        directory.remove_override(parsed, by=by_request())
        flash(_("已删除 %(day)s 的公司安排。", day=parsed.isoformat()), "success")
    return see_other(url_for("admin.calendar"))


@bp.route("/jobs")
@roles(Role.ADMIN)
def jobs():
    """定时任务: each job's schedule, last run and next slot, with an alert for late or failed ones."""
    statuses = timed_jobs.statuses(current_app.config, utcnow())
    return render("admin/jobs.html", "job_board", statuses=statuses,
                  attention=[s for s in statuses if s.health.needs_attention], **_job_labels())


@bp.route("/jobs/<job>")
@roles(Role.ADMIN)
def job_runs(job: str):
    """The latest runs of one job."""
    found = timed_jobs.job_named(job) or abort(404)
    status = next(s for s in timed_jobs.statuses(current_app.config, utcnow()) if s.job is found)
    return render("admin/job_runs.html", job_status=status, runs=job_records.runs_of(found.name),
                  **_job_labels())


def _job_labels() -> dict:
    return {"describe": timed_jobs.describe}


@bp.route("/audit")
@roles(Role.ADMIN)
def audit_log():
    """Who changed what in the administration, newest first: filtered by person, object, action and days."""
    form = AuditFilterForm(formdata=request.args, people=audit.actors())
    valid = form.validate()
    page = audit.audit_page(form.chosen() if valid else audit.AuditFilter(),
                            row_id_or_none(request.args.get("page")) or 1)
    query = {key: value for key, value in request.args.items() if key != "page" and value}
    return render("admin/audit.html", "audit_rows", form=form, page=page, query=query, changes=changes,
                  status=200 if valid else 422)


def _switchboards(status: int = 200, **shown):
    boards = hotline.switchboards(utcnow())
    return render("admin/switchboards.html", switchboards=boards, status=status,
                  max_skew=current_app.config["CTI_MAX_CLOCK_SKEW_SECONDS"], **shown)


@bp.route("/switchboards")
@roles(Role.ADMIN)
def switchboards():
    """The connected switchboards and the events each had refused today, by reason, and the last one;
    a button per switchboard gives its generic webhook a new token."""
    return _switchboards()


@bp.route("/switchboards/token", methods=["POST"])
@roles(Role.ADMIN)
def switchboard_token():
    """A new token for a switchboard's generic webhook, its address shown this once (never stored in
    the page's later views nor in the audit log); the old address stops working."""
    form = WebhookTokenForm([board.name for board in hotline.switchboards(utcnow()) if board.name])
    if not form.validate():
        return _switchboards(status=422, token_error=form.switchboard.errors[0])
    token = switch.new_webhook_token(form.switchboard.data, by=by_request())
    if token is None:
        return _switchboards(status=422, token_error=_("没有这个总机。"))
    return _switchboards(new_token=(form.switchboard.data,
                                    url_for("cti.generic", token=token, _external=True)))
