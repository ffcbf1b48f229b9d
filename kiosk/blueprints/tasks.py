"""Task slips: the list, one slip with its timeline and actions, the department's queue, a staff report,
the callbacks to make and the deadline policy."""

from __future__ import annotations

from dataclasses import asdict, fields
from datetime import UTC, timedelta

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from kiosk.clock import SHANGHAI, utcnow
from kiosk.domain.callbacks import CallbackResult, CallbackRetryPolicy
from kiosk.domain.classify import VisitPurpose
from kiosk.domain.deadlines import DeadlinePolicy, Priority, deadline_state
from kiosk.domain.masking import mask_phone
from kiosk.domain.slip_lifecycle import Action, Refused
from kiosk.forms.admin import EmptyForm
from kiosk.forms.fields import row_id_or_none
from kiosk.forms.tasks import (
    FORM_CLASSES,
    VISIT_SLIP_DEFAULTS,
    VISIT_SLIP_OTHERWISE,
    CallbackForm,
    NewSlipForm,
    PolicyForm,
    action_form,
    action_forms,
)
from kiosk.models.people import Role
from kiosk.models.tasks import TaskSlip
from kiosk.services import accounts, delivery, directory, hotline, submissions, tasks, visits
from kiosk.web import labels
from kiosk.web.access import roles
from kiosk.web.auditing import by_request
from kiosk.web.rendering import etag_response, local_path, render, see_other, wants_fragment
from kiosk.web.security import passive_polls

bp = Blueprint("tasks", __name__, url_prefix="/tasks")

WORKERS = (Role.AGENT, Role.STAFF, Role.SUPERVISOR)


def slip_deadline(slip: TaskSlip, now, policy: DeadlinePolicy) -> str:
    """ok / near_due / overdue while the clock runs (deadlines.deadline_state); paused; done."""
    if slip.status == "waiting_on_owner":
        return "paused"
    if slip.status in ("resolved", "called_back", "closed"):
        return "done"
    return deadline_state(now, slip.due_at, slip.opened_at, policy).value


def _viewable(slip_id: int) -> TaskSlip:
    slip = tasks.get_slip(slip_id) or abort(404)
    if not tasks.may_view(slip, current_user):
        abort(403)
    return slip


def _slip_page(slip: TaskSlip, *, status: int = 200, submitted=None, message: str | None = None,
               callback_form: CallbackForm | None = None):
    user = current_user
    callback = tasks.pending_callback(slip)
    if callback is not None and Action.CALLBACK not in tasks.available_actions(slip, user):
        callback = None
    if callback is not None and callback_form is None:
        callback_form = CallbackForm(formdata=None, prefix=f"cb{callback.id}", version=str(callback.version),
                                     next=url_for("tasks.slip", slip_id=slip.id))
    shows_phone = bool(tasks.parties(slip, user))
    phone = slip.caller_phone if shows_phone or not slip.caller_phone else mask_phone(slip.caller_phone)
    policy = tasks.current_policy()
    return render("tasks/slip.html", "slip_panel", status=status, slip=slip, phone=phone, message=message,
                  forms=action_forms(slip, user, submitted, url_for("tasks.slip", slip_id=slip.id)),
                  deadline=slip_deadline(slip, utcnow(), policy), callback=callback,
                  callback_form=callback_form,
                  deliveries=delivery.deliveries_for(url_for("tasks.slip", slip_id=slip.id)))


@bp.route("/")
@roles(Role.AGENT, Role.SUPERVISOR)
def index():
    args = request.args
    status = args.get("status", "") if args.get("status", "") in labels.SLIP_STATUS else ""
    priority = args.get("priority", "") if args.get("priority", "") in labels.PRIORITY else ""
    department_id = row_id_or_none(args.get("department", ""))
    overdue = args.get("overdue") == "1"
    query = args.get("q", "").strip()[:100]
    now = utcnow()
    found = tasks.slip_list(now=now, status=status, priority=priority, department_id=department_id,
                            overdue=overdue, query=query)
    policy = tasks.current_policy()
    slips = [(slip, slip_deadline(slip, now, policy)) for slip in found]
    return render("tasks/index.html", "slip_rows", slips=slips, departments=directory.active_departments(),
                  filters={"status": status, "priority": priority, "department": department_id,
                           "overdue": overdue, "q": query})


@bp.route("/<int:slip_id>")
@roles(*WORKERS)
def slip(slip_id: int):
    return _slip_page(_viewable(slip_id))


