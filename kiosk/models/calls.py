"""Hotline calls (热线来电), the switchboard events behind them, agents' states, and the books an agent
keeps at hand: the "114" directory and the answer book (答客问).

A ``Call`` is one conversation, inbound or outbound. Its times come from the switchboard's events
(``CallEvent``, one row per call and event kind, which makes repeats harmless) or from the agent when no
switchboard is connected. What the agent records, confirms and decides is on the call too.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    case,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kiosk.domain.hotline import CallState
from kiosk.extensions import db
from kiosk.models.callbacks import Callback
from kiosk.models.people import Department, User
from kiosk.models.phrases import ScriptPhrase
from kiosk.models.property import Owner
from kiosk.models.types import UTCDateTime, literal_in, partial_index

#: A call ringing or in progress, in the order of the partial index.
LIVE_STATES = tuple(sorted((CallState.RINGING.value, CallState.ANSWERED.value)))


class Call(db.Model):
    __tablename__ = "calls"
    __table_args__ = (
        Index("ix_calls_state_agent_id", "state", "agent_id"),
        # The board's version of the live calls (count, newest, sum of versions) from this index alone.
        partial_index("ix_calls_live", "state", LIVE_STATES, "id", "version"),
        Index("ix_calls_caller_number", "caller_number"),
        # The KPIs count calls by period: this index covers every column they read, so a year of calls is
        # counted from the index alone (kiosk.services.kpi).
        Index("ix_calls_kpi", "created_at", "direction", "answered_at", "ended_at", "ringing_at",
              "ring_seconds", "talk_seconds", "agent_id", "owner_id"),
        # A call id is the switchboard's own: two switchboards may use the same one.
        UniqueConstraint("pbx_name", "pbx_call_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pbx_name: Mapped[str | None] = mapped_column(String(40))
    pbx_call_id: Mapped[str | None] = mapped_column(String(80))
    direction: Mapped[str] = mapped_column(String(10), default="in")
    caller_number: Mapped[str] = mapped_column(String(30), default="")
    called_number: Mapped[str] = mapped_column(String(30), default="")
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    state: Mapped[str] = mapped_column(String(10), default="ringing")
    ringing_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ring_seconds: Mapped[int | None] = mapped_column(Integer)
    talk_seconds: Mapped[int | None] = mapped_column(Integer)
    # Closed without its hangup (``kiosk.domain.hotline.CallLost``); None for a call that ended normally.
    lost_reason: Mapped[str | None] = mapped_column(String(20))
    hangup_cause: Mapped[str | None] = mapped_column(String(20))  # hotline.HangupCause, as the switch told
    category: Mapped[str | None] = mapped_column(String(20))
    caller_surname: Mapped[str] = mapped_column(String(20), default="")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("owners.id"), index=True)
    location: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disposition: Mapped[str | None] = mapped_column(String(20))
    disposed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answer_text: Mapped[str] = mapped_column(Text, default="")
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    slip_id: Mapped[int | None] = mapped_column(ForeignKey("task_slips.id"))
    correction_of_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id"), index=True)
    # An outbound call an agent started from their callbacks (回访); its result is the callback's.
    callback_id: Mapped[int | None] = mapped_column(ForeignKey("callbacks.id", ondelete="SET NULL"),
                                                    index=True)
    # The switch's queue the caller waited in (a call waiting there rings for no agent yet: the board's).
    queue: Mapped[str | None] = mapped_column(String(40))
    # The switch's recording of the call (MixMonitor's file name), played through RECORDING_BASE_URL.
    recording: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    agent: Mapped[User | None] = relationship(foreign_keys=[agent_id])
    owner: Mapped[Owner | None] = relationship()
    department: Mapped[Department | None] = relationship()
    correction_of: Mapped[Call | None] = relationship(remote_side=[id])
    callback: Mapped[Callback | None] = relationship()
    phrase_uses: Mapped[list[CallPhraseUse]] = relationship(
        back_populates="call", order_by="CallPhraseUse.id", cascade="all, delete-orphan"
    )
    changes: Mapped[list[CallChange]] = relationship(
        back_populates="call", order_by="CallChange.id", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}

    @hybrid_property
    def party_number(self) -> str:
        """The caller's number on an inbound call, the number dialled on an outbound one."""
        return self.caller_number if self.direction == "in" else self.called_number

    @party_number.inplace.expression
    @classmethod
    def _party_number_column(cls) -> ColumnElement[str]:
        """The same in a statement (the board reads calls as rows)."""
        return case((cls.direction == "in", cls.caller_number), else_=cls.called_number)


def live_call() -> ColumnElement[bool]:
    """The call rings or is in progress, as the board's partial index reads it."""
    return literal_in(Call.state, LIVE_STATES)


