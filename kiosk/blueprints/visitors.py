"""Staff side of the kiosk: visitor log, on-site roll call, incidents, watch list, appointments, devices."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time, timedelta

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from kiosk.clock import SHANGHAI, local, utcnow
from kiosk.domain.classify import AlertRole, IncidentClass, Place, VisitPurpose, WatchKind, watch_alert_role
from kiosk.domain.incident_states import incident_state
from kiosk.domain.masking import mask_phone
from kiosk.forms.admin import EmptyForm
from kiosk.forms.fields import day_arg, options, row_id_or_none
from kiosk.forms.visitors import (
    AppointmentForm,
    DeviceForm,
    IncidentFilterForm,
    IncidentForm,
    MobileSearchForm,
    WatchPersonForm,
)
from kiosk.models.people import Role, User
from kiosk.models.visits import Incident, Visit, WatchPerson
from kiosk.services import accounts, delivery, devices, directory, incidents, sales_desk, submissions, visits
from kiosk.web import labels
from kiosk.web.access import roles, signed_in
from kiosk.web.auditing import by_request
from kiosk.web.exports import csv_download
from kiosk.web.rendering import render, same_site_path, see_other

bp = Blueprint("visitors", __name__, url_prefix="/visitors")


def sees_full_numbers(user) -> bool:
    """Supervisors and admins call visitors back; everyone else sees 138****5678."""
    return user.has_role(Role.ADMIN, Role.SUPERVISOR)


def shown_mobile(mobile: str | None) -> str:
    if not mobile:
        return ""
    return mobile if sees_full_numbers(current_user) else mask_phone(mobile)


@bp.context_processor
def visitors_context():
    return {"shown_mobile": shown_mobile}


# ---- the visitor log -------------------------------------------------------------------------------


def _choice_arg(name: str, allowed) -> str:
    value = request.args.get(name, "")
    return value if value in allowed else ""


def _log_filter() -> visits.LogFilter:
    today = utcnow().astimezone(SHANGHAI).date()
    start = day_arg(request.args.get("start"), today)
    end = day_arg(request.args.get("end"), start)
    if end < start:
        start, end = end, start
    return visits.LogFilter(
        start=start, end=min(end, start + timedelta(days=366)),
        on_site=request.args.get("scope") == "on_site",
        place=_choice_arg("place", {p.value for p in Place}),
        purpose=_choice_arg("purpose", {p.value for p in VisitPurpose}),
        incident_class=_choice_arg("class", {c.value for c in IncidentClass} | {"none"}),
        name=request.args.get("q", "").strip()[:40],
    )


def _host(visit: Visit, salespeople: dict[int, User]) -> str:
    """Whom the visitor came to see; for a buyer, the salesperson the rotation gave them (制度1 第3条)."""
    salesperson = salespeople.get(visit.id)
    if salesperson is None:
        return visit.host_label
    return _("置业顾问 %(name)s", name=salesperson.display_name)


def _log_page(f: visits.LogFilter, found: list[Visit], search: MobileSearchForm, status: int = 200):
    salespeople = sales_desk.receivers_for(found)
    links = {v.id: visits.visit_link(v) for v in found}
    told = delivery.deliveries_by_link(links.values())
    return render("visitors/log.html", "visit_rows", filter=f, visits=found, search=search,
                  hosts={v.id: _host(v, salespeople) for v in found}, on_site=visits.on_site_count(),
                  told={v.id: told.get(links[v.id], []) for v in found},
                  may_open_slip=current_user.has_role(Role.AGENT, Role.STAFF, Role.SUPERVISOR), status=status)


@bp.route("/")
@signed_in
def log():
    f = _log_filter()
    return _log_page(f, visits.visitor_log(f), MobileSearchForm(formdata=None))


@bp.route("/by-mobile", methods=["POST"])
@signed_in
def by_mobile():
    """Search by phone number: a POST, so the number never lands in a URL, a history or a log line."""
    search = MobileSearchForm()
    f = _log_filter()
    if not search.validate():
        return _log_page(f, [], search, status=422)
    found = visits.visitor_log(replace(f, mobile=search.mobile.data))
    # The results are shown (masked as the role requires); the number is not echoed back into the field.
    return _log_page(f, found, MobileSearchForm(formdata=None))


@bp.route("/export.csv")
@signed_in
def export():
    f = _log_filter()
    header = [_("胸牌"), _("签到时间"), _("签退时间"), _("地点"), _("事由"), _("姓名"), _("手机号码"),
              _("人数"), _("拜访"), _("类别")]
    found = visits.visitor_log(f, limit=100_000)
    salespeople = sales_desk.receivers_for(found)
    rows = [[
        v.badge_code, _fmt(v.signed_in_at), _fmt(v.signed_out_at), labels.PLACE[Place(v.place)],
        labels.VISIT_PURPOSE[VisitPurpose(v.purpose)], v.name, shown_mobile(v.mobile), v.party_size,
        _host(v, salespeople), v.incident_class or "",
    ] for v in found]
    return csv_download([header, *rows], f"visitors-{f.start}-{f.end}.csv")


def _fmt(moment: datetime | None) -> str:
    return local(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


@bp.route("/on-site")
@signed_in
def on_site():
    today = local(utcnow()).date()
    f = visits.LogFilter(start=today, end=today, on_site=True,
                         place=_choice_arg("place", {p.value for p in Place}))
    return render("visitors/on_site.html", visits=visits.visitor_log(f, limit=10_000), now=utcnow(),
                  place=f.place)


@bp.route("/<int:visit_id>/sign-out", methods=["POST"])
@signed_in
def staff_sign_out(visit_id: int):
    visits.get_visit(visit_id) or abort(404)
    if EmptyForm().validate():
        visits.sign_out_by_staff(visit_id, utcnow())
        flash(_("已为访客签退。"), "success")
    return see_other(same_site_path(request.referrer) or url_for("visitors.log"))


# ---- incidents -------------------------------------------------------------------------------------


def _incident(incident_id: int) -> Incident:
    incident = incidents.get_incident(incident_id) or abort(404)
    if not visits.may_see_incident(current_user, incident):
        abort(403)
    return incident


@bp.route("/incidents")
@signed_in
def incident_list():
    """The incidents the person may see, newest first, 50 a page: by class, state and the days opened."""
    form = IncidentFilterForm(formdata=request.args)
    valid = form.validate()
    now = utcnow()
    page = incidents.incident_page(form.chosen() if valid else incidents.IncidentFilter(), current_user, now,
                                   row_id_or_none(request.args.get("page")) or 1)
    query = {key: value for key, value in request.args.items() if key != "page" and value}
    return render("visitors/incidents.html", "incident_rows", form=form, page=page, query=query, now=now,
                  state_of=lambda i: incident_state(acknowledged_at=i.acknowledged_at, closed_at=i.closed_at,
                                                    report_filed_at=i.report_filed_at,
                                                    report_due_at=i.report_due_at, now=now),
                  status=200 if valid else 422)


@bp.route("/incidents/overdue")
@roles(Role.SUPERVISOR)
def overdue():
    return render("visitors/overdue.html", incidents=incidents.overdue_reports(utcnow()), now=utcnow())


@bp.route("/incidents/<int:incident_id>", methods=["GET", "POST"])
@signed_in
def incident(incident_id: int):
    record = _incident(incident_id)
    form = IncidentForm(obj=record)
    status = 200
    if request.method == "POST":
        status = 422
        if record.closed_at is None and form.validate():
            incidents.record_handling(
                record, handled_by=form.handled_by.data or "", actions=form.actions.data or "",
                outcome=form.outcome.data or "", close=form.close.data, user=current_user, now=utcnow(),
                calendar=directory.working_calendar(),
            )
            flash(_("已保存处理记录。"), "success")
            return see_other(url_for("visitors.incident", incident_id=record.id))
    roles_text = [labels.ALERT_ROLE[AlertRole(r)] for r in record.alert_roles.split(",") if r]
    return render("visitors/incident.html", "incident_form", incident=record, form=form, status=status,
                  alert_roles=roles_text, now=utcnow(), button=EmptyForm(),
                  deliveries=delivery.deliveries_for(url_for("visitors.incident", incident_id=record.id)))


@bp.route("/incidents/<int:incident_id>/acknowledge", methods=["POST"])
@signed_in
def acknowledge(incident_id: int):
    record = _incident(incident_id)
    if EmptyForm().validate():
        if incidents.acknowledge(record.id, current_user, utcnow()):
            flash(_("已确认：由您负责跟进。"), "success")
        else:
            flash(_("此事件已由他人确认。"), "warning")
    return see_other(url_for("visitors.incident", incident_id=incident_id))


@bp.route("/incidents/<int:incident_id>/report", methods=["POST"])
@signed_in
def file_report(incident_id: int):
    record = _incident(incident_id)
    if EmptyForm().validate():
        incidents.file_report(record, utcnow())
    return see_other(url_for("visitors.incident", incident_id=incident_id))


@bp.route("/incidents/<int:incident_id>/case-study", methods=["POST"])
@roles(Role.SUPERVISOR)
def case_study(incident_id: int):
    record = _incident(incident_id)
    if EmptyForm().validate():
        incidents.set_case_study(record, request.form.get("value") == "1")
    return see_other(url_for("visitors.incident", incident_id=incident_id))


# ---- the watch list --------------------------------------------------------------------------------


@bp.route("/watch-list", methods=["GET", "POST"], defaults={"person_id": None})
@bp.route("/watch-list/<int:person_id>", methods=["GET", "POST"])
@roles(Role.SUPERVISOR)
def watch_list(person_id: int | None):
    person = WatchPerson() if person_id is None else (incidents.get_watch_person(person_id) or abort(404))
    form = WatchPersonForm(obj=person if person_id else None)
    if request.method == "GET" and person_id:
        form.alert_role.data = person.alert_role or ""
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate():
            values = {"name": form.name.data, "mobile": form.mobile.data or None, "kind": form.kind.data,
                      "alert_role": form.alert_role.data or None, "note": form.note.data or ""}
            if person_id is None:
                values.update(created_by_id=current_user.id, created_at=utcnow())
            incidents.save_watch_person(person, by=by_request(), **values)
            flash(_("已保存关注名单。"), "success")
            return see_other(url_for("visitors.watch_list"))
    people = incidents.watch_people()
    default_roles = {kind.value: labels.ALERT_ROLE[watch_alert_role(kind)] for kind in WatchKind}
    return render("visitors/watch_list.html", "watch_form", form=form, person=person, people=people,
                  default_roles=default_roles,
                  status=status, button=EmptyForm())


@bp.route("/watch-list/<int:person_id>/delete", methods=["POST"])
@roles(Role.SUPERVISOR)
def watch_delete(person_id: int):
    person = incidents.get_watch_person(person_id) or abort(404)
    if EmptyForm().validate():
        incidents.remove_watch_person(person, by=by_request())
        flash(_("已从关注名单删除。"), "success")
    return see_other(url_for("visitors.watch_list"))


# ---- appointments ----------------------------------------------------------------------------------


@bp.route("/appointments", methods=["GET", "POST"])
@signed_in
def appointments():
    form = AppointmentForm()
    hosts = accounts.active_users()
    form.host_id.choices = options((u.id, u.display_name) for u in hosts)
    if request.method == "GET":
        start = utcnow().astimezone(SHANGHAI).replace(second=0, microsecond=0, tzinfo=None)
        start += timedelta(hours=1)
        form.starts_at.data = start.replace(minute=0)
        form.ends_at.data = start.replace(minute=0) + timedelta(hours=1)
        form.host_id.data = current_user.id
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate():
            made = visits.create_appointment(
                visitor_name=form.visitor_name.data, mobile=form.mobile.data or None,
                purpose=VisitPurpose(form.purpose.data),
                starts_at=form.starts_at.data.replace(tzinfo=SHANGHAI),
                ends_at=form.ends_at.data.replace(tzinfo=SHANGHAI),
                host=accounts.get_user(form.host_id.data), created_by=current_user, now=utcnow(),
                submission=submissions.by_user(current_user.id, "appointment", form.submission_key.data),
            )
            flash(_("已登记预约，预约码 %(code)s，请告知访客。", code=made.code), "success")
            return see_other(url_for("visitors.appointments"))
    since = datetime.combine(utcnow().astimezone(SHANGHAI).date(), time(0), SHANGHAI)
    upcoming = visits.appointments_since(since)
    return render("visitors/appointments.html", "appointment_form", form=form, appointments=upcoming,
                  status=status)


# ---- kiosk devices (admin) -------------------------------------------------------------------------


def _devices_page(form, status=200, code=None, coded=None):
    rows = devices.all_devices()
    return render("visitors/devices.html", "device_form", form=form, devices=rows, status=status,
                  code=code, coded=coded, button=EmptyForm())


@bp.route("/devices", methods=["GET", "POST"])
@roles(Role.ADMIN)
def device_list():
    form = DeviceForm(taken=devices.device_name_taken)
    if request.method == "POST":
        if form.validate():
            made = devices.register_device(name=form.name.data, place=form.place.data,
                                           opens_at=form.opens_at.data, closes_at=form.closes_at.data,
                                           now=utcnow(), by=by_request())
            flash(_("已登记设备 %(name)s，请生成配对码。", name=made.name), "success")
            return see_other(url_for("visitors.device_list"))
        return _devices_page(form, status=422)
    return _devices_page(form)


@bp.route("/devices/<int:device_id>/pairing-code", methods=["POST"])
@roles(Role.ADMIN)
def pairing_code(device_id: int):
    tablet = devices.get_device(device_id) or abort(404)
    if not EmptyForm().validate():
        return see_other(url_for("visitors.device_list"))
    code = devices.issue_pairing_code(tablet, utcnow(), by=by_request())
    # Shown once, in this answer only (never flashed into the cookie, never in a URL).
    return _devices_page(DeviceForm(formdata=None), code=code, coded=tablet)


@bp.route("/devices/<int:device_id>/revoke", methods=["POST"])
@roles(Role.ADMIN)
def revoke(device_id: int):
    tablet = devices.get_device(device_id) or abort(404)
    if EmptyForm().validate():
        devices.revoke(tablet, by=by_request())
        flash(_("已停用设备 %(name)s。", name=tablet.name), "success")
    return see_other(url_for("visitors.device_list"))
