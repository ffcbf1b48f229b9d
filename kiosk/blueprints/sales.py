"""The salesperson's follow-through (seed 000 篇3): today's reminders and phone register, the customer files
and each step of a buyer's pipeline."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from kiosk.clock import local, utcnow
from kiosk.domain.masking import mask_phone
from kiosk.domain.sales_pipeline import REQUIREMENTS, PipelineStep, ReminderOutcome, allowed_next_steps
from kiosk.forms.admin import EmptyForm
from kiosk.forms.fields import offered
from kiosk.forms.sales import (
    STEP_FORMS,
    EnquiryForm,
    RegisterForm,
    ReminderForm,
    UnitChoice,
)
from kiosk.models.people import Role, User
from kiosk.models.sales import BuyerFile
from kiosk.services import accounts, directory, sales, submissions
from kiosk.web import labels
from kiosk.web.access import roles, signed_in
from kiosk.web.rendering import render, see_other

bp = Blueprint("sales", __name__, url_prefix="/sales")
S = PipelineStep


@bp.context_processor
def sales_helpers():
    return {"signer_of": sales.signer_of}


def _today() -> date:
    return local(utcnow()).date()


def _me() -> User:
    return current_user._get_current_object()


# ---- today: reminders and the phone register -----------------------------------------------------


def _today_page(*, status: int = 200, block: str | None = None, enquiry_form: EnquiryForm | None = None,
                reminder_form: tuple[int, ReminderForm] | None = None):
    today, me = _today(), _me()
    items = sales.reminders_due(me, today)
    forms = {item.reminder.id: ReminderForm(formdata=None, prefix=f"r{item.reminder.id}") for item in items}
    if reminder_form is not None:
        forms[reminder_form[0]] = reminder_form[1]
    mine, total = sales.enquiry_counts(today, me)
    return render(
        "sales/today.html", block, status=status, today=today, items=items, forms=forms,
        enquiry_form=enquiry_form or EnquiryForm(formdata=None), enquiries=sales.enquiries_on(today, me),
        callbacks=sales.callbacks_due(today, me), my_calls=mine, office_calls=total, mask=mask_phone,
    )


@bp.route("/today")
@roles(Role.SALES)
def today():
    return _today_page()


@bp.route("/sign-offs")
@signed_in
def sign_offs():
    """The deposits a collector and the subscriptions a reviewer is named on, waiting for their sign-off."""
    rows = sales.sign_offs_awaiting(_me())
    return render("sales/sign_offs.html", rows=rows, users=_step_people(rows))


@bp.route("/sign-offs/<int:step_id>", methods=["POST"])
@signed_in
def sign_off(step_id: int):
    if not EmptyForm().validate():
        abort(400)
    try:
        row = sales.sign_off(step_id, actor=_me(), now=utcnow())
    except sales.PipelineRefused as refused:
        flash(refused.message, "warning")
    else:
        flash(_("已确认：%(customer)s，%(step)s。", customer=row.file.customer_name,
                step=labels.PIPELINE_STEP[S(row.step)]), "success")
    return see_other(url_for("sales.sign_offs"))


@bp.route("/reminders/<int:reminder_id>", methods=["POST"])
@roles(Role.SALES, Role.SUPERVISOR)
def tick(reminder_id: int):
    reminder = sales.get_reminder(reminder_id) or abort(404)
    if not sales.may_handle(reminder.file, _me()):
        abort(403)
    form = ReminderForm(prefix=f"r{reminder_id}")
    if not form.validate():
        return _today_page(status=422, block="reminders", reminder_form=(reminder_id, form))
    outcome = ReminderOutcome(form.outcome.data)
    try:
        sales.tick_reminder(reminder_id, outcome=outcome, note=form.note.data or "", actor=_me(),
                            now=utcnow())
    except sales.ReminderAlreadyDone:
        flash(_("这条提醒已经记录过了。"), "warning")
        return see_other(url_for("sales.today"))
    text = _("已记录提醒：%(customer)s，%(outcome)s。", customer=reminder.file.customer_name,
             outcome=labels.REMINDER_OUTCOME[outcome])
    if outcome.reports_to_project_manager and reminder.step == S.DOWN_PAYMENT:
        text += _("已即时报告项目经理。")
    flash(text, "success")
    return see_other(url_for("sales.today"))


@bp.route("/calls", methods=["POST"])
@roles(Role.SALES)
def log_call():
    form = EnquiryForm()
    if not form.validate():
        return _today_page(status=422, block="enquiry_form", enquiry_form=form)
    sales.log_enquiry(salesperson=_me(), now=utcnow(), caller_name=form.caller_name.data or "",
                      mobile=form.mobile.data or None, question=form.question.data,
                      heard_from=form.heard_from.data or "", callback_on=form.callback_on.data,
                      submission=submissions.by_user(_me().id, "phone_register", form.submission_key.data))
    flash(_("已登记来电。"), "success")
    return see_other(url_for("sales.today"))


# ---- customer files -------------------------------------------------------------------------------


@bp.route("/buyers")
@roles(Role.SALES, Role.SUPERVISOR)
def buyers():
    step = request.args.get("step", "")
    if step not in {s.value for s in S}:
        step = ""
    return render("sales/buyers.html", "buyer_rows", files=sales.files_for(_me(), step), step=step,
                  steps=list(S), mask=mask_phone)


def _group_label(group_id: str) -> str:
    visit = sales.visit_of_group(group_id)
    if visit is None:
        return group_id
    return f"{group_id} · {visit.name} · {local(visit.signed_in_at):%m-%d %H:%M}"


@bp.route("/buyers/new", methods=["GET", "POST"])
@roles(Role.SALES)
def register():
    form = RegisterForm()
    form.set_groups([(g, _group_label(g)) for g in sales.received_groups(_me(), _today())])
    if request.method == "GET" and request.args.get("group") in offered(form.group_id):
        form.group_id.data = request.args["group"]
        visit = sales.visit_of_group(form.group_id.data)
        if visit is not None:
            form.customer_name.data, form.mobile.data = visit.name, visit.mobile
    submission = submissions.by_user(_me().id, "buyer_file", form.submission_key.data)
    first = submissions.earlier(submission, BuyerFile)  # sent again: its group is filed, no longer offered
    if first is not None:
        return _file_opened(first)
    if request.method == "POST" and form.validate():
        try:
            file = sales.register(salesperson=_me(), customer_name=form.customer_name.data,
                                  mobile=form.mobile.data or None,
                                  group_id=form.group_id.data or None, now=utcnow(), submission=submission)
        except sales.PipelineRefused as refused:
            getattr(form, refused.field or "customer_name").errors.append(refused.message)
        else:
            return _file_opened(file)
    status = 422 if request.method == "POST" else 200
    return render("sales/new.html", "register_form", form=form, status=status)


def _file_opened(file: BuyerFile):
    flash(_("已为 %(name)s 建立客户档案。", name=file.customer_name), "success")
    return see_other(url_for("sales.buyer", file_id=file.id))


def _step_taken(step: PipelineStep, file_id: int):
    flash(_("已记录：%(step)s。", step=labels.PIPELINE_STEP[step]), "success")
    return see_other(url_for("sales.buyer", file_id=file_id))


def _file_or_404(file_id: int) -> BuyerFile:
    file = sales.get_file(file_id) or abort(404)
    if not sales.may_handle(file, _me()):
        abort(403)
    return file


def _prepare(step: PipelineStep, form, file: BuyerFile) -> None:
    """Fill a step form's choices (and its defaults when it is shown empty)."""
    if hasattr(form, "unit_id"):
        UnitChoice.fill(form.unit_id, sales.units_for_sale(), sales.unowned_unit_ids())
    if step is S.DEPOSIT:
        form.people(form.collected_by, sales.deposit_collectors())
        form.people(form.second_person, accounts.active_users())
        form.people(form.checked_with, accounts.active_users(Role.SUPERVISOR))
    if step is S.SUBSCRIPTION:
        form.people(form.reviewed_by, accounts.active_users(Role.SUPERVISOR))