def _perform(action: Action, slip: TaskSlip, form, now):
    actor = current_user._get_current_object()
    common = {"actor": actor, "now": now, "version": form.version.data}
    note = getattr(form, "note", None)
    text = note.data if note is not None else ""
    if action in (Action.DISPATCH, Action.REASSIGN):
        department = directory.get_department(form.department_id.data)
        assignee = accounts.get_user(form.assignee_id.data)
        if action is Action.DISPATCH:
            return tasks.dispatch(slip.id, department=department, assignee=assignee, note=text, **common)
        return tasks.reassign(slip.id, department=department, assignee=assignee, reason=text, **common)
    if action is Action.PRIORITY:
        return tasks.change_priority(slip.id, priority=Priority(form.priority.data), reason=text, **common)
    if action is Action.DEADLINE:
        due = form.due.data.replace(tzinfo=SHANGHAI).astimezone(UTC)
        return tasks.change_deadline(slip.id, due=due, reason=text, **common)
    verbs = {
        Action.ACCEPT: tasks.accept, Action.START: tasks.start, Action.RESUME: tasks.resume,
        Action.REJECT: lambda i, **kw: tasks.reject(i, reason=text, **kw),
        Action.WAIT: lambda i, **kw: tasks.wait_on_owner(i, reason=text, **kw),
        Action.NOTE: lambda i, **kw: tasks.add_note(i, note=text, **kw),
        Action.RESOLVE: lambda i, **kw: tasks.resolve(i, result=text, **kw),
        Action.CLOSE: lambda i, **kw: tasks.close(i, note=text, **kw),
        Action.REOPEN: lambda i, **kw: tasks.reopen(i, reason=text, **kw),
    }
    return verbs[action](slip.id, **common)


def _conflict(slip_id: int, message: str):
    return _slip_page(tasks.get_slip(slip_id), status=409, message=message)


@bp.route("/<int:slip_id>/<action>", methods=["POST"])
@roles(*WORKERS)
def act(slip_id: int, action: str):
    slip = _viewable(slip_id)
    try:
        action = Action(action)
    except ValueError:
        abort(404)
    if action not in FORM_CLASSES:
        abort(404)
    form = action_form(action, slip, submitted=True)
    now = utcnow()
    valid = form.validate()
    if valid and action is Action.DEADLINE and form.due.data.replace(tzinfo=SHANGHAI) <= now:
        form.due.errors.append(_("新的截止时间必须晚于现在。"))
        valid = False
    if not valid:
        return _slip_page(slip, status=422, submitted=(action, form))
    try:
        _perform(action, slip, form, now)
    except tasks.SlipConflict:
        return _conflict(slip_id, _("该任务单刚被其他人修改，您的操作未执行。"
                                    "下面是最新状态，请确认后再操作。"))
    except Refused as refused:
        if refused.because == "role":
            abort(403)
        return _conflict(slip_id, _("任务单当前状态不能执行“%(action)s”，下面是最新状态。",
                                    action=labels.SLIP_ACTION[action]))
    slip = tasks.get_slip(slip_id)
    if action in (Action.DISPATCH, Action.REASSIGN) and slip.department:
        # Where the slip went, said where the supervisor looks (the page's toast).
        to = slip.department.name + (f"（{slip.assignee.display_name}）" if slip.assignee else "")
        flash(_("任务单 %(number)s 已%(action)s至%(to)s。", number=slip.number,
                action=labels.SLIP_ACTION[action], to=to), "success")
    else:
        flash(_("任务单 %(number)s：%(action)s。", number=slip.number, action=labels.SLIP_ACTION[action]),
              "success")
    return see_other(local_path(form.next.data) or url_for("tasks.slip", slip_id=slip_id))


@bp.route("/queue")
@roles(Role.STAFF)
@passive_polls
def queue():
    """The department's queue; its list polls itself (304 until the queue or a deadline state changes)."""
    user, now = current_user, utcnow()

    def produce():
        slips = []
        if user.department_id is not None:
            policy = tasks.current_policy()
            slips = [(slip, slip_deadline(slip, now, policy), tasks.available_actions(slip, user))
                     for slip in tasks.department_queue(user.department_id)]
        return render("tasks/queue.html", "queue_rows", slips=slips)

    if wants_fragment() and user.department_id is not None:
        version = tasks.queue_version(user.department_id, now)
        return etag_response(f"queue-{user.id}-{user.department_id}-{version}", produce)
    return produce()


