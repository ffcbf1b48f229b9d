"""The words people read for the coded values of the domain: one table per kind of value, in one place.

Every page, form, flash message and download takes its words from here; ``kiosk.web.templating`` hands the
tables to every template once, as ``labels`` (``labels.slip_status[slip.status]``). The tables are keyed
by the domain's enums; most are ``StrEnum``, so a value read back from the database (a plain string) finds
the same entry. A kind of value without an enum (a phrase's stage, a slip's own categories) is keyed by its
stored string.

Where two tables used to disagree for one value, the words below are the ones chosen:

* a callback's result reads 不满意 wherever it is shown (the old badge in the KPI rows said
  不满意（重新打开）); only the agent's choice on the callback form adds （重新打开）, because it tells the
  agent what choosing it does (``kiosk.forms.tasks.CALLBACK_CHOICES``).
* the rotation report's day/week/month are the KPI page's ``PERIOD_KIND`` (the same words, one table).

Kept elsewhere on purpose: the form-only words for actions that are no stored value (a presence
change, "I am back"; a check's 正常/有问题), the sentences that explain a KPI (``kiosk.web.reports``), and
the domain's ``label_zh`` properties (``VisitPurpose``, ``Place``, ``AlertRole``, ``RoundKind``, ``Priority``,
``CallbackResult``): those write Chinese into stored records (an alert's title, a slip's history, a call's
answer), which stay as written whatever language later reads them.
"""

from __future__ import annotations

from types import MappingProxyType

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from kiosk.domain.callbacks import CallbackResult
from kiosk.domain.classify import AlertRole, Place, VisitPurpose, WatchKind
from kiosk.domain.deadlines import DeadlineState, Priority
from kiosk.domain.hotline import AgentStatus, CallCategory, CallLost, CtiRefusal, Disposition, HangupCause
from kiosk.domain.incident_states import IncidentState
from kiosk.domain.kpi import KpiCode, KpiStatus, PeriodKind, Verdict
from kiosk.domain.messaging import DOCUMENT_REFERENCE, PROCEDURES, SECTION_REFERENCE, Channel
from kiosk.domain.messaging import Status as MessageStatus
from kiosk.domain.model_home import AssetEvent, DamageCause, RoundKind
from kiosk.domain.register import PhoneUse, Relation, UnitStatus, VisitKind
from kiosk.domain.register_import import Reason
from kiosk.domain.rotation import CustomerKind, Presence
from kiosk.domain.sales_pipeline import PipelineStep, ReminderOutcome
from kiosk.domain.schedules import JobHealth
from kiosk.domain.slip_lifecycle import Action, Status
from kiosk.domain.wallboard import Headline
from kiosk.models.people import Role
from kiosk.services.audit import Action as AuditAction
from kiosk.services.audit import ObjectType

# ---- people --------------------------------------------------------------------------------------------

ROLE = {
    Role.ADMIN: _l("管理员"),
    Role.SUPERVISOR: _l("主管"),
    Role.AGENT: _l("热线坐席"),
    Role.STAFF: _l("部门员工"),
    Role.SALES: _l("销售顾问"),
}

# ---- the owner register -------------------------------------------------------------------------------

RELATION = {
    Relation.OWNER: _l("业主"),
    Relation.CO_OWNER: _l("共有人"),
    Relation.TENANT: _l("租户"),
    Relation.FAMILY: _l("家庭成员"),
}
UNIT_STATUS = {
    UnitStatus.UNSOLD: _l("未售"),
    UnitStatus.DELIVERED: _l("已交付"),
    UnitStatus.OCCUPIED: _l("已入住"),
    UnitStatus.RENTED: _l("出租"),
    UnitStatus.VACANT: _l("空置"),
}
PHONE_USE = {PhoneUse.MOBILE: _l("手机"), PhoneUse.LANDLINE: _l("座机")}
VISIT_KIND = {
    VisitKind.HOME_VISIT: _l("上门走访"),
    VisitKind.PHONE_CALLBACK: _l("电话回访"),
    VisitKind.MEETING: _l("座谈"),
}
#: The fields of a person's file, as its history and "what is missing" name them.
PROFILE_FIELD = {
    "name": _l("姓名"), "mobile": _l("联系电话"), "unit": _l("房屋"), "moved_in_on": _l("入住日期"),
    "preferred_contact_time": _l("方便联系时间"), "notes": _l("备注"), "phones": _l("电话"),
    "units": _l("房屋"), "created": _l("建档"), "imported": _l("导入建档"), "merged": _l("合并档案"),
    "contact_time": _l("方便联系时间"),
}
IMPORT_OUTCOME = {"created": _l("新建"), "updated": _l("更新"), "unchanged": _l("无变化"),
                  "refused": _l("拒绝")}
