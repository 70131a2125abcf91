"""What a batch of mails needs from the database, fetched once for the whole batch.

Routing a mail asks: was this content ingested before, which ticket does this
Message-ID or [#number] belong to, who is this customer, how many acknowledgements
did this address get this hour. An `IngestBatch` answers from a few queries made
up front for every mail in the batch, and remembers what the batch itself adds,
so the batch's new rows can be inserted together in one flush at the end.
"""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpdesk.blobs import store_blobs
from helpdesk.blocklist import load_blocked
from helpdesk.categories import ticket_token
from helpdesk.models import Customer, Direction, FetchedMail, Message, OutboxMail, Ticket, utcnow
from helpdesk.tickets.merge import final_ticket
from helpdesk.tickets.services import get_or_create_customer, reserve_ticket_numbers
from mail_ingest.parse import ParsedMail, sha256_hex

MAX_THREAD_IDS = 100


MAX_CONTENT_KEY = 1000  # fetched_mail.content_key, in UTF-8 bytes too (a unique index)


def content_keys(message_id: str | None, sha: str) -> tuple[str, str | None]:
    """(the sha key, the Message-ID key as stored, or None).

    A Message-ID too long for the column is keyed by its hash ("mid#<sha256>")."""
    if not message_id:
        return f"sha:{sha}", None
    key = f"mid:{message_id}"
    if len(key.encode("utf-8", "replace")) > MAX_CONTENT_KEY:
        key = f"mid#{sha256_hex(message_id.encode('utf-8', 'replace'))}"
    return f"sha:{sha}", key


def thread_ids(mail: ParsedMail) -> list[str]:
    ids = list(mail.bounced_message_ids) if mail.is_delivery_report else []
    return (ids + list(mail.in_reply_to) + list(mail.references))[:MAX_THREAD_IDS]


def _name(known: dict[str, set[str]], recipients: str | None, direction: str) -> None:
    """Note that a message of `direction` went to `recipients` (comma-separated): internal
    mail (a forward and its answers) names FORWARD, any other the conversation."""
    internal = direction in (Direction.FORWARD, Direction.FWD_REPLY)
    kind = Direction.FORWARD if internal else "conversation"
    for address in (recipients or "").split(","):
        if address:
            known.setdefault(address, set()).add(kind)


