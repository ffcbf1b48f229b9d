"""The hotline console (seed 003): ringing calls, the call screen (caller, phrases, timer, record →
confirm → outcome), my open items, agents' states, the "114" directory and the answer book."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from urllib.parse import quote

from flask import Blueprint, abort, current_app, flash, make_response, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from kiosk.clock import utcnow
from kiosk.domain.call_timer import (
    AMBER_FROM_SECONDS,
    CALL_LIMIT_SECONDS,
    answered_within_rings,
    timer_colour,
)
from kiosk.domain.callbacks import CallbackResult
from kiosk.domain.hotline import Disposition, SettledChange, fill_phrase, surname_of
from kiosk.domain.slip_lifecycle import Refused
from kiosk.forms.admin import EmptyForm
from kiosk.forms.fields import options, row_id_or_none
from kiosk.forms.hotline import (
    REASON_REQUIRED_MESSAGE,
    AgentStateForm,
    AnswerBookForm,
    CallerForm,
    ConfirmForm,
    DialForm,
    DirectoryForm,
    NewCallerForm,
    OutcomeForm,
    PhraseForm,
    RecordForm,
    StartCallForm,
)
from kiosk.forms.tasks import CallbackForm
from kiosk.models.calls import Call
from kiosk.models.people import Role
from kiosk.services import directory, hotline, register, tasks
from kiosk.services.directory import working_calendar
from kiosk.web import labels
from kiosk.web.access import roles
from kiosk.web.auditing import by_request
from kiosk.web.errors import error_response
from kiosk.web.rendering import etag_response, local_path, render, see_other, wants_fragment
from kiosk.web.security import passive

bp = Blueprint("hotline", __name__, url_prefix="/hotline")

HOTLINE_ROLES = (Role.AGENT, Role.SUPERVISOR)


# --- the console -----------------------------------------------------------------------------------


def _console(status: int = 200, block: str | None = None, **forms):
    state = hotline.agent_state(current_user)
    state_form = forms.get("state_form") or AgentStateForm(state=state.state if state else None)
    return render(
        "hotline/console.html", block, status=status,
        ringing=hotline.ringing_for(current_user), current_calls=hotline.my_current_calls(current_user),
        open_items=hotline.my_open_items(current_user), my_state=state, state_form=state_form,
        start_form=forms.get("start_form") or StartCallForm(), answer_form=EmptyForm(), now=utcnow(),
    )


@bp.route("/")
@roles(*HOTLINE_ROLES)
def console():
    return _console()


@bp.route("/ringing")
@roles(*HOTLINE_ROLES)
@passive
def ringing():
    kind = "fragment" if wants_fragment() else "page"
    return etag_response(f"ringing-{kind}-{current_user.id}-{hotline.console_version(current_user)}",
                         lambda: _console(block="ringing_calls"))


@bp.route("/state", methods=["POST"])
@roles(*HOTLINE_ROLES)
def set_state():
    form = AgentStateForm()
    if not form.validate():
        return _console(status=422, block="agent_state", state_form=form)
    hotline.set_agent_state(current_user, form.state.data, utcnow())
    return see_other(url_for("hotline.console"))


@bp.route("/calls/start", methods=["POST"])
@roles(*HOTLINE_ROLES)
def start_call():
    form = StartCallForm()
    if not form.validate():
        return _console(status=422, block="start_call", start_form=form)
    call = hotline.start_call(current_user, form.caller_number.data or "", utcnow())
    return see_other(url_for("hotline.call", call_id=call.id))


@bp.route("/calls/<int:call_id>/answer", methods=["POST"])
@roles(*HOTLINE_ROLES)
def answer(call_id: int):
    if not EmptyForm().validate():
        abort(400)
    if hotline.answer_call(call_id, current_user, utcnow()) is None:
        flash(_("这个来电已由其他坐席接听或已挂断。"), "warning")
        return see_other(url_for("hotline.console"))
    return see_other(url_for("hotline.call", call_id=call_id))


# --- the call screen -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PhraseButton:
    id: int
    text: str
    shortcut: str | None


def _phrase_groups(call: Call) -> OrderedDict[str, list[PhraseButton]]:
    surname = call.caller_surname or (surname_of(call.owner.name) if call.owner else "")
    hotline_number = current_app.config["HOTLINE_NUMBER"]
    phrases = hotline.script_phrases()
    by_stage: OrderedDict[str, list] = OrderedDict((stage, []) for stage in labels.PHRASE_STAGE)
    for phrase in phrases:
        by_stage.setdefault(phrase.stage, []).append(phrase)
    shortcuts = iter("1234567890")  # Alt+1 … Alt+0 for the first ten phrases, in stage order
    return OrderedDict(
        (stage, [PhraseButton(p.id, fill_phrase(p.text, hotline=hotline_number, surname=surname),
                              next(shortcuts, None)) for p in items])
        for stage, items in by_stage.items() if items
    )


def _outcome_form(call: Call, formdata=None) -> OutcomeForm:
    form = OutcomeForm(formdata=formdata, category=call.category)
    departments = [(d.id, d.name) for d in directory.active_departments()]
    form.department_id.choices = options([(0, _("（不派部门）"))] + departments)
    return form


def _new_caller_form(call: Call, formdata=None) -> NewCallerForm:
    form = NewCallerForm(formdata=formdata, mobile=call.party_number)
    form.unit_id.choices = options([(0, _("（未知）"))] + hotline.unit_choices())
    return form


def _record_form(call: Call, formdata=None) -> RecordForm:
    return RecordForm(formdata=formdata, category=call.category or "", caller_surname=call.caller_surname,
                      location=call.location, description=call.description, notes=call.notes)


def _load_call(call_id: int) -> Call:
    return hotline.get_call(call_id) or abort(404)


def _call_to_work_on(call_id: int) -> Call:
    """The call, if the signed-in user may work on it (first-contact responsibility): 403 otherwise."""
    call = _load_call(call_id)
    if not hotline.may_work_on(call, current_user):
        abort(403)
    return call


def _call_screen(call: Call, block: str | None = None, status: int = 200, **parts):
    now = utcnow()
    target = current_app.config["THREE_RINGS_SECONDS"]
    elapsed = None
    if call.answered_at is not None:
        elapsed = call.talk_seconds if call.ended_at else max(0, (now - call.answered_at).total_seconds())
    query = parts.pop("q", "")
    previews, major_preview = ({}, None) if call.disposition else hotline.dispatch_previews(
        call, now, working_calendar())
    callback_form = parts.get("callback_form")
    if callback_form is None and call.callback is not None:
        callback_form = CallbackForm(formdata=None, prefix=f"cb{call.callback.id}",
                                     version=str(call.callback.version))
    return render(
        "hotline/call.html", block, status=status, call=call, callback_form=callback_form,
        callback_message=parts.get("callback_message"),
        record_form=parts.get("record_form") or _record_form(call, formdata=None),
        outcome_form=parts.get("outcome_form") or _outcome_form(call, formdata=None),
        new_caller_form=parts.get("new_caller_form") or _new_caller_form(call, formdata=None),
        caller_form=parts.get("caller_form") or CallerForm(formdata=None, q=query),
        chosen_owner_id=parts.get("chosen_owner_id"),
        may_change_caller=hotline.may_change(call, current_user),
        confirm_form=parts.get("confirm_form") or ConfirmForm(formdata=None),
        empty_form=EmptyForm(), phrase_groups=_phrase_groups(call),
        past_calls=hotline.past_calls(call), open_slips=hotline.open_slips_of(call),
        q=query, results=register.search(query) if query else [],
        elapsed=elapsed, colour=timer_colour(elapsed or 0).value,
        amber_from=AMBER_FROM_SECONDS, red_after=CALL_LIMIT_SECONDS, ring_target=target,
        on_time=None if call.ring_seconds is None else answered_within_rings(call.ring_seconds, target),
        corrections=hotline.corrections_of(call), now=now, previews=previews, major_preview=major_preview,
        slip=tasks.get_slip(call.slip_id) if call.slip_id else None,
        can_report_wrong=call.disposition == Disposition.ANSWERED_ON_SPOT.value,
    )


@bp.route("/calls/<int:call_id>")
@roles(*HOTLINE_ROLES)
def call(call_id: int):
    return _call_screen(_load_call(call_id))


@bp.route("/dial", methods=["POST"])
@roles(*HOTLINE_ROLES)
def dial():
    """Click-to-dial through the switch (``macros/dial.html``): the switch rings the agent's extension,
    then the number; the call screen of the call it starts. Where no switch is connected, the agent is
    told to dial by hand (and starts the call on the console as before)."""
    form = DialForm()
    back = local_path(form.next.data) or url_for("hotline.console")
    if not form.validate() or not (form.callback_id.data or form.call_id.data or form.number.data):
        flash(_("号码无效，无法拨打。"), "error")
        return see_other(back)
    try:
        call = hotline.dial(current_user._get_current_object(), utcnow(), number=form.number.data or "",
                            callback_id=form.callback_id.data, call_id=form.call_id.data)
    except hotline.NoSwitch:
        flash(_("总机未连接或您没有分机号：请用电话手动拨打。"), "error")
        return see_other(back)
    except hotline.NothingToDial:
        flash(_("没有可拨打的号码，或这通电话已经拨出。"), "error")
        return see_other(back)
    except hotline.CallbackClosed:
        flash(_("这条回访刚被其他人记录。"), "error")
        return see_other(back)
    except Refused:
        abort(403)
    return see_other(url_for("hotline.call", call_id=call.id))


@bp.route("/calls/<int:call_id>/recording")
@roles(*HOTLINE_ROLES)
def recording(call_id: int):
    """The switch's recording of the call, from ``RECORDING_BASE_URL``: supervisors any call's, an agent
    only their own calls'."""
    call = _load_call(call_id)
    base = current_app.config["RECORDING_BASE_URL"]
    if not base or call.recording is None:
        abort(404)
    if not hotline.may_hear(call, current_user):
        abort(403)
    response = redirect(base.rstrip("/") + "/" + quote(call.recording), 303)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/calls/<int:call_id>/record", methods=["POST"])
