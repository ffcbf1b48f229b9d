"""The model home (样板间, seed 002): the butler's rounds on the tablet, the missed-round alert, failed checks
sent as task slips, the asset loss and damage record, and calling a salesperson for a visitor who came alone.

A model home is a kiosk tablet of place ``model_home``; its rounds follow the tablet's opening hours
(8:30–19:00 in the seed) through ``kiosk.domain.model_home``. Who hears of a missed round or a failed
check: the model home's supervisor (主管/大管家) set by the admin, else every supervisor. The supervisor
also owns the task slips a round opens (the butler at the tablet has no login).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from kiosk.clock import local
from kiosk.database import dialect_insert, unit_of_work
from kiosk.domain.classify import Place
from kiosk.domain.deadlines import Priority
from kiosk.domain.model_home import (
    CHECKLISTS,
    AssetEvent,
    AssetHandling,
    DamageCause,
    DueRound,
    RoundKind,
    RoundStatus,
    asset_handling,
    can_start,
    missed_rounds,
    round_statuses,
    rounds_due,
)
from kiosk.domain.rotation import first_up
from kiosk.extensions import db
from kiosk.models.model_home import AssetRecord, ModelHome, ModelHomeCheck, ModelHomeRound, RoundCheck
from kiosk.models.people import Department, Role, User
from kiosk.models.tasks import SlipSource
from kiosk.models.visits import KioskDevice
from kiosk.services import accounts, audit, rotation, submissions
from kiosk.services.directory import working_calendar
from kiosk.services.notifications import notify
from kiosk.services.photos import Photo, PhotoStorage
from kiosk.services.tasks import open_slip

SUPERVISOR_PAGE = "/model-homes/"
ASSETS_PAGE = "/model-homes/assets"
#: The task-slip category of a failed check, by the department it goes to.
_CATEGORY = {"engineering": "repair", "environment": "cleaning", "security": "security"}


class RoundRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# ---- tablets and their settings ------------------------------------------------------------------


def model_home_devices() -> list[KioskDevice]:
    statement = select(KioskDevice).where(KioskDevice.place == Place.MODEL_HOME.value,
                                          KioskDevice.revoked.is_(False))
    return list(db.session.scalars(statement.order_by(KioskDevice.name)))


def model_home_device(device_id: int) -> KioskDevice | None:
    """The tablet with this id if it stands in a model home (revoked or not)."""
    tablet = db.session.get(KioskDevice, device_id)
    return tablet if tablet is not None and tablet.place == Place.MODEL_HOME.value else None


def supervisor_of(device: KioskDevice) -> User | None:
    settings = db.session.get(ModelHome, device.id)
    return settings.supervisor if settings and settings.supervisor and settings.supervisor.active else None


def set_supervisor(device: KioskDevice, supervisor: User | None, *, by: audit.By | None = None) -> None:
    with unit_of_work():
        settings = db.session.get(ModelHome, device.id) or ModelHome(device_id=device.id)
        before = settings.supervisor.username if settings.supervisor else None
        settings.supervisor_id = supervisor.id if supervisor else None
        db.session.add(settings)
        audit.record(by, audit.Action.MODEL_HOME_SUPERVISOR,
                     audit.Subject(audit.ObjectType.MODEL_HOME, device.id, device.name),
                     {"supervisor": before}, {"supervisor": supervisor.username if supervisor else None})


def _tell_supervisor(device: KioskDevice, *, kind: str, title: str, body: str = "", link: str, now: datetime,
                     level: str = "urgent") -> None:
    person = supervisor_of(device)
    target = {"user": person} if person else {"role": Role.SUPERVISOR.value}
    notify(kind=kind, title=title, body=body, link=link, level=level, now=now, **target)


def _slip_owner(device: KioskDevice) -> User | None:
    """Who owns a slip a round opens: the model home's supervisor, else the longest-serving supervisor or
    admin."""
    person = supervisor_of(device)
    if person is not None:
        return person
    for role in (Role.SUPERVISOR, Role.ADMIN):
        people = accounts.active_users(role)
        if people:
            return min(people, key=lambda u: u.id)
    return None


# ---- checklists (an admin edits them) ------------------------------------------------------------


def ensure_default_checks() -> None:
    """A kind with no items at all starts from the seed's list (seed 002 §1, §2, §4); once an admin has
    items for it, theirs are kept (retired items stay inactive, never come back)."""
    have = set(db.session.scalars(select(ModelHomeCheck.kind).distinct()))
    if have >= {k.value for k in RoundKind}:
        return
    with unit_of_work():
        have = set(db.session.scalars(select(ModelHomeCheck.kind).distinct()))
        departments = dict(db.session.execute(select(Department.code, Department.id)).all())
        for kind in RoundKind:
            if kind.value in have:
                continue
            for position, item in enumerate(CHECKLISTS[kind], start=1):
                db.session.add(ModelHomeCheck(kind=kind.value, text=item.text_zh, position=position * 10,
                                              active=True,
                                              department_id=departments.get(item.department)))


def get_check(check_id: int) -> ModelHomeCheck | None:
    return db.session.get(ModelHomeCheck, check_id)


def checklist(kind: RoundKind | str, *, include_retired: bool = False) -> list[ModelHomeCheck]:
    statement = select(ModelHomeCheck).where(ModelHomeCheck.kind == RoundKind(kind).value)
    if not include_retired:
        statement = statement.where(ModelHomeCheck.active.is_(True))
    return list(db.session.scalars(statement.order_by(ModelHomeCheck.position, ModelHomeCheck.id)))


def _check_values(check: ModelHomeCheck) -> dict:
    values = audit.fields_of(check, ("kind", "text", "position", "active"))
    values["department"] = check.department.name if check.department else None
    return values


def save_check(check: ModelHomeCheck | None, *, kind: RoundKind, text: str, department: Department | None,
               position: int, active: bool, by: audit.By | None = None) -> ModelHomeCheck:
    with unit_of_work():
        check = db.session.get(ModelHomeCheck, check.id) if check else ModelHomeCheck(kind=kind.value)
        before = _check_values(check) if check.id else None
        check.kind, check.text, check.position, check.active = RoundKind(kind).value, text, position, active
        check.department = department
        db.session.add(check)
        db.session.flush()
        audit.record(by, audit.Action.CHECK_CHANGED if before else audit.Action.CHECK_CREATED,
                     audit.Subject(audit.ObjectType.CHECK, check.id, check.text), before,
                     _check_values(check))
    return check


# ---- rounds --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoundView:
    """One round of the day as a page shows it."""

    due: DueRound
    status: RoundStatus
    row: ModelHomeRound | None
    startable: bool
    link: str  # its row on the supervisor's page (``round_link``)

    @property
    def anchor(self) -> str:
        return self.link.partition("#")[2]

    @property
    def slot(self) -> str:
        return slot_of(self.due.due_at)

    @property
    def failed(self) -> list[RoundCheck]:
        return [c for c in self.row.checks if not c.ok] if self.row else []


def slot_of(due_at: datetime) -> str:
    """A round's slot in a URL: its Shanghai wall-clock time, ``0830``."""
    return local(due_at).strftime("%H%M")


