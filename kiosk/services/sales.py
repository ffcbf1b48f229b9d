"""The buyer pipeline (seed 000 篇3 第十步–第十七步): customer files, their steps, the sealed units, the
payment
and mortgage reminders, the missed-payment report and the phone register.

The rules are ``kiosk.domain.sales_pipeline``; here they meet the database. Who stands for the seed's
people: a **supervisor** (the 销售主管) is the project manager or the person the project manager designates
(项目经理指定人员); a member of the **finance** department is 财务人员. The project manager of a file is
the supervisors of its salesperson's department (every supervisor when that department has none).

Every step is one :func:`kiosk.database.unit_of_work` and reads the file ``FOR UPDATE`` at the version
the salesperson's page showed, so two people recording the same step cannot both succeed. A unit is sealed
by inserting its ``unit_locks`` row: the primary key on the unit makes a second subscription of the same
unit fail even when two are signed at the same instant (on PostgreSQL the second insert waits for the
first transaction and then violates the key; on SQLite the writers queue and the second finds the seal).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from kiosk.clock import SHANGHAI, local
from kiosk.database import unit_of_work
from kiosk.domain.register import Relation
from kiosk.domain.rotation import Outcome
from kiosk.domain.sales_pipeline import (
    REQUIREMENTS,
    PipelineStep,
    ReminderBrief,
    ReminderOutcome,
    advance,
    deposit_problems,
    is_payment_missed,
    missing_records,
    reminder_brief,
    reminder_schedule,
    subscription_problems,
)
from kiosk.domain.sales_pipeline import Role as SalesRole
from kiosk.extensions import db
from kiosk.models.people import Role, User
from kiosk.models.property import Building, Project, Unit, UnitMember
from kiosk.models.sales import BuyerFile, BuyerReminder, BuyerStep, PhoneEnquiry, UnitLock
from kiosk.models.visits import Visit
from kiosk.services import accounts, rotation, submissions
from kiosk.services.notifications import notify
from kiosk.services.submissions import Submission

S = PipelineStep
FINANCE_DEPARTMENT = "finance"
#: How far back the register form looks for groups the salesperson received through the rotation.
RECENT_GROUP_DAYS = 7
_VISIT_GROUP = re.compile(r"^visit-(\d+)$")


class PipelineRefused(Exception):
    """A step the rules refuse; ``field`` names the form field the message belongs beside (None: the form)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class FileChanged(Exception):
    """The file moved on since the page was shown (another person recorded a step first)."""


class ReminderAlreadyDone(Exception):
    pass


def file_link(file_id: int) -> str:
    return f"/sales/buyers/{file_id}"


# ---- people --------------------------------------------------------------------------------------


def sales_role(user: User) -> SalesRole:
    """The seed's role a staff member plays in a sale (module docstring)."""
    if user.has_role(Role.SUPERVISOR):
        return SalesRole.PROJECT_MANAGER
    if user.department is not None and user.department.code == FINANCE_DEPARTMENT:
        return SalesRole.FINANCE
    return SalesRole.SALES_CONSULTANT


def deposit_collectors() -> list[User]:
    """Who may take a deposit (第十二步 2)): finance staff, the project manager and designees."""
    return [u for u in accounts.active_users() if sales_role(u) is not SalesRole.SALES_CONSULTANT]


def _tell_project_manager(file: BuyerFile, *, title: str, body: str, now: datetime) -> None:
    department = file.salesperson.department
    people = [u for u in department.users if u.active and u.has_role(Role.SUPERVISOR)] if department else []
    targets = [{"user": u} for u in people] or [{"role": Role.SUPERVISOR.value}]
    for target in targets:
        notify(kind="sales_payment", title=title, body=body, link=file_link(file.id), level="urgent", now=now,
               **target)


# ---- units ---------------------------------------------------------------------------------------



def unit_sealed_by(unit_id: int) -> UnitLock | None:
    return db.session.get(UnitLock, unit_id)


def _unowned():
    """No owner or co-owner holds the unit in the register."""
    return ~exists().where(UnitMember.unit_id == Unit.id,
                           UnitMember.relation.in_([r.value for r in Relation if r.holds_title]))


