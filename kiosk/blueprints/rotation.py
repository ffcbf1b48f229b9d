"""The sales-office rotation page (轮值表), its live fragments, the supervisor's actions and the report.

Who may do what (our reading of seed 001 制度1 第4、8条, which give the adjustments to the 销售主管):
salespeople (Role.SALES) and supervisors see the page; only supervisors (Role.SUPERVISOR, any department:
a deployment has one sales office and few supervisors, and every action is stored with its actor and
reason) adjust the rotation; a salesperson marks only themselves back at the desk or busy.
"""

from __future__ import annotations

import secrets
from datetime import date

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from kiosk.clock import local, utcnow
from kiosk.domain.classify import Place
from kiosk.domain.rotation import (
    AssistRecorded,
    AwayOnCompanyBusiness,
    BackAtDesk,
    BusyWithOtherWork,
    CustomerKind,
    HoursSet,
    MakeUpGranted,
    OnLeave,
    Reassigned,
    Reordered,
    SalesCall,
    SalespersonLeft,
    up_next,
)
from kiosk.forms.admin import EmptyForm
from kiosk.forms.fields import day_arg
from kiosk.forms.rotation import (
    AssistForm,
    GroupForm,
    HoursForm,
    MakeUpForm,
    PresenceForm,
    ReassignForm,
    ReorderForm,
    SelfStatusForm,
)
from kiosk.models.people import Role
from kiosk.services import rotation, submissions
from kiosk.services.rotation import DEFAULT_OFFICE as OFFICE
from kiosk.services.rotation import RotationRefused, sid
from kiosk.web import labels
from kiosk.web.access import roles
from kiosk.web.exports import csv_download
from kiosk.web.rendering import etag_response, render, see_other, wants_fragment
from kiosk.web.security import passive

bp = Blueprint("rotation", __name__, url_prefix="/rotation")


FORMS = {
    "group_form": GroupForm,
    "presence_form": PresenceForm,
    "make_up_form": MakeUpForm,
    "assist_form": AssistForm,
    "reassign_form": ReassignForm,
    "reorder_form": ReorderForm,
    "hours_form": HoursForm,
}


def _prefix(form_name: str) -> str:
    return form_name.removesuffix("_form").replace("_", "-")


def _today() -> date:
    return local(utcnow()).date()


def _opened_today() -> date:
    """Today, its table opened if nobody has yet (like writing the table on the board in the morning)."""
    day = _today()
    if rotation.day_etag(OFFICE, day) is None:
        rotation.open_day(OFFICE, day, utcnow())
    return day


def _day_view() -> rotation.DayView:
    return rotation.current_state(OFFICE, _opened_today())


def _etag() -> str:
    """Today's version for the polls: the day's id and its newest event's sequence number."""
    return rotation.day_etag(OFFICE, _opened_today())


def _is_supervisor() -> bool:
    return current_user.has_role(Role.ADMIN, Role.SUPERVISOR)


def _prepare(forms: dict, view: rotation.DayView) -> dict:
    people = view.people()
    groups = [(a.group_id, f"{a.group_id} · {view.name(a.receiver)}") for a in view.received_groups()]
    forms["group_form"].set_people(people, "named")
    forms["group_form"].set_groups(groups)
    forms["presence_form"].set_people(people, "salesperson")
    forms["make_up_form"].set_people(people, "salesperson")
    forms["assist_form"].set_people(people, "salesperson")
    forms["assist_form"].set_groups(groups)
    forms["reassign_form"].set_people(people, "salesperson")
    forms["reassign_form"].set_groups(groups)
    forms["reorder_form"].set_people(people, "salesperson")
    forms["reorder_form"].set_size(len(people))
    forms["hours_form"].set_people(people, "on_call_person")
    return forms


def _forms(view: rotation.DayView, bound: str | None = None) -> dict:
    """Every supervisor form; ``bound`` is the one filled from this POST, the others start empty."""
    forms = {
        name: cls(prefix=_prefix(name)) if name == bound else cls(formdata=None, prefix=_prefix(name))
        for name, cls in FORMS.items()
    }
    hours = forms["hours_form"]
    if bound != "hours_form":
        roster = view.state.roster
        hours.work_start.data, hours.work_end.data = roster.working_hours
        if roster.on_call_shift:
            hours.on_call_start.data, hours.on_call_end.data = roster.on_call_shift
        hours.on_call_person.data = roster.on_call_salesperson or ""
    return _prepare(forms, view)


def _me() -> str | None:
    """The signed-in person as the engine's salesperson id (None for a front-desk tablet)."""
    return sid(current_user.id) if current_user.is_authenticated else None


def _may_log_call(view: rotation.DayView) -> bool:
    """Supervisors, and the salespeople at the front desk (一接–三接, 制度2 第11、12条), log sales calls."""
    if not current_user.is_authenticated:
        return False
    return _is_supervisor() or _me() in up_next(view.state, len(labels.UP_NEXT))


