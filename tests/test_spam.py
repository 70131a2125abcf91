"""Spam: marking and undoing (service, ticket page, queue bulk action, API), the Spam view,
the status machine, and the reports leaving spam out."""

from __future__ import annotations

import json

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.models import AuditEvent, BlockedSender, Status, Ticket, TicketEvent, utcnow
from helpdesk.reports.activity import activity
from helpdesk.reports.backlog import backlog
from helpdesk.reports.money import money
from helpdesk.reports.params import day_bounds
from helpdesk.tickets.queue import QueueParams, fetch_page, view_counts
from helpdesk.tickets.services import (
    StatusTransitionError,
    TicketError,
    bulk_update,
    change_status,
    update_ticket,
)
from helpdesk.tickets.spam import mark_spam, unmark_spam
from tests import test_report_crosscheck as crosscheck
from tests.admin_helpers import audits, post, sign_in
from tests.factories import make_customer, make_ticket, make_user
from tests.test_api_policy import bearer
from tests.test_api_tickets import API, fresh, token_for

VIEWS_WITHOUT_SPAM = ("mine", "unassigned", "open", "pending", "solved", "all", "shipping")


def numbers_in(session: Session, view: str, user_id: int) -> set[int]:
    page = fetch_page(session, QueueParams(view=view), user_id, utcnow())
    return {t.number for t in page.tickets}


def statuses(session: Session, ticket: Ticket) -> list[tuple[str | None, str | None, str | None]]:
    rows = session.scalars(
        select(TicketEvent)
        .where(TicketEvent.ticket_id == ticket.id, TicketEvent.kind == "status")
        .order_by(TicketEvent.id)
    )
    return [(e.old_value, e.new_value, e.detail) for e in rows]


def test_mark_and_undo_restore_the_status_with_history_and_audit(session: Session) -> None:
    agent = make_user(session)
    ticket = make_ticket(session, status="new")
    assert mark_spam(session, ticket, agent.id)
    assert not mark_spam(session, ticket, agent.id)  # already spam
    session.commit()
    assert ticket.status == Status.SPAM
    assert unmark_spam(session, ticket, agent.id) and not unmark_spam(session, ticket, agent.id)
    session.commit()
    assert ticket.status == Status.NEW  # back to what it was, even new
    assert statuses(session, ticket) == [
        ("new", "spam", "marked as spam"),
        ("spam", "new", "not spam"),
    ]
    assert [a[1] for a in audits(session, "ticket.spam")] == [str(ticket.number)]
    assert audits(session, "ticket.not_spam")[0][2] == {"status": "new"}


def test_a_solved_ticket_keeps_its_solve_time(session: Session) -> None:
    ticket = make_ticket(session, status="open")
    change_status(session, ticket, Status.SOLVED)
    solved_at = ticket.resolved_at
    mark_spam(session, ticket, None)
    assert ticket.resolved_at == solved_at
    unmark_spam(session, ticket, None)
    session.commit()
    assert (ticket.status, ticket.resolved_at) == (Status.SOLVED, solved_at)


def test_spam_moves_only_through_the_spam_functions(session: Session) -> None:
    agent = make_user(session)
    ticket = make_ticket(session, status="open")
    with pytest.raises(StatusTransitionError, match="mark it as spam"):
        change_status(session, ticket, Status.SPAM)
    with pytest.raises(TicketError):
        update_ticket(session, ticket, {"status": "spam"}, agent.id)
    with pytest.raises(TicketError, match="unknown status"):
        bulk_update(session, [ticket.id], "status", "spam", agent.id)
    mark_spam(session, ticket, agent.id)
    with pytest.raises(StatusTransitionError, match="mark it as not spam first"):
        update_ticket(session, ticket, {"status": "solved"}, agent.id)
    with pytest.raises(StatusTransitionError):
        bulk_update(session, [ticket.id], "status", "open", agent.id)
    assert ticket.status == Status.SPAM


def test_spam_leaves_every_view_but_spam_and_comes_back(session: Session) -> None:
    agent = make_user(session)
    ticket = make_ticket(session, status="open")
    change_status(session, ticket, Status.OPEN)
    other = make_ticket(session, status="open")
    session.commit()
    assert ticket.number in numbers_in(session, "unassigned", agent.id)
    mark_spam(session, ticket, agent.id)
    session.commit()
    for view in VIEWS_WITHOUT_SPAM:
        assert ticket.number not in numbers_in(session, view, agent.id), view
    assert numbers_in(session, "spam", agent.id) == {ticket.number}
    counts = view_counts(session, agent.id)
    assert (counts["spam"], counts["open"], counts["shipping"]) == (1, 1, 1)
    unmark_spam(session, ticket, agent.id)
    session.commit()
    assert numbers_in(session, "open", agent.id) == {ticket.number, other.number}
    assert numbers_in(session, "spam", agent.id) == set()


