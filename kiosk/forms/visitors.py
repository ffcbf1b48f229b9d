"""Staff forms for the kiosk: devices, the watch list, appointments, incidents."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import Optional, ValidationError

from kiosk.domain.classify import IncidentClass, VisitPurpose, WatchKind
from kiosk.domain.incident_states import IncidentState
from kiosk.domain.phone_numbers import MOBILE_ONLY
from kiosk.forms.fields import (
    PhoneField,
    SubmissionKeyField,
    max_length,
    options,
    required,
    row_id,
    strip,
    within_years,
)
from kiosk.forms.visitor_kiosk import validate_person_name
from kiosk.services.incidents import WATCH_LIST, IncidentFilter
from kiosk.web import labels


class MobileSearchForm(FlaskForm):
    mobile = PhoneField(_l("按手机号码查找"), kinds=MOBILE_ONLY, required_field=True)


class DeviceForm(FlaskForm):
    name = StringField(_l("设备名称"), filters=[strip], validators=[required(), max_length(60)])
    place = SelectField(_l("位置"), choices=options(labels.PLACE.items()), validators=[required()])
    opens_at = TimeField(_l("开放时间"), validators=[required()])
    closes_at = TimeField(_l("关闭时间"), validators=[required()])

    def __init__(self, *args, taken=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._taken = taken

    def validate_name(self, field):
        if self._taken and self._taken(field.data):
            raise ValidationError(_l("该名称已被使用。"))

    def validate_closes_at(self, field):
        if field.data and self.opens_at.data and field.data <= self.opens_at.data:
            raise ValidationError(_l("关闭时间应晚于开放时间。"))


class WatchPersonForm(FlaskForm):
    name = StringField(_l("姓名"), filters=[strip], validators=[required(), max_length(40)])
    mobile = PhoneField(_l("手机号码"), kinds=MOBILE_ONLY)
    kind = SelectField(_l("名单类别"), choices=options(labels.WATCH_KIND.items()),
                       default=WatchKind.OTHER.value)
    alert_role = SelectField(_l("通知对象"), choices=options([
        ("", _l("按类别（离职员工：人力资源部；其他：客服主管）"))] + [
        (role.value, label) for role, label in labels.ALERT_ROLE.items()
    ]))
    note = StringField(_l("说明"), filters=[strip], validators=[Optional(), max_length(200)])

    def validate_name(self, field):
        validate_person_name(field)


class AppointmentForm(FlaskForm):
    visitor_name = StringField(_l("访客姓名"), filters=[strip], validators=[required(), max_length(40)])
    mobile = PhoneField(_l("访客手机号码"), kinds=MOBILE_ONLY)
    purpose = SelectField(_l("来访事由"), choices=options(labels.VISIT_PURPOSE.items()),
                          default=VisitPurpose.VISITING_PERSON.value)
    starts_at = DateTimeLocalField(_l("开始时间"), validators=[required(), within_years()])
    ends_at = DateTimeLocalField(_l("结束时间"), validators=[required(), within_years()])
    host_id = SelectField(_l("接待人"), coerce=row_id, validate_choice=True)
    submission_key = SubmissionKeyField()

    def validate_visitor_name(self, field):
        validate_person_name(field)

    def validate_ends_at(self, field):
        if field.data and self.starts_at.data and field.data <= self.starts_at.data:
            raise ValidationError(_l("结束时间应晚于开始时间。"))


class IncidentForm(FlaskForm):
    handled_by = StringField(_l("处理人"), filters=[strip], validators=[Optional(), max_length(100)])
    actions = TextAreaField(_l("处理经过"), filters=[strip], validators=[Optional(), max_length(4000)])
    outcome = TextAreaField(_l("处理结果"), filters=[strip], validators=[Optional(), max_length(4000)])
    close = BooleanField(_l("事件已处理完毕，关闭"))

    def validate_close(self, field):
        if field.data and not (self.handled_by.data and self.outcome.data):
            raise ValidationError(_l("关闭前请填写处理人和处理结果。"))


class IncidentFilterForm(FlaskForm):
    """The incident list's filter: class, state and the days opened; every field optional (a GET form)."""

    class Meta:
        csrf = False

    incident_class = SelectField(_l("类别"), validate_choice=True, default="", choices=options([
        ("", _l("全部")), *[(c.value, _l("%(c)s 类", c=c.value)) for c in IncidentClass],
        (WATCH_LIST, _l("关注名单")),
    ]))
    state = SelectField(_l("状态"), validate_choice=True, default="",
                        choices=options([("", _l("全部")), *labels.INCIDENT_STATE.items()]))
    start = DateField(_l("从"), validators=[Optional(), within_years()], render_kw={"type": "date"})
    end = DateField(_l("到"), validators=[Optional(), within_years()], render_kw={"type": "date"})

    def validate_end(self, field):
        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError(_l("结束日期不能早于开始日期。"))

    def chosen(self) -> IncidentFilter:
        return IncidentFilter(incident_class=self.incident_class.data or "",
                              state=IncidentState(self.state.data) if self.state.data else None,
                              start=self.start.data, end=self.end.data)
