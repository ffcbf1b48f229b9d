"""The model homes seen from the office: the supervisor's rounds overview (which also raises any missed-round
alert still due), the asset loss and damage records with their photos, and the admin's checklists."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, make_response, request, url_for
from flask_babel import gettext as _

from kiosk.clock import local, utcnow
from kiosk.domain.model_home import RoundKind
from kiosk.forms.fields import day_arg
from kiosk.forms.model_home import CheckForm, SupervisorForm
from kiosk.models.model_home import ModelHomeCheck
from kiosk.models.people import Role
from kiosk.services import accounts, delivery, directory, model_home
from kiosk.web.access import roles
from kiosk.web.auditing import by_request
from kiosk.web.photo_storage import asset_photos
from kiosk.web.rendering import render, see_other

bp = Blueprint("model_homes", __name__, url_prefix="/model-homes")


def _day() -> date:
    return day_arg(request.args.get("day"), local(utcnow()).date())


@bp.route("/")
@roles(Role.SUPERVISOR)
def rounds():
    now = utcnow()
    model_home.alert_missed_rounds(now)
    day = _day()
    tablets = model_home.model_home_devices()
    homes = [(tablet, model_home.rounds_of_day(tablet, day, now)) for tablet in tablets]
    told = delivery.deliveries_by_link(r.link for _tablet, rounds in homes for r in rounds)
    return render("model_homes/rounds.html", "round_board", homes=homes, day=day, told=told)


@bp.route("/assets")
@roles(Role.SUPERVISOR)
def assets():
    return render("model_homes/assets.html", records=model_home.asset_records())


@bp.route("/assets/<int:record_id>")
@roles(Role.SUPERVISOR)
def asset(record_id: int):
    record = model_home.get_asset_record(record_id) or abort(404)
    return render("model_homes/asset.html", record=record, handling=model_home.handling_of(record))


@bp.route("/assets/<int:record_id>/photos/<int:n>")
@roles(Role.SUPERVISOR)
def photo(record_id: int, n: int):
    """A stored photo, to supervisors only. Personal data: never kept by any cache; sent as the image type it
    was checked to be on upload, which the browser must not second-guess."""
    record = model_home.get_asset_record(record_id) or abort(404)
    if not 0 <= n < len(record.photos):
        abort(404)
    stored = asset_photos().open(record.photos[n]) or abort(404)
    response = make_response(stored.data)
    response.mimetype = stored.mime
    response.set_etag(stored.sha256)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response.make_conditional(request)


# ---- admin: checklists and who supervises each model home -------------------------------------------


def _check_forms(bound: tuple[int, CheckForm] | None = None) -> dict:
    departments = directory.active_departments()
    forms = {}
    for kind in RoundKind:
        for check in model_home.checklist(kind, include_retired=True):
            form = CheckForm(formdata=None, prefix=f"c{check.id}", obj=check,
                             data={"department_id": check.department_id or 0})
            form.set_departments(departments)
            forms[check.id] = (check, form)
    if bound is not None:
        forms[bound[0]] = (forms[bound[0]][0] if bound[0] in forms else None, bound[1])
    return forms


def _checks_page(*, status: int = 200, new_form: CheckForm | None = None, bound=None):
    departments = directory.active_departments()
    if new_form is None:
        new_form = CheckForm(formdata=None, prefix="new")
    new_form.set_departments(departments)
    people = accounts.active_users(Role.SUPERVISOR)
    tablets = []
    for tablet in model_home.model_home_devices():
        form = SupervisorForm(formdata=None, prefix=f"s{tablet.id}")
        form.set_people(people)
        supervisor = model_home.supervisor_of(tablet)
        form.supervisor_id.data = supervisor.id if supervisor else 0
        tablets.append((tablet, form))
    forms = _check_forms(bound)
    by_kind = {kind: [forms[c.id] for c in model_home.checklist(kind, include_retired=True)]
               for kind in RoundKind}
    return render("model_homes/checks.html", status=status, by_kind=by_kind, new_form=new_form,
                  tablets=tablets)


@bp.route("/checks", methods=["GET", "POST"])
@roles(Role.ADMIN)
def checks():
    model_home.ensure_default_checks()
    if request.method == "POST":
        form = CheckForm(prefix="new")
        form.set_departments(directory.active_departments())
        if not form.validate():
            return _checks_page(status=422, new_form=form)
        _save(None, form)
        flash(_("已添加检查项。"), "success")
        return see_other(url_for("model_homes.checks"))
    return _checks_page()


def _save(check: ModelHomeCheck | None, form: CheckForm) -> None:
    department = directory.get_department(form.department_id.data)
    model_home.save_check(check, kind=RoundKind(form.kind.data), text=form.text.data, department=department,
                          position=form.position.data, active=bool(form.active.data), by=by_request())


@bp.route("/checks/<int:check_id>", methods=["POST"])
@roles(Role.ADMIN)
def check_edit(check_id: int):
    check = model_home.get_check(check_id) or abort(404)
    form = CheckForm(prefix=f"c{check_id}")
    form.set_departments(directory.active_departments())
    if not form.validate():
        return _checks_page(status=422, bound=(check_id, form))
    _save(check, form)
    flash(_("已保存检查项。"), "success")
    return see_other(url_for("model_homes.checks"))


@bp.route("/tablets/<int:device_id>/supervisor", methods=["POST"])
@roles(Role.ADMIN)
def set_supervisor(device_id: int):
    tablet = model_home.model_home_device(device_id) or abort(404)
    form = SupervisorForm(prefix=f"s{device_id}")
    form.set_people(accounts.active_users(Role.SUPERVISOR))
    if not form.validate():
        flash(_("请选择有效的主管。"), "warning")
        return see_other(url_for("model_homes.checks"))
    person = accounts.get_user(form.supervisor_id.data)
    model_home.set_supervisor(tablet, person, by=by_request())
    flash(_("已设置样板间「%(name)s」的主管。", name=tablet.name), "success")
    return see_other(url_for("model_homes.checks"))