def units_for_sale() -> list[Unit]:
    """Units nobody owns and no subscription has sealed, by project, building and number."""
    sealed = exists().where(UnitLock.unit_id == Unit.id)
    statement = (
        select(Unit).join(Building).join(Project).where(_unowned(), ~sealed)
        .options(selectinload(Unit.building).selectinload(Building.project))
        .order_by(Project.name, Building.name, Unit.number)
    )
    return list(db.session.scalars(statement))


def unowned_unit_ids() -> set[int]:
    """Units a step may name: nobody owns them (whether sealed is the step's own check)."""
    return set(db.session.scalars(select(Unit.id).where(_unowned())))


def _sealed_message(lock: UnitLock, viewer: User) -> str:
    """Why a unit cannot be taken. Whose customer holds it is said only to someone who may open that
    customer's file (its salesperson or a supervisor): a refusal never shows another salesperson's
    customer to a person who could not look them up."""
    holder = lock.file
    who = (f"由{holder.salesperson.display_name}的客户{holder.customer_name}"
           if may_handle(holder, viewer) else "")
    return f"该房号已于 {local(lock.locked_at):%m-%d %H:%M} {who}签署认购书并销控，不能重复认购，请另选房号。"


# ---- files ---------------------------------------------------------------------------------------


def visit_of_group(group_id: str | None) -> Visit | None:
    """The kiosk visit behind a rotation group id ``visit-<id>``, if any."""
    match = _VISIT_GROUP.match(group_id or "")
    return db.session.get(Visit, int(match.group(1))) if match else None


def received_groups(user: User, today: date, days: int = RECENT_GROUP_DAYS) -> list[str]:
    """Groups ``user`` received through the rotation in the last ``days`` days that have no file yet."""
    me = rotation.sid(user.id)
    found = []
    for back in range(days):
        view = rotation.current_state(rotation.DEFAULT_OFFICE, today - timedelta(days=back))
        if view is not None:
            found += [a.group_id for a in view.state.assignments
                      if a.outcome is Outcome.RECEIVED and a.receiver == me]
    if not found:
        return []
    filed = set(db.session.scalars(select(BuyerFile.group_id).where(BuyerFile.group_id.in_(found))))
    return [g for g in dict.fromkeys(found) if g not in filed]


def files_for(user: User, step: str = "") -> list[BuyerFile]:
    """A salesperson's own files; a supervisor sees every file. Newest change first."""
    statement = (select(BuyerFile).options(
        selectinload(BuyerFile.salesperson),
        selectinload(BuyerFile.unit).selectinload(Unit.building).selectinload(Building.project))
                 .order_by(BuyerFile.updated_at.desc(), BuyerFile.id.desc()))
    if not user.has_role(Role.SUPERVISOR, Role.ADMIN):
        statement = statement.where(BuyerFile.salesperson_id == user.id)
    if step:
        statement = statement.where(BuyerFile.step == step)
    return list(db.session.scalars(statement))


def get_file(file_id: int) -> BuyerFile | None:
    return db.session.get(BuyerFile, file_id)


def fresh_file(file_id: int) -> BuyerFile | None:
    """The file as the database has it now, after a step that was refused or lost a race."""
    db.session.expire_all()
    return db.session.get(BuyerFile, file_id)


def may_handle(file: BuyerFile, user: User) -> bool:
    return file.salesperson_id == user.id or user.has_role(Role.SUPERVISOR, Role.ADMIN)


def register(*, salesperson: User, customer_name: str, mobile: str | None, group_id: str | None,
             now: datetime, submission: Submission | None = None) -> BuyerFile:
    """第十步: open the customer's file (one per group received; once per submission)."""
    missing = missing_records(S.REGISTERED, {"name": customer_name})
    if missing:
        raise PipelineRefused("请填写客户姓名。", "customer_name")
    try:
        with unit_of_work():
            first = submissions.repeat_of(submission, BuyerFile, now)
            if first is not None:
                return first
            if group_id and db.session.scalar(select(BuyerFile.id).where(BuyerFile.group_id == group_id)):
                raise PipelineRefused("该客户组已经建档。", "group_id")
            file = BuyerFile(group_id=group_id or None, salesperson_id=salesperson.id,
                             customer_name=customer_name, mobile=mobile or None, step=S.REGISTERED.value,
                             created_at=now, updated_at=now)
            file.steps.append(BuyerStep(step=S.REGISTERED.value, recorded_at=now,
                                        recorded_by_id=salesperson.id, on_date=local(now).date(), details={}))
            db.session.add(file)
            db.session.flush()
            submissions.settle(submission, file.id)
    except IntegrityError:  # the same group filed meanwhile (its unique index)
        raise PipelineRefused("该客户组已经建档。", "group_id") from None
    return file


