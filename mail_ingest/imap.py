"""The IMAP side: connect, read the folder's state, fetch in batches, flag as seen.

Only imapclient calls live here, so the poller's logic can be read without them.
"""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

UID_CHUNK = 500  # UIDs per command: long lists overflow the server's command length
FETCH_BYTES = 16 * 1024 * 1024  # bytes fetched per round trip, at most


class MailboxUnavailable(Exception):
    """The server cannot be reached, refused the login, or has no such folder."""


class AccessTokens(Protocol):
    """Where OAuth 2.0 access tokens come from (helpdesk.mailauth.TokenSource)."""

    def token(self) -> str: ...

    def refused(self, token: str) -> None: ...


@dataclass(frozen=True)
class ImapConfig:
    host: str
    port: int
    username: str
    password: str
    security: str  # "true" (implicit TLS), "starttls" or "false"
    folder: str
    timeout: float
    auth: str = "password"  # or "oauth2": XOAUTH2 / OAUTHBEARER with `tokens`
    tokens: AccessTokens | None = field(default=None, compare=False, repr=False)

    @property
    def mailbox(self) -> str:
        """The name our records use for this mailbox."""
        return f"{self.username}@{self.host}:{self.port}/{self.folder}"

    @classmethod
    def from_config(cls, config: Any, tokens: AccessTokens | None = None) -> ImapConfig:
        return cls(
            host=str(config["IMAP_HOST"]),
            port=int(config["IMAP_PORT"]),
            username=str(config["IMAP_USERNAME"] or ""),
            password=str(config["IMAP_PASSWORD"] or ""),
            security=str(config["IMAP_SSL"]).lower(),
            folder=str(config["IMAP_FOLDER"]),
            timeout=float(config["IMAP_TIMEOUT_SECONDS"]),
            auth=str(config.get("IMAP_AUTH") or "password"),
            tokens=tokens,
        )


def connect(cfg: ImapConfig) -> IMAPClient:
    """A logged-in client. On any failure the connection is closed, then the error raised."""
    client: IMAPClient | None = None
    connected = False
    try:
        client = IMAPClient(
            cfg.host,
            port=cfg.port,
            ssl=cfg.security == "true",
            ssl_context=ssl.create_default_context(),
            timeout=cfg.timeout,
        )
        client._imap.debug = 0  # imaplib's debug formatting makes fetches several times slower
        if cfg.security == "starttls":
            client.starttls(ssl.create_default_context())
        _login(client, cfg)
        connected = True
    except LoginError as exc:
        raise MailboxUnavailable(
            f"login to {cfg.host}:{cfg.port} as {cfg.username} failed: {_text(exc)}"
        ) from None
    except (OSError, IMAPClientError, ssl.SSLError) as exc:
        raise MailboxUnavailable(
            f"cannot reach IMAP server {cfg.host}:{cfg.port}: {_text(exc)}"
        ) from None
    finally:
        if client is not None and not connected:
            _close(client)
    return client


def _close(client: IMAPClient) -> None:
    """Close the socket of a client that is not logged in (no LOGOUT to send)."""
    with contextlib.suppress(OSError, IMAPClientError):
        client._imap.shutdown()  # imaplib's: IMAPClient.shutdown() would log a line


def _login(client: IMAPClient, cfg: ImapConfig) -> None:
    if cfg.auth != "oauth2":
        client.login(cfg.username, cfg.password)
        return
    from helpdesk.mailauth import OAuthFailure

    if cfg.tokens is None:
        raise MailboxUnavailable("IMAP_AUTH=oauth2 but no OAuth token source was given")
    for attempt in range(2):  # a cached token the server refuses is replaced once
        try:
            token = cfg.tokens.token()
        except OAuthFailure as exc:
            raise MailboxUnavailable(str(exc)) from None
        try:
            _oauth_login(client, cfg.username, token)
            return
        except LoginError as exc:
            cfg.tokens.refused(token)
            if attempt:
                raise MailboxUnavailable(
                    f"{cfg.host}:{cfg.port} refused the OAuth token for {cfg.username}: "
                    f"{_text(exc)}; check that the app may open this mailbox (Microsoft 365: "
                    "Add-MailboxPermission; Google: the scope https://mail.google.com/)"
                ) from None


def _oauth_login(client: IMAPClient, username: str, token: str) -> None:
    """XOAUTH2 (Gmail, Exchange Online), or OAUTHBEARER where only that is offered."""
    capabilities = client.capabilities()
    if b"AUTH=XOAUTH2" not in capabilities and b"AUTH=OAUTHBEARER" in capabilities:
        client.oauthbearer_login(username, token)
    else:
        client.oauth2_login(username, token)


def _text(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


def select(client: IMAPClient, folder: str) -> int:
    """Select the folder read-write and return its UIDVALIDITY."""
    try:
        info = client.select_folder(folder)
    except IMAPClientError as exc:
        raise MailboxUnavailable(f"cannot open folder {folder!r}: {_text(exc)}") from None
    return int(info[b"UIDVALIDITY"])


def new_uids(client: IMAPClient, last_uid: int) -> list[int]:
    """UIDs above `last_uid`, ascending (`N:*` also answers the highest UID; drop it)."""
    uids = client.search(["UID", f"{last_uid + 1}:*"])
    return sorted(uid for uid in uids if uid > last_uid)


def _chunks(items: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def sizes(client: IMAPClient, uids: Sequence[int]) -> dict[int, int]:
    result: dict[int, int] = {}
    for chunk in _chunks(uids, UID_CHUNK):
        for uid, data in client.fetch(chunk, ["RFC822.SIZE"]).items():
            result[uid] = int(data.get(b"RFC822.SIZE", 0))
    return result


def plan_batches(uids: Sequence[int], size_of: dict[int, int], count: int) -> list[list[int]]:
    """Group UIDs into fetches of at most `count` mails and about FETCH_BYTES bytes."""
    batches: list[list[int]] = []
    current: list[int] = []
    total = 0
    for uid in uids:
        size = size_of.get(uid, 0)
        if current and (len(current) >= count or total + size > FETCH_BYTES):
            batches.append(current)
            current, total = [], 0
        current.append(uid)
        total += size
    if current:
        batches.append(current)
    return batches


def fetch_bodies(client: IMAPClient, uids: Sequence[int]) -> dict[int, bytes]:
    """The raw bytes of each UID, without setting \\Seen (BODY.PEEK[])."""
    data = client.fetch(list(uids), ["BODY.PEEK[]"])
    return {
        uid: bytes(item.get(b"BODY[]") or b"") for uid, item in data.items() if b"BODY[]" in item
    }


def mark_seen(client: IMAPClient, uids: Sequence[int]) -> None:
    for chunk in _chunks(uids, UID_CHUNK):
        client.add_flags(list(chunk), [b"\\Seen"], silent=True)