#: The columns of an import, as its reasons name them.
IMPORT_FIELD = {
    "project": _l("楼盘"), "building": _l("楼栋"), "entrance": _l("单元"), "number": _l("房号"),
    "name": _l("业主姓名"), "phones": _l("电话"), "handed_over_on": _l("交房日期"), "area": _l("面积"),
    "layout": _l("户型"), "relation": _l("关系"), "status": _l("房屋状态"),
    "contact_time": _l("方便联系时间"), "notes": _l("备注"),
}
#: Why an import refuses a row or a file, and what it adds (``kiosk.domain.register_import.Reason``):
#: ``%(field)s`` is the column's name, ``%(value)s`` the value quoted; a ``changed`` reason reads as its
#: column's name.
IMPORT_REASON = {
    "phone_invalid": _l("电话号码无效：%(value)s"),
    "date_unreadable": _l("日期无法识别：%(value)s"),
    "date_impossible": _l("日期不存在：%(value)s"),
    "date_out_of_range": _l("日期不在 2000–2099 年之间"),
    "area_unreadable": _l("面积无法识别：%(value)s"),
    "area_unreasonable": _l("面积不合理：%(value)s"),
    "formula": _l("单元格含公式：%(value)s"),
    "missing": _l("缺少%(field)s"),
    "too_long": _l("%(field)s过长（最多 %(value)s 字）"),
    "relation_unknown": _l("关系无法识别：%(value)s"),
    "status_unknown": _l("房屋状态无法识别：%(value)s"),
    "duplicate": _l("与第 %(value)s 行重复（同一房屋同一人）"),
    "project_unknown": _l("楼盘不在档案中：%(value)s"),
    "building_unknown": _l("楼栋不在档案中：%(value)s"),
    "unit_created": _l("新增房屋"),
    "unit_joined": _l("登记到房屋"),
    "xlsx_unreadable": _l("无法读取这个 Excel 文件，请确认它是 .xlsx 格式且未损坏。"),
    "no_sheet": _l("文件中没有工作表。"),
    "too_many_rows": _l("文件行数超过 %(value)s 行，请分批导入。"),
    "csv_encoding": _l("无法识别 CSV 文件的编码，请另存为 UTF-8 或 GBK 编码。"),
    "csv_binary": _l("这不是文本格式的 CSV 文件。"),
    "csv_malformed": _l("CSV 文件格式有误，无法读取。"),
    "too_large": _l("文件超过 %(value)s MB，请分批导入。"),
    "empty": _l("文件是空的。"),
    "wrong_type": _l("只能导入 .xlsx 或 .csv 文件。"),
    "upload_gone": _l("这次预检的文件已导入或已过期，请重新选择文件预检。"),
    "no_header": _l("找不到表头：文件前 10 行中应有一行包含楼盘、楼栋、房号、业主姓名等列。"),
}


def import_reason(reason: Reason) -> str:
    """An import's reason in the reader's language (``缺少楼栋`` / "Missing building")."""
    if reason.code == "changed":
        return str(IMPORT_FIELD[reason.field])
    return str(IMPORT_REASON[reason.code]) % {"field": IMPORT_FIELD.get(reason.field, reason.field),
                                              "value": reason.value}


# ---- visitors ------------------------------------------------------------------------------------------