@roles(*HOTLINE_ROLES)
def record(call_id: int):
    call = _call_to_work_on(call_id)
    form = _record_form(call, formdata=request.form)
    if call.disposition is not None:
        return _record_refused(call, form, status=422)
    if not form.validate():
        return _call_screen(call, "call_record", status=422, record_form=form)
    try:
        hotline.save_record(call.id, category=form.category.data, surname=form.caller_surname.data or "",
                            location=form.location.data or "", description=form.description.data,
                            notes=form.notes.data or "")
    except hotline.NotReady:  # settled meanwhile, from another tab
        return _record_refused(_load_call(call_id), form, status=409)
    return see_other(url_for("hotline.call", call_id=call.id))


def _record_refused(call: Call, form: RecordForm, status: int):
    """A settled call's record stays as it was settled: the screen again, with what was typed and why."""
    form.form_errors.append(_("这个来电已处理完毕，记录不能再改。"))
    return _call_screen(call, "call_record", status=status, record_form=form)


@bp.route("/calls/<int:call_id>/confirm", methods=["POST"])
@roles(*HOTLINE_ROLES)
def confirm(call_id: int):
    call = _call_to_work_on(call_id)
    form = ConfirmForm()
    if not form.validate():
        return _call_screen(call, "call_record", status=422, confirm_form=form)
    if not hotline.confirm_record(call.id, utcnow()):
        form.form_errors.append(_("请先填写类别和来电内容，再复述确认。"))
        return _call_screen(call, "call_record", status=422, confirm_form=form)
    return see_other(url_for("hotline.call", call_id=call.id))