def _locked_file(file_id: int, version: int) -> BuyerFile:
    file = db.session.scalar(select(BuyerFile).where(BuyerFile.id == file_id).with_for_update()
                             .execution_options(populate_existing=True))
    if file is None:
        raise LookupError(f"no buyer file {file_id}")
    if file.version != version:
        raise FileChanged(file_id)
    return file


def _check_recorded(step: PipelineStep, record: dict) -> None:
    missing = missing_records(step, record)
    if missing:
        raise PipelineRefused(f"还缺少：{', '.join(missing)}")


def _step(file_id: int, version: int, target: PipelineStep, *, actor: User, now: datetime,
          apply, submission: Submission | None) -> BuyerFile:
    """Take ``target`` on the file at ``version``: the domain allows the move, ``apply`` checks and fills
    the step; all or nothing. Once per submission: the step's form sent again answers with the file the
    first one moved on (not "somebody changed the file", which that first submission did)."""
    with unit_of_work(lambda: FileChanged(file_id)):
        first = submissions.repeat_of(submission, BuyerFile, now)
        if first is not None:
            return first
        file = _locked_file(file_id, version)
        try:
            advance(file.step, target)
        except ValueError:
            raise PipelineRefused("客户目前不在这一步，请刷新页面。") from None
        row = BuyerStep(step=target.value, recorded_at=now, recorded_by_id=actor.id, details={})
        apply(file, row)
        file.steps.append(row)
        file.step, file.updated_at = target.value, now
        _ask_sign_off(file, row, actor, now)
        submissions.settle(submission, file.id)
    return file


#: Who signs a step off in their own session: the deposit's collector confirms the money came into their
#: hands (第十二步 "定金一定由财务人员或项目经理收取"); the subscription's reviewer confirms the review
#: (第十三步 "签完的认购书须经项目经理或指定人员审核"). The salesperson only names them.
SIGNED_OFF_BY = {S.DEPOSIT: "collected_by_id", S.SUBSCRIPTION: "checked_by_id"}
SIGN_OFF_PAGE = "/sales/sign-offs"


def signer_of(row: BuyerStep) -> int | None:
    attribute = SIGNED_OFF_BY.get(PipelineStep(row.step))
    return getattr(row, attribute) if attribute else None


def _ask_sign_off(file: BuyerFile, row: BuyerStep, actor: User, now: datetime) -> None:
    signer = signer_of(row)
    if signer is None:
        return
    if signer == actor.id:
        row.confirmed_at = now
        return
    what = (f"定金 {row.amount:,} 元（收据 {row.document_no}）" if row.step == S.DEPOSIT
            else f"认购书 {row.document_no} 的审核")
    notify(kind="sales_sign_off", title=f"请确认：客户 {file.customer_name} 的{what}",
           body=f"{actor.display_name} 登记，请核对后在“待我确认”中确认。", link=SIGN_OFF_PAGE, now=now,
           user=db.session.get(User, signer))


def _awaiting(user: User):
    named = [getattr(BuyerStep, attribute) == user.id for attribute in SIGNED_OFF_BY.values()]
    return BuyerStep.confirmed_at.is_(None) & or_(*named)


def sign_offs_awaiting(user: User) -> list[BuyerStep]:
    """The steps that name ``user`` and wait for their sign-off, oldest first."""
    return list(db.session.scalars(
        select(BuyerStep).where(_awaiting(user)).options(selectinload(BuyerStep.file))
        .order_by(BuyerStep.recorded_at, BuyerStep.id)))


def sign_offs_count(user: User) -> int:
    return db.session.scalar(select(func.count(BuyerStep.id)).where(_awaiting(user)))