VISIT_PURPOSE = {
    VisitPurpose.VIEWING: _l("看房"),
    VisitPurpose.OWNER_BUSINESS: _l("业主办事"),
    VisitPurpose.COMPLAINT: _l("投诉"),
    VisitPurpose.REPAIR: _l("报修"),
    VisitPurpose.VISITING_PERSON: _l("找人"),
    VisitPurpose.DELIVERY_PROMOTION: _l("送货/推销"),
    VisitPurpose.JOB_INTERVIEW: _l("面试"),
    VisitPurpose.MEDIA_INTERVIEW: _l("媒体采访"),
    VisitPurpose.GOVERNMENT_INSPECTION: _l("检查（公检法/工商/税务）"),
    VisitPurpose.FORMER_EMPLOYEE: _l("离职员工"),
    VisitPurpose.OTHER: _l("其他"),
}
PLACE = {
    Place.SERVICE_CENTRE: _l("客服中心"),
    Place.MANAGEMENT_OFFICE: _l("管理处"),
    Place.SALES_OFFICE: _l("售楼处"),
    Place.MODEL_HOME: _l("样板间"),
}
ALERT_ROLE = {
    AlertRole.SERVICE_CENTRE: _l("客服中心（客服主任）"),
    AlertRole.SERVICE_CENTRE_SUPERVISOR: _l("客服主管"),
    AlertRole.HR: _l("人力资源部"),
    AlertRole.HR_OFFICER: _l("人事专管员"),
    AlertRole.PR_ADMIN: _l("行政公关部"),
    AlertRole.OFFICE_DIRECTOR: _l("管理处主任"),
    AlertRole.OFFICE_SERVICE_SUPERVISOR: _l("管理处客服主任"),
}

INCIDENT_STATE = {
    IncidentState.AWAITING: _l("待确认"),
    IncidentState.HANDLING: _l("处理中"),
    IncidentState.REPORT_DUE: _l("已关闭 · 报告待交"),
    IncidentState.REPORT_OVERDUE: _l("已关闭 · 报告逾期"),
    IncidentState.DONE: _l("已结案"),
}

WATCH_KIND = {
    WatchKind.FORMER_EMPLOYEE: _l("离职或被辞退的员工"),
    WatchKind.BLOCKED_COMPLAINANT: _l("可能来投诉的业主或投诉人"),
    WatchKind.OTHER: _l("其他"),
}

# ---- task slips ----------------------------------------------------------------------------------------

