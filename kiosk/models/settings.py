"""Small settings an admin edits in the app (e.g. the deadline policy), one JSON value per key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kiosk.extensions import db
from kiosk.models.types import UTCDateTime


class Setting(db.Model):
    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text)  # JSON
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
