"""The Asterisk connector: ``flask --app kiosk cti-asterisk --url ami://USER:SECRET@HOST:5038
--switchboard NAME``.

One long-running process per switch (``deploy/kiosk-cti-asterisk.service``). It logs in to the switch's
manager interface, hands every event to the translator (``kiosk.domain.asterisk``) and applies the app
events it gives through the hotline's one door for switchboard events (``hotline.receive_event``: the
same idempotent, order-tolerant path the webhooks take). Agents paused or resumed on the switch follow on
the board (``hotline.agent_from_switch``). Every half second it carries out what the web app queued for
the switch (``kiosk.services.switch``): ``Originate`` for click-to-dial; ``QueueAdd`` to each of the
switch's queues when an agent signs in on the console, ``QueuePause`` when they pause or resume, and
``QueueRemove`` when they sign out (离线 or out of the app).

When the switch restarts or the network drops it reconnects, waiting 1 s, 2 s, 4 s … up to
``MAX_BACKOFF_SECONDS``; once back it lists the switch's live channels (``CoreShowChannels``) and
resyncs (``AmiTranslator.resync``), so a call that ended meanwhile ends and one that began is not missed,
and lists its queues' members (``QueueStatus``), so the board's agents are paused, available or signed
out as the switch has them (``hotline.agents_from_switch``).
Its health goes to the database for the supervisors' board. SIGTERM or SIGINT ends it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import signal
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from kiosk.clock import utcnow
from kiosk.connectors.ami import AmiClient, AmiError, parse_url
from kiosk.domain.asterisk import AgentChange, AmiTranslator, queue_members
from kiosk.domain.hotline import CtiEvent, CtiPayload
from kiosk.extensions import db
from kiosk.services import hotline, switch

log = logging.getLogger("kiosk.cti")

MAX_BACKOFF_SECONDS = 30
REQUEST_POLL_SECONDS = 0.5
HEALTH_EVERY_SECONDS = 1.0
#: How long after logging in the switch's ``FullyBooted`` (its uptime) is waited for.
BOOT_WAIT_SECONDS = 2.0


@dataclass
class Settings:
    url: str
    pbx_name: str
    #: The switch's channel of an agent's phone, for Originate and QueuePause (``PJSIP/{extension}``).
    interface: str = "PJSIP/{extension}"
    #: The dialplan context an Originate dials the number in.
    context: str = "from-internal"
    caller_id: str = ""
    #: The switch's queues an agent is logged in to (QueueAdd) on signing in, and out of (QueueRemove)
    #: on signing out; also when pausing or resuming finds them in none.
    queues: tuple[str, ...] = ()
    max_backoff: float = MAX_BACKOFF_SECONDS

    @property
    def address(self) -> str:
        host, port, _user, _secret = parse_url(self.url)
        return f"{host}:{port}"


@dataclass
class Connector:
    app: Flask
    settings: Settings
    clock: Callable[[], datetime] = utcnow
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    translator: AmiTranslator = field(default_factory=AmiTranslator)
    heard: int = 0  # events since the health was last written
    total: int = 0  # events handled since the start
    last_event_at: datetime | None = None
    connected_once: bool = False

    # --- applying events ---------------------------------------------------------------------------

    def apply(self, out: CtiPayload | AgentChange) -> None:
        now = self.clock()
        if isinstance(out, AgentChange):
            hotline.agent_from_switch(out.extension, out.paused, now)
            return
        out = replace(out, caller=hotline.switch_number(out.caller), called=hotline.switch_number(out.called))
        hotline.receive_event(out, self.settings.pbx_name, now)

    def handle(self, event: dict[str, str]) -> None:
        """One AMI event, applied in one go (each app event its own transaction)."""
        for out in self.translator.feed(event, self.clock()):
            self.apply(out)
        self.heard += 1
        self.total += 1
        self.last_event_at = self.clock()

    def flush_health(self) -> None:
        if self.heard:
            switch.connector_heard(self.settings.pbx_name, self.clock(), events=self.heard,
                                   last_event_at=self.last_event_at)
            self.heard = 0

    # --- one connection ----------------------------------------------------------------------------

    async def session(self) -> None:
        """Log in, resync, then follow events and carry out requests until the connection is lost."""
        client = await AmiClient.connect(self.settings.url)
        try:
            uptime = await self._uptime(client)
            live = await client.list_action("CoreShowChannels", "CoreShowChannelsComplete")
            members = await self._queue_members(client)
            with self.app.app_context():
                self._resync(live, uptime)
                if members is not None:
                    hotline.agents_from_switch(members, self.clock())
                switch.connector_connected(self.settings.pbx_name, self.settings.address, self.clock(),
                                           reconnect=self.connected_once)
            self.connected_once = True
            log.info("connected to %s (%s)", self.settings.address, client.banner)
            await self._follow(client)
        finally:
            await client.close()

    async def _uptime(self, client: AmiClient) -> float | None:
        """The switch's uptime in seconds, from the ``FullyBooted`` it sends on login."""
        booted = await client.wait_event("FullyBooted", BOOT_WAIT_SECONDS)
        try:
            return float(booted["Uptime"]) if booted else None
        except (KeyError, ValueError):
            return None

    async def _queue_members(self, client: AmiClient) -> dict[str, bool] | None:
        """The agents in the switch's queues and whether paused (``QueueStatus``); ``None`` where the
        switch has no queues (or no queue module)."""
        try:
            rows = await client.list_action("QueueStatus", "QueueStatusComplete")
        except AmiError as error:
            if "connection lost" in str(error):
                raise
            return None
        return queue_members(rows)

    def _resync(self, live: list[dict[str, str]], uptime: float | None) -> None:
        now = self.clock()
        dropped = switch.connector_disconnected_at(self.settings.pbx_name)
        restarted = uptime is not None and dropped is not None and now - timedelta(seconds=uptime) > dropped
        ended_at = dropped if restarted else now
        outs = self.translator.resync(live, app_live=hotline.live_switch_calls(self.settings.pbx_name),
                                      now=now, ended_at=ended_at)
        for out in outs:
            self.apply(out)

    async def _follow(self, client: AmiClient) -> None:
        loop = asyncio.get_running_loop()
        next_poll = next_health = loop.time()
        while not self.stop.is_set():
            event = await client.next_event(timeout=REQUEST_POLL_SECONDS)
            with self.app.app_context():
                if event is not None:
                    self.handle(event)
                if loop.time() >= next_poll:
                    next_poll = loop.time() + REQUEST_POLL_SECONDS
                    await self._requests(client)
                if loop.time() >= next_health:
                    next_health = loop.time() + HEALTH_EVERY_SECONDS
                    self.flush_health()

    # --- what the web app asked ----------------------------------------------------------------------

    async def _requests(self, client: AmiClient) -> None:
        now = self.clock()
        claimed, expired = switch.claim_requests(self.settings.pbx_name, now)
        for request in expired:
            self._end_dial(request, now)
        for request in claimed:
            try:
                await self._carry_out(client, request)
            except AmiError as error:
                switch.finish_request(request.id, self.clock(), str(error) or "refused")
                self._end_dial(request, self.clock())
                if "connection lost" in str(error):
                    raise
            else:
                switch.finish_request(request.id, self.clock())

    async def _carry_out(self, client: AmiClient, request) -> None:
        interface = self.settings.interface.format(extension=request.extension)
        if request.kind == switch.RequestKind.DIAL:
            await client.action("Originate", Channel=interface, Exten=request.number,
                                Context=self.settings.context, Priority="1", ChannelId=request.pbx_call_id,
                                CallerID=self.settings.caller_id or request.extension, Timeout="30000",
                                Async="true")
            return
        if request.kind == switch.RequestKind.LOGOUT and self.settings.queues:
            for queue in self.settings.queues:
                await _tolerating(client.action("QueueRemove", Queue=queue, Interface=interface), "not there")
            return
        paused = "true" if request.kind in (switch.RequestKind.PAUSE, switch.RequestKind.LOGOUT) else "false"
        if request.kind == switch.RequestKind.LOGIN and self.settings.queues:
            if await self._queue_add(client, interface, paused, request.extension):
                # a member already (added on the switch's side): not left paused there
                await client.action("QueuePause", Interface=interface, Paused=paused)
            return
        try:
            await client.action("QueuePause", Interface=interface, Paused=paused)
        except AmiError as error:
            # not a member of any queue yet: the console's state logs the agent in to the switch's queues
            if not self.settings.queues or "not found" not in str(error).lower():
                raise
            await self._queue_add(client, interface, paused, request.extension)

    async def _queue_add(self, client: AmiClient, interface: str, paused: str, extension: str) -> bool:
        """Add the agent to each of the switch's queues; whether they were in one already."""
        already = False
        for queue in self.settings.queues:
            already |= await _tolerating(client.action("QueueAdd", Queue=queue, Interface=interface,
                                                       Paused=paused, MemberName=extension), "already there")
        return already

    def _end_dial(self, request, now: datetime) -> None:
        """A dial that was not carried out ends its call (not answered)."""
        if request.kind == switch.RequestKind.DIAL and request.pbx_call_id:
            hotline.receive_event(CtiPayload(event=CtiEvent.HANGUP, call_id=request.pbx_call_id, at=now,
                                             direction="out"), self.settings.pbx_name, now)

    # --- the long run ------------------------------------------------------------------------------

    async def run(self) -> None:
        backoff = 1.0
        while not self.stop.is_set():
            started = self.clock()
            try:
                await self.session()
            except (OSError, AmiError, TimeoutError, SQLAlchemyError) as error:
                reason = f"{error.__class__.__name__}: {error}"[:200]
                log.warning("switch %s: %s", self.settings.address, reason)
                with self.app.app_context():
                    db.session.rollback()
                    try:
                        self.flush_health()
                        switch.connector_lost(self.settings.pbx_name, self.settings.address, self.clock(),
                                              reason)
                    except SQLAlchemyError:
                        db.session.rollback()
                        log.exception("could not record the connector's health")
            if self.stop.is_set():
                break
            if self.clock() - started > timedelta(seconds=60):
                backoff = 1.0  # it ran a good while: the next drop starts the waits afresh
            delay = min(backoff, self.settings.max_backoff) * random.uniform(0.8, 1.2)  # noqa: S311
            backoff = min(backoff * 2, self.settings.max_backoff)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop.wait(), delay)
        with self.app.app_context():
            switch.connector_lost(self.settings.pbx_name, self.settings.address, self.clock(), "stopped")


async def _tolerating(action, expected: str) -> bool:
    """An action whose refusal saying ``expected`` (the agent already in or out of a queue) is no error;
    whether it was refused so."""
    try:
        await action
    except AmiError as error:
        if expected not in str(error).lower():
            raise
        return True
    return False


def run_forever(app: Flask, settings: Settings) -> None:
    """The ``cti-asterisk`` command: run until SIGTERM or SIGINT."""

    async def main() -> None:
        connector = Connector(app, settings)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, connector.stop.set)
        await connector.run()

    asyncio.run(main())
