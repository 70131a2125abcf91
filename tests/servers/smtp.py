"""A capturing SMTP server (aiosmtpd) for tests, with injectable failures."""

from __future__ import annotations

import asyncio
import base64
import logging
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

__all__ = ["Envelope", "SmtpServer", "start_smtp_server"]

HOST = "127.0.0.1"

# (mail_from, rcpt_tos, raw message bytes)
Envelope = tuple[str, list[str], bytes]

# aiosmtpd warns about AUTH without TLS on every start; irrelevant on loopback.
logging.getLogger("mail.log").setLevel(logging.ERROR)


def _free_port(host: str = HOST) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class _Handler:
    """aiosmtpd handler that records messages or replies with a configured failure."""

    def __init__(self, owner: SmtpServer) -> None:
        self.owner = owner

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        failure = self.owner._failure_reply("RCPT")
        if failure:
            return failure
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        failure = self.owner._failure_reply("DATA")
        if failure:
            return failure
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):  # pragma: no cover - decode_data is False
            raw = raw.encode("utf-8", "surrogateescape")
        self.owner._record(envelope.mail_from, list(envelope.rcpt_tos), bytes(raw))
        return "250 Message accepted for delivery"


class _OAuthHandler(_Handler):
    """Also offers AUTH XOAUTH2: the bearer token is checked with the authorization server."""

    async def auth_XOAUTH2(self, server: Any, args: list[str]) -> AuthResult:
        try:
            if len(args) > 1:
                raw: Any = base64.b64decode(args[1], validate=True)
            else:  # the challenge answer arrives decoded
                raw = await server.challenge_auth("", encode_to_b64=False)
                if not isinstance(raw, bytes):
                    return AuthResult(success=False)
            parts = raw.decode().split("\x01")
        except ValueError:
            return AuthResult(
                success=False, handled=False, message="501 5.5.2 Cannot decode XOAUTH2"
            )
        fields = dict(part.split("=", 1) for part in parts if "=" in part)
        user, bearer = fields.get("user", ""), fields.get("auth", "")
        token = bearer[7:] if bearer.startswith("Bearer ") else ""
        check = self.owner.oauth_introspect
        assert check is not None
        answer = await asyncio.get_running_loop().run_in_executor(None, check, token)
        if answer.get("active") and answer.get("username") == user:
            with self.owner._cond:
                self.owner.authenticated.append(user)
            return AuthResult(success=True, auth_data=user)
        return AuthResult(
            success=False, handled=False, message="535 5.7.3 Authentication unsuccessful"
        )


class SmtpServer:
    """aiosmtpd Controller on 127.0.0.1 capturing every message it accepts.

    ``stop()`` then ``start()`` reuses the same port (connection refused in between).
    AUTH PLAIN/LOGIN is offered (not required) and accepts ``username``/``password``.
    """

    host: str = HOST

    def __init__(
        self,
        port: int = 0,
        *,
        username: str = "mailer",
        password: str = "mailer-secret",
        require_auth: bool = False,
        oauth_introspect: Callable[[str], dict[str, Any]] | None = None,
    ) -> None:
        self.port = port
        # With it: AUTH XOAUTH2 only (no PLAIN/LOGIN), each token checked by this callable
        self.oauth_introspect = oauth_introspect
        self.username = username
        self.password = password
        self.require_auth = require_auth
        self.envelopes: list[Envelope] = []
        self.authenticated: list[str] = []
        self._failure: tuple[int, str, str] | None = None
        self._cond = threading.Condition()
        self._controller: Controller | None = None

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self) -> SmtpServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<SmtpServer {self.host}:{self.port} {state} messages={len(self.envelopes)}>"

    @property
    def running(self) -> bool:
        """True while the server accepts connections."""
        return self._controller is not None

    def start(self) -> None:
        """Start listening (on the previous port if this server ran before)."""
        if self._controller is not None:
            return
        if not self.port:
            self.port = _free_port()
        deadline = time.monotonic() + 5.0
        while True:
            oauth = self.oauth_introspect is not None
            controller = Controller(
                _OAuthHandler(self) if oauth else _Handler(self),
                auth_exclude_mechanism=["LOGIN", "PLAIN"] if oauth else None,
                hostname=self.host,
                port=self.port,
                ready_timeout=5.0,
                authenticator=self._authenticate,
                auth_require_tls=False,
                auth_required=self.require_auth,
                decode_data=False,
            )
            try:
                controller.start()
            except (OSError, RuntimeError):
                # The port may still be held briefly after a stop(); retry.
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
                continue
            self._controller = controller
            return

    def stop(self) -> None:
        """Stop listening; connections to the port are refused afterwards."""
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()

    # ------------------------------------------------------------------ behaviour
    def set_failure(self, code: int | None, text: str = "", stage: str = "DATA") -> None:
        """Reply ``code text`` at ``stage`` ("DATA" or "RCPT") instead of accepting.

        ``code=None`` restores normal delivery.
        """
        if code is None:
            self._failure = None
            return
        stage = stage.upper()
        if stage not in ("DATA", "RCPT"):
            raise ValueError("stage must be 'DATA' or 'RCPT'")
        if not text:
            text = "Temporary failure, try again later" if code < 500 else "Rejected"
        self._failure = (int(code), text, stage)

    def _failure_reply(self, stage: str) -> str | None:
        failure = self._failure
        if failure is None or failure[2] != stage:
            return None
        code, text, _ = failure
        return f"{code} {text}"

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        if isinstance(auth_data, LoginPassword):
            user = auth_data.login.decode("utf-8", "replace")
            password = auth_data.password.decode("utf-8", "replace")
            if user == self.username and password == self.password:
                with self._cond:
                    self.authenticated.append(user)
                return AuthResult(success=True)
        return AuthResult(success=False, handled=False)

    def _record(self, mail_from: str, rcpt_tos: list[str], raw: bytes) -> None:
        with self._cond:
            self.envelopes.append((mail_from, rcpt_tos, raw))
            self._cond.notify_all()

    # ------------------------------------------------------------------ inspection
    @property
    def messages(self) -> list[bytes]:
        """Raw bytes of every accepted message, in arrival order."""
        with self._cond:
            return [raw for _f, _r, raw in self.envelopes]

    def clear(self) -> None:
        """Forget received messages and any configured failure."""
        with self._cond:
            self.envelopes.clear()
            self.authenticated.clear()
        self._failure = None

    def wait_for(self, count: int, timeout: float = 5.0) -> list[bytes]:
        """Wait until at least ``count`` messages arrived; raise TimeoutError otherwise."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.envelopes) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(
                        f"expected {count} SMTP message(s) within {timeout}s, "
                        f"got {len(self.envelopes)}"
                    )
                self._cond.wait(remaining)
            return [raw for _f, _r, raw in self.envelopes]


def start_smtp_server(port: int = 0) -> SmtpServer:
    """Start and return an :class:`SmtpServer` on 127.0.0.1."""
    server = SmtpServer(port)
    server.start()
    return server
