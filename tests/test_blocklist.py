"""The blocklist: entries, the ingest's `blocked` outcome (through the real IMAP and SMTP
servers), and what stays of a blocked mail (export inbound)."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpdesk.blocklist import BlocklistError, add_block, blocking, parse_entry, remove_block
from helpdesk.export import export_inbound
from helpdesk.models import BlockedSender, FetchedMail, Message, OutboxMail, Ticket
from helpdesk.tickets.spam import mark_spam
from tests.admin_helpers import assert_admin_only, audits, post, sign_in
from tests.factories import make_user
from tests.ingest_helpers import ingest
from tests.mailfactory import make_mail
from tests.outbox_helpers import send_now
from tests.poller_helpers import make_poller


@pytest.mark.parametrize(
    ("text", "entry"),
    [
        ("Spam@Example.COM ", ("address", "spam@example.com")),
        ("example.com", ("domain", "example.com")),
        ("@mail.example.co.uk", ("domain", "mail.example.co.uk")),
        ("o'brien+x@xn--bcher-kva.example", ("address", "o'brien+x@xn--bcher-kva.example")),
    ],
)
def test_an_entry_is_an_address_or_a_domain(text: str, entry: tuple[str, str]) -> None:
    assert parse_entry(text) == entry


@pytest.mark.parametrize(
    "text",
    ["", "  ", "localhost", "a@b", "a b@example.com", "@", "x@-bad.com", "a@@example.com",
     "a" * 65 + "@example.com", "x@" + "a" * 250 + ".com", "bad\x00@example.com"],
)  # fmt: skip
def test_anything_else_is_refused(text: str) -> None:
    with pytest.raises(BlocklistError):
        parse_entry(text)


def test_a_domain_blocks_its_subdomains_not_its_lookalikes() -> None:
    assert blocking("x@mail.spam.example", {"spam.example"}) == "spam.example"
    assert blocking("x@notspam.example", {"spam.example"}) is None
    assert blocking("X@Spam.Example", {"x@spam.example"}) == "x@spam.example"
    assert blocking(None, {"spam.example"}) is None


def test_adding_twice_keeps_one_entry_and_removing_is_audited(session: Session) -> None:
    admin = make_user(session, "admin")
    entry, new = add_block(session, "spam.example", admin.id, "  seen  in\nqueue ")
    assert new and entry.note == "seen in queue"
    assert add_block(session, "SPAM.example", admin.id) == (entry, False)
    remove_block(session, entry.id, admin.id)
    session.commit()
    assert [a[2] for a in audits(session, "blocklist.add")] == [
        {"note": "seen in queue", "value": "spam.example"}
    ]
    assert audits(session, "blocklist.remove")[0][:2] == (admin.id, str(entry.id))
    with pytest.raises(BlocklistError):
        remove_block(session, entry.id, admin.id)


def _count(session: Session, model: type) -> int:
    session.rollback()  # see what the poller committed
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_blocked_sender_gets_no_ticket_no_reply_and_no_acknowledgement(
    app: Flask, session: Session, imap_server, smtp
) -> None:  # type: ignore[no-untyped-def]
    imap_server.append(make_mail(subject="Cheap watches", sender="spammer@spam.example"))
    assert make_poller(app, imap_server).run_once().outcomes == {"ticket": 1}
    assert send_now(session)["sent"] == 1  # the acknowledgement, before anyone knew
    ticket = session.scalars(select(Ticket)).one()
    ack = session.scalars(select(OutboxMail.message_id)).one()
    mark_spam(session, ticket, make_user(session).id, block="sender")
    session.commit()

    imap_server.append(make_mail(subject="Cheap watches again", sender="spammer@spam.example"))
    imap_server.append(  # a reply to the ticket: blocked too
        make_mail(
            subject=f"Re: [#{ticket.number}] Cheap watches",
            sender="Spammer <SPAMMER@spam.example>",
            in_reply_to=ack,
        )
    )
    imap_server.append(make_mail(subject="A real question", sender="ann@spam.example"))
    result = make_poller(app, imap_server).run_once()
    assert result.outcomes == {"blocked": 2, "ticket": 1}  # the domain is not blocked
    session.rollback()
    blocked = session.scalars(
        select(FetchedMail).where(FetchedMail.outcome == "blocked").order_by(FetchedMail.uid)
    ).all()
    assert [(r.ticket_id, r.message_pk) for r in blocked] == [(None, None), (None, None)]
    assert blocked[0].reason == ("blocked: the sender is on the blocklist (spammer@spam.example)")
    assert all(r.raw_sha256 for r in blocked)  # the bytes are kept
    assert _count(session, Message) == 4  # the first mail and its ack, ann's and hers
    assert send_now(session)["sent"] == 1  # ann's acknowledgement only
    assert [m["To"] for m in _received(smtp)] == ["spammer@spam.example", "ann@spam.example"]

    lines = list(export_inbound(session))
    assert [line["outcome"] for line in lines].count("blocked") == 2


def test_a_blocked_domain_and_its_subdomains(
    app: Flask, session: Session, imap_server, smtp
) -> None:  # type: ignore[no-untyped-def]
    add_block(session, "spam.example", None)
    session.commit()
    imap_server.append(make_mail(sender="a@spam.example"))
    imap_server.append(make_mail(sender="b@eu.spam.example"))
    imap_server.append(make_mail(sender="c@notspam.example"))
    assert make_poller(app, imap_server).run_once().outcomes == {"blocked": 2, "ticket": 1}
    reasons = session.scalars(
        select(FetchedMail.reason).where(FetchedMail.outcome == "blocked")
    ).all()
    assert sorted(reasons) == [
        "blocked: the domain spam.example is on the blocklist (a@spam.example)",
        "blocked: the domain spam.example is on the blocklist (b@eu.spam.example)",
    ]
    assert send_now(session)["sent"] == 1
    assert [m["To"] for m in _received(smtp)] == ["c@notspam.example"]


def _received(smtp) -> list:  # type: ignore[no-untyped-def,type-arg]
    from email import message_from_bytes

    return [message_from_bytes(raw) for raw in smtp.messages]


# -- the admin console ---------------------------------------------------------------------


def test_only_admins_manage_the_blocklist(client: FlaskClient, session: Session) -> None:
    entry, _ = add_block(session, "spam.example", None)
    record = ingest(session, make_mail(sender="x@spam.example"))
    assert record.outcome == "blocked"
    assert_admin_only(
        client,
        session,
        gets=["/admin/blocklist"],
        posts=[
            "/admin/blocklist",
            f"/admin/blocklist/{entry.id}/remove",
            f"/admin/blocked/{record.id}/release",
        ],
    )


def test_admin_adds_lists_and_removes_entries_audited(
    client: FlaskClient, session: Session
) -> None:
    admin = sign_in(client, session)
    response = post(client, "/admin/blocklist", {"value": " Bad@Spam.Example", "note": "scam"})
    assert response.status_code == 302
    page = client.get("/admin/blocklist").get_data(as_text=True)
    assert "bad@spam.example" in page and "scam" in page and admin.name in page
    again = post(client, "/admin/blocklist", {"value": "bad@spam.example"}, follow_redirects=True)
    assert "bad@spam.example was blocked already" in again.get_data(as_text=True)
    for bad, says in [
        ("not an address", "is not an email address or a domain"),
        ("", "Give an email address or a domain"),
        ("x@" + "a" * 300 + ".com", "254"),
    ]:
        refused = post(client, "/admin/blocklist", {"value": bad})
        assert refused.status_code == 400 and says in refused.get_data(as_text=True), bad
    session.rollback()
    entry = session.scalars(select(BlockedSender)).one()
    assert post(client, f"/admin/blocklist/{entry.id}/remove").status_code == 302
    assert post(client, f"/admin/blocklist/{entry.id}/remove").status_code == 404
    assert [a[0] for a in audits(session, "blocklist.add")] == [admin.id]
    assert [a[2]["value"] for a in audits(session, "blocklist.remove")] == ["bad@spam.example"]
    home = client.get("/admin/").get_data(as_text=True)
    assert "0 blocked addresses or domains" in home


def test_release_makes_the_ticket_and_acknowledges_it(
    client: FlaskClient, session: Session
) -> None:
    add_block(session, "pat@example.com", None)
    record = ingest(session, make_mail(subject="Not spam, really", sender="pat@example.com"))
    assert record.outcome == "blocked" and _count(session, Ticket) == 0
    admin = sign_in(client, session)
    page = client.get("/admin/blocklist").get_data(as_text=True)
    assert f"Mail {record.id}" in page and "Blocked mail (1)" in page
    health = client.get("/admin/mailbox").get_data(as_text=True)
    assert '<a href="/admin/blocklist">Blocked</a></th><td>1</td>' in health
    source = client.get(f"/admin/quarantine/{record.id}").get_data(as_text=True)
    assert "Release mail" in source and "Not spam, really" in source
    released = post(client, f"/admin/blocked/{record.id}/release", follow_redirects=True)
    assert f"Mail {record.id} released: ticket on ticket #" in released.get_data(as_text=True)
    session.rollback()
    ticket = session.scalars(select(Ticket)).one()
    assert ticket.subject == "Not spam, really" and ticket.customer.email == "pat@example.com"
    assert session.scalars(select(OutboxMail.kind)).all() == ["ack"]
    (audit,) = audits(session, "blocked.release")
    assert audit[0] == admin.id and audit[2]["ticket_id"] == ticket.id
    new_id = audit[2]["new_id"]
    again = post(client, f"/admin/blocked/{new_id}/release", follow_redirects=True)
    assert f"was not released: mail {new_id} is not blocked (it is ticket)" in again.get_data(
        as_text=True
    )
    # The sender stays blocked: their next mail is blocked again.
    assert ingest(session, make_mail(sender="pat@example.com")).outcome == "blocked"
