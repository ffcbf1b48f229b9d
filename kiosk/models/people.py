"""Staff accounts, their roles and departments."""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum
from functools import cache

from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint, event, inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from kiosk.config import DEFAULT_PASSWORD_HASH_METHOD
from kiosk.extensions import db
from kiosk.models.types import UTCDateTime


class Role(StrEnum):
    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    AGENT = "agent"
    STAFF = "staff"
    SALES = "sales"


class Department(db.Model):
    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    location: Mapped[str | None] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    users: Mapped[list[User]] = relationship(back_populates="department")


class UserRole(db.Model):
    __tablename__ = "user_roles"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20), index=True)


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


def password_hash_method() -> str:
    """The hashing method of new passwords: the app's ``PASSWORD_HASH_METHOD`` (Werkzeug's scrypt unless a
    test configuration chooses a cheap one), scrypt outside an app."""
    if has_app_context():
        return current_app.config["PASSWORD_HASH_METHOD"]
    return DEFAULT_PASSWORD_HASH_METHOD


def hash_password(password: str) -> str:
    """The stored form of a password (``PASSWORD_HASH_METHOD``: Werkzeug's scrypt and its parameters)."""
    return generate_password_hash(password, method=password_hash_method())


def verify_password(stored_hash: str, password: str) -> bool:
    return check_password_hash(stored_hash, password)


def dummy_password_hash() -> str:
    """A hash of a random secret, made like every stored one: checked for an unknown username, so that
    answering it costs the same hashing work as a known one and the time does not tell who exists."""
    return _dummy_password_hash(password_hash_method())


@cache
def _dummy_password_hash(method: str) -> str:
    return generate_password_hash(secrets.token_urlsafe(24), method=method)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    display_name: Mapped[str] = mapped_column(String(60))
    password_hash: Mapped[str] = mapped_column(String(256))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    extension: Mapped[str | None] = mapped_column(String(20))
    # Part of the login cookie's id: changing it signs the user out everywhere else.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Raised whenever what a signed session carries about its user changes (the session token, whether
    # the account is active, its roles): each request compares this one column with the session's copy
    # instead of loading the user (kiosk.web.security).
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    department: Mapped[Department | None] = relationship(back_populates="users")
    role_rows: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    __mapper_args__ = {"version_id_col": version}

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(row.role for row in self.role_rows)

    def set_roles(self, roles) -> None:
        wanted = {Role(r).value for r in roles}
        self.role_rows = [row for row in self.role_rows if row.role in wanted]
        have = self.roles
        self.role_rows.extend(UserRole(role=r) for r in sorted(wanted - have))

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    def set_password(self, password: str) -> None:
        self.password_hash = hash_password(password)

    def check_password(self, password: str) -> bool:
        return verify_password(self.password_hash, password)

    def rotate_session_token(self) -> None:
        self.session_token = new_session_token()

    # Flask-Login
    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:
        return self.active


#: What a signed session holds about its user besides the id: a change to any of these ends or refreshes it.
SESSION_FIELDS = ("session_token", "active", "role_rows")


@event.listens_for(User, "before_update")
def _raise_session_version(_mapper, _connection, user: User) -> None:
    """Every write that changes a session's token, the account's activity or its roles raises the session
    version in the same UPDATE, so the next request of every open session sees it (one place, so no
    service can forget it)."""
    state = inspect(user)
    if any(state.attrs[name].history.has_changes() for name in SESSION_FIELDS):
        user.session_version = (user.session_version or 1) + 1
