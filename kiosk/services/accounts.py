"""Signing in (with throttling), passwords, and managing staff accounts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import selectinload

from kiosk.database import dialect_insert, unit_of_work, upsert
from kiosk.domain import login_throttle
from kiosk.domain.login_throttle import Attempt, ThrottlePolicy, Watched
from kiosk.extensions import db
from kiosk.models.people import Department, Role, User, UserRole, dummy_password_hash, verify_password
from kiosk.models.security import LoginAttempt, LoginWatch
from kiosk.services import audit
from kiosk.services.audit import Action, By, ObjectType, Subject
from kiosk.services.notifications import notify


@dataclass(frozen=True)
class SignInResult:
    user: User | None = None
    retry_after_seconds: int = 0

    @property
    def throttled(self) -> bool:
        return self.retry_after_seconds > 0


def sign_in(username: str, password: str, address: str, now: datetime, *,
            policy: ThrottlePolicy) -> SignInResult:
    """Check a password unless the throttle (``kiosk.domain.login_throttle``) says this address must wait.

    Attempts are recorded in the database, so the rule holds across workers and hosts. An account's
    attempts take turns on its ``LoginWatch`` row: the verdict and the attempt's record are one
    transaction, so parallel requests cannot all slip past the backoff. The attempt is recorded as a
    failure before the password is checked (outside that transaction: hashing is slow and SQLite's write
    lock is shared) and turned into a success afterwards. A waiting address gets the same answer whether
    or not the password is right, and an unknown or inactive username costs the same hashing work as a
    known one, so neither the time nor the answer tells who exists.
    """
    username = username.strip().lower()[:40]
    address = address[:64]
    with unit_of_work():
        _take_turn(username, now)
        account_attempts = _account_attempts(username, now - policy.lookback)
        address_failures = _address_failures(address, now - policy.window)
        decision = login_throttle.verdict(
            account_attempts=account_attempts, address_failures=address_failures, address=address,
            trusted=_signed_in_from(username, address), now=now, policy=policy)
        if not decision.allowed:
            return SignInResult(retry_after_seconds=decision.wait_seconds)
        attempt = LoginAttempt(username=username, address=address, at=now, succeeded=False)
        db.session.add(attempt)
        db.session.flush()
        attempt_id = attempt.id

    user = db.session.scalar(select(User).where(func.lower(User.username) == username))
    right = verify_password(user.password_hash if user else dummy_password_hash(), password)
    ok = right and user is not None and user.active
    with unit_of_work():
        if ok:
            db.session.execute(update(LoginAttempt).where(LoginAttempt.id == attempt_id)
                               .values(succeeded=True).execution_options(synchronize_session=False))
        else:
            account_failures = [a.at for a in account_attempts if not a.succeeded] + [now]
            for watched in login_throttle.bursting(account_failures=account_failures, now=now, policy=policy,
                                                   address_failures=[*address_failures, now]):
                subject = username if watched is Watched.ACCOUNT else address
                if _new_burst(watched, subject, now, policy):
                    _tell_admins_of_burst(watched, subject, known=user is not None, now=now, policy=policy)
    return SignInResult(user=user if ok else None)


def _account_attempts(username: str, since: datetime) -> list[Attempt]:
    rows = db.session.scalars(select(LoginAttempt).where(LoginAttempt.username == username,
                                                         LoginAttempt.at > since))
    return [Attempt(address=row.address, at=row.at, succeeded=row.succeeded) for row in rows]


def _address_failures(address: str, since: datetime) -> list[datetime]:
    return list(db.session.scalars(select(LoginAttempt.at).where(
        LoginAttempt.address == address, LoginAttempt.succeeded.is_(False), LoginAttempt.at > since,
    )))


def _signed_in_from(username: str, address: str) -> bool:
    """Has the account signed in from this address before (within the attempts kept)?"""
    return db.session.scalar(select(LoginAttempt.id).where(
        LoginAttempt.username == username, LoginAttempt.address == address, LoginAttempt.succeeded.is_(True),
    ).limit(1)) is not None


def _take_turn(username: str, now: datetime) -> None:
    """Lock the account's watch row (created on its first attempt) until this transaction ends.

    One upsert, so it locks whether the row is new or not (on PostgreSQL; SQLite's ``BEGIN IMMEDIATE``
    already lets one writer in at a time).
    """
    db.session.execute(upsert(LoginWatch, ("kind", "subject"),
                              {"kind": Watched.ACCOUNT.value, "subject": username, "touched_at": now}))


def _new_burst(watched: Watched, subject: str, now: datetime, policy: ThrottlePolicy) -> bool:
    """Record a failure at or over the burst threshold; true only for the one that starts a new burst.

    A burst ends after a whole window without such a failure. The claim is a conditional update of the
    watch row: when two workers cross the threshold at once, the second waits for the first's row lock,
    then finds the burst already seen and only extends it.
    """
    db.session.execute(dialect_insert(LoginWatch).values(kind=watched.value, subject=subject, touched_at=now)
                       .on_conflict_do_nothing(index_elements=["kind", "subject"]))
    row = (LoginWatch.kind == watched.value, LoginWatch.subject == subject)
    ended = or_(LoginWatch.burst_seen_at.is_(None), LoginWatch.burst_seen_at <= now - policy.window)
    seen = update(LoginWatch).values(burst_seen_at=now, touched_at=now).execution_options(
        synchronize_session=False)
    claimed = db.session.execute(seen.where(*row, ended)).rowcount
    if not claimed:
        db.session.execute(seen.where(*row))
    return bool(claimed)


def _tell_admins_of_burst(watched: Watched, subject: str, *, known: bool, now: datetime,
                          policy: ThrottlePolicy) -> None:
    """One notification to the admin role: every admin sees it and reads it off on their own."""
    minutes = int(policy.window.total_seconds() // 60)
    if watched is Watched.ACCOUNT:
        who = f"账号 {subject}" if known else f"不存在的用户名 {subject}"
        title = f"登录异常：{who} {minutes} 分钟内密码错误 {policy.account_burst} 次以上"
        body = ("出错的地址会被逐步延迟，未出错的地址不受影响。如非本人所为，请联系该员工，必要时修改密码。"
                if known else "可能有人在试探用户名。")
    else:
        title = f"登录异常：地址 {subject} {minutes} 分钟内密码错误 {policy.address_burst} 次以上"
        body = f"可能有人在猜测密码；该地址 {minutes} 分钟内失败 {policy.address_limit} 次后将暂停登录。"
    notify(kind="login_burst", title=title, body=body, level="urgent", role=Role.ADMIN.value,
           link="/admin/users", now=now)


def purge_login_attempts(now: datetime, older_than: timedelta) -> int:
    """Delete login attempts and idle watch rows older than the period (they hold addresses and names)."""
    cutoff = now - older_than
    with unit_of_work():
        count = db.session.execute(delete(LoginAttempt).where(LoginAttempt.at < cutoff)
                                   .execution_options(synchronize_session=False)).rowcount
        db.session.execute(delete(LoginWatch).where(LoginWatch.touched_at < cutoff)
                           .execution_options(synchronize_session=False))
    return count


def sign_out_everywhere(user: User) -> None:
    """A new session token: every cookie issued before it stops working."""
    with unit_of_work():
        user.rotate_session_token()


def change_password(user: User, new_password: str) -> None:
    with unit_of_work():
        user.set_password(new_password)
        user.rotate_session_token()


def session_version_of(user_id):
    """The account's session version as a column for a request's one statement (NULL: no such account);
    a look-up of the primary key (``kiosk.web.sessions``). ``user_id``: an id, or a bound parameter."""
    return select(User.session_version).where(User.id == user_id).scalar_subquery()


def display_name_of(user_id):
    """The account's name as a column for a request's one statement, as ``session_version_of`` (the board
    page's top bar, ``kiosk.services.board.page_versions``)."""
    return select(User.display_name).where(User.id == user_id).scalar_subquery()


def get_user(user_id: int | None) -> User | None:
    """The account with this id; None for none chosen or a stale id."""
    return db.session.get(User, user_id) if user_id else None


def find_users(query: str = "") -> list[User]:
    """Accounts by username, those whose username or name contains ``query``, each with its department."""
    statement = select(User).options(selectinload(User.department)).order_by(User.username)
    if query:
        like = f"%{query}%"
        statement = statement.where(User.username.ilike(like) | User.display_name.ilike(like))
    return list(db.session.scalars(statement))


def display_names(user_ids) -> dict[int, str]:
    """Each of these accounts' display name, by id."""
    rows = db.session.execute(select(User.id, User.display_name).where(User.id.in_(set(user_ids))))
    return dict(rows.all())


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
    with unit_of_work():
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
    return user


def update_user(user: User, *, display_name: str, roles, department: Department | None, active: bool,
                extension: str | None, new_password: str | None, by: By | None = None) -> None:
    """Change an account. Each kind of change is its own line in the audit log: the details, the roles,
    a deactivation (or reactivation), a password reset by the admin."""
    with unit_of_work():
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
        audit.record(by, Action.USER_ROLES, subject, {"roles": roles_before},
                     {"roles": audit.plain(user.roles)})
        if was_active != active:
            audit.record(by, Action.USER_REACTIVATED if active else Action.USER_DEACTIVATED, subject,
                         {"active": was_active}, {"active": active})
        if new_password:
            audit.record(by, Action.USER_PASSWORD_RESET, subject, None, None)


def active_users(role: Role | None = None) -> list[User]:
    """Active staff, by name; only those with ``role`` when one is given (for the pickers of a form)."""
    statement = select(User).where(User.active.is_(True)).order_by(User.display_name, User.id)
    if role is not None:
        holders = select(UserRole.user_id).where(UserRole.role == Role(role).value)
        statement = statement.where(User.id.in_(holders))
    return list(db.session.scalars(statement))
