"""The ingest pipeline on real databases, without IMAP: tickets, replies, dedupe, acks."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpdesk.models import FetchedMail, Message, OutboxMail, Ticket, TicketEvent
from helpdesk.outbox.services import MAX_SUBJECT
from tests.ingest_helpers import ingest
from tests.mailfactory import make_mail

CORPUS = Path(__file__).parent / "corpus"


def corpus(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def tickets(session: Session) -> list[Ticket]:
    return list(session.scalars(select(Ticket).order_by(Ticket.number)).unique())


@pytest.mark.parametrize(
    ("name", "category"),
    [
        ("wrong_item_subject.eml", "wrong_item"),
        ("wrong_item_no_photo.eml", "wrong_item"),
        ("forwarded_fwd_prefix.eml", "wrong_item"),
        ("warranty_stopped_working.eml", "warranty"),
        ("html_with_script.eml", "warranty"),
        ("return_refund_request.eml", "return"),
        ("shipping_where_is_my_order.eml", "shipping"),
        ("promotion_code_not_working.eml", "promotion"),
        ("partnership_youtube_reviewer.eml", "partnership"),
        ("general_question.eml", "general"),
        ("german_aw_prefix.eml", "general"),
    ],
)
def test_corpus_mail_becomes_categorized_ticket(session: Session, name: str, category: str) -> None:
    record = ingest(session, corpus(name))
    assert record.outcome == "ticket"
    ticket = session.get(Ticket, record.ticket_id)
    assert ticket is not None and ticket.category == category
    assert ticket.status == "new"


@pytest.mark.parametrize(
    ("name", "outcome"),
    [
        ("hostile_long_subject.eml", "ticket"),
        ("hostile_encoded_subject.eml", "ticket"),
        ("hostile_long_message_id.eml", "ticket"),
        ("hostile_long_from_address.eml", "quarantined"),
    ],
)
def test_corpus_mail_larger_than_columns_is_recorded(
    session: Session, name: str, outcome: str
) -> None:
    """Committed on PostgreSQL too: nothing is longer than its column."""
    record = ingest(session, corpus(name))
    assert record.outcome == outcome, record.reason
    for ack in session.scalars(select(OutboxMail)):
        assert len(ack.subject) <= MAX_SUBJECT


def test_new_ticket_is_acknowledged_once_with_token_and_threading(session: Session) -> None:
    raw = make_mail(
        subject="Where is my order?",
        message_id="q1@example.com",
        body="Order #123456 has not arrived.",
    )
    record = ingest(session, raw)
    ticket = session.get(Ticket, record.ticket_id)
    assert ticket.order_number == "123456"
    ack = session.scalars(select(OutboxMail)).one()
    assert ack.kind == "ack" and ack.status == "queued"
    assert ack.subject == f"[#{ticket.number}] Re: Where is my order?"
    assert ack.in_reply_to == "q1@example.com" and ack.references == "q1@example.com"
    assert ack.auto_submitted == "auto-replied"
    assert ack.to_address == "alice@example.com"
    assert "5-10 working days" in ack.text
    outbound = session.scalars(select(Message).where(Message.direction == "outbound")).one()
    assert outbound.message_id == ack.message_id and outbound.automatic


def test_wrong_item_ack_asks_for_photo_only_when_missing(app: Flask, session: Session) -> None:
    app.config["HELPDESK_ACK_MAX_AGE_HOURS"] = 0  # the corpus mails were written in 2024
    ingest(session, corpus("wrong_item_no_photo.eml"))
    ingest(session, corpus("wrong_item_subject.eml"))
    first, second = session.scalars(select(OutboxMail).order_by(OutboxMail.id)).all()
    assert "please reply with a photo" in first.text
    assert "Thank you for the photo" in second.text


def test_amazon_order_number_is_found(session: Session) -> None:
    record = ingest(session, corpus("return_refund_request.eml"))
    assert session.get(Ticket, record.ticket_id).order_number == "123-1234567-1234567"


def test_same_mail_twice_is_a_duplicate(session: Session) -> None:
    raw = make_mail(message_id="dup@example.com")
    first = ingest(session, raw, uid=1)
    second = ingest(session, raw, uid=2)
    assert (first.outcome, second.outcome) == ("ticket", "ignored")
    assert second.reason == "duplicate" and second.ticket_id == first.ticket_id
    assert len(tickets(session)) == 1
    assert session.scalar(select(func.count(Message.id)).where(Message.direction == "inbound")) == 1


def test_reused_message_id_with_other_bytes_is_new_content(session: Session) -> None:
    sent = datetime.now(UTC)  # one Date header: the same body must give the same bytes

    def mail(body: str) -> bytes:
        return make_mail(message_id="same@example.com", body=body, date=sent)

    ingest(session, mail("first"), uid=1)
    second = ingest(session, mail("second"), uid=2)
    third = ingest(session, mail("second"), uid=3)
    assert second.outcome == "ticket" and third.outcome == "ignored"
    assert len(tickets(session)) == 2


def test_missing_message_id_dedupes_by_bytes(session: Session) -> None:
    raw = corpus("missing_message_id.eml")
    assert ingest(session, raw, uid=1).outcome == "ticket"
    assert ingest(session, raw, uid=2).outcome == "ignored"


def _ack_of(session: Session, ticket_id: int) -> OutboxMail:
    return session.scalars(select(OutboxMail).where(OutboxMail.ticket_id == ticket_id)).one()


def test_reply_by_header_joins_ticket_and_reopens(session: Session) -> None:
    first = ingest(session, make_mail(subject="Wrong Item Received", message_id="w1@example.com"))
    ticket = session.get(Ticket, first.ticket_id)
    ticket.status = "pending"
    session.commit()
    ack = _ack_of(session, ticket.id)
    reply = make_mail(
        subject="Re: Something else entirely about a coupon code",
        in_reply_to=ack.message_id,
        references=["w1@example.com", ack.message_id],
    )
    record = ingest(session, reply)
    assert record.outcome == "reply" and record.ticket_id == ticket.id
    session.refresh(ticket)
    assert ticket.status == "open" and ticket.category == "wrong_item"
    event = session.scalars(select(TicketEvent).where(TicketEvent.kind == "status")).one()
    assert (event.old_value, event.new_value) == ("pending", "open")


def test_reply_by_token_joins_ticket(session: Session) -> None:
    first = ingest(session, make_mail(subject="Where is my order?"))
    number = session.get(Ticket, first.ticket_id).number
    record = ingest(session, make_mail(subject=f"Re: [#{number}] Where is my order?"))
    assert record.outcome == "reply" and record.ticket_id == first.ticket_id


def test_reply_from_stranger_opens_new_ticket_with_reason(session: Session) -> None:
    first = ingest(session, make_mail(subject="Where is my order?"))
    ack = _ack_of(session, first.ticket_id)
    spoof = make_mail(
        sender="mallory@evil.example", in_reply_to=ack.message_id, subject="Re: Where is my order?"
    )
    record = ingest(session, spoof)
    assert record.outcome == "ticket" and record.ticket_id != first.ticket_id
    created = session.scalars(
        select(TicketEvent).where(
            TicketEvent.ticket_id == record.ticket_id, TicketEvent.kind == "created"
        )
    ).one()
    assert "mallory@evil.example is not a participant" in created.detail


def test_cc_recipient_may_reply(session: Session) -> None:
    first = ingest(session, make_mail(headers={"Cc": "Bob <bob@example.com>"}))
    number = session.get(Ticket, first.ticket_id).number
    record = ingest(session, make_mail(sender="bob@example.com", subject=f"Re: [#{number}] hi"))
    assert record.outcome == "reply"


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "auto-replied"},
        {"Precedence": "bulk"},
        {"List-Id": "<deals.example.com>"},
        {"X-Auto-Response-Suppress": "All"},
    ],
)
def test_automatic_reply_is_recorded_without_reopen_or_ack(session: Session, headers: dict) -> None:
    first = ingest(session, make_mail(subject="Where is my order?"))
    ticket = session.get(Ticket, first.ticket_id)
    ticket.status = "solved"
    session.commit()
    record = ingest(
        session, make_mail(subject=f"Out of office: [#{ticket.number}]", headers=headers)
    )
    assert record.outcome == "reply"
    session.refresh(ticket)
    assert ticket.status == "solved"
    assert session.get(Message, record.message_pk).automatic
    assert session.scalar(select(func.count(OutboxMail.id))) == 1


def test_automatic_new_mail_is_not_acknowledged(session: Session) -> None:
    record = ingest(session, corpus("auto_precedence_bulk.eml"))
    assert record.outcome == "ticket"
    assert session.scalar(select(func.count(OutboxMail.id))) == 0


def test_mail_from_our_own_address_is_not_acknowledged(session: Session) -> None:
    ingest(session, make_mail(sender="support@procase.com"))
    assert session.scalar(select(func.count(OutboxMail.id))) == 0


def test_bounce_attaches_to_ticket_of_bounced_mail(session: Session) -> None:
    first = ingest(session, make_mail(subject="Where is my order?"))
    ack = _ack_of(session, first.ticket_id)
    raw = corpus("mailer_daemon_bounce.eml").replace(
        b"ack-1@helpdesk.procase.com", ack.message_id.encode()
    )
    record = ingest(session, raw)
    assert record.outcome == "reply" and record.ticket_id == first.ticket_id
    message = session.get(Message, record.message_pk)
    assert message.delivery_failure and message.automatic
    assert session.scalar(select(func.count(OutboxMail.id))) == 1


def test_acknowledgements_are_rate_limited_per_sender(session: Session) -> None:
    for n in range(5):
        ingest(session, make_mail(subject=f"Question {n}"))
    assert session.scalar(select(func.count(OutboxMail.id))) == 3
    assert len(tickets(session)) == 5


def test_unparseable_mail_is_quarantined(session: Session) -> None:
    record = ingest(session, b"\x00\x01\x02 not a mail at all")
    assert record.outcome == "quarantined" and record.reason.startswith("parse error")
    assert record.raw_sha256 is not None
    assert session.scalar(select(func.count(FetchedMail.id))) == 1


def test_a_person_waits_on_us_until_we_answer(session: Session) -> None:
    from helpdesk.tickets.services import add_message

    record = ingest(session, make_mail(subject="Where is my order?"))
    ticket = session.get(Ticket, record.ticket_id)
    assert ticket.waiting_since is not None  # the acknowledgement does not count as an answer
    add_message(session, ticket, direction="outbound", text="It ships today.")
    assert ticket.waiting_since is None
    auto = ingest(
        session,
        make_mail(subject=f"Auto: [#{ticket.number}]", headers={"Auto-Submitted": "auto-replied"}),
    )
    assert auto.outcome == "reply"
    session.refresh(ticket)
    assert ticket.waiting_since is None
