"""The switch's connectors and what the web app asks of the switch.

A web worker never holds a connection to the switch: it queues a ``SwitchRequest`` (dial a number from an
agent's extension, pause or resume the agent in the queues) and the switchboard's connector, the one
process logged in to it, claims it within a second and carries it out. The request is one row written
in the same transaction as the call it starts, so a dial is never lost between the two, survives a web
worker's restart, and waits out a short reconnection of the switch (a request older than
``REQUEST_EXPIRY`` is dropped instead of ringing an agent's phone long after the click). Several copies
of a connector claim each request once (``UPDATE … WHERE status = 'queued'``).

Each connector writes its health (``SwitchConnector``) for the supervisors' board: connected and since
when, the last event, how many events, how often it had to reconnect, its last error.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import case, func, select, update

from kiosk.database import rows_alone, unit_of_work, upsert
from kiosk.extensions import db
from kiosk.models.calls import PbxSecret, SwitchConnector, SwitchRequest
from kiosk.models.people import User
from kiosk.services import audit

REQUEST_EXPIRY = timedelta(seconds=60)
#: A connector that wrote nothing for this long is shown as silent on the board.
STALE_AFTER = timedelta(seconds=90)


class RequestKind:
    DIAL = "dial"
    PAUSE = "pause"
    UNPAUSE = "unpause"
    LOGIN = "login"  # into the switch's queues (QueueAdd), available
    LOGOUT = "logout"  # out of them (QueueRemove)


class RequestStatus:
    QUEUED = "queued"
    SENT = "sent"
    DONE = "done"
    FAILED = "failed"
    EXPIRED = "expired"


# --- the connector's health ------------------------------------------------------------------------


def _upsert(pbx_name: str, now: datetime, **values) -> None:
    with unit_of_work():
        db.session.execute(upsert(
            SwitchConnector, ("pbx_name",),
            {"pbx_name": pbx_name, "updated_at": now, "address": "", "connected": False, "events": 0,
             "reconnects": 0, "last_error": "", **values},
            {"updated_at": now, **values}))


def connector_connected(pbx_name: str, address: str, now: datetime, *, reconnect: bool) -> None:
    """The connector is logged in to its switch (again, when ``reconnect``)."""
    _upsert(pbx_name, now, address=address[:200], connected=True, connected_since=now, last_error="")
    if reconnect:
        with unit_of_work():
            db.session.execute(update(SwitchConnector).where(SwitchConnector.pbx_name == pbx_name)
                               .values(reconnects=SwitchConnector.reconnects + 1))


def connector_lost(pbx_name: str, address: str, now: datetime, error: str) -> None:
    _upsert(pbx_name, now, address=address[:200], connected=False, disconnected_at=now,
            last_error=error[:200])


def connector_heard(pbx_name: str, now: datetime, *, events: int, last_event_at: datetime) -> None:
    """``events`` more events were handled, the last at ``last_event_at`` (written about once a second)."""
    with unit_of_work():
        db.session.execute(update(SwitchConnector).where(SwitchConnector.pbx_name == pbx_name)
                           .values(events=SwitchConnector.events + events, last_event_at=last_event_at,
                                   updated_at=now))


def connector_disconnected_at(pbx_name: str) -> datetime | None:
    return db.session.scalar(select(SwitchConnector.disconnected_at)
                             .where(SwitchConnector.pbx_name == pbx_name))


@dataclass(frozen=True)
class ConnectorHealth:
    row: tuple  # a row of ``_connectors_statement``
    stale: bool  # connected, but nothing written for STALE_AFTER: the process is gone


@cache
def _connectors_statement():
    """The columns the board shows of each connector; built once."""
    c = SwitchConnector
    return select(c.pbx_name, c.address, c.connected, c.connected_since, c.updated_at, c.disconnected_at,
                  c.last_event_at, c.reconnects, c.last_error).order_by(c.pbx_name)


def connectors(now: datetime) -> list[ConnectorHealth]:
    """The board's panel of connectors: rows read outside any transaction (``rows_alone``), as the other
    panels' are (objects through the session cost its BEGIN, set-up and close, as much as the render)."""
    return [ConnectorHealth(row, row.connected and now - row.updated_at > STALE_AFTER)
            for row in rows_alone(_connectors_statement())]