@bp.route("/calls/<int:call_id>/outcome", methods=["POST"])
@roles(*HOTLINE_ROLES)
def outcome(call_id: int):
    call = _call_to_work_on(call_id)
    form = _outcome_form(call, formdata=request.form)
    if call.confirmed_at is None:
        form.form_errors.append(_("请先向来电人复述记录并勾选确认，再处理。"))
        return _call_screen(call, "call_outcome", status=422, outcome_form=form)
    if not form.validate():
        return _call_screen(call, "call_outcome", status=422, outcome_form=form)
    disposition = Disposition(form.disposition.data)
    # The department is asked for only by the outcomes that send the call on; one chosen and then
    # hidden by another outcome is not kept.
    sends_on = disposition.opens_slip or disposition is Disposition.TRANSFERRED
    department = directory.get_department(form.department_id.data) if sends_on else None
    try:
        settled = hotline.dispose(
            call.id, current_user, disposition=disposition, now=utcnow(),
            calendar=working_calendar(), answer_text=form.answer_text.data or "",
            department=department,
            major=form.major.data,
        )
    except hotline.NotReady:
        form.form_errors.append(_("这个来电已处理完毕。"))
        return _call_screen(_load_call(call_id), "call_outcome", status=422, outcome_form=form)
    if settled.slip_id:
        slip = tasks.get_slip(settled.slip_id)
        flash(_("已处理：%(what)s。任务单 %(number)s 已派往%(department)s。",
                what=labels.DISPOSITION[settled.disposition], number=slip.number,
                department=slip.department.name if slip.department else _("主管待派")), "success")
    else:
        flash(_("已处理：%(what)s。", what=labels.DISPOSITION[settled.disposition]), "success")
    return see_other(url_for("hotline.call", call_id=call.id))


