"""Real servers for the deploy tests: gunicorn as ``deploy/kiosk-web.service`` starts it, nginx with
``deploy/nginx/kiosk.conf``, and a small HTTPS client that talks to nginx as a browser would.

Everything binds to 127.0.0.1 (``TEST_PORT_RANGE=6400-6499`` keeps the ports in a range, split between
the xdist workers; otherwise the system picks free ones) and is stopped by the fixture that started it.
"""

from __future__ import annotations

import getpass
import http.client
import os
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from tests.html_support import csrf_token

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
#: The address nginx connects to the app from (``proxy_bind``): a loopback address of its own, so the
#: test can tell the proxy's address from the client's.
PROXY_ADDRESS = "127.0.0.2"
#: How long a server may take to answer its first request before the test gives up (a ready wait,
#: not a measured duration).
READY_WAIT_SECONDS = 60


#: Ports handed out and perhaps not bound yet (two servers set up at once must not get the same one).
_handed_out: set[int] = set()


def _port_range() -> range | None:
    """This process's share of ``TEST_PORT_RANGE``: under pytest-xdist each worker takes its own slice,
    so two workers never hand out the same port."""
    low, _, high = os.environ.get("TEST_PORT_RANGE", "").partition("-")
    if not high:
        return None
    ports = range(int(low), int(high) + 1)
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
    return ports[worker::workers]


def free_port() -> int:
    candidates = _port_range() or [0] * 20
    for port in candidates:
        with socket.socket() as probe:
            try:
                probe.bind((HOST, port))
            except OSError:
                continue
            found = probe.getsockname()[1]
        if found not in _handed_out:
            _handed_out.add(found)
            return found
    raise RuntimeError(f"no free port in TEST_PORT_RANGE={os.environ['TEST_PORT_RANGE']}")


