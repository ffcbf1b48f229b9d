"""The audit log's filter (a GET form: bad dates are messages beside the fields, never a 500) and the
words the page shows for actions, objects and fields."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField
from wtforms.validators import Optional, ValidationError

from kiosk.forms.fields import options, row_id, within_years
from kiosk.services.audit import AuditFilter
from kiosk.web import labels

FIELD_LABELS = {
    "username": _l("用户名"), "display_name": _l("姓名"), "department": _l("部门"), "extension": _l("分机号"),
    "active": _l("启用"), "roles": _l("角色"), "code": _l("代码"), "name": _l("名称"), "phone": _l("电话"),
    "location": _l("位置"), "place": _l("地点"), "opens_at": _l("开放时间"), "closes_at": _l("关闭时间"),
    "pairing_expires_at": _l("配对码有效至"), "paired_at": _l("配对时间"), "revoked": _l("已停用"),
    "is_working_day": _l("上班"), "note": _l("备注"), "stage": _l("环节"), "text": _l("内容"),
    "sort_order": _l("顺序"), "floor": _l("楼层"), "info": _l("信息"), "question": _l("问题"),
    "answer": _l("答复"), "kind": _l("类别"), "position": _l("顺序"), "supervisor": _l("主管"),
    "mobile": _l("手机号码"), "alert_role": _l("通知对象"),
    "routine_working_days": _l("常规问题（工作日）"), "major_working_days": _l("重大问题（工作日）"),
    "complaint_hours": _l("服务质量投诉（小时）"), "emergency_minutes": _l("应急/隐患（分钟）"),
    "incident_report_working_days": _l("突发事件报告（工作日）"),
    "near_due_fraction": _l("临期提醒：剩余时限比例"),
    "near_due_minutes": _l("临期提醒：至少提前（分钟）"), "max_attempts": _l("回访未接通：最多拨打（次）"),
    "retry_after_minutes": _l("回访未接通：间隔（分钟）"),
}


#: Coded values shown in words (a role, a place, a phrase's stage, a round, whom an alert goes to).
VALUE_LABELS = {"roles": labels.ROLE, "place": labels.PLACE, "stage": labels.PHRASE_STAGE,
                "kind": {**labels.ROUND_KIND, **labels.WATCH_KIND}, "alert_role": labels.ALERT_ROLE}


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str


def _shown(field: str, value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_l("是") if value else _l("否"))
    labels = VALUE_LABELS.get(field, {})
    if isinstance(value, list):
        return "、".join(str(labels.get(v, v)) for v in value) or "—"
    return str(labels.get(value, value))


def changes(row) -> list[Change]:
    """A row's before → after, field by field, in words."""
    before, after = row.before or {}, row.after or {}
    return [Change(str(FIELD_LABELS.get(key, key)), _shown(key, before.get(key)), _shown(key, after.get(key)))
            for key in dict.fromkeys([*before, *after])]


class AuditFilterForm(FlaskForm):
    """Who, what and when; every field optional. Read from the query string (a GET: no CSRF token)."""

    class Meta:
        csrf = False

    actor_id = SelectField(_l("操作人"), coerce=row_id, validate_choice=True, default=0)
    object_type = SelectField(_l("对象"), validate_choice=True, default="",
                              choices=options([("", _l("全部")), *labels.AUDIT_OBJECT.items()]))
    action = SelectField(_l("操作"), validate_choice=True, default="",
                         choices=options([("", _l("全部")), *labels.AUDIT_ACTION.items()]))
    start = DateField(_l("从"), validators=[Optional(), within_years()],
                      render_kw={"type": "date"})
    end = DateField(_l("到"), validators=[Optional(), within_years()], render_kw={"type": "date"})

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.actor_id.choices = options([(0, _l("全部"))] + [(u.id, f"{u.username} · {u.display_name}")
                                                             for u in people])

    def validate_end(self, field):
        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError(_l("结束日期不能早于开始日期。"))

    def chosen(self) -> AuditFilter:
        return AuditFilter(actor_id=self.actor_id.data or None, object_type=self.object_type.data or "",
                           action=self.action.data or "", start=self.start.data, end=self.end.data)
