"""Mailbox health and the quarantine in the admin console, with mail through the real pipeline."""

from __future__ import annotations

import socket
from datetime import UTC, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpdesk.admin.mailbox import quarantine_page
from helpdesk.blobs import load_blob
from helpdesk.models import AuditEvent, FetchedMail, MailboxCursor, OutboxMail, Ticket, utcnow
from helpdesk.storedays import start_of_day
from mail_ingest.imap import ImapConfig
from mail_ingest.quarantine import record_quarantine
from mail_ingest.route import MailSource
from tests.admin_helpers import assert_admin_only, audits, post, reload, sign_in
from tests.factories import make_ticket
from tests.ingest_helpers import ingest
from tests.mailfactory import make_huge_mail, make_mail
from tests.poller_helpers import make_poller

GARBAGE = b"\x00\xff\xfe <script>alert(1)</script> caf\xc3\xa9 \xe9t\xe9"


def garbage(session: Session, n: int = 0) -> FetchedMail:
    record = ingest(session, GARBAGE + str(n).encode())
    assert record.outcome == "quarantined"
    return record


def test_only_admins_see_the_mailbox_and_quarantine(client: FlaskClient, session: Session) -> None:
    record = garbage(session)
    base = f"/admin/quarantine/{record.id}"
    assert_admin_only(
        client,
        session,
        gets=["/admin/mailbox", "/admin/quarantine", base, f"{base}/raw.eml"],
        posts=[f"{base}/reprocess", f"{base}/discard"],
    )
    reload(session, record)
    assert record.outcome == "quarantined"
    assert session.scalar(select(func.count(AuditEvent.id))) == 0
    for url in ("/admin/quarantine/99999", "/admin/quarantine/99999/raw.eml"):
        assert client.get(url).status_code == 404
    assert post(client, "/admin/quarantine/99999/discard").status_code == 404


def test_list_and_raw_source_are_never_rendered(client: FlaskClient, session: Session) -> None:
    record = garbage(session)
    sign_in(client, session)
    listing = client.get("/admin/quarantine").get_data(as_text=True)
    assert f"Mail {record.id}" in listing and "parse error" in listing
    page = client.get(f"/admin/quarantine/{record.id}").get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "café" in page and "\ufffd" in page
    assert f"Reprocess mail {record.id}" in page and f"Discard mail {record.id}" in page
    download = client.get(f"/admin/quarantine/{record.id}/raw.eml")
    assert download.status_code == 200 and download.data == GARBAGE + b"0"
    assert download.mimetype == "application/octet-stream"
    assert download.headers["Content-Disposition"] == f'attachment; filename="mail-{record.id}.eml"'
    assert download.headers["X-Content-Type-Options"] == "nosniff"


def test_quarantine_pages_by_id(session: Session) -> None:
    ids = [garbage(session, n).id for n in range(5)]
    ingest(session, make_mail(subject="A fine mail"))  # not quarantined: never listed
    first = quarantine_page(session, size=2)
    assert [r.id for r in first.rows] == ids[:-3:-1] and first.total == 5
    assert first.newer is None and first.older == ids[3]
    second = quarantine_page(session, before=first.older, size=2)
    assert [r.id for r in second.rows] == [ids[2], ids[1]] and second.newer == ids[2]
    last = quarantine_page(session, before=second.older, size=2)
    assert [r.id for r in last.rows] == [ids[0]] and last.older is None
    back = quarantine_page(session, after=second.newer, size=2)
    assert [r.id for r in back.rows] == [ids[4], ids[3]] and back.newer is None
    assert back.older == ids[3]


def test_discard_keeps_the_mail_and_is_audited(client: FlaskClient, session: Session) -> None:
    record = garbage(session)
    admin = sign_in(client, session)
    response = post(client, f"/admin/quarantine/{record.id}/discard", follow_redirects=True)
    assert "is discarded" in response.get_data(as_text=True)
    reload(session, record)
    assert (record.outcome, record.reason) == ("ignored", f"discarded by {admin.email}")
    assert record.raw_sha256 and load_blob(session, record.raw_sha256) == GARBAGE + b"0"
    [(actor, target, detail)] = audits(session, "quarantine.discard")
    assert (actor, target) == (admin.id, str(record.id))
    assert detail["reason"].startswith("parse error")
    again = post(client, f"/admin/quarantine/{record.id}/discard", follow_redirects=True)
    assert "no longer in quarantine" in again.get_data(as_text=True)
    assert f"Mail {record.id}<" not in client.get("/admin/quarantine").get_data(as_text=True)
    assert len(audits(session, "quarantine.discard")) == 1


def test_reprocess_makes_the_ticket_and_is_audited(client: FlaskClient, session: Session) -> None:
    raw = make_mail(subject="Wrong item in my box", sender="pat@example.com")
    source = MailSource("test@127.0.0.1:0/INBOX", 1, 777)
    record = record_quarantine(session, source, raw, "crashed: a bug", len(raw))
    session.commit()
    record_id = record.id
    admin = sign_in(client, session)
    response = post(client, f"/admin/quarantine/{record_id}/reprocess", follow_redirects=True)
    assert "reprocessed: ticket on ticket #" in response.get_data(as_text=True)
    session.rollback()
    ticket = session.scalars(select(Ticket)).one()
    assert ticket.category == "wrong_item"
    [(actor, target, detail)] = audits(session, "quarantine.reprocess")
    assert (actor, target, detail["outcome"]) == (admin.id, str(record_id), "ticket")
    assert detail["reason"] == "crashed: a bug" and detail["ticket_id"] == ticket.id
    new = session.get(FetchedMail, detail["new_id"])
    assert new is not None and (new.uid, new.ticket_id) == (777, ticket.id)
    again = post(client, f"/admin/quarantine/{record_id}/reprocess", follow_redirects=True)
    # SQLite may give the new record the old id; either way nothing is reprocessed twice
    assert again.status_code == 404 or "no longer in quarantine" in again.get_data(as_text=True)
    assert len(audits(session, "quarantine.reprocess")) == 1