def test_a_reply_from_the_customer_does_not_reopen_spam(session: Session) -> None:
    from tests.ingest_helpers import ingest
    from tests.mailfactory import make_mail

    customer = make_customer(session, "pat@example.com")
    ticket = make_ticket(session, customer=customer, subject="Cheap watches")
    mark_spam(session, ticket, None)
    session.commit()
    record = ingest(
        session, make_mail(subject=f"Re: [#{ticket.number}] Cheap watches", sender=customer.email)
    )
    assert record.outcome == "reply" and record.ticket_id == ticket.id
    session.refresh(ticket)
    assert ticket.status == Status.SPAM


# -- the ticket page and the queue ---------------------------------------------------------


def test_ticket_page_marks_spam_blocking_the_sender_and_undoes(
    client: FlaskClient, session: Session
) -> None:
    agent = sign_in(client, session, "agent")
    customer = make_customer(session, "Spammer@Example.COM")
    ticket = make_ticket(session, customer=customer)
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert "Mark as spam" in page and "The sender, spammer@example.com" in page
    url = f"/tickets/{ticket.number}/spam"
    response = post(client, url, {"block": "sender", "submit": "Mark as spam"})
    assert response.status_code == 302
    assert fresh(session, ticket.number).status == Status.SPAM
    assert session.scalars(select(BlockedSender.value)).all() == ["spammer@example.com"]
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert "This ticket is spam" in page and "Not spam" in page
    assert "spammer@example.com blocked" in page  # the history says so
    queue = client.get("/?view=spam").get_data(as_text=True)
    assert f"#{ticket.number} " in queue
    assert f"#{ticket.number} " not in client.get("/?view=all").get_data(as_text=True)
    assert post(client, url, {"restore": "Not spam"}).status_code == 302
    assert fresh(session, ticket.number).status == Status.NEW
    actors = {a[0] for a in audits(session, "ticket.spam") + audits(session, "blocklist.add")}
    assert actors == {agent.id}


def test_ticket_page_refuses_a_bad_block_and_a_missing_token(
    client: FlaskClient, session: Session
) -> None:
    sign_in(client, session, "agent")
    ticket = make_ticket(session)
    url = f"/tickets/{ticket.number}/spam"
    assert post(client, url, {"block": "everyone", "submit": "x"}).status_code == 400
    assert client.post(url, data={"submit": "x"}).status_code == 400  # no CSRF token
    assert fresh(session, ticket.number).status == Status.NEW


def test_bulk_spam_and_not_spam_from_the_queue(client: FlaskClient, session: Session) -> None:
    sign_in(client, session, "agent")
    tickets = [make_ticket(session), make_ticket(session)]
    ids = [t.id for t in tickets]
    queue = client.get("/?view=open").get_data(as_text=True)
    assert 'value="spam" data-confirm=' in queue
    response = post(client, "/tickets/bulk", {"ticket_ids": ids, "action": "spam", "next": "/"})
    assert response.status_code == 302
    assert {fresh(session, t.number).status for t in tickets} == {Status.SPAM}
    post(client, "/tickets/bulk", {"ticket_ids": ids[:1], "action": "not_spam", "next": "/"})
    assert [fresh(session, t.number).status for t in tickets] == [Status.NEW, Status.SPAM]


# -- the API -------------------------------------------------------------------------------


def test_api_marks_spam_blocks_the_domain_and_undoes(client: FlaskClient, session: Session) -> None:
    raw = token_for(session)
    ticket = make_ticket(session, customer=make_customer(session, "x@spam.example"))
    url = f"{API}/tickets/{ticket.number}/spam"
    body = client.post(url, json={"block": "domain"}, headers=bearer(raw))
    assert body.status_code == 200, body.get_json()
    assert (body.get_json()["status"], body.get_json()["spam"]) == ("spam", True)
    session.rollback()
    assert session.scalars(select(BlockedSender.value)).all() == ["spam.example"]
    listed = client.get(f"{API}/tickets?view=spam", headers=bearer(raw)).get_json()
    assert [t["number"] for t in listed["tickets"]] == [ticket.number]
    undone = client.delete(url, headers=bearer(raw)).get_json()
    assert (undone["status"], undone["spam"]) == ("new", False)
    assert client.post(url, json={}, headers=bearer(raw)).get_json()["spam"] is True
    assert client.post(url, json={"block": None}, headers=bearer(raw)).status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"block": "everyone"}, "block"),
        ({"block": 3}, "block"),
        ({"block": "sender\x00"}, "body"),  # NUL: refused before the view (input_guard)
        ({"blocked": "sender"}, "blocked"),
        ([], None),
    ],
)
def test_api_bad_input_is_a_400_naming_the_field(
    client: FlaskClient, session: Session, body: object, field: str | None
) -> None:
    raw = token_for(session)
    ticket = make_ticket(session)
    response = client.post(f"{API}/tickets/{ticket.number}/spam", json=body, headers=bearer(raw))
    assert response.status_code == 400
    assert response.get_json().get("field") == field and response.get_json()["error"]
    assert fresh(session, ticket.number).status == Status.NEW
    missing = client.delete(f"{API}/tickets/99999/spam", headers=bearer(raw))
    assert missing.status_code == 404


