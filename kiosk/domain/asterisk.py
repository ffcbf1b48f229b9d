"""From Asterisk's Manager Interface (AMI) events to the hotline's own call events.

The hotline counts a call from the switch's own moments: the three-ring figure from when it first rang
(seed 003 §2(2)(1) 三声内接听) and the three-minute timer from when it was answered (seed 003 §2(11)). An
Asterisk switch tells those moments through AMI events, one channel (one leg) at a time; this module
folds the legs of one call, tied together by their ``Linkedid``, into the app's events (``CtiPayload``):

* **ringing** — the caller joined a queue (``QueueCallerJoin``: rings for no agent yet, the supervisors'
  board shows it waiting), or an agent's extension rings (``DialBegin`` to it, ``AgentCalled``);
  on an outbound call, the dialled number rings (``DialBegin`` to a number that is no extension).
* **answered** — the dialled leg answered (``DialEnd`` with ``ANSWER``, ``AgentConnect``) or an agent's leg
  entered the caller's bridge (``BridgeEnter``).
* **transfer** — the answered call is answered again at another agent's extension (a blind transfer, or
  an attended one: ``AttendedTransfer`` names the colleague's leg of the agent's consult call, which
  joins the caller's call): the call moves to that agent, its answer time stays the first one.
* **hangup** — the last leg of the call hung up (``Hangup``), or the caller gave up in the queue
  (``QueueCallerAbandon``): ended without an answer, an abandoned call.
* **recording** — MixMonitor's file name (the ``MIXMONITOR_FILENAME`` channel variable, ``VarSet``).

Calls between two extensions are the staff's own and are left out. An extension is a channel whose
peer is 3 to 6 digits (``PJSIP/8101-00000012``, ``Local/8101@from-queue-0000001a;1``), the same rule as
an agent's extension in the user form (``kiosk.domain.phone_numbers``).

Agents' queue states (``QueueMemberPause``, ``QueueMemberAdded``/``Removed``) become ``AgentChange``s.

After a (re)connection the connector lists the switch's live channels (``CoreShowChannels``) and
``resync`` says which calls the app still shows live but the switch no longer has (they ended while the
connection was down: at the moment it dropped when the switch restarted meanwhile, else when it is back),
and which live calls the app never heard of (their ring and answer told from the channels' ages). Each
app event is applied idempotently (one per call, kind and detail), so a call seen twice is not doubled.

The queues' members listed on connecting (``QueueStatus``, ``queue_members``) tell each agent's state
on the switch then: in its queues (paused or not) or in none, which the channels cannot tell.

Event times are the switch's (``Timestamp``, sent with ``timestampevents = yes`` in ``manager.conf``);
without one, the moment the event was received.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from kiosk.domain.hotline import CtiEvent, CtiPayload
from kiosk.domain.phone_numbers import EXTENSION_DIGITS

#: The channel variable MixMonitor sets to the file it records into.
RECORDING_VARIABLE = "MIXMONITOR_FILENAME"

_PEER = re.compile(r"^[A-Za-z0-9_]+/(?P<peer>[^-;@/]+)")


def peer_of(channel: str) -> str:
    """The endpoint of a channel: ``PJSIP/8101-00000012`` → ``8101``, ``Local/8101@queue-01;1`` → ``8101``."""
    found = _PEER.match(channel or "")
    return found["peer"] if found else ""


def is_extension(peer: str) -> bool:
    return peer.isdigit() and len(peer) in EXTENSION_DIGITS


def extension_of(channel: str) -> str:
    """The agent's extension a channel belongs to, or ``""`` for a trunk."""
    peer = peer_of(channel)
    return peer if is_extension(peer) else ""


def event_time(event: dict[str, str], received_at: datetime) -> datetime:
    """The switch's time of the event (``Timestamp: 1764889200.123456``), else when it was received."""
    try:
        return datetime.fromtimestamp(float(event["Timestamp"]), UTC)
    except (KeyError, ValueError, OverflowError, OSError):
        return received_at


def duration_seconds(text: str) -> int:
    """``CoreShowChannel``'s ``Duration`` (``HH:MM:SS``) in seconds; 0 when unreadable."""
    try:
        hours, minutes, seconds = (int(part) for part in text.split(":"))
    except (AttributeError, ValueError):
        return 0
    return hours * 3600 + minutes * 60 + seconds