def sign_off(step_id: int, *, actor: User, now: datetime) -> BuyerStep:
    """The named person confirms the step; nobody else may. A second confirmation changes nothing."""
    with unit_of_work():
        row = db.session.scalar(select(BuyerStep).where(BuyerStep.id == step_id).with_for_update()
                                .execution_options(populate_existing=True))
        if row is None or signer_of(row) != actor.id:
            raise PipelineRefused("只有登记中指定的收取人或审核人可以确认。")
        if row.confirmed_at is None:
            row.confirmed_at = now
            file = db.session.get(BuyerFile, row.file_id)
            notify(kind="sales_sign_off",
                   title=f"{actor.display_name} 已确认客户 {file.customer_name} 的登记",
                   link=file_link(file.id), now=now, user=file.salesperson)
    return row


def _schedule(file: BuyerFile, step: PipelineStep, due: date, today: date) -> None:
    for days_before, day in reminder_schedule(step, due, today):
        db.session.add(BuyerReminder(file_id=file.id, step=step.value, days_before=days_before, remind_on=day,
                                     due_on=due, note=""))


@dataclass(frozen=True)
class Deposit:
    unit: Unit
    amount: int
    receipt_no: str
    collected_by: User
    second_person: User
    checked_with: User
    received_on: date


def record_deposit(file_id: int, version: int, deposit: Deposit, *, actor: User, now: datetime,
                   submission: Submission | None = None) -> BuyerFile:
    """第十二步: the deposit, taken by finance or the project manager with a second person present, after the
    unit was checked again with the project manager or 销控."""

    def apply(file, row):
        people = len({deposit.collected_by.id, deposit.second_person.id})
        problems = deposit_problems(sales_role(deposit.collected_by), people)
        if problems:
            raise PipelineRefused("；".join(problems), "collected_by")
        if sales_role(deposit.checked_with) is SalesRole.SALES_CONSULTANT:
            raise PipelineRefused("房号须报项目经理或其指定的销控人员核查。", "checked_with")
        lock = unit_sealed_by(deposit.unit.id)
        if lock is not None and lock.file_id != file.id:
            raise PipelineRefused(_sealed_message(lock, actor), "unit_id")
        _check_recorded(S.DEPOSIT, {
            "unit": deposit.unit.id, "amount": deposit.amount, "receipt_no": deposit.receipt_no,
            "collected_by": deposit.collected_by.id, "second_person": deposit.second_person.id,
            "unit_confirmed_with": deposit.checked_with.id})
        file.unit_id = deposit.unit.id
        row.unit_id, row.amount, row.document_no = deposit.unit.id, deposit.amount, deposit.receipt_no
        row.collected_by_id, row.second_person_id = deposit.collected_by.id, deposit.second_person.id
        row.checked_by_id, row.on_date = deposit.checked_with.id, deposit.received_on

    return _step(file_id, version, S.DEPOSIT, actor=actor, now=now, apply=apply, submission=submission)


@dataclass(frozen=True)
class Subscription:
    unit: Unit
    document_no: str
    signed_on: date
    signed_by_agent: bool  # False: the buyer in person
    agent_name: str
    notarised: bool
    id_copy_kept: bool
    reviewed_by: User
    down_payment_due_on: date
    down_payment_amount: int


