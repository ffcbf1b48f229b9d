"""The buyer pipeline of a sales consultant (置业顾问) -- seed 000 篇3, steps 10 to 17.

Seed 000 篇3 "置业顾问接听客户来电、接待来访客户及成交规定" lists eighteen steps; from registration on, a
buyer moves through: 第十步 客户登记 → 第十二步 收取临订(定金) → 第十三步 签署认购书 → 第十四步 交首期款 →
第十五步 签署商品房买卖合同 → 第十六步 办理按揭 → 第十七步 协助办理入伙.

Choices where the seed is silent:

* The steps are taken in seed order; the only skip allowed is **mortgage** for a buyer who pays in full
  (no 按揭), contract → handover. The seed's own note ends the consultant's work at "交清首期楼款、签署
  正式房地产买卖合同 协助客户提交按揭所需资料", so a buyer without a mortgage has nothing to do at step 16.
* Reminders are in **calendar days**: the seed says "提前五天 / 提前两天" (step 14) and "提前七天 / 提前三天 /
  提前一天" (step 16), not working days; the sales office works weekends and a phone reminder needs no
  working day. A reminder is never moved off a weekend or holiday.
* A reminder is ticked off with its outcome (:class:`ReminderOutcome`). "The customer says they cannot pay
  on time" is reported to the project manager at once (第十四步 5)); so is a due date that passes unpaid.
* What the customer brings and the words to use (第十四步 3) 4), 第十六步 1)) are :func:`reminder_brief`:
  the down payment itself with the subscription and ID, and the mortgage papers prepared early; for the
  mortgage appointment, the papers, the place and the time recorded with the appointment.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from types import MappingProxyType


class PipelineStep(StrEnum):
    """The buyer's step, in seed order (iteration order is the pipeline order)."""

    REGISTERED = "registered"  # 第十步 客户登记
    DEPOSIT = "deposit"  # 第十二步 收取临订(定金)
    SUBSCRIPTION = "subscription"  # 第十三步 签署认购书
    DOWN_PAYMENT = "down_payment"  # 第十四步 交首期款
    PURCHASE_CONTRACT = "purchase_contract"  # 第十五步 签署商品房买卖合同
    MORTGAGE = "mortgage"  # 第十六步 办理按揭
    HANDOVER = "handover"  # 第十七步 入伙

    @property
    def index(self) -> int:
        return list(PipelineStep).index(self)


class Role(StrEnum):
    SALES_CONSULTANT = "sales_consultant"  # 置业顾问
    FINANCE = "finance"  # 财务人员
    PROJECT_MANAGER = "project_manager"  # 项目经理
    PM_DESIGNEE = "pm_designee"  # 项目经理指定人员 (incl. 指定的销控人员)


_S = PipelineStep
#: Allowed next steps. Seed order; mortgage may be skipped by a full-payment buyer (module docstring).
NEXT_STEPS: Mapping[PipelineStep, frozenset[PipelineStep]] = MappingProxyType(
    {
        _S.REGISTERED: frozenset({_S.DEPOSIT}),
        _S.DEPOSIT: frozenset({_S.SUBSCRIPTION}),
        _S.SUBSCRIPTION: frozenset({_S.DOWN_PAYMENT}),
        _S.DOWN_PAYMENT: frozenset({_S.PURCHASE_CONTRACT}),
        _S.PURCHASE_CONTRACT: frozenset({_S.MORTGAGE, _S.HANDOVER}),
        _S.MORTGAGE: frozenset({_S.HANDOVER}),
        _S.HANDOVER: frozenset(),
    }
)


def allowed_next_steps(step: PipelineStep | str) -> frozenset[PipelineStep]:
    return NEXT_STEPS[PipelineStep(step)]


def can_advance(current: PipelineStep | str, target: PipelineStep | str) -> bool:
    return PipelineStep(target) in allowed_next_steps(current)


def advance(current: PipelineStep | str, target: PipelineStep | str) -> PipelineStep:
    """``target`` if the move is allowed, else ``ValueError`` naming the allowed steps."""
    if not can_advance(current, target):
        allowed = ", ".join(sorted(s.value for s in allowed_next_steps(current))) or "none (finished)"
        raise ValueError(f"cannot go from {current} to {target}; allowed: {allowed}")
    return PipelineStep(target)


@dataclass(frozen=True)
class StepRequirement:
    """What a step must record, who may do it, and the seed's rules, as data.

    ``must_record``: field names the record must fill. ``performed_by``: roles that may take the step (empty:
    the consultant). ``min_people_present``: people who must witness it. ``reviewed_by``: roles that must
    review it afterwards. ``report_missed_to``: who hears at once when the buyer misses the date.
    """

    step: PipelineStep
    seed_step: int
    title_zh: str
    must_record: tuple[str, ...]
    rules_zh: tuple[str, ...]
    performed_by: frozenset[Role] = frozenset()
    min_people_present: int = 1
    reviewed_by: frozenset[Role] = frozenset()
    reminder_days_before: tuple[int, ...] = ()
    report_missed_to: Role | None = None


