"""Nothing stops intake: mail larger than any column, and mail whose records the database
refuses, through the real poller and IMAP server. Each hostile mail is followed by a normal
one that must become a ticket in the same run. Run these on PostgreSQL: SQLite enforces no
length."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from helpdesk.acks import ack_subject
from helpdesk.models import (
    Attachment,
    Customer,
    FetchedMail,
    MailboxCursor,
    Message,
    OutboxMail,
    Ticket,
)
from helpdesk.outbox.services import MAX_SUBJECT, with_token
from mail_ingest.quarantine import record_quarantine
from mail_ingest.route import MAX_REASON, MailSource
from tests import hostile_mails as hostile
from tests.admin_helpers import post, sign_in
from tests.ingest_helpers import ingest
from tests.mailfactory import make_mail
from tests.poller_helpers import cli_env, make_poller, run_cli

NORMAL_SUBJECT = "Where is my order?"


def normal() -> bytes:
    return make_mail(subject=NORMAL_SUBJECT, sender="norma@example.com", message_id="n@example.com")


def record_of(session: Session) -> FetchedMail:
    """The record of the first mail of the run."""
    session.rollback()
    return session.scalars(select(FetchedMail).order_by(FetchedMail.uid)).first()


def quarantine_mail(session: Session, raw: bytes, reason: str) -> FetchedMail:
    record = record_quarantine(session, MailSource("test", 1, 1), raw, reason, len(raw))
    session.commit()
    return record


def ticket_of(session: Session, record: FetchedMail) -> Ticket:
    assert record.outcome == "ticket", record.reason
    return session.get(Ticket, record.ticket_id)


def inbound(session: Session, ticket: Ticket) -> Message:
    return session.scalars(
        select(Message).where(Message.ticket_id == ticket.id, Message.direction == "inbound")
    ).one()


def assert_normal_mail_is_a_ticket(session: Session) -> None:
    ticket = session.scalars(select(Ticket).where(Ticket.subject == NORMAL_SUBJECT)).one()
    assert ticket.customer.email == "norma@example.com"
    cursor = session.scalars(select(MailboxCursor)).one()
    assert cursor.last_uid == 2


def check_long_subject(session: Session, record: FetchedMail) -> None:
    ticket = ticket_of(session, record)
    assert ticket.subject == hostile.subject_text() == inbound(session, ticket).subject
    ack = session.scalars(select(OutboxMail).where(OutboxMail.ticket_id == ticket.id)).one()
    assert len(ack.subject) == MAX_SUBJECT and ack.subject.endswith("…")
    assert ack.subject.startswith(f"[#{ticket.number}] Re: word0000 word0001")


def check_encoded_subject(session: Session, record: FetchedMail) -> None:
    ticket = ticket_of(session, record)
    assert ticket.subject == hostile.encoded_subject_text() and len(ticket.subject) == 3000
    ack = session.scalars(select(OutboxMail).where(OutboxMail.ticket_id == ticket.id)).one()
    assert len(ack.subject) <= MAX_SUBJECT


def check_no_sender(session: Session, record: FetchedMail) -> None:
    assert record.outcome == "quarantined" and record.raw_sha256
    assert "longer than RFC 5321 allows" in record.reason
    assert session.scalars(select(Customer).where(Customer.email.like("aaaa%"))).all() == []


def check_long_name(session: Session, record: FetchedMail) -> None:
    ticket = ticket_of(session, record)
    assert len(ticket.customer.name) == 5000 and ticket.customer.name.startswith("Maximilian")
    assert inbound(session, ticket).sender_name == ticket.customer.name


def check_message_id_dropped(session: Session, record: FetchedMail) -> None:
    ticket = ticket_of(session, record)
    assert record.message_id is None and inbound(session, ticket).message_id is None
    assert record.content_key.startswith("sha:")


def check_references(session: Session, record: FetchedMail) -> None:
    message = inbound(session, ticket_of(session, record))
    assert len(message.references.split()) == 600
    ack = session.scalars(select(OutboxMail).where(OutboxMail.ticket_id == record.ticket_id)).one()
    assert len(ack.references.split()) == 20


def check_recipients(session: Session, record: FetchedMail) -> None:
    message = inbound(session, ticket_of(session, record))
    assert len(message.recipients.split(",")) == 5001


def check_filename(session: Session, record: FetchedMail) -> None:
    message = inbound(session, ticket_of(session, record))
    attachment = session.scalars(select(Attachment).where(Attachment.message_pk == message.id))
    name = attachment.one().filename
    assert len(name) == 150 and name.endswith(".jpg")


HOSTILE: dict[str, tuple[Callable[[], bytes], Callable[[Session, FetchedMail], None]]] = {
    "subject of 990 characters": (hostile.long_subject, check_long_subject),
    "subject of 3,000 characters, encoded": (hostile.encoded_subject, check_encoded_subject),
    "From address of 300 characters": (hostile.long_from_address, check_no_sender),
    "From local part of 65 characters": (hostile.long_local_part, check_no_sender),
    "From name of 5,000 characters": (hostile.long_from_name, check_long_name),
    "Message-ID of 1,500 characters": (hostile.long_message_id, check_message_id_dropped),
    "Message-ID of 2,700 bytes": (hostile.wide_message_id, check_message_id_dropped),
    "600 References": (hostile.many_references, check_references),
    "5,000 To and Cc addresses": (hostile.many_recipients, check_recipients),
    "attachment filename of 1,200 characters": (hostile.long_filename, check_filename),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_mail_is_recorded_and_the_next_becomes_a_ticket(
    app: Flask, session: Session, imap_server, case: str
) -> None:  # type: ignore[no-untyped-def]
    build, check = HOSTILE[case]
    imap_server.append_many([build(), normal()])
    result = make_poller(app, imap_server).run_once()
    assert result.fetched == 2
    check(session, record_of(session))
    assert_normal_mail_is_a_ticket(session)


# -- the database refuses a mail's records -----------------------------------------------------

POISON = "poison"


@contextmanager
def refusing(session: Session, error: str, times: int = 10**9) -> Iterator[None]:
    """A real trigger in the database refusing to insert the message of an incoming mail
    whose subject holds POISON: with this error on PostgreSQL (`times` times), with
    SQLite's RAISE(ABORT) (a constraint error) there."""
    pg = session.get_bind().dialect.name == "postgresql"
    poisoned = f"NEW.direction = 'inbound' AND NEW.subject LIKE '%{POISON}%'"
    if pg:
        session.execute(text("CREATE SEQUENCE hostile_refusals"))
        session.execute(
            text(
                "CREATE FUNCTION hostile_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"IF {poisoned} THEN IF nextval('hostile_refusals') <= {times} THEN "
                f"RAISE EXCEPTION '%', {error}; END IF; END IF; RETURN NEW; END $$"
            )
        )
        session.execute(
            text(
                "CREATE TRIGGER hostile_refuse BEFORE INSERT ON message "
                "FOR EACH ROW EXECUTE FUNCTION hostile_refuse()"
            )
        )
    else:
        session.execute(
            text(
                "CREATE TRIGGER hostile_refuse BEFORE INSERT ON message "
                f"WHEN {poisoned} "
                "BEGIN SELECT RAISE(ABORT, 'refused by a test trigger'); END"
            )
        )
    session.commit()
    try:
        yield
    finally:
        session.rollback()
        session.execute(text("DROP TRIGGER hostile_refuse" + (" ON message" if pg else "")))
        if pg:
            session.execute(text("DROP FUNCTION hostile_refuse()"))
            session.execute(text("DROP SEQUENCE hostile_refusals"))
        session.commit()