def _context(view: rotation.DayView) -> dict:
    state, totals = view.state, view.totals()
    rows = [
        {
            "position": i + 1, "name": name, "me": p == _me(),
            "presence": labels.PRESENCE[state.presence_of(p)], "available": state.is_available(p),
            "counts": totals[p].counted, "uncounted": totals[p].uncounted_total, "assists": totals[p].assists,
        }
        for i, (p, name) in enumerate(view.people())
    ]
    up = list(zip(labels.UP_NEXT, view.up_next_names(len(labels.UP_NEXT)), strict=False))
    return {"view": view, "rows": rows, "up": up, "call_answerer": view.name(view.last_in_rotation()),
            "may_log_call": _may_log_call(view)}


def _page(view: rotation.DayView, block: str | None = None, *, status: int = 200, forms: dict | None = None,
          self_error: str | None = None, call_error: str | None = None):
    return render(
        "rotation/index.html", block, status=status, forms=forms or _forms(view),
        self_form=SelfStatusForm(formdata=None), self_error=self_error, is_supervisor=_is_supervisor(),
        is_sales=current_user.has_role(Role.SALES), call_error=call_error, **_context(view),
    )


@bp.route("/")
@roles(Role.SALES, Role.SUPERVISOR)
def index():
    return _page(_day_view(), "rotation_live")


@bp.route("/live")
@roles(Role.SALES, Role.SUPERVISOR)
@passive
def live():
    return etag_response(_etag(), lambda: _page(_day_view(), "rotation_live"))


@bp.route("/front-desk")
@roles(Role.SALES, Role.SUPERVISOR, devices_at=(Place.SALES_OFFICE,))
@passive
def front_desk():
    """一接/二接/三接 for the front-desk screen: staff, or a tablet paired at the sales office (制度2 第1条).

    htmx polls get 304 while the day is unchanged.
    """

    def produce():
        view = _day_view()
        return render("rotation/front_desk.html", "front_desk_up", **_context(view))

    if wants_fragment():
        return etag_response(_etag(), produce)
    return produce()


def _act(name: str, build_event, *, reason_field: str = "reason", refusal_field: str = "salesperson"):
    """Validate the named form; store the event it builds; 422 with messages beside the fields if not."""
    view = _day_view()
    forms = _forms(view, bound=name)
    form = forms[name]
    if form.validate():
        now = utcnow()
        try:
            decision = rotation.record(OFFICE, build_event(form, local(now), view), actor=current_user,
                                       now=now, reason=getattr(form, reason_field).data or "")
        except RotationRefused as refused:
            getattr(form, refusal_field).errors.append(view.explain(refused.decision.explanation_zh))
        else:
            flash(view.explain(decision.explanation_zh), "success")
            return see_other(url_for("rotation.index"))
    return _page(view, name, status=422, forms=forms)


@bp.route("/group", methods=["POST"])
@roles(Role.SUPERVISOR)
def group():
    """A group the front desk received without the tablet, of any kind the rules know (制度1 第11–17、
    29、42–50条): the rules name the receiver, who is notified; the log line carries the deciding article."""
    view = _day_view()
    forms = _forms(view, bound="group_form")
    form = forms["group_form"]
    if not form.validate():
        return _page(view, "group_form", status=422, forms=forms)
    reception = rotation.receive_customer(
        OFFICE, f"desk-{secrets.token_hex(4)}", CustomerKind[form.kind.data],
        rotation.uid(form.named.data) if form.named.data else None,
        together_with=form.together_with.data or None, last_contact=form.last_contact.data,
        actor=current_user, label=form.label.data, now=utcnow(),
        submission=submissions.by_user(current_user.id, "rotation_group", form.submission_key.data))
    flash(f"{form.label.data}：{reception.explanation}（{reception.assignment.article}）", "success")
    return see_other(url_for("rotation.index"))


def _presence_event(form, at, _view):
    person, reason = form.salesperson.data, form.reason.data or ""
    return {
        "on_leave": lambda: OnLeave(at, person, reason or "请假"),
        "company_business": lambda: AwayOnCompanyBusiness(at, person, reason or "公务"),
        "busy_own": lambda: BusyWithOtherWork(at, person, assigned_by_leader=False),
        "busy_leader": lambda: BusyWithOtherWork(at, person, assigned_by_leader=True),
        "left": lambda: SalespersonLeft(at, person),
        "back": lambda: BackAtDesk(at, person),
    }[form.status.data]()


@bp.route("/presence", methods=["POST"])
@roles(Role.SUPERVISOR)
def presence():
    return _act("presence_form", _presence_event)


@bp.route("/make-up", methods=["POST"])
@roles(Role.SUPERVISOR)
def make_up():
    return _act("make_up_form", lambda f, at, _v: MakeUpGranted(at, f.salesperson.data, f.reason.data))


@bp.route("/assist", methods=["POST"])
@roles(Role.SUPERVISOR)
def assist():
    return _act("assist_form", lambda f, at, _v: AssistRecorded(at, f.salesperson.data, f.group_id.data))


