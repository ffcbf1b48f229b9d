"""Messages that reach people away from the screen: which channels an event goes to, when a message may
be sent, how often a failed one is tried again, and who is next up when nobody acts.

Why each rule is what it is:

* Seed 000 §4, §5: an office incident is told "立即" / "第一时间" to the role that handles it (service centre
  for A, HR for B, PR & administration for C; at a management office its director). Those people are not
  sitting at this app: the alert goes to their WeCom group as well as the bell. The service centre is told
  of every office incident too: it receives and files the 《突发事件处理记录表》 (seed 000 §5 (5)), so its
  group gets a copy.
* An urgent message says what happened, where, what the procedure says to do first and links to the record
  (:func:`urgent_text`); quiet hours never hold an urgent message (:func:`held_until`).
* Seed 000 §5 A3, B2, C3 name who is told next when the first one cannot handle it; an alert nobody
  acknowledges climbs the same chain (:data:`ESCALATION_CHAIN`): the office director (管理处主任), then the
  service-centre manager (客服中心主任).
* Seed 003 §2(9) confidentiality and seed 000 篇2 masking: a customer's number never appears in full in a
  staff message (:func:`mask_numbers`); customers get SMS only from a template an admin approved.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from kiosk.domain.masking import mask_phone

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Channel(StrEnum):
    """Where a message goes. The bell is the in-app notification itself (always written)."""

    BELL = "bell"
    WECOM_GROUP = "wecom_group"  # 企业微信群机器人 (one group per department)
    WECOM_APP = "wecom_app"  # 企业微信应用消息 (to one person)
    SMS = "sms"
    EMAIL = "email"


#: The channels that reach one person (each person chooses which of these they accept).
PERSONAL = (Channel.WECOM_APP, Channel.SMS, Channel.EMAIL)


class Status(StrEnum):
    """A message's state in the outbox.

    pending → claimed (a worker holds it, nothing handed over yet) → sending (handed to the provider) →
    sent; a failure that certainly did not deliver goes back to pending with a later time, or to dead after
    the last try or a permanent refusal; a hand-over whose outcome nobody learned (the worker died, the
    answer timed out) becomes unknown: never sent again by itself (at most once), shown to admins.
    """

    PENDING = "pending"
    CLAIMED = "claimed"
    SENDING = "sending"
    SENT = "sent"
    DEAD = "dead"
    UNKNOWN = "unknown"


#: The dead-letter list: what admins look at and may send again.
NEEDS_ADMIN = (Status.DEAD, Status.UNKNOWN)


@dataclass(frozen=True)
class Route:
    """One event kind's default routing: whether it is urgent, the channels for the notified people
    themselves, and the departments (by code) whose group gets a copy."""

    urgent: bool
    channels: tuple[Channel, ...]
    copy_to: tuple[str, ...] = ()


#: The channels of the routing table (the bell is always on).
ROUTED_CHANNELS = (Channel.WECOM_GROUP, Channel.WECOM_APP, Channel.SMS, Channel.EMAIL)
_ALL = ROUTED_CHANNELS
_PERSON = (Channel.WECOM_APP, Channel.SMS, Channel.EMAIL)

#: Event kind (the ``kind`` of the notification) → its default route. Admins switch channels per kind on
#: and off (``message_routes`` rows override these); each person picks the personal channels they take.
ROUTES: dict[str, Route] = {
    "visitor_incident": Route(True, _ALL, copy_to=("service_centre",)),
    "alert_escalated": Route(True, _PERSON),
    "visitor_arrived": Route(False, _PERSON + (Channel.WECOM_GROUP,)),
    "model_home_visitor": Route(True, (Channel.WECOM_APP, Channel.SMS)),
    "slip_dispatched": Route(False, (Channel.WECOM_GROUP, Channel.WECOM_APP)),
    "slip_near_due": Route(False, (Channel.WECOM_APP,)),
    "slip_overdue": Route(True, (Channel.WECOM_GROUP, Channel.WECOM_APP, Channel.SMS)),
    "slip_escalated": Route(True, (Channel.WECOM_APP, Channel.SMS)),
    "hotline_emergency": Route(True, _ALL),
    "complaint_received": Route(False, (Channel.WECOM_GROUP, Channel.WECOM_APP)),
    # Seed 001 制度3 §5, seed 003 §2(1): an agent's callbacks of the day, one digest a morning.
    "callback_due": Route(False, (Channel.WECOM_APP,)),
    "callback_unreachable": Route(False, (Channel.WECOM_APP,)),
    "correction_callback": Route(True, (Channel.WECOM_APP,)),
    "sales_payment": Route(False, (Channel.WECOM_APP, Channel.SMS)),
    "model_home_missed": Route(False, (Channel.WECOM_APP,)),
    "job_failed": Route(True, (Channel.WECOM_APP, Channel.EMAIL)),
    "job_late": Route(True, (Channel.WECOM_APP, Channel.EMAIL)),
    "message_undelivered": Route(False, (Channel.EMAIL,)),
}

#: Customers' messages, by purpose: SMS only, from an approved template, to the number of record.
CUSTOMER_PURPOSES = ("visitor_badge", "down_payment_due", "mortgage_due")
#: The template staff SMS use (staff without WeCom): parameters ``title`` and ``link``.
STAFF_TEMPLATE = "staff_alert"
#: Every SMS template an admin reviews.
SMS_PURPOSES = (*CUSTOMER_PURPOSES, STAFF_TEMPLATE)


def route_for(kind: str) -> Route | None:
    return ROUTES.get(kind)


def enabled_channels(kind: str, overrides: Mapping[tuple[str, str], bool]) -> tuple[Channel, ...]:
    """The channels on for ``kind``: the default route's, each switched by an admin's override."""
    route = ROUTES.get(kind)
    if route is None:
        return ()
    return tuple(c for c in _ALL if overrides.get((kind, c.value), c in route.channels))


# ---- when ---------------------------------------------------------------------------------------------


def held_until(now: datetime, *, urgent: bool, quiet_from: time | None, quiet_to: time | None) -> datetime:
    """When a personal message may go: now, or the end of the person's quiet hours (Shanghai time).

    Quiet hours may span midnight (22:00–07:00). Urgent messages ignore them: an incident does not wait
    for the morning.
    """
    if urgent or quiet_from is None or quiet_to is None or quiet_from == quiet_to:
        return now
    local = now.astimezone(SHANGHAI)
    clock = local.time()
    if quiet_from < quiet_to:
        quiet = quiet_from <= clock < quiet_to
    else:
        quiet = clock >= quiet_from or clock < quiet_to
    if not quiet:
        return now
    end = local.replace(hour=quiet_to.hour, minute=quiet_to.minute, second=0, microsecond=0)
    if end <= local:
        end += timedelta(days=1)
    return end.astimezone(now.tzinfo)


def retry_delay(attempts: int, *, base: timedelta, cap: timedelta) -> timedelta:
    """Exponential backoff: ``base`` after the first failure, doubling each time, never more than ``cap``."""
    return min(cap, base * 2 ** max(attempts - 1, 0))


def rate_wait(sent_times: Iterable[datetime], *, limit: int, window: timedelta, now: datetime) -> timedelta:
    """How long to wait before one more message to the same address within the provider's limit (``limit``
    per ``window``; a WeCom group robot takes 20 a minute): zero while under it."""
    recent = sorted(t for t in sent_times if t > now - window)
    if len(recent) < limit:
        return timedelta(0)
    return recent[-limit] + window - now


# ---- who is next -----------------------------------------------------------------------------------


#: Seed 000 §5 A3, B2, C3: who is told when the first one cannot handle it; an unacknowledged urgent alert
#: climbs this chain, one step each time the wait passes: (department code, supervisors only).
ESCALATION_CHAIN: tuple[tuple[str, str], ...] = (
    ("management_office", "管理处主任"),
    ("service_centre", "客服中心主任"),
)


def escalation_step(level: int) -> tuple[str, str] | None:
    """The department and title of the person told at escalation ``level`` (1, 2 …), or None past the top."""
    return ESCALATION_CHAIN[level - 1] if 1 <= level <= len(ESCALATION_CHAIN) else None


# ---- what it says -------------------------------------------------------------------------------------


#: The company documents, by the number the code cites them with (as people read them). The one list of
#: their names: the web's labels (``kiosk.web.labels.PROCEDURE``) translate these.
PROCEDURES = {
    "000": "《物业客服中心来访接待流程》",
    "001": "《售楼处客户接待制度》",
    "002": "《物业售楼处样板间管家工作流程》",
    "003": "《物业热线服务岗位服务流程与规范》",
    "004": "《大型房地产集团公司客服中心服务指引》",
}
#: A rule's reference as the code records it: ``seed 000`` (the document), ``§4`` (its article).
DOCUMENT_REFERENCE = re.compile(r"seed (\d{3})\s*", re.IGNORECASE)
SECTION_REFERENCE = re.compile(r"§(\d+)")
# An 11-digit mainland mobile inside text (not part of a longer number).
_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def cite_zh(reference: str) -> str:
    """``seed 000 §4 B2`` → 《物业客服中心来访接待流程》第4条 B2: messages name the document, never "seed"."""
    named = DOCUMENT_REFERENCE.sub(lambda m: PROCEDURES.get(m.group(1), m.group(0)), reference)
    return SECTION_REFERENCE.sub(lambda m: f"第{m.group(1)}条", named)


def mask_numbers(text: str) -> str:
    """Every mobile number in a staff message masked (138****5678)."""
    return _MOBILE.sub(lambda m: mask_phone(m.group(0)), text)


@dataclass(frozen=True)
class Alert:
    """What one message says: its title, details, the record's address and, for urgent ones, where it
    happened and what the procedure says to do first."""

    title: str
    body: str = ""
    url: str | None = None
    urgent: bool = False
    where: str | None = None
    first_step: str | None = None
    procedure: str | None = None


def _details(alert: Alert) -> list[str]:
    """Where, what and what to do first, one line each (the same in every channel)."""
    lines = [f"地点：{alert.where}"] if alert.where else []
    if alert.body:
        lines.append(alert.body)
    if alert.first_step:
        source = f"（{cite_zh(alert.procedure)}）" if alert.procedure else ""
        lines.append(f"首先：{alert.first_step}{source}")
    return lines


def urgent_text(alert: Alert) -> str:
    """The plain text of a staff message (customer numbers masked)."""
    lines = [("【紧急】" if alert.urgent else "") + alert.title, *_details(alert)]
    if alert.url:
        lines.append(f"查看并确认：{alert.url}")
    return mask_numbers("\n".join(lines))


def markdown_text(alert: Alert) -> str:
    """The same message as WeCom markdown (a coloured title for urgent ones, the link clickable)."""
    head = f'<font color="warning">【紧急】{alert.title}</font>' if alert.urgent else f"**{alert.title}**"
    lines = [head, *(f"> {line}" for line in _details(alert))]
    if alert.url:
        lines.append(f"[查看并确认]({alert.url})")
    return mask_numbers("\n".join(lines))


#: What the alerted role does first, by (incident class, at a management office), with the article saying
#: so (seed 000 §4, §5); a watch-list visit without incident class follows §4 A1.
_FIRST_STEPS: dict[tuple[str | None, bool], tuple[str, str]] = {
    ("A", False): (
        "客服中心相关负责人及时了解情况，到场接待，将来访者安排在洽谈室（会议室）",
        "seed 000 §4 A1",
    ),
    ("B", False): ("人力资源部安排相关人员和领导到场，根据投诉内容给予合理合法的解答", "seed 000 §4 B3"),
    ("C", False): ("行政公关部进行总体协调安排，基层员工不直接回答", "seed 000 §4 C1"),
    ("A", True): ("管理处客服人员接待并作好记录，必要时与管理处客服主任一起回应", "seed 000 §5 A1"),
    ("B", True): ("耐心、诚恳地答复，必要时请管理处主任与员工沟通", "seed 000 §5 B1"),
    ("C", True): ("管理处主任首先通知公司行政公关部，按公司要求安排接待", "seed 000 §5 C3"),
    (None, False): ("客服中心相关负责人及时了解情况，做好接待准备", "seed 000 §4 A1"),
    (None, True): ("客服中心相关负责人及时了解情况，做好接待准备", "seed 000 §4 A1"),
}


def first_step(incident_class: str | None, *, at_office: bool) -> tuple[str, str]:
    """(what the alerted role does first, the article) for an office incident or a watch-list visit."""
    return _FIRST_STEPS[(incident_class, at_office)]
