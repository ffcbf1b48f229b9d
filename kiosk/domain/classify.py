"""Visit classification: which visits are office incidents (突发事件), and whom to alert.

Seed 000 §3 (办公区域突发事件的分类):

* **A类**: "业主没有预约且非常不理性的投诉到访" -- an owner's complaint visit without appointment.
* **B类**: "被辞退或被批评的员工没有预约且非常不理性的投诉到访" -- a dismissed or disciplined employee's
  complaint visit without appointment.
* **C类**: "未经预约的媒体采访；公检法、工商、税务等政府部门人员的突然到访检查" -- an unannounced media
  interview, or a sudden police/procuratorate/court, industry-and-commerce or tax inspection.

Whom to alert depends on where the visit is (seed 000 §4 for company offices, §5 for a management
office's service centre):

=====  ===========================================  ==============================================
class  company office (§4): service centre,          management office 管理处 (§5)
       sales office, model home
=====  ===========================================  ==============================================
A      客服中心 / 客服主任 (§4 A2)                    管理处客服主任 (§5 A1), escalate 客服主任 (§5 A3)
B      人力资源部 (§4 B2)                             管理处主任 (§5 B1), escalate 人事专管员 (§5 B2)
C      行政公关部 (§4 C1)                             管理处主任 (§5 C1), who informs 行政公关部 (§5 C3)
=====  ===========================================  ==============================================

Choices where the seed is ambiguous (a supervisor's reading, tested):

* "非常不理性" (very irrational) cannot be judged by a tablet. Every complaint visit without appointment
  by an owner (or by a dismissed/disciplined employee) raises the alert as a *possible* A (B) incident;
  the alerted role stands it down if the visitor is calm. Missing a real incident costs more than an
  unneeded alert.
* The sales office and the model home are company premises, not a management office (seed 000 §2
  scope), so they follow §4.
* A former employee who signs in with purpose 离职员工 and no appointment is a possible B incident: the
  kiosk offers one purpose, and seed 000 §4 B1 asks that any sign an employee may come to complain reach
  HR at once. With an appointment it is ordinary business.
* An owner who is also a former employee and comes to complain is class A (the complaint is received as
  an owner's); purpose 离职员工 still gives B.
* A pre-arranged media interview or inspection (with appointment) is no incident.

Watch list: a name/mobile a department has flagged in advance ("公司任何部门或个人发现有业主可能到公司进行
投诉的信息后须在第一时间通知客服中心", seed 000 §4 A1; for employees §4 B1). A hit alerts the role the entry
names, else the one its kind calls for (a former employee: HR; anyone else: the service-centre supervisor
客服主管), whether or not the visit is an incident.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from kiosk.domain.masking import normalise_mobile


class VisitPurpose(StrEnum):
    """Why the visitor came (DOMAIN.md §1; the kiosk's purpose buttons)."""

    VIEWING = "viewing"  # 看房
    OWNER_BUSINESS = "owner_business"  # 业主办事
    COMPLAINT = "complaint"  # 投诉
    REPAIR = "repair"  # 报修
    VISITING_PERSON = "visiting_person"  # 找人
    DELIVERY_PROMOTION = "delivery_promotion"  # 送货/推销
    JOB_INTERVIEW = "job_interview"  # 面试
    MEDIA_INTERVIEW = "media_interview"  # 媒体采访
    GOVERNMENT_INSPECTION = "government_inspection"  # 检查 (公检法/工商/税务)
    FORMER_EMPLOYEE = "former_employee"  # 离职员工
    OTHER = "other"  # 其他

    @property
    def label_zh(self) -> str:
        return _PURPOSE_LABELS[self]


_PURPOSE_LABELS = {
    VisitPurpose.VIEWING: "看房",
    VisitPurpose.OWNER_BUSINESS: "业主办事",
    VisitPurpose.COMPLAINT: "投诉",
    VisitPurpose.REPAIR: "报修",
    VisitPurpose.VISITING_PERSON: "找人",
    VisitPurpose.DELIVERY_PROMOTION: "送货/推销",
    VisitPurpose.JOB_INTERVIEW: "面试",
    VisitPurpose.MEDIA_INTERVIEW: "媒体采访",
    VisitPurpose.GOVERNMENT_INSPECTION: "检查（公检法/工商/税务）",
    VisitPurpose.FORMER_EMPLOYEE: "离职员工",
    VisitPurpose.OTHER: "其他",
}


class Place(StrEnum):
    """Where the kiosk stands."""

    SERVICE_CENTRE = "service_centre"  # 客服中心
    MANAGEMENT_OFFICE = "management_office"  # 管理处 (seed 000 §5)
    SALES_OFFICE = "sales_office"  # 售楼处
    MODEL_HOME = "model_home"  # 样板间

    @property
    def label_zh(self) -> str:
        return {
            "service_centre": "客服中心",
            "management_office": "管理处",
            "sales_office": "售楼处",
            "model_home": "样板间",
        }[self.value]


class IncidentClass(StrEnum):
    A = "A"
    B = "B"
    C = "C"


class AlertRole(StrEnum):
    """Roles an incident or watch-list alert goes to (seed 000 §4, §5)."""

    SERVICE_CENTRE = "service_centre"  # 客服中心 / 客服主任 (§4 A2, §5 A3)
    SERVICE_CENTRE_SUPERVISOR = "service_centre_supervisor"  # 客服主管 (watch list default)
    HR = "hr"  # 人力资源部 (§4 B2)
    HR_OFFICER = "hr_officer"  # 人事专管员 (§5 B2)
    PR_ADMIN = "pr_admin"  # 行政公关部 (§4 C1, §5 C3)
    OFFICE_DIRECTOR = "office_director"  # 管理处主任 (§5 B1, C1)
    OFFICE_SERVICE_SUPERVISOR = "office_service_supervisor"  # 管理处客服主任 (§5 A1)

    @property
    def label_zh(self) -> str:
        return _ROLE_LABELS[self]


_ROLE_LABELS = {
    AlertRole.SERVICE_CENTRE: "客服中心（客服主任）",
    AlertRole.SERVICE_CENTRE_SUPERVISOR: "客服主管",
    AlertRole.HR: "人力资源部",
    AlertRole.HR_OFFICER: "人事专管员",
    AlertRole.PR_ADMIN: "行政公关部",
    AlertRole.OFFICE_DIRECTOR: "管理处主任",
    AlertRole.OFFICE_SERVICE_SUPERVISOR: "管理处客服主任",
}


# ---- watch list ----------------------------------------------------------------------------------


class WatchKind(StrEnum):
    """Why a person is on the watch list; decides whom a hit alerts when the entry names no one."""

    FORMER_EMPLOYEE = "former_employee"  # 离职或被辞退的员工 (seed 000 §4 B1)
    BLOCKED_COMPLAINANT = "blocked_complainant"  # 可能来投诉的业主/投诉人 (seed 000 §4 A1)
    OTHER = "other"


def watch_alert_role(kind: WatchKind) -> AlertRole:
    """Whom a watch-list hit alerts when whoever filed the entry picked no one.

    * a former or dismissed employee → 人力资源部 at once: "公司任何部门发现有员工可能到公司进行投诉的信息后
      须在第一时间通知人力资源部" (seed 000 §4 B1);
    * a complainant → the service centre's supervisor (客服主管): "发现有业主可能到公司进行投诉的信息后须在
      第一时间通知客服中心" (seed 000 §4 A1);
    * anyone else → the service centre's supervisor, who decides.
    """
    return AlertRole.HR if kind is WatchKind.FORMER_EMPLOYEE else AlertRole.SERVICE_CENTRE_SUPERVISOR


@dataclass(frozen=True)
class WatchListEntry:
    """A person flagged in advance (seed 000 §4 A1/B1).

    ``alert_role`` None means: as the entry's kind says (``watch_alert_role``).
    """

    name: str
    mobile: str | None = None
    alert_role: AlertRole | None = None
    note_zh: str = ""
    kind: WatchKind = WatchKind.OTHER


class WatchListMatch(StrEnum):
    NAME_AND_MOBILE = "name_and_mobile"
    MOBILE = "mobile"
    NAME = "name"


@dataclass(frozen=True)
class WatchListHit:
    entry: WatchListEntry
    matched_on: WatchListMatch

    @property
    def alert_role(self) -> AlertRole:
        return self.entry.alert_role or watch_alert_role(self.entry.kind)


def normalise_name(name: str | None) -> str:
    """Name for comparison: NFKC (full-width → half-width), whitespace and middle dots removed, casefolded.

    ``"张 三"`` equals ``"张三 "``; ``"ＺＨＡＮＧ"`` equals ``"zhang"``;
    ``"阿卜杜·拉"`` equals ``"阿卜杜拉"``.
    """
    if not name:
        return ""
    text = unicodedata.normalize("NFKC", name)
    return "".join(ch for ch in text if not ch.isspace() and ch not in "·•・.").casefold()


def match_watch_list(
    name: str | None, mobile: str | None, entries: Iterable[WatchListEntry]
) -> WatchListHit | None:
    """The best watch-list hit for a visitor, or ``None`` (seed 000 §4 A1/B1: warn the role at once).

    Mobiles are compared after ``normalise_mobile`` (so ``+86 138-1234-5678`` equals ``13812345678``),
    names after ``normalise_name``.

    * same mobile and same name → ``name_and_mobile`` (best);
    * same mobile, different name → ``mobile`` (people give another name; the number is the stronger key);
    * same name, and the entry or the visitor has no usable mobile → ``name``;
    * same name but both mobiles known and different → no hit (a namesake: common names such as 王伟 must
      not alarm the desk).
    """
    visitor_name = normalise_name(name)
    visitor_mobile = normalise_mobile(mobile) if mobile else None
    best: WatchListHit | None = None
    rank = {WatchListMatch.NAME_AND_MOBILE: 3, WatchListMatch.MOBILE: 2, WatchListMatch.NAME: 1}
    for entry in entries:
        entry_mobile = normalise_mobile(entry.mobile) if entry.mobile else None
        entry_name = normalise_name(entry.name)
        same_name = bool(visitor_name) and visitor_name == entry_name
        same_mobile = visitor_mobile is not None and visitor_mobile == entry_mobile
        if same_mobile and same_name:
            how = WatchListMatch.NAME_AND_MOBILE
        elif same_mobile:
            how = WatchListMatch.MOBILE
        elif same_name and (entry_mobile is None or visitor_mobile is None):
            how = WatchListMatch.NAME
        else:
            continue
        if best is None or rank[how] > rank[best.matched_on]:
            best = WatchListHit(entry=entry, matched_on=how)
    return best


# ---- classification ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Classification:
    """The outcome for one visit: incident class (or None), whom to alert, and what the desk is told."""

    incident_class: IncidentClass | None
    alert_role: AlertRole | None
    rule: str
    reason_zh: str
    front_desk_instruction_zh: str
    escalation_role: AlertRole | None = None
    watch_list_hit: WatchListHit | None = None

    @property
    def is_incident(self) -> bool:
        return self.incident_class is not None

    @property
    def alert_roles(self) -> tuple[AlertRole, ...]:
        """Every role to alert at once: the incident's, then the watch list's (no duplicates)."""
        roles: list[AlertRole] = []
        if self.alert_role is not None:
            roles.append(self.alert_role)
        if self.watch_list_hit is not None and self.watch_list_hit.alert_role not in roles:
            roles.append(self.watch_list_hit.alert_role)
        return tuple(roles)


_CALM = "请保持礼貌、得体，不要表现出反感和敌对情绪，不要议论、指点对方的言行，不要与来访者争辩。"
_WATCH_CAMERAS = "接待中留意外围情况，特别注意是否有媒体现场采访、摄影摄像，一经发现立即通知{whom}。"

# (class, at a management office) -> what the front desk reads; wording from seed 000 §4, §5.
_INSTRUCTIONS: dict[tuple[IncidentClass, bool], str] = {
    (IncidentClass.A, False): (
        _CALM
        + "已通知客服中心，请将来访者引导到洽谈室（会议室）休息，"
        + "为其让座、倒茶，等候客服中心人员接待。"
        + _WATCH_CAMERAS.format(whom="行政公关部")
    ),
    (IncidentClass.A, True): (
        _CALM
        + "请主动让座、倒茶，做好记录，不得与业主发生正面冲突；已通知管理处客服主任。"
        + _WATCH_CAMERAS.format(whom="管理处客服主任、管理处主任到场")
    ),
    (IncidentClass.B, False): (_CALM + "请及时引导其到洽谈室休息，为其倒茶；已通知人力资源部人员前来接待。"),
    (IncidentClass.B, True): (
        "请本着耐心、诚恳的态度接待，引导其到洽谈室休息，为其倒茶，不要与其争辩；已通知管理处主任。"
    ),
    (IncidentClass.C, False): (
        "请礼貌、大方接待，引导来访者到会议室稍候，为其倒茶；"
        "对不清楚的情况不要直接回答。已通知行政公关部，由行政公关部统一协调安排。"
    ),
    (IncidentClass.C, True): (
        "请将来访者带到指定接待区域，做好安全措施，避免业主或其他人员围观；"
        "接待做到礼貌、大方、言谈得体。对不清楚的情况或问题不要直接回答；"
        "已通知管理处主任，由其安排。"
    ),
}

_ORDINARY_INSTRUCTION = "请按常规接待并登记。"
_WATCH_LIST_INSTRUCTION = "此来访者在关注名单上，已通知{role}。" + _CALM + "请引导其到洽谈室休息，为其倒茶。"


def _incident(
    purpose: VisitPurpose, has_appointment: bool, is_owner: bool, is_former_employee: bool
) -> tuple[IncidentClass, str, str] | None:
    """(class, article, reason) per seed 000 §3, or None."""
    if has_appointment:
        return None
    if purpose is VisitPurpose.COMPLAINT and is_owner:
        return IncidentClass.A, "seed 000 §3 A", "业主未预约的投诉到访"
    if purpose is VisitPurpose.COMPLAINT and is_former_employee:
        return IncidentClass.B, "seed 000 §3 B", "被辞退或被批评的员工未预约的投诉到访"
    if purpose is VisitPurpose.FORMER_EMPLOYEE:
        return IncidentClass.B, "seed 000 §3 B, §4 B1", "离职员工未预约到访，可能为投诉，已先知会"
    if purpose is VisitPurpose.MEDIA_INTERVIEW:
        return IncidentClass.C, "seed 000 §3 C", "未经预约的媒体采访"
    if purpose is VisitPurpose.GOVERNMENT_INSPECTION:
        return IncidentClass.C, "seed 000 §3 C", "公检法、工商、税务等政府部门人员的突然到访检查"
    return None


def _roles(incident_class: IncidentClass, at_office: bool) -> tuple[AlertRole, AlertRole | None, str]:
    """(alert role, escalation role, article) per seed 000 §4 / §5."""
    if not at_office:
        return {
            IncidentClass.A: (AlertRole.SERVICE_CENTRE, None, "seed 000 §4 A2"),
            IncidentClass.B: (AlertRole.HR, None, "seed 000 §4 B2"),
            IncidentClass.C: (AlertRole.PR_ADMIN, None, "seed 000 §4 C1"),
        }[incident_class]
    return {
        IncidentClass.A: (
            AlertRole.OFFICE_SERVICE_SUPERVISOR,
            AlertRole.SERVICE_CENTRE,
            "seed 000 §5 A1, A3",
        ),
        IncidentClass.B: (AlertRole.OFFICE_DIRECTOR, AlertRole.HR_OFFICER, "seed 000 §5 B1, B2"),
        IncidentClass.C: (AlertRole.OFFICE_DIRECTOR, AlertRole.PR_ADMIN, "seed 000 §5 C1, C3"),
    }[incident_class]


def classify_visit(
    purpose: VisitPurpose | str,
    *,
    has_appointment: bool,
    is_owner: bool = False,
    is_former_employee: bool = False,
    place: Place | str = Place.SERVICE_CENTRE,
    watch_list_match: WatchListHit | None = None,
) -> Classification:
    """Classify a kiosk sign-in per seed 000 §3 and say whom to alert (§4/§5) and what the desk does.

    ``is_former_employee`` covers "被辞退或被批评的员工" (dismissed or disciplined, seed 000 §3 B).
    ``watch_list_match`` (the hit from ``match_watch_list``) adds its role to ``alert_roles``; when the
    visit is no incident the hit's role becomes ``alert_role`` and the desk gets the calm instruction.
    See the module docstring for the choices made where the seed is ambiguous.
    """
    purpose = VisitPurpose(purpose)
    place = Place(place)
    at_office = place is Place.MANAGEMENT_OFFICE
    watch_list_hit = watch_list_match
    found = _incident(purpose, has_appointment, is_owner, is_former_employee)
    if found is not None:
        incident_class, class_rule, reason = found
        role, escalation, role_rule = _roles(incident_class, at_office)
        reason_zh = f"{incident_class}类突发事件：{reason}（{place.label_zh}），已通知{role.label_zh}"
        if watch_list_hit is not None:
            reason_zh += f"；来访者在关注名单上，另通知{watch_list_hit.alert_role.label_zh}"
        return Classification(
            incident_class=incident_class,
            alert_role=role,
            rule=f"{class_rule}; {role_rule}",
            reason_zh=reason_zh,
            front_desk_instruction_zh=_INSTRUCTIONS[(incident_class, at_office)],
            escalation_role=escalation,
            watch_list_hit=watch_list_hit,
        )
    if watch_list_hit is not None:
        role = watch_list_hit.alert_role
        note = f"（{watch_list_hit.entry.note_zh}）" if watch_list_hit.entry.note_zh else ""
        return Classification(
            incident_class=None,
            alert_role=role,
            rule="seed 000 §4 A1, B1",
            reason_zh=f"来访者在关注名单上{note}，已通知{role.label_zh}",
            front_desk_instruction_zh=_WATCH_LIST_INSTRUCTION.format(role=role.label_zh),
            watch_list_hit=watch_list_hit,
        )
    return Classification(
        incident_class=None,
        alert_role=None,
        rule="seed 000 §3",
        reason_zh=f"非突发事件：{purpose.label_zh}" + ("（已预约）" if has_appointment else ""),
        front_desk_instruction_zh=_ORDINARY_INSTRUCTION,
    )
