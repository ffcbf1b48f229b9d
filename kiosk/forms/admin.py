from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from kiosk.domain.phone_numbers import ANY, EXTENSION_ONLY
from kiosk.forms.auth import MIN_PASSWORD
from kiosk.forms.fields import (
    PhoneField,
    length_between,
    max_length,
    options,
    required,
    row_id,
    strip,
    within_years,
)
from kiosk.models.people import Role
from kiosk.web import labels

USERNAME = re.compile(r"^[a-zA-Z0-9_.-]{2,40}$")
CODE = re.compile(r"^[a-z0-9_]{2,40}$")


def role_choices():
    return options(labels.ROLE.items())


class CheckboxList(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class UserForm(FlaskForm):
    username = StringField(_l("用户名"), filters=[strip], validators=[required(), max_length(40)])
    display_name = StringField(_l("姓名"), filters=[strip], validators=[required(), max_length(60)])
    roles = CheckboxList(_l("角色"), choices=role_choices, validate_choice=True)
    department_id = SelectField(_l("部门"), coerce=row_id, validate_choice=True)
    extension = PhoneField(_l("分机号"), kinds=EXTENSION_ONLY)
    password = PasswordField(_l("密码"), validators=[Optional(), length_between(MIN_PASSWORD, 128)])
    active = BooleanField(_l("启用"), default=True)

    def __init__(self, *args, editing=None, taken=None, editing_self=False, **kwargs):
        super().__init__(*args, **kwargs)
        self._editing = editing
        self._taken = taken
        self._editing_self = editing_self

    def validate_username(self, field):
        if not USERNAME.match(field.data or ""):
            raise ValidationError(_l("用户名只能包含字母、数字、点、下划线和短横线，2 到 40 个字符。"))
        if self._taken and self._taken(field.data):
            raise ValidationError(_l("该用户名已被使用。"))

    def validate_roles(self, field):
        if not field.data:
            raise ValidationError(_l("请至少选择一个角色。"))
        if self._editing_self and Role.ADMIN.value not in field.data:
            raise ValidationError(_l("不能移除自己的管理员角色，以免无人能管理系统。"))

    def validate_active(self, field):
        if self._editing_self and not field.data:
            raise ValidationError(_l("不能停用自己的账号。"))

    def validate_password(self, field):
        if self._editing is None and not field.data:
            raise ValidationError(_l("新用户必须设置密码。"))


class DepartmentForm(FlaskForm):
    code = StringField(_l("代码"), filters=[strip], validators=[required(), max_length(40)])
    name = StringField(_l("名称"), filters=[strip], validators=[required(), max_length(80)])
    phone = PhoneField(_l("电话"), kinds=ANY, extension=True)
    location = StringField(_l("位置"), filters=[strip], validators=[Optional(), max_length(120)])
    active = BooleanField(_l("启用"), default=True)

    def __init__(self, *args, taken=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._taken = taken

    def validate_code(self, field):
        if not CODE.match(field.data or ""):
            raise ValidationError(_l("代码只能包含小写字母、数字和下划线。"))
        if self._taken and self._taken("code", field.data):
            raise ValidationError(_l("该代码已被使用。"))

    def validate_name(self, field):
        if self._taken and self._taken("name", field.data):
            raise ValidationError(_l("该名称已被使用。"))


class CalendarOverrideForm(FlaskForm):
    day = DateField(_l("日期"), validators=[required(), within_years()])
    is_working_day = SelectField(
        _l("公司安排"),
        choices=options([("1", _l("上班")), ("0", _l("休息"))]),
        validators=[required()],
    )
    note = StringField(_l("说明"), filters=[strip], validators=[Optional(), max_length(120)])


class EmptyForm(FlaskForm):
    """CSRF only: for POST buttons."""


class WebhookTokenForm(FlaskForm):
    """A new token for a switchboard's generic webhook (the 总机 page's button)."""

    switchboard = SelectField(_l("总机"), validators=[required()])

    def __init__(self, names: list[str], *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.switchboard.choices = [(name, name) for name in names]
