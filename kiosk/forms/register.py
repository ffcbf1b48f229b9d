"""Forms of the owner register: a person's profile, numbers and units, merging, importing, visits."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import NumberRange, Optional, ValidationError

from kiosk.domain.phone_numbers import PhoneKind
from kiosk.domain.register import Relation, VisitKind
from kiosk.forms.fields import PhoneField, max_length, options, required, row_id, strip, within_years
from kiosk.services.call_log import CallFilter
from kiosk.web import labels

PERSON_NUMBERS = frozenset({PhoneKind.MOBILE, PhoneKind.LANDLINE})


class ProfileForm(FlaskForm):
    name = StringField(_l("姓名"), filters=[strip], validators=[required(), max_length(60)])
    moved_in_on = DateField(_l("入住日期"), validators=[Optional(), within_years()],
                            render_kw={"type": "date"})
    preferred_contact_time = StringField(_l("方便联系时间"), filters=[strip],
                                         validators=[Optional(), max_length(40)])
    notes = TextAreaField(_l("备注"), filters=[strip], validators=[Optional(), max_length(500)])


class PhoneForm(FlaskForm):
    number = PhoneField(_l("电话号码"), kinds=PERSON_NUMBERS, required_field=True)
    note = StringField(_l("说明"), filters=[strip], validators=[Optional(), max_length(40)],
                       render_kw={"placeholder": _l("如：本人、爱人、单位")})
    preferred = BooleanField(_l("设为首选联系电话"))


def _relation_choices():
    return options((r.value, labels.RELATION[r]) for r in Relation)


class MembershipForm(FlaskForm):
    project_id = SelectField(_l("楼盘"), coerce=row_id, validate_choice=True)
    unit = StringField(_l("楼栋房号"), filters=[strip], validators=[required(), max_length(40)],
                       render_kw={"placeholder": "3栋1201 / 3-1201"})
    relation = SelectField(_l("关系"), choices=_relation_choices(), validators=[required()])
    moved_in_on = DateField(_l("入住日期"), validators=[Optional(), within_years()],
                            render_kw={"type": "date"})


class NewPersonForm(MembershipForm):
    name = StringField(_l("姓名"), filters=[strip], validators=[required(), max_length(60)])
    number = PhoneField(_l("联系电话"), kinds=PERSON_NUMBERS)


class MergeForm(FlaskForm):
    other_id = IntegerField(_l("另一份档案的编号"),
                            validators=[required(), NumberRange(min=1, max=2**31 - 1)])


class ImportForm(FlaskForm):
    file = FileField(_l("档案文件（.xlsx 或 .csv，不超过 5 MB）"))
    create_buildings = BooleanField(_l("允许新建楼盘和楼栋（首次导入时勾选）"))
    #: The dry run's kept file (``register_import.keep``): importing it needs no file chosen again.
    token = HiddenField(filters=[strip], validators=[Optional(), max_length(64)])

    @property
    def has_file(self) -> bool:
        return bool(self.file.data and getattr(self.file.data, "filename", ""))

    def validate_file(self, field):
        if not self.has_file and not self.token.data:
            raise ValidationError(_l("请选择要导入的文件。"))


class VisitForm(FlaskForm):
    kind = SelectField(_l("方式"), choices=options((k.value, labels.VISIT_KIND[k]) for k in VisitKind),
                       validators=[required()])
    on_date = DateField(_l("日期"), validators=[required(), within_years()], render_kw={"type": "date"})
    note = StringField(_l("记录"), filters=[strip], validators=[Optional(), max_length(500)])


class VisitPlanForm(FlaskForm):
    project_id = SelectField(_l("楼盘"), coerce=row_id, validate_choice=True)
    user_id = SelectField(_l("走访人"), coerce=row_id, validate_choice=True)
    planned = IntegerField(_l("计划走访户数"), validators=[required(), NumberRange(min=0, max=100000)])


_ANY_YES_NO = [("", _l("全部")), ("yes", _l("是")), ("no", _l("否"))]


class CallLogFilterForm(FlaskForm):
    """The call log's filters, from the query string (a GET: no CSRF token); every field optional."""

    class Meta:
        csrf = False

    start = DateField(_l("从"), validators=[Optional(), within_years()], render_kw={"type": "date"})
    end = DateField(_l("到"), validators=[Optional(), within_years()], render_kw={"type": "date"})
    agent_id = SelectField(_l("坐席"), coerce=row_id, validate_choice=True, default=0)
    category = SelectField(_l("类别"), validate_choice=True, default="",
                           choices=options([("", _l("全部")), *labels.CATEGORY.items()]))
    outcome = SelectField(_l("处理结果"), validate_choice=True, default="",
                          choices=options([("", _l("全部")), *labels.DISPOSITION.items()]))
    over = SelectField(_l("超过三分钟"), validate_choice=True, default="", choices=options(_ANY_YES_NO))
    rings = SelectField(_l("三声内接听"), validate_choice=True, default="", choices=options(_ANY_YES_NO))

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.agent_id.choices = options([(0, _l("全部"))] + [(u.id, u.display_name) for u in people])

    def validate_end(self, field):
        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError(_l("结束日期不能早于开始日期。"))

    def chosen(self) -> CallFilter:
        def yes_no(value):
            return None if not value else value == "yes"

        return CallFilter(start=self.start.data, end=self.end.data, agent_id=self.agent_id.data or None,
                          category=self.category.data or "", outcome=self.outcome.data or "",
                          over_three_minutes=yes_no(self.over.data), within_rings=yes_no(self.rings.data))
