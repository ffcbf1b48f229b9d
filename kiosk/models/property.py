"""Projects (楼盘), their buildings and units, and the owners who live there (业主档案)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from kiosk.domain.hotline import pinyin_initials
from kiosk.extensions import db


class Project(db.Model):
    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    address: Mapped[str] = mapped_column(String(200), default="")
    delivered_on: Mapped[date | None] = mapped_column(Date)

    buildings: Mapped[list[Building]] = relationship(back_populates="project", order_by="Building.name")


class Building(db.Model):
    __tablename__ = "buildings"
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    name: Mapped[str] = mapped_column(String(40))

    project: Mapped[Project] = relationship(back_populates="buildings")
    units: Mapped[list[Unit]] = relationship(back_populates="building", order_by="Unit.number")


class Unit(db.Model):
    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("building_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"), index=True)
    number: Mapped[str] = mapped_column(String(20))

    building: Mapped[Building] = relationship(back_populates="units")
    owners: Mapped[list[Owner]] = relationship(back_populates="unit")

    @property
    def label(self) -> str:
        return f"{self.building.project.name} {self.building.name} {self.number}"


class Owner(db.Model):
    __tablename__ = "owners"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), index=True)
    # Pinyin initials of the name ("张建华" → "zjh"), kept for the hotline's search by initials.
    name_initials: Mapped[str] = mapped_column(String(60), default="", index=True)
    mobile: Mapped[str | None] = mapped_column(String(20), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    moved_in_on: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(String(500), default="")

    unit: Mapped[Unit | None] = relationship(back_populates="owners")

    @validates("name")
    def _keep_initials(self, _key, name: str) -> str:
        self.name_initials = pinyin_initials(name)
        return name
