"""The tablet's forms: pairing, the sign-in form (only the fields a purpose needs), sign-out."""

from __future__ import annotations

import unicodedata
from functools import cache

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, Optional, ValidationError

from kiosk.domain.classify import Place, VisitPurpose
from kiosk.domain.phone_numbers import MOBILE_ONLY
from kiosk.domain.rotation import BuyerSays
from kiosk.forms.fields import (
    PhoneField,
    SubmissionKeyField,
    TabletForm,
    max_length,
    options,
    required,
    row_id,
    row_id_or_none,
    strip,
)
from kiosk.services.visits import Relation

MAX_PARTY = 50
NAME_PUNCTUATION = set("·•.-' ")


# The fields beyond name, mobile, party size and consent that each purpose asks for.
PURPOSE_FIELDS: dict[VisitPurpose, tuple[str, ...]] = {
    VisitPurpose.VIEWING: ("buyer_says", "salesperson"),
    VisitPurpose.OWNER_BUSINESS: (),
    VisitPurpose.COMPLAINT: ("relation",),
    VisitPurpose.REPAIR: (),
    VisitPurpose.VISITING_PERSON: ("host_department_id", "host_name"),
    VisitPurpose.DELIVERY_PROMOTION: ("organisation", "host_department_id"),
    VisitPurpose.JOB_INTERVIEW: ("host_department_id", "host_name"),
    VisitPurpose.MEDIA_INTERVIEW: ("organisation", "host_name"),
    VisitPurpose.GOVERNMENT_INSPECTION: ("organisation", "host_name"),
    VisitPurpose.FORMER_EMPLOYEE: ("host_department_id",),
    VisitPurpose.OTHER: ("host_name",),
}
OPTIONAL_FIELDS = {name for names in PURPOSE_FIELDS.values() for name in names}
HOST_FIELDS = {"host_department_id", "host_name"}


def purposes_at(place: Place) -> list[VisitPurpose]:
    """The purpose buttons a kiosk shows: viewing only where there is something to view."""
    viewing_places = (Place.SALES_OFFICE, Place.MODEL_HOME)
    return [p for p in VisitPurpose if p is not VisitPurpose.VIEWING or place in viewing_places]


def validate_person_name(field) -> None:
    """Letters (any script), spaces and the dots/hyphens of transliterated names; nothing else."""
    for ch in field.data or "":
        if ch in NAME_PUNCTUATION or unicodedata.category(ch)[0] in ("L", "M"):
            continue
        raise ValidationError(_l("请只填写文字，不要填写符号或表情。"))


class PairForm(TabletForm):
    code = StringField(_l("配对码"), filters=[strip], validators=[required(), max_length(20)])


class VisitForm(TabletForm):
    name = StringField(_l("姓名"), filters=[strip], validators=[required(), max_length(40)])
    mobile = PhoneField(_l("手机号码"), kinds=MOBILE_ONLY, required_field=True)
    party_size = StringField(_l("来访人数"), default="1", filters=[strip],
                             validators=[required(), max_length(3)])
    relation = RadioField(_l("您的身份"), choices=options([
        (Relation.OWNER, _l("业主")), (Relation.FORMER_EMPLOYEE, _l("本公司离职或在职员工")),
        (Relation.OTHER, _l("其他")),
    ]), validators=[required()])
    organisation = StringField(_l("单位名称"), filters=[strip], validators=[max_length(60)])
    host_department_id = SelectField(_l("拜访部门"), coerce=row_id, validate_choice=True)
    host_name = StringField(_l("拜访人姓名"), filters=[strip], validators=[max_length(40)])
    # A buyer answers the on-duty salesperson's first question (seed 001 制度1 第12条).
    buyer_says = RadioField(_l("您是……"), choices=options([
        (BuyerSays.FIRST_VISIT.value, _l("第一次来")), (BuyerSays.BEEN_BEFORE.value, _l("以前来过")),
        (BuyerSays.REFERRED.value, _l("老客户介绍来的")), (BuyerSays.PEER.value, _l("同行交流")),
    ]), validators=[required()])
    salesperson = RadioField(_l("您的置业顾问"), coerce=row_id, default=0, validators=[Optional()])
    # What to do, not "required": the box is the one thing between the visitor and their badge.
    consent = BooleanField(_l("我已阅读并同意上述个人信息说明"),
                           validators=[DataRequired(message=_l("请勾选同意后继续"))])
    submission_key = SubmissionKeyField()

    def __init__(self, *args, purpose: VisitPurpose, departments=(), salespeople=(), **kwargs):
        """Built by :func:`visit_form`, whose class of it leaves out the fields ``purpose`` does not ask."""
        super().__init__(*args, **kwargs)
        self.purpose = purpose
        if "salesperson" in self:
            self.salesperson.choices = options([(0, _l("没有／不记得"))] + list(salespeople))
        if "host_department_id" in self:
            self.host_department_id.choices = options(
                [(0, _l("（请选择）"))] + [(d.id, d.name) for d in departments])
        if purpose in (VisitPurpose.MEDIA_INTERVIEW, VisitPurpose.GOVERNMENT_INSPECTION):
            self.organisation.validators = [required(), max_length(60)]

    def validate_name(self, field):
        validate_person_name(field)

    def validate_party_size(self, field):
        size = row_id_or_none(field.data or "")
        if size is None or not 1 <= size <= MAX_PARTY:
            raise ValidationError(_l("请填写 1 到 %(max)d 之间的人数。", max=MAX_PARTY))

    def validate_host_name(self, field):
        if field.data:
            validate_person_name(field)
        elif self.purpose is VisitPurpose.VISITING_PERSON and not self.host_department_id.data:
            raise ValidationError(_l("请填写您要找的人，或选择部门。"))

    def validate_organisation(self, field):
        if field.data and any(ch in "<>" for ch in field.data):
            raise ValidationError(_l("请不要填写尖括号等符号。"))


def asked_fields(purpose: VisitPurpose, appointment=None) -> frozenset[str]:
    """The fields beyond name, mobile, party size and consent that the form for ``purpose`` shows; an
    appointment already names the host."""
    keep = set(PURPOSE_FIELDS[purpose])
    if appointment is not None:
        keep -= HOST_FIELDS
    return frozenset(keep)


@cache
def _form_without(names: frozenset[str]) -> type[VisitForm]:
    """The sign-in form less ``names`` (a field set to None in a subclass is no field: WTForms' way), so
    the fields a purpose does not ask for are never built. One class per set, made once."""
    return type("VisitForm", (VisitForm,), dict.fromkeys(names))


def visit_form(purpose: VisitPurpose, *, departments=(), salespeople=(), appointment=None) -> VisitForm:
    """The sign-in form for ``purpose``: only the fields it asks for (``asked_fields``); no mobile when the
    appointment has one."""
    without = OPTIONAL_FIELDS - asked_fields(purpose, appointment)
    if appointment is not None and appointment.mobile:
        without |= {"mobile"}
    return _form_without(frozenset(without))(purpose=purpose, departments=departments,
                                              salespeople=salespeople)


class AppointmentCodeForm(TabletForm):
    code = StringField(_l("预约码"), filters=[strip], validators=[required(), max_length(12)])


class SignOutForm(TabletForm):
    code = StringField(_l("胸牌号码或手机号码"), filters=[strip], validators=[required(), max_length(20)])
