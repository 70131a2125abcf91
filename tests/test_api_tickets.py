"""REST API v1: the queue, one ticket, notes, replies, changes, customers; tokens and errors."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.access import can_view_reports
from helpdesk.api.auth import api_view
from helpdesk.api.tokens import create_token
from helpdesk.commands.tokens import tokens as tokens_command
from helpdesk.models import (
    ApiToken,
    Message,
    OutboxMail,
    PolicyCheck,
    ReplyTemplate,
    Ticket,
    TicketEvent,
    User,
    utcnow,
)
from helpdesk.policy_panel.services import latest_check
from helpdesk.replies.rendering import render_for_ticket
from helpdesk.tickets.queue import QueueParams, fetch_page
from tests.factories import make_customer, make_ticket, make_user
from tests.ingest_helpers import ingest
from tests.mailfactory import make_mail
from tests.query_count import CountQueries
from tests.test_api_policy import bearer
from tests.test_policy import RETURN as RETURN_FACTS
from tests.test_web import csrf_token, login

API = "/api/v1"


def token_for(session: Session, role: str = "agent", user: User | None = None) -> str:
    user = user or make_user(session, role)
    _, raw = create_token(session, user.email)
    session.commit()
    return raw


def mail_ticket(session: Session, **mail: Any) -> Ticket:
    """A ticket opened by a real inbound mail, as the poller makes it."""
    mail.setdefault("message_id", "m1@example.com")
    ingest(session, make_mail(sender=("Alice Smith", "alice@example.com"), **mail))
    return session.scalars(select(Ticket).order_by(Ticket.id.desc()).limit(1)).one()


def fresh(session: Session, number: int) -> Ticket:
    session.rollback()  # a new transaction sees what the requests committed
    return session.scalars(select(Ticket).where(Ticket.number == number)).one()


def queue_tickets(session: Session) -> list[Ticket]:
    """Seven tickets over statuses, categories, assignees, customers and ages."""
    agent = make_user(session)
    tickets = []
    for n, (status, category) in enumerate(
        [
            ("new", "shipping"),
            ("open", "warranty"),
            ("pending", "return"),
            ("open", "shipping"),
            ("solved", "general"),
            ("new", "warranty"),
            ("open", "return"),
        ]
    ):
        ticket = make_ticket(session, f"Case number {n}", category=category, status=status)
        ticket.created_at = utcnow() - timedelta(hours=n * 20)
        ticket.assignee_id = agent.id if n % 2 else None
        tickets.append(ticket)
    session.commit()
    return tickets


# ---------------------------------------------------------------- the queue


def test_list_pages_through_the_same_tickets_as_the_web_queue(
    client: FlaskClient, session: Session
) -> None:
    queue_tickets(session)[3].order_number = "PC-77"  # search finds it on either database
    session.commit()
    raw = token_for(session)
    for query in ("view=all", "", "status=open", "category=warranty&view=all", "q=%23PC-77"):
        seen, cursor = [], None
        while True:
            url = f"{API}/tickets?limit=2&{query}" + (f"&cursor={cursor}" if cursor else "")
            body = client.get(url, headers=bearer(raw)).get_json()
            seen += [t["number"] for t in body["tickets"]]
            cursor = body["next_cursor"]
            if cursor is None:
                break
        args = dict(pair.split("=") for pair in query.split("&") if pair)
        params = QueueParams(**{k: v.replace("%23", "#") for k, v in args.items()}, size=100)
        web = fetch_page(session, params, 0, utcnow()).tickets
        assert seen == [t.number for t in web] and seen, query


def test_list_ticket_fields_and_assignee_filter(client: FlaskClient, session: Session) -> None:
    tickets = queue_tickets(session)
    raw = token_for(session)
    body = client.get(f"{API}/tickets?view=all&assignee=unassigned", headers=bearer(raw))
    rows = body.get_json()["tickets"]
    assert {r["number"] for r in rows} == {t.number for t in tickets if t.assignee_id is None}
    one = rows[0]
    assert set(one) == {
        *("number", "subject", "category", "status", "priority", "customer", "assignee"),
        *("order_number", "created_at", "updated_at", "waiting_since", "first_response_at"),
        *("resolved_at", "policy_deadline", "first_contact_at", "snoozed_until", "woke_at"),
        "cc",
        "merged_into",
        "spam",
    }
    assert set(one["customer"]) == {"email", "name"} and one["assignee"] is None
    mine = client.get(
        f"{API}/tickets?view=all&assignee={tickets[1].assignee_id}", headers=bearer(raw)
    )
    assert {r["assignee"]["id"] for r in mine.get_json()["tickets"]} == {tickets[1].assignee_id}


def test_list_query_count_does_not_grow_with_the_limit(
    count_queries: CountQueries, client: FlaskClient, session: Session
) -> None:
    for _ in range(3):
        queue_tickets(session)
    raw = token_for(session)
    client.get(f"{API}/tickets", headers=bearer(raw))  # warm up
    with count_queries() as few:
        assert (
            len(client.get(f"{API}/tickets?view=all&limit=2", headers=bearer(raw)).json["tickets"])
            == 2
        )
    with count_queries() as many:
        assert (
            len(
                client.get(f"{API}/tickets?view=all&limit=100", headers=bearer(raw)).json["tickets"]
            )
            == 21
        )
    assert len(few) == len(many), (few, many)


def test_bad_queue_parameters_are_400_with_the_field(client: FlaskClient, session: Session) -> None:
    raw = token_for(session)
    for query, field in (
        ("status=lost", "status"),
        ("view=everything", "view"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=ten", "limit"),
        ("assignee=bob", "assignee"),
        ("cursor=junk", "cursor"),
        ("q=" + "x" * 201, "q"),
        ("q=a%00b", "q"),
    ):
        response = client.get(f"{API}/tickets?{query}", headers=bearer(raw))
        assert response.status_code == 400, query
        assert response.get_json()["field"] == field and response.get_json()["error"], query


def test_a_cursor_belongs_to_its_sort(client: FlaskClient, session: Session) -> None:
    queue_tickets(session)
    raw = token_for(session)
    cursor = client.get(f"{API}/tickets?view=all&limit=1", headers=bearer(raw)).json["next_cursor"]
    response = client.get(f"{API}/tickets?sort=newest&cursor={cursor}", headers=bearer(raw))
    assert response.status_code == 400 and response.json["field"] == "cursor"


# ---------------------------------------------------------------- one ticket


def test_one_ticket_with_messages_attachments_and_events(
    client: FlaskClient, session: Session
) -> None:
    ticket = mail_ticket(
        session, subject="Cracked case", attachments=[("photo.jpg", "image/jpeg", b"\xff\xd8xx")]
    )
    raw = token_for(session)
    note = client.post(
        f"{API}/tickets/{ticket.number}/notes", json={"text": "Check stock"}, headers=bearer(raw)
    )
    assert note.status_code == 201
    body = client.get(f"{API}/tickets/{ticket.number}", headers=bearer(raw)).get_json()
    assert body["number"] == ticket.number and body["subject"] == "Cracked case"
    mail, *rest = body["messages"]
    assert mail["direction"] == "inbound" and mail["message_id"] == "m1@example.com"
    assert mail["from"] == {"email": "alice@example.com", "name": "Alice Smith"}
    assert mail["to"] == ["support@procase.com"] and mail["automatic"] is False
    assert "question about my order" in mail["text"]
    assert [(a["filename"], a["content_type"], a["size"]) for a in mail["attachments"]] == [
        ("photo.jpg", "image/jpeg", 4)
    ]
    directions = [m["direction"] for m in rest]
    assert "note" in directions and body["last_message_id"] == max(
        m["id"] for m in body["messages"]
    )
    kinds = [e["kind"] for e in body["events"]]
    assert kinds[0] == "created" and kinds[-1] == "note"
    assert body["events"][-1]["actor"]["name"].startswith("Agent")


def test_one_ticket_query_count_is_fixed(
    count_queries: CountQueries, client: FlaskClient, session: Session
) -> None:
    raw = token_for(session)
    small = mail_ticket(session, message_id="s@example.com")
    big = mail_ticket(session, message_id="b@example.com", subject="Other")
    for n in range(6):
        client.post(
            f"{API}/tickets/{big.number}/notes", json={"text": f"n{n}"}, headers=bearer(raw)
        )
        client.patch(
            f"{API}/tickets/{big.number}",
            json={"priority": ("high", "low")[n % 2]},
            headers=bearer(raw),
        )
    client.get(f"{API}/tickets/{small.number}", headers=bearer(raw))  # warm up
    with count_queries() as few:
        client.get(f"{API}/tickets/{small.number}", headers=bearer(raw))
    with count_queries() as many:
        assert (
            len(client.get(f"{API}/tickets/{big.number}", headers=bearer(raw)).json["messages"]) > 6
        )
    assert len(few) == len(many), (few, many)


def test_unknown_ticket_is_a_json_404(client: FlaskClient, session: Session) -> None:
    raw = token_for(session)
    for method, path in (
        ("get", "/tickets/999"),
        ("patch", "/tickets/999"),
        ("post", "/tickets/999/notes"),
    ):
        response = getattr(client, method)(f"{API}{path}", json={}, headers=bearer(raw))
        assert response.status_code == 404 and response.is_json and "999" in response.json["error"]
    huge = client.get(f"{API}/tickets/{2**63}", headers=bearer(raw))
    assert huge.status_code == 404 and huge.is_json


# ---------------------------------------------------------------- notes and replies


def test_note_is_added_and_empty_text_is_400(client: FlaskClient, session: Session) -> None:
    ticket = make_ticket(session)
    raw = token_for(session)
    response = client.post(
        f"{API}/tickets/{ticket.number}/notes", json={"text": " Call her\n"}, headers=bearer(raw)
    )
    assert response.status_code == 201
    note = response.get_json()
    assert (
        note["direction"] == "note"
        and note["text"] == " Call her\n"
        and note["outbox_status"] is None
    )
    for body, field in (
        ({"text": "  "}, "text"),
        ({}, "text"),
        ({"text": 5}, "text"),
        ({"txt": "x"}, "txt"),
    ):
        bad = client.post(f"{API}/tickets/{ticket.number}/notes", json=body, headers=bearer(raw))
        assert bad.status_code == 400 and bad.json["field"] == field, body
    not_json = client.post(
        f"{API}/tickets/{ticket.number}/notes", data="text=x", headers=bearer(raw)
    )
    assert not_json.status_code == 400 and not_json.is_json
    session.rollback()  # a new transaction sees what the requests committed
    assert session.scalar(select(Message.text).where(Message.direction == "note")) == " Call her\n"


def test_reply_is_queued_threaded_through_the_outbox(client: FlaskClient, session: Session) -> None:
    ticket = mail_ticket(session, references=["older@example.com"])
    last = session.scalar(select(Message.id).where(Message.ticket_id == ticket.id))
    raw = token_for(session)
    response = client.post(
        f"{API}/tickets/{ticket.number}/replies",
        json={"text": "We are sending a new one.", "status": "solved", "seen_message_id": last},
        headers=bearer(raw),
    )
    assert response.status_code == 201, response.json
    reply = response.get_json()
    session.rollback()  # a new transaction sees what the requests committed
    assert reply["direction"] == "outbound" and reply["outbox_status"] == "queued"
    assert reply["to"] == ["alice@example.com"] and f"[#{ticket.number}]" in reply["subject"]
    row = session.scalars(select(OutboxMail).where(OutboxMail.kind == "reply")).one()
    assert row.message_id == reply["message_id"] and row.to_address == "alice@example.com"
    assert row.in_reply_to == "m1@example.com"
    assert row.references.split() == ["older@example.com", "m1@example.com"]
    changed = fresh(session, ticket.number)
    assert changed.status == "solved" and changed.first_response_at is not None
    bad = client.post(
        f"{API}/tickets/{ticket.number}/replies",
        json={"text": "x", "status": "new"},
        headers=bearer(raw),
    )
    assert bad.status_code == 400 and bad.json["field"] == "status"


def test_reply_after_unseen_customer_mail_is_409(client: FlaskClient, session: Session) -> None:
    ticket = mail_ticket(session)
    seen = session.scalar(select(Message.id).where(Message.ticket_id == ticket.id))
    ingest(
        session,
        make_mail(
            subject=f"Re: [#{ticket.number}] Question",
            sender="alice@example.com",
            message_id="m2@example.com",
            in_reply_to="m1@example.com",
            body="Also, it arrived broken.\n",
        ),
    )
    raw = token_for(session)
    url = f"{API}/tickets/{ticket.number}/replies"
    response = client.post(url, json={"text": "Sure", "seen_message_id": seen}, headers=bearer(raw))
    assert response.status_code == 409
    body = response.get_json()
    assert [m["message_id"] for m in body["messages"]] == ["m2@example.com"]
    assert body["error"] and body["last_message_id"] == body["messages"][-1]["id"]
    assert session.scalar(select(OutboxMail).where(OutboxMail.kind == "reply")) is None
    again = client.post(
        url, json={"text": "Sure", "seen_message_id": body["last_message_id"]}, headers=bearer(raw)
    )
    assert again.status_code == 201
    without = client.post(url, json={"text": "And more"}, headers=bearer(raw))
    assert without.status_code == 201  # no seen_message_id: sent whatever arrived


def test_policy_check_is_saved_and_a_template_reply_uses_it(
    client: FlaskClient, session: Session
) -> None:
    ticket = mail_ticket(session, subject="Return please")
    agent = make_user(session)
    raw = token_for(session, user=agent)
    response = client.post(
        f"{API}/tickets/{ticket.number}/policy", json=RETURN_FACTS, headers=bearer(raw)
    )
    assert response.status_code == 201, response.json
    verdict = response.get_json()
    assert (verdict["decision"], verdict["refund_amount"]) == ("refund", "11.49")
    assert verdict["template"] == "return_eligible_refund"
    session.rollback()  # a new transaction sees what the requests committed
    check = session.scalars(select(PolicyCheck)).one()
    assert (check.ticket_id, check.actor_id, check.applied) == (ticket.id, agent.id, False)
    assert fresh(session, ticket.number).policy_deadline == date(2026, 2, 4)

    url = f"{API}/tickets/{ticket.number}/replies"
    reply = client.post(url, json={"template": "return_eligible_refund"}, headers=bearer(raw))
    assert reply.status_code == 201, reply.json
    template = session.scalars(
        select(ReplyTemplate).where(ReplyTemplate.key == "return_eligible_refund")
    ).one()
    session.rollback()
    ticket = fresh(session, ticket.number)
    saved = latest_check(session, ticket, "America/Los_Angeles").saved_verdict
    expected = render_for_ticket(
        template, ticket, saved, agent_name=agent.name, store_name="ProCase"
    )
    assert "11.49" in expected and reply.json["text"] == expected
    assert session.scalars(select(PolicyCheck)).one().applied is True
    event = session.scalars(select(TicketEvent).where(TicketEvent.kind == "reply")).one()
    assert event.detail == "template return_eligible_refund"


def test_policy_and_template_reply_errors_are_clear_400s(
    client: FlaskClient, session: Session
) -> None:
    ticket = mail_ticket(session)
    raw = token_for(session)
    policy = f"{API}/tickets/{ticket.number}/policy"
    bad = client.post(policy, json={**RETURN_FACTS, "price": "abc"}, headers=bearer(raw))
    assert bad.status_code == 400 and bad.json["field"] == "price"
    assert client.post(policy, data="x", headers=bearer(raw)).status_code == 400
    missing = client.post(f"{API}/tickets/999999/policy", json={}, headers=bearer(raw))
    assert missing.status_code == 404 and missing.is_json
    url = f"{API}/tickets/{ticket.number}/replies"
    for body, field, says in (
        ({}, "text", "either text or template"),
        ({"text": "Hi", "template": "general"}, "template", "not both"),
        ({"template": "nope"}, "template", "no active reply template 'nope'"),
        ({"template": 7}, "template", "must be a string"),
    ):
        response = client.post(url, json=body, headers=bearer(raw))
        assert response.status_code == 400, body
        assert response.json["field"] == field and says in response.json["error"], response.json
    session.rollback()  # a new transaction: the requests wrote (the token's last use)
    general = session.scalars(select(ReplyTemplate).where(ReplyTemplate.key == "general")).one()
    general.active = False
    session.commit()
    inactive = client.post(url, json={"template": "general"}, headers=bearer(raw))
    assert inactive.status_code == 400 and inactive.json["field"] == "template"
    session.rollback()
    assert session.scalar(select(PolicyCheck.id)) is None
    assert session.scalar(select(OutboxMail.id).where(OutboxMail.kind == "reply")) is None


# ---------------------------------------------------------------- changes


def test_patch_changes_fields_and_records_events(client: FlaskClient, session: Session) -> None:
    ticket = make_ticket(session)
    agent = make_user(session)
    raw = token_for(session, user=agent)
    changes = {
        "status": "pending",
        "assignee_id": agent.id,
        "category": "warranty",
        "priority": "urgent",
        "order_number": "PC-1234",
    }
    response = client.patch(f"{API}/tickets/{ticket.number}", json=changes, headers=bearer(raw))
    assert response.status_code == 200, response.json
    body = response.get_json()
    assert {k: body[k] for k in ("status", "category", "priority", "order_number")} == {
        k: v for k, v in changes.items() if k != "assignee_id"
    }
    assert body["assignee"] == {"id": agent.id, "name": agent.name}
    session.rollback()  # a new transaction sees what the requests committed
    events = session.scalars(
        select(TicketEvent).where(TicketEvent.ticket_id == ticket.id, TicketEvent.kind != "created")
    ).all()
    assert {e.kind for e in events} == set(changes) - {"status"} | {"status"}
    assert {e.actor_id for e in events} == {agent.id}
    unassign = client.patch(
        f"{API}/tickets/{ticket.number}", json={"assignee_id": None}, headers=bearer(raw)
    )
    assert unassign.status_code == 200 and unassign.json["assignee"] is None


def test_invalid_changes_are_400_with_the_field_and_change_nothing(
    client: FlaskClient, session: Session
) -> None:
    ticket = make_ticket(session)
    gone = make_user(session)
    gone.active = False
    session.commit()
    raw = token_for(session)
    for body, field in (
        ({"status": "lost"}, "status"),
        ({"priority": 5}, "priority"),
        ({"category": "food", "priority": "high"}, "category"),
        ({"assignee_id": gone.id}, "assignee_id"),
        ({"assignee_id": "7"}, "assignee_id"),
        ({"assignee_id": True}, "assignee_id"),
        ({"order_number": "x" * 41}, "order_number"),
        ({"subject": "new"}, "subject"),
    ):
        response = client.patch(f"{API}/tickets/{ticket.number}", json=body, headers=bearer(raw))
        assert response.status_code == 400 and response.json["field"] == field, body
    after = fresh(session, ticket.number)
    assert (after.status, after.priority, after.category) == ("new", "normal", "shipping")


# ---------------------------------------------------------------- customers


def test_customer_with_their_tickets(client: FlaskClient, session: Session) -> None:
    customer = make_customer(session, "bob@example.com", "Bob")
    for subject in ("First", "Second"):
        make_ticket(session, subject, customer=customer)
    make_ticket(session, "Someone else's")
    raw = token_for(session)
    body = client.get(f"{API}/customers/BOB@example.com", headers=bearer(raw)).get_json()
    assert (body["email"], body["name"]) == ("bob@example.com", "Bob")
    assert [t["subject"] for t in body["tickets"]] == ["Second", "First"]
    missing = client.get(f"{API}/customers/nobody@example.com", headers=bearer(raw))
    assert missing.status_code == 404 and missing.json["error"]


# ---------------------------------------------------------------- tokens, sessions, errors


def test_every_role_works_tickets_and_tokens_take_the_lower_role(
    web_app: Flask, session: Session
) -> None:
    web_app.add_url_rule(
        "/api/v1/test-reports", view_func=api_view(can_view_reports)(lambda: {"ok": 1})
    )
    client = web_app.test_client()
    number = make_ticket(session).number
    manager = make_user(session, "manager")
    for role in ("agent", "manager", "admin"):
        session.rollback()  # no read transaction left open while the app writes (SQLite)
        raw = token_for(session, role)
        response = client.patch(
            f"{API}/tickets/{number}", json={"priority": "high"}, headers=bearer(raw)
        )
        assert response.status_code == 200, role
        expected = 403 if role == "agent" else 200
        assert client.get(f"{API}/test-reports", headers=bearer(raw)).status_code == expected
    created = web_app.test_cli_runner().invoke(
        tokens_command, ["create", manager.email, "--role", "agent"]
    )
    assert created.exit_code == 0 and "(agent)" in created.output
    lowered = created.output.strip().splitlines()[-1]
    assert client.get(f"{API}/test-reports", headers=bearer(lowered)).status_code == 403
    assert client.get(f"{API}/tickets", headers=bearer(lowered)).status_code == 200
    session.rollback()
    agent = make_user(session)
    higher = web_app.test_cli_runner().invoke(
        tokens_command, ["create", agent.email, "--role", "admin"]
    )
    assert higher.exit_code != 0 and "cannot have the role admin" in higher.output
    roles = session.scalars(select(ApiToken.role).where(ApiToken.user_id == agent.id)).all()
    assert roles == []


def test_revoked_tokens_and_deactivated_users_get_401_at_once(
    client: FlaskClient, session: Session
) -> None:
    user = make_user(session)
    token, raw = create_token(session, user.email)
    session.commit()
    assert client.get(f"{API}/tickets", headers=bearer(raw)).status_code == 200
    token.revoked_at = utcnow()
    session.commit()
    revoked = client.get(f"{API}/tickets", headers=bearer(raw))
    assert revoked.status_code == 401 and revoked.json["error"]
    other = token_for(session, user=user)
    assert client.get(f"{API}/tickets", headers=bearer(other)).status_code == 200
    user.active = False
    session.commit()
    assert client.get(f"{API}/tickets", headers=bearer(other)).status_code == 401
    assert client.get(f"{API}/tickets").status_code == 401


def test_session_writes_need_the_csrf_header(client: FlaskClient, session: Session) -> None:
    ticket = make_ticket(session)
    user = make_user(session)
    login(client, user.email)
    assert client.get(f"{API}/tickets/{ticket.number}").status_code == 200
    url = f"{API}/tickets/{ticket.number}"
    refused = client.patch(url, json={"priority": "high"})
    assert refused.status_code == 400 and "CSRF" in refused.json["error"]
    note = client.post(f"{url}/notes", json={"text": "hi"})
    assert note.status_code == 400 and "CSRF" in note.json["error"]
    headers = {"X-CSRFToken": csrf_token(client, "/")}
    assert client.patch(url, json={"priority": "high"}, headers=headers).status_code == 200
    assert client.post(f"{url}/notes", json={"text": "hi"}, headers=headers).status_code == 201


def test_errors_are_json_never_html(web_app: Flask, session: Session) -> None:
    def boom() -> None:
        raise RuntimeError("secret detail")

    web_app.add_url_rule("/api/v1/test-boom", view_func=boom)
    web_app.config["PROPAGATE_EXCEPTIONS"] = False
    client = web_app.test_client()
    raw = token_for(session)
    unknown = client.get(f"{API}/no-such-thing", headers=bearer(raw))
    assert unknown.status_code == 404 and unknown.is_json and unknown.json["error"]
    wrong = client.delete(f"{API}/tickets", headers=bearer(raw))
    assert wrong.status_code == 405 and wrong.is_json and "GET" in wrong.headers["Allow"]
    failed = client.get(f"{API}/test-boom")
    assert failed.status_code == 500 and failed.is_json
    assert "secret" not in failed.get_data(as_text=True)
    assert not client.get("/no-such-page").is_json  # the web keeps its HTML pages