def test_reprocessing_garbage_quarantines_it_again(client: FlaskClient, session: Session) -> None:
    record = garbage(session)
    sign_in(client, session)
    response = post(client, f"/admin/quarantine/{record.id}/reprocess", follow_redirects=True)
    assert "went back to the quarantine: parse error" in response.get_data(as_text=True)
    session.rollback()
    assert session.scalars(select(FetchedMail.outcome)).all() == ["quarantined"]


def test_unfetched_mail_says_where_it_is_and_an_unreachable_mailbox_is_clear(
    client: FlaskClient, web_app: Flask, session: Session
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    web_app.config["IMAP_PORT"] = port
    mailbox = ImapConfig.from_config(web_app.config).mailbox
    record = record_quarantine(session, MailSource(mailbox, 1, 5), None, "too large", 30_000_000)
    session.commit()
    sign_in(client, session)
    page = client.get(f"/admin/quarantine/{record.id}").get_data(as_text=True)
    assert "never fetched" in page and f"helpdesk quarantine reprocess {record.id}" in page
    assert client.get(f"/admin/quarantine/{record.id}/raw.eml").status_code == 404
    response = post(client, f"/admin/quarantine/{record.id}/reprocess", follow_redirects=True)
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "was not reprocessed" in text and "Traceback" not in text
    reload(session, record)
    assert record.outcome == "quarantined" and audits(session, "quarantine.reprocess") == []


def test_oversized_mail_is_fetched_from_the_mailbox_on_reprocess(
    app: Flask, web_app: Flask, client: FlaskClient, session: Session, imap_server
) -> None:  # type: ignore[no-untyped-def]
    imap_server.append(make_huge_mail(300_000, subject="Huge photo of a broken case"))
    make_poller(app, imap_server, config={"MAX_MESSAGE_BYTES": 100_000}).run_once()
    record = session.scalars(select(FetchedMail)).one()
    assert record.outcome == "quarantined" and record.raw_sha256 is None
    web_app.config.update(
        IMAP_HOST=imap_server.host,
        IMAP_PORT=imap_server.port,
        IMAP_USERNAME=imap_server.username,
        IMAP_PASSWORD=imap_server.password,
        IMAP_SSL="false",
        MAX_MESSAGE_BYTES=100_000,
    )
    sign_in(client, session)
    response = post(client, f"/admin/quarantine/{record.id}/reprocess", follow_redirects=True)
    assert "reprocessed: ticket" in response.get_data(as_text=True)
    session.rollback()
    assert session.scalars(select(Ticket.category)).all() == ["warranty"]
    assert audits(session, "quarantine.reprocess")[0][2]["outcome"] == "ticket"


def test_mailbox_health(client: FlaskClient, web_app: Flask, session: Session) -> None:
    now = utcnow()
    session.add(
        MailboxCursor(
            mailbox="support@imap.example:993/INBOX",
            uidvalidity=42,
            last_uid=1234,
            last_poll_at=now,
            last_error="LOGIN failed",
            last_error_at=now - timedelta(hours=1),
        )
    )
    ingest(session, make_mail(subject="Where is my order?"))
    garbage(session)
    old = garbage(session, 1)
    day_start = start_of_day(now, web_app.config["HELPDESK_TIMEZONE"])
    old.created_at = day_start - timedelta(minutes=1)  # yesterday in the store's time zone
    ticket = make_ticket(session)
    failed = OutboxMail(
        ticket_id=ticket.id,
        kind="reply",
        message_id="<f1@helpdesk.procase.com>",
        from_address="support@procase.com",
        to_address="kim@example.com",
        subject="About your order",
        text="Hello",
        status="failed",
        last_error="550 mailbox unavailable",
    )
    session.add(failed)
    session.commit()
    sign_in(client, session)
    page = client.get("/admin/mailbox").get_data(as_text=True)
    assert "support@imap.example:993/INBOX" in page and "LOGIN failed" in page and "1234" in page
    assert '<a href="/admin/quarantine">Quarantined</a></th><td>1</td>' in page
    assert '<th scope="row">New ticket</th><td>1</td>' in page
    assert '<th scope="row">Failed</th><td>1</td>' in page
    assert '<th scope="row">Waiting to be sent</th><td>1</td>' in page  # the acknowledgement
    # midnight in the store's zone, said as such: "Since 00:00 PST (08:00 UTC)"
    utc_start = day_start.astimezone(UTC)
    assert f">00:00 {day_start.tzname()}</time> ({utc_start:%H:%M} UTC)" in page
    assert utc_start.hour in (7, 8)  # America/Los_Angeles, summer or winter
    assert "550 mailbox unavailable" in page and f"Ticket #{ticket.number}" in page
