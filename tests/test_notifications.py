"""Notification mail to staff, end to end: the web and mail write paths queue it, the
outbox sends it through the real SMTP server, and each user's profile choices hold."""

from __future__ import annotations

import email
from datetime import datetime, timedelta
from email import policy
from email.message import EmailMessage

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.models import Message, OutboxMail, Ticket, User, utcnow
from tests.factories import make_user
from tests.ingest_helpers import ingest
from tests.mailfactory import make_mail
from tests.outbox_helpers import send_now
from tests.test_api_policy import bearer
from tests.test_api_tickets import token_for
from tests.test_replies import _ticket
from tests.test_web import csrf_token, login

CUSTOMER = "alice@example.com"
HOLD = timedelta(seconds=180)  # NOTIFY_GROUP_SECONDS


def later() -> datetime:
    """A moment after every notification queued so far has been held long enough."""
    return utcnow() + HOLD + timedelta(seconds=1)


def _assign(client: FlaskClient, ticket: Ticket, user: User) -> None:
    data = {
        "csrf_token": csrf_token(client, f"/tickets/{ticket.number}"),
        "assignee_id": str(user.id),
        "status": ticket.status,
        "priority": ticket.priority,
        "category": ticket.category,
        "order_number": ticket.order_number or "",
    }
    response = client.post(f"/tickets/{ticket.number}/update", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)


def _admin_assigns_a_ticket(session: Session, client: FlaskClient) -> tuple[User, User, Ticket]:
    """An admin, signed in on `client`, assigns a new customer ticket to a new agent."""
    admin, agent = make_user(session, "admin"), make_user(session)
    ticket = _ticket(session)
    login(client, admin.email)
    _assign(client, ticket, agent)
    return admin, agent, ticket


def _customer_writes(session: Session, text: str, message_id: str = "m2@example.com") -> None:
    session.rollback()  # on SQLite, a read begun before the web app wrote could not write
    ingest(
        session,
        make_mail(
            subject="Re: Return request",
            sender=("Alice Smith", CUSTOMER),
            body=text,
            message_id=message_id,
            in_reply_to="m1@example.com",
        ),
    )


def _delivered(
    session: Session, smtp, now: datetime | None = None
) -> dict[str, list[EmailMessage]]:  # type: ignore[no-untyped-def]
    """Send everything queued (held notifications too, unless `now` says otherwise); the
    mails the SMTP server received so far, by envelope recipient."""
    session.rollback()  # see what the web app committed
    now = now or later()
    queued = (
        session.query(OutboxMail)
        .filter(OutboxMail.status == "queued", OutboxMail.next_attempt_at <= now)
        .count()
    )
    assert send_now(session, now)["sent"] == queued
    by_rcpt: dict[str, list[EmailMessage]] = {}
    for _from, rcpts, raw in smtp.envelopes:
        mail = email.message_from_bytes(raw, policy=policy.default)
        for rcpt in rcpts:
            by_rcpt.setdefault(rcpt, []).append(mail)  # type: ignore[arg-type]
    return by_rcpt


def _body(mail: EmailMessage) -> str:
    return str(mail.get_content()).replace("\r\n", "\n")


def test_assignment_by_an_admin_reaches_the_agent(
    session: Session,
    client: FlaskClient,
    smtp,  # type: ignore[no-untyped-def]
) -> None:
    admin, agent, ticket = _admin_assigns_a_ticket(session, client)
    sent = _delivered(session, smtp)
    (mail,) = sent[agent.email]
    (sender,) = mail["From"].addresses
    assert sender.addr_spec == "support@procase.com"
    assert mail["Auto-Submitted"] == "auto-generated"
    assert f"[#{ticket.number}]" not in mail["Subject"]  # an answer must not thread in
    assert f"#{ticket.number}" in mail["Subject"]
    assert mail["Message-ID"].endswith("@notify.helpdesk.procase.com>")
    body = _body(mail)
    assert f"{admin.name} assigned you #{ticket.number}." in body
    assert f"http://helpdesk.test/tickets/{ticket.number}\n" in body
    assert [m["Subject"] for m in sent[CUSTOMER]] == [  # the customer got their ack only
        m.subject for m in session.scalars(select(OutboxMail).where(OutboxMail.kind == "ack"))
    ]


