"""Merge and split (issue 11): through the real IMAP and SMTP servers, the API, the ticket
page, the queue's bulk merge and the reports; SQLite and PostgreSQL."""

from __future__ import annotations

import email
import json
from datetime import date, timedelta
from email import policy
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.models import (
    AuditEvent,
    FetchedMail,
    Message,
    OutboxMail,
    Ticket,
    TicketEvent,
    utcnow,
)
from helpdesk.reports.activity import activity
from helpdesk.reports.backlog import backlog
from helpdesk.tickets.merge import merge_ticket
from helpdesk.tickets.queue import QueueParams, fetch_page
from helpdesk.tickets.services import add_message, change_status
from tests.factories import make_customer, make_ticket, make_user
from tests.ingest_helpers import ingest
from tests.mailfactory import make_mail
from tests.outbox_helpers import send_now
from tests.poller_helpers import make_poller
from tests.test_api_policy import bearer
from tests.test_api_tickets import fresh, token_for
from tests.test_web import csrf_token, login

API = "/api/v1"


def by_number(session: Session, number: int) -> Ticket:
    return fresh(session, number)


def two_mail_tickets(session: Session) -> tuple[Ticket, Ticket]:
    """Alice writes twice instead of replying: #1001 and #1002, each acknowledged."""
    ingest(session, make_mail(subject="Case cracked", message_id="a1@example.com"))
    ingest(session, make_mail(subject="Case cracked again", message_id="b1@example.com"))
    return by_number(session, 1001), by_number(session, 1002)


def merge_api(client: FlaskClient, token: str, number: int, **body: Any) -> Any:
    return client.post(f"{API}/tickets/{number}/merge", json=body, headers=bearer(token))


def ticket_messages(session: Session, ticket: Ticket) -> list[Message]:
    return list(
        session.scalars(
            select(Message)
            .where(Message.ticket_id == ticket.id)
            .order_by(Message.created_at, Message.id)
        )
    )


# -- threading: through the real servers -----------------------------------------------------


def test_a_reply_to_the_merged_tickets_acknowledgement_lands_on_the_ticket_it_went_into(
    app: Flask, client: FlaskClient, session: Session, imap_server: Any, smtp: Any
) -> None:
    imap_server.append_many(
        [
            make_mail(subject="Case cracked", message_id="a1@example.com"),
            make_mail(subject="My case again", message_id="b1@example.com"),
        ]
    )
    assert make_poller(app, imap_server).run_once().outcomes == {"ticket": 2}
    assert send_now(session)["sent"] == 2
    acks = [email.message_from_bytes(raw, policy=policy.default) for raw in smtp.wait_for(2)]
    b_ack = next(m for m in acks if "[#1002]" in m["Subject"])
    token = token_for(session)
    assert merge_api(client, token, 1002, into=1001).status_code == 200

    reply = make_mail(
        subject=f"Re: {b_ack['Subject']}",
        message_id="b2@example.com",
        in_reply_to=b_ack["Message-ID"],
        references=[b_ack["Message-ID"]],
        body="Here is the photo you asked for.",
    )
    by_token = make_mail(subject="[#1002] one more thing", message_id="b3@example.com")
    imap_server.append_many([reply, by_token])
    assert make_poller(app, imap_server).run_once().outcomes == {"reply": 2}

    a, b = by_number(session, 1001), by_number(session, 1002)
    texts = [m.message_id for m in ticket_messages(session, a)]
    assert "b2@example.com" in texts and "b3@example.com" in texts
    assert ticket_messages(session, b) == []
    records = session.scalars(
        select(FetchedMail).where(FetchedMail.message_id.in_(["b2@example.com", "b3@example.com"]))
    ).all()
    assert {r.ticket_id for r in records} == {a.id}
    assert a.status == "new" and a.waiting_since is not None
    assert b.status == "closed" and b.merged_into_id == a.id


# -- the merge itself ------------------------------------------------------------------------