def connectors_version_columns(stale_before) -> list:
    """The board's version of the connectors' health, as the aggregates of one reading of the
    connectors: how many, how many connected, their reconnections, the latest and the oldest report, and
    how many have gone quiet since ``stale_before`` (a connector that dies writes nothing, so time must
    tell)."""
    return [func.count(SwitchConnector.pbx_name),
            func.sum(case((SwitchConnector.connected.is_(True), 1), else_=0)),
            func.sum(SwitchConnector.reconnects),
            func.max(SwitchConnector.updated_at), func.min(SwitchConnector.updated_at),
            func.count(SwitchConnector.pbx_name).filter(SwitchConnector.updated_at < stale_before)]


def dial_switchboard(now: datetime) -> str | None:
    """The switchboard click-to-dial goes through: one whose connector is connected and alive (the one
    connected longest, when several are); ``None`` where no switch is connected (calls by hand)."""
    return db.session.scalar(
        select(SwitchConnector.pbx_name)
        .where(SwitchConnector.connected.is_(True), SwitchConnector.updated_at >= now - STALE_AFTER)
        .order_by(SwitchConnector.connected_since, SwitchConnector.pbx_name).limit(1)
    )


# --- requests to the switch ----------------------------------------------------------------------


def new_call_id() -> str:
    """The id a dialled call will carry on the switch (AMI ``Originate``'s ``ChannelId``)."""
    return f"kiosk-{secrets.token_hex(10)}"


def queue_request(pbx_name: str, kind: str, agent: User, now: datetime, *, number: str = "",
                  pbx_call_id: str | None = None) -> None:
    """Queue a request inside the caller's unit of work (the call it starts is in the same commit)."""
    db.session.add(SwitchRequest(pbx_name=pbx_name, kind=kind, agent_id=agent.id, extension=agent.extension,
                                 number=number, pbx_call_id=pbx_call_id, status=RequestStatus.QUEUED,
                                 requested_at=now, error=""))


def claim_requests(pbx_name: str, now: datetime, limit: int = 20) -> tuple[list[SwitchRequest],
                                                                         list[SwitchRequest]]:
    """The switchboard's queued requests, each now this connector's (another copy skips it), and those
    that waited too long (marked expired): (to carry out, expired)."""
    claimed, expired = [], []
    with unit_of_work():
        rows = db.session.scalars(
            select(SwitchRequest).where(SwitchRequest.pbx_name == pbx_name,
                                        SwitchRequest.status == RequestStatus.QUEUED)
            .order_by(SwitchRequest.id).limit(limit)
        ).all()
        for row in rows:
            too_old = now - row.requested_at > REQUEST_EXPIRY
            status = RequestStatus.EXPIRED if too_old else RequestStatus.SENT
            won = db.session.execute(
                update(SwitchRequest).where(SwitchRequest.id == row.id,
                                            SwitchRequest.status == RequestStatus.QUEUED)
                .values(status=status, done_at=now if too_old else None)
            ).rowcount
            if won:
                (expired if too_old else claimed).append(row)
    return claimed, expired


def finish_request(request_id: int, now: datetime, error: str = "") -> None:
    with unit_of_work():
        db.session.execute(update(SwitchRequest).where(SwitchRequest.id == request_id).values(
            status=RequestStatus.FAILED if error else RequestStatus.DONE, done_at=now, error=error[:200]))


# --- the generic webhook's tokens ----------------------------------------------------------------


def switchboard_by_token(token: str) -> str | None:
    if not token:
        return None
    return db.session.scalar(select(PbxSecret.name).where(PbxSecret.webhook_token == token))


def new_webhook_token(pbx_name: str, by: audit.By | None = None) -> str | None:
    """A new token for the switchboard's generic webhook (the old one stops working), audited as an
    administrative change (the token itself is never kept there: it is shown once); ``None``: no such
    switchboard."""
    token = secrets.token_urlsafe(24)
    with unit_of_work():
        pbx_id = db.session.scalar(update(PbxSecret).where(PbxSecret.name == pbx_name)
                                   .values(webhook_token=token).returning(PbxSecret.id))
        if pbx_id is None:
            return None
        audit.record(by, audit.Action.WEBHOOK_TOKEN,
                     audit.Subject(audit.ObjectType.SWITCHBOARD, pbx_id, pbx_name), None, None)
    return token
