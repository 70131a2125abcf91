"""The demo's IMAP mailbox: pymap (in-memory) as a child process on a loopback port."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from imapclient import IMAPClient

# pymap with a watchdog: if the demo process dies without cleaning up (SIGKILL),
# the mailbox notices that its parent is gone and exits, leaving no orphan.
_LAUNCH = """\
import os, sys, threading, time
parent = os.getppid()
def _watch():
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)
threading.Thread(target=_watch, daemon=True).start()
from pymap.main import main
sys.argv[0] = "pymap"
sys.exit(main())
"""

LOOPBACK = ("127.0.0.1", "localhost", "::1")


class DemoError(RuntimeError):
    """The demo cannot start (the message is one line for the user)."""


def check_port_free(
    host: str, port: int, what: str, port_setting: str, host_setting: str | None = None
) -> None:
    """Raise DemoError when `host:port` is taken, or (given `host_setting`) not loopback."""
    if host_setting and host not in LOOPBACK and not host.startswith("127."):
        raise DemoError(
            f"{host_setting}={host} must be a loopback address: the demo runs its {what}"
        )
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            raise DemoError(
                f"port {host}:{port} for the demo {what} is already in use: "
                f"stop the program using it or choose another with {port_setting}"
            ) from None


class DemoMailbox:
    """A pymap IMAP server with one user; `start()`, `client()`, `stop()`."""

    def __init__(self, host: str, port: int, username: str, password: str, log_path: Path) -> None:
        self.host, self.port = host, port
        self.username, self.password = username, password
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> DemoMailbox:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self, timeout: float = 30.0) -> None:
        """Start pymap and wait until the demo user can log in."""
        check_port_free(self.host, self.port, "IMAP mailbox", "IMAP_PORT", "IMAP_HOST")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        args = ["--host", self.host, "--port", str(self.port), "--no-tls", "dict"]
        args += ["--demo-user", self.username, "--demo-password", self.password]
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-c", _LAUNCH, *args],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # Ctrl-C in the terminal is ours to handle, not pymap's
            )
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise DemoError(f"the IMAP mailbox (pymap) exited; see {self.log_path}")
            try:
                self.client().logout()
                return
            except (OSError, IMAPClient.Error):
                if time.monotonic() > deadline:
                    self.stop()
                    raise DemoError(
                        f"the IMAP mailbox did not start; see {self.log_path}"
                    ) from None
                time.sleep(0.1)

    def client(self) -> IMAPClient:
        """A new logged-in connection (TCP_NODELAY: pymap stalls on APPEND without it)."""
        conn = IMAPClient(self.host, self.port, ssl=False, timeout=10)
        with contextlib.suppress(OSError, AttributeError):
            conn._imap.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            conn.login(self.username, self.password)
        except BaseException:
            with contextlib.suppress(Exception):
                conn.shutdown()
            raise
        return conn

    def stop(self) -> None:
        """Stop pymap (its whole process group); idempotent."""
        proc, self.process = self.process, None
        if proc is None or proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)
