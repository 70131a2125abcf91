"""Out-of-office and other machine replies (issue 13): one that answers no ticket opens
none (recorded as ignored, shown on the mailbox health page); one that threads into a
ticket is added to it; relay and list mail still opens tickets."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpdesk.models import Customer, FetchedMail, Message, OutboxMail, Ticket
from mail_ingest.parse import parse_mail
from mail_ingest.rules import Context, machine_reply
from tests.admin_helpers import sign_in
from tests.ingest_helpers import ingest
from tests.mailfactory import make_mail
from tests.poller_helpers import make_poller

CORPUS = Path(__file__).parent / "corpus"
CTX = Context(frozenset({"support@procase.com"}), "helpdesk.procase.com")


def corpus(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def count(session: Session, model: type) -> int:
    session.rollback()  # see what the poller committed
    return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        (corpus("outlook_out_of_office.eml"), "out-of-office"),
        (corpus("gmail_vacation_reply.eml"), "auto-reply"),
        (corpus("auto_reply_ooo.eml"), "out-of-office"),
        (make_mail(headers={"X-Autoreply": "yes"}), "auto-reply"),
        (make_mail(headers={"X-Autorespond": "Thanks for your mail"}), "auto-reply"),
        (make_mail(headers={"Precedence": "auto_reply"}), "auto-reply"),
        (
            make_mail(
                subject="Réponse automatique : absent", headers={"Auto-Submitted": "auto-generated"}
            ),
            "out-of-office",
        ),
        # Not machine replies: a person, a list, a relay, Exchange's suppress header alone.
        (make_mail(subject="Out of office: can I return a case?"), None),
        (corpus("list_mail.eml"), None),
        (corpus("auto_precedence_bulk.eml"), None),
        (corpus("x_auto_response_suppress.eml"), None),
        (make_mail(headers={"Auto-Submitted": "no"}), None),
        (make_mail(headers={"X-Autoreply": "no"}), None),
        (make_mail(headers={"Auto-Submitted": "auto-generated"}), None),
    ],
)
def test_machine_reply_rules(raw: bytes, kind: str | None) -> None:
    mail = parse_mail(raw)
    assert mail is not None
    assert machine_reply(mail, CTX) == kind


def test_an_out_of_office_answering_nothing_opens_no_ticket(session: Session) -> None:
    record = ingest(session, corpus("outlook_out_of_office.eml"))
    assert record.outcome == "ignored"
    assert record.reason == "automatic: out-of-office, from henrik.olsen@contoso-retail.dk"
    assert record.ticket_id is None and record.message_pk is None
    assert record.raw_sha256  # the mail is kept
    for model in (Ticket, Customer, Message, OutboxMail):
        assert count(session, model) == 0, model


def test_list_mail_still_opens_a_ticket_without_an_acknowledgement(session: Session) -> None:
    record = ingest(session, corpus("list_mail.eml"))
    assert record.outcome == "ticket"
    assert count(session, OutboxMail) == 0


def test_an_out_of_office_answering_a_ticket_is_added_to_it(session: Session) -> None:
    first = ingest(session, make_mail(subject="Where is my order?", sender="henrik@example.dk"))
    ticket = session.get(Ticket, first.ticket_id)
    assert ticket is not None
    ticket.status = "solved"
    session.commit()
    raw = (
        corpus("outlook_out_of_office.eml")
        .replace(
            b"Your ProCase order 204771 has shipped",
            f"[#{ticket.number}] Where is my order?".encode(),
        )
        .replace(b"henrik.olsen@contoso-retail.dk", b"henrik@example.dk")
    )
    record = ingest(session, raw)
    assert record.outcome == "reply" and record.ticket_id == ticket.id
    message = session.get(Message, record.message_pk)
    assert message is not None and message.automatic
    session.refresh(ticket)
    assert ticket.status == "solved"  # not reopened
    assert count(session, OutboxMail) == 1  # the first mail's acknowledgement only


def test_through_the_imap_server_and_on_the_mailbox_page(
    app: Flask, client: FlaskClient, session: Session, imap_server
) -> None:  # type: ignore[no-untyped-def]
    imap_server.append(corpus("outlook_out_of_office.eml"))
    imap_server.append(corpus("gmail_vacation_reply.eml"))
    imap_server.append(make_mail(subject="Where is my order?", sender="dana@example.com"))
    result = make_poller(app, imap_server).run_once()
    assert result.outcomes == {"ignored": 2, "ticket": 1}
    assert count(session, Ticket) == 1 and count(session, OutboxMail) == 1
    reasons = sorted(
        session.scalars(select(FetchedMail.reason).where(FetchedMail.ticket_id.is_(None)))
    )
    assert reasons == [
        "automatic: auto-reply, from priya.raman.home@gmail.com",
        "automatic: out-of-office, from henrik.olsen@contoso-retail.dk",
    ]
    # Fetched again (say after a UIDVALIDITY change): still no ticket.
    assert make_poller(app, imap_server).run_once().fetched == 0

    sign_in(client, session)
    page = client.get("/admin/mailbox").get_data(as_text=True)
    section = page[page.index("<h2>Automatic replies</h2>") : page.index("<h2>Outbox</h2>")]
    assert "open none: 2 today" in section
    assert "Out-of-office, from henrik.olsen@contoso-retail.dk" in section
    assert "Auto-reply, from priya.raman.home@gmail.com" in section
    ids = session.scalars(select(FetchedMail.id).where(FetchedMail.ticket_id.is_(None))).all()
    for record_id in ids:
        assert f'href="/admin/quarantine/{record_id}"' in section
        source = client.get(f"/admin/quarantine/{record_id}").get_data(as_text=True)
        assert "Auto-Submitted" in source