# Errors of every kind the driver has (by SQLSTATE): string data right truncation,
# check violation, an exception raised in PL/pgSQL (with a message far longer than a
# quarantine reason, over several lines), an internal error, a cancelled statement.
PG_ERRORS = {
    "DataError": "'value too long' USING ERRCODE = '22001'",
    "IntegrityError": "'check violated' USING ERRCODE = '23514'",
    "ProgrammingError": "'refused ' || repeat('x', 10000) || chr(10) || 'and more'",
    "InternalError": "'internal' USING ERRCODE = 'XX000'",
    "OperationalError": "'cancelled' USING ERRCODE = '57014'",
}


@pytest.fixture(params=list(PG_ERRORS))
def refusing_db(request, session: Session) -> Iterator[str]:  # type: ignore[no-untyped-def]
    kind = request.param
    if session.get_bind().dialect.name != "postgresql" and kind != "IntegrityError":
        pytest.skip("SQLite's triggers raise constraint errors only")
    with refusing(session, PG_ERRORS[kind]):
        yield kind


def test_mail_the_database_refuses_is_quarantined_and_the_next_ingested(
    app: Flask, session: Session, imap_server, refusing_db: str
) -> None:  # type: ignore[no-untyped-def]
    poison = make_mail(subject=f"A {POISON} mail", message_id="poison@example.com")
    imap_server.append_many([poison, normal()])
    result = make_poller(app, imap_server).run_once()
    assert result.outcomes == {"quarantined": 1, "ticket": 1}
    record = record_of(session)
    assert record.outcome == "quarantined" and record.raw_sha256 and record.ticket_id is None
    assert record.reason.startswith(f"could not be written: {refusing_db}")
    assert len(record.reason) <= MAX_REASON and "\n" not in record.reason
    assert "and more" not in record.reason  # the first line of the message only
    assert "INSERT" not in record.reason  # the database's message, not the statement
    assert_normal_mail_is_a_ticket(session)
    assert session.scalars(select(Message).where(Message.subject.like("%poison%"))).all() == []


