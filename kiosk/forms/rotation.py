"""Forms of the rotation page: the supervisor's adjustments and a salesperson's own status.

Salesperson and group choices are set by the view from today's table (``set_people`` / ``set_groups``).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField, TimeField
from wtforms.validators import NumberRange, Optional, ValidationError

from kiosk.domain.rotation import CustomerKind
from kiosk.forms.fields import SubmissionKeyField, max_length, options, required, strip, within_years
from kiosk.web import labels

PRESENCE_CHOICES = options([
    ("on_leave", _l("请假/休假")),
    ("company_business", _l("公务外出")),
    ("busy_own", _l("处理工作事务")),
    ("busy_leader", _l("处理领导安排的工作")),
    ("left", _l("个人原因离开现场")),
    ("back", _l("回到前台")),
])
SELF_CHOICES = options([("back", _l("我已回到前台")), ("busy", _l("我在处理工作事务"))])


def _reason(optional: bool = True):
    validators = [Optional(), max_length(200)] if optional else [required(), max_length(200)]
    return StringField(_l("原因"), filters=[strip], validators=validators)


class _RotationForm(FlaskForm):
    """The supervisor's forms share one page, so each has a prefix (unique field ids). The app-wide
    CSRFProtect checks the page's ``csrf_token`` on every POST; a per-form token would be prefixed too."""

    class Meta:
        csrf = False

    def set_people(self, people: list[tuple[str, str]], *names: str) -> None:
        for name in names:
            getattr(self, name).choices = options([("", _l("（请选择）")), *people])

    def set_groups(self, groups: list[tuple[str, str]]) -> None:
        self.group_id.choices = options([("", _l("（请选择）")), *groups])


def _person(label):
    return SelectField(label, validators=[required()], validate_choice=True)


class PresenceForm(_RotationForm):
    salesperson = _person(_l("销售顾问"))
    status = SelectField(_l("状态"), choices=PRESENCE_CHOICES, validators=[required()], validate_choice=True)
    reason = _reason()


class MakeUpForm(_RotationForm):
    salesperson = _person(_l("销售顾问"))
    reason = _reason(optional=False)


class AssistForm(_RotationForm):
    group_id = SelectField(_l("客户组"), validators=[required()], validate_choice=True)
    salesperson = _person(_l("协助人"))
    reason = _reason()


class ReassignForm(_RotationForm):
    group_id = SelectField(_l("客户组"), validators=[required()], validate_choice=True)
    salesperson = _person(_l("改由"))
    reason = _reason(optional=False)


class ReorderForm(_RotationForm):
    salesperson = _person(_l("销售顾问"))
    position = IntegerField(_l("排到第几位"), validators=[required()])
    reason = _reason(optional=False)

    def set_size(self, size: int) -> None:
        self.position.validators = [
            required(), NumberRange(min=1, max=max(size, 1), message=_l("请填写 1 到 %(max)d 之间的位置。"))
        ]


class GroupForm(_RotationForm):
    """A customer group the front desk received without the tablet: every kind the rules know."""

    label = StringField(_l("客户称呼"), filters=[strip], validators=[required(), max_length(40)])
    kind = SelectField(_l("客户类别"),
                       choices=options((k.name, label) for k, label in labels.CUSTOMER_KIND.items()),
                       validators=[required()], validate_choice=True, default=CustomerKind.NEW_WALK_IN.name)
    named = SelectField(_l("指定的销售顾问"), validators=[Optional()], validate_choice=True)
    together_with = SelectField(_l("与哪组客户同来"), validators=[Optional()], validate_choice=True)
    last_contact = DateField(_l("最近一次回访或跟踪"), validators=[Optional(), within_years()])
    submission_key = SubmissionKeyField()

    def set_groups(self, groups: list[tuple[str, str]]) -> None:
        self.together_with.choices = options([("", _l("（无）")), *groups])

    def validate(self, extra_validators=None) -> bool:
        # Checked here: Optional() ends a blank select's own validators early.
        valid = super().validate(extra_validators)
        needs_named = {CustomerKind.RETURNING_RECOGNISED.name, CustomerKind.RETURNING_REBOOKING.name}
        if self.kind.data in needs_named and not self.named.data and not self.named.errors:
            self.named.errors.append(_l("请选择认出或原来接待该客户的销售顾问。"))
            return False
        return valid


class HoursForm(_RotationForm):
    work_start = TimeField(_l("上班时间"), validators=[required()])
    work_end = TimeField(_l("下班时间"), validators=[required()])
    on_call_start = TimeField(_l("值班开始"), validators=[Optional()])
    on_call_end = TimeField(_l("值班结束"), validators=[Optional()])
    on_call_person = SelectField(_l("值班人员"), validators=[Optional()], validate_choice=True)
    reason = _reason()

    def validate_work_end(self, field):
        if self.work_start.data and field.data and field.data <= self.work_start.data:
            raise ValidationError(_l("下班时间必须晚于上班时间。"))

    def validate(self, extra_validators=None) -> bool:
        # The on-call pair is checked here: Optional() ends a blank field's own validators early.
        valid = super().validate(extra_validators)
        start, end = self.on_call_start, self.on_call_end
        if start.errors or end.errors:
            return valid
        if (start.data is None) != (end.data is None):
            end.errors.append(_l("值班开始和结束要一起填写。"))
            return False
        if start.data is not None and start.data == end.data:
            end.errors.append(_l("值班结束不能等于值班开始。"))
            return False
        return valid


class SelfStatusForm(FlaskForm):
    status = SelectField(_l("状态"), choices=SELF_CHOICES, validators=[required()], validate_choice=True)