def test_the_customers_reply_reaches_the_agent_not_the_customer(
    session: Session,
    client: FlaskClient,
    smtp,  # type: ignore[no-untyped-def]
) -> None:
    agent = make_user(session)
    ticket = _ticket(session)
    login(client, agent.email)
    _assign(client, ticket, agent)  # their own action: no mail
    _customer_writes(session, "Any news about my refund?\n")
    sent = _delivered(session, smtp)
    (mail,) = sent[agent.email]
    assert f"Alice Smith wrote on #{ticket.number}." in _body(mail)
    assert "assigned you" not in _body(mail)
    assert f"http://helpdesk.test/tickets/{ticket.number}" in _body(mail)
    assert all(m["Auto-Submitted"] is None or "wrote on" not in _body(m) for m in sent[CUSTOMER])
    assert set(sent) == {agent.email, CUSTOMER}
    assert len(sent[CUSTOMER]) == 1  # the acknowledgement of the first mail


def test_none_for_ones_own_assignment(
    session: Session,
    client: FlaskClient,
    smtp,  # type: ignore[no-untyped-def]
) -> None:
    agent = make_user(session)
    ticket = _ticket(session)
    login(client, agent.email)
    _assign(client, ticket, agent)
    session.rollback()
    assert session.scalars(select(OutboxMail).where(OutboxMail.kind == "notify")).all() == []
    assert agent.email not in _delivered(session, smtp)


def test_mail_within_a_burst_makes_one_notification(
    session: Session,
    client: FlaskClient,
    smtp,  # type: ignore[no-untyped-def]
) -> None:
    admin, agent, ticket = _admin_assigns_a_ticket(session, client)
    _customer_writes(session, "Any news?\n")
    _customer_writes(session, "Hello?\n", message_id="m3@example.com")
    (mail,) = _delivered(session, smtp)[agent.email]
    lines = _body(mail).split("\n\n")[0].splitlines()
    assert lines == [
        f"{admin.name} assigned you #{ticket.number}.",
        f"Alice Smith wrote on #{ticket.number}.",
        f"Alice Smith wrote on #{ticket.number}.",
    ]
    _customer_writes(session, "Still there?\n", message_id="m4@example.com")  # after sending
    assert len(_delivered(session, smtp)[agent.email]) == 2  # a new mail


def test_opting_out_on_the_profile_stops_them(
    session: Session,
    client: FlaskClient,
    smtp,  # type: ignore[no-untyped-def]
) -> None:
    admin, agent = make_user(session, "admin"), make_user(session)
    ticket = _ticket(session)
    login(client, agent.email)
    page = client.get("/profile").get_data(as_text=True)
    for name in ("notify_assigned", "notify_customer_wrote"):  # on by default
        assert f'<input checked id="{name}" name="{name}" type="checkbox" value="y">' in page
    response = client.post(
        "/profile/notifications", data={"csrf_token": csrf_token(client, "/profile")}
    )
    assert response.status_code == 302
    session.rollback()
    assert (agent.notify_assigned, agent.notify_customer_wrote) == (False, False)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/profile")})
    login(client, admin.email)
    _assign(client, ticket, agent)
    _customer_writes(session, "Any news?\n")
    assert agent.email not in _delivered(session, smtp)
    session.rollback()
    assert session.scalars(select(OutboxMail).where(OutboxMail.kind == "notify")).all() == []


def test_the_profile_form_needs_csrf(session: Session, client: FlaskClient) -> None:
    agent = make_user(session)
    login(client, agent.email)
    response = client.post("/profile/notifications", data={"notify_assigned": "y"})
    assert response.status_code == 400
    session.rollback()
    assert agent.notify_assigned and agent.notify_customer_wrote


