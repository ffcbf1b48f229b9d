"""Projects (楼盘), their buildings and units, and the people of the register (业主档案).

A person (``Owner``: an owner, co-owner, tenant or household member) belongs to units through
``UnitMember`` (with the relation and move-in date) and has several numbers (``OwnerPhone``).
Two columns of the person are kept by this module for the look-ups that need one answer:
``Owner.mobile`` is the number to call (the preferred ``OwnerPhone``) and ``Owner.unit_id`` the home
unit (the first unit joined). A flush hook (:func:`_keep_register`) gives each of them its phone row and
membership, and rewrites the person's search keys (:func:`kiosk.domain.register.search_keys`) whenever
the name or a number changes, whichever service changed them. The bulk import writes the same rows itself.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship, validates

from kiosk.domain.hotline import pinyin_initials
from kiosk.domain.register import PhoneUse, Relation, UnitStatus, search_keys
from kiosk.extensions import db
from kiosk.models.types import UTCDateTime


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
    name: Mapped[str] = mapped_column(String(40), index=True)

    project: Mapped[Project] = relationship(back_populates="buildings")
    units: Mapped[list[Unit]] = relationship(back_populates="building", order_by="Unit.number")


class Unit(db.Model):
    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("building_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"), index=True)
    number: Mapped[str] = mapped_column(String(20), index=True)
    area: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))  # 建筑面积, m²
    layout: Mapped[str] = mapped_column(String(40), default="")  # 户型, "三室两厅"
    status: Mapped[str] = mapped_column(String(12), default=UnitStatus.DELIVERED.value)

    building: Mapped[Building] = relationship(back_populates="units")
    owners: Mapped[list[Owner]] = relationship(back_populates="unit")
    members: Mapped[list[UnitMember]] = relationship(back_populates="unit", order_by="UnitMember.id",
                                                     cascade="all, delete-orphan")

    @property
    def label(self) -> str:
        return f"{self.building.project.name} {self.building.name} {self.number}"


class Owner(db.Model):
    """A person of the register (业主档案): owner, co-owner, tenant or household member of units."""

    __tablename__ = "owners"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), index=True)
    # Pinyin initials of the name ("张建华" → "zjh"), its usual reading (search uses OwnerSearchKey).
    name_initials: Mapped[str] = mapped_column(String(60), default="", index=True)
    # The number to call: the preferred OwnerPhone's (kept in step by the flush hook below).
    mobile: Mapped[str | None] = mapped_column(String(20), index=True)
    # The home unit: the first unit joined (every unit is in ``memberships``).
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    moved_in_on: Mapped[date | None] = mapped_column(Date)
    preferred_contact_time: Mapped[str] = mapped_column(String(40), default="")
    notes: Mapped[str] = mapped_column(String(500), default="")
    # A file merged into another (the same person entered twice) points at the one kept.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("owners.id"))

    unit: Mapped[Unit | None] = relationship(back_populates="owners")
    phones: Mapped[list[OwnerPhone]] = relationship(back_populates="owner", order_by="OwnerPhone.id",
                                                    cascade="all, delete-orphan")
    memberships: Mapped[list[UnitMember]] = relationship(back_populates="owner", order_by="UnitMember.id",
                                                         cascade="all, delete-orphan")
    search_keys: Mapped[list[OwnerSearchKey]] = relationship(cascade="all, delete-orphan")

    @validates("name")
    def _keep_initials(self, _key, name: str) -> str:
        self.name_initials = pinyin_initials(name)
        return name


class UnitMember(db.Model):
    """A person's place in a unit: relation (业主/共有人/租户/家庭成员) and move-in date."""

    __tablename__ = "unit_members"
    __table_args__ = (UniqueConstraint("unit_id", "owner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("owners.id", ondelete="CASCADE"), index=True)
    relation: Mapped[str] = mapped_column(String(12), default=Relation.OWNER.value)
    moved_in_on: Mapped[date | None] = mapped_column(Date)

    unit: Mapped[Unit] = relationship(back_populates="members")
    owner: Mapped[Owner] = relationship(back_populates="memberships")


class OwnerPhone(db.Model):
    """One of a person's numbers (stored form, :mod:`kiosk.domain.phone_numbers`); call the ``preferred``."""

    __tablename__ = "owner_phones"
    __table_args__ = (UniqueConstraint("owner_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("owners.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(40), index=True)
    kind: Mapped[str] = mapped_column(String(10), default=PhoneUse.MOBILE.value)
    preferred: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(String(40), default="")

    owner: Mapped[Owner] = relationship(back_populates="phones")


class OwnerSearchKey(db.Model):
    """One way to find a person (``nm:小明``, ``py:zxm``, ``tel:13900001234``, ``t4:1234``)."""

    __tablename__ = "owner_search_keys"
    __table_args__ = (Index("ix_owner_search_keys_key_owner", "key", "owner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("owners.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(80))


class OwnerChange(db.Model):
    """One change to a person's file: who, when, which field, old and new (merges keep both files' rows)."""

    __tablename__ = "owner_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("owners.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    by_name: Mapped[str] = mapped_column(String(80), default="")
    field: Mapped[str] = mapped_column(String(40))
    old: Mapped[str] = mapped_column(Text, default="")
    new: Mapped[str] = mapped_column(Text, default="")


def _changed(obj, *names: str) -> bool:
    state = inspect(obj)
    return state.pending or any(state.attrs[name].history.has_changes() for name in names)


class ImportUpload(db.Model):
    """A register file kept between its dry run and its import, so that importing does not ask for the file
    again: found by a random token, only by the supervisor who uploaded it, until ``expires_at``; importing
    it deletes it (one import per dry run), and a nightly job deletes those left behind."""

    __tablename__ = "register_import_uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    create_buildings: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


@event.listens_for(Session, "before_flush")
def _keep_register(session: Session, _context, _instances) -> None:
    """Every person's number to call has its phone row, the home unit its membership, and the search keys
    follow the name and the numbers."""
    touched: set[Owner] = set()
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Owner) and _changed(obj, "name", "mobile", "unit_id", "unit"):
            touched.add(obj)
        elif isinstance(obj, OwnerPhone) and obj.owner is not None:
            touched.add(obj.owner)
    for obj in session.deleted:
        if isinstance(obj, OwnerPhone) and obj.owner is not None and obj.owner not in session.deleted:
            touched.add(obj.owner)
    for owner in touched:
        if owner in session.deleted:
            continue
        phones = [p for p in owner.phones if p not in session.deleted]
        if owner.mobile and all(p.number != owner.mobile for p in phones):
            phone = OwnerPhone(number=owner.mobile, kind=PhoneUse.MOBILE.value, preferred=not phones, note="")
            owner.phones.append(phone)
            phones.append(phone)
        home = owner.unit if owner.unit is not None else (session.get(Unit, owner.unit_id)
                                                            if owner.unit_id else None)
        if home is not None and all(m.unit is not home and m.unit_id != home.id for m in owner.memberships):
            owner.memberships.append(UnitMember(unit=home, relation=Relation.OWNER.value,
                                                moved_in_on=owner.moved_in_on))
        wanted = search_keys(owner.name or "", [p.number for p in phones])
        if {k.key for k in owner.search_keys} != wanted:
            owner.search_keys = [OwnerSearchKey(key=key) for key in sorted(wanted)]