def sign_subscription(file_id: int, version: int, sub: Subscription, *, actor: User,
                      now: datetime,
                      submission: Submission | None = None) -> BuyerFile:
    """第十三步: the signed subscription, reviewed by the project manager; the unit is sealed at once, and the
    down-payment reminders (第十四步) are scheduled from its due date."""

    def apply(file, row):
        problems = subscription_problems(sales_role(sub.reviewed_by), not sub.signed_by_agent,
                                         sub.signed_by_agent and sub.notarised)
        if problems:
            field = "reviewed_by" if sales_role(sub.reviewed_by) is SalesRole.SALES_CONSULTANT else "signer"
            raise PipelineRefused("；".join(problems), field)
        lock = unit_sealed_by(sub.unit.id)
        if lock is not None:
            raise PipelineRefused(_sealed_message(lock, actor), "unit_id")
        _check_recorded(S.SUBSCRIPTION, {
            "unit": sub.unit.id, "signed_by": sub.agent_name if sub.signed_by_agent else "本人",
            "reviewed_by": sub.reviewed_by.id, "id_copy_kept": sub.id_copy_kept or None, "unit_sealed": True})
        try:
            with db.session.begin_nested():
                db.session.add(UnitLock(unit_id=sub.unit.id, file_id=file.id, locked_at=now,
                                        locked_by_id=actor.id))
        except IntegrityError:
            raise PipelineRefused(_sealed_message(unit_sealed_by(sub.unit.id), actor), "unit_id") from None
        file.unit_id = sub.unit.id
        file.down_payment_due_on, file.down_payment_amount = sub.down_payment_due_on, sub.down_payment_amount
        row.unit_id, row.document_no, row.on_date = sub.unit.id, sub.document_no, sub.signed_on
        row.checked_by_id = sub.reviewed_by.id
        row.details = {"signed_by": "agent" if sub.signed_by_agent else "buyer", "agent_name": sub.agent_name,
                       "notarised": sub.notarised, "id_copy_kept": sub.id_copy_kept,
                       "down_payment_due_on": sub.down_payment_due_on.isoformat(),
                       "down_payment_amount": sub.down_payment_amount}
        _schedule(file, S.DOWN_PAYMENT, sub.down_payment_due_on, local(now).date())

    try:
        return _step(file_id, version, S.SUBSCRIPTION, actor=actor, now=now, apply=apply,
                     submission=submission)
    except IntegrityError:
        # A seal committed by a subscription signed at the same instant: say who has the unit.
        lock = unit_sealed_by(sub.unit.id)
        if lock is None or lock.file_id == file_id:
            raise
        raise PipelineRefused(_sealed_message(lock, actor), "unit_id") from None


def record_down_payment(file_id: int, version: int, *, paid_on: date, amount: int, receipt_no: str,
                        actor: User, now: datetime,
                        submission: Submission | None = None) -> BuyerFile:
    """第十四步: the down payment received; paid after its due date, the project manager hears of it."""

    def apply(file, row):
        _check_recorded(S.DOWN_PAYMENT, {"due_on": file.down_payment_due_on, "amount": amount,
                                         "paid_on": paid_on})
        row.on_date, row.amount, row.document_no = paid_on, amount, receipt_no
        row.details = {"due_on": file.down_payment_due_on.isoformat()}
        if is_payment_missed(file.down_payment_due_on, paid_on, paid_on) and file.payment_reported_at is None:
            file.payment_reported_at = now
            _tell_project_manager(
                file, now=now, title=f"首期款逾期：{file.customer_name}（{file.salesperson.display_name}）",
                body=f"应于 {file.down_payment_due_on:%Y-%m-%d} 交纳，实际 {paid_on:%Y-%m-%d} 交纳。")

    return _step(file_id, version, S.DOWN_PAYMENT, actor=actor, now=now, apply=apply, submission=submission)


def sign_contract(file_id: int, version: int, *, contract_no: str, signed_on: date, documents_checked: bool,
                  paid_by_other: bool, statement_kept: bool, actor: User, now: datetime,
                  submission: Submission | None = None) -> BuyerFile:
    """第十五步: the purchase contract; mortgage papers checked; a third party paying leaves a written
    statement."""

    def apply(_file, row):
        if paid_by_other and not statement_kept:
            raise PipelineRefused("代替购房人交楼款者必须出具书面证明。", "statement_kept")
        _check_recorded(S.PURCHASE_CONTRACT, {"contract_no": contract_no, "signed_on": signed_on,
                                              "mortgage_documents_checked": documents_checked or None})
        row.document_no, row.on_date = contract_no, signed_on
        row.details = {"documents_checked": documents_checked, "paid_by_other": paid_by_other,
                       "statement_kept": statement_kept}

    return _step(file_id, version, S.PURCHASE_CONTRACT, actor=actor, now=now, apply=apply,
                 submission=submission)


def arrange_mortgage(file_id: int, version: int, *, appointment_on: date, place: str, documents: list[str],
                     actor: User, now: datetime,
                     submission: Submission | None = None) -> BuyerFile:
    """第十六步: the mortgage appointment, with what to bring and where; reminders 7, 3 and 1 days before."""

    def apply(file, row):
        _check_recorded(S.MORTGAGE, {"appointment_on": appointment_on, "place": place,
                                     "documents": "、".join(documents)})
        row.on_date = appointment_on
        row.details = {"place": place, "documents": documents}
        _schedule(file, S.MORTGAGE, appointment_on, local(now).date())

    return _step(file_id, version, S.MORTGAGE, actor=actor, now=now, apply=apply, submission=submission)