def day_rounds(device: KioskDevice, day: date) -> list[DueRound]:
    return rounds_due(day, device.opens_at, device.closes_at)


def _stored(device: KioskDevice, day: date) -> dict[tuple[str, datetime], ModelHomeRound]:
    due = day_rounds(device, day)
    rows = db.session.scalars(select(ModelHomeRound).where(
        ModelHomeRound.device_id == device.id, ModelHomeRound.due_at >= due[0].due_at,
        ModelHomeRound.due_at <= due[-1].due_at)
        .options(selectinload(ModelHomeRound.checks).selectinload(RoundCheck.slip))).all()
    return {(r.kind, r.due_at): r for r in rows}


def _completed(stored: dict) -> list[tuple[RoundKind, datetime, datetime]]:
    return [(RoundKind(r.kind), r.due_at, r.completed_at) for r in stored.values() if r.completed_at]


def _slot(device: KioskDevice, due: DueRound):
    """The condition picking the stored row of one round."""
    return ((ModelHomeRound.device_id == device.id) & (ModelHomeRound.kind == due.kind.value)
            & (ModelHomeRound.due_at == due.due_at))


def rounds_of_day(device: KioskDevice, day: date, now: datetime) -> list[RoundView]:
    due = day_rounds(device, day)
    stored = _stored(device, day)
    completed = _completed(stored)
    return [RoundView(d, status, stored.get((d.kind.value, d.due_at)), can_start(d.kind, d.due_at, now),
                      round_link(device, d))
            for d, status in round_statuses(due, completed, now)]


def round_link(device: KioskDevice, due: DueRound) -> str:
    """A round's row on the supervisor's page of its day: what a missed-round alert links to, and the key
    of the messages about it (their delivery status shows on that row)."""
    return (f"{SUPERVISOR_PAGE}?day={local(due.due_at).date().isoformat()}"
            f"#round-{device.id}-{due.kind.value}-{slot_of(due.due_at)}")