def _empty_form(step: PipelineStep, file: BuyerFile):
    today = _today()
    defaults = {"version": str(file.version)}
    defaults.update({
        S.DEPOSIT: {"received_on": today, "unit_id": file.unit_id or 0},
        S.SUBSCRIPTION: {"signed_on": today, "unit_id": file.unit_id or 0},
        S.DOWN_PAYMENT: {"paid_on": today, "amount": file.down_payment_amount},
        S.PURCHASE_CONTRACT: {"signed_on": today},
        S.HANDOVER: {"handed_over_on": today},
    }.get(step, {}))
    form = STEP_FORMS[step](formdata=None, prefix=step.value, data=defaults)
    _prepare(step, form, file)
    return form


def _buyer_page(file: BuyerFile, *, status: int = 200, block: str | None = None, bound=None):
    next_steps = sorted(allowed_next_steps(file.step), key=lambda s: s.index)
    forms = {step: _empty_form(step, file) for step in next_steps}
    if bound is not None:
        forms[bound[0]] = bound[1]
    recorded = {row.step for row in file.steps}
    pipeline = [(s, "current" if s == file.step else "done" if s in recorded else "todo") for s in S]
    return render("sales/buyer.html", block, status=status, file=file, forms=forms, pipeline=pipeline,
                  requirements=REQUIREMENTS, reminders=sales.reminders_of(file), mask=mask_phone,
                  group_label=_group_label(file.group_id) if file.group_id else "",
                  users=_step_people(file.steps))


