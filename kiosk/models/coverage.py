"""Visits to units (上门走访 / 电话回访 / 座谈) and the year's visit plan: annual visit coverage
(年度访问覆盖率, seed 004 §2)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kiosk.extensions import db
from kiosk.models.people import User
from kiosk.models.property import Owner, Project, Unit
from kiosk.models.types import UTCDateTime


class UnitVisit(db.Model):
    __tablename__ = "unit_visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("owners.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    on_date: Mapped[date] = mapped_column(Date, index=True)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    unit: Mapped[Unit] = relationship()
    owner: Mapped[Owner | None] = relationship()
    by: Mapped[User | None] = relationship()


class VisitPlan(db.Model):
    """How many units a staff member is to visit in a project in a year."""

    __tablename__ = "visit_plans"
    __table_args__ = (UniqueConstraint("year", "project_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    planned: Mapped[int] = mapped_column(Integer)

    project: Mapped[Project] = relationship()
    user: Mapped[User] = relationship()
