"""Pytest fixtures for the test mail servers (``from tests.servers.fixtures import *``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.servers.imap import ImapServer, default_kind, start_imap_server
from tests.servers.proxy import FaultProxy
from tests.servers.smtp import SmtpServer, start_smtp_server

__all__ = [
    "fault_proxy_factory",
    "imap_server",
    "imap_server_session",
    "smtp_server",
]

# Dovecot starts in ~40 ms, so each test gets its own instance (UIDs from 1, fresh
# UIDVALIDITY). pymap needs ~0.5 s, so its tests share one session server, reset().
FRESH_PER_TEST_KINDS = frozenset({"dovecot"})


@pytest.fixture(scope="session")
def imap_server_session(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[ImapServer]:
    """One IMAP server for the whole session (Dovecot if installed, else pymap)."""
    server = start_imap_server(tmp_path_factory.mktemp("imap-logs"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def imap_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ImapServer]:
    """An IMAP server whose mailbox holds only an empty INBOX.

    Dovecot: a fresh private instance per test. pymap: the shared session server after
    ``reset()`` (other folders deleted, INBOX emptied with a new UIDVALIDITY).
    """
    if default_kind() in FRESH_PER_TEST_KINDS:
        server = start_imap_server(tmp_path_factory.mktemp("imap-logs"))
        try:
            yield server
        finally:
            server.stop()
        return
    shared: ImapServer = request.getfixturevalue("imap_server_session")
    if not shared.running:  # e.g. a test stopped it deliberately
        shared.stop()
        shared.start()
    shared.reset()
    yield shared


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A fresh capturing SMTP server on 127.0.0.1 (starts in a few ms)."""
    server = start_smtp_server()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def fault_proxy_factory() -> Iterator[Callable[[str, int], FaultProxy]]:
    """Factory ``make(host, port) -> started FaultProxy``; all are stopped at teardown."""
    proxies: list[FaultProxy] = []

    def make(target_host: str, target_port: int) -> FaultProxy:
        proxy = FaultProxy(target_host, target_port)
        proxy.start()
        proxies.append(proxy)
        return proxy

    try:
        yield make
    finally:
        for proxy in proxies:
            proxy.stop()
