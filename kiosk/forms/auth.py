from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import EqualTo, ValidationError

from kiosk.forms.fields import length_between, max_length, required, strip

MIN_PASSWORD = 8


class LoginForm(FlaskForm):
    username = StringField(_l("用户名"), filters=[strip], validators=[required(), max_length(40)])
    password = PasswordField(_l("密码"), validators=[required(), max_length(128)])


class PasswordChangeForm(FlaskForm):
    current = PasswordField(_l("当前密码"), validators=[required(), max_length(128)])
    new = PasswordField(_l("新密码"), validators=[required(), length_between(MIN_PASSWORD, 128)])
    confirm = PasswordField(
        _l("再次输入新密码"), validators=[required(), EqualTo("new", message=_l("两次输入的新密码不一致。"))]
    )

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._user = user

    def validate_current(self, field):
        if not self._user.check_password(field.data or ""):
            raise ValidationError(_l("当前密码不正确。"))

    def validate_new(self, field):
        if field.data and self._user.check_password(field.data):
            raise ValidationError(_l("新密码不能与当前密码相同。"))