@bp.route("/new", methods=["GET", "POST"])
@roles(*WORKERS)
def new():
    """A slip reported by staff, or opened from a visit in the visitor log (``?visit=<id>``): then the
    visitor is the caller, their number is taken from the visit (not shown to roles that see it masked)
    and the slip's source is the visit."""
    form = NewSlipForm(departments=directory.active_departments())
    visit_id = form.visit_id.data if request.method == "POST" else row_id_or_none(request.args.get("visit"))
    visit = visits.get_visit(visit_id)
    if request.method == "POST":
        if form.validate():
            slip = tasks.report_slip(
                owner=current_user._get_current_object(), now=utcnow(), category=form.category.data,
                priority=Priority(form.priority.data), description=form.description.data,
                department_id=form.department_id.data or None, visit=visit, location=form.location.data,
                caller_name=form.caller_name.data or "", caller_phone=form.caller_phone.data or None,
                submission=submissions.by_user(current_user.id, "task_slip", form.submission_key.data),
            )
            flash(_("已开单 %(number)s。", number=slip.number), "success")
            return see_other(url_for("tasks.slip", slip_id=slip.id))
        return render("tasks/new.html", "slip_form", form=form, visit=visit,
                      status=422)
    if visit is not None:
        form.visit_id.data = visit.id
        form.caller_name.data = visit.name
        form.category.data, form.priority.data = VISIT_SLIP_DEFAULTS.get(VisitPurpose(visit.purpose),
                                                                         VISIT_SLIP_OTHERWISE)
    return render("tasks/new.html", "slip_form", form=form, visit=visit)


def _callbacks_page(*, status: int = 200, submitted: tuple[int, CallbackForm] | None = None,
                    message: str | None = None):
    items = tasks.my_callbacks(current_user)
    forms = {}
    for callback in items:
        if submitted and submitted[0] == callback.id:
            forms[callback.id] = submitted[1]
        else:
            forms[callback.id] = CallbackForm(formdata=None, prefix=f"cb{callback.id}",
                                              version=str(callback.version))
    return render("tasks/callbacks.html", "callback_rows", status=status, items=items, forms=forms,
                  now=utcnow(), message=message, open_calls=hotline.open_callback_calls(items),
                  everyone=current_user.has_role(Role.SUPERVISOR, Role.ADMIN))


@bp.route("/callbacks")
@roles(Role.AGENT, Role.SUPERVISOR)
def callbacks():
    return _callbacks_page()


@bp.route("/callbacks/<int:callback_id>", methods=["POST"])
@roles(Role.AGENT, Role.SUPERVISOR)
def callback_record(callback_id: int):
    callback = tasks.get_callback(callback_id) or abort(404)
    form = CallbackForm(prefix=f"cb{callback.id}")
    back = local_path(form.next.data)
    if not form.validate():
        if callback.slip is not None and back:
            return _slip_page(callback.slip, status=422, callback_form=form)
        return _callbacks_page(status=422, submitted=(callback.id, form))
    try:
        hotline.record_callback_result(callback.id, actor=current_user._get_current_object(), now=utcnow(),
                                       result=CallbackResult(form.result.data), note=form.note.data or "",
                                       version=form.version.data)
    except tasks.CallbackConflict:
        return _callbacks_page(status=409, message=_("这条回访刚被其他人记录，下面是最新列表。"))
    except Refused:
        abort(403)
    flash(_("已记录回访：%(result)s。", result=labels.CALLBACK_RESULT[CallbackResult(form.result.data)]),
          "success")
    return see_other(back or url_for("tasks.callbacks"))


@bp.route("/callbacks/<int:callback_id>/start", methods=["POST"])
@roles(Role.AGENT, Role.SUPERVISOR)
def callback_start(callback_id: int):
    """Start a callback as an outbound call and open its call screen (timer, phrases, record)."""
    if not EmptyForm().validate():
        abort(400)
    try:
        call = hotline.start_callback(callback_id, current_user._get_current_object(), utcnow())
    except hotline.CallbackClosed:
        return _callbacks_page(status=409, message=_("这条回访刚被其他人记录，下面是最新列表。"))
    except Refused:
        abort(403)
    return see_other(url_for("hotline.call", call_id=call.id))


@bp.route("/policy", methods=["GET", "POST"])
@roles(Role.ADMIN)
def policy():
    names = [f.name for f in fields(DeadlinePolicy)]
    if request.method == "POST":
        form = PolicyForm()
        if form.validate():
            retry = CallbackRetryPolicy(form.callback_attempts.data,
                                        timedelta(minutes=form.callback_retry_minutes.data))
            tasks.save_policy(DeadlinePolicy(**{name: form[name].data for name in names}), now=utcnow(),
                              retry=retry, by=by_request())
            flash(_("已保存时限设置。"), "success")
            return see_other(url_for("tasks.policy"))
        return render("tasks/policy.html", "policy_form", form=form, status=422)
    retry = tasks.current_retry_policy()
    form = PolicyForm(data=asdict(tasks.current_policy()) | {
        "callback_attempts": retry.max_attempts,
        "callback_retry_minutes": retry.retry_after // timedelta(minutes=1)})
    return render("tasks/policy.html", "policy_form", form=form)
