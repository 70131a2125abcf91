"""The poller: fetch new mail in batches and record each exactly once.

A batch of mails is ingested in one transaction together with the cursor's
advance, so a crash before the commit leaves nothing behind and the next run
fetches the same mails again. When another poller got there first the commit
fails on the (mailbox, UIDVALIDITY, UID) key; the batch is then redone one
mail per transaction, skipping what is already recorded.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from flask import Flask
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError
from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from helpdesk.categories import Rule, load_rules
from helpdesk.database import writer_session
from helpdesk.extensions import db
from helpdesk.mailauth import mail_tokens
from helpdesk.models import FetchedMail, MailboxCursor, utcnow
from mail_ingest import imap
from mail_ingest.imap import ImapConfig, MailboxUnavailable
from mail_ingest.pipeline import Parsed, ParsePool, PendingParse
from mail_ingest.quarantine import describe, record_quarantine
from mail_ingest.route import MailSource, Prepared, ingest_prepared
from mail_ingest.settings import PollerSettings

log = logging.getLogger("helpdesk.ingest")

NETWORK_ERRORS = (
    OSError,
    socket.timeout,
    IMAPClientError,
    imaplib.IMAP4.abort,
    imaplib.IMAP4.error,
    MailboxUnavailable,
)


@dataclass
class Fetched:
    """One batch's UIDs, the bytes fetched for them, and their parse under way."""

    uids: list[int]
    bodies: dict[int, bytes]
    parsing: PendingParse

    def parsed(self) -> dict[int, Parsed]:
        return dict(zip(self.bodies, self.parsing.result(), strict=True))


@dataclass
class PollResult:
    fetched: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)

    def add(self, outcome: str) -> None:
        self.fetched += 1
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1


def poller_settings(app: Flask) -> PollerSettings:
    """The app's poller settings, with its OAuth token source when IMAP_AUTH is oauth2."""
    return PollerSettings.from_config(app.config, mail_tokens(app))


def make_poller(app: Flask, stop: threading.Event | None = None) -> Poller:
    """The app's poller, on a writer session of its database (call it in an app context)."""
    return Poller(writer_session(db.engine), poller_settings(app), stop=stop)


