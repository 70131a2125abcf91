"""Private, throwaway IMAP servers for tests (Dovecot if installed, else pymap)."""

from __future__ import annotations

import atexit
import contextlib
import imaplib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

__all__ = [
    "DOVECOT_BIN",
    "ImapServer",
    "StoredMessage",
    "available_kinds",
    "default_kind",
    "free_port",
    "start_imap_server",
]

DOVECOT_BIN = "/usr/sbin/dovecot"
DOVEADM_BIN = shutil.which("doveadm") or "/usr/bin/doveadm"
HOST = "127.0.0.1"
ENV_VAR = "HELPDESK_TEST_IMAP"
APPEND_CHUNK = 200  # messages per MULTIAPPEND command (pymap slows down on huge ones)
FETCH_CHUNK = 500

_T = TypeVar("_T")
_RUNNING: set[ImapServer] = set()


def free_port(host: str = HOST) -> int:
    """Return a TCP port that is currently free on ``host``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def wait_for_port(host: str, port: int, timeout: float, proc: subprocess.Popen[bytes]) -> None:
    """Wait until ``host:port`` accepts TCP connections (or ``proc`` dies)."""
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"server process exited with code {proc.returncode}")
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{host}:{port} not accepting connections") from None
            time.sleep(0.01)


def dovecot_available() -> bool:
    """True if a Dovecot binary is installed and we may run it (root)."""
    return os.path.exists(DOVECOT_BIN) and os.geteuid() == 0


def available_kinds() -> list[str]:
    """Server kinds usable on this machine, preferred first."""
    kinds = ["dovecot"] if dovecot_available() else []
    try:
        import pymap  # noqa: F401
    except ImportError:  # pragma: no cover - pymap is a test dependency
        pass
    else:
        kinds.append("pymap")
    return kinds


def default_kind(prefer: str | None = None) -> str:
    """Pick the server kind: env var ``HELPDESK_TEST_IMAP`` > ``prefer`` > dovecot > pymap."""
    kind = os.environ.get(ENV_VAR) or prefer
    if kind:
        if kind not in ("dovecot", "pymap"):
            raise ValueError(f"unknown IMAP server kind {kind!r}")
        return kind
    return "dovecot" if dovecot_available() else "pymap"


@dataclass
class StoredMessage:
    """A message as fetched from the server (used to re-append it)."""

    uid: int
    flags: tuple[bytes, ...]
    internaldate: datetime | None
    raw: bytes


class ImapServer:
    """A private IMAP server with an admin connection for seeding mailboxes.

    Use as a context manager or call :meth:`start` / :meth:`stop`.
    """

    host: str = HOST

    def __init__(
        self,
        kind: str | None = None,
        *,
        username: str = "support",
        password: str = "support-secret",
        log_dir: str | os.PathLike[str] | None = None,
        oauth_introspection_url: str | None = None,
    ) -> None:
        # An explicit kind wins; otherwise HELPDESK_TEST_IMAP, then dovecot/pymap.
        if kind is not None and kind not in ("dovecot", "pymap"):
            raise ValueError(f"unknown IMAP server kind {kind!r}")
        self.kind = kind or default_kind()
        self.username = username
        self.password = password
        # Dovecot only: also accept XOAUTH2/OAUTHBEARER tokens, checked at this URL (RFC 7662)
        self.oauth_introspection_url = oauth_introspection_url
        self.port = 0
        self.log_dir = Path(log_dir) if log_dir is not None else None
        self.workdir: Path | None = None
        self.log_path: Path | None = None
        self.startup_seconds = 0.0
        self._proc: subprocess.Popen[bytes] | None = None
        self._admin: IMAPClient | None = None
        self._lock = threading.RLock()
        self._conf: Path | None = None

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self) -> ImapServer:
        if self._proc is None:
            self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<ImapServer {self.kind} {self.host}:{self.port} user={self.username}>"

    @property
    def running(self) -> bool:
        """True while the server process is alive."""
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> None:
        """Start the server on a free port and log in the admin connection."""
        if self._proc is not None:
            raise RuntimeError("server already started")
        t0 = time.monotonic()
        last_error: Exception | None = None
        for _attempt in range(3):  # the free port may be grabbed by someone else
            self.port = free_port()
            try:
                if self.kind == "dovecot":
                    self._start_dovecot()
                else:
                    self._start_pymap()
                assert self._proc is not None
                wait_for_port(self.host, self.port, 20.0, self._proc)
                self._admin = self._login_with_retry()
                break
            except (RuntimeError, TimeoutError, OSError, IMAPClientError) as exc:
                last_error = exc
                log = self.read_log()
                self._kill()
                self._cleanup_dir()
                last_error = RuntimeError(f"{self.kind} failed to start: {exc}\n{log[-3000:]}")
        else:
            raise last_error or RuntimeError("server failed to start")
        self.startup_seconds = time.monotonic() - t0
        _RUNNING.add(self)

    def restart(self) -> None:
        """Dovecot only: kill the server (dropping every connection) and start it again on
        the same port with the same mail."""
        if self.kind != "dovecot" or self.workdir is None:
            raise RuntimeError("restart() needs a started Dovecot server")
        with self._lock:
            if self._admin is not None:
                with contextlib.suppress(Exception):
                    self._admin.shutdown()
                self._admin = None
            self._kill()
            self._spawn_dovecot(self.workdir)
            assert self._proc is not None
            wait_for_port(self.host, self.port, 20.0, self._proc)
            self._admin = self._login_with_retry()

    def stop(self) -> None:
        """Stop the server, leaving no process or temp directory behind."""
        with self._lock:
            if self._admin is not None:
                with contextlib.suppress(Exception):
                    self._admin.logout()
                with contextlib.suppress(Exception):
                    self._admin.shutdown()
                self._admin = None
        self._kill()
        self._save_log()
        self._cleanup_dir()
        _RUNNING.discard(self)

    def _kill(self) -> None:
        proc = self._proc
        if proc is None:
            return
        self._proc = None
        if proc.poll() is None:
            # SIGTERM the whole (private) process group: signalling only the Dovecot
            # master makes it wait ~1 s for its children and ~3 s for its log process.
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        # Dovecot children share the master's process group (own session):
        # make sure none survives.
        deadline = time.monotonic() + 5
        while True:
            try:
                os.killpg(proc.pid, 0)
            except (ProcessLookupError, PermissionError):
                break
            if time.monotonic() > deadline:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                break
            time.sleep(0.02)

    def _save_log(self) -> None:
        if self.log_dir is None or self.log_path is None or not self.log_path.exists():
            return
        with contextlib.suppress(OSError):
            self.log_dir.mkdir(parents=True, exist_ok=True)
            shutil.copy(self.log_path, self.log_dir / f"{self.kind}-{self.port}.log")

    def _cleanup_dir(self) -> None:
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None

    def read_log(self) -> str:
        """Return the server log (useful in assertion messages)."""
        if self.log_path is None:
            return ""
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    # ------------------------------------------------------------------ dovecot
    def _start_dovecot(self) -> None:
        work = Path(tempfile.mkdtemp(prefix="helpdesk-dovecot-", dir="/tmp"))
        self.workdir = work
        work.chmod(0o755)  # mail processes run unprivileged and must traverse it
        mail_user = pwd.getpwnam("nobody")
        for sub in ("run", "state", "mail"):
            (work / sub).mkdir()
        maildir = work / "mail" / self.username
        maildir.mkdir()
        for path in (work / "mail", maildir):
            os.chown(path, mail_user.pw_uid, mail_user.pw_gid)
        users = work / "users"
        users.write_text(
            f"{self.username}:{{PLAIN}}{self.password}:{mail_user.pw_uid}:{mail_user.pw_gid}"
            f"::{maildir}::\n"
        )
        users.chmod(0o644)
        self.log_path = work / "dovecot.log"
        conf = work / "dovecot.conf"
        oauth = self.oauth_introspection_url
        conf.write_text(
            _DOVECOT_CONF.format(
                work=work,
                port=self.port,
                host=self.host,
                first_uid=min(mail_user.pw_uid, 100),
                mechanisms=" xoauth2 oauthbearer" if oauth else "",
                oauth_passdb=_DOVECOT_OAUTH_PASSDB.format(work=work) if oauth else "",
            )
        )
        if oauth:
            (work / "dovecot-oauth2.conf.ext").write_text(_DOVECOT_OAUTH2.format(url=oauth))
        self._conf = conf
        self._spawn_dovecot(work)

    def _spawn_dovecot(self, work: Path) -> None:
        out = open(work / "dovecot.stdout", "ab")  # noqa: SIM115 - handed to Popen
        with out:
            self._proc = subprocess.Popen(
                [DOVECOT_BIN, "-F", "-c", str(work / "dovecot.conf")],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                cwd=work,
            )

    def doveadm(self, *args: str) -> str:
        """Run ``doveadm`` against this (Dovecot) instance and return stdout."""
        if self.kind != "dovecot" or self._conf is None:
            raise RuntimeError("doveadm is only available for Dovecot servers")
        result = subprocess.run(
            [DOVEADM_BIN, "-c", str(self._conf), *args],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"doveadm {' '.join(args)} failed: {result.stderr.strip()}")
        return result.stdout

    # ------------------------------------------------------------------ pymap
    def _start_pymap(self) -> None:
        work = Path(tempfile.mkdtemp(prefix="helpdesk-pymap-", dir="/tmp"))
        self.workdir = work
        self.log_path = work / "pymap.log"
        code = "import sys; from pymap.main import main; sys.argv[0] = 'pymap'; sys.exit(main())"
        cmd = [
            sys.executable,
            "-c",
            code,
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--no-tls",
            "dict",
            "--demo-user",
            self.username,
            "--demo-password",
            self.password,
        ]
        out = open(self.log_path, "wb")  # noqa: SIM115 - handed to Popen
        with out:
            self._proc = subprocess.Popen(
                cmd,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                cwd=work,
            )

    # ------------------------------------------------------------------ clients
    def client(self, *, login: bool = True, timeout: float = 30.0) -> IMAPClient:
        """Return a new IMAPClient connected (and logged in) to this server."""
        conn = IMAPClient(self.host, self.port, ssl=False, timeout=timeout)
        # Without TCP_NODELAY, pymap + Python's imaplib hit Nagle/delayed-ACK stalls
        # (~40 ms per APPEND).
        with contextlib.suppress(OSError, AttributeError):
            conn._imap.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if login:
            conn.login(self.username, self.password)
        return conn

    def _login_with_retry(self, timeout: float = 10.0) -> IMAPClient:
        deadline = time.monotonic() + timeout
        while True:
            try:
                conn = self.client()
            except (OSError, IMAPClientError, imaplib.IMAP4.error):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)
                continue
            conn.normalise_times = False
            return conn

    def _with_admin(self, func: Callable[[IMAPClient], _T]) -> _T:
        """Run ``func`` on the shared admin connection, reconnecting once if needed."""
        with self._lock:
            if self._proc is None:
                raise RuntimeError("server not started")
            for attempt in range(2):
                if self._admin is None:
                    self._admin = self._login_with_retry()
                try:
                    return func(self._admin)
                except (TimeoutError, OSError, imaplib.IMAP4.abort):
                    with contextlib.suppress(Exception):
                        self._admin.shutdown()
                    self._admin = None
                    if attempt:
                        raise
            raise AssertionError("unreachable")

    # ------------------------------------------------------------------ mailbox helpers
    def _ensure_folder(self, conn: IMAPClient, folder: str) -> None:
        if folder.upper() != "INBOX" and not conn.folder_exists(folder):
            conn.create_folder(folder)

    def create_folder(self, folder: str) -> None:
        """Create ``folder`` if it does not exist."""
        self._with_admin(lambda c: self._ensure_folder(c, folder))

    def folders(self) -> list[str]:
        """List all folder names."""
        return self._with_admin(lambda c: [name for _f, _d, name in c.list_folders()])

    def append(
        self,
        raw: bytes,
        folder: str = "INBOX",
        flags: Iterable[bytes | str] = (),
        msg_time: datetime | None = None,
    ) -> None:
        """APPEND one raw message to ``folder`` (created if missing)."""

        def run(conn: IMAPClient) -> None:
            self._ensure_folder(conn, folder)
            conn.append(folder, raw, flags=tuple(flags), msg_time=msg_time)

        self._with_admin(run)

    def append_many(
        self,
        raws: Iterable[bytes],
        folder: str = "INBOX",
        flags: Iterable[bytes | str] = (),
    ) -> int:
        """APPEND many messages in order (MULTIAPPEND batches); returns the count."""
        flag_tuple = tuple(flags)
        items: list[Any] = [
            {"msg": raw, "flags": flag_tuple} if flag_tuple else raw for raw in raws
        ]
        self._append_items(folder, items)
        return len(items)

    def _append_items(self, folder: str, items: list[Any]) -> None:
        def run(conn: IMAPClient) -> None:
            self._ensure_folder(conn, folder)
            if b"MULTIAPPEND" in conn.capabilities():
                for i in range(0, len(items), APPEND_CHUNK):
                    conn.multiappend(folder, items[i : i + APPEND_CHUNK])
            else:  # pragma: no cover - both servers support MULTIAPPEND
                for item in items:
                    if isinstance(item, dict):
                        conn.append(folder, item["msg"], item.get("flags", ()), item.get("date"))
                    else:
                        conn.append(folder, item)

        self._with_admin(run)

    def uidvalidity(self, folder: str = "INBOX") -> int:
        """Current UIDVALIDITY of ``folder``."""
        return int(self._status(folder)[b"UIDVALIDITY"])

    def message_count(self, folder: str = "INBOX") -> int:
        """Number of messages in ``folder``."""
        return int(self._status(folder)[b"MESSAGES"])

    def _status(self, folder: str) -> dict[bytes, Any]:
        return self._with_admin(
            lambda c: c.folder_status(folder, [b"MESSAGES", b"UIDVALIDITY", b"UIDNEXT"])
        )

    def fetch_all(self, folder: str = "INBOX") -> list[StoredMessage]:
        """Fetch every message of ``folder`` in UID order (without setting \\Seen)."""

        def run(conn: IMAPClient) -> list[StoredMessage]:
            conn.select_folder(folder, readonly=True)
            try:
                uids = sorted(conn.search("ALL"))
                out: list[StoredMessage] = []
                for i in range(0, len(uids), FETCH_CHUNK):
                    chunk = uids[i : i + FETCH_CHUNK]
                    data = conn.fetch(chunk, [b"FLAGS", b"INTERNALDATE", b"BODY.PEEK[]"])
                    for uid in chunk:
                        item = data.get(uid)
                        if item is None:
                            continue
                        flags = tuple(f for f in item.get(b"FLAGS", ()) if f != b"\\Recent")
                        out.append(
                            StoredMessage(uid, flags, item.get(b"INTERNALDATE"), item[b"BODY[]"])
                        )
                return out
            finally:
                self._unselect(conn)

        return self._with_admin(run)

    @staticmethod
    def _unselect(conn: IMAPClient) -> None:
        with contextlib.suppress(IMAPClientError):
            if b"UNSELECT" in conn.capabilities():
                conn.unselect_folder()
            else:
                conn.close_folder()

    def _expunge_all(self, conn: IMAPClient, folder: str) -> None:
        conn.select_folder(folder)
        try:
            if conn.search("ALL"):
                conn.add_flags("1:*", [b"\\Deleted"], silent=True)
                conn.expunge()
        finally:
            self._unselect(conn)

    def _empty_with_new_uidvalidity(self, folder: str) -> None:
        """Leave ``folder`` existing, empty and with a different UIDVALIDITY."""

        def run(conn: IMAPClient) -> None:
            is_inbox = folder.upper() == "INBOX"
            exists = is_inbox or conn.folder_exists(folder)
            old = int(conn.folder_status(folder, [b"UIDVALIDITY"])[b"UIDVALIDITY"]) if exists else 0
            for _ in range(5):
                if not is_inbox:
                    if conn.folder_exists(folder):
                        conn.delete_folder(folder)
                    conn.create_folder(folder)
                elif self.kind == "pymap":
                    # pymap: RENAME INBOX moves all messages away and creates a fresh INBOX.
                    trash = f"_reset_{time.monotonic_ns()}"
                    conn.rename_folder("INBOX", trash)
                    conn.delete_folder(trash)
                else:
                    # Dovecot refuses DELETE/RENAME INBOX: expunge and bump UIDVALIDITY.
                    self._expunge_all(conn, "INBOX")
                    self.doveadm(
                        "mailbox",
                        "update",
                        "-u",
                        self.username,
                        "--uid-validity",
                        str(old + 1),
                        "INBOX",
                    )
                new = int(conn.folder_status(folder, [b"UIDVALIDITY"])[b"UIDVALIDITY"])
                if new != old:
                    return
            raise RuntimeError(f"could not change UIDVALIDITY of {folder}")

        self._with_admin(run)

    def clear(self, folder: str = "INBOX") -> None:
        """Remove all messages of ``folder`` (its UIDVALIDITY changes too)."""
        self._empty_with_new_uidvalidity(folder)

    def reset(self) -> None:
        """Delete every folder except INBOX and clear INBOX."""

        def drop_folders(conn: IMAPClient) -> None:
            names = [name for _f, _d, name in conn.list_folders()]
            # Delete children before parents.
            for name in sorted(names, key=len, reverse=True):
                if name.upper() != "INBOX":
                    with contextlib.suppress(IMAPClientError):
                        conn.delete_folder(name)

        self._with_admin(drop_folders)
        self.clear("INBOX")

    def reset_uidvalidity(self, folder: str = "INBOX") -> None:
        """Change ``folder``'s UIDVALIDITY, keeping its messages (re-appended in order)."""
        messages = self.fetch_all(folder)
        self._empty_with_new_uidvalidity(folder)
        items: list[Any] = []
        for msg in messages:
            item: dict[str, Any] = {"msg": msg.raw, "flags": msg.flags}
            if msg.internaldate is not None:
                item["date"] = msg.internaldate
            items.append(item)
        if items:
            self._append_items(folder, items)


