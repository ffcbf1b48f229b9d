"""Signing in (with throttling), passwords, and managing staff accounts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select

from kiosk.database import begin_write
from kiosk.extensions import db
from kiosk.models.people import Department, Role, User, UserRole
from kiosk.models.security import LoginAttempt
from kiosk.services import audit
from kiosk.services.audit import Action, By, ObjectType, Subject


@dataclass(frozen=True)
class SignInResult:
    user: User | None = None
    throttled: bool = False
    retry_after_minutes: int = 0


def sign_in(username: str, password: str, address: str, now: datetime, *, max_failures: int,
            window: timedelta) -> SignInResult:
    """Check a password, refusing once an account or an address has failed too often in the window.

    Every attempt is recorded, so the count holds across workers and hosts. A blocked account gets the
    same answer whether or not the password is right, so the block cannot be used to guess it.
    """
    begin_write()
    username = username.strip().lower()
    since = now - window
    failures, oldest = db.session.execute(
        select(func.count(LoginAttempt.id), func.min(LoginAttempt.at)).where(
            LoginAttempt.succeeded.is_(False),
            LoginAttempt.at > since,
            or_(LoginAttempt.username == username, LoginAttempt.address == address),
        )
    ).one()
    if failures >= max_failures:
        minutes = max(1, int(((oldest + window) - now).total_seconds() // 60) + 1)
        return SignInResult(throttled=True, retry_after_minutes=minutes)
    user = db.session.scalar(select(User).where(func.lower(User.username) == username))
    ok = user is not None and user.active and user.check_password(password)
    db.session.add(LoginAttempt(username=username[:40], address=address[:64], at=now, succeeded=ok))
    db.session.commit()
    return SignInResult(user=user if ok else None)


def sign_out_everywhere(user: User) -> None:
    """A new session token: every cookie issued before it stops working."""
    begin_write()
    user.rotate_session_token()
    db.session.commit()


def change_password(user: User, new_password: str) -> None:
    begin_write()
    user.set_password(new_password)
    user.rotate_session_token()
    db.session.commit()


def username_taken(username: str, except_id: int | None = None) -> bool:
    query = select(User.id).where(func.lower(User.username) == username.strip().lower())
    if except_id is not None:
        query = query.where(User.id != except_id)
    return db.session.scalar(query) is not None


#: What the audit log keeps of an account's details (never the password or its hash).
_DETAILS = ("username", "display_name", "department", "extension")


def _account(user: User) -> dict:
    values = audit.fields_of(user, _DETAILS)
    values["department"] = user.department.name if user.department else None
    return values


def _subject(user: User) -> Subject:
    return Subject(ObjectType.USER, user.id, user.username)


def create_user(*, username: str, display_name: str, password: str, roles, department: Department | None,
                now: datetime, extension: str | None = None, by: By | None = None) -> User:
    begin_write()
    user = User(
        username=username.strip(),
        display_name=display_name.strip(),
        department=department,
        extension=extension or None,
        created_at=now,
        active=True,
    )
    user.set_password(password)
    user.set_roles(roles)
    db.session.add(user)
    db.session.flush()
    audit.record(by, Action.USER_CREATED, _subject(user), None,
                 _account(user) | {"active": True, "roles": audit.plain(user.roles)})
    db.session.commit()
    return user


def update_user(user: User, *, display_name: str, roles, department: Department | None, active: bool,
                extension: str | None, new_password: str | None, by: By | None = None) -> None:
    """Change an account. Each kind of change is its own line in the audit log: the details, the roles,
    a deactivation (or reactivation), a password reset by the admin."""
    begin_write()
    before, roles_before, was_active = _account(user), audit.plain(user.roles), user.active
    user.display_name = display_name.strip()
    user.set_roles(roles)
    user.department = department
    user.extension = extension or None
    if new_password:
        user.set_password(new_password)
    if user.active != active or new_password:
        user.rotate_session_token()  # deactivation or a new password ends every open session
    user.active = active
    subject = _subject(user)
    audit.record(by, Action.USER_CHANGED, subject, before, _account(user))
    audit.record(by, Action.USER_ROLES, subject, {"roles": roles_before}, {"roles": audit.plain(user.roles)})
    if was_active != active:
        audit.record(by, Action.USER_REACTIVATED if active else Action.USER_DEACTIVATED, subject,
                     {"active": was_active}, {"active": active})
    if new_password:
        audit.record(by, Action.USER_PASSWORD_RESET, subject, None, None)
    db.session.commit()


def active_users(role: Role | None = None) -> list[User]:
    """Active staff, by name; only those with ``role`` when one is given (for the pickers of a form)."""
    statement = select(User).where(User.active.is_(True)).order_by(User.display_name, User.id)
    if role is not None:
        holders = select(UserRole.user_id).where(UserRole.role == Role(role).value)
        statement = statement.where(User.id.in_(holders))
    return list(db.session.scalars(statement))