def _step_people(steps) -> dict[int, str]:
    ids = {i for row in steps
           for i in (row.collected_by_id, row.second_person_id, row.checked_by_id, row.recorded_by_id) if i}
    return accounts.display_names(ids)


@bp.route("/buyers/<int:file_id>")
@roles(Role.SALES, Role.SUPERVISOR)
def buyer(file_id: int):
    return _buyer_page(_file_or_404(file_id))


def _user(form_field) -> User | None:
    return accounts.get_user(form_field.data)


def _take(step: PipelineStep, form, file: BuyerFile, submission: submissions.Submission | None) -> None:
    """Call the service verb of ``step`` with the form's values (raises what the service raises)."""
    common = {"actor": _me(), "now": utcnow(), "submission": submission}
    version = form.version.data
    if step is S.DEPOSIT:
        sales.record_deposit(file.id, version, sales.Deposit(
            unit=directory.get_unit(form.unit_id.data), amount=form.amount.data,
            receipt_no=form.receipt_no.data,
            collected_by=_user(form.collected_by), second_person=_user(form.second_person),
            checked_with=_user(form.checked_with), received_on=form.received_on.data), **common)
    elif step is S.SUBSCRIPTION:
        agent = form.signer.data == "agent"
        sales.sign_subscription(file.id, version, sales.Subscription(
            unit=directory.get_unit(form.unit_id.data), document_no=form.document_no.data,
            signed_on=form.signed_on.data, signed_by_agent=agent, agent_name=form.agent_name.data or "",
            notarised=bool(form.notarised.data), id_copy_kept=bool(form.id_copy_kept.data),
            reviewed_by=_user(form.reviewed_by), down_payment_due_on=form.down_payment_due_on.data,
            down_payment_amount=form.down_payment_amount.data), **common)
    elif step is S.DOWN_PAYMENT:
        sales.record_down_payment(file.id, version, paid_on=form.paid_on.data, amount=form.amount.data,
                                  receipt_no=form.receipt_no.data, **common)
    elif step is S.PURCHASE_CONTRACT:
        sales.sign_contract(file.id, version, contract_no=form.contract_no.data,
                            signed_on=form.signed_on.data,
                            documents_checked=bool(form.documents_checked.data),
                            paid_by_other=bool(form.paid_by_other.data),
                            statement_kept=bool(form.statement_kept.data), **common)
    elif step is S.MORTGAGE:
        sales.arrange_mortgage(file.id, version, appointment_on=form.appointment_on.data,
                               place=form.place.data,
                               documents=form.document_list(), **common)
    else:
        sales.hand_over(file.id, version, handed_over_on=form.handed_over_on.data,
                        congratulated=bool(form.congratulated.data), note=form.note.data or "", **common)


@bp.route("/buyers/<int:file_id>/<step>", methods=["POST"])
@roles(Role.SALES, Role.SUPERVISOR)
def take_step(file_id: int, step: str):
    file = _file_or_404(file_id)
    try:
        target = PipelineStep(step)
    except ValueError:
        abort(404)
    if target not in STEP_FORMS:
        abort(404)
    form = STEP_FORMS[target](prefix=target.value)
    submission = submissions.by_user(_me().id, f"buyer_step_{target.value}", form.submission_key.data)
    first = submissions.earlier(submission, BuyerFile)  # sent again: the file has moved on by this step
    if first is not None:
        return _step_taken(target, first.id)
    _prepare(target, form, file)
    if target not in allowed_next_steps(file.step):
        flash(_("客户目前不在这一步，页面已刷新。"), "warning")
        return see_other(url_for("sales.buyer", file_id=file_id))
    if form.validate():
        try:
            _take(target, form, file, submission)
        except sales.FileChanged:
            flash(_("这份客户档案刚被其他人更新，请查看最新内容。"), "warning")
            return see_other(url_for("sales.buyer", file_id=file_id))
        except sales.PipelineRefused as refused:
            field = getattr(form, refused.field, None) if refused.field else None
            if field is None:
                form.form_errors.append(refused.message)
            else:
                field.errors = [*field.errors, refused.message]
        else:
            return _step_taken(target, file_id)
    file = sales.fresh_file(file_id)
    _prepare(target, form, file)
    return _buyer_page(file, status=422, block=f"step_{target.value}", bound=(target, form))