_PM = frozenset({Role.PROJECT_MANAGER, Role.PM_DESIGNEE})
REQUIREMENTS: Mapping[PipelineStep, StepRequirement] = MappingProxyType(
    {
        r.step: r
        for r in (
            StepRequirement(
                _S.REGISTERED, 10, "作好客户登记", ("name",),
                ("在尊重客户的前提下,要求客户填写来访客户登记表", "客户执意不留电话,不得勉强"),
            ),
            StepRequirement(
                _S.DEPOSIT, 12, "收取临订(定金)开具收据",
                ("unit", "amount", "receipt_no", "collected_by", "second_person", "unit_confirmed_with"),
                ("收取定金之前,再一次落实、核查房号,并报项目经理或项目经理指定的销控人员",
                 "定金一定由财务人员或项目经理(或项目经理指定人员)收取,并有二人以上"),
                performed_by=frozenset({Role.FINANCE}) | _PM,
                min_people_present=2,
            ),
            StepRequirement(
                _S.SUBSCRIPTION, 13, "签署认购书",
                ("unit", "signed_by", "reviewed_by", "id_copy_kept", "unit_sealed"),
                ("认购书一般由本人签署,不得签错、撕坏或丢失",
                 "签完的认购书一定要有项目经理或指定人员的审核",
                 "即时销控、封贴该房号,并做好客户的成交档案",
                 "买方签名一定是本人或有买方书面委托(必须公证后)的代理人,交留客户身份证复印件"),
                reviewed_by=_PM,
            ),
            StepRequirement(
                _S.DOWN_PAYMENT, 14, "提醒客户交首期款",
                ("due_on", "amount", "paid_on"),
                ("提前五天第一次通知客户", "提前两天第二次通知客户", "提醒客户准备按揭所需资料",
                 "客户因故不能按期交纳房款或首期款,即时报告项目经理"),
                reminder_days_before=(5, 2),
                report_missed_to=Role.PROJECT_MANAGER,
            ),
            StepRequirement(
                _S.PURCHASE_CONTRACT, 15, "签署商品房买卖合同",
                ("contract_no", "signed_on", "mortgage_documents_checked"),
                ("协助客户检查所需按揭资料是否齐备",
                 "代替购房人交楼款者必须出具书面证明:本人自愿替**交款,金额为**元"),
            ),
            StepRequirement(
                _S.MORTGAGE, 16, "通知办理按揭",
                ("appointment_on", "place", "documents"),
                ("提前七天第一次通知客户,讲清客户必须携带的资料,办理的地方、时间",
                 "提前三天第二次提醒客户", "提前一天第三次提醒客户"),
                reminder_days_before=(7, 3, 1),
            ),
            StepRequirement(
                _S.HANDOVER, 17, "协助办理入伙", ("handed_over_on",),
                ("态度更加主动,必要时亲自带往物业管理处", "一定要向客户表示祝贺"),
            ),
        )
    }
)


def missing_records(step: PipelineStep | str, record: Mapping[str, object]) -> list[str]:
    """The ``must_record`` fields of ``step`` that are absent, ``None`` or blank in ``record``, in order."""
    missing = []
    for name in REQUIREMENTS[PipelineStep(step)].must_record:
        value = record.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            missing.append(name)
    return missing


def deposit_problems(collected_by: Role | str, people_present: int) -> list[str]:
    """Seed 000 篇3 第十二步: "定金一定由财务人员或项目经理(或项目经理指定人员)收取,并有二人以上".

    A sales consultant may not take the deposit alone or at all; at least two people are present.
    """
    req = REQUIREMENTS[_S.DEPOSIT]
    problems = []
    if Role(collected_by) not in req.performed_by:
        problems.append("定金须由财务人员或项目经理(或其指定人员)收取")
    if people_present < req.min_people_present:
        problems.append("收取定金须有二人以上在场")
    return problems


def subscription_problems(
    reviewed_by: Role | str | None, signed_by_buyer: bool, agent_authorisation_notarised: bool
) -> list[str]:
    """Seed 000 篇3 第十三步: reviewed by the project manager or designee; signed by the buyer, or by an agent
    with a notarised written authorisation."""
    problems = []
    if reviewed_by is None or Role(reviewed_by) not in REQUIREMENTS[_S.SUBSCRIPTION].reviewed_by:
        problems.append("认购书须经项目经理或指定人员审核")
    if not signed_by_buyer and not agent_authorisation_notarised:
        problems.append("买方签名须是本人或持公证书面委托的代理人")
    return problems