def test_ingest_once_exits_0_past_a_mail_the_database_refuses(
    app: Flask, session: Session, imap_server
) -> None:  # type: ignore[no-untyped-def]
    poison = make_mail(subject=f"A {POISON} mail", message_id="poison@example.com")
    imap_server.append_many([poison, normal()])
    with refusing(session, PG_ERRORS["IntegrityError"]):
        done = run_cli(["ingest", "--once"], cli_env(app, imap_server))
        assert done.returncode == 0, done.stderr
        assert "quarantined 1, ticket 1" in done.stdout
        again = run_cli(["ingest", "--once"], cli_env(app, imap_server))
        assert again.returncode == 0 and "Fetched 0 mails" in again.stdout
        record = record_of(session)
        refused = run_cli(["quarantine", "reprocess", str(record.id)], cli_env(app, imap_server))
        assert refused.returncode == 1 and "Traceback" not in refused.stderr
        assert "the database refused" in refused.stderr and record_of(session).id == record.id
    assert_normal_mail_is_a_ticket(session)
    # Once the database takes it, an admin's reprocess makes it a ticket.
    done = run_cli(["quarantine", "reprocess", str(record.id)], cli_env(app, imap_server))
    assert done.returncode == 0 and "ticket" in done.stdout, done.stderr


def test_admin_reprocess_the_database_refuses_says_so(
    client: FlaskClient, session: Session
) -> None:
    poison = make_mail(subject=f"A {POISON} mail", message_id="poison@example.com")
    with refusing(session, PG_ERRORS["IntegrityError"]):
        record = quarantine_mail(session, poison, "could not be written: a test")
        sign_in(client, session)
        url = f"/admin/quarantine/{record.id}/reprocess"
        response = post(client, url, follow_redirects=True)
        assert response.status_code == 200
        assert "was not reprocessed: the database refused" in response.get_data(as_text=True)
    assert record_of(session).outcome == "quarantined"


def test_a_passing_refusal_is_tried_again_not_quarantined(
    app: Flask, session: Session, imap_server
) -> None:  # type: ignore[no-untyped-def]
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("counts refusals with a PostgreSQL sequence")
    poison = make_mail(subject=f"A {POISON} mail", message_id="poison@example.com")
    imap_server.append_many([poison, normal()])
    # Refused in the batch and when first tried alone; the second try alone passes.
    with refusing(session, PG_ERRORS["DataError"], times=2):
        result = make_poller(app, imap_server).run_once()
    assert result.outcomes == {"ticket": 2}
    assert_normal_mail_is_a_ticket(session)


def test_subjects_we_send_are_bounded_and_keep_the_token() -> None:
    assert with_token("Where is my order?", 1001) == "[#1001] Where is my order?"
    assert with_token("Re: [#1001] Where", 1001) == "Re: [#1001] Where"
    long = with_token(ack_subject("x" * 3000), 1001)
    assert len(long) == MAX_SUBJECT and long.startswith("[#1001] Re: xxx") and long[-1] == "…"
    assert with_token(long, 1001) == long  # bounded once, the same when queued again
    late = with_token("y" * 400 + " [#1001]", 1001)  # a token that would be cut off
    assert late.startswith("[#1001] yyy") and len(late) == MAX_SUBJECT


def test_pages_show_whole_subjects_and_names(client: FlaskClient, session: Session) -> None:
    for raw in (hostile.encoded_subject(), hostile.long_from_name(), hostile.many_recipients()):
        assert ingest(session, raw).outcome == "ticket"
    sign_in(client, session, "agent")
    for number in (1001, 1002, 1003):
        page = client.get(f"/tickets/{number}")
        assert page.status_code == 200
    assert hostile.encoded_subject_text() in client.get("/tickets/1001").get_data(as_text=True)
    queue = client.get("/?view=all")
    assert queue.status_code == 200 and "Maximilian" in queue.get_data(as_text=True)