@bp.route("/reassign", methods=["POST"])
@roles(Role.SUPERVISOR)
def reassign():
    return _act("reassign_form",
                lambda f, at, _v: Reassigned(at, f.group_id.data, f.salesperson.data, f.reason.data))


def _reorder_event(form, at, _view):
    """Built from the queue as it is under the lock, so a reception stored meanwhile is kept."""
    person, position, reason = form.salesperson.data, form.position.data, form.reason.data

    def build(state):
        queue = [p for p in state.queue if p != person]
        queue.insert(position - 1, person)
        return Reordered(at, tuple(queue), reason)

    return build


@bp.route("/reorder", methods=["POST"])
@roles(Role.SUPERVISOR)
def reorder():
    return _act("reorder_form", _reorder_event)


def _hours_event(form, at, _view):
    shift = (form.on_call_start.data, form.on_call_end.data) if form.on_call_start.data else None
    person = (form.on_call_person.data or None) if shift else None
    return HoursSet(at, (form.work_start.data, form.work_end.data), shift, person)


@bp.route("/hours", methods=["POST"])
@roles(Role.SUPERVISOR)
def hours():
    return _act("hours_form", _hours_event, refusal_field="work_end")


@bp.route("/sales-call", methods=["POST"])
@roles(Role.SALES, Role.SUPERVISOR)
def sales_call():
    """A sales phone call rings: recorded, and answered by the last in rotation (seed 001 制度1 第38条).

    Logged by a supervisor or a salesperson at the front desk (制度2 第12条: the front desk keeps the call
    record); the queue does not move.
    """
    if not EmptyForm().validate():
        abort(400)
    view = _day_view()
    error = _("只有前台（一接至三接）的销售顾问或主管可以登记来电。")
    if _may_log_call(view):
        now = utcnow()
        try:
            decision = rotation.record(OFFICE, SalesCall(local(now)), actor=current_user, now=now)
        except RotationRefused as refused:
            error = view.explain(refused.decision.explanation_zh)
        else:
            flash(f"{view.explain(decision.explanation_zh)}（{decision.article}）", "success")
            return see_other(url_for("rotation.index"))
    return _page(view, "rotation_live", status=422, call_error=error)


@bp.route("/me", methods=["POST"])
@roles(Role.SALES)
def my_status():
    """A salesperson marks themselves back at the desk or busy with other work (制度2 第6、7条)."""
    form = SelfStatusForm()
    error = _("只有销售顾问可以标记自己的状态。")
    if current_user.has_role(Role.SALES):
        if form.validate():
            now = utcnow()
            me = sid(current_user.id)
            event = (BackAtDesk(local(now), me) if form.status.data == "back"
                     else BusyWithOtherWork(local(now), me, assigned_by_leader=False))
            decision = rotation.record(OFFICE, event, actor=current_user, now=now)
            flash(rotation.current_state(OFFICE, _today()).explain(decision.explanation_zh), "success")
            return see_other(url_for("rotation.index"))
        error = _("请选择有效的状态。")
    return _page(_day_view(), "self_status", status=422, self_error=error)


# ----------------------------------------------------------------------------------------------------
# Counts and fairness report (制度1 第六章)
# ----------------------------------------------------------------------------------------------------


def _report_args() -> tuple[str, date]:
    period = request.args.get("period", "day")
    if period not in rotation.PERIODS:
        period = "day"
    return period, day_arg(request.args.get("day"), _today())


@bp.route("/report")
@roles(Role.SALES, Role.SUPERVISOR)
def report():
    period, day = _report_args()
    result = rotation.report(OFFICE, *rotation.period_bounds(period, day))
    return render("rotation/report.html", "report_body", result=result, period=period, day=day)


@bp.route("/report.csv")
@roles(Role.SALES, Role.SUPERVISOR)
def report_csv():
    period, day = _report_args()
    result = rotation.report(OFFICE, *rotation.period_bounds(period, day))
    rows = [[_("接待次数汇总"), result.start.isoformat(), result.end.isoformat()],
            [_("销售顾问"), _("接待次数"), _("不计数接待"), _("不计数的依据"), _("协助接待")]]
    rows += [[person.name, person.counted, person.uncounted_total,
              "; ".join(f"{article} × {n}" for article, n in sorted(person.uncounted.items())),
              person.assists] for person in result.people]
    rows += [[_("最多与最少相差"), result.spread], [],
             [_("日期"), _("时间"), _("客户组"), _("销售顾问"), _("计入接待次数"), _("接待依据"),
              _("计数依据"), _("说明")]]
    rows += [[line.day.isoformat(), local(line.at).strftime("%H:%M") if line.at else "", line.group_id,
              line.salesperson, _("是") if line.counts else _("否"), line.article, line.count_article,
              line.explanation] for line in result.lines]
    return csv_download(rows, f"rotation-{period}-{day.isoformat()}.csv")
