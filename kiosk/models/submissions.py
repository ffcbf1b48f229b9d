"""One-time form submission keys: a form that creates something is taken once, however often it is sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kiosk.extensions import db
from kiosk.models.types import UTCDateTime


class FormSubmission(db.Model):
    """A claimed key: who sent it (``device-3``, ``user-7``), which form, and the id of what it created.

    The unique constraint on (submitter, form, key) lets exactly one of several identical submissions
    through; ``form`` names the kind of record ``result_id`` points to (``kiosk_visit`` → a visit).
    """

    __tablename__ = "form_submissions"
    __table_args__ = (UniqueConstraint("submitter", "form", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submitter: Mapped[str] = mapped_column(String(40))
    form: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(64))
    result_id: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
