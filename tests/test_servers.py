"""Tests of the private test mail servers in tests/servers/."""

from __future__ import annotations

import imaplib
import os
import smtplib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from imapclient import IMAPClient
from imapclient.exceptions import LoginError

from tests.servers.fixtures import (  # noqa: F401 - fixtures used by name
    fault_proxy_factory,
    imap_server,
    imap_server_session,
    smtp_server,
)
from tests.servers.imap import ImapServer, available_kinds, dovecot_available, start_imap_server
from tests.servers.proxy import FaultProxy
from tests.servers.smtp import SmtpServer

KINDS = available_kinds()


def make_raw(i: int, body: str = "Hello,\r\nmy order has not arrived.\r\n") -> bytes:
    """A small RFC 5322 message with CRLF line endings."""
    return (
        f"From: Customer {i} <customer{i}@example.com>\r\n"
        f"To: support@shop.example\r\n"
        f"Subject: Order #{1000 + i}\r\n"
        f"Message-ID: <msg-{i}@example.com>\r\n"
        f"Date: Mon, 01 Jan 2024 10:00:00 +0000\r\n"
        f"MIME-Version: 1.0\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n"
        f"\r\n{body}"
    ).encode()


def refused(host: str, port: int) -> bool:
    """True if nothing listens on host:port."""
    try:
        with socket.create_connection((host, port), timeout=1):
            return False
    except ConnectionRefusedError:
        return True


def fetch_bodies(server: ImapServer, folder: str = "INBOX") -> tuple[int, list[bytes]]:
    """(UIDVALIDITY, raw bodies in UID order) via a fresh client connection."""
    with server.client() as conn:
        info = conn.select_folder(folder, readonly=True)
        uids = sorted(conn.search("ALL"))
        data = conn.fetch(uids, [b"BODY.PEEK[]"]) if uids else {}
        return int(info[b"UIDVALIDITY"]), [data[u][b"BODY[]"] for u in uids]


# ---------------------------------------------------------------------------- IMAP


@pytest.fixture(scope="module", params=KINDS)
def imap_shared(request: pytest.FixtureRequest) -> Iterator[ImapServer]:
    """One server per kind for this module."""
    server = ImapServer(request.param)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def imap(imap_shared: ImapServer) -> ImapServer:
    """The module's server of the current kind, reset to an empty INBOX."""
    if not imap_shared.running:
        imap_shared.stop()
        imap_shared.start()
    imap_shared.reset()
    return imap_shared


@pytest.mark.parametrize("kind", KINDS)
def test_imap_start_stop(kind: str, tmp_path: Path) -> None:
    server = ImapServer(kind, log_dir=tmp_path)
    server.start()
    try:
        assert server.kind == kind
        assert server.host == "127.0.0.1"
        assert server.startup_seconds < 10
        with IMAPClient(server.host, server.port, ssl=False) as conn:
            conn.login(server.username, server.password)
            assert conn.select_folder("INBOX")[b"EXISTS"] == 0
        with IMAPClient(server.host, server.port, ssl=False) as conn, pytest.raises(LoginError):
            conn.login(server.username, "wrong-password")
        workdir = server.workdir
        proc = server._proc
        assert proc is not None
    finally:
        server.stop()
    assert refused(server.host, server.port)
    assert workdir is not None and not workdir.exists()
    with pytest.raises(ProcessLookupError):
        os.killpg(proc.pid, 0)  # no process of the server's group survives
    assert list(tmp_path.glob("*.log")), "server log copied to log_dir"


def test_start_imap_server_env_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HELPDESK_TEST_IMAP", "pymap")
    with start_imap_server() as server:
        assert server.kind == "pymap"
    monkeypatch.delenv("HELPDESK_TEST_IMAP")
    if dovecot_available():
        assert ImapServer().kind == "dovecot"


