"""Field helpers shared by the forms: trimmed text, phone numbers and clear Chinese messages."""

from __future__ import annotations

import re
import secrets
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectChoice, StringField
from wtforms.validators import DataRequired, Length, Optional, StopValidation, ValidationError
from wtforms.widgets import TelInput

from kiosk.domain.phone_numbers import EXTENSION_ONLY, MAX_LENGTH, MOBILE_ONLY, PhoneKind, normalise_phone

#: The largest id a row can have (PostgreSQL ``integer``).
MAX_ROW_ID = 2**31 - 1


#: The years a date typed into a form or a link may fall in. Outside them a date is a typing slip, and
#: year 1 or 9999 would overflow the conversion to UTC or a reminder's offset (a 500, not a message).
YEARS = range(2000, 2100)


class TabletForm(FlaskForm):
    """A form a paired tablet posts (visitor kiosk, model-home tablet): it carries no token, as
    ``kiosk.web.security.tablet_posts`` checks where a tablet's POST comes from instead."""

    class Meta:
        csrf = False


def in_years(day: date) -> bool:
    return day.year in YEARS


def within_years():
    """Validator: the date or date-time lies in ``YEARS``; otherwise a message beside the field."""
    def check(form, field):
        if field.data is not None and not in_years(field.data):
            raise ValidationError(_l("请填写 %(first)d 年至 %(last)d 年之间的日期。",
                                     first=YEARS.start, last=YEARS.stop - 1))
    return check


def day_arg(text: str | None, default: date) -> date:
    """A ``YYYY-MM-DD`` from a link's query string; ``default`` when missing, malformed or out of range."""
    try:
        day = date.fromisoformat(text or "")
    except ValueError:
        return default
    return day if in_years(day) else default


def options(pairs, optgroup: str | None = None) -> list[SelectChoice]:
    """Select and radio options from ``(value, label)`` pairs (WTForms 3.3 deprecates bare tuples)."""
    return [SelectChoice(value, label, optgroup=optgroup) for value, label in pairs]


def offered(field) -> set:
    """The values a select offers, leaving out the empty "please choose" one (0 or "")."""
    return {choice.value for choice in field.choices if choice.value}


def strip(value):
    return value.strip() if isinstance(value, str) else value


def required():
    return DataRequired(message=_l("此项必填。"))


def max_length(n: int):
    return Length(max=n, message=_l("最多 %(max)d 个字符。", max=n))


def row_id(value) -> int:
    """A row id (or a version, a count) as sent by a form or a query string; ``ValueError`` otherwise.

    ``str.isdigit`` admits "²" and numbers of 5000 digits, which ``int()`` or the database then refuse
    with a 500; this takes ASCII digits only, within what a database column holds. Also a ``coerce``
    for select fields, so an impossible choice is a message beside the field.
    """
    if isinstance(value, bool):
        raise ValueError("not a row id")
    if not isinstance(value, int):
        text = str(value)
        if not (text.isascii() and text.isdigit() and len(text) <= len(str(MAX_ROW_ID))):
            raise ValueError("not a row id")
        value = int(text)
    if not 0 <= value <= MAX_ROW_ID:
        raise ValueError("not a row id")
    return value


def row_id_or_none(value) -> int | None:
    try:
        return row_id(value)
    except ValueError:
        return None


class VersionField(HiddenField):
    """The version of the row a page was shown with (optimistic locking), as an ``int``.

    A missing or malformed value (a hand-made or truncated request) is the "page has expired" message,
    so the person reloads and sees the current state; a well-formed but old one is the service's conflict.
    """

    EXPIRED = _l("页面已过期，请刷新后重试。")

    def process_formdata(self, valuelist):
        self.data = row_id_or_none(valuelist[0]) if valuelist else None

    def pre_validate(self, form):
        if self.data is None:
            raise StopValidation(self.EXPIRED)


class SubmissionKeyField(HiddenField):
    """The one-time key of a form that creates something (``kiosk.services.submissions``).

    Made when the form is first drawn and sent back with it; a page drawn again with messages (422)
    keeps the key it was sent with, so the corrected resubmission is still the same submission. A key
    that is missing or not of our making is no key (``data`` None): the form is then taken as before,
    without the repeat guarantee (the services module says why).
    """

    SHAPE = re.compile(r"[A-Za-z0-9_-]{16,64}")

    def __init__(self, label="", **kwargs):
        # Hidden, so no label; without one WTForms would make one from the name through its translations,
        # which Flask-WTF loads from disk on every request that builds the form.
        super().__init__(label, **kwargs)

    def process_formdata(self, valuelist):
        sent = valuelist[0] if valuelist else ""
        self.data = sent if isinstance(sent, str) and self.SHAPE.fullmatch(sent) else None

    def _value(self):
        if not self.data:
            self.data = secrets.token_urlsafe(24)
        return self.data


def length_between(lo: int, hi: int):
    return Length(min=lo, max=hi, message=_l("长度应为 %(min)d 到 %(max)d 个字符。", min=lo, max=hi))


#: What each field says when the number is not one it takes (the kinds it takes, in words).
_PHONE_MESSAGES = {
    MOBILE_ONLY: _l("请填写有效的中国大陆手机号码（11 位）。"),
    EXTENSION_ONLY: _l("分机号应为 3 到 6 位数字。"),
}
_ANY_PHONE_MESSAGE = _l(
    "请填写有效的电话号码：11 位手机号码、带区号的固定电话（如 0731-88001000）或 400/800 号码。")
_EXTENSION_HINT = _l("分机请写在号码后，如 0731-88001000 转 8001。")


class PhoneField(StringField):
    """A telephone number of the ``kinds`` given (:mod:`kiosk.domain.phone_numbers`), as ``<input type=tel>``.

    A valid number's ``data`` becomes its stored form (national digits, ``073188001000-8001`` with an
    extension); anything else is a message beside the field with what was typed left in it.
    ``extension``: a landline or service number may carry an extension.
    """

    widget = TelInput()
    #: The validators of a required and of an optional number, made once: the field is built again for
    #: every form (each kiosk sign-in), and WTForms' validators hold no state of a form.
    _VALIDATORS = {True: (required(), max_length(MAX_LENGTH)), False: (Optional(), max_length(MAX_LENGTH))}

    def __init__(self, label=None, *, kinds: frozenset[PhoneKind], extension: bool = False,
                 required_field: bool = False, **kwargs):
        super().__init__(label, filters=(strip,), validators=self._VALIDATORS[required_field], **kwargs)
        self.kinds, self.extension = kinds, extension

    def post_validate(self, form, validation_stopped):
        if validation_stopped or self.errors or not self.data:
            return
        number = normalise_phone(self.data, self.kinds, extension=self.extension)
        if number is None:
            message = _PHONE_MESSAGES.get(self.kinds, _ANY_PHONE_MESSAGE)
            raise ValidationError(f"{message}{_EXTENSION_HINT}" if self.extension else message)
        self.data = number
