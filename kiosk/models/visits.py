"""The visitor kiosk: paired tablets, visits, appointments, the watch list and office incidents."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, Time, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kiosk.extensions import db
from kiosk.models.people import Department, User
from kiosk.models.types import UTCDateTime


class KioskDevice(db.Model):
    """A tablet at a place. Only hashes of its pairing code and of its credential are kept."""

    __tablename__ = "kiosk_devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    place: Mapped[str] = mapped_column(String(30))  # classify.Place
    opens_at: Mapped[time] = mapped_column(Time)
    closes_at: Mapped[time] = mapped_column(Time)
    pairing_code_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    pairing_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    credential_hash: Mapped[str | None] = mapped_column(String(64))
    paired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    last_seen: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Appointment(db.Model):
    """A visit pre-registered by staff; the visitor types its code at the kiosk."""

    __tablename__ = "appointments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    visitor_name: Mapped[str] = mapped_column(String(40))
    mobile: Mapped[str | None] = mapped_column(String(11))
    purpose: Mapped[str] = mapped_column(String(30))  # classify.VisitPurpose
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    host_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    host: Mapped[User] = relationship(foreign_keys=[host_id])


VISIT_OPEN = text("signed_out_at IS NULL")
VISIT_KEYED = text("submission_key IS NOT NULL")


class Visit(db.Model):
    __tablename__ = "visits"
    __table_args__ = (
        Index("ix_visits_signed_in_at", "signed_in_at"),
        # The visits on site (every query of them says ``signed_out_at IS NULL``), the latest arrivals first
        # (the board, the visitor log's "on site"). How many there are by place: ``OnSiteCount``.
        Index("ix_visits_on_site_arrivals", "signed_in_at", "id",
              sqlite_where=VISIT_OPEN, postgresql_where=VISIT_OPEN),
        # A sign-in's "is this mobile still on site here?" (kiosk.services.visits._ABOUT_VISITOR), and the
        # rule that it is there once: two tablets signing one mobile in at once make one visit (the second
        # insert waits for the first's commit and skips).
        Index("uq_visits_open_by_mobile", "mobile", "place", unique=True,
              sqlite_where=VISIT_OPEN, postgresql_where=VISIT_OPEN),
        # One visit per submission of a tablet's sign-in form (``kiosk.services.submissions``: the form is
        # the purpose's): a double tap's insert skips and is answered with the first's visit.
        Index("uq_visits_submission", "device_id", "purpose", "submission_key", unique=True,
              sqlite_where=VISIT_KEYED, postgresql_where=VISIT_KEYED),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # No index of its own on place, purpose, incident class or tablet: none is read alone (the log filters
    # by the first three within a date range; a tablet is never deleted), and each would be written at
    # every sign-in (migration 8d2e4b7a1c53).
    place: Mapped[str] = mapped_column(String(30))
    device_id: Mapped[int | None] = mapped_column(ForeignKey("kiosk_devices.id"))
    purpose: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(40))
    mobile: Mapped[str | None] = mapped_column(String(11), index=True)  # full 11 digits; shown masked
    party_size: Mapped[int] = mapped_column(Integer, default=1)
    relation: Mapped[str | None] = mapped_column(String(20))  # owner / former_employee / other (complaints)
    organisation: Mapped[str | None] = mapped_column(String(60))
    host_name: Mapped[str | None] = mapped_column(String(40))
    host_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    host_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id"))
    been_before: Mapped[bool | None] = mapped_column(Boolean)
    previous_salesperson: Mapped[str | None] = mapped_column(String(40))
    badge_code: Mapped[str] = mapped_column(String(8), unique=True)
    signed_in_at: Mapped[datetime] = mapped_column(UTCDateTime)
    signed_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sign_out_method: Mapped[str | None] = mapped_column(String(10))  # kiosk / staff / automatic
    incident_class: Mapped[str | None] = mapped_column(String(1))
    waiting_for_salesperson: Mapped[bool] = mapped_column(Boolean, default=False)
    anonymised: Mapped[bool] = mapped_column(Boolean, default=False)
    submission_key: Mapped[str | None] = mapped_column(String(64))  # the sign-in form's one-time key

    device: Mapped[KioskDevice | None] = relationship()
    host_department: Mapped[Department | None] = relationship()
    host_user: Mapped[User | None] = relationship()
    appointment: Mapped[Appointment | None] = relationship()

    @property
    def host_label(self) -> str:
        parts = [self.host_user.display_name if self.host_user else self.host_name,
                 self.host_department.name if self.host_department else None]
        return " · ".join(p for p in parts if p)


class OnSiteCount(db.Model):
    """How many visits and people are on site at a place, kept by the database itself: triggers on ``visits``
    follow every insert, delete and change of a visit on site (migration ``a1e6c5e5309a``), whoever writes.
    ``changes`` rises at each of them (a visit arriving, leaving or changed while on site): the board's
    visitors panel polls its sum. The board reads these few rows instead of counting the visits on site,
    some thousands at a busy year's end."""

    __tablename__ = "on_site_counts"

    place: Mapped[str] = mapped_column(String(30), primary_key=True)  # classify.Place
    visits: Mapped[int] = mapped_column(Integer)
    people: Mapped[int] = mapped_column(Integer)
    changes: Mapped[int] = mapped_column(Integer)


class WatchPerson(db.Model):
    """An entry of the watch list kept by supervisors (seed 000 §4 A1/B1)."""

    __tablename__ = "watch_list"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    mobile: Mapped[str | None] = mapped_column(String(11))
    # classify.WatchKind: decides whom a hit alerts when alert_role is empty (classify.WatchListHit)
    kind: Mapped[str] = mapped_column(String(30), default="other", server_default="other")
    alert_role: Mapped[str | None] = mapped_column(String(30))  # classify.AlertRole; None: by kind
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


INCIDENT_OPEN = text("closed_at IS NULL")
INCIDENT_REPORT_DUE = text("closed_at IS NOT NULL AND report_filed_at IS NULL")


class Incident(db.Model):
    """An office incident (突发事件, class A/B/C) or a watch-list alert raised by a sign-in."""

    __tablename__ = "incidents"
    __table_args__ = (
        # The board reads the open incidents and the reports still due from these alone, however many
        # the years closed and reported.
        Index("ix_incidents_open", "acknowledged_at", "opened_at",
              sqlite_where=INCIDENT_OPEN, postgresql_where=INCIDENT_OPEN),
        Index("ix_incidents_report_due", "report_due_at",
              sqlite_where=INCIDENT_REPORT_DUE, postgresql_where=INCIDENT_REPORT_DUE),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), unique=True)
    incident_class: Mapped[str | None] = mapped_column(String(1), index=True)
    watch_list_hit: Mapped[bool] = mapped_column(Boolean, default=False)
    rule: Mapped[str] = mapped_column(String(120))
    reason: Mapped[str] = mapped_column(String(300))
    instruction: Mapped[str] = mapped_column(Text)
    alert_roles: Mapped[str] = mapped_column(String(200))  # comma-separated classify.AlertRole values
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handled_by: Mapped[str] = mapped_column(String(100), default="")
    actions: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(Text, default="")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    report_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    report_filed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    case_study: Mapped[bool] = mapped_column(Boolean, default=False)

    visit: Mapped[Visit] = relationship()
    acknowledged_by: Mapped[User | None] = relationship(foreign_keys=[acknowledged_by_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])
