"""Forms for task slips: the lifecycle actions, a staff report, callbacks and the deadline policy."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    FloatField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from kiosk.clock import local
from kiosk.domain.callbacks import CallbackResult
from kiosk.domain.classify import VisitPurpose
from kiosk.domain.deadlines import Priority
from kiosk.domain.hotline import CallCategory
from kiosk.domain.phone_numbers import CALLER
from kiosk.domain.slip_lifecycle import Action
from kiosk.forms.fields import (
    PhoneField,
    SubmissionKeyField,
    VersionField,
    max_length,
    offered,
    options,
    required,
    row_id,
    row_id_or_none,
    strip,
    within_years,
)
from kiosk.services import directory, tasks
from kiosk.web import labels

#: The categories of a slip staff open by hand (the hotline's own come with its calls).
STAFF_CATEGORIES = ("repair", "cleaning", "security", CallCategory.COMPLAINT.value,
                    CallCategory.SERVICE_REQUEST.value, CallCategory.OTHER.value)
#: What a slip opened from a visit starts as: a complaint visit is a quality complaint with its 24-hour
#: answer (seed 003 篇3 §12), a repair or an owner's errand a service request; anything else "other".
VISIT_SLIP_DEFAULTS = {
    VisitPurpose.COMPLAINT: (CallCategory.COMPLAINT.value, Priority.COMPLAINT.value),
    VisitPurpose.REPAIR: (CallCategory.SERVICE_REQUEST.value, Priority.ROUTINE.value),
    VisitPurpose.OWNER_BUSINESS: (CallCategory.SERVICE_REQUEST.value, Priority.ROUTINE.value),
}
VISIT_SLIP_OTHERWISE = (CallCategory.OTHER.value, Priority.ROUTINE.value)
#: The agent's choice of a callback's result: the result's words (``labels.CALLBACK_RESULT``), and for
#: 不满意 what choosing it does, since the slip goes back to its department.
CALLBACK_CHOICES = {**labels.CALLBACK_RESULT, CallbackResult.UNSATISFIED: _l("不满意（重新打开）")}


class ActionForm(FlaskForm):
    """A lifecycle button: carries the slip's version (so a stale page is refused, not applied).

    Several of these share a page, each with its own prefix; the CSRF token is checked for every POST
    by ``CSRFProtect`` (a plain ``csrf_token`` field), so the forms do not carry a prefixed copy.
    """

    class Meta:
        csrf = False

    version = VersionField()
    next = HiddenField()


class NoteForm(ActionForm):
    """An action that needs a text: a reason, a progress note or the result."""

    note = TextAreaField(_l("说明"), filters=[strip], validators=[required(), max_length(2000)])


class OptionalNoteForm(ActionForm):
    note = TextAreaField(_l("备注"), filters=[strip], validators=[Optional(), max_length(2000)])


class DispatchForm(ActionForm):
    department_id = SelectField(_l("部门"), coerce=row_id, validate_choice=False)
    assignee_id = SelectField(_l("指定人员"), coerce=row_id, validate_choice=False, default=0)
    note = TextAreaField(_l("说明"), filters=[strip], validators=[max_length(2000)])

    def __init__(self, *args, departments=(), people=(), reason_required=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.department_id.choices = options([(0, _l("请选择部门"))] + [(d.id, d.name) for d in departments])
        self.assignee_id.choices = options([(0, _l("（部门自行签收）"))] + [
            (u.id, f"{u.department.name if u.department else ''} · {u.display_name}") for u in people
        ])
        self._people = {u.id: u for u in people}
        self._reason_required = reason_required

    def validate_department_id(self, field):
        if field.data not in offered(field):
            raise ValidationError(_l("请选择部门。"))

    def validate_assignee_id(self, field):
        person = self._people.get(field.data)
        if field.data and (person is None or person.department_id != self.department_id.data):
            raise ValidationError(_l("指定人员必须属于所选部门。"))

    def validate_note(self, field):
        if self._reason_required and not field.data:
            raise ValidationError(_l("此项必填。"))


class PriorityForm(NoteForm):
    priority = SelectField(_l("优先级"), choices=options(labels.PRIORITY.items()), validators=[required()])


class DeadlineForm(NoteForm):
    due = DateTimeLocalField(_l("新的截止时间"), format="%Y-%m-%dT%H:%M",
                             validators=[InputRequired(message=_l("请填写日期和时间。")), within_years()])


class NewSlipForm(FlaskForm):
    category = SelectField(_l("类别"), choices=options((c, labels.CATEGORY[c]) for c in STAFF_CATEGORIES),
                           validators=[required()])
    priority = SelectField(_l("优先级"), choices=options(labels.PRIORITY.items()), validators=[required()],
                           default=Priority.ROUTINE.value)
    department_id = SelectField(_l("派往部门"), coerce=row_id, validate_choice=True, default=0)
    location = StringField(_l("位置"), filters=[strip], validators=[required(), max_length(200)])
    caller_name = StringField(_l("报事人"), filters=[strip], validators=[Optional(), max_length(60)])
    caller_phone = PhoneField(_l("联系电话"), kinds=CALLER, extension=True)
    description = TextAreaField(_l("事项描述"), filters=[strip], validators=[required(), max_length(2000)])
    # The visit the slip comes from (opened from the visitor log), if any; an unknown id is ignored.
    visit_id = HiddenField(filters=[row_id_or_none])
    submission_key = SubmissionKeyField()

    def __init__(self, *args, departments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.department_id.choices = options([(0, _l("暂不派单"))] + [(d.id, d.name) for d in departments])


class CallbackForm(FlaskForm):
    class Meta:
        csrf = False  # one per row, prefixed; CSRFProtect checks the page's token

    version = VersionField()
    next = HiddenField()
    result = SelectField(_l("回访结果"), choices=options(CALLBACK_CHOICES.items()), validators=[required()])
    note = TextAreaField(_l("回访记录"), filters=[strip], validators=[max_length(2000)])

    def validate_note(self, field):
        if self.result.data == CallbackResult.UNSATISFIED and not field.data:
            raise ValidationError(_l("不满意时请记录业主的意见。"))


def _whole(label, low: int, high: int):
    return IntegerField(label, validators=[InputRequired(message=_l("此项必填。")),
                                           NumberRange(min=low, max=high,
                                                       message=_l("应在 %(min)s 到 %(max)s 之间。"))])


class PolicyForm(FlaskForm):
    routine_working_days = _whole(_l("常规问题（工作日）"), 0, 30)
    major_working_days = _whole(_l("重大问题（工作日）"), 0, 60)
    complaint_hours = _whole(_l("服务质量投诉（小时）"), 0, 240)
    emergency_minutes = _whole(_l("应急/隐患（分钟）"), 0, 1440)
    incident_report_working_days = _whole(_l("突发事件报告（工作日）"), 0, 30)
    near_due_fraction = FloatField(_l("临期提醒：剩余时限比例"), validators=[
        InputRequired(message=_l("此项必填。")),
        NumberRange(min=0, max=1, message=_l("应在 %(min)s 到 %(max)s 之间。"))])
    near_due_minutes = IntegerField(_l("临期提醒：至少提前（分钟）"), validators=[
        Optional(), NumberRange(min=0, max=10080, message=_l("应在 %(min)s 到 %(max)s 之间。"))])
    callback_attempts = _whole(_l("回访未接通：最多拨打（次）"), 1, 10)
    callback_retry_minutes = _whole(_l("回访未接通：间隔（分钟）"), 0, 10080)

# --- The action forms beside a slip (its page, the supervisor's board) ------------------------------

FORM_CLASSES = {
    Action.DISPATCH: DispatchForm,
    Action.REASSIGN: DispatchForm,
    Action.ACCEPT: ActionForm,
    Action.REJECT: NoteForm,
    Action.START: ActionForm,
    Action.WAIT: NoteForm,
    Action.RESUME: ActionForm,
    Action.NOTE: NoteForm,
    Action.RESOLVE: NoteForm,
    Action.CLOSE: OptionalNoteForm,
    Action.REOPEN: NoteForm,
    Action.PRIORITY: PriorityForm,
    Action.DEADLINE: DeadlineForm,
}


def action_form(action: Action, slip, *, submitted: bool = False):
    """The form for one action on ``slip``: bound to the request when ``submitted``, else filled from the
    slip (its version, department and assignee, priority or deadline)."""
    cls = FORM_CLASSES[action]
    kwargs: dict = {"prefix": action.value}
    if not submitted:
        kwargs["formdata"] = None
    if cls is DispatchForm:
        kwargs.update(departments=directory.active_departments(), people=directory.department_staff(),
                      reason_required=action is Action.REASSIGN)
    form = cls(**kwargs)
    if action in labels.SLIP_ACTION_NOTE:
        form.note.label.text = labels.SLIP_ACTION_NOTE[action]
    if not submitted:
        form.version.data = str(slip.version)
        if cls is DispatchForm:
            form.department_id.data = slip.department_id or 0
            form.assignee_id.data = slip.assignee_id or 0
        elif action is Action.PRIORITY:
            form.priority.data = slip.priority
        elif action is Action.DEADLINE:
            form.due.data = local(slip.due_at).replace(tzinfo=None)
    return form


def action_forms(slip, user, submitted=None, next_url: str = "") -> dict:
    """The forms for the actions this viewer may take now (the callback has its own form)."""
    found = {}
    for action in tasks.available_actions(slip, user):
        if action is Action.CALLBACK:
            continue
        form = submitted[1] if submitted and submitted[0] is action else action_form(action, slip)
        form.next.data = next_url
        found[action] = form
    return found