SLIP_STATUS = {
    Status.NEW: _l("待派单"),
    Status.DISPATCHED: _l("已派单"),
    Status.ACCEPTED: _l("已签收"),
    Status.REJECTED: _l("已退回"),
    Status.IN_PROGRESS: _l("处理中"),
    Status.WAITING_ON_OWNER: _l("等待业主"),
    Status.RESOLVED: _l("已办结"),
    Status.CALLED_BACK: _l("已回访"),
    Status.CLOSED: _l("已关闭"),
}
PRIORITY = {
    Priority.ROUTINE: _l("常规"),
    Priority.MAJOR: _l("重大"),
    Priority.EMERGENCY: _l("应急/隐患"),
    Priority.COMPLAINT: _l("投诉"),
}
#: Every category a slip can have: a call's ``CallCategory``, or one of the three a staff member or a
#: model home's failed check may also choose (repair, cleaning, security: stored strings, no enum).
CATEGORY = {
    "repair": _l("维修"),
    "cleaning": _l("保洁"),
    "security": _l("秩序/安全"),
    CallCategory.INQUIRY: _l("咨询"),
    CallCategory.SERVICE_REQUEST: _l("服务需求（报修）"),
    CallCategory.COMPLAINT: _l("投诉"),
    CallCategory.EMERGENCY: _l("应急/隐患"),
    CallCategory.SUGGESTION: _l("建议"),
    CallCategory.OTHER: _l("其他"),
}
#: What a slip's history line says happened: the lifecycle's actions, and what the system records itself.
SLIP_EVENT = {
    "opened": _l("开单"),
    Action.DISPATCH: _l("派单"),
    Action.REASSIGN: _l("改派"),
    Action.ACCEPT: _l("签收"),
    Action.REJECT: _l("退回"),
    Action.START: _l("开始处理"),
    Action.WAIT: _l("等待业主"),
    Action.RESUME: _l("继续处理"),
    Action.NOTE: _l("进展"),
    Action.RESOLVE: _l("办结"),
    Action.CALLBACK: _l("回访"),
    "callback_attempt": _l("回访未接通"),
    Action.CLOSE: _l("关闭"),
    Action.REOPEN: _l("重新打开"),
    Action.PRIORITY: _l("调整优先级"),
    Action.DEADLINE: _l("调整截止时间"),
    "escalated": _l("超时升级"),
}
#: A slip's deadline as its badge reads: the running clock's state, or paused (waiting on the owner), or done.
DEADLINE = {
    DeadlineState.OK: _l("正常"),
    DeadlineState.NEAR_DUE: _l("临期"),
    DeadlineState.OVERDUE: _l("已超时"),
    "paused": _l("已暂停"),
    "done": _l("已办结"),
}
SLIP_SOURCE = {"call": _l("来电"), "visit": _l("来访"), "staff": _l("员工报事")}
#: The buttons of a slip (an action's name as a verb; the history says what it did, ``SLIP_EVENT``).
SLIP_ACTION = {
    Action.DISPATCH: _l("派单"),
    Action.REASSIGN: _l("改派"),
    Action.ACCEPT: _l("签收"),
    Action.REJECT: _l("退回"),
    Action.START: _l("开始处理"),
    Action.WAIT: _l("等待业主（暂停计时）"),
    Action.RESUME: _l("继续处理"),
    Action.NOTE: _l("添加进展"),
    Action.RESOLVE: _l("办结"),
    Action.CLOSE: _l("关闭"),
    Action.REOPEN: _l("重新打开"),
    Action.PRIORITY: _l("调整优先级"),
    Action.DEADLINE: _l("调整截止时间"),
}
#: What the text an action asks for is called.
SLIP_ACTION_NOTE = {
    Action.REJECT: _l("退回原因"),
    Action.WAIT: _l("等待原因"),
    Action.NOTE: _l("进展说明"),
    Action.RESOLVE: _l("处理结果"),
    Action.REOPEN: _l("重新打开原因"),
    Action.PRIORITY: _l("调整原因"),
    Action.DEADLINE: _l("调整原因"),
    Action.REASSIGN: _l("改派原因"),
}
CALLBACK_RESULT = {
    CallbackResult.SATISFIED: _l("满意"),
    CallbackResult.BASICALLY_SATISFIED: _l("基本满意"),
    CallbackResult.UNSATISFIED: _l("不满意"),
    CallbackResult.UNREACHABLE: _l("未接通"),
}

# ---- hotline -------------------------------------------------------------------------------------------

