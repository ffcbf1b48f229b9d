"""Forms of the messages' settings: a test message, the routing table, department groups, SMS templates
and each person's own channels and quiet hours."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField, TimeField
from wtforms.validators import Optional, ValidationError

from kiosk.domain.messaging import PERSONAL, ROUTED_CHANNELS, ROUTES, SMS_PURPOSES, Channel
from kiosk.domain.phone_numbers import MOBILE_ONLY
from kiosk.forms.admin import CheckboxList
from kiosk.forms.fields import PhoneField, max_length, options, required, row_id, strip
from kiosk.web import labels

#: A WeCom user id, a robot key, a provider's template code: letters, digits and a few marks.
TOKEN = re.compile(r"^[A-Za-z0-9_.@-]+$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _token(message):
    def check(form, field):
        if field.data and not TOKEN.match(field.data):
            raise ValidationError(message)

    return check


class TestMessageForm(FlaskForm):
    channel = SelectField(
        _l("渠道"),
        validate_choice=True,
        choices=lambda: options((c.value, labels.CHANNEL[c]) for c in ROUTED_CHANNELS),
    )
    target = StringField(
        _l("发送到"),
        filters=[strip],
        validators=[required(), max_length(200)],
        description=_l("企业微信群：机器人 key；企业微信：成员账号；短信：手机号；邮件：邮箱地址"),
    )


def _route_choices():
    return options(
        (f"{kind}:{c.value}", f"{labels.MESSAGE_KIND[kind]} · {labels.CHANNEL[c]}")
        for kind in ROUTES
        for c in ROUTED_CHANNELS
    )


class RoutesForm(FlaskForm):
    on = CheckboxList(_l("发送渠道"), choices=_route_choices, validate_choice=True)

    def chosen(self) -> set[tuple[str, str]]:
        return {tuple(value.split(":", 1)) for value in self.on.data or ()}


class GroupForm(FlaskForm):
    department_id = SelectField(_l("部门"), coerce=row_id, validate_choice=True)
    webhook_key = StringField(
        _l("群机器人 key"),
        filters=[strip],
        validators=[max_length(100), _token(_l("key 只能包含字母、数字和 _ . @ -。"))],
        description=_l("留空表示不再发到该部门的群。"),
    )


class TemplateForm(FlaskForm):
    purpose = SelectField(
        _l("用途"),
        validate_choice=True,
        choices=lambda: options((p, labels.MESSAGE_KIND[p]) for p in SMS_PURPOSES),
    )
    template_code = StringField(
        _l("模板编号"),
        filters=[strip],
        validators=[required(), max_length(40), _token(_l("模板编号格式不正确。"))],
    )
    sign_name = StringField(_l("短信签名"), filters=[strip], validators=[required(), max_length(40)])
    wording = TextAreaField(
        _l("审核通过的模板内容"), filters=[strip], validators=[required(), max_length(500)]
    )


class PreferenceForm(FlaskForm):
    mobile = PhoneField(_l("手机号"), kinds=MOBILE_ONLY)
    email = StringField(_l("邮箱"), filters=[strip], validators=[max_length(200)])
    wecom_userid = StringField(
        _l("企业微信账号"),
        filters=[strip],
        validators=[max_length(64), _token(_l("企业微信账号只能包含字母、数字和 _ . @ -。"))],
    )
    channels = CheckboxList(
        _l("接收渠道"),
        validate_choice=True,
        choices=lambda: options((c.value, labels.CHANNEL[c]) for c in PERSONAL),
    )
    quiet_from = TimeField(_l("免打扰开始"), validators=[Optional()])
    quiet_to = TimeField(_l("免打扰结束"), validators=[Optional()])

    def validate_email(self, field):
        if field.data and not EMAIL.match(field.data):
            raise ValidationError(_l("请填写正确的邮箱地址。"))

    def validate_channels(self, field):
        addresses = {
            Channel.WECOM_APP.value: self.wecom_userid.data,
            Channel.SMS.value: self.mobile.data,
            Channel.EMAIL.value: self.email.data,
        }
        if any(not addresses.get(c, True) for c in field.data or ()):
            raise ValidationError(_l("选择的渠道须填写对应的手机号、邮箱或企业微信账号。"))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if bool(self.quiet_from.data) != bool(self.quiet_to.data):
            empty = self.quiet_to if self.quiet_from.data else self.quiet_from
            empty.errors = [*empty.errors, _l("免打扰时段须同时填写开始和结束时间。")]
            return False
        return valid