class IngestBatch:
    def __init__(self, session: Session, mailbox: str) -> None:
        self.session = session
        self.mailbox = mailbox
        self.content: dict[str, FetchedMail] = {}
        # Message-ID -> (its message's order, ticket): the newest message wins.
        self.ticket_by_message_id: dict[str, tuple[int, Ticket]] = {}
        self._order = 10**15  # messages the batch adds come after every stored one
        self.ticket_by_number: dict[int, Ticket] = {}
        self.customers: dict[str, Customer] = {}
        self.acks: Tally[str] = Tally()
        self.blobs: dict[str, bytes] = {}
        # By id() of the ticket object: address -> the kinds of mail that named it.
        self.recipients: dict[int, dict[str, set[str]]] = {}
        self.expected_new = 0
        self._numbers: list[int] = []
        self.blocked: frozenset[str] = frozenset()  # the blocklist entries for these senders

    @classmethod
    def prefetch(
        cls, session: Session, mailbox: str, mails: Iterable[tuple[ParsedMail, str]]
    ) -> IngestBatch:
        """Load what routing these (parsed mail, sha256) pairs will ask about."""
        batch = cls(session, mailbox)
        mails = list(mails)
        keys: set[str] = set()
        ids: set[str] = set()
        numbers: set[int] = set()
        senders: set[str] = set()
        for mail, sha in mails:
            keys.update(k for k in content_keys(mail.message_id, sha) if k)
            ids.update(thread_ids(mail))
            if (number := ticket_token(mail.subject)) is not None:
                numbers.add(number)
            for address in (mail.from_address, mail.return_path, *mail.reply_to):
                if address:
                    senders.add(address.strip().lower())
        batch._load(keys, ids, numbers, senders)
        batch.blocked = load_blocked(session, (m.from_address or m.return_path for m, _ in mails))
        batch.expected_new = batch._count_likely_new(mails)
        return batch

    def _count_likely_new(self, mails: list[tuple[ParsedMail, str]]) -> int:
        """Mails that look like new tickets: not seen before, no thread or token we know."""
        seen: set[str] = set()
        count = 0
        for mail, sha in mails:
            keys = {k for k in content_keys(mail.message_id, sha) if k}
            if keys & (seen | self.content.keys()):
                continue
            seen |= keys
            if not any(i in self.ticket_by_message_id for i in thread_ids(mail)) and (
                ticket_token(mail.subject) not in self.ticket_by_number
            ):
                count += 1
        return count

    def _load(self, keys: set[str], ids: set[str], numbers: set[int], senders: set[str]) -> None:
        s = self.session
        if keys:
            for row in s.scalars(
                select(FetchedMail).where(
                    FetchedMail.mailbox == self.mailbox, FetchedMail.content_key.in_(keys)
                )
            ):
                if row.content_key is not None:  # always: selected by key
                    self.content[row.content_key] = row
        if ids:
            for message_pk, message_id, ticket in s.execute(
                select(Message.id, Message.message_id, Ticket)
                .join(Ticket, Ticket.id == Message.ticket_id)
                .where(Message.message_id.in_(ids))
            ).unique():
                if message_id is not None:  # always: selected by Message-ID
                    self._remember_id(message_id, message_pk, ticket)
        if numbers:  # a merged ticket's [#N] is the ticket it was merged into
            for ticket in s.scalars(select(Ticket).where(Ticket.number.in_(numbers))).unique():
                self.ticket_by_number[ticket.number] = final_ticket(ticket)
        if senders:
            for customer in s.scalars(select(Customer).where(Customer.email.in_(senders))):
                self.customers[customer.email] = customer
            since = utcnow() - timedelta(hours=1)
            for address, count in s.execute(
                select(OutboxMail.to_address, func.count())
                .where(
                    OutboxMail.to_address.in_(senders),
                    OutboxMail.kind == "ack",
                    OutboxMail.created_at >= since,
                )
                .group_by(OutboxMail.to_address)
            ):
                self.acks[address] = count

    # -- questions routing asks ----------------------------------------------------------------

    def find_content(self, message_id: str | None, sha: str) -> tuple[FetchedMail | None, str]:
        """(the record that already ingested these bytes, else None; the content key to use).

        The key is `mid:` unless that Message-ID was already used by other bytes, then `sha:`.
        """
        sha_key, mid_key = content_keys(message_id, sha)
        if sha_key in self.content:
            return self.content[sha_key], sha_key
        if mid_key is None:
            return None, sha_key
        earlier = self.content.get(mid_key)
        if earlier is None:
            return None, mid_key
        return (earlier, sha_key) if earlier.sha256 == sha else (None, sha_key)

    def ticket_for(self, mail: ParsedMail) -> Ticket | None:
        """The ticket of the newest stored message this mail refers to, else of its token."""
        found = [
            self.ticket_by_message_id[i] for i in thread_ids(mail) if i in self.ticket_by_message_id
        ]
        if found:
            return max(found, key=lambda pair: pair[0])[1]
        number = ticket_token(mail.subject)
        return self.ticket_by_number.get(number) if number is not None else None

    def customer(self, email: str, name: str) -> Customer:
        return get_or_create_customer(self.session, email, name, known=self.customers)

    def is_participant(self, ticket: Ticket, address: str | None) -> bool:
        """The ticket's customer, a recipient of one of its messages, or the sender of a
        customer mail on it (another customer's ticket merged into it)."""
        if not address:
            return False
        return ticket.customer.email == address or address in self._recipients(ticket)

    def is_forwarded_party(self, ticket: Ticket, address: str | None) -> bool:
        """Someone the ticket was forwarded to, and never in its customer's conversation:
        their mail is internal (Direction.FWD_REPLY)."""
        if not address or ticket.customer.email == address:
            return False
        return self._recipients(ticket).get(address) == {Direction.FORWARD}

    def _recipients(self, ticket: Ticket) -> dict[str, set[str]]:
        """Each address the ticket's messages went to -> the kinds of mail that named it
        (FORWARD for internal mail, "conversation" for the customer's; notes name nobody)."""
        key = id(ticket)
        if key not in self.recipients:
            known: dict[str, set[str]] = {}
            if ticket.id is not None:
                rows = self.session.execute(
                    select(Message.recipients, Message.sender, Message.direction).where(
                        Message.ticket_id == ticket.id
                    )
                )
                for recipients, sender, direction in rows:
                    _name(known, recipients, direction)
                    if direction == Direction.INBOUND and sender:  # a merged ticket's customer
                        known.setdefault(sender, set()).add("conversation")
            self.recipients[key] = known
        return self.recipients[key]

    def may_acknowledge(self, address: str, per_hour: int) -> bool:
        return self.acks[address.strip().lower()] < per_hour

    # -- what the batch adds -------------------------------------------------------------------

    def remember_content(self, record: FetchedMail) -> None:
        if record.content_key:
            self.content[record.content_key] = record

    def _remember_id(self, message_id: str, order: int, ticket: Ticket) -> None:
        known = self.ticket_by_message_id.get(message_id)
        if known is None or known[0] < order:
            self.ticket_by_message_id[message_id] = (order, ticket)

    def remember_message(self, ticket: Ticket, message: Message) -> None:
        self._order += 1
        if message.message_id:
            self._remember_id(message.message_id, self._order, ticket)
        _name(self._recipients(ticket), message.recipients, message.direction)

    def remember_ticket(self, ticket: Ticket) -> None:
        self.ticket_by_number[ticket.number] = ticket

    def take_number(self) -> int:
        """The next ticket number, from a block reserved for the batch's likely new tickets
        (one statement per batch; a wrong guess costs another statement or a gap)."""
        if not self._numbers:
            self._numbers = list(reserve_ticket_numbers(self.session, max(self.expected_new, 1)))
        self.expected_new -= 1
        return self._numbers.pop(0)

    def count_ack(self, address: str) -> None:
        self.acks[address.strip().lower()] += 1

    def blob(self, sha: str, data: bytes) -> str:
        self.blobs.setdefault(sha, data)
        return sha

    def finish(self) -> None:
        """Write the batch: blobs first (rows refer to them), then every pending object."""
        with self.session.no_autoflush:
            store_blobs(self.session, self.blobs)
        self.blobs.clear()
        self.session.flush()
