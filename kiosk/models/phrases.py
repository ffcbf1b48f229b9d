"""The hotline's standard phrases (标准话术, seed 003 §2(12)), edited by supervisors."""

from __future__ import annotations

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kiosk.extensions import db


class ScriptPhrase(db.Model):
    __tablename__ = "script_phrases"
    __table_args__ = (UniqueConstraint("stage", "text"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    stage: Mapped[str] = mapped_column(String(30), index=True)
    text: Mapped[str] = mapped_column(String(300))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