#: The stages of a call that the standard phrases are filed under (``ScriptPhrase.stage``), in call order.
PHRASE_STAGE = {
    "greeting": _l("问候"),
    "ask_surname": _l("询问贵姓"),
    "calming": _l("安抚"),
    "ask_repeat": _l("请求重复"),
    "recording": _l("记录"),
    "waiting": _l("致歉久等"),
    "anything_else": _l("询问补充"),
    "transferring": _l("转接"),
    "complaint_accepted": _l("投诉受理"),
    "suggestion_thanks": _l("感谢建议"),
    "goodbye": _l("结束语"),
}
DISPOSITION = {
    Disposition.ANSWERED_ON_SPOT: _l("当场答复"),
    Disposition.SLIP: _l("派任务单"),
    Disposition.TRANSFERRED: _l("转相关部门"),
    Disposition.COMPLAINT: _l("投诉受理（24 小时答复）"),
    Disposition.EMERGENCY: _l("应急上报"),
    Disposition.SUGGESTION: _l("感谢建议并登记"),
    Disposition.CALLBACK: _l("回访"),
}
AGENT_STATE = {
    AgentStatus.AVAILABLE: _l("空闲"),
    AgentStatus.ON_CALL: _l("通话中"),
    AgentStatus.WRAP_UP: _l("话后整理"),
    AgentStatus.PAUSED: _l("暂停"),
    AgentStatus.OFFLINE: _l("离线"),
}
HANGUP_CAUSE = {
    HangupCause.NORMAL: _l("正常挂断"),
    HangupCause.BUSY: _l("对方占线"),
    HangupCause.CANCEL: _l("接听前挂断"),
    HangupCause.NO_ANSWER: _l("无人接听"),
    HangupCause.CONGESTION: _l("线路拥塞"),
    HangupCause.NOT_FOUND: _l("号码不存在"),
    HangupCause.FORWARDED: _l("已转接"),
}
#: What a call's history (``CallChange.kind``) says was changed.
CALL_CHANGE = {"caller": _l("来电人")}
#: The wallboard's headline numbers.
WALL_HEADLINE = {
    Headline.CALLS_WAITING: _l("等待接听"),
    Headline.LONGEST_WAIT: _l("最长等待"),
    Headline.WITHIN_THREE_RINGS: _l("今日三声内接听"),
    Headline.OVER_THREE_MINUTES: _l("今日超三分钟通话"),
    Headline.SLIPS_OVERDUE: _l("超时任务单"),
    Headline.OPEN_INCIDENTS: _l("未关闭突发事件"),
    Headline.VISITORS_ON_SITE: _l("在场访客（人）"),
}
#: Why a call was closed without its hangup.
CALL_LOST = {CallLost.NO_EVENT: _l("电话系统长时间没有消息，已按丢失结束")}
#: Why a switchboard's event was refused.
CTI_REFUSAL = {
    CtiRefusal.BAD_SIGNATURE: _l("签名无效"),
    CtiRefusal.CLOCK_SKEW: _l("时间偏差过大"),
    CtiRefusal.TOO_DEEP: _l("嵌套过深"),
    CtiRefusal.MALFORMED: _l("格式错误"),
    CtiRefusal.BAD_TOKEN: _l("地址令牌无效"),
}

# ---- sales office and model homes ----------------------------------------------------------------------

PIPELINE_STEP = {
    PipelineStep.REGISTERED: _l("客户登记"),
    PipelineStep.DEPOSIT: _l("收取定金"),
    PipelineStep.SUBSCRIPTION: _l("签署认购书"),
    PipelineStep.DOWN_PAYMENT: _l("交首期款"),
    PipelineStep.PURCHASE_CONTRACT: _l("签署买卖合同"),
    PipelineStep.MORTGAGE: _l("办理按揭"),
    PipelineStep.HANDOVER: _l("入伙"),
}
REMINDER_OUTCOME = {
    ReminderOutcome.NOTIFIED: _l("已通知，客户确认"),
    ReminderOutcome.NOT_REACHED: _l("未联系上（已留言）"),
    ReminderOutcome.CANNOT_MAKE_IT: _l("客户表示不能按期"),
}
#: Who signed a subscription (stored as the form's choice).
SIGNER = {"buyer": _l("买方本人签署"), "agent": _l("买方书面委托的代理人签署")}
#: Who walked in, as the front desk tells it (the rotation's customer kinds).
CUSTOMER_KIND = {
    CustomerKind.NEW_WALK_IN: _l("新客户"),
    CustomerKind.RETURNING: _l("老客户回访"),
    CustomerKind.RETURNING_RECOGNISED: _l("老客户（销售人员进门认出）"),
    CustomerKind.RETURNING_REBOOKING: _l("老客户再次定房"),
    CustomerKind.WITHDRAWN_RETURNING: _l("已退房客户再次来访"),
    CustomerKind.BROUGHT_BY_OLD_CUSTOMER: _l("老客户带来的新客户"),
    CustomerKind.PEER: _l("同行"),
    CustomerKind.PURPOSE_UNSTATED: _l("未说明来意"),
    CustomerKind.UNRELATED_TO_SALES: _l("与售楼无关"),
    CustomerKind.LOOKING_FOR_SOMEONE: _l("找人"),
    CustomerKind.PROMOTION: _l("推销"),
    CustomerKind.COMPANY_STAFF: _l("公司及关联单位人员"),
}
PRESENCE = {
    Presence.AT_DESK: _l("在岗"),
    Presence.LEFT: _l("不在现场"),
    Presence.ON_LEAVE: _l("请假/休假"),
    Presence.ON_COMPANY_BUSINESS: _l("公务外出"),
    Presence.BUSY_OWN_WORK: _l("处理工作事务"),
    Presence.BUSY_LEADER_ASSIGNED: _l("处理领导安排的工作"),
}
#: The first three places of the rotation.
UP_NEXT = (_l("一接"), _l("二接"), _l("三接"))
ROUND_KIND = {
    RoundKind.OPENING: _l("开店检查（8:30 上岗）"),
    RoundKind.HOURLY: _l("每小时清点"),
    RoundKind.CLOSING: _l("闭店检查（19:00）"),
}
ASSET_EVENT = {AssetEvent.LOST: _l("丢失"), AssetEvent.DAMAGED: _l("损坏")}
DAMAGE_CAUSE = {DamageCause.NOT_BY_A_PERSON: _l("非人为损坏"), DamageCause.BY_A_PERSON: _l("人为损坏")}