def find_round(device: KioskDevice, kind: str, slot: str, day: date) -> DueRound | None:
    """The day's round of this kind at this slot (``0830``), or None."""
    for due in day_rounds(device, day):
        if due.kind.value == kind and slot_of(due.due_at) == slot:
            return due
    return None


@dataclass(frozen=True)
class CheckResult:
    check: ModelHomeCheck
    ok: bool
    note: str


def _claim_row(device: KioskDevice, due: DueRound) -> None:
    db.session.execute(dialect_insert(ModelHomeRound).values(
        device_id=device.id, kind=due.kind.value, due_at=due.due_at, butler_name="")
        .on_conflict_do_nothing(index_elements=["device_id", "kind", "due_at"]))


def _round_row(device: KioskDevice, due: DueRound) -> ModelHomeRound:
    return db.session.scalar(select(ModelHomeRound).where(_slot(device, due))
                             .execution_options(populate_existing=True))


def complete_round(device: KioskDevice, due: DueRound, *, butler_name: str, results: list[CheckResult],
                   now: datetime) -> ModelHomeRound:
    """Record a round done by the butler. A failed check opens a task slip to its department (undispatched
    when none is set) and the supervisor hears of it. A round is recorded once: two tablets (or a double
    tap) cannot both complete it -- the completion is a conditional UPDATE on the slot's row."""
    if not can_start(due.kind, due.due_at, now):
        raise RoundRefused(f"{due.kind.label_zh}（{local(due.due_at):%H:%M}）还没到时间。")
    with unit_of_work():
        _claim_row(device, due)
        done = db.session.execute(
            update(ModelHomeRound).where(_slot(device, due), ModelHomeRound.completed_at.is_(None))
            .values(completed_at=now, butler_name=butler_name).execution_options(synchronize_session=False)
        ).rowcount
        if done != 1:
            raise RoundRefused(f"{due.kind.label_zh}（{local(due.due_at):%H:%M}）已经有人完成了。")
        row = _round_row(device, due)
        what = f"样板间「{device.name}」{due.kind.label_zh}（{local(due.due_at):%H:%M}）"
        owner = _slip_owner(device)
        failed = []
        for result in results:
            check = RoundCheck(check_id=result.check.id, text=result.check.text, ok=result.ok,
                               note=result.note)
            if not result.ok and owner is not None:
                department = result.check.department
                check.slip = open_slip(
                    source=SlipSource.STAFF,
                    category=_CATEGORY.get(department.code if department else "", "other"),
                    priority=Priority.ROUTINE, description=f"{what}：{result.check.text} — {result.note}",
                    owner=owner, now=now, calendar=working_calendar(), department=department,
                    location=f"样板间 {device.name}", caller_name=butler_name,
                    note=f"巡查发现问题，管家 {butler_name} 上报",
                )
            if not result.ok:
                failed.append(check)
            row.checks.append(check)
        if failed:
            _tell_supervisor(device, kind="model_home_problem", now=now, link=SUPERVISOR_PAGE,
                             title=f"{what}发现 {len(failed)} 项问题，已开任务单",
                             body="；".join(f"{c.text}：{c.note}" for c in failed))
    return row


def alert_missed_rounds(now: datetime) -> int:
    """Alert the supervisor once for each round not done by its time (due + grace), today's and yesterday's,
    on every paired model-home tablet (rounds due before it was paired do not count). Cron-safe and
    idempotent: the alert is claimed with a conditional UPDATE on the slot's row."""
    alerted = 0
    today = local(now).date()
    for device in model_home_devices():
        if device.paired_at is None:
            continue
        for day in (today - timedelta(days=1), today):
            stored = _stored(device, day)
            completed = _completed(stored)
            for due in missed_rounds(day_rounds(device, day), completed, now):
                row = stored.get((due.kind.value, due.due_at))
                if due.due_at < device.paired_at or (row is not None and row.missed_alerted_at is not None):
                    continue
                alerted += _alert_one(device, due, now)
    return alerted


def _alert_one(device: KioskDevice, due: DueRound, now: datetime) -> int:
    with unit_of_work():
        _claim_row(device, due)
        claimed = db.session.execute(
            update(ModelHomeRound).where(_slot(device, due), ModelHomeRound.missed_alerted_at.is_(None))
            .values(missed_alerted_at=now).execution_options(synchronize_session=False)
        ).rowcount
        if claimed == 1:
            at = local(due.due_at)
            _tell_supervisor(device, kind="model_home_missed", now=now, link=round_link(device, due),
                             title=f"样板间「{device.name}」{at:%m-%d %H:%M} 的{due.kind.label_zh}未按时完成",
                             body="请联系样板间管家核实（8:30 上岗检查、每小时清点、19:00 闭店检查）。")
    return claimed


