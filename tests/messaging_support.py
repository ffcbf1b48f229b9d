"""Real local servers standing in for the message providers, on 127.0.0.1, recording what they receive.

* :class:`StandIn`: one HTTP server answering as WeCom (``/cgi-bin/gettoken``, ``/cgi-bin/message/send``,
  ``/cgi-bin/webhook/send``) and as an Aliyun-style SMS API (``POST /sms/``). ``fail_with(status)`` makes
  it answer every request with that HTTP status, ``hang()`` holds every request unanswered until
  ``release()``, ``stop()``/``start()`` take it off the port and back (connection refused meanwhile),
  ``expire_tokens()`` makes WeCom refuse the tokens it issued (errcode 42001).
* :class:`SmtpStandIn`: an ``aiosmtpd`` server keeping every message it accepts.
"""

from __future__ import annotations

import json
import socket
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from aiosmtpd.controller import Controller

#: The address messages link to in the tests (``MESSAGE_BASE_URL``).
BASE_URL = "https://kf.example.cn"


@dataclass
class Received:
    path: str
    query: dict
    body: dict


@dataclass
class StandIn:
    port: int = 0
    received: list[Received] = field(default_factory=list)
    status: int | None = None  # answer every request with this HTTP status
    held: threading.Event = field(default_factory=threading.Event)
    holding: bool = False
    arrived: threading.Event = field(default_factory=threading.Event)
    tokens: set = field(default_factory=set)
    token_requests: int = 0
    sms_code: str = "OK"
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.server: ThreadingHTTPServer | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def setup(self):
                super().setup()
                # The answer's headers and body go out in two writes: without this, Nagle's algorithm and
                # the client's delayed ACK hold every answer 40 ms (a real provider's server does not).
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_GET(self):
                self._answer(b"")

            def do_POST(self):
                self._answer(self.rfile.read(int(self.headers.get("Content-Length") or 0)))

            def _answer(self, raw: bytes):
                stand_in.answer(self, raw)

        ThreadingHTTPServer.allow_reuse_address = True
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def fail_with(self, status: int | None) -> None:
        self.status = status

    def hang(self) -> None:
        self.holding = True
        self.held.clear()

    def release(self) -> None:
        self.holding = False
        self.held.set()

    def expire_tokens(self) -> None:
        self.tokens.clear()

    def messages(self, path: str) -> list[Received]:
        with self.lock:
            return [r for r in self.received if r.path == path]

    def answer(self, handler: BaseHTTPRequestHandler, raw: bytes) -> None:
        parts = urlsplit(handler.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if handler.headers.get("Content-Type", "").startswith("application/json"):
            body = json.loads(raw or b"{}")
        else:
            body = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        if self.status is not None:
            self._send(handler, {"errmsg": "unavailable"}, self.status)
            return
        if parts.path == "/cgi-bin/gettoken":
            with self.lock:
                self.token_requests += 1
                token = f"token-{self.token_requests}"
                self.tokens.add(token)
            self._send(handler, {"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": 7200})
            return
        with self.lock:
            self.received.append(Received(parts.path, query, body))
        self.arrived.set()
        if self.holding:
            self.held.wait(60)
        if parts.path == "/cgi-bin/message/send":
            if query.get("access_token") not in self.tokens:
                self._send(handler, {"errcode": 42001, "errmsg": "access_token expired"})
                return
            self._send(handler, {"errcode": 0, "errmsg": "ok", "msgid": f"m{len(self.received)}"})
        elif parts.path == "/cgi-bin/webhook/send":
            self._send(handler, {"errcode": 0, "errmsg": "ok"})
        elif parts.path == "/sms/":
            self._send(
                handler,
                {"Code": self.sms_code, "Message": "OK", "BizId": f"b{len(self.received)}", "RequestId": "r"},
            )
        else:
            self._send(handler, {"errmsg": "not found"}, 404)

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, payload: dict, status: int = 200) -> None:
        data = json.dumps(payload).encode()
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data)
        except OSError:
            pass  # the client gave up (a timeout test)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Keep:
    def __init__(self) -> None:
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


class SmtpStandIn:
    def __init__(self) -> None:
        self.handler = _Keep()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def messages(self):
        return self.handler.messages

    def stop(self) -> None:
        self.controller.stop()


def deliver(app, at=None, worker="test-worker"):
    """One worker's delivery run at ``at`` (now by default), its clock stopped there."""
    from kiosk.clock import utcnow
    from kiosk.messaging import senders
    from kiosk.services import delivery

    moment = at or utcnow()
    return delivery.deliver_due(
        senders=senders(app.config, delivery.DatabaseTokens(lambda: moment)),
        settings=app.config,
        worker=worker,
        clock=lambda: moment,
    )