# ---- KPIs ----------------------------------------------------------------------------------------------

KPI = {
    KpiCode.ANSWERED_WITHIN_THREE_RINGS: _l("三声内接听率"),
    KpiCode.OVER_THREE_MINUTES: _l("超三分钟通话占比"),
    KpiCode.AVERAGE_HANDLING_TIME: _l("平均通话时长"),
    KpiCode.P90_HANDLING_TIME: _l("通话时长P90"),
    KpiCode.COMPLAINT_TIMELINESS: _l("投诉处理及时率"),
    KpiCode.VALID_COMPLAINT_SATISFACTION: _l("有效投诉处理满意率"),
    KpiCode.CALLBACK_COVERAGE: _l("回访率"),
    KpiCode.ANNUAL_VISIT_COVERAGE: _l("年度访问覆盖率"),
    KpiCode.OWNER_PROFILE_COMPLETENESS: _l("客户动态档案建档率"),
    KpiCode.SLIPS_OVERDUE: _l("任务单超时率"),
    KpiCode.INCIDENT_REPORTS_ON_TIME: _l("突发事件记录表按时率"),
    KpiCode.ROTATION_FAIRNESS: _l("轮值接待差"),
}
KPI_STATUS = {KpiStatus.MET: _l("达标"), KpiStatus.MISSED: _l("未达标"), KpiStatus.NO_DATA: _l("无数据")}
#: How one row behind a KPI was judged.
VERDICT = {Verdict.MET: _l("达标"), Verdict.MISSED: _l("未达标"), Verdict.NOT_COUNTED: _l("不计")}
PERIOD_KIND = {PeriodKind.DAY: _l("日"), PeriodKind.WEEK: _l("周"), PeriodKind.MONTH: _l("月")}
#: What a KPI breakdown counts its rows by (``kiosk.services.kpi``'s dimensions).
KPI_DIMENSION = {
    "agent": _l("坐席"),
    "department": _l("部门"),
    "project": _l("项目"),
    "class": _l("突发事件类别"),
}

# ---- administration ------------------------------------------------------------------------------------

