"""A small asyncio client of Asterisk's Manager Interface (AMI, TCP 5038).

The protocol: the switch greets with one line (``Asterisk Call Manager/5.0.x``), then every message
either way is ``Key: Value`` lines ending with an empty line. An action carries an ``ActionID`` that its
``Response`` echoes; a list action (``CoreShowChannels``) answers ``Response: Success`` and then sends its
rows as events carrying the same ``ActionID``, closed by an event ``…Complete``. Everything else is an
event as it happens. We wrote this rather than use ``panoramisk`` (README, "Dependencies").
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections import deque
from urllib.parse import unquote, urlsplit

DEFAULT_PORT = 5038
#: The longest single message we accept (a CoreShowChannel row is under 1 KiB).
MAX_MESSAGE_BYTES = 64 * 1024


class AmiError(Exception):
    """The switch refused an action, or the connection is gone."""


def parse_url(url: str) -> tuple[str, int, str, str]:
    """``ami://USER:SECRET@HOST:5038`` → (host, port, user, secret)."""
    parts = urlsplit(url)
    if parts.scheme != "ami" or not parts.hostname or not parts.username:
        raise ValueError("the switch's address is ami://USER:SECRET@HOST:5038")
    return parts.hostname, parts.port or DEFAULT_PORT, unquote(parts.username), unquote(parts.password or "")


def encode(fields: dict[str, str]) -> bytes:
    """One message; line breaks inside a value would start a new field, so they are dropped."""
    lines = [f"{key}: {' '.join(str(value).splitlines())}" for key, value in fields.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def decode(block: bytes) -> dict[str, str]:
    message: dict[str, str] = {}
    for line in block.decode("utf-8", "replace").splitlines():
        key, sep, value = line.partition(":")
        if sep:
            message.setdefault(key.strip(), value.strip())
    return message


class AmiClient:
    """One logged-in connection. ``events()`` yields the switch's events; ``action()`` and
    ``list_action()`` send an action and wait for its answer."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, banner: str):
        self.reader, self.writer, self.banner = reader, writer, banner
        self._ids = itertools.count(1)
        self._waiting: dict[str, asyncio.Future] = {}
        self._lists: dict[str, tuple[str, list[dict[str, str]], asyncio.Future]] = {}
        self._events: asyncio.Queue = asyncio.Queue()
        self._held: deque[dict[str, str]] = deque()  # events read past while waiting for one
        self._reading = asyncio.create_task(self._read())

    @classmethod
    async def connect(cls, url: str, *, timeout: float = 10) -> AmiClient:
        host, port, user, secret = parse_url(url)
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(host, port, limit=MAX_MESSAGE_BYTES), timeout)
        try:
            banner = (await asyncio.wait_for(reader.readline(), timeout)).decode("utf-8", "replace").strip()
            if not banner.startswith("Asterisk Call Manager"):
                raise AmiError(f"not an Asterisk manager interface: {banner[:60]!r}")
            client = cls(reader, writer, banner)
            await asyncio.wait_for(client.action("Login", Username=user, Secret=secret, Events="on"), timeout)
        except BaseException:
            writer.close()
            raise
        return client

    async def _read(self) -> None:
        try:
            while True:
                block = await self.reader.readuntil(b"\r\n\r\n")
                self._dispatch(decode(block))
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, OSError) as error:
            lost = AmiError(f"connection lost: {error.__class__.__name__}")
        for future in [*self._waiting.values(), *(entry[2] for entry in self._lists.values())]:
            if not future.done():
                future.set_exception(lost)
        self._events.put_nowait(lost)

    def _dispatch(self, message: dict[str, str]) -> None:
        action_id = message.get("ActionID", "")
        if "Response" in message and action_id in self._waiting:
            future = self._waiting.pop(action_id)
            if not future.done():
                future.set_result(message)
            return
        if "Event" in message and action_id in self._lists:
            complete, rows, future = self._lists[action_id]
            if message["Event"] == complete:
                del self._lists[action_id]
                if not future.done():
                    future.set_result(rows)
            else:
                rows.append(message)
            return
        if "Event" in message:
            self._events.put_nowait(message)

    async def action(self, name: str, **fields: str) -> dict[str, str]:
        """Send an action and wait for its response; ``AmiError`` when the switch answers ``Error``."""
        action_id = f"kiosk-{next(self._ids)}"
        future = self._waiting[action_id] = asyncio.get_running_loop().create_future()
        self.writer.write(encode({"Action": name, "ActionID": action_id, **fields}))
        await self.writer.drain()
        response = await future
        if response.get("Response") not in ("Success", "Goodbye"):
            raise AmiError(f"{name}: {response.get('Message', response.get('Response', ''))}"[:200])
        return response

    async def list_action(self, name: str, complete: str, **fields: str) -> list[dict[str, str]]:
        """A list action's rows (the events sent with its ``ActionID`` before ``complete``)."""
        action_id = f"kiosk-{next(self._ids)}"
        rows_done = asyncio.get_running_loop().create_future()
        self._lists[action_id] = (complete, [], rows_done)
        response_future = self._waiting[action_id] = asyncio.get_running_loop().create_future()
        self.writer.write(encode({"Action": name, "ActionID": action_id, **fields}))
        await self.writer.drain()
        response = await response_future
        if response.get("Response") != "Success":
            self._lists.pop(action_id, None)
            raise AmiError(f"{name}: {response.get('Message', '')}"[:200])
        return await rows_done

    async def _take(self, timeout: float | None) -> dict[str, str] | None:
        """The next event off the wire, ``None`` after ``timeout``; ``AmiError`` once the connection is gone
        (and for every later call)."""
        try:
            item = await asyncio.wait_for(self._events.get(), timeout)
        except TimeoutError:
            return None
        if isinstance(item, AmiError):
            self._events.put_nowait(item)
            raise item
        return item

    async def next_event(self, timeout: float | None = None) -> dict[str, str] | None:
        """The next event; ``None`` when ``timeout`` passes first; ``AmiError`` once the connection is
        gone."""
        if self._held:
            return self._held.popleft()
        return await self._take(timeout)

    async def wait_event(self, name: str, timeout: float) -> dict[str, str] | None:
        """The first event called ``name`` within ``timeout`` (``None`` if none came); the events before
        it stay in line for ``next_event``, in their order."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        passed: list[dict[str, str]] = []
        try:
            while (left := deadline - loop.time()) > 0:
                item = await self._take(left)
                if item is None or item.get("Event") == name:
                    return item
                passed.append(item)
            return None
        finally:
            self._held.extend(passed)

    async def close(self) -> None:
        self._reading.cancel()
        self.writer.close()
        with contextlib.suppress(ConnectionError, OSError):
            await self.writer.wait_closed()