def server_env(**settings: str) -> dict:
    """The process environment of a server: this one without any kiosk setting, plus ``settings``."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("KIOSK_") and key not in ("DATABASE_URL", "SECRET_KEY")}
    return {**env, "PYTHONPATH": str(ROOT), **settings}


def gunicorn_command(port: int, workers: int) -> list[str]:
    """What deploy/kiosk-web.service runs, on a test port."""
    return [sys.executable, "-m", "gunicorn", "--config", "python:kiosk.gunicorn_conf", "--workers",
            str(workers), "--bind", f"{HOST}:{port}", "--log-level", "warning", "wsgi:app"]


def stop(process: subprocess.Popen) -> None:
    """SIGTERM to the process group (gunicorn's master and workers), SIGKILL if it lingers."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def wait_until_listening(process: subprocess.Popen, port: int) -> None:
    deadline = time.monotonic() + READY_WAIT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode} before listening")
        try:
            socket.create_connection((HOST, port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {HOST}:{port} after {READY_WAIT_SECONDS} s")


@contextmanager
def gunicorn(env: dict, workers: int = 2):
    """gunicorn serving the app on a free port (yielded once it answers HTTP)."""
    port = free_port()
    process = subprocess.Popen(gunicorn_command(port, workers), cwd=ROOT, env=env, start_new_session=True)
    try:
        wait_until_listening(process, port)
        connection = http.client.HTTPConnection(HOST, port, timeout=READY_WAIT_SECONDS)
        connection.request("GET", "/auth/login")  # the first answer comes once a worker has the app
        connection.getresponse().read()
        connection.close()
        yield port
    finally:
        stop(process)


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", f"/CN={HOST}", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


def site_config(upstreams: list[int], http_port: int, https_port: int, cert: Path, key: Path) -> str:
    """deploy/nginx/kiosk.conf with the example hosts, ports and paths replaced by the test's."""
    text = (ROOT / "deploy/nginx/kiosk.conf").read_text()
    replacements = {
        "server 10.0.0.11:8000;": f"server {HOST}:{upstreams[0]};",
        "server 10.0.0.12:8000;": f"server {HOST}:{upstreams[1]};",
        "listen 80;": f"listen {HOST}:{http_port};",
        "listen 443 ssl;": f"listen {HOST}:{https_port} ssl;",
        "/etc/ssl/kiosk/fullchain.pem": str(cert),
        "/etc/ssl/kiosk/privkey.pem": str(key),
        "/etc/nginx/kiosk_proxy.conf": str(ROOT / "deploy/nginx/kiosk_proxy.conf"),
        "/srv/kiosk/kiosk/static/": f"{ROOT}/kiosk/static/",
    }
    for example, actual in replacements.items():
        assert example in text, f"deploy/nginx/kiosk.conf no longer contains {example!r}"
        text = text.replace(example, actual)
    return text


def main_config(directory: Path, site: Path) -> str:
    """nginx.conf for an unprivileged nginx whose files all live in ``directory``. Every answer names the
    app instance that gave it (``X-Upstream``), so a test can see which one served a request."""
    temp = {name: directory / name for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")}
    return f"""
user {getpass.getuser()};
daemon off;
worker_processes 1;
pid {directory / "nginx.pid"};
error_log {directory / "error.log"} warn;
events {{ worker_connections 128; }}
http {{
    include /etc/nginx/mime.types;
    access_log {directory / "access.log"};
    {"".join(f"{name}_temp_path {path}; " for name, path in temp.items())}
    proxy_bind {PROXY_ADDRESS};
    add_header X-Upstream $upstream_addr always;
    include {site};
}}
"""


@dataclass
class Nginx:
    http_port: int
    https_port: int
    process: subprocess.Popen


@contextmanager
def nginx(directory: Path, upstreams: list[int]):
    binary = nginx_binary()
    cert, key = self_signed_certificate(directory)
    http_port, https_port = free_port(), free_port()
    site = directory / "kiosk.conf"
    site.write_text(site_config(upstreams, http_port, https_port, cert, key))
    conf = directory / "nginx.conf"
    conf.write_text(main_config(directory, site))
    command = [binary, "-p", str(directory), "-c", str(conf), "-e", str(directory / "error.log")]
    process = subprocess.Popen(command, start_new_session=True)
    try:
        wait_until_listening(process, https_port)
        yield Nginx(http_port, https_port, process)
    finally:
        stop(process)


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode()

    @property
    def upstream(self) -> str:
        return self.headers.get("X-Upstream", "")


@dataclass
class Browser:
    """A browser at ``address`` (a loopback address of its own) talking HTTPS to nginx, with its cookies."""

    port: int
    address: str = HOST
    cookies: dict[str, str] = field(default_factory=dict)
    set_cookie_lines: list[str] = field(default_factory=list)

    @property
    def origin(self) -> str:
        return f"https://{HOST}:{self.port}"

    def request(self, method: str, path: str, body: str | bytes | None = None,
                headers: dict | None = None) -> Answer:
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE  # the test's own certificate
        connection = http.client.HTTPSConnection(HOST, self.port, timeout=READY_WAIT_SECONDS, context=context,
                                                 source_address=(self.address, 0))
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        answer = Answer(response.status, response.headers, response.read())
        connection.close()
        for line in response.headers.get_all("Set-Cookie") or []:
            self.set_cookie_lines.append(line)
            name, _, value = line.split(";")[0].partition("=")
            self.cookies[name.strip()] = value
        return answer

    def get(self, path: str, headers: dict | None = None) -> Answer:
        return self.request("GET", path, headers=headers)

    def csrf_token(self, page: str) -> str:
        answer = self.get(page)
        token = csrf_token(answer.text)
        assert token, f"no CSRF token on {page} ({answer.status})"
        return token

    def post_files(self, path: str, data: dict, files: dict[str, tuple[str, str, bytes]]) -> Answer:
        """POST ``data`` and ``files`` (field → (file name, type, bytes)) as multipart/form-data, as the
        form at ``path`` would, with its CSRF token."""
        boundary = f"----kiosk{secrets.token_hex(12)}"
        parts = []
        for name, value in {"csrf_token": self.csrf_token(path), **data}.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
                         .encode())
        for name, (filename, mime, content) in files.items():
            head = (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                    f'filename="{filename}"\r\nContent-Type: {mime}\r\n\r\n')
            parts.append(head.encode() + content + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}", "Origin": self.origin,
                   "Referer": self.origin + path}
        return self.request("POST", path, body, headers)

    def post_form(self, path: str, data: dict, *, token: str | None = None,
                  headers: dict | None = None) -> Answer:
        """POST ``data`` as the form at ``path`` would: with its CSRF token (fetched unless given)."""
        sent = {"Content-Type": "application/x-www-form-urlencoded", "Origin": self.origin,
                "Referer": self.origin + path, **(headers or {})}
        body = urlencode({"csrf_token": token or self.csrf_token(path), **data})
        return self.request("POST", path, body, sent)