class Poller:
    def __init__(
        self,
        session: Session,
        settings: PollerSettings,
        *,
        stop: threading.Event | None = None,
        connect: Callable[[ImapConfig], IMAPClient] = imap.connect,
    ) -> None:
        self.session = session
        self.settings = settings
        self.cfg = settings.imap
        self.stop = stop or threading.Event()
        self._connect = connect

    # -- one pass ---------------------------------------------------------------------------

    def run_once(self) -> PollResult:
        """Connect, ingest everything new, log out. Raises MailboxUnavailable."""
        client = self._connect(self.cfg)
        try:
            return self.process_new(client)
        finally:
            _logout(client)

    def process_new(self, client: IMAPClient) -> PollResult:
        uidvalidity = imap.select(client, self.cfg.folder)
        cursor = self._cursor(uidvalidity)
        self.session.commit()  # hold no transaction (or SQLite lock) across network calls
        result = PollResult()
        uids = imap.new_uids(client, cursor.last_uid)
        if uids:
            size_of = imap.sizes(client, uids)
            rules = load_rules(self.session)
            self.session.commit()
            batches = imap.plan_batches(uids, size_of, self.settings.batch_size)
            # With more than one batch, batch n+1 is fetched and parsed (in a worker) while
            # batch n is written.
            with ParsePool(self.settings.parse_workers if len(batches) > 1 else 0) as pool:
                ahead: Fetched | None = None
                for batch in [*batches, None]:  # None: no next batch, write the last one
                    if self.stop.is_set():
                        break
                    fetched = None if batch is None else self._fetch(client, batch, size_of, pool)
                    if ahead is not None:
                        self._batch(client, uidvalidity, ahead, size_of, rules, result)
                    ahead = fetched
        self._touch(error=None)
        return result

    def _fetch(
        self, client: IMAPClient, batch: list[int], size_of: dict[int, int], pool: ParsePool
    ) -> Fetched:
        wanted = [uid for uid in batch if size_of.get(uid, 0) <= self.settings.ingest.max_bytes]
        bodies = imap.fetch_bodies(client, wanted) if wanted else {}
        return Fetched(batch, bodies, pool.submit(list(bodies.values())))

    def _cursor(self, uidvalidity: int) -> MailboxCursor:
        mailbox = self.cfg.mailbox
        cursor = self.session.scalar(select(MailboxCursor).where(MailboxCursor.mailbox == mailbox))
        if cursor is None:
            try:
                cursor = MailboxCursor(mailbox=mailbox, uidvalidity=uidvalidity, last_uid=0)
                self.session.add(cursor)
                self.session.commit()
            except IntegrityError:  # another poller created it just now
                self.session.rollback()
                return self._cursor(uidvalidity)
        if cursor.uidvalidity != uidvalidity:
            log.warning(
                "UIDVALIDITY of %s changed from %s to %s: rescanning (duplicates are "
                "recognised by content)",
                mailbox,
                cursor.uidvalidity,
                uidvalidity,
            )
            self.session.execute(
                update(MailboxCursor)
                .where(MailboxCursor.id == cursor.id, MailboxCursor.uidvalidity != uidvalidity)
                .values(uidvalidity=uidvalidity, last_uid=0)
            )
            self.session.commit()
            self.session.refresh(cursor)
        return cursor

    def _batch(
        self,
        client: IMAPClient,
        uidvalidity: int,
        fetched: Fetched,
        size_of: dict[int, int],
        rules: list[Rule],
        result: PollResult,
    ) -> None:
        batch, bodies, parsed = fetched.uids, fetched.bodies, fetched.parsed()
        try:
            outcomes = self._ingest(uidvalidity, batch, bodies, size_of, rules, parsed)
            self._advance(uidvalidity, max(batch))
            self.session.commit()
        except Exception as exc:  # another poller, or one bad mail: redo it mail by mail
            self.session.rollback()
            log.info("batch failed (%s); redoing it one mail at a time", describe(exc))
            outcomes = []
            for uid in batch:
                outcomes += self._ingest_alone(uidvalidity, uid, bodies, size_of, rules, parsed)
        for outcome in outcomes:
            result.add(outcome)
        if self.settings.mark_seen:
            imap.mark_seen(client, batch)

    def _ingest_alone(
        self,
        uidvalidity: int,
        uid: int,
        bodies: dict[int, bytes],
        size_of: dict[int, int],
        rules: list[Rule],
        parsed: dict[int, Parsed],
    ) -> list[str]:
        """One mail in its own transaction; a mail that cannot be written is quarantined.

        A database error is tried once more (another poller may have added the same
        customer or content meanwhile); any other error, or a second one, quarantines it."""
        error: Exception = RuntimeError("not tried")
        for attempt in (1, 2):
            try:
                outcomes = self._ingest(uidvalidity, [uid], bodies, size_of, rules, parsed)
                self._advance(uidvalidity, uid)
                self.session.commit()
                return outcomes
            except Exception as exc:  # one bad mail must never stop the poller
                self.session.rollback()
                if self._recorded(uidvalidity, [uid]):
                    return []  # another poller recorded it: nothing to do
                if attempt == 1 and isinstance(exc, DBAPIError):
                    log.info("mail %s/%s: %s; once more", self.cfg.mailbox, uid, describe(exc))
                    continue
                log.exception("mail %s/%s could not be ingested", self.cfg.mailbox, uid)
                error = exc
        return [self._quarantine_failed(uidvalidity, uid, bodies.get(uid), error)]

    def _quarantine_failed(
        self, uidvalidity: int, uid: int, raw: bytes | None, error: Exception
    ) -> str:
        """Quarantine a mail whose records could not be written, with the error and, where
        they can be stored, its bytes. Raises only when nothing can be written at all (the
        database is gone), which is no fault of the mail."""
        source = MailSource(self.cfg.mailbox, uidvalidity, uid)
        what = "could not be written" if isinstance(error, DBAPIError) else "internal error"
        reason = f"{what}: {describe(error)}"
        size = len(raw or b"")
        try:
            outcome = self._quarantine(source, raw, reason, size).outcome
        except DBAPIError as exc:
            if raw is None:
                raise
            self.session.rollback()
            log.warning("mail %s/%s: its bytes could not be stored: %s", source.mailbox, uid, exc)
            reason += f"; its bytes could not be stored ({describe(exc)})"
            outcome = self._quarantine(source, None, reason, size).outcome
        self._advance(uidvalidity, uid)
        self.session.commit()
        return outcome

    def _ingest(
        self,
        uidvalidity: int,
        batch: Sequence[int],
        bodies: dict[int, bytes],
        size_of: dict[int, int],
        rules: list[Rule],
        parsed: dict[int, Parsed],
    ) -> list[str]:
        """Record the batch's mails not recorded yet (in the caller's transaction).

        `parsed` holds the fetched mails, parsed already; one missing is parsed here."""
        done = self._recorded(uidvalidity, batch)
        outcomes = []
        items = []
        for uid in batch:
            if uid in done:
                continue
            source = MailSource(self.cfg.mailbox, uidvalidity, uid)
            size = size_of.get(uid, 0)
            if size > self.settings.ingest.max_bytes:
                reason = f"too large: {size} bytes (limit {self.settings.ingest.max_bytes})"
                outcomes.append(self._quarantine(source, None, reason, size).outcome)
            elif uid not in bodies:
                log.warning("UID %s vanished from %s before it was fetched", uid, source.mailbox)
            else:
                raw = bodies[uid]
                items.append(Prepared.of(source, raw, parsed.get(uid)))
        records = ingest_prepared(self.session, items, self.settings.ingest, rules)
        return outcomes + [record.outcome for record in records]

    def _quarantine(
        self, source: MailSource, raw: bytes | None, reason: str, size: int
    ) -> FetchedMail:
        return record_quarantine(self.session, source, raw, reason, size)

    def _recorded(self, uidvalidity: int, uids: Sequence[int]) -> set[int]:
        if not uids:
            return set()
        # A range, not IN (...): the key's index answers it even where the planner has no
        # statistics yet (a first import), where IN (...) made PostgreSQL scan the mailbox.
        found = self.session.scalars(
            select(FetchedMail.uid).where(
                FetchedMail.mailbox == self.cfg.mailbox,
                FetchedMail.uidvalidity == uidvalidity,
                FetchedMail.uid.between(min(uids), max(uids)),
            )
        )
        return set(found) & set(uids)

    def _advance(self, uidvalidity: int, uid: int) -> None:
        self.session.execute(
            update(MailboxCursor)
            .where(
                MailboxCursor.mailbox == self.cfg.mailbox,
                MailboxCursor.uidvalidity == uidvalidity,
                MailboxCursor.last_uid < uid,
            )
            .values(last_uid=uid)
        )

    def _touch(self, error: str | None) -> None:
        values: dict[str, object] = (
            {"last_poll_at": utcnow()}
            if error is None
            else {"last_error": error[:2000], "last_error_at": utcnow()}
        )
        try:
            self.session.execute(
                update(MailboxCursor)
                .where(MailboxCursor.mailbox == self.cfg.mailbox)
                .values(**values)
            )
            self.session.commit()
        except DBAPIError:
            self.session.rollback()

    # -- running until stopped --------------------------------------------------------------

    def run_forever(self) -> None:
        """Poll until `stop` is set; IDLE where the server has it; reconnect with backoff."""
        delay = 1.0
        while not self.stop.is_set():
            client = None
            try:
                client = self._connect(self.cfg)
                delay = 1.0
                while not self.stop.is_set():
                    result = self.process_new(client)
                    if result.fetched:
                        log.info("ingested %s mails: %s", result.fetched, result.outcomes)
                    self._wait_for_mail(client)
            except NETWORK_ERRORS as exc:
                log.warning("mailbox error: %s; reconnecting in %.0f s", exc, delay)
                self._touch(error=str(exc) or type(exc).__name__)
                self.stop.wait(delay)
                delay = min(delay * 2, 300.0)
            finally:
                if client is not None:
                    _logout(client)

    def _wait_for_mail(self, client: IMAPClient) -> None:
        deadline = time.monotonic() + self.settings.poll_seconds
        if not client.has_capability("IDLE"):
            self.stop.wait(self.settings.poll_seconds)
            return
        client.idle()
        try:
            while not self.stop.is_set() and time.monotonic() < deadline:
                if client.idle_check(timeout=1):
                    break
        finally:
            client.idle_done()


def _logout(client: IMAPClient) -> None:
    try:
        client.logout()
    except Exception:  # the connection may already be gone
        with contextlib.suppress(Exception):
            client.shutdown()