# ---- a visitor alone (seed 002 大堂接待服务) -------------------------------------------------------


def call_duty_salesperson(device: KioskDevice, now: datetime) -> User | None:
    """"如客户一人来到样板大堂想参观样板间…快速联系销售人员": tell the rotation's first-up salesperson at once
    (in-app). This calls them over; the reception itself is recorded through the rotation as usual. With
    nobody at the desk, the supervisors are told. Returns who was called."""
    today = rotation.open_day(rotation.DEFAULT_OFFICE, local(now).date(), now)
    with unit_of_work():
        duty = first_up(rotation.replay_day(today))
        person = db.session.get(User, rotation.uid(duty)) if duty else None
        title = f"样板间「{device.name}」有客户独自到访，请尽快前往陪同参观"
        if person is not None:
            notify(kind="model_home_visitor", title=title, body="大堂管家已请客户稍坐等候。",
                   link=rotation.PAGE_PATH, level="urgent", user=person, now=now)
        else:
            notify(kind="model_home_visitor", title=title + "（轮值表上无人在岗）", link=rotation.PAGE_PATH,
                   level="urgent", role=Role.SUPERVISOR.value, now=now)
    return person


# ---- asset loss and damage (《样板间资产丢失损坏备案表》) ------------------------------------------


@dataclass(frozen=True)
class AssetReport:
    item: str
    event: AssetEvent
    happened: str
    occurred_at: datetime
    cause: DamageCause | None
    person: str
    compensation: int | None
    management_fault: bool
    reported_by: str


def get_asset_record(record_id: int) -> AssetRecord | None:
    return db.session.get(AssetRecord, record_id)


def handling_of(record: AssetRecord) -> AssetHandling:
    return asset_handling(AssetEvent(record.event), DamageCause(record.cause) if record.cause else None,
                          record.management_fault)


def record_asset_event(device: KioskDevice, report: AssetReport, photos: list[Photo], *,
                       storage: PhotoStorage, now: datetime,
                       submission: submissions.Submission | None = None) -> AssetRecord:
    """File the 备案表 with its photos and report it to the head butler, the supervisor (seed 002 二 2)
    "应及时上报大管家"). A record that is not filed leaves no photo behind (kiosk.services.photos). Once per
    submission: the form sent again answers with the first record and stores no photo of its own."""
    saved: list[dict] = []
    try:
        return _file_asset_record(device, report, photos, storage, saved, now, submission)
    except BaseException:
        with unit_of_work():  # the record's transaction is rolled back; a file outlives it
            for ref in saved:
                storage.delete(ref)
        raise


def _file_asset_record(device: KioskDevice, report: AssetReport, photos: list[Photo], storage: PhotoStorage,
                       saved: list[dict], now: datetime,
                       submission: submissions.Submission | None) -> AssetRecord:
    handling = asset_handling(report.event, report.cause, report.management_fault)
    with unit_of_work():
        first = submissions.repeat_of(submission, AssetRecord, now)
        if first is not None:
            return first
        record = AssetRecord(
            device_id=device.id, item=report.item, event=report.event.value,
            happened=report.happened, occurred_at=report.occurred_at,
            cause=report.cause.value if report.cause and report.event is AssetEvent.DAMAGED else None,
            person=report.person if handling.person_pays else "",
            compensation=report.compensation if handling.person_pays else None,
            management_fault=report.management_fault, reported_by=report.reported_by, created_at=now,
            photos=[],
        )
        db.session.add(record)
        db.session.flush()
        for photo in photos:
            saved.append(storage.save(record, photo))
        record.photos = list(saved)
        event = "丢失" if report.event is AssetEvent.LOST else "损坏"
        _tell_supervisor(device, kind="model_home_asset", now=now, link=f"{ASSETS_PAGE}/{record.id}",
                         title=f"样板间「{device.name}」物品{event}：{report.item}", body=report.happened,
                         level="info")
        submissions.settle(submission, record.id)
    return record


def asset_records(limit: int = 200) -> list[AssetRecord]:
    return list(db.session.scalars(select(AssetRecord).order_by(AssetRecord.occurred_at.desc(),
                                                                AssetRecord.id.desc()).limit(limit)))