def test_append_fetch_roundtrip(imap: ImapServer) -> None:
    raws = [
        make_raw(1),
        make_raw(2, "Grüße, ça va? €\r\n"),
        make_raw(3, "line\r\n" * 2000),
    ]
    for raw in raws:
        imap.append(raw)
    imap.append(make_raw(4), folder="Archive", flags=(b"\\Seen",))
    _uidv, bodies = fetch_bodies(imap)
    assert bodies == raws
    with imap.client() as conn:
        conn.select_folder("INBOX")
        flags = conn.get_flags(conn.search("ALL"))
        assert all(b"\\Seen" not in f for f in flags.values()), "BODY.PEEK must not set \\Seen"
        conn.select_folder("Archive", readonly=True)
        (uid,) = conn.search("ALL")
        assert b"\\Seen" in conn.get_flags([uid])[uid]
    assert imap.message_count("Archive") == 1


def test_append_many_keeps_order(imap: ImapServer) -> None:
    raws = [make_raw(i) for i in range(300)]
    t0 = time.monotonic()
    assert imap.append_many(raws) == 300
    elapsed = time.monotonic() - t0
    assert elapsed < 10
    _uidv, bodies = fetch_bodies(imap)
    assert bodies == raws


def test_reset_uidvalidity_keeps_messages(imap: ImapServer) -> None:
    raws = [make_raw(i) for i in range(20)]
    imap.append_many(raws)
    imap.append(make_raw(99), flags=(b"\\Seen", b"\\Flagged"))
    imap.append_many(raws[:3], folder="Support/Old")
    before_uidv, before = fetch_bodies(imap)
    assert before_uidv == imap.uidvalidity()

    imap.reset_uidvalidity()
    after_uidv, after = fetch_bodies(imap)
    assert after_uidv != before_uidv
    assert after == before
    with imap.client() as conn:
        conn.select_folder("INBOX", readonly=True)
        uids = sorted(conn.search("ALL"))
        assert b"\\Flagged" in conn.get_flags([uids[-1]])[uids[-1]]

    sub_before = imap.uidvalidity("Support/Old")
    imap.reset_uidvalidity("Support/Old")
    assert imap.uidvalidity("Support/Old") != sub_before
    assert fetch_bodies(imap, "Support/Old")[1] == raws[:3]


def test_clear_and_reset(imap: ImapServer) -> None:
    imap.append_many([make_raw(i) for i in range(5)])
    imap.append(make_raw(9), folder="Spam")
    uidv = imap.uidvalidity()
    imap.clear()
    assert imap.message_count() == 0
    assert imap.uidvalidity() != uidv
    imap.append(make_raw(10))
    assert fetch_bodies(imap)[1] == [make_raw(10)]
    imap.reset()
    assert imap.folders() == ["INBOX"]
    assert imap.message_count() == 0


def test_idle_sees_new_message(imap: ImapServer) -> None:
    seen: list[tuple[object, ...]] = []
    with imap.client() as conn:
        assert b"IDLE" in conn.capabilities()
        conn.select_folder("INBOX")
        conn.idle()
        threading.Timer(0.3, imap.append, args=(make_raw(1),)).start()
        deadline = time.monotonic() + 10
        try:
            while time.monotonic() < deadline:
                seen += conn.idle_check(timeout=1)
                if any(len(r) > 1 and r[1] == b"EXISTS" for r in seen):
                    break
            conn.idle_done()
        except imaplib.IMAP4.abort:
            # pymap sometimes sends an untagged FETCH during IDLE that imaplib cannot parse
            # (`FLAGS (\Recent))`); it did wake the client, which is what the poller needs: it
            # reconnects on such an abort and fetches the new mail.
            if imap.kind != "pymap":
                raise
            assert imap.message_count() == 1
            return
    assert any(len(r) > 1 and r[1] == b"EXISTS" for r in seen), seen


def test_client_sees_uidvalidity_change_after_reconnect(imap: ImapServer) -> None:
    imap.append_many([make_raw(i) for i in range(3)])
    with imap.client() as conn:
        first = conn.select_folder("INBOX", readonly=True)[b"UIDVALIDITY"]
    imap.reset_uidvalidity()
    with imap.client() as conn:
        info = conn.select_folder("INBOX", readonly=True)
        assert info[b"UIDVALIDITY"] != first
        assert info[b"EXISTS"] == 3


@pytest.mark.skipif(not dovecot_available(), reason="dovecot not installed")
def test_two_dovecot_instances_at_once() -> None:
    with ImapServer("dovecot") as one, ImapServer("dovecot") as two:
        assert one.port != two.port and one.workdir != two.workdir
        one.append(make_raw(1))
        assert one.message_count() == 1
        assert two.message_count() == 0


