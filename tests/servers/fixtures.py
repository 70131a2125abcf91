"""Pytest fixtures for the test mail servers (``from tests.servers.fixtures import *``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.servers.imap import ImapServer, default_kind, start_imap_server
from tests.servers.oauth import RESOURCE_CLIENT, OAuthServer, start_oauth_server
from tests.servers.proxy import FaultProxy
from tests.servers.smtp import SmtpServer, start_smtp_server

__all__ = [
    "fault_proxy_factory",
    "imap_server",
    "imap_server_session",
    "oauth_imap_server",
    "oauth_server",
    "oauth_smtp_server",
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


@pytest.fixture
def oauth_server() -> Iterator[OAuthServer]:
    """The suite's OAuth 2.0 authorization server; access tokens live 4 seconds."""
    server = start_oauth_server()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def oauth_imap_server(
    oauth_server: OAuthServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ImapServer]:
    """Dovecot taking XOAUTH2/OAUTHBEARER, every token checked by `oauth_server`."""
    if default_kind() != "dovecot":
        pytest.skip("OAuth IMAP needs Dovecot's oauth2 passdb (pymap has no XOAUTH2)")
    user, secret = RESOURCE_CLIENT
    url = oauth_server.introspection_url.replace("http://", f"http://{user}:{secret}@")
    server = start_imap_server(tmp_path_factory.mktemp("imap-logs"), oauth_introspection_url=url)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def oauth_smtp_server(oauth_server: OAuthServer) -> Iterator[SmtpServer]:
    """aiosmtpd requiring AUTH XOAUTH2, every token checked by `oauth_server`."""
    server = SmtpServer(require_auth=True, oauth_introspect=oauth_server.introspect)
    server.start()
    try:
        yield server
    finally:
        server.stop()