JOB_HEALTH = {
    JobHealth.NEVER_STARTED: _l("从未运行"),
    JobHealth.RUNNING: _l("运行中"),
    JobHealth.LATE: _l("逾期未运行"),
    JobHealth.FAILED: _l("上次运行失败"),
    JobHealth.OK: _l("正常"),
}
AUDIT_ACTION = {
    AuditAction.USER_CREATED: _l("创建用户"),
    AuditAction.USER_CHANGED: _l("修改用户资料"),
    AuditAction.USER_ROLES: _l("修改角色"),
    AuditAction.USER_DEACTIVATED: _l("停用用户"),
    AuditAction.USER_REACTIVATED: _l("重新启用用户"),
    AuditAction.USER_PASSWORD_RESET: _l("管理员重设密码"),
    AuditAction.DEPARTMENT_CREATED: _l("新建部门"),
    AuditAction.DEPARTMENT_CHANGED: _l("修改部门"),
    AuditAction.DEVICE_REGISTERED: _l("登记访客终端"),
    AuditAction.DEVICE_PAIRING_CODE: _l("生成配对码"),
    AuditAction.DEVICE_PAIRED: _l("终端完成配对"),
    AuditAction.DEVICE_REVOKED: _l("停用访客终端"),
    AuditAction.CALENDAR_SET: _l("设置公司日历"),
    AuditAction.CALENDAR_REMOVED: _l("删除公司日历安排"),
    AuditAction.DEADLINE_POLICY: _l("修改时限设置"),
    AuditAction.CALLBACK_RETRY_POLICY: _l("修改回访重拨设置"),
    AuditAction.ENTRY_CREATED: _l("新增条目"),
    AuditAction.ENTRY_CHANGED: _l("修改条目"),
    AuditAction.ENTRY_DELETED: _l("删除条目"),
    AuditAction.CHECK_CREATED: _l("新增检查项"),
    AuditAction.CHECK_CHANGED: _l("修改检查项"),
    AuditAction.MODEL_HOME_SUPERVISOR: _l("设置样板间主管"),
    AuditAction.WATCH_ADDED: _l("加入关注名单"),
    AuditAction.WATCH_CHANGED: _l("修改关注名单"),
    AuditAction.WATCH_REMOVED: _l("移出关注名单"),
    AuditAction.MESSAGE_ROUTE: _l("修改消息发送渠道"),
    AuditAction.MESSAGE_GROUP: _l("设置部门企业微信群"),
    AuditAction.SMS_TEMPLATE: _l("审核短信模板"),
    AuditAction.WEBHOOK_TOKEN: _l("生成总机通用接口令牌"),
}
AUDIT_OBJECT = {
    ObjectType.USER: _l("用户"),
    ObjectType.DEPARTMENT: _l("部门"),
    ObjectType.DEVICE: _l("访客终端"),
    ObjectType.CALENDAR: _l("工作日历"),
    ObjectType.POLICY: _l("时限设置"),
    ObjectType.PHRASE: _l("标准话术"),
    ObjectType.ANSWER: _l("答客问"),
    ObjectType.DIRECTORY: _l("“114”通讯录"),
    ObjectType.CHECK: _l("样板间检查项"),
    ObjectType.MODEL_HOME: _l("样板间"),
    ObjectType.WATCH: _l("关注名单"),
    ObjectType.MESSAGING: _l("消息设置"),
    ObjectType.SWITCHBOARD: _l("总机"),
}

# ---- messages away from the screen ---------------------------------------------------------------------

CHANNEL = {
    Channel.BELL: _l("站内通知"),
    Channel.WECOM_GROUP: _l("企业微信群"),
    Channel.WECOM_APP: _l("企业微信"),
    Channel.SMS: _l("短信"),
    Channel.EMAIL: _l("邮件"),
}
MESSAGE_STATUS = {
    MessageStatus.PENDING: _l("待发送"),
    MessageStatus.CLAIMED: _l("待发送"),
    MessageStatus.SENDING: _l("发送中"),
    MessageStatus.SENT: _l("已发送"),
    MessageStatus.DEAD: _l("发送失败"),
    MessageStatus.UNKNOWN: _l("结果未知"),
}
#: The event kinds admins route (the keys of kiosk.domain.messaging.ROUTES) and the customers' SMS purposes.
MESSAGE_KIND = {
    "visitor_incident": _l("来访突发事件（A/B/C类）、关注名单"),
    "alert_escalated": _l("无人确认的紧急提醒（逐级上报）"),
    "visitor_arrived": _l("访客到达（通知被访人）"),
    "model_home_visitor": _l("样板间客户独自等候"),
    "slip_dispatched": _l("任务单派单"),
    "slip_near_due": _l("任务单即将超时"),
    "slip_overdue": _l("任务单超时"),
    "slip_escalated": _l("任务单超时升级"),
    "hotline_emergency": _l("热线应急/隐患"),
    "complaint_received": _l("收到投诉"),
    "callback_due": _l("每日待回访汇总（每位坐席每天一条）"),
    "callback_unreachable": _l("回访多次未接通"),
    "correction_callback": _l("答复有误须回拨纠正"),
    "sales_payment": _l("首期款/按揭提醒与逾期上报"),
    "model_home_missed": _l("样板间巡查漏检"),
    "job_failed": _l("定时任务运行失败"),
    "job_late": _l("定时任务未按时运行"),
    "message_undelivered": _l("消息发送失败"),
    "visitor_badge": _l("访客电子胸卡短信（发给访客本人）"),
    "down_payment_due": _l("首期款缴付提醒（客户）"),
    "mortgage_due": _l("按揭办理提醒（客户）"),
    "staff_alert": _l("员工提醒短信（无企业微信的员工）"),
}