_DOVECOT_CONF = """\
# Private throwaway Dovecot instance for tests (generated).
instance_name = helpdesk-test-{port}
base_dir = {work}/run
state_dir = {work}/state
log_path = {work}/dovecot.log
info_log_path = {work}/dovecot.log
protocols = imap
listen = {host}
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login{mechanisms}
auth_failure_delay = 0
login_trusted_networks = 127.0.0.0/8
default_internal_user = dovecot
default_internal_group = dovecot
default_login_user = dovenull
first_valid_uid = {first_uid}
mail_location = maildir:{work}/mail/%u
mail_fsync = never
mailbox_idle_check_interval = 1 secs
mail_max_userip_connections = 500
namespace inbox {{
  inbox = yes
  separator = /
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {work}/users
}}
{oauth_passdb}userdb {{
  driver = passwd-file
  args = username_format=%u {work}/users
}}
# No brute-force penalty (it would delay even later good logins by seconds).
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
  inet_listener imap {{
    address = {host}
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""

# Tokens are checked by the passdb below: Dovecot POSTs each one to the suite's
# authorization server (RFC 7662) and wants the mailbox's name back as `username`.
_DOVECOT_OAUTH_PASSDB = """\
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {work}/dovecot-oauth2.conf.ext
}}
"""

_DOVECOT_OAUTH2 = """\
introspection_mode = post
introspection_url = {url}
force_introspection = yes
username_attribute = username
active_attribute = active
active_value = true
"""


def start_imap_server(
    tmp_path: str | os.PathLike[str] | None = None,
    prefer: str | None = None,
    oauth_introspection_url: str | None = None,
) -> ImapServer:
    """Start and return an :class:`ImapServer` (logs are copied to ``tmp_path`` on stop)."""
    server = ImapServer(
        default_kind(prefer), log_dir=tmp_path, oauth_introspection_url=oauth_introspection_url
    )
    server.start()
    return server


@atexit.register
def _stop_all() -> None:
    for server in list(_RUNNING):
        with contextlib.suppress(Exception):
            server.stop()
