"""In-app notifications: write one, count what is unread, mark as read."""

from __future__ import annotations

from datetime import datetime
from functools import cache

from sqlalchemy import Integer, and_, bindparam, func, literal_column, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from kiosk.database import unit_of_work
from kiosk.extensions import db
from kiosk.models.notifications import Notification, NotificationRead
from kiosk.models.people import Department, Role, User
from kiosk.services import outbox


def notify(*, kind: str, title: str, now: datetime, body: str = "", link: str | None = None,
           level: str = "info", user: User | None = None, role: str | None = None,
           department: Department | None = None, where: str | None = None, first_step: str | None = None,
           procedure: str | None = None) -> Notification:
    """Add a notification to the caller's transaction (it is committed with the change it reports), with
    the messages it causes away from the screen (WeCom, SMS, e-mail: ``kiosk.services.outbox``).

    ``where``, ``first_step`` and ``procedure`` (a rule's reference, ``seed 000 §4 B2``) make an urgent
    message say where it happened and what the procedure says to do first."""
    if user is None and role is None and department is None:
        raise ValueError("a notification needs a user, a role or a department")
    note = Notification(
        kind=kind, title=title[:200], body=body, link=link, level=level, created_at=now,
        user_id=user.id if user else None, role=role,
        department_id=department.id if department else None,
    )
    db.session.add(note)
    outbox.route(note, user=user, role=role, department=department, where=where, first_step=first_step,
                 procedure=procedure, now=now)
    return note


def _visible_to(user: User):
    return _visible(user.id, sorted(user.roles) if user.roles else None, user.department_id)


def _visible(user_id, roles, department_id):
    """Notifications for the user, one of their roles or their department (each a value or a bound
    parameter; no roles or department: None)."""
    targets = [Notification.user_id == user_id]
    if roles is not None:
        targets.append(Notification.role.in_(roles))
    if department_id is not None:
        targets.append(Notification.department_id == department_id)
    return or_(*targets)


def _not_read_by(user_id):
    read = select(NotificationRead.id).where(
        NotificationRead.notification_id == Notification.id, NotificationRead.user_id == user_id
    )
    return ~read.exists()


def _unread(user: User):
    return and_(_visible_to(user), _not_read_by(user.id))


@cache
def bell_columns(with_roles: bool, with_department: bool) -> tuple:
    """The bell's two columns — newest visible id, unread count — for users with (or without) roles and a
    department, bound to ``user_id``, ``roles`` and ``department_id`` (``bell_parameters``), built once:
    every page shows the bell, and building the statement took longer than running it."""
    return _bell_columns(bindparam("user_id", type_=Integer()),
                         bindparam("roles", expanding=True) if with_roles else None,
                         bindparam("department_id", type_=Integer()) if with_department else None)


_ROLES = frozenset(role.value for role in Role)


@cache
def account_bell_columns(user_id, roles: tuple[str, ...]) -> tuple:
    """``bell_columns`` of the account ``user_id`` (a bound parameter) holding ``roles`` (``Role`` values),
    its department read in the same statement, for a page that has not loaded the user (the board page
    reads them with its panels' versions, ``kiosk.services.board.page_versions``). The roles are written
    into the SQL, one statement per set of them: a bound list would have SQLAlchemy complete the SQL at
    each run, and the statement could not be handed to the driver as it is (``kiosk.database``)."""
    department = select(User.department_id).where(User.id == user_id).scalar_subquery()
    held = [literal_column(f"'{role}'") for role in roles if role in _ROLES]  # no other is ever notified
    return _bell_columns(user_id, held or None, department)


def _bell_columns(user_id, roles, department_id) -> tuple:
    visible = _visible(user_id, roles, department_id)
    return (select(func.max(Notification.id)).where(visible).scalar_subquery(),
            select(func.count(Notification.id)).where(visible, _not_read_by(user_id)).scalar_subquery())


@cache
def _bell_statement(with_roles: bool, with_department: bool):
    return select(*bell_columns(with_roles, with_department))


def bell_parameters(user: User) -> tuple[tuple[bool, bool], dict]:
    """Which ``bell_columns`` a user's bell reads (with roles, with a department), and their parameters."""
    roles = sorted(user.roles)
    return ((bool(roles), user.department_id is not None),
            {"user_id": user.id, "roles": roles, "department_id": user.department_id})


def bell_state(user: User) -> tuple[int, int]:
    """(newest visible id, unread count) in one query: the bell's ETag and its number."""
    shape, parameters = bell_parameters(user)
    newest, unread = db.session.execute(_bell_statement(*shape), parameters).one()
    return newest or 0, unread


def recent_for(user: User, limit: int = 50) -> list[tuple[Notification, bool]]:
    """The newest notifications for a user, each with whether it is unread."""
    read = (
        select(NotificationRead.id)
        .where(NotificationRead.notification_id == Notification.id, NotificationRead.user_id == user.id)
        .exists()
    )
    rows = db.session.execute(
        select(Notification, read).where(_visible_to(user)).order_by(Notification.id.desc()).limit(limit)
    ).all()
    return [(note, not was_read) for note, was_read in rows]


def _insert_ignoring_duplicates(rows: list[dict]) -> None:
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(insert(NotificationRead).values(rows).on_conflict_do_nothing())


def mark_read(user: User, now: datetime, notification_id: int | None = None) -> int:
    """Mark one notification (or all unread ones) as read; safe when two tabs do it at once."""
    with unit_of_work():
        query = select(Notification.id).where(_unread(user))
        if notification_id is not None:
            query = query.where(Notification.id == notification_id)
        ids = db.session.scalars(query).all()
        if ids:
            _insert_ignoring_duplicates(
                [{"notification_id": i, "user_id": user.id, "read_at": now} for i in ids]
            )
    return len(ids)
