"""Forms of the hotline console and of the books supervisors keep."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, NumberRange, Optional, ValidationError

from kiosk.domain.hotline import REQUIRED_DISPOSITION, AgentStatus, CallCategory, Disposition
from kiosk.domain.phone_numbers import ANY, CALLER, MOBILE_ONLY
from kiosk.forms.fields import PhoneField, max_length, options, required, row_id, strip
from kiosk.web import labels

NEEDS_DEPARTMENT = {Disposition.SLIP.value, Disposition.EMERGENCY.value, Disposition.TRANSFERRED.value}


class AgentStateForm(FlaskForm):
    state = SelectField(_l("我的状态"), choices=options(
        (s.value, labels.AGENT_STATE[s.value])
        for s in (AgentStatus.AVAILABLE, AgentStatus.WRAP_UP, AgentStatus.PAUSED, AgentStatus.OFFLINE)
    ), validators=[required()])


class DialForm(FlaskForm):
    """Click-to-dial (``macros/dial.html``): a callback, a correction call waiting, or a number on file."""

    callback_id = IntegerField(validators=[Optional(), NumberRange(min=1, max=2**31 - 1)])
    call_id = IntegerField(validators=[Optional(), NumberRange(min=1, max=2**31 - 1)])
    number = PhoneField(_l("号码"), kinds=CALLER)
    next = HiddenField()


class StartCallForm(FlaskForm):
    caller_number = PhoneField(_l("来电号码"), kinds=CALLER)


class RecordForm(FlaskForm):
    category = SelectField(_l("类别"), choices=options(
        [("", _l("请选择"))] + [(c.value, labels.CATEGORY[c.value]) for c in CallCategory]),
        validators=[required()])
    caller_surname = StringField(_l("来电人贵姓"), filters=[strip], validators=[Optional(), max_length(20)])
    location = StringField(_l("地点"), filters=[strip], validators=[Optional(), max_length(200)])
    description = TextAreaField(_l("来电内容"), filters=[strip], validators=[required(), max_length(2000)])
    notes = TextAreaField(_l("通话记录"), filters=[strip], validators=[Optional(), max_length(5000)])


class OutcomeForm(FlaskForm):
    disposition = RadioField(_l("处理结果"), validators=[required()], choices=options(
        (value, label) for value, label in labels.DISPOSITION.items() if value != Disposition.CALLBACK.value
    ))
    answer_text = TextAreaField(_l("答复内容"), filters=[strip], validators=[max_length(2000)])
    department_id = SelectField(_l("部门"), coerce=row_id, default=0, validate_choice=True)
    major = BooleanField(_l("重大问题（3 个工作日）"))

    def __init__(self, *args, category: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._category = category

    def validate_disposition(self, field):
        required_one = REQUIRED_DISPOSITION.get(CallCategory(self._category)) if self._category else None
        if required_one is not None and field.data != required_one.value:
            what = labels.DISPOSITION[required_one.value]
            raise ValidationError(_l("此类来电只能按“%(what)s”处理。", what=what))

    def validate_answer_text(self, field):
        if self.disposition.data == Disposition.ANSWERED_ON_SPOT.value and not field.data:
            raise ValidationError(_l("请填写给来电人的答复。"))

    def validate_department_id(self, field):
        if self.disposition.data in NEEDS_DEPARTMENT and not field.data:
            raise ValidationError(_l("请选择部门。"))


class ChangeReason:
    """The reason a supervisor gives for changing a settled call (kept in the call's history); the service
    says when it is needed (``hotline.ReasonRequired``), the view puts the message beside this field."""

    reason = TextAreaField(_l("更改原因（已处理的来电）"), filters=[strip],
                           validators=[Optional(), max_length(500)])


REASON_REQUIRED_MESSAGE = _l("这个来电已处理完毕，请说明更改的原因。")


class CallerForm(ChangeReason, FlaskForm):
    """"This is the caller": the owner chosen from the search (``owner_id``), the search kept (``q``)."""

    q = HiddenField(filters=[strip], validators=[Optional(), max_length(60)])


class NewCallerForm(ChangeReason, FlaskForm):
    name = StringField(_l("业主姓名"), filters=[strip], validators=[required(), max_length(60)])
    mobile = PhoneField(_l("手机号"), kinds=MOBILE_ONLY)
    unit_id = SelectField(_l("房号"), coerce=row_id, validate_choice=True)


class PhraseForm(FlaskForm):
    stage = SelectField(_l("通话阶段"), choices=options(labels.PHRASE_STAGE.items()), validators=[required()])
    text = StringField(_l("话术"), filters=[strip], validators=[required(), max_length(300)],
                       description=_l("可用占位符：{hotline} 热线号码，{surname} 来电人姓氏。"))
    sort_order = IntegerField(_l("排序"), default=0, filters=[lambda v: v or 0],
                              validators=[Optional(), NumberRange(min=0, max=9999)])


class DirectoryForm(FlaskForm):
    name = StringField(_l("部门/场所"), filters=[strip], validators=[required(), max_length(80)])
    floor = StringField(_l("楼层/位置"), filters=[strip], validators=[Optional(), max_length(40)])
    phone = PhoneField(_l("电话"), kinds=ANY, extension=True)
    info = TextAreaField(_l("常用信息"), filters=[strip], validators=[Optional(), max_length(500)])


class AnswerBookForm(FlaskForm):
    question = StringField(_l("问题"), filters=[strip], validators=[required(), max_length(200)])
    answer = TextAreaField(_l("答复"), filters=[strip], validators=[required(), max_length(2000)])


class ConfirmForm(FlaskForm):
    """The read-back tick (seed 003 §2(1) 确认信息)."""

    read_back = BooleanField(_l("我已向来电人复述记录，对方确认无误"),
                             validators=[DataRequired(message=_l("请先向来电人复述并勾选确认。"))])