@bp.route("/calls/<int:call_id>/phrase", methods=["POST"])
@roles(*HOTLINE_ROLES)
def phrase(call_id: int):
    """Record a phrase's use. The script inserts the text itself (204); without it the record form was
    posted here, so the page comes back with what was typed and the phrase added to the notes."""
    call = _call_to_work_on(call_id)
    phrase_id = row_id_or_none(request.form.get("phrase_id", ""))
    chosen = hotline.get_phrase(phrase_id)
    if chosen is None or not EmptyForm().validate():
        abort(400)
    buttons = [b for group in _phrase_groups(call).values() for b in group if b.id == chosen.id]
    text = buttons[0].text
    hotline.record_phrase(call.id, chosen, text, utcnow())
    if wants_fragment():
        return "", 204
    form = _record_form(call, formdata=request.form)
    form.notes.data = "\n".join(part for part in ((form.notes.data or "").rstrip(), text) if part)
    return _call_screen(call, record_form=form)


@bp.route("/calls/<int:call_id>/callers")
@roles(*HOTLINE_ROLES)
def callers(call_id: int):
    return _call_screen(_load_call(call_id), "caller_results", q=request.args.get("q", "").strip()[:60])


def _settled_refusal():
    return make_response(error_response(403, _("这个来电已处理完毕，只有主管可以更改，并须说明原因。")))


def _call_to_change(call_id: int) -> Call:
    """The call, if the signed-in user may change it: the owner rule (``_call_to_work_on``), and a settled
    call only by a supervisor: an agent is refused at once, whatever the form holds."""
    call = _call_to_work_on(call_id)
    if hotline.settled_change(call, current_user) is SettledChange.SUPERVISORS_ONLY:
        abort(_settled_refusal())
    return call


def _change_caller(form, change, screen):
    """Make a change to the call's caller (``change(reason)``); a settled call without a reason: the
    message beside the reason field (``screen(422)``); settled meanwhile and not a supervisor: 403."""
    try:
        change(form.reason.data or "")
    except hotline.SettledCall:
        return _settled_refusal()
    except hotline.ReasonRequired:
        form.reason.errors = [*form.reason.errors, REASON_REQUIRED_MESSAGE]
        return screen(422)
    return None


@bp.route("/calls/<int:call_id>/caller", methods=["POST"])
@roles(*HOTLINE_ROLES)
def link_caller(call_id: int):
    call = _call_to_change(call_id)
    owner_id = row_id_or_none(request.form.get("owner_id", ""))
    owner = hotline.get_owner(owner_id)
    form = CallerForm()
    valid = form.validate()
    if owner is None or form.csrf_token.errors:
        abort(400)

    def screen(status: int):
        return _call_screen(_load_call(call_id), "caller_results", status=status, q=form.q.data or "",
                            caller_form=form, chosen_owner_id=owner.id)

    if not valid:
        return screen(422)
    actor = current_user._get_current_object()
    refused = _change_caller(form, lambda reason: hotline.link_owner(
        call.id, owner, actor=actor, now=utcnow(), reason=reason), screen)
    return refused or see_other(url_for("hotline.call", call_id=call.id))


@bp.route("/calls/<int:call_id>/new-caller", methods=["POST"])
@roles(*HOTLINE_ROLES)
def new_caller(call_id: int):
    call = _call_to_change(call_id)
    form = _new_caller_form(call, formdata=request.form)

    def screen(status: int):
        return _call_screen(_load_call(call_id), "new_caller", status=status, new_caller_form=form)

    if not form.validate():
        return screen(422)
    unit = directory.get_unit(form.unit_id.data)
    actor = current_user._get_current_object()
    refused = _change_caller(form, lambda reason: hotline.save_new_caller(
        call.id, name=form.name.data, mobile=form.mobile.data or None, unit=unit, actor=actor, now=utcnow(),
        reason=reason), screen)
    if refused:
        return refused
    flash(_("已建立业主档案。"), "success")
    return see_other(url_for("hotline.call", call_id=call.id))


@bp.route("/calls/<int:call_id>/wrong-answer", methods=["POST"])
@roles(*HOTLINE_ROLES)
def wrong_answer(call_id: int):
    call = _call_to_work_on(call_id)
    if not EmptyForm().validate():
        abort(400)
    correction = hotline.report_wrong_answer(call.id, current_user, utcnow())
    if correction is None:
        flash(_("这个来电不能登记答复错误，或纠正回拨已在等待。"), "warning")
        return see_other(url_for("hotline.call", call_id=call.id))
    flash(_("已建立纠正回拨，请立即致电纠正并道歉。"), "success")
    return see_other(url_for("hotline.call", call_id=correction.id))


