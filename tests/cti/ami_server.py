"""An Asterisk manager interface on 127.0.0.1 for the tests, speaking the real protocol.

It greets with ``Asterisk Call Manager/5.0.3``, takes ``Action: Login`` (``Response: Success`` and the
``FullyBooted`` event with the switch's uptime, or ``Response: Error`` for a wrong secret), answers every
action with its ``ActionID`` echoed, lists its live channels for ``CoreShowChannels`` (rows as
``CoreShowChannel`` events, then ``CoreShowChannelsComplete``), its queues for ``QueueStatus`` (a recorded
list, then ``QueueStatusComplete``), takes ``Originate`` and the queue actions
``QueuePause``/``QueueAdd``/``QueueRemove`` (and records them, keeping the queues' members), and sends
the recorded event streams of ``streams/`` to every logged-in client on ``play``. ``restart`` drops every
connection as a switch restart does. It runs on its own event loop in a thread, so a test drives it from
plain code.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

STREAMS = Path(__file__).parent / "streams"
BANNER = b"Asterisk Call Manager/5.0.3\r\n"


def read_stream(name: str, **values: str) -> list[dict[str, str]]:
    """A recorded stream's events, ``{call_id}``-style placeholders filled in."""
    with open(STREAMS / f"{name}.ami", newline="") as file:  # the protocol's \r\n kept as sent
        text = file.read()
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    events = []
    for block in text.split("\r\n\r\n"):
        fields = {}
        for line in block.splitlines():
            key, sep, value = line.partition(":")
            if sep:
                fields[key.strip()] = value.strip()
        if fields:
            events.append(fields)
    return events


def encode(fields: dict[str, str]) -> bytes:
    return ("".join(f"{key}: {value}\r\n" for key, value in fields.items()) + "\r\n").encode()