def hand_over(file_id: int, version: int, *, handed_over_on: date, congratulated: bool, note: str,
              actor: User, now: datetime, submission: Submission | None = None) -> BuyerFile:
    """第十七步: the handover (入伙), with the customer congratulated."""

    def apply(_file, row):
        if not congratulated:
            raise PipelineRefused("一定要向客户表示祝贺。", "congratulated")
        _check_recorded(S.HANDOVER, {"handed_over_on": handed_over_on})
        row.on_date = handed_over_on
        row.details = {"congratulated": True, "note": note}

    return _step(file_id, version, S.HANDOVER, actor=actor, now=now, apply=apply, submission=submission)


# ---- reminders -----------------------------------------------------------------------------------

#: A reminder is live while its file waits at the step before the one it reminds of.
_WAITING_AT = {S.DOWN_PAYMENT.value: S.SUBSCRIPTION.value, S.MORTGAGE.value: S.MORTGAGE.value}


@dataclass(frozen=True)
class ReminderItem:
    reminder: BuyerReminder
    file: BuyerFile
    brief: ReminderBrief
    carried_over: bool  # its day has passed and it was not ticked off


def _brief(reminder: BuyerReminder, file: BuyerFile) -> ReminderBrief:
    unit = file.unit
    details = next((s.details for s in file.steps if s.step == S.MORTGAGE.value), {})
    return reminder_brief(
        reminder.step, days_before=reminder.days_before, due_date=reminder.due_on,
        customer=file.customer_name,
        salesperson=file.salesperson.display_name, project=unit.building.project.name if unit else "",
        unit=f"{unit.building.name} {unit.number}" if unit else "", amount=file.down_payment_amount,
        place=details.get("place", ""), documents=tuple(details.get("documents", ())),
    )


def reminders_due(user: User, today: date) -> list[ReminderItem]:
    """The user's reminders to make today: today's, and earlier ones not yet ticked off while the date they
    remind of is still ahead (afterwards the missed-payment report takes over)."""
    return _reminders(today, BuyerFile.salesperson_id == user.id, BuyerReminder.remind_on <= today)


def reminders_falling_on(today: date) -> list[ReminderItem]:
    """Every salesperson's reminders whose day is ``today`` (the messages to them and their customers)."""
    return _reminders(today, BuyerReminder.remind_on == today)


def _reminders(today: date, *conditions) -> list[ReminderItem]:
    statement = (
        select(BuyerReminder, BuyerFile).join(BuyerFile)
        .where(*conditions, BuyerReminder.done_at.is_(None), BuyerReminder.due_on >= today)
        .options(selectinload(BuyerFile.steps), selectinload(BuyerFile.salesperson),
                 selectinload(BuyerFile.unit).selectinload(Unit.building).selectinload(Building.project))
        .order_by(BuyerReminder.due_on, BuyerReminder.id)
    )
    return [ReminderItem(r, f, _brief(r, f), r.remind_on < today)
            for r, f in db.session.execute(statement) if f.step == _WAITING_AT[r.step]]


def reminders_of(file: BuyerFile) -> list[BuyerReminder]:
    return list(db.session.scalars(select(BuyerReminder).where(BuyerReminder.file_id == file.id)
                                   .order_by(BuyerReminder.remind_on)))


def get_reminder(reminder_id: int) -> BuyerReminder | None:
    return db.session.get(BuyerReminder, reminder_id)