@dataclass(frozen=True)
class AgentChange:
    """The switch paused or resumed an agent in its queues (or took them out: paused)."""

    extension: str
    paused: bool
    at: datetime


@dataclass
class _Call:
    direction: str
    caller: str
    called: str = ""
    extension: str = ""  # on an outbound call, the agent's extension that places it
    queue: str = ""
    answered_by: str = ""  # the extension talking to the caller now
    emitted: set[tuple[str, str]] = field(default_factory=set)


@dataclass
class _Channel:
    linkedid: str
    extension: str


class AmiTranslator:
    """Folds one switch's AMI events into app call events. Pure: no clock, no database; the connector
    keeps one per connection's lifetime and hands every event in, in the order the switch sent them."""

    def __init__(self) -> None:
        self.channels: dict[str, _Channel] = {}
        self.calls: dict[str, _Call] = {}
        self.ignored: set[str] = set()  # calls between extensions

    # --- the events ---------------------------------------------------------------------------------

    def feed(self, event: dict[str, str], received_at: datetime) -> list[CtiPayload | AgentChange]:
        """The app events one AMI event leads to (often none)."""
        name = event.get("Event", "")
        handler = getattr(self, f"_on_{name}", None)
        if handler is None:
            return []
        return [out for out in handler(event, event_time(event, received_at)) if out is not None]

    def _emit(self, linkedid: str, kind: CtiEvent, at: datetime, *, extension: str = "",
              recording: str = "") -> CtiPayload | None:
        call = self.calls.get(linkedid)
        if call is None:
            return None
        payload = CtiPayload(event=kind, call_id=linkedid, at=at, caller=call.caller, called=call.called,
                             direction=call.direction, extension=extension, queue=call.queue,
                             recording=recording)
        key = (kind.value, payload.detail)
        if key in call.emitted:
            return None
        call.emitted.add(key)
        return payload

    def _channel(self, uniqueid: str, linkedid: str, channel: str) -> _Channel:
        known = self.channels.get(uniqueid)
        if known is None:
            known = self.channels[uniqueid] = _Channel(linkedid or uniqueid, extension_of(channel))
        return known

    def _on_Newchannel(self, event, at):  # noqa: N802 (AMI's event names)
        uniqueid, linkedid = event.get("Uniqueid", ""), event.get("Linkedid", "")
        channel = self._channel(uniqueid, linkedid, event.get("Channel", ""))
        if uniqueid and uniqueid == (linkedid or uniqueid) and channel.linkedid not in self.calls:
            # the first leg of a call: from a trunk it is inbound, from an agent's phone outbound
            if channel.extension:
                self.calls[channel.linkedid] = _Call("out", "", extension=channel.extension)
            else:
                self.calls[channel.linkedid] = _Call("in", event.get("CallerIDNum", ""),
                                                     called=event.get("Exten", ""))
        return []

    def _dest(self, event) -> tuple[str, _Channel]:
        linkedid = event.get("DestLinkedid") or event.get("Linkedid", "")
        dest = self._channel(event.get("DestUniqueid", ""), linkedid, event.get("DestChannel", ""))
        return dest.linkedid, dest

    def _on_DialBegin(self, event, at):  # noqa: N802
        linkedid, dest = self._dest(event)
        call = self.calls.get(linkedid)
        if call is None or not event.get("Channel"):  # an Originate's first leg: the agent's own phone
            return []
        if call.direction == "in":
            if dest.extension:
                return [self._emit(linkedid, CtiEvent.RINGING, at, extension=dest.extension)]
            return []
        if dest.extension:  # an agent's phone calling another: the staff's own call
            self.ignored.add(linkedid)
            self.calls.pop(linkedid, None)
            return []
        call.called = call.called or _dialled(event)
        return [self._emit(linkedid, CtiEvent.RINGING, at, extension=call.extension)]

    def _answered(self, linkedid: str, extension: str, at: datetime) -> list:
        call = self.calls.get(linkedid)
        if call is None:
            return []
        if call.direction == "out":
            return [self._emit(linkedid, CtiEvent.ANSWERED, at, extension=call.extension)]
        if not extension or extension == call.answered_by:
            return []
        first = not call.answered_by
        call.answered_by = extension
        if first:
            return [self._emit(linkedid, CtiEvent.ANSWERED, at, extension=extension)]
        return [self._emit(linkedid, CtiEvent.TRANSFER, at, extension=extension)]

    def _on_DialEnd(self, event, at):  # noqa: N802
        linkedid, dest = self._dest(event)
        if event.get("DialStatus") != "ANSWER" or not event.get("Channel"):
            return []
        return self._answered(linkedid, dest.extension, at)

    def _on_AgentCalled(self, event, at):  # noqa: N802
        linkedid = event.get("Linkedid", "")
        extension = extension_of(event.get("Interface", "")) or extension_of(event.get("DestChannel", ""))
        if extension:
            return [self._emit(linkedid, CtiEvent.RINGING, at, extension=extension)]
        return []

    def _on_AgentConnect(self, event, at):  # noqa: N802
        extension = extension_of(event.get("Interface", "")) or extension_of(event.get("DestChannel", ""))
        return self._answered(event.get("Linkedid", ""), extension, at)

    def _on_BridgeEnter(self, event, at):  # noqa: N802
        channel = self.channels.get(event.get("Uniqueid", ""))
        if channel is None or not channel.extension:
            return []
        call = self.calls.get(channel.linkedid)
        if call is None or call.direction != "in" or channel.linkedid in self.ignored:
            return []
        return self._answered(channel.linkedid, channel.extension, at)

    def _on_AttendedTransfer(self, event, at):  # noqa: N802
        """The agent consulted a colleague on a call of their own, then put the caller through
        (Asterisk 12+, whether the two bridges were merged or tied by Local channels): the colleague's
        leg, on the consult call until now, becomes the caller's call's, whose hangup it now holds."""
        if event.get("Result") != "Success":
            return []
        linkedid = event.get("TransfereeLinkedid", "")
        call = self.calls.get(linkedid)
        target = self.channels.get(event.get("TransferTargetUniqueid", ""))
        if call is None or call.direction != "in" or target is None or not target.extension:
            return []
        target.linkedid = linkedid
        return self._answered(linkedid, target.extension, at)

    def _on_QueueCallerJoin(self, event, at):  # noqa: N802
        linkedid = event.get("Linkedid", "")
        call = self.calls.get(linkedid)
        if call is None:
            return []
        call.queue = call.queue or event.get("Queue", "")[:40]
        return [self._emit(linkedid, CtiEvent.RINGING, at)]

    def _on_QueueCallerAbandon(self, event, at):  # noqa: N802
        return [self._emit(event.get("Linkedid", ""), CtiEvent.HANGUP, at)]

    def _on_VarSet(self, event, at):  # noqa: N802
        if event.get("Variable") != RECORDING_VARIABLE or not event.get("Value"):
            return []
        name = event["Value"].replace("\\", "/").rsplit("/", 1)[-1][:255]
        return [self._emit(event.get("Linkedid", ""), CtiEvent.RECORDING, at, recording=name)]

    def _on_Hangup(self, event, at):  # noqa: N802
        channel = self.channels.pop(event.get("Uniqueid", ""), None)
        linkedid = channel.linkedid if channel else event.get("Linkedid", "")
        if any(other.linkedid == linkedid for other in self.channels.values()):
            return []  # another leg of the call is still up (a transfer, a queue's other agents)
        self.ignored.discard(linkedid)
        out = [self._emit(linkedid, CtiEvent.HANGUP, at)]
        self.calls.pop(linkedid, None)
        return out

    def _agent(self, event, at, paused: bool):
        extension = extension_of(event.get("Interface", "")) or extension_of(
            event.get("StateInterface", "")) or (event.get("MemberName", "")
                                                 if is_extension(event.get("MemberName", "")) else "")
        return [AgentChange(extension, paused, at)] if extension else []

    def _on_QueueMemberPause(self, event, at):  # noqa: N802
        return self._agent(event, at, event.get("Paused") == "1")

    def _on_QueueMemberAdded(self, event, at):  # noqa: N802
        return self._agent(event, at, event.get("Paused") == "1")

    def _on_QueueMemberRemoved(self, event, at):  # noqa: N802
        return self._agent(event, at, True)

    # --- after a (re)connection ---------------------------------------------------------------------

    def resync(self, live_channels: list[dict[str, str]], *, app_live: set[str], now: datetime,
               ended_at: datetime) -> list[CtiPayload]:
        """Start again from the switch's live channels (the ``CoreShowChannel`` events listed on connecting).

        ``app_live``: the call ids the app shows ringing or answered. Those the switch no longer has ended
        at ``ended_at``; a live call the app does not know is rung (and answered, when an agent's leg is
        in a bridge) at the moments its channels' ages tell. The events of calls already known are
        repeats the app ignores.
        """
        self.channels.clear()
        self.calls.clear()
        self.ignored.clear()
        by_call: dict[str, list[dict[str, str]]] = {}
        for row in live_channels:
            linkedid = row.get("Linkedid") or row.get("Uniqueid", "")
            if linkedid:
                by_call.setdefault(linkedid, []).append(row)
        out: list[CtiPayload] = []
        for linkedid in sorted(app_live - set(by_call)):
            self.calls[linkedid] = _Call("in", "")
            out.append(self._emit(linkedid, CtiEvent.HANGUP, ended_at))
            del self.calls[linkedid]
        for linkedid, rows in by_call.items():
            out += self._live_call(linkedid, rows, now)
        return [payload for payload in out if payload is not None]

    def _live_call(self, linkedid: str, rows: list[dict[str, str]], now: datetime) -> list:
        rows = sorted(rows, key=lambda row: -duration_seconds(row.get("Duration", "")))
        first = rows[0]
        for row in rows:
            self._channel(row.get("Uniqueid", ""), linkedid, row.get("Channel", ""))
        extensions = [extension_of(row.get("Channel", "")) for row in rows]
        if all(extensions):
            self.ignored.add(linkedid)
            return []
        started = now - timedelta(seconds=duration_seconds(first.get("Duration", "")))
        if extensions[0]:
            trunk = next(row for row, ext in zip(rows, extensions, strict=True) if not ext)
            call = self.calls[linkedid] = _Call("out", "", called=trunk.get("CallerIDNum", ""),
                                                extension=extensions[0])
        else:
            call = self.calls[linkedid] = _Call("in", first.get("CallerIDNum", ""),
                                                called=first.get("Exten", ""))
            if first.get("Application") == "Queue":
                call.queue = first.get("ApplicationData", "").split(",")[0][:40]
        out = [self._emit(linkedid, CtiEvent.RINGING, started,
                          extension=call.extension if call.direction == "out" else "")]
        for row, extension in zip(rows, extensions, strict=True):
            state = row.get("ChannelStateDesc") or row.get("ChannelState")
            bridged = bool(row.get("BridgeId")) and state in ("Up", "6")
            if call.direction == "out" and not extension and bridged:
                at = now - timedelta(seconds=duration_seconds(row.get("Duration", "")))
                out += self._answered(linkedid, "", at)
            elif call.direction == "in" and extension and bridged:
                at = now - timedelta(seconds=duration_seconds(row.get("Duration", "")))
                out += self._answered(linkedid, extension, at)
            elif call.direction == "in" and extension:
                out.append(self._emit(linkedid, CtiEvent.RINGING, started, extension=extension))
        return out