def test_imap_server_fixture(imap_server: ImapServer) -> None:  # noqa: F811
    assert imap_server.message_count() == 0
    assert imap_server.folders() == ["INBOX"]
    imap_server.append(make_raw(1), folder="Leftover")


def test_imap_server_fixture_is_clean_again(imap_server: ImapServer) -> None:  # noqa: F811
    assert imap_server.folders() == ["INBOX"]
    assert imap_server.message_count() == 0


# ---------------------------------------------------------------------------- SMTP


def make_email(subject: str = "Re: Order #1001") -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "support@shop.example"
    msg["To"] = "customer@example.com"
    msg["Subject"] = subject
    msg.set_content("Your parcel is on its way.")
    return msg


def test_smtp_receives_mail(smtp_server: SmtpServer) -> None:  # noqa: F811
    with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=5) as client:
        client.send_message(make_email())
    (raw,) = smtp_server.wait_for(1)
    assert b"Subject: Re: Order #1001" in raw
    assert b"Your parcel is on its way." in raw
    mail_from, rcpts, envelope_raw = smtp_server.envelopes[0]
    assert mail_from == "support@shop.example"
    assert rcpts == ["customer@example.com"]
    assert envelope_raw == raw == smtp_server.messages[0]


def test_smtp_auth_is_optional(smtp_server: SmtpServer) -> None:  # noqa: F811
    with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=5) as client:
        client.login(smtp_server.username, smtp_server.password)
        client.send_message(make_email())
    smtp_server.wait_for(1)
    assert smtp_server.authenticated == [smtp_server.username]
    with (
        smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=5) as client,
        pytest.raises(smtplib.SMTPAuthenticationError),
    ):
        client.login(smtp_server.username, "wrong")


@pytest.mark.parametrize("code", [451, 550])
def test_smtp_failure_on_data(smtp_server: SmtpServer, code: int) -> None:  # noqa: F811
    smtp_server.set_failure(code, "Injected failure")
    with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=5) as client:
        with pytest.raises(smtplib.SMTPDataError) as excinfo:
            client.send_message(make_email())
        assert excinfo.value.smtp_code == code
    assert smtp_server.messages == []
    smtp_server.set_failure(None)
    with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=5) as client:
        client.send_message(make_email())
    assert len(smtp_server.wait_for(1)) == 1


def test_smtp_failure_on_rcpt(smtp_server: SmtpServer) -> None:  # noqa: F811
    smtp_server.set_failure(550, "No such user", stage="RCPT")
    with (
        smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=5) as client,
        pytest.raises(smtplib.SMTPRecipientsRefused) as excinfo,
    ):
        client.send_message(make_email())
    assert excinfo.value.recipients["customer@example.com"][0] == 550


def test_smtp_stop_then_start_same_port() -> None:
    server = SmtpServer()
    server.start()
    try:
        port = server.port
        server.stop()
        assert refused(server.host, port)
        with pytest.raises(ConnectionRefusedError):
            smtplib.SMTP(server.host, port, timeout=5)
        server.start()
        assert server.port == port
        with smtplib.SMTP(server.host, port, timeout=5) as client:
            client.send_message(make_email("after restart"))
        assert b"after restart" in server.wait_for(1)[0]
    finally:
        server.stop()


def test_smtp_wait_for_timeout(smtp_server: SmtpServer) -> None:  # noqa: F811
    with pytest.raises(TimeoutError):
        smtp_server.wait_for(1, timeout=0.2)


# ---------------------------------------------------------------------------- proxy


class BlobServer:
    """TCP server sending ``blob`` to each client, then echoing what it receives."""

    def __init__(self, blob: bytes) -> None:
        self.blob = blob
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            try:
                conn.sendall(self.blob)
                while data := conn.recv(4096):
                    conn.sendall(data)
            except OSError:
                pass

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def blob_server() -> Iterator[BlobServer]:
    server = BlobServer(b"x" * 100_000 + b"\n")
    yield server
    server.close()