def test_api_patch_cannot_set_or_leave_spam(client: FlaskClient, session: Session) -> None:
    raw = token_for(session)
    ticket = make_ticket(session)
    url = f"{API}/tickets/{ticket.number}"
    assert client.patch(url, json={"status": "spam"}, headers=bearer(raw)).status_code == 400
    client.post(f"{url}/spam", json={}, headers=bearer(raw))
    refused = client.patch(url, json={"status": "open"}, headers=bearer(raw))
    assert refused.status_code == 400 and "not spam" in refused.get_json()["error"]


# -- reports -------------------------------------------------------------------------------


def _figures(app: Flask, session: Session) -> dict[str, object]:
    tz, start, end = crosscheck._days(app)
    report = activity(session, start, end, tz)  # type: ignore[arg-type]
    low, high = day_bounds(start, end, tz)  # type: ignore[arg-type]
    open_now = backlog(session, utcnow())
    return {
        "created": sum(report.created),
        "solved": report.solved_total,
        "reopened": report.reopened,
        "first_responses": sum(t.count for t in report.first_response["category"].values()),
        "resolutions": sum(t.count for t in report.resolution["category"].values()),
        "refunds": money(session, low, high).total.refund_count,
        "open": open_now.open_total,
        "waiting": open_now.waiting_on_us,
    }


def test_reports_leave_spam_out_and_count_it_again_when_undone(
    app: Flask, session: Session
) -> None:
    data = crosscheck.build(app, session)
    before = _figures(app, session)
    assert before == {
        **{"created": 11, "solved": 7, "reopened": 1, "first_responses": 6, "resolutions": 7},
        **{"refunds": 2, "open": 5, "waiting": 2},
    }
    # "solved": a solve, a first response and an applied refund; "unanswered" waits on us;
    # "reopened": two solves and a reopen.
    spam = [data.tickets[name] for name in ("solved", "unanswered", "reopened")]
    for ticket in spam:
        mark_spam(session, ticket, data.boss.id)
    session.commit()
    assert _figures(app, session) == {
        **{"created": 8, "solved": 4, "reopened": 0, "first_responses": 4, "resolutions": 4},
        **{"refunds": 1, "open": 4, "waiting": 1},
    }
    for ticket in spam:
        unmark_spam(session, ticket, data.boss.id)
    session.commit()
    assert _figures(app, session) == before


def test_audit_log_names_the_ticket(client: FlaskClient, session: Session) -> None:
    sign_in(client, session, "admin")
    ticket = make_ticket(session)
    post(client, f"/tickets/{ticket.number}/spam", {"submit": "Mark as spam"})
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "Ticket marked as spam" in page and f"Ticket {ticket.number}" in page
    session.rollback()
    row = session.scalars(select(AuditEvent).where(AuditEvent.action == "ticket.spam")).one()
    assert json.loads(row.detail) == {"block": None, "status": "new"}


def test_a_spam_ticket_cannot_be_replied_to_or_snoozed(
    client: FlaskClient, session: Session
) -> None:
    raw = token_for(session)
    ticket = make_ticket(session)
    mark_spam(session, ticket, None)
    session.commit()
    url = f"{API}/tickets/{ticket.number}"
    reply = client.post(f"{url}/replies", json={"text": "Hi"}, headers=bearer(raw))
    assert reply.status_code == 400 and "not spam" in reply.get_json()["error"]
    later = "2099-01-01T09:00:00+00:00"
    snoozed = client.patch(url, json={"snoozed_until": later}, headers=bearer(raw))
    assert snoozed.status_code == 400
    assert fresh(session, ticket.number).status == Status.SPAM