def tick_reminder(reminder_id: int, *, outcome: ReminderOutcome, note: str, actor: User,
                  now: datetime) -> BuyerReminder:
    """Tick a reminder off with how the call went (once: a second tick is refused). A customer who cannot pay
    the down payment on time is reported to the project manager at once (第十四步 5))."""
    with unit_of_work():
        reminder = db.session.get(BuyerReminder, reminder_id)
        if reminder is None:
            raise LookupError(f"no reminder {reminder_id}")
        ticked = db.session.execute(
            update(BuyerReminder).where(BuyerReminder.id == reminder_id, BuyerReminder.done_at.is_(None))
            .values(done_at=now, done_by_id=actor.id, outcome=outcome.value, note=note[:300])
            .execution_options(synchronize_session=False)
        ).rowcount
        if ticked != 1:
            raise ReminderAlreadyDone(reminder_id)
        step = PipelineStep(reminder.step)
        reported_step = REQUIREMENTS[step].report_missed_to is SalesRole.PROJECT_MANAGER
        if outcome.reports_to_project_manager and reported_step:
            _claim_report(reminder.file_id, now, title_prefix="客户表示不能按期交纳首期款", reason=note)
    db.session.refresh(reminder)
    return reminder


def _claim_report(file_id: int, now: datetime, *, title_prefix: str, reason: str = "") -> bool:
    """Report the file's down payment to the project manager once (a conditional UPDATE claims it)."""
    claimed = db.session.execute(
        update(BuyerFile).where(BuyerFile.id == file_id, BuyerFile.payment_reported_at.is_(None))
        .values(payment_reported_at=now).execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        return False
    file = db.session.get(BuyerFile, file_id)
    body = f"首期款 {file.down_payment_amount or ''} 元，应于 {file.down_payment_due_on:%Y-%m-%d} 交纳。"
    _tell_project_manager(file, now=now, title=f"{title_prefix}：{file.customer_name}"
                          f"（{file.salesperson.display_name}）",
                          body=body + (f" {reason}" if reason else ""))
    return True


def report_missed_payments(now: datetime) -> int:
    """Tell the project manager of every down payment whose due date passed unpaid (once per file; cron-safe:
    each report is claimed by a conditional UPDATE, so overlapping runs report nothing twice)."""
    today = local(now).date()
    with unit_of_work():
        late = db.session.scalars(select(BuyerFile.id).where(
            BuyerFile.step == S.SUBSCRIPTION.value, BuyerFile.down_payment_due_on < today,
            BuyerFile.payment_reported_at.is_(None))).all()
        reported = sum(_claim_report(file_id, now, title_prefix="首期款逾期未交") for file_id in late)
    return reported


# ---- phone register (第一步) ------------------------------------------------------------------------


def log_enquiry(*, salesperson: User, now: datetime, caller_name: str, mobile: str | None, question: str,
                heard_from: str, callback_on: date | None,
                submission: Submission | None = None) -> PhoneEnquiry:
    """第一步: a call in the phone register (once per submission: the form sent again is one call)."""
    with unit_of_work():
        first = submissions.repeat_of(submission, PhoneEnquiry, now)
        if first is not None:
            return first
        enquiry = PhoneEnquiry(salesperson_id=salesperson.id, at=now, caller_name=caller_name,
                               mobile=mobile or None,
                               question=question, heard_from=heard_from, callback_on=callback_on)
        db.session.add(enquiry)
        db.session.flush()
        submissions.settle(submission, enquiry.id)
    return enquiry


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), SHANGHAI)
    return start, start + timedelta(days=1)


def enquiries_on(day: date, user: User) -> list[PhoneEnquiry]:
    start, end = _day_bounds(day)
    return list(db.session.scalars(select(PhoneEnquiry).where(
        PhoneEnquiry.salesperson_id == user.id, PhoneEnquiry.at >= start, PhoneEnquiry.at < end)
        .order_by(PhoneEnquiry.at.desc())))


def enquiry_counts(day: date, user: User) -> tuple[int, int]:
    """第一步 3) "作好每天进线电话的统计": (the user's, the whole office's) inbound sales calls of the day."""
    start, end = _day_bounds(day)
    mine, total = db.session.execute(select(
        func.count(PhoneEnquiry.id).filter(PhoneEnquiry.salesperson_id == user.id),
        func.count(PhoneEnquiry.id))
        .where(PhoneEnquiry.at >= start, PhoneEnquiry.at < end)).one()
    return mine, total


def callbacks_due(day: date, user: User) -> list[PhoneEnquiry]:
    """第二步 电话回访: callers the user planned to call back today."""
    return list(db.session.scalars(select(PhoneEnquiry).where(
        PhoneEnquiry.salesperson_id == user.id, PhoneEnquiry.callback_on == day).order_by(PhoneEnquiry.at)))