def test_assignment_through_the_api_reaches_the_agent(
    session: Session,
    client: FlaskClient,
    smtp,  # type: ignore[no-untyped-def]
) -> None:
    agent = make_user(session)
    token = token_for(session, "manager")
    ticket = _ticket(session)
    response = client.patch(
        f"/api/v1/tickets/{ticket.number}", json={"assignee_id": agent.id}, headers=bearer(token)
    )
    assert response.status_code == 200, response.get_json()
    (mail,) = _delivered(session, smtp)[agent.email]
    assert f"assigned you #{ticket.number}." in _body(mail)


def test_events_within_the_hold_make_one_mail_and_later_ones_another(
    session: Session,
    client: FlaskClient,
    smtp,  # type: ignore[no-untyped-def]
) -> None:
    admin, agent, ticket = _admin_assigns_a_ticket(session, client)
    assert agent.email not in _delivered(session, smtp, now=utcnow())  # held
    _customer_writes(session, "Any news?\n")
    (mail,) = _delivered(session, smtp)[agent.email]  # the hold is over: one mail
    assert _body(mail).split("\n\n")[0].splitlines() == [
        f"{admin.name} assigned you #{ticket.number}.",
        f"Alice Smith wrote on #{ticket.number}.",
    ]
    _customer_writes(session, "Hello?\n", message_id="m3@example.com")
    second = _delivered(session, smtp)[agent.email]
    assert len(second) == 2
    assert _body(second[1]).split("\n\n")[0] == f"Alice Smith wrote on #{ticket.number}."


def test_two_customer_mails_in_one_batch_make_one_notification(
    session: Session,
    client: FlaskClient,
    smtp,  # type: ignore[no-untyped-def]
) -> None:
    from flask import current_app

    from helpdesk.categories import load_rules
    from mail_ingest.route import MailSource, ingest_batch
    from mail_ingest.settings import IngestSettings

    _admin, agent, ticket = _admin_assigns_a_ticket(session, client)
    assert agent.email in _delivered(session, smtp)  # the ack and the assignment: sent
    raws = [
        make_mail(
            subject="Re: Return request",
            sender=("Alice Smith", CUSTOMER),
            body=f"Mail {n}\n",
            message_id=f"batch{n}@example.com",
            in_reply_to="m1@example.com",
        )
        for n in (1, 2)
    ]
    source = [(MailSource("test@127.0.0.1:0/INBOX", 1, 900 + n), raw) for n, raw in enumerate(raws)]
    ingest_batch(
        session, source, IngestSettings.from_config(current_app.config), load_rules(session)
    )
    session.commit()
    mails = _delivered(session, smtp)[agent.email]
    assert len(mails) == 2  # the assignment's, then one for both mails
    assert _body(mails[1]).split("\n\n")[0].splitlines() == [
        f"Alice Smith wrote on #{ticket.number}.",
        f"Alice Smith wrote on #{ticket.number}.",
    ]


def test_an_agents_answer_to_a_notification_joins_and_opens_no_ticket(
    session: Session,
    client: FlaskClient,
    smtp,  # type: ignore[no-untyped-def]
) -> None:
    _admin, agent, ticket = _admin_assigns_a_ticket(session, client)
    (mail,) = _delivered(session, smtp)[agent.email]
    tickets_before = session.query(Ticket).count()
    messages_before = session.query(Message).count()
    record = ingest(
        session,
        make_mail(
            subject=f"Re: {mail['Subject']} [#{ticket.number}]",  # even with the token typed in
            sender=(agent.name, agent.email),
            body="Thanks, I'll take it.\n",
            in_reply_to=mail["Message-ID"],
            references=mail["Message-ID"],
        ),
    )
    assert (record.outcome, record.ticket_id) == ("ignored", None)
    assert record.reason == f"an answer to a notification to staff, from {agent.email}"
    session.expire_all()
    assert session.query(Ticket).count() == tickets_before
    assert session.query(Message).count() == messages_before
    assert session.query(OutboxMail).filter(OutboxMail.status == "queued").count() == 0