def queue_members(rows: list[dict[str, str]]) -> dict[str, bool] | None:
    """The agents in the switch's queues and whether each is paused, from the rows ``QueueStatus`` lists
    (``QueueParams`` per queue, ``QueueMember`` per member; ``Location`` on switches before Asterisk 12).
    An agent paused in one queue but not in another takes calls: paused only when paused in every queue
    they are in. ``None`` when the switch has no queue at all (a site without queues: nobody to tell)."""
    if not any(row.get("Event") == "QueueParams" for row in rows):
        return None
    members: dict[str, bool] = {}
    for row in rows:
        if row.get("Event") != "QueueMember":
            continue
        name = row.get("MemberName", "")
        extension = (extension_of(row.get("Interface", "") or row.get("Location", ""))
                     or extension_of(row.get("StateInterface", "")) or (name if is_extension(name) else ""))
        if extension:
            members[extension] = members.get(extension, True) and row.get("Paused") == "1"
    return members


def _dialled(event: dict[str, str]) -> str:
    """The number an outbound leg dials: the digits at the end of ``DialString`` (``trunk/13900001234``),
    else the leg's caller id."""
    found = re.search(r"(\+?\d{3,})$", event.get("DialString", ""))
    return found[1] if found else event.get("DestCallerIDNum", "") or event.get("DestExten", "")