@bp.route("/calls/<int:call_id>/callback", methods=["POST"])
@roles(*HOTLINE_ROLES)
def callback_result(call_id: int):
    """The result of a callback made as this call (回访): recorded on the callback, and the call ends."""
    call = _call_to_work_on(call_id)
    if call.callback is None or call.disposition is not None:
        abort(409)
    form = CallbackForm(prefix=f"cb{call.callback.id}")
    if not form.validate():
        return _call_screen(call, "call_callback", status=422, callback_form=form)
    try:
        hotline.record_callback_result(call.callback.id, actor=current_user._get_current_object(),
                                       now=utcnow(), result=CallbackResult(form.result.data),
                                       note=form.note.data or "", version=form.version.data)
    except tasks.CallbackConflict:
        return _call_screen(_load_call(call_id), "call_callback", status=409,
                            callback_message=_("这条回访刚被其他人记录，请核对。"))
    except Refused:
        abort(403)
    flash(_("已记录回访：%(result)s。", result=labels.CALLBACK_RESULT[CallbackResult(form.result.data)]),
          "success")
    return see_other(url_for("hotline.call", call_id=call.id))


# --- the "114" directory and answer book, searched from the console --------------------------------


@bp.route("/search")
@roles(*HOTLINE_ROLES)
def search():
    query = request.args.get("q", "").strip()[:60]
    entries, answers = hotline.search_books(query)
    return render("hotline/search.html", "search_results", q=query, entries=entries, answers=answers)


# --- supervisors: agents' states and the books ------------------------------------------------------


@bp.route("/agents")
@roles(Role.SUPERVISOR)
@passive
def agents():
    kind = "fragment" if wants_fragment() else "page"
    return etag_response(f"agents-{kind}-{hotline.agents_version()}",
                         lambda: render("hotline/agents.html", "agent_rows", rows=hotline.agents_board()))


@dataclass(frozen=True)
class Book:
    """A book's page: its form, title and the fields the form edits (entries: ``hotline.book_entries``)."""

    form: type
    title: object
    columns: tuple[str, ...]


BOOKS = {
    "phrases": Book(PhraseForm, _l("标准话术"), ("stage", "text", "sort_order")),
    "directory": Book(DirectoryForm, _l("“114”通讯录"), ("name", "floor", "phone", "info")),
    "answers": Book(AnswerBookForm, _l("答客问"), ("question", "answer")),
}


def _book(kind: str) -> Book:
    return BOOKS.get(kind) or abort(404)


@bp.route("/books/")
@roles(*HOTLINE_ROLES)
def books():
    """Where the supervisor's menu leads: the books, the phrase book open first."""
    return book("phrases")


@bp.route("/books/<kind>")
@roles(*HOTLINE_ROLES)
def book(kind: str):
    """A book to read (agents: the whole "114" directory and answer book) or to keep (supervisors)."""
    book = _book(kind)
    rows = hotline.book_entries(kind)
    return render("hotline/book.html", kind=kind, book=book, rows=rows, form=book.form(),
                  delete_form=EmptyForm(), can_edit=current_user.has_role(Role.ADMIN, Role.SUPERVISOR))


@bp.route("/books/<kind>/new", methods=["GET", "POST"], defaults={"entry_id": None})
@bp.route("/books/<kind>/<int:entry_id>", methods=["GET", "POST"])
@roles(Role.SUPERVISOR)
def book_entry(kind: str, entry_id: int | None):
    book = _book(kind)
    row = hotline.book_entry(kind, entry_id) or abort(404)
    form = book.form(obj=row)
    if request.method == "POST":
        if form.validate():
            try:
                hotline.save_entry(row, {name: getattr(form, name).data for name in book.columns},
                                   by=by_request())
            except hotline.DuplicateEntry:
                form.form_errors.append(_("已有相同的条目，请修改后再保存。"))
            else:
                flash(_("已保存。"), "success")
                return see_other(url_for("hotline.book", kind=kind))
        return render("hotline/book_entry.html", "book_form", status=422, kind=kind, book=book, row=row,
                      form=form)
    return render("hotline/book_entry.html", "book_form", kind=kind, book=book, row=row, form=form)


@bp.route("/books/<kind>/<int:entry_id>/delete", methods=["POST"])
@roles(Role.SUPERVISOR)
def book_delete(kind: str, entry_id: int):
    _book(kind)
    row = hotline.book_entry(kind, entry_id) or abort(404)
    if EmptyForm().validate():
        hotline.delete_entry(row, by=by_request())
        flash(_("已删除。"), "success")
    return see_other(url_for("hotline.book", kind=kind))
