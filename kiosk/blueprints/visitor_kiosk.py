"""The visitor's face: a paired tablet at a service centre, management office, sales office or model home.

Start screen (purpose buttons) → the form for that purpose → badge; sign-out by badge code or mobile.
No staff login: the tablet proves itself with its device cookie (``@device``).
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, g, request, session, url_for
from flask_babel import gettext as _
from flask_babel import refresh

from kiosk.clock import utcnow
from kiosk.domain.classify import Place, VisitPurpose
from kiosk.domain.masking import normalise_mobile
from kiosk.domain.rotation import BuyerSays
from kiosk.forms.visitor_kiosk import (
    AppointmentCodeForm,
    PairForm,
    SignOutForm,
    VisitForm,
    asked_fields,
    purposes_at,
    visit_form,
)
from kiosk.models.visits import Appointment
from kiosk.services import badges, devices, directory, rotation, sales_desk, submissions, visits
from kiosk.web.access import device, public
from kiosk.web.auditing import by_request
from kiosk.web.rendering import render, render_whole_page, see_other
from kiosk.web.security import limit_posts
from kiosk.web.templating import shanghai_time

bp = Blueprint("kiosk", __name__, url_prefix="/kiosk")

VISIT_KEY = "kiosk_visit_id"
APPOINTMENT_KEY = "kiosk_appointment_id"
SIGNED_OUT_KEY = "kiosk_signed_out"
PRINTED_KEY = "kiosk_badge_printed"
REJOINED_KEY = "kiosk_rejoined"


@bp.url_value_preprocessor
def tablet_rules(_endpoint, _values):
    """Runs before every before_request hook (CSRF reads the form there), so the size limit applies."""
    g.no_store = True
    request.max_content_length = current_app.config["KIOSK_MAX_POST_BYTES"]


@bp.context_processor
def kiosk_context():
    return {"idle_seconds": current_app.config["KIOSK_IDLE_SECONDS"]}


def _place() -> Place:
    return Place(g.kiosk_device.place)


@bp.route("/pair", methods=["GET", "POST"])
@public
@limit_posts
def pair():
    form = PairForm()
    if request.method == "POST":
        if form.validate():
            now = utcnow()
            paired = devices.pair(form.code.data, now, by=by_request(now))
            if paired is not None:
                tablet, secret = paired
                response = see_other(url_for("kiosk.start"))
                response.set_cookie(
                    devices.COOKIE_NAME, devices.credential_cookie(current_app.secret_key, tablet, secret),
                    max_age=devices.COOKIE_MAX_AGE, httponly=True, samesite="Lax",
                    secure=current_app.config["SESSION_COOKIE_SECURE"], path="/",
                )
                return response
            form.code.errors.append(_("配对码不正确或已过期，请向管理员重新获取。"))
        return render("kiosk/pair.html", "pair_form", form=form, status=422)
    return render("kiosk/pair.html", "pair_form", form=form)


@bp.route("/")
@device
def start():
    if request.args.get("fresh"):
        # The idle timer or 完成 brought the tablet back: the next visitor starts clean, in the site's tongue.
        for key in (VISIT_KEY, APPOINTMENT_KEY, SIGNED_OUT_KEY, PRINTED_KEY, REJOINED_KEY, "lang"):
            session.pop(key, None)
        return see_other(url_for("kiosk.start"))
    session.pop(APPOINTMENT_KEY, None)
    return render("kiosk/start.html", purposes=purposes_at(_place()), place=_place())


def _appointment() -> Appointment | None:
    return visits.get_appointment(session.get(APPOINTMENT_KEY))


@bp.route("/visit/<purpose>", methods=["GET", "POST"])
@device
@limit_posts
def visit(purpose: str):
    try:
        chosen = VisitPurpose(purpose)
    except ValueError:
        abort(404)
    appointment = _appointment()
    place = _place()
    if chosen not in purposes_at(place) and appointment is None:
        abort(404)
    asked = asked_fields(chosen, appointment)
    departments = directory.active_departments() if "host_department_id" in asked else []
    people = rotation.salespeople() if "salesperson" in asked else []
    form = visit_form(chosen, departments=departments, salespeople=people, appointment=appointment)
    if request.method == "GET" and appointment is not None:
        form.name.data = appointment.visitor_name
    if request.method == "POST" and request.args.get("lang") in current_app.config["LANGUAGES"]:
        # The language switch sends the form along: the page comes back in that language, nothing lost.
        session["lang"] = request.args["lang"]
        refresh()
        return render_whole_page("kiosk/visit.html", form=form, purpose=chosen, appointment=appointment)
    if request.method == "POST":
        if form.validate():
            data = _sign_in_data(form, chosen, appointment, dict(people))
            now = utcnow()
            # One form per purpose: a key sent to another purpose's form is a new submission.
            submission = submissions.by_device(g.kiosk_device.id, f"kiosk_{chosen.value}",
                                               form.submission_key.data)
            record = visits.sign_in_visitor(g.kiosk_device, data, now, submission)
            if sales_desk.hands_off(place, chosen) and not record.rejoined:
                sales_desk.hand_off(record.id, BuyerSays(form.buyer_says.data), form.salesperson.data or None,
                                    now=now, secret=current_app.secret_key, submission=submission)
            if record.rejoined:  # their badge was printed when they first signed in
                session.pop(PRINTED_KEY, None)
            elif not (submission and submission.repeat):
                session[PRINTED_KEY] = _print_badge(record.id)
            session[REJOINED_KEY] = record.rejoined
            session[VISIT_KEY] = record.id
            session.pop(APPOINTMENT_KEY, None)
            return see_other(url_for("kiosk.done"))
        return render("kiosk/visit.html", "visit_form", form=form, purpose=chosen, appointment=appointment,
                      status=422)
    return render("kiosk/visit.html", "visit_form", form=form, purpose=chosen, appointment=appointment)


def _sign_in_data(form: VisitForm, purpose: VisitPurpose, appointment: Appointment | None,
                  salespeople: dict[int, str]) -> visits.SignIn:
    def value(name):
        field = getattr(form, name, None)
        return (field.data or None) if field is not None else None

    mobile = value("mobile") or (appointment.mobile if appointment else None)
    says = value("buyer_says")
    return visits.SignIn(
        purpose=purpose, name=form.name.data, mobile=mobile, party_size=int(form.party_size.data),
        relation=value("relation"), organisation=value("organisation"), host_name=value("host_name"),
        host_department_id=value("host_department_id"),
        appointment_id=appointment.id if appointment else None,
        been_before=None if says is None else says != BuyerSays.FIRST_VISIT.value,
        previous_salesperson=salespeople.get(value("salesperson")),
    )


@bp.route("/appointment", methods=["GET", "POST"])
@device
@limit_posts
def appointment():
    form = AppointmentCodeForm()
    if request.method == "POST":
        if form.validate():
            found = visits.find_appointment(form.code.data, utcnow())
            if found is not None:
                session[APPOINTMENT_KEY] = found.id
                return see_other(url_for("kiosk.visit", purpose=found.purpose))
            form.code.errors.append(_("找不到此预约码，或不在预约时间内。请核对，或返回选择来访事由。"))
        return render("kiosk/appointment.html", "appointment_form", form=form, status=422)
    return render("kiosk/appointment.html", "appointment_form", form=form)


@bp.route("/done")
@device
def done():
    record = visits.get_visit(session.get(VISIT_KEY))
    # A visitor already on site may sign in again on another tablet of the same place: their visit's badge.
    if record is None or record.place != g.kiosk_device.place:
        return see_other(url_for("kiosk.start"))
    handed_off = sales_desk.hands_off(Place(record.place), VisitPurpose(record.purpose))
    salesperson = sales_desk.receiver_for(record) if handed_off else None
    return render("kiosk/done.html", visit=record, qr=_qr(record.badge_code), handed_off=handed_off,
                  salesperson=salesperson, printed=session.get(PRINTED_KEY),
                  rejoined=session.get(REJOINED_KEY))


def _print_badge(visit_id: int) -> bool | None:
    """Send the new badge to the lobby's printer, if the tablet has one: True, False (failed), None."""
    printer = devices.per_tablet(current_app.config["KIOSK_BADGE_PRINTER"], g.kiosk_device)
    if not printer:
        return None
    record = visits.get_visit(visit_id)
    badge = badges.Badge(
        title=_("访客"), name=record.name,
        host=_("拜访：%(host)s", host=record.host_label) if record.host_label else "",
        signed_in=shanghai_time(record.signed_in_at), code=record.badge_code,
        code_label=_("胸牌号码"),
    )
    return badges.try_print_badge(printer, badge, current_app.config["KIOSK_PRINTER_TIMEOUT_SECONDS"])


def _qr(code: str) -> str:
    import segno

    return segno.make(code, error="m").svg_data_uri(scale=4, border=2)


@bp.route("/sign-out", methods=["GET", "POST"])
@device
@limit_posts
def sign_out():
    form = SignOutForm()
    if request.method == "POST":
        if form.validate():
            mobile = normalise_mobile(form.code.data)
            if visits.sign_out_at_kiosk(form.code.data, mobile, utcnow()):
                session[SIGNED_OUT_KEY] = True
                return see_other(url_for("kiosk.goodbye"))
            form.code.errors.append(_("没有找到在场的登记记录，请核对胸牌号码或手机号码，或请前台协助。"))
        return render("kiosk/sign_out.html", "sign_out_form", form=form, status=422)
    return render("kiosk/sign_out.html", "sign_out_form", form=form)


@bp.route("/goodbye")
@device
def goodbye():
    if not session.pop(SIGNED_OUT_KEY, False):
        return see_other(url_for("kiosk.start"))
    return render("kiosk/goodbye.html")
