"""The KPIs' rollups: what each closed Shanghai day and month counted, and the days a later change made
stale.

``kiosk.services.kpi.daily`` writes and reads them; a page sums a period's closed months and days from
here and counts the other days (today, a day changed since, a day not rolled up yet) from the rows
themselves.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Float, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kiosk.extensions import db
from kiosk.models.types import UTCDateTime


class KpiDay(db.Model):
    """One closed day's counts for one scope (the totals, per agent, per department …), as JSON:
    ``{key: {measure: value}}``, each key JSON-encoded. Counted with the three-ring target ``ring_target``;
    a row counted with another target is not used."""

    __tablename__ = "kpi_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    scope: Mapped[str] = mapped_column(String(20), primary_key=True)
    ring_target: Mapped[float] = mapped_column(Float)
    counts: Mapped[str] = mapped_column(Text)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class KpiStaleDays(db.Model):
    """Days ``first_day..last_day`` (Shanghai, inclusive) whose rollups a change made stale: written in the
    transaction of the change, removed by the refresh that drops or recounts them."""

    __tablename__ = "kpi_stale_days"

    id: Mapped[int] = mapped_column(primary_key=True)
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)


class KpiTalkDay(db.Model):
    """The talk times of a rolled-up day: how many answered calls talked ``seconds`` (whole seconds). A
    period's p90 sums these in SQL (a year of days is tens of thousands of small rows)."""

    __tablename__ = "kpi_talk_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    seconds: Mapped[int] = mapped_column(Integer, primary_key=True)
    calls: Mapped[int] = mapped_column(Integer)


class KpiMonth(db.Model):
    """One closed calendar month's counts for one scope: its days' rollups summed once, so that a year of
    months (a month's trend) is a dozen rows whatever the traffic; as ``KpiDay.counts``, talk times as one
    flat list ``[seconds, calls, seconds, calls, …]`` (``kiosk.services.kpi.daily``). Written once every
    day of the month is rolled up with ``ring_target``, dropped with the days when a change marks one of
    them stale."""

    __tablename__ = "kpi_months"

    first_day: Mapped[date] = mapped_column(Date, primary_key=True)
    scope: Mapped[str] = mapped_column(String(20), primary_key=True)
    last_day: Mapped[date] = mapped_column(Date)
    ring_target: Mapped[float] = mapped_column(Float)
    counts: Mapped[str] = mapped_column(Text)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class KpiStanding(db.Model):
    """What the KPIs count as it is now rather than day by day -- the households on file and the owner
    profiles, in total (``scope`` "total") and per project ("project") -- as JSON like ``KpiDay.counts``.
    Used only while no ``KpiStandingMark`` exists."""

    __tablename__ = "kpi_standing"

    scope: Mapped[str] = mapped_column(String(20), primary_key=True)
    counts: Mapped[str] = mapped_column(Text)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class KpiStandingMark(db.Model):
    """A change to what ``KpiStanding`` counted (an owner's profile or home, a household's members, a
    building's project), written in the transaction of the change, removed by the refresh that counts
    again."""

    __tablename__ = "kpi_standing_marks"

    id: Mapped[int] = mapped_column(primary_key=True)
