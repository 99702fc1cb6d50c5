"""Real local servers for the delivery tests: an SMTP server (aiosmtpd) that keeps what it
receives and checks a login, and an HTTP receiver playing a DingTalk custom robot (token in
the URL, HMAC signature checked) and a WeCom group robot (key in the URL), which can be told
to fail or to hang until the test ends (a channel that times out)."""

from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import hmac
import json
import socket
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

SMTP_USER, SMTP_PASSWORD = "duban@example.org", "smtp-pass-Q7x"
DING_TOKEN, DING_SECRET = "dingtoken0123456789", "SECdingsecret-abcdef"
WECOM_KEY = "wecom-key-9876543210"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- SMTP


class Mailbox:
    """What the SMTP server received, as parsed messages with their envelope recipients."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []
        self.logins: list[str] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        self.messages.append((list(envelope.rcpt_tos), msg))
        return "250 OK"


@dataclass
class SmtpServer:
    host: str
    port: int
    box: Mailbox

    @property
    def messages(self) -> list[tuple[list[str], EmailMessage]]:
        return self.box.messages


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    box = Mailbox()

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == SMTP_USER
            and auth_data.password.decode() == SMTP_PASSWORD
        )
        if ok:
            box.logins.append(SMTP_USER)
        return AuthResult(success=ok, handled=False)

    port = free_port()
    controller = Controller(
        box,
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticator,
        auth_require_tls=False,  # the test server speaks plain SMTP on localhost
    )
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", port, box)
    finally:
        controller.stop()


# ---------------------------------------------------------------- robots


@dataclass
class Robots:
    """The receiver's state: `mode` is "ok", "errcode" (answers errcode 310000), "http500" or
    "hang" (answers only when the test ends)."""

    base: str
    mode: dict[str, str] = field(default_factory=lambda: {"dingtalk": "ok", "wecom": "ok"})
    received: list[tuple[str, dict]] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def ding_url(self) -> str:
        return f"{self.base}/robot/send?access_token={DING_TOKEN}"

    @property
    def wecom_url(self) -> str:
        return f"{self.base}/cgi-bin/webhook/send?key={WECOM_KEY}"

    def of(self, kind: str) -> list[dict]:
        return [payload for k, payload in self.received if k == kind]


def _expected_sign(timestamp: str) -> str:
    digest = hmac.new(
        DING_SECRET.encode(), f"{timestamp}\n{DING_SECRET}".encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()


def _handler(robots: Robots) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # quiet
            pass

        def _answer(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            parts = urllib.parse.urlsplit(self.path)
            query = dict(urllib.parse.parse_qsl(parts.query))
            length = int(self.headers.get("Content-Length") or 0)
            payload = json.loads(self.rfile.read(length).decode("utf-8"))
            if parts.path == "/robot/send":
                kind = "dingtalk"
                why = self._check_dingtalk(query)
            elif parts.path == "/cgi-bin/webhook/send":
                kind = "wecom"
                why = None if query.get("key") == WECOM_KEY else "invalid webhook url"
            else:
                return self._answer(404, {"errcode": 404, "errmsg": "not found"})
            mode = robots.mode[kind]
            if mode == "hang":
                robots.release.wait(30)
                return self._answer(200, {"errcode": 0, "errmsg": "ok"})
            if mode == "http500":
                return self._answer(500, {"errcode": -1, "errmsg": "server error"})
            if mode == "errcode":
                return self._answer(200, {"errcode": 310000, "errmsg": "keywords not in content"})
            if why:
                with robots.lock:
                    robots.refused.append((kind, why))
                return self._answer(200, {"errcode": 310000, "errmsg": why})
            with robots.lock:
                robots.received.append((kind, payload))
            return self._answer(200, {"errcode": 0, "errmsg": "ok"})

        def _check_dingtalk(self, query: dict) -> str | None:
            if query.get("access_token") != DING_TOKEN:
                return "token is not exist"
            ts, sign = query.get("timestamp"), query.get("sign")
            if not ts or not sign:
                return "sign not match (missing)"
            if abs(int(ts) - time.time() * 1000) > 3600_000:
                return "timestamp too old"
            # parse_qsl has already undone the URL-encoding, as DingTalk's server does
            if not hmac.compare_digest(sign, _expected_sign(ts)):
                return "sign not match"
            return None

    return Handler


class _QuietServer(ThreadingHTTPServer):
    """A client that gave up (the worker's timeout on a hanging robot) is expected here: no
    traceback on the test output for it."""

    def handle_error(self, request, client_address) -> None:
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            super().handle_error(request, client_address)


@pytest.fixture
def robots():
    port = free_port()
    server = _QuietServer(("127.0.0.1", port), _handler(Robots(base="")))
    state = Robots(base=f"http://127.0.0.1:{port}")
    server.RequestHandlerClass = _handler(state)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.release.set()
        server.shutdown()
        server.server_close()
