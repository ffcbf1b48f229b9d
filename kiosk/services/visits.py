"""Visits: sign in (classify, alert, badge), sign out, the staff log, appointments, retention."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    Select,
    bindparam,
    exists,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.exc import IntegrityError

from kiosk.clock import SHANGHAI
from kiosk.database import (
    driver_write,
    end_session_read,
    in_transaction,
    insert_or_skip,
    rows_alone,
    unit_of_work,
    write_alone,
)
from kiosk.domain.classify import (
    AlertRole,
    Classification,
    Place,
    VisitPurpose,
    WatchKind,
    WatchListEntry,
    classify_visit,
    match_watch_list,
)
from kiosk.domain.messaging import first_step
from kiosk.domain.schedules import next_wall_clock_time
from kiosk.extensions import db
from kiosk.models.people import Department, Role, User
from kiosk.models.property import OwnerPhone
from kiosk.models.visits import Appointment, Incident, KioskDevice, OnSiteCount, Visit, WatchPerson
from kiosk.services import outbox, submissions
from kiosk.services.devices import Tablet
from kiosk.services.notifications import notify

# Badge and appointment codes: no 0/O, 1/I/L, so they can be read aloud and typed on a tablet.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
BADGE_LENGTH = 6
APPOINTMENT_LENGTH = 6
ANONYMISED_NAME = "—"


class SignOutMethod:
    KIOSK = "kiosk"
    STAFF = "staff"
    AUTOMATIC = "automatic"


class Relation:
    OWNER = "owner"
    FORMER_EMPLOYEE = "former_employee"
    OTHER = "other"


def new_code(length: int) -> str:
    """A code of ``length`` characters of ``CODE_ALPHABET``, each as likely as any: one number drawn from
    the system's randomness, written in the alphabet's base (a draw per character asked the kernel six
    times per badge)."""
    number, characters = secrets.randbelow(len(CODE_ALPHABET) ** length), []
    for _ in range(length):
        number, digit = divmod(number, len(CODE_ALPHABET))
        characters.append(CODE_ALPHABET[digit])
    return "".join(characters)


def normalise_code(text: str | None) -> str:
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())


@dataclass(frozen=True)
class SignIn:
    """What the visitor typed, already validated by the form."""

    purpose: VisitPurpose
    name: str
    mobile: str | None
    party_size: int = 1
    relation: str | None = None
    organisation: str | None = None
    host_name: str | None = None
    host_department_id: int | None = None
    appointment_id: int | None = None
    been_before: bool | None = None
    previous_salesperson: str | None = None


# ---- whom an alert reaches -------------------------------------------------------------------------

# AlertRole -> (department code, only its supervisors?)
_ALERT_DEPARTMENTS = {
    AlertRole.SERVICE_CENTRE: ("service_centre", False),
    AlertRole.SERVICE_CENTRE_SUPERVISOR: ("service_centre", True),
    AlertRole.HR: ("hr", False),
    AlertRole.HR_OFFICER: ("hr", False),
    AlertRole.PR_ADMIN: ("pr_admin", False),
    AlertRole.OFFICE_DIRECTOR: ("management_office", True),
    AlertRole.OFFICE_SERVICE_SUPERVISOR: ("management_office", False),
}


def alert_targets(role: AlertRole) -> list[dict]:
    """``notify`` keyword targets for an alert role: the department, or its supervisors by name.

    Without such a department (a fresh installation) every supervisor is told, so no alert is lost.
    """
    code, supervisors_only = _ALERT_DEPARTMENTS[role]
    department = db.session.scalar(select(Department).where(Department.code == code))
    if department is None:
        return [{"role": Role.SUPERVISOR.value}]
    if supervisors_only:
        users = [u for u in department.users if u.active and u.has_role(Role.SUPERVISOR)]
        if users:
            return [{"user": u} for u in users]
    return [{"department": department}]


def visible_incidents(user: User):
    """``may_see_incident`` as a SQL condition on incidents (None: every incident)."""
    if user.has_role(Role.ADMIN, Role.SUPERVISOR):
        return None
    code = user.department.code if user.department is not None else None
    roles = [role.value for role, (department, _only) in _ALERT_DEPARTMENTS.items() if department == code]
    if not roles:
        return false()
    listed = literal(",") + Incident.alert_roles + literal(",")
    return or_(*(listed.contains(f",{role},") for role in roles))


def may_see_incident(user: User, incident: Incident) -> bool:
    """Supervisors and admins see every incident; other staff those alerted to their department."""
    if user.has_role(Role.ADMIN, Role.SUPERVISOR):
        return True
    if user.department is None:
        return False
    codes = {_ALERT_DEPARTMENTS[AlertRole(r)][0] for r in incident.alert_roles.split(",") if r}
    return user.department.code in codes


# ---- sign in ---------------------------------------------------------------------------------------


#: The tables a sign-in writes and reads, in Core statements handed to the driver in the transaction
#: (``in_transaction``): one sign-in is a handful of single-row statements, and the ORM's unit of work, or
#: SQLAlchemy's execution of each, would cost several times their price.
_VISITS = Visit.__table__
_WATCH_LIST = WatchPerson.__table__
_OWNER_PHONES = OwnerPhone.__table__
#: The visit a mobile has open at a place: one at most (``uq_visits_open_by_mobile``). A mobile of None
#: finds none.
_OPEN_VISIT = select(_VISITS.c.id).where(_VISITS.c.mobile == bindparam("mobile"),
                                         _VISITS.c.place == bindparam("place"),
                                         _VISITS.c.signed_out_at.is_(None))
#: The visit a tablet's sign-in form for a purpose made with a one-time key (``uq_visits_submission``).
_SENT_BEFORE = select(_VISITS.c.id, _VISITS.c.signed_in_at, _VISITS.c.badge_code).where(
    _VISITS.c.device_id == bindparam("device_id"), _VISITS.c.purpose == bindparam("purpose"),
    _VISITS.c.submission_key == bindparam("submission_key"))
#: What a sign-in reads before it writes, in one statement: about the mobile, by two index look-ups, the
#: visit it has open at the place and whether it is on a file of the register (the owner's own, a
#: co-owner's, a household member's ...); and the watch list, one row per entry (one row with no entry
#: when the list is empty). A mobile of None finds no visit and no file.
_ABOUT_VISITOR = select(
    _OPEN_VISIT.scalar_subquery().label("open_visit_id"),
    exists().where(_OWNER_PHONES.c.number == bindparam("mobile")).label("on_register"),
    *(_WATCH_LIST.c[name] for name in ("name", "mobile", "alert_role", "note", "kind")),
).select_from(select(literal_column("1").label("one")).subquery("visitor").outerjoin(_WATCH_LIST, true()))


@dataclass(frozen=True)
class SignedIn:
    """The visit a kiosk sign-in made, or the person's open visit when they were still on site
    (``rejoined``: its badge and time are those they were given then, None here)."""

    id: int
    signed_in_at: datetime | None = None
    badge_code: str | None = None
    rejoined: bool = False


def _watch_entries(rows) -> list[WatchListEntry]:
    """The watch list's entries among ``_ABOUT_VISITOR``'s rows."""
    return [WatchListEntry(name=row.name, mobile=row.mobile,
                           alert_role=AlertRole(row.alert_role) if row.alert_role else None,
                           note_zh=row.note, kind=WatchKind(row.kind))
            for row in rows if row.name is not None]


#: What a sign-in writes of a visit (the rest is left empty until sign-out or purge).
_VISIT_COLUMNS = ("place", "device_id", "purpose", "name", "mobile", "party_size", "relation", "organisation",
                  "host_name", "host_department_id", "host_user_id", "appointment_id", "been_before",
                  "previous_salesperson", "badge_code", "signed_in_at", "incident_class", "submission_key",
                  "waiting_for_salesperson", "anonymised")


#: How a sign-in runs a statement: ``in_transaction`` inside its write, ``write_alone`` on its own.
Run = Callable[[Any, dict], list]


def _insert_with_badge(values: dict, submission: submissions.Submission | None, run: Run) -> SignedIn:
    """The new visit, with its badge code. Or the visit its insert met instead: the one the first sending
    of ``submission`` made (a double tap, a resend: ``_sent_before``), or, ``rejoined``, the visit the
    mobile has open at the place after all (another tablet's sign-in of the same person). The insert waits
    for such a sign-in under way to commit, and skips (``uq_visits_submission``,
    ``uq_visits_open_by_mobile``). A badge code already taken inserts nothing, and another is drawn."""
    statement = insert_or_skip(_VISITS, _VISIT_COLUMNS, (), "id")
    for _attempt in range(10):
        code = new_code(BADGE_LENGTH)
        inserted = run(statement, {**values, "badge_code": code})
        if inserted:
            return SignedIn(inserted[0].id, values["signed_in_at"], code)
        first = _sent_before(submission, values["device_id"], values["purpose"], run)
        if first is not None:
            return first
        found = run(_OPEN_VISIT, values) if values["mobile"] else None
        if found:
            return SignedIn(found[0].id, rejoined=True)
    raise RuntimeError("no free badge code")


def _sent_before(submission: submissions.Submission | None, device_id: int, purpose: str,
                 run: Run = rows_alone) -> SignedIn | None:
    """The visit the first sending of ``submission`` made, its badge and time (``submission.repeat`` set);
    None when nothing was made with its key (or it has none)."""
    if submission is None:
        return None
    first = run(_SENT_BEFORE, {"device_id": device_id, "purpose": purpose, "submission_key": submission.key})
    if not first:
        return None
    submission.repeat = True
    return SignedIn(first[0].id, first[0].signed_in_at, first[0].badge_code)


def _visit_alone(data: SignIn, appointment: Appointment | None, outcome: Classification) -> bool:
    """Is the visit all a sign-in writes? No incident or alert, no host to tell, no appointment to mark
    used, no SMS to queue: then its insert is the whole write, one statement on its own."""
    return (appointment is None and not outcome.alert_roles and data.host_department_id is None
            and not outbox.customer_sms_possible(data.mobile))


def sign_in_visitor(device: KioskDevice | Tablet, data: SignIn, now: datetime,
                    submission: submissions.Submission | None = None) -> SignedIn:
    """Record a kiosk sign-in; open an incident and alert the right people when the rules say so.

    Once per submission: the same form sent again (a double tap) answers with the first visit and badge
    (the visit carries the form's one-time key: ``_sent_before``). Once per person on site: a mobile
    signing in again at the same place while its visit is still open returns to that visit
    (``rejoined``), with no second incident, alert or head count; so does a repeat of such a sign-in.

    What the sign-in needs to know of the person is read first, on its own (``_ABOUT_VISITOR``). A sign-in
    that writes only its visit (``_visit_alone``, most of them) then inserts it on its own: one statement
    that commits by itself. Any other writes its visit and the rest in one transaction. Two tablets
    signing the same person in at once may both read that the person is not on site: the unique index of
    open visits makes the second's insert wait for the first's to commit and skip, and the second returns
    to the first's visit (``_insert_with_badge``), with no incident or alert of its own.
    """
    device_id, device_name, place = device.id, device.name, Place(device.place)
    end_session_read()  # the session's reads after the sign-in (a hand-off) see the visit it met or made
    about = rows_alone(_ABOUT_VISITOR, {"mobile": data.mobile, "place": place.value})
    still_here, on_register = about[0].open_visit_id, bool(about[0].on_register)
    if still_here is not None:
        return _sent_before(submission, device_id, data.purpose.value) or SignedIn(still_here, rejoined=True)
    appointment = db.session.get(Appointment, data.appointment_id) if data.appointment_id else None
    hit = match_watch_list(data.name, data.mobile, _watch_entries(about))
    outcome = classify_visit(
        data.purpose, has_appointment=appointment is not None,
        is_owner=data.relation == Relation.OWNER or on_register,
        is_former_employee=data.relation == Relation.FORMER_EMPLOYEE, place=place, watch_list_match=hit,
    )
    incident_class = outcome.incident_class.value if outcome.incident_class else None
    values = {
        "place": place.value, "device_id": device_id, "purpose": data.purpose.value, "name": data.name,
        "mobile": data.mobile, "party_size": data.party_size, "relation": data.relation,
        "organisation": data.organisation, "host_name": data.host_name,
        "host_department_id": data.host_department_id,
        "host_user_id": appointment.host_id if appointment else None,
        "appointment_id": appointment.id if appointment else None,
        "been_before": data.been_before, "previous_salesperson": data.previous_salesperson,
        "signed_in_at": now, "incident_class": incident_class,
        "waiting_for_salesperson": (data.purpose is VisitPurpose.VIEWING
                                    and place in (Place.SALES_OFFICE, Place.MODEL_HOME)),
        "anonymised": False, "submission_key": submission.key if submission else None,
    }
    if _visit_alone(data, appointment, outcome):
        return _insert_with_badge(values, submission, write_alone)
    with driver_write():  # the ORM joins it for the incident, the alerts, the appointment, the messages
        visit = _insert_with_badge(values, submission, in_transaction)
        if visit.rejoined or (submission and submission.repeat):  # made by another sign-in a moment ago
            return visit
        if appointment is not None and appointment.used_at is None:
            appointment.used_at = now
        if outcome.alert_roles:
            _open_incident(visit, data.name, incident_class, outcome, place, device_name, now)
        _tell_host(visit, data, place, appointment, now)
        # Issue #21: the badge code to the visitor's own mobile (the number just given), when SMS is set up.
        outbox.queue_customer_sms("visitor_badge", data.mobile, {"code": visit.badge_code}, recipient="访客",
                                  now=now)
        return visit


def _open_incident(visit: SignedIn, name: str, incident_class: str | None, outcome, place: Place,
                   device_name: str, now: datetime) -> Incident:
    incident = Incident(
        visit_id=visit.id, incident_class=incident_class, watch_list_hit=outcome.watch_list_hit is not None,
        rule=outcome.rule[:120], reason=outcome.reason_zh[:300],
        instruction=outcome.front_desk_instruction_zh,
        alert_roles=",".join(r.value for r in outcome.alert_roles), opened_at=now,
        handled_by="", actions="", outcome="", case_study=False,
    )
    db.session.add(incident)
    db.session.flush()
    kind = f"{incident_class}类突发事件" if incident_class else "关注名单来访"
    title = f"{kind}：{name}（{place.label_zh}），请立即处理并确认"
    link = f"/visitors/incidents/{incident.id}"
    step, article = first_step(incident_class, at_office=place is Place.MANAGEMENT_OFFICE)
    where = f"{place.label_zh} · {device_name}"
    for role in outcome.alert_roles:
        for target in alert_targets(role):
            notify(kind="visitor_incident", title=title, body=outcome.reason_zh, link=link, level="urgent",
                   now=now, where=where, first_step=step, procedure=article, **target)
    return incident


def visit_link(visit: Visit | SignedIn) -> str:
    """The visit's row in the visitor log of its day: what the host's message links to, and the key of
    the messages about it (their delivery status shows on that row)."""
    return f"/visitors/?start={visit.signed_in_at.astimezone(SHANGHAI).date().isoformat()}#visit-{visit.id}"


def _tell_host(visit: SignedIn, data: SignIn, place: Place, appointment: Appointment | None,
               now: datetime) -> None:
    title = f"您的访客 {data.name} 已到达（{place.label_zh}，{data.party_size} 人）"
    if appointment is not None:
        notify(kind="visitor_arrived", title=title, user=appointment.host, now=now, link=visit_link(visit))
    elif data.host_department_id is not None:
        department = db.session.get(Department, data.host_department_id)
        notify(kind="visitor_arrived", title=title, department=department, now=now, link=visit_link(visit))


# ---- sign out --------------------------------------------------------------------------------------


def _sign_out_where(condition, method: str, now: datetime) -> int:
    with unit_of_work():
        count = db.session.execute(
            update(Visit).where(condition, Visit.signed_out_at.is_(None))
            .values(signed_out_at=now, sign_out_method=method)
            .execution_options(synchronize_session=False)
        ).rowcount
    return count


def sign_out_at_kiosk(code_or_mobile: str, mobile: str | None, now: datetime) -> int:
    """Sign out by badge code (typed or scanned from the QR code) or by mobile number."""
    if mobile:
        return _sign_out_where(Visit.mobile == mobile, SignOutMethod.KIOSK, now)
    code = normalise_code(code_or_mobile)
    if not code:
        return 0
    return _sign_out_where(Visit.badge_code == code, SignOutMethod.KIOSK, now)


def sign_out_by_staff(visit_id: int, now: datetime) -> int:
    return _sign_out_where(Visit.id == visit_id, SignOutMethod.STAFF, now)


def closing_after(moment: datetime, closes_at: time) -> datetime:
    """The first closing time (Shanghai wall clock) after ``moment``."""
    return next_wall_clock_time(moment, (closes_at,))


def auto_sign_out(now: datetime) -> int:
    """Sign out everyone still on site whose kiosk has closed since they came (idempotent)."""
    with unit_of_work():
        rows = db.session.execute(
            select(Visit.id, Visit.signed_in_at, KioskDevice.closes_at)
            .join(KioskDevice, Visit.device_id == KioskDevice.id)
            .where(Visit.signed_out_at.is_(None))
        ).all()
        count = 0
        for visit_id, signed_in_at, closes_at in rows:
            closing = closing_after(signed_in_at, closes_at)
            if closing <= now:
                count += db.session.execute(
                    update(Visit).where(Visit.id == visit_id, Visit.signed_out_at.is_(None))
                    .values(signed_out_at=closing, sign_out_method=SignOutMethod.AUTOMATIC)
                    .execution_options(synchronize_session=False)
                ).rowcount
    return count


# ---- retention -------------------------------------------------------------------------------------


def purge_visitors(older_than_days: int, now: datetime) -> int:
    """Anonymise the personal data of visits older than the period; the rows (and counts) stay."""
    cutoff = now - timedelta(days=older_than_days)
    with unit_of_work():
        count = db.session.execute(
            update(Visit).where(Visit.signed_in_at < cutoff, Visit.anonymised.is_(False))
            .values(name=ANONYMISED_NAME, mobile=None, organisation=None, host_name=None,
                    previous_salesperson=None, anonymised=True)
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.execute(
            update(Appointment).where(Appointment.ends_at < cutoff, Appointment.mobile.is_not(None))
            .values(visitor_name=ANONYMISED_NAME, mobile=None)
            .execution_options(synchronize_session=False)
        )
    return count


# ---- the staff log ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LogFilter:
    start: date
    end: date
    on_site: bool = False
    place: str = ""
    purpose: str = ""
    incident_class: str = ""
    name: str = ""
    mobile: str = ""  # normalised; searched over every date (sent by POST, never in a URL)


def log_query(f: LogFilter) -> Select:
    query = select(Visit).order_by(Visit.signed_in_at.desc(), Visit.id.desc())
    if f.mobile:
        query = query.where(Visit.mobile == f.mobile)
    elif f.on_site:
        query = query.where(Visit.signed_out_at.is_(None))
    else:
        start = datetime.combine(f.start, time(0), SHANGHAI)
        end = datetime.combine(f.end + timedelta(days=1), time(0), SHANGHAI)
        query = query.where(Visit.signed_in_at >= start, Visit.signed_in_at < end)
    if f.place:
        query = query.where(Visit.place == f.place)
    if f.purpose:
        query = query.where(Visit.purpose == f.purpose)
    if f.incident_class == "none":
        query = query.where(Visit.incident_class.is_(None))
    elif f.incident_class:
        query = query.where(Visit.incident_class == f.incident_class)
    if f.name:
        needle = f.name.strip()
        query = query.where(or_(Visit.name.contains(needle, autoescape=True),
                                Visit.badge_code == normalise_code(needle)))
    return query


def visitor_log(f: LogFilter, limit: int = 500) -> list[Visit]:
    return list(db.session.scalars(log_query(f).limit(limit)).all())


def on_site_count() -> tuple[int, int]:
    """(visits, people) on site now, from the places' counts the database keeps (``OnSiteCount``)."""
    visits, people = db.session.execute(
        select(func.coalesce(func.sum(OnSiteCount.visits), 0), func.coalesce(func.sum(OnSiteCount.people), 0))
    ).one()
    return visits, people


# ---- appointments ----------------------------------------------------------------------------------


def create_appointment(*, visitor_name: str, mobile: str | None, purpose: VisitPurpose, starts_at: datetime,
                       ends_at: datetime, host: User, created_by: User, now: datetime,
                       submission: submissions.Submission | None = None) -> Appointment:
    """Book an appointment with a fresh code; once per submission (a repeat answers with the first)."""
    with unit_of_work():
        first = submissions.repeat_of(submission, Appointment, now)
        if first is not None:
            return first
        appointment = Appointment(visitor_name=visitor_name, mobile=mobile, purpose=purpose.value,
                                  starts_at=starts_at, ends_at=ends_at, host_id=host.id,
                                  created_by_id=created_by.id, created_at=now)
        for _attempt in range(10):
            appointment.code = new_code(APPOINTMENT_LENGTH)
            try:
                with db.session.begin_nested():
                    db.session.add(appointment)
            except IntegrityError:
                continue
            submissions.settle(submission, appointment.id)
            return appointment
        raise RuntimeError("no free appointment code")


def appointments_since(since: datetime) -> list[Appointment]:
    """Appointments not over before ``since``, soonest first."""
    return list(db.session.scalars(select(Appointment).where(Appointment.ends_at >= since)
                                   .order_by(Appointment.starts_at)))


def find_appointment(code: str, now: datetime, grace: timedelta = timedelta(hours=2)) -> Appointment | None:
    """The appointment with this code whose window (give or take ``grace``) contains ``now``."""
    code = normalise_code(code)
    if not code:
        return None
    appointment = db.session.scalar(select(Appointment).where(Appointment.code == code))
    if appointment is None or not (appointment.starts_at - grace <= now <= appointment.ends_at + grace):
        return None
    return appointment


def get_visit(visit_id: int | None) -> Visit | None:
    return db.session.get(Visit, visit_id) if visit_id else None


def get_appointment(appointment_id: int | None) -> Appointment | None:
    return db.session.get(Appointment, appointment_id) if appointment_id else None