# ---- the company's procedures, where a page cites its rule ---------------------------------------------

#: The company documents the rules come from, by the number the code's docstrings cite them with: the
#: domain's list (``kiosk.domain.messaging.PROCEDURES``), translated (the names' English is in messages.po).
PROCEDURE = {number: _l(name) for number, name in PROCEDURES.items()}


def cite(reference: str | None) -> str:
    """A rule's reference as people read it:
    ``seed 003 §2(11)`` → 《物业热线服务岗位服务流程与规范》第2条(11).

    Rules are recorded with the developers' short reference (the domain's ``Kpi.seed``, an incident's
    ``rule``, also on rows stored before this); a page or a download shows the document's name instead.
    """
    if not reference:
        return ""
    named = DOCUMENT_REFERENCE.sub(lambda m: str(PROCEDURE.get(m.group(1), m.group(0))), reference)
    return SECTION_REFERENCE.sub(lambda m: _("第%(n)s条", n=m.group(1)), named)


#: What templates read as ``labels``: each table by its lower-case name (``labels.slip_status``).
FOR_TEMPLATES = MappingProxyType({
    "role": ROLE, "visit_purpose": VISIT_PURPOSE, "place": PLACE, "alert_role": ALERT_ROLE,
    "watch_kind": WATCH_KIND, "incident_state": INCIDENT_STATE,
    "slip_status": SLIP_STATUS, "priority": PRIORITY, "category": CATEGORY, "slip_event": SLIP_EVENT,
    "deadline": DEADLINE, "slip_source": SLIP_SOURCE, "slip_action": SLIP_ACTION,
    "slip_action_note": SLIP_ACTION_NOTE, "callback_result": CALLBACK_RESULT, "phrase_stage": PHRASE_STAGE,
    "disposition": DISPOSITION, "agent_state": AGENT_STATE, "call_change": CALL_CHANGE,
    "call_lost": CALL_LOST, "hangup_cause": HANGUP_CAUSE, "wall_headline": WALL_HEADLINE,
    "cti_refusal": CTI_REFUSAL,
    "pipeline_step": PIPELINE_STEP, "reminder_outcome": REMINDER_OUTCOME,
    "signer": SIGNER, "customer_kind": CUSTOMER_KIND, "presence": PRESENCE, "up_next": UP_NEXT,
    "round_kind": ROUND_KIND, "asset_event": ASSET_EVENT, "damage_cause": DAMAGE_CAUSE, "kpi": KPI,
    "kpi_status": KPI_STATUS, "verdict": VERDICT, "period_kind": PERIOD_KIND, "kpi_dimension": KPI_DIMENSION,
    "job_health": JOB_HEALTH, "audit_action": AUDIT_ACTION, "audit_object": AUDIT_OBJECT,
    "procedure": PROCEDURE, "channel": CHANNEL, "message_status": MESSAGE_STATUS,
    "message_kind": MESSAGE_KIND,
    "relation": RELATION, "unit_status": UNIT_STATUS, "phone_use": PHONE_USE,
    "visit_kind": VISIT_KIND, "profile_field": PROFILE_FIELD, "import_outcome": IMPORT_OUTCOME,
    "import_reason": import_reason,
})