def reminder_dates(step: PipelineStep | str, due_date: date) -> list[date]:
    """When to remind the buyer, earliest first -- calendar days before ``due_date``.

    * down payment (第十四步): "提前五天第一次通知…提前两天第二次通知" → due − 5, due − 2;
    * mortgage (第十六步): "提前七天…提前三天…提前一天" → appointment − 7, − 3, − 1;
    * other steps: none. Calendar days, not working days (module docstring).
    """
    days = REQUIREMENTS[PipelineStep(step)].reminder_days_before
    return sorted(due_date - timedelta(days=n) for n in days)


def pending_reminders(step: PipelineStep | str, due_date: date, today: date) -> list[date]:
    """The reminders still to make: those on or after ``today`` (one whose day has passed is not re-sent)."""
    return [d for d in reminder_dates(step, due_date) if d >= today]


def is_payment_missed(due_date: date, paid_on: date | None, today: date) -> bool:
    """Did the buyer miss the payment (第十四步 "不能按期交纳…即时报告项目经理")?

    Paid on or before the due date: on time. Unpaid: missed only once the due date has passed (``today >
    due_date``) -- the due day itself is still open. Paid after the due date: missed (late).
    """
    if paid_on is not None:
        return paid_on > due_date
    return today > due_date


def reminder_schedule(step: PipelineStep | str, due_date: date, today: date) -> list[tuple[int, date]]:
    """The reminders to schedule now, as (days before, day), earliest first: a reminder whose day has
    already passed when the date is set (a subscription signed three days before the due date) is not
    made up."""
    return [((due_date - day).days, day) for day in pending_reminders(step, due_date, today)]


class ReminderOutcome(StrEnum):
    """How a reminder call went; each ticks the reminder off."""

    NOTIFIED = "notified"  # 已通知，客户确认
    NOT_REACHED = "not_reached"  # 未联系上（已留言/短信）
    CANNOT_MAKE_IT = "cannot_make_it"  # 客户表示不能按期 → 即时报告项目经理

    @property
    def reports_to_project_manager(self) -> bool:
        """第十四步 5) "客户因故不能按期交纳房款或首期款,即时报告项目经理"."""
        return self is ReminderOutcome.CANNOT_MAKE_IT


#: 第十四步 3) "提醒客户准备按揭所需资料": the usual papers a bank asks for.
MORTGAGE_DOCUMENTS = ("身份证", "户口本", "婚姻状况证明", "收入证明", "近六个月银行流水", "首付款收据")


@dataclass(frozen=True)
class ReminderBrief:
    """What the salesperson says and what the customer is asked to bring."""

    bring: tuple[str, ...]
    phrase: str


def _yuan(amount: int | None) -> str:
    return f"{amount:,} 元" if amount else ""


def reminder_brief(step: PipelineStep | str, *, days_before: int, due_date: date, customer: str,
                   salesperson: str, project: str, unit: str, amount: int | None = None,
                   place: str = "", documents: tuple[str, ...] = ()) -> ReminderBrief:
    """The reminder's words and the list to bring (seed 000 篇3 第十四步, 第十六步).

    The phrase opens with the project's greeting (第一步 "您好!**(项目)!") and the salesperson's name
    (第五步), keeps a courteous tone (第十四步 4) "提醒时注意方式和语气") and names the date, the amount or
    the
    place, and the papers.
    """
    step = PipelineStep(step)
    when = f"{due_date.month}月{due_date.day}日"
    opening = f"{customer}您好！我是{project}的置业顾问{salesperson}。"
    if step is PipelineStep.DOWN_PAYMENT:
        papers = [d for d in MORTGAGE_DOCUMENTS if d not in ("身份证", "首付款收据")]
        bring = ("首期款" + (f"（{_yuan(amount)}）" if amount else ""), "认购书", "身份证原件",
                 "按揭所需资料：" + "、".join(papers))
        nth = "温馨提醒" if days_before >= 5 else "再次提醒"
        phrase = (f"{opening}{nth}您：您认购的{unit}首期款{_yuan(amount)}将于{when}到期，"
                  "请您安排时间按期交纳，并带上认购书和身份证原件；按揭所需资料也请提前准备好。"
                  "如有任何不便，请随时告诉我，我来帮您协调。")
        return ReminderBrief(bring, phrase)
    if step is PipelineStep.MORTGAGE:
        bring = tuple(documents) or MORTGAGE_DOCUMENTS
        where = f"到{place}" if place else ""
        phrase = (f"{opening}提醒您：{unit}的按揭手续约在{when}{where}办理，"
                  f"请您带齐{'、'.join(bring)}。如时间不方便，请提前告诉我，我来帮您改约。")
        return ReminderBrief(bring, phrase)
    raise ValueError(f"no reminders for step {step}")