class CallEvent(db.Model):
    """One switchboard event as received; the unique (switchboard, call id, event, detail) makes a repeat a
    no-op. ``detail`` tells apart the events a call may have several of: the extension a ring or a transfer
    reached (a queue rings one agent after another), the recording's file name; it is empty otherwise."""

    __tablename__ = "call_events"
    __table_args__ = (UniqueConstraint("pbx_name", "pbx_call_id", "event", "detail"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pbx_call_id: Mapped[str] = mapped_column(String(80))
    event: Mapped[str] = mapped_column(String(10))
    detail: Mapped[str] = mapped_column(String(255), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    pbx_name: Mapped[str] = mapped_column(String(40))


class CallPhraseUse(db.Model):
    __tablename__ = "call_phrase_uses"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    phrase_id: Mapped[int | None] = mapped_column(ForeignKey("script_phrases.id", ondelete="SET NULL"))
    stage: Mapped[str] = mapped_column(String(30))
    text: Mapped[str] = mapped_column(String(300))
    used_at: Mapped[datetime] = mapped_column(UTCDateTime)

    call: Mapped[Call] = relationship(back_populates="phrase_uses")
    phrase: Mapped[ScriptPhrase | None] = relationship()


class CallChange(db.Model):
    """The call's history: who changed what on it, when, from what to what, and why (a settled call is
    only changed by a supervisor giving a reason)."""

    __tablename__ = "call_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(20))
    before: Mapped[str] = mapped_column(String(200), default="")
    after: Mapped[str] = mapped_column(String(200), default="")
    reason: Mapped[str] = mapped_column(Text, default="")

    call: Mapped[Call] = relationship(back_populates="changes")
    actor: Mapped[User] = relationship()


class AgentState(db.Model):
    __tablename__ = "agent_states"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    state: Mapped[str] = mapped_column(String(10))
    since: Mapped[datetime] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class PbxSecret(db.Model):
    """A connected switchboard and the secret its events are signed with (HMAC-SHA256 of the body)."""

    __tablename__ = "pbx_secrets"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    secret: Mapped[str] = mapped_column(String(128))
    # The token in the address of the generic (Zammad-style) webhook, ``/cti/generic/<token>``; none: off.
    webhook_token: Mapped[str | None] = mapped_column(String(64), unique=True)


class CtiRefusalCount(db.Model):
    """How many of a switchboard's events were refused on a day (Shanghai), and why: the administrator's
    sign that a switchboard's clock or secret is wrong. ``pbx_name`` is empty for names that are no
    switchboard of ours (one row, however many names are tried)."""

    __tablename__ = "cti_refusals"
    __table_args__ = (UniqueConstraint("pbx_name", "reason", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pbx_name: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(String(20))
    day: Mapped[date] = mapped_column(Date)
    count: Mapped[int] = mapped_column(Integer)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SwitchConnector(db.Model):
    """The health of a switchboard's long-running connector (``flask cti-asterisk``), written by it: connected
    or not and since when, its last event, how often it had to reconnect, its last error. The supervisors'
    board shows it; click-to-dial goes through a switchboard whose connector is connected."""

    __tablename__ = "switch_connectors"

    pbx_name: Mapped[str] = mapped_column(String(40), primary_key=True)
    address: Mapped[str] = mapped_column(String(200), default="")  # host:port, never the secret
    connected: Mapped[bool] = mapped_column(Boolean, default=False)
    connected_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disconnected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_event_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    events: Mapped[int] = mapped_column(Integer, default=0)
    reconnects: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SwitchRequest(db.Model):
    """Something the web app asks the switch to do (dial a number from an agent's extension, pause or
    resume an agent in the queues), queued here and carried out by the switchboard's connector, which
    alone holds the connection to the switch. ``pbx_call_id`` is the id the dialled call will carry."""

    __tablename__ = "switch_requests"
    __table_args__ = (Index("ix_switch_requests_pbx_name_status", "pbx_name", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pbx_name: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(10))
    agent_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    extension: Mapped[str] = mapped_column(String(20))
    number: Mapped[str] = mapped_column(String(30), default="")
    pbx_call_id: Mapped[str | None] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(10), default="queued")
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str] = mapped_column(String(200), default="")


class DirectoryEntry(db.Model):
    """The "114" directory (seed 003 §2(7), (8)): who is where, on which floor, at which number."""

    __tablename__ = "directory_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), index=True)
    floor: Mapped[str] = mapped_column(String(40), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    info: Mapped[str] = mapped_column(String(500), default="")


class AnswerBookEntry(db.Model):
    """The answer book (答客问): common questions and the answer the centre gives."""

    __tablename__ = "answer_book_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    question: Mapped[str] = mapped_column(String(200), index=True)
    answer: Mapped[str] = mapped_column(Text)