class AmiServer:
    def __init__(self, username: str = "kiosk", secret: str = "ami-secret") -> None:
        self.username, self.secret = username, secret
        self.actions: list[dict[str, str]] = []
        self.live_channels: list[dict[str, str]] = []
        self.uptime = 3600
        #: Streams played after an Originate is accepted (its ChannelId and ActionID filled in).
        self.on_originate: str | None = None
        self.logins = 0
        #: Queue members as (queue, interface); ``None``: every interface is a member of every queue (the
        #: queue actions always succeed).
        self.members: set[tuple[str, str]] | None = None
        #: The rows ``QueueStatus`` lists (a recorded stream's); ``None``: no queue module (an error).
        self.queue_status: list[dict[str, str]] | None = None
        #: While set the switch is down: a connection is closed before the banner.
        self.refuse = False
        self._writers: set[asyncio.StreamWriter] = set()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        self._ready.wait(10)

    # --- the thread ---------------------------------------------------------------------------------

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(asyncio.start_server(self._client, "127.0.0.1", 0))
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()

    def _call(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(10)

    @property
    def url(self) -> str:
        return f"ami://{self.username}:{self.secret}@127.0.0.1:{self.port}"

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.refuse:
            writer.close()
            return
        writer.write(BANNER)
        logged_in = False
        try:
            while True:
                block = await reader.readuntil(b"\r\n\r\n")
                action = {}
                for line in block.decode().splitlines():
                    key, sep, value = line.partition(":")
                    if sep:
                        action[key.strip()] = value.strip()
                name = action.get("Action", "").lower()
                reply = {"ActionID": action.get("ActionID", "")} if "ActionID" in action else {}
                if name == "login":
                    if action.get("Username") == self.username and action.get("Secret") == self.secret:
                        logged_in = True
                        self.logins += 1
                        self._writers.add(writer)
                        writer.write(encode({"Response": "Success", **reply,
                                             "Message": "Authentication accepted"}))
                        writer.write(encode({"Event": "FullyBooted", "Privilege": "system,all",
                                             "Uptime": str(self.uptime), "LastReload": str(self.uptime),
                                             "Status": "Fully Booted"}))
                    else:
                        writer.write(encode({"Response": "Error", **reply,
                                             "Message": "Authentication failed"}))
                        await writer.drain()
                        break
                elif not logged_in:
                    writer.write(encode({"Response": "Error", **reply, "Message": "Permission denied"}))
                elif name == "coreshowchannels":
                    self.actions.append(action)
                    writer.write(encode({"Response": "Success", **reply, "EventList": "start",
                                         "Message": "Channels will follow"}))
                    for row in self.live_channels:
                        writer.write(encode({"Event": "CoreShowChannel", **reply, **row}))
                    writer.write(encode({"Event": "CoreShowChannelsComplete", **reply,
                                         "EventList": "Complete", "ListItems": str(len(self.live_channels))}))
                elif name == "queuestatus" and self.queue_status is not None:
                    self.actions.append(action)
                    writer.write(encode({"Response": "Success", **reply, "EventList": "start",
                                         "Message": "Queue status will follow"}))
                    for row in self.queue_status:
                        writer.write(encode({**row, **reply}))
                    writer.write(encode({"Event": "QueueStatusComplete", **reply, "EventList": "Complete",
                                         "ListItems": str(len(self.queue_status))}))
                elif name in ("queuepause", "queueadd", "queueremove") and self.members is not None:
                    self.actions.append(action)
                    writer.write(encode({**self._member_action(name, action), **reply}))
                elif name in ("queueadd", "queueremove"):
                    self.actions.append(action)
                    writer.write(encode({"Response": "Success", **reply, "Message": "Done"}))
                elif name in ("originate", "queuepause"):
                    self.actions.append(action)
                    message = {"originate": "Originate successfully queued",
                               "queuepause": "Interface paused successfully"}[name]
                    writer.write(encode({"Response": "Success", **reply, "Message": message}))
                    if name == "originate" and self.on_originate:
                        for event in read_stream(self.on_originate, call_id=action.get("ChannelId", ""),
                                                 action_id=action.get("ActionID", "")):
                            writer.write(encode(event))
                elif name == "logoff":
                    writer.write(encode({"Response": "Goodbye", **reply,
                                         "Message": "Thanks for all the fish."}))
                    await writer.drain()
                    break
                else:
                    writer.write(encode({"Response": "Error", **reply, "Message": "Invalid/unknown command"}))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()

    def _member_action(self, name: str, action: dict[str, str]) -> dict[str, str]:
        """QueuePause, QueueAdd or QueueRemove against the members, answered as Asterisk does."""
        member = (action.get("Queue", ""), action.get("Interface", ""))
        if name == "queuepause":
            if not any(interface == member[1] for _queue, interface in self.members):
                return {"Response": "Error", "Message": "Interface not found"}
            return {"Response": "Success", "Message": "Interface paused successfully"}
        if name == "queueadd":
            if member in self.members:
                return {"Response": "Error", "Message": "Unable to add interface: Already there"}
            self.members.add(member)
            return {"Response": "Success", "Message": "Added interface to queue"}
        if member not in self.members:
            return {"Response": "Error", "Message": "Unable to remove interface: Not there"}
        self.members.discard(member)
        return {"Response": "Success", "Message": "Removed interface from queue"}

    # --- what a test does -------------------------------------------------------------------------

    def play(self, name: str, **values: str) -> int:
        """Send a recorded stream to every logged-in client; how many events it had."""
        events = read_stream(name, **values)
        self.send(events)
        return len(events)

    def send(self, events: list[dict[str, str]]) -> None:
        async def send():
            for writer in list(self._writers):
                for event in events:
                    writer.write(encode(event))
                await writer.drain()
        self._call(send())

    def clients(self) -> int:
        return len(self._writers)

    def _drop(self) -> None:
        async def drop():
            for writer in list(self._writers):
                writer.close()
            self._writers.clear()
        self._call(drop())

    def restart(self, *, uptime: int = 2) -> None:
        """The switch goes down and comes back: every connection dropped, no live channels left."""
        self.live_channels = []
        self.uptime = uptime
        self._drop()

    def drop_connections(self) -> None:
        """The network drops (the switch keeps running and keeps its calls)."""
        self._drop()

    def close(self) -> None:
        async def stop():
            self._server.close()
            for writer in list(self._writers):
                writer.close()
        self._call(stop())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
