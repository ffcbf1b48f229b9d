"""Field helpers shared by the forms: trimmed text and clear Chinese messages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms.validators import DataRequired, Length


def strip(value):
    return value.strip() if isinstance(value, str) else value


def required():
    return DataRequired(message=_l("此项必填。"))


def max_length(n: int):
    return Length(max=n, message=_l("最多 %(max)d 个字符。", max=n))


def length_between(lo: int, hi: int):
    return Length(min=lo, max=hi, message=_l("长度应为 %(min)d 到 %(max)d 个字符。", min=lo, max=hi))