def test_merge_moves_everything_in_time_order_and_records_it_in_both_histories(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    a, b = two_mail_tickets(session)
    agent = make_user(session)
    add_message(session, b, direction="note", text="Called the warehouse", author_id=agent.id)
    ingest(
        session,
        make_mail(subject="Re: [#1001] Case cracked", in_reply_to="a1@example.com", body="Later"),
    )
    session.commit()
    token = token_for(session, user=agent)
    response = merge_api(client, token, 1002, into=1001)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["merged_into"] == 1001 and response.get_json()["number"] == 1002

    a, b = by_number(session, 1001), by_number(session, 1002)
    messages = ticket_messages(session, a)
    assert [m.message_id or m.text for m in messages] == [
        "a1@example.com",
        messages[1].message_id,  # A's acknowledgement
        "b1@example.com",
        messages[3].message_id,  # B's acknowledgement
        "Called the warehouse",
        messages[5].message_id,  # A's later mail
    ]
    assert [m.created_at for m in messages] == sorted(m.created_at for m in messages)
    assert session.scalars(select(OutboxMail.ticket_id)).all() == [a.id, a.id]
    moved = session.scalars(select(TicketEvent).where(TicketEvent.merged_from_id == b.id)).all()
    assert {e.kind for e in moved} >= {"created"} and all(e.ticket_id == a.id for e in moved)
    for ticket in (a, b):
        (event,) = session.scalars(
            select(TicketEvent).where(
                TicketEvent.ticket_id == ticket.id, TicketEvent.kind == "merge"
            )
        )
        assert (event.old_value, event.new_value, event.actor_id) == ("1002", "1001", agent.id)
    (audit,) = session.scalars(select(AuditEvent).where(AuditEvent.action == "ticket.merge"))
    assert audit.target_id == "1002" and json.loads(audit.detail)["into"] == 1001

    detail = client.get(f"{API}/tickets/1002", headers=bearer(token)).get_json()
    assert (
        detail["merged_into"] == 1001 and detail["messages"] == [] and detail["status"] == "closed"
    )
    assert (
        client.get(f"{API}/tickets/1001", headers=bearer(token)).get_json()["merged_into"] is None
    )
    listed = client.get(f"{API}/tickets?view=all", headers=bearer(token)).get_json()["tickets"]
    assert [t["number"] for t in listed] == [1001]
    assert all(t["merged_into"] is None for t in listed)


def test_merging_refuses_itself_a_merged_ticket_and_another_customer_unless_confirmed(
    client: FlaskClient, session: Session
) -> None:
    two_mail_tickets(session)
    other = make_ticket(session, "Bob's case", customer=make_customer(session, "bob@example.com"))
    token = token_for(session)

    def refused(number: int, field: str | None, **body: Any) -> str:
        response = merge_api(client, token, number, **body)
        assert response.status_code == 400, response.get_json()
        assert response.get_json().get("field") == field
        return str(response.get_json()["error"])

    assert "itself" in refused(1001, "into", into=1001)
    assert "no ticket #999999" in refused(1001, "into", into=999999)
    assert "required" in refused(1001, "into")
    assert refused(1001, "into", into="1002") and refused(1001, "into", into=0)
    assert refused(1001, "other_customer", into=1002, other_customer="yes")
    assert refused(1001, "surprise", into=1002, surprise=True)
    assert "different customers" in refused(other.number, "other_customer", into=1001)
    assert merge_api(client, token, 424242, into=1001).status_code == 404

    assert merge_api(client, token, 1002, into=1001).status_code == 200
    assert "merged into #1001" in refused(1002, None, into=1001)
    # Into a merged ticket: followed to where it went; and back into itself is refused.
    assert "itself" in refused(1001, "into", into=1002)
    confirmed = merge_api(client, token, other.number, into=1002, other_customer=True)
    assert confirmed.status_code == 200 and confirmed.get_json()["merged_into"] == 1001
    # A merged ticket takes no more work through the API.
    note = client.post(f"{API}/tickets/1002/notes", json={"text": "x"}, headers=bearer(token))
    assert note.status_code == 400 and "merged into #1001" in note.get_json()["error"]
    patch = client.patch(f"{API}/tickets/1002", json={"status": "open"}, headers=bearer(token))
    assert patch.status_code == 400


def test_chains_flatten_and_bobs_reply_to_his_merged_ticket_threads_in(
    app: Flask, session: Session
) -> None:
    a, b = two_mail_tickets(session)
    ingest(session, make_mail(subject="Bob here", sender="bob@example.com", message_id="c1@x"))
    c = by_number(session, 1003)
    merge_ticket(session, c, b, actor_id=None, other_customer=True)
    merge_ticket(session, b, a, actor_id=None)
    session.commit()
    assert by_number(session, 1003).merged_into_id == by_number(session, 1001).id
    record = ingest(session, make_mail(subject="[#1003] Bob again", sender="bob@example.com"))
    assert record.outcome == "reply" and record.ticket_id == by_number(session, 1001).id


# -- split -----------------------------------------------------------------------------------


def test_split_keeps_order_and_answers_the_new_ticket(
    client: FlaskClient, session: Session
) -> None:
    ingest(session, make_mail(subject="Two questions", message_id="q1@example.com"))
    for n in (2, 3, 4):
        ingest(
            session,
            make_mail(
                subject="Re: [#1001] Two questions",
                message_id=f"q{n}@example.com",
                in_reply_to="q1@example.com",
                body=f"mail {n}",
            ),
        )
    token = token_for(session)
    ticket = by_number(session, 1001)
    ids = [m.id for m in ticket_messages(session, ticket)]  # q1, the ack, q2, q3, q4
    response = client.post(
        f"{API}/tickets/1001/split",
        json={"message_id": ids[3], "following": True},
        headers=bearer(token),
    )
    assert response.status_code == 201, response.get_json()
    new_number = response.get_json()["number"]
    assert new_number == 1002 and response.get_json()["subject"] == "Re: Two questions"
    new, old = by_number(session, new_number), by_number(session, 1001)
    assert [m.message_id for m in ticket_messages(session, new)] == [
        "q3@example.com",
        "q4@example.com",
    ]
    assert [m.id for m in ticket_messages(session, old)] == ids[:3]
    assert new.customer_id == old.customer_id and new.category == old.category
    assert new.waiting_since is not None and old.waiting_since is not None
    for ticket in (old, new):
        (event,) = session.scalars(
            select(TicketEvent).where(
                TicketEvent.ticket_id == ticket.id, TicketEvent.kind == "split"
            )
        )
        assert (event.old_value, event.new_value, event.detail) == ("1001", "1002", "2 messages")
    # One message alone, from the middle.
    one = client.post(
        f"{API}/tickets/1001/split", json={"message_id": ids[1]}, headers=bearer(token)
    )
    assert one.status_code == 201
    assert [m.id for m in ticket_messages(session, by_number(session, 1003))] == [ids[1]]
    # A reply to a split message threads into its new ticket.
    record = ingest(session, make_mail(subject="Re: x", in_reply_to="q4@example.com"))
    assert record.ticket_id == by_number(session, 1002).id


def test_split_refuses_bad_input(client: FlaskClient, session: Session) -> None:
    ingest(session, make_mail(subject="Only one", message_id="o1@example.com"))
    other = make_ticket(session, "Another")
    foreign = add_message(session, other, direction="note", text="not yours")
    session.commit()
    token = token_for(session)
    first = ticket_messages(session, by_number(session, 1001))[0]

    def split(body: Any, number: int = 1001) -> Any:
        return client.post(f"{API}/tickets/{number}/split", json=body, headers=bearer(token))

    for body, field in (
        ({"message_id": foreign.id}, "message_id"),
        ({"message_id": 2**31 - 1}, "message_id"),
        ({"message_id": first.id, "following": True}, "message_id"),
        ({}, "message_id"),
        ({"message_id": "1"}, "message_id"),
        ({"message_id": first.id, "following": "yes"}, "following"),
    ):
        response = split(body)
        assert response.status_code == 400, (body, response.get_json())
        assert response.get_json()["field"] == field
    assert split({"message_id": first.id}, number=999999).status_code == 404
    assert session.scalar(select(Ticket.number).order_by(Ticket.number.desc())) == other.number


# -- the web: ticket page, queue ---------------------------------------------------------------


def test_the_ticket_page_merges_splits_and_the_merged_page_redirects(
    client: FlaskClient, session: Session
) -> None:
    two_mail_tickets(session)
    agent = make_user(session)
    login(client, agent.email)
    page = client.get("/tickets/1002").get_data(as_text=True)
    assert 'action="/tickets/1002/merge"' in page and "Split into a new ticket" in page
    token = csrf_token(client, "/tickets/1002")
    response = client.post("/tickets/1002/merge", data={"into": "1001", "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith("/tickets/1001")
    followed = client.get("/tickets/1002", follow_redirects=True)
    html = followed.get_data(as_text=True)
    assert followed.request.path == "/tickets/1001"
    assert "Ticket #1002 was merged into #1001." in html
    assert "#1002 merged into #1001" in html and "(on #1002)" in html
    stale = client.post("/tickets/1002/update", data={"csrf_token": token, "status": "open"})
    assert stale.status_code == 409

    bad = client.post("/tickets/1001/merge", data={"into": "1001", "csrf_token": token})
    assert bad.status_code == 302
    assert "a ticket cannot be merged into itself" in client.get("/tickets/1001").get_data(
        as_text=True
    )
    message = ticket_messages(session, by_number(session, 1001))[2]
    split = client.post(
        "/tickets/1001/split",
        data={"message_id": str(message.id), "following": "y", "csrf_token": token},
    )
    assert split.status_code == 302 and split.headers["Location"].endswith("/tickets/1003")
    assert len(ticket_messages(session, by_number(session, 1003))) == 2


def test_the_queue_merges_the_selected_tickets_into_the_oldest(
    client: FlaskClient, session: Session
) -> None:
    a, b = two_mail_tickets(session)
    ingest(session, make_mail(subject="Third", message_id="c1@example.com"))
    bob = make_ticket(session, "Bob", customer=make_customer(session, "bob@example.com"))
    agent = make_user(session)
    login(client, agent.email)
    token = csrf_token(client, "/?view=open")
    c = by_number(session, 1003)

    def bulk(*tickets: Ticket) -> str:
        data = {"action": "merge", "csrf_token": token, "next": "/?view=open"}
        response = client.post(
            "/tickets/bulk", data={**data, "ticket_ids": [str(t.id) for t in tickets]}
        )
        assert response.status_code == 302
        return client.get("/?view=open").get_data(as_text=True)

    assert "different customers" in bulk(a, bob)
    assert "select at least two" in bulk(a)
    html = bulk(c, b, a)
    assert "Merged 2 tickets into #1001" in html
    assert "#1002 " not in html and "#1003 " not in html and "#1001 " in html
    session.rollback()
    assert {t.merged_into_id for t in session.scalars(select(Ticket)) if t.id in (b.id, c.id)} == {
        a.id
    }


def test_merged_tickets_leave_every_queue_view(session: Session) -> None:
    a, b = two_mail_tickets(session)
    merge_ticket(session, b, a, actor_id=None)
    session.commit()
    agent = make_user(session)
    for view in ("open", "unassigned", "pending", "solved", "all", "general"):
        page = fetch_page(session, QueueParams(view=view), agent.id, utcnow())
        assert b.id not in {t.id for t in page.tickets}, view


# -- reports ---------------------------------------------------------------------------------


def test_reports_count_the_ticket_merged_into_only(session: Session) -> None:
    a, b = two_mail_tickets(session)
    change_status(session, b, "solved")
    change_status(session, b, "open")
    session.commit()
    today = date.today()
    before = activity(session, today - timedelta(days=1), today + timedelta(days=1), "UTC")
    assert sum(before.created) == 2 and before.solved_total == 1 and before.reopened == 1
    assert backlog(session, utcnow()).open_total == 2

    merge_ticket(session, b, a, actor_id=None)
    session.commit()
    after = activity(session, today - timedelta(days=1), today + timedelta(days=1), "UTC")
    assert sum(after.created) == 1 and after.solved_total == 0 and after.reopened == 0
    assert backlog(session, utcnow()).open_total == 1
    assert backlog(session, utcnow()).waiting_on_us == 1