def recv_exactly(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            break
        data += chunk
    return data


def recv_until_eof(sock: socket.socket) -> bytes:
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def test_proxy_passes_traffic(
    blob_server: BlobServer,
    fault_proxy_factory: Callable[[str, int], FaultProxy],  # noqa: F811
) -> None:
    proxy = fault_proxy_factory("127.0.0.1", blob_server.port)
    with socket.create_connection((proxy.host, proxy.port), timeout=5) as sock:
        assert recv_exactly(sock, len(blob_server.blob)) == blob_server.blob
        sock.sendall(b"ping")
        assert recv_exactly(sock, 4) == b"ping"


def test_proxy_drop_all(blob_server: BlobServer) -> None:
    with FaultProxy("127.0.0.1", blob_server.port) as proxy:
        sock = socket.create_connection((proxy.host, proxy.port), timeout=5)
        with sock:
            recv_exactly(sock, len(blob_server.blob))
            deadline = time.monotonic() + 2
            while proxy.open_connections == 0 and time.monotonic() < deadline:
                time.sleep(0.01)
            proxy.drop_all()
            try:
                leftover = recv_until_eof(sock)
            except ConnectionResetError:
                leftover = b""
            assert leftover == b""
        # New connections still work after a drop.
        with socket.create_connection((proxy.host, proxy.port), timeout=5) as sock2:
            assert recv_exactly(sock2, 10) == b"x" * 10


def test_proxy_cut_after(blob_server: BlobServer) -> None:
    with FaultProxy("127.0.0.1", blob_server.port) as proxy:
        proxy.cut_after(1234, connections=1)
        with socket.create_connection((proxy.host, proxy.port), timeout=5) as sock:
            assert recv_until_eof(sock) == b"x" * 1234
        with socket.create_connection((proxy.host, proxy.port), timeout=5) as sock:
            assert recv_exactly(sock, len(blob_server.blob)) == blob_server.blob
        proxy.cut_after(10)  # every new connection until reset
        for _ in range(2):
            with socket.create_connection((proxy.host, proxy.port), timeout=5) as sock:
                assert recv_until_eof(sock) == b"x" * 10
        proxy.cut_after(None)
        with socket.create_connection((proxy.host, proxy.port), timeout=5) as sock:
            assert len(recv_exactly(sock, 50_000)) == 50_000


def test_proxy_stop_start_same_port(blob_server: BlobServer) -> None:
    proxy = FaultProxy("127.0.0.1", blob_server.port)
    proxy.start()
    try:
        port = proxy.port
        proxy.stop()
        assert refused("127.0.0.1", port)
        proxy.start()
        assert proxy.port == port
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            assert recv_exactly(sock, 5) == b"xxxxx"
    finally:
        proxy.stop()


def test_imap_through_proxy_with_faults(imap: ImapServer) -> None:
    big = make_raw(1, "A" * 200_000 + "\r\n")
    imap.append(big)
    with FaultProxy(imap.host, imap.port) as proxy:
        conn = IMAPClient(proxy.host, proxy.port, ssl=False, timeout=10)
        conn.login(imap.username, imap.password)
        conn.select_folder("INBOX", readonly=True)
        (uid,) = conn.search("ALL")
        assert conn.fetch([uid], [b"BODY.PEEK[]"])[uid][b"BODY[]"] == big
        proxy.drop_all()
        with pytest.raises((imaplib.IMAP4.abort, OSError)):
            conn.noop()
        conn.shutdown()

        # The server "drops the connection" in the middle of a large FETCH.
        proxy.cut_after(20_000, connections=1)
        conn = IMAPClient(proxy.host, proxy.port, ssl=False, timeout=10)
        conn.login(imap.username, imap.password)
        conn.select_folder("INBOX", readonly=True)
        with pytest.raises((imaplib.IMAP4.abort, OSError)):
            conn.fetch([uid], [b"BODY.PEEK[]"])
        conn.shutdown()

        # The next connection is fine again.
        with IMAPClient(proxy.host, proxy.port, ssl=False, timeout=10) as conn:
            conn.login(imap.username, imap.password)
            conn.select_folder("INBOX", readonly=True)
            assert conn.fetch([uid], [b"BODY.PEEK[]"])[uid][b"BODY[]"] == big
