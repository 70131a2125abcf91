"""Presence on the ticket page: the heartbeat (upsert, expiry with `now`, typing, access,
CSRF), and the composer's warning when another agent replied since the page was loaded."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from helpdesk.mailidentity import MailIdentity
from helpdesk.models import Message, OutboxMail, TicketPresence, User, utcnow
from helpdesk.presence.services import PresenceError, Present, heartbeat, leave, purge_stale
from helpdesk.replies.services import add_note, send_reply
from tests.factories import make_ticket, make_user
from tests.ingest_helpers import ingest
from tests.mailfactory import make_mail
from tests.query_count import CountQueries
from tests.test_api_policy import bearer
from tests.test_api_tickets import API, token_for
from tests.test_replies import _hidden, _ticket, _token
from tests.test_web import login

PAGE_A, PAGE_B = "page-aaaaaaaa", "page-bbbbbbbb"
INTERVAL = 10


def _beat(session: Session, ticket_id: int, user: User, page: str, **kw: object) -> list[Present]:
    kw.setdefault("typing", False)
    kw.setdefault("now", utcnow())
    return heartbeat(
        session,
        ticket_id=ticket_id,
        user_id=user.id,
        page_key=page,
        interval=INTERVAL,
        **kw,  # type: ignore[arg-type]
    )


def _rows(session: Session) -> int:
    return session.scalar(select(func.count(TicketPresence.id))) or 0


# --- the domain functions ---------------------------------------------------------------


def test_heartbeat_upserts_one_row_per_page_and_lists_the_others(session: Session) -> None:
    ann, sam = make_user(session), make_user(session)
    ticket = make_ticket(session)
    now = utcnow()
    assert _beat(session, ticket.id, ann, PAGE_A, now=now) == []
    assert _beat(session, ticket.id, ann, PAGE_A, now=now + timedelta(seconds=5)) == []
    assert _rows(session) == 1  # the same page again: updated, not added
    row = session.scalars(select(TicketPresence)).one()
    assert row.seen_at == now + timedelta(seconds=5)
    assert _beat(session, ticket.id, sam, PAGE_B, now=now) == [Present(ann.name, False)]
    # Ann's second tab: still one entry for her; Sam sees Ann once, Ann sees Sam.
    _beat(session, ticket.id, ann, "page-a2a2a2a2", now=now)
    assert _beat(session, ticket.id, sam, PAGE_B, now=now) == [Present(ann.name, False)]
    assert _beat(session, ticket.id, ann, PAGE_A, now=now) == [Present(sam.name, False)]
    # Another ticket is another room.
    other = make_ticket(session)
    assert _beat(session, other.id, sam, PAGE_B, now=now) == []
    session.commit()


def test_typing_is_shown_until_the_next_beat_clears_it_or_it_runs_out(session: Session) -> None:
    ann, sam = make_user(session), make_user(session)
    ticket = make_ticket(session)
    now = utcnow()
    _beat(session, ticket.id, sam, PAGE_B, now=now, typing=True)
    assert _beat(session, ticket.id, ann, PAGE_A, now=now) == [Present(sam.name, True)]
    later = now + timedelta(seconds=INTERVAL * 2 + 1)  # Sam's page went quiet while typing
    assert _beat(session, ticket.id, ann, PAGE_A, now=later) == [Present(sam.name, False)]
    _beat(session, ticket.id, sam, PAGE_B, now=now, typing=True)
    _beat(session, ticket.id, sam, PAGE_B, now=now + timedelta(seconds=1))  # stopped typing
    assert _beat(session, ticket.id, ann, PAGE_A, now=now) == [Present(sam.name, False)]


def test_quiet_pages_expire_and_are_purged(session: Session) -> None:
    ann, sam = make_user(session), make_user(session)
    ticket = make_ticket(session)
    now = utcnow()
    _beat(session, ticket.id, sam, PAGE_B, now=now)
    just_alive = now + timedelta(seconds=INTERVAL * 3 - 1)
    assert _beat(session, ticket.id, ann, PAGE_A, now=just_alive) == [Present(sam.name, False)]
    gone = now + timedelta(seconds=INTERVAL * 3)
    assert _beat(session, ticket.id, ann, PAGE_A, now=gone) == []
    assert session.scalars(select(TicketPresence.user_id)).all() == [ann.id]  # Sam's purged
    # Quiet pages of every ticket go, whoever beats.
    other = make_ticket(session)
    _beat(session, other.id, sam, PAGE_B, now=now)
    assert purge_stale(session, now=gone, interval=INTERVAL) == 1
    assert _rows(session) == 1
    session.commit()


def test_leave_forgets_the_page_and_bad_page_keys_are_refused(session: Session) -> None:
    ann, sam = make_user(session), make_user(session)
    ticket = make_ticket(session)
    _beat(session, ticket.id, sam, PAGE_B)
    leave(session, ticket_id=ticket.id, user_id=ann.id, page_key=PAGE_B)  # not Ann's page
    assert _beat(session, ticket.id, ann, PAGE_A) == [Present(sam.name, False)]
    leave(session, ticket_id=ticket.id, user_id=sam.id, page_key=PAGE_B)
    assert _beat(session, ticket.id, ann, PAGE_A) == []
    for bad in ("short", "x" * 65, "page key with spaces", "page\x00key00"):
        try:
            _beat(session, ticket.id, ann, bad)
        except PresenceError:
            continue
        raise AssertionError(f"{bad!r} was accepted")
    session.commit()


# --- the heartbeat endpoint -------------------------------------------------------------


def _signed_in(web_app: Flask, session: Session, role: str = "agent") -> tuple[FlaskClient, User]:
    client = web_app.test_client()
    user = make_user(session, role)
    login(client, user.email)
    return client, user


def _post_beat(client: FlaskClient, number: int, page: str, **data: str):  # type: ignore[no-untyped-def]
    html = client.get(f"/tickets/{number}").get_data(as_text=True)
    token = re.search(r'data-csrf="([^"]+)"', html)
    assert token, html
    return client.post(
        f"/tickets/{number}/presence",
        data={"page": page, **data},
        headers={"X-CSRFToken": token.group(1)},
    )


def test_the_page_carries_the_heartbeat_and_two_agents_see_each_other(
    web_app: Flask, session: Session
) -> None:
    ticket = make_ticket(session)
    ann_client, ann = _signed_in(web_app, session)
    sam_client, sam = _signed_in(web_app, session)
    page = ann_client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert f'data-url="/tickets/{ticket.number}/presence"' in page
    assert 'data-interval="10"' in page and "presence.js" in page
    first = _post_beat(ann_client, ticket.number, PAGE_A)
    assert first.status_code == 200 and first.json["others"] == [] and first.json["csrf"]
    assert set(first.json) == {"others", "interval", "csrf"} and first.json["interval"] == 10
    again = ann_client.post(  # with the token the last beat gave
        f"/tickets/{ticket.number}/presence",
        data={"page": PAGE_A},
        headers={"X-CSRFToken": first.json["csrf"]},
    )
    assert again.status_code == 200
    answer = _post_beat(sam_client, ticket.number, PAGE_B, typing="1")
    assert answer.json["others"] == [{"name": ann.name, "typing": False}]
    answer = _post_beat(ann_client, ticket.number, PAGE_A)
    assert answer.json["others"] == [{"name": sam.name, "typing": True}]
    assert set(answer.json["others"][0]) == {"name", "typing"}  # a name, never an id or email
    # Sam leaves (sendBeacon: the token in the form).
    html = sam_client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    left = sam_client.post(
        f"/tickets/{ticket.number}/presence/leave",
        data={"page": PAGE_B, "csrf_token": _token(html)},
    )
    assert left.status_code == 204
    assert _post_beat(ann_client, ticket.number, PAGE_A).json["others"] == []


def test_a_stale_page_is_not_listed_and_is_purged_by_a_heartbeat(
    web_app: Flask, session: Session
) -> None:
    ticket = make_ticket(session)
    sam = make_user(session)
    old = utcnow() - timedelta(seconds=INTERVAL * 3 + 1)
    session.add(TicketPresence(ticket_id=ticket.id, user_id=sam.id, page_key=PAGE_B, seen_at=old))
    session.commit()
    client, ann = _signed_in(web_app, session)
    assert _post_beat(client, ticket.number, PAGE_A).json["others"] == []
    session.rollback()
    assert session.scalars(select(TicketPresence.user_id)).all() == [ann.id]


def test_heartbeat_needs_csrf_sign_in_a_ticket_and_a_page_key(
    web_app: Flask, session: Session
) -> None:
    ticket = make_ticket(session)
    anonymous = web_app.test_client()
    refused = anonymous.post(f"/tickets/{ticket.number}/presence", data={"page": PAGE_A})
    assert refused.status_code in (302, 400)  # no CSRF token either way
    client, _ = _signed_in(web_app, session)
    no_token = client.post(f"/tickets/{ticket.number}/presence", data={"page": PAGE_A})
    assert no_token.status_code == 400 and "The form expired" in no_token.get_data(as_text=True)
    leave_no_token = client.post(f"/tickets/{ticket.number}/presence/leave", data={"page": PAGE_A})
    assert leave_no_token.status_code == 400
    assert _post_beat(client, ticket.number, "bad key").status_code == 400
    assert _post_beat(client, ticket.number, "").status_code == 400
    html = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    token = {"X-CSRFToken": _token(html)}
    missing = client.post("/tickets/999999/presence", data={"page": PAGE_A}, headers=token)
    assert missing.status_code == 404
    assert _rows(session) == 0
    # Signed out: to the sign-in page, nothing recorded.
    client.post("/logout", data={"csrf_token": _token(html)})
    out = client.post(f"/tickets/{ticket.number}/presence", data={"page": PAGE_A}, headers=token)
    assert out.status_code in (302, 400) and _rows(session) == 0


def test_a_deactivated_user_cannot_beat(web_app: Flask, session: Session) -> None:
    ticket = make_ticket(session)
    client, user = _signed_in(web_app, session)
    html = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    session.rollback()
    session.get(User, user.id).active = False  # type: ignore[union-attr]
    session.commit()
    response = client.post(
        f"/tickets/{ticket.number}/presence",
        data={"page": PAGE_A},
        headers={"X-CSRFToken": _token(html)},
    )
    assert response.status_code in (302, 401, 403) and _rows(session) == 0


# --- the composer's warning: another agent replied since the page was loaded ------------


def _identity(app: Flask) -> MailIdentity:
    return MailIdentity.from_config(app.config)


def _replies(session: Session) -> int:
    session.rollback()
    return session.scalar(select(func.count()).where(OutboxMail.kind == "reply")) or 0


def test_another_agents_reply_since_loading_warns_and_send_anyway_goes(
    app: Flask, web_app: Flask, session: Session
) -> None:
    ticket = _ticket(session)
    client, _ann = _signed_in(web_app, session)
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    seen = _hidden(page, "last_message_id")
    sam = make_user(session)
    send_reply(
        session,
        ticket,
        author=sam,
        text="Sam answers: the refund is on its way.",
        seen_message_id=int(seen),
        identity=_identity(app),
    )
    session.commit()
    data = {"text": "Ann answers", "status": "open", "last_message_id": seen}
    response = client.post(
        f"/tickets/{ticket.number}/reply", data={"csrf_token": _token(page), **data}
    )
    warning = response.get_data(as_text=True)
    assert response.status_code == 409
    assert f"{sam.name} sent a reply to the customer after you opened this ticket" in warning
    assert "A new message from the customer" not in warning
    assert "the refund is on its way." in warning and "Ann answers" in warning
    assert "Our reply" in warning and "Send anyway" in warning
    assert f'href="/tickets/{ticket.number}"' in warning  # review the ticket instead
    assert _replies(session) == 1  # Sam's only
    data["last_message_id"] = _hidden(warning, "last_message_id")
    response = client.post(
        f"/tickets/{ticket.number}/reply", data={"csrf_token": _token(warning), **data}
    )
    assert response.status_code == 302
    assert _replies(session) == 2


def test_a_colleagues_note_warns_too_and_ones_own_reply_does_not(
    app: Flask, web_app: Flask, session: Session
) -> None:
    ticket = _ticket(session)
    client, ann = _signed_in(web_app, session)
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    seen = _hidden(page, "last_message_id")
    session.rollback()
    me = session.get(User, ann.id)
    assert me is not None
    # Ann's own reply from another tab does not warn her.
    send_reply(
        session,
        ticket,
        author=me,
        text="From my other tab",
        seen_message_id=int(seen),
        identity=_identity(app),
    )
    sam = make_user(session)
    add_note(session, ticket, author=sam, text="Do not refund: fraud suspected.")
    session.commit()
    data = {"text": "Ann answers", "status": "open", "last_message_id": seen}
    response = client.post(
        f"/tickets/{ticket.number}/reply", data={"csrf_token": _token(page), **data}
    )
    warning = response.get_data(as_text=True)
    assert response.status_code == 409
    assert f"{sam.name} added an internal note after you opened this ticket" in warning
    assert "fraud suspected" in warning and "From my other tab" not in warning


def test_customer_mail_and_a_colleagues_reply_are_both_shown(
    app: Flask, web_app: Flask, session: Session
) -> None:
    ticket = _ticket(session)
    client, _ = _signed_in(web_app, session)
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    seen = _hidden(page, "last_message_id")
    sam = make_user(session)
    send_reply(
        session,
        ticket,
        author=sam,
        text="Sam here.",
        seen_message_id=int(seen),
        identity=_identity(app),
    )
    session.commit()
    ingest(
        session,
        make_mail(
            subject=f"Re: [#{ticket.number}] Return request",
            in_reply_to="m1@example.com",
            body="It is the blue one.",
        ),
    )
    data = {"text": "Ann answers", "status": "open", "last_message_id": seen}
    response = client.post(
        f"/tickets/{ticket.number}/reply", data={"csrf_token": _token(page), **data}
    )
    warning = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "A new message from the customer arrived after you opened this ticket" in warning
    assert f"{sam.name} sent a reply to the customer" in warning
    assert warning.index("Sam here.") < warning.index("It is the blue one.")  # in order


def test_the_api_reply_guard_is_unchanged(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    """The API's seen_message_id guard is about the customer's mail only, as documented."""
    ticket = _ticket(session)
    last = session.scalar(select(func.max(Message.id)).where(Message.ticket_id == ticket.id))
    sam = make_user(session)
    send_reply(
        session,
        ticket,
        author=sam,
        text="Sam here.",
        seen_message_id=last,
        identity=_identity(app),
    )
    session.commit()
    raw = token_for(session)
    response = client.post(
        f"{API}/tickets/{ticket.number}/replies",
        json={"text": "From the API", "seen_message_id": last},
        headers=bearer(raw),
    )
    assert response.status_code == 201, response.json


def test_a_purge_skips_rows_another_heartbeat_holds(app: Flask, session: Session) -> None:
    """PostgreSQL: a stale row being refreshed by one transaction is left to it (SKIP LOCKED),
    so the other heartbeat's purge neither waits for it nor deletes it."""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite has one writer at a time")
    ann, sam = make_user(session), make_user(session)
    ticket = make_ticket(session)
    now = utcnow()
    _beat(session, ticket.id, sam, PAGE_B, now=now - timedelta(seconds=INTERVAL * 3))
    session.commit()
    engine = session.get_bind()
    with Session(engine) as holder, Session(engine) as other:
        _beat(holder, ticket.id, sam, PAGE_B, now=now)  # Sam's page is back, not committed
        other.execute(text("SET LOCAL lock_timeout = '5s'"))  # fail rather than hang
        assert purge_stale(other, now=now, interval=INTERVAL) == 0
        _beat(other, ticket.id, ann, PAGE_A, now=now)
        other.commit()
        holder.commit()
    session.rollback()
    assert _rows(session) == 2


def test_a_heartbeat_runs_the_same_statements_however_many_are_present(
    web_app: Flask, session: Session, count_queries: CountQueries
) -> None:
    ticket = make_ticket(session)
    client, _ = _signed_in(web_app, session)
    html = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    headers = {"X-CSRFToken": _token(html)}

    def statements() -> int:
        with count_queries() as seen:
            answer = client.post(
                f"/tickets/{ticket.number}/presence", data={"page": PAGE_A}, headers=headers
            )
        assert answer.status_code == 200
        return len([s for s in seen if not s.startswith("BEGIN")])

    statements()  # warm up
    one = statements()
    for n in range(5):
        _beat(session, ticket.id, make_user(session), f"page-{n:08d}")
        session.commit()
    assert statements() == one
