"""A safe first connection, through the real IMAP server: old, future, forged and spam mail."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from helpdesk.models import FetchedMail, OutboxMail, Ticket, TicketEvent, utcnow
from tests.factories import make_user
from tests.ingest_helpers import ingest
from tests.mailfactory import make_mail
from tests.poller_helpers import cli_env, make_poller, run_cli
from tests.test_api_policy import bearer
from tests.test_api_tickets import token_for
from tests.test_cli import empty_db_env  # noqa: F401 (a fixture)
from tests.test_web import login

CORPUS = Path(__file__).parent / "corpus"
TRUST_OUR_MX = {"HELPDESK_TRUSTED_AUTHSERV_IDS": "mx.procase.com"}


def received(at: datetime) -> str:
    return f"from mail.example.com by mx.procase.com; {format_datetime(at)}"


def ingest_all(app: Flask, imap: Any, *raws: bytes, **config: Any) -> dict[str, int]:
    imap.append_many(list(raws))
    return make_poller(app, imap, config=config).run_once().outcomes


def ticket_of(session: Session, subject: str) -> Ticket:
    session.rollback()
    return session.scalars(select(Ticket).where(Ticket.subject == subject)).unique().one()


def acks(session: Session, ticket: Ticket) -> int:
    return len(session.scalars(select(OutboxMail).where(OutboxMail.ticket_id == ticket.id)).all())


def not_acknowledged(session: Session, ticket: Ticket) -> list[str]:
    return [
        e.detail or ""
        for e in session.scalars(
            select(TicketEvent).where(
                TicketEvent.ticket_id == ticket.id, TicketEvent.kind == "not_acknowledged"
            )
        )
    ]


def test_old_mail_is_a_ticket_dated_when_written_and_not_acknowledged(
    app: Flask, session: Session, imap_server: Any
) -> None:
    written = (utcnow() - timedelta(days=3)).replace(microsecond=0)
    old = make_mail(
        subject="Old question",
        date=written,
        headers={"Received": received(written + timedelta(seconds=4))},
    )
    fresh = make_mail(subject="New question", sender="bob@example.com")
    assert ingest_all(app, imap_server, old, fresh) == {"ticket": 2}
    ticket = ticket_of(session, "Old question")
    assert ticket.first_contact_at == written
    assert ticket.created_at - written > timedelta(days=2)
    assert acks(session, ticket) == 0
    (why,) = not_acknowledged(session, ticket)
    assert f"wrote on {written:%Y-%m-%d %H:%M} UTC, more than 24 hours before" in why
    new = ticket_of(session, "New question")
    assert acks(session, new) == 1 and not_acknowledged(session, new) == []
    assert abs(new.first_contact_at - new.created_at) < timedelta(minutes=1)


def test_the_age_limit_is_a_setting(app: Flask, session: Session, imap_server: Any) -> None:
    written = utcnow() - timedelta(hours=30)
    raw = make_mail(subject="Yesterday's question", date=written)
    assert ingest_all(app, imap_server, raw, HELPDESK_ACK_MAX_AGE_HOURS=48) == {"ticket": 1}
    assert acks(session, ticket_of(session, "Yesterday's question")) == 1


def test_future_dated_mail_gets_the_ingest_time(
    app: Flask, session: Session, imap_server: Any
) -> None:
    before = utcnow()
    raw = make_mail(subject="From the future", date=utcnow() + timedelta(days=2))
    assert ingest_all(app, imap_server, raw) == {"ticket": 1}
    ticket = ticket_of(session, "From the future")
    assert before <= ticket.first_contact_at <= utcnow()
    assert acks(session, ticket) == 1


def test_a_date_long_before_the_mail_travelled_gets_the_ingest_time(
    app: Flask, session: Session, imap_server: Any
) -> None:
    raw = make_mail(
        subject="Wrong clock",
        date="Tue, 01 Jan 1980 10:00:00 +0000",
        headers={"Received": received(utcnow() - timedelta(minutes=5))},
    )
    assert ingest_all(app, imap_server, raw) == {"ticket": 1}
    ticket = ticket_of(session, "Wrong clock")
    assert ticket.first_contact_at.year == utcnow().year and acks(session, ticket) == 1


def test_mail_before_ingest_since_is_recorded_as_ignored(
    app: Flask, session: Session, imap_server: Any
) -> None:
    today = datetime.now(UTC).date()
    old = make_mail(subject="Last month", date=utcnow() - timedelta(days=30))
    fresh = make_mail(subject="Today", sender="bob@example.com")
    outcomes = ingest_all(app, imap_server, old, fresh, IMAP_INGEST_SINCE=today - timedelta(days=7))
    assert outcomes == {"ignored": 1, "ticket": 1}
    session.rollback()
    assert [t.subject for t in session.scalars(select(Ticket)).unique()] == ["Today"]
    record = session.scalars(select(FetchedMail).where(FetchedMail.outcome == "ignored")).one()
    assert record.ticket_id is None and record.raw_sha256  # kept: nothing is lost
    assert "before IMAP_INGEST_SINCE" in (record.reason or "")


def test_forged_mail_is_a_ticket_marked_and_not_acknowledged(
    app: Flask, session: Session, imap_server: Any, client: FlaskClient
) -> None:
    forged = make_mail(
        subject="Please refund me",
        sender="victim@example.org",
        headers={
            "Authentication-Results": "mx.procase.com; spf=fail smtp.mailfrom=example.org;"
            " dkim=none; dmarc=fail (p=reject) header.from=example.org"
        },
    )
    assert ingest_all(app, imap_server, forged, **TRUST_OUR_MX) == {"ticket": 1}
    ticket = ticket_of(session, "Please refund me")
    assert acks(session, ticket) == 0
    (why,) = not_acknowledged(session, ticket)
    assert "the sender failed DMARC at mx.procase.com" in why
    login(client, make_user(session).email)
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert "Not acknowledged: the sender failed DMARC at mx.procase.com" in page
    assert f'Customer wrote: <time datetime="{ticket.first_contact_at.isoformat()}"' in page


def test_the_same_header_from_a_server_we_do_not_trust_is_ignored(
    app: Flask, session: Session, imap_server: Any
) -> None:
    raw = make_mail(
        subject="Forged verdict",
        headers={"Authentication-Results": "mx.evil.example; spf=fail; dkim=none; dmarc=fail"},
    )
    assert ingest_all(app, imap_server, raw, **TRUST_OUR_MX) == {"ticket": 1}
    ticket = ticket_of(session, "Forged verdict")
    assert acks(session, ticket) == 1 and not_acknowledged(session, ticket) == []


def test_spam_flagged_mail_is_not_acknowledged(
    app: Flask, session: Session, imap_server: Any
) -> None:
    raw = make_mail(subject="Cheap watches", headers={"X-Spam-Flag": "YES"})
    assert ingest_all(app, imap_server, raw) == {"ticket": 1}
    ticket = ticket_of(session, "Cheap watches")
    assert acks(session, ticket) == 0
    assert not_acknowledged(session, ticket) == [
        "a spam filter marked it as spam (X-Spam-Flag: yes)"
    ]


def test_corpus_forged_and_spam_mail(app: Flask, session: Session, imap_server: Any) -> None:
    """The corpus mails were written days ago: the age limit is off to see the rules alone."""
    raws = [(CORPUS / name).read_bytes() for name in ("forged_dmarc_fail.eml", "spam_flagged.eml")]
    outcomes = ingest_all(app, imap_server, *raws, HELPDESK_ACK_MAX_AGE_HOURS=0, **TRUST_OUR_MX)
    assert outcomes == {"ticket": 2}
    forged = ticket_of(session, "Refund for order #100777 not received")
    spam = ticket_of(session, "Urgent: your seller account will be suspended")
    assert forged.first_contact_at == datetime(2026, 11, 30, 3, 12, 40, tzinfo=UTC)
    assert spam.first_contact_at == datetime(2026, 12, 1, 14, 5, 2, tzinfo=UTC)
    assert session.scalars(select(OutboxMail)).all() == []
    # the lower, forged "dmarc=pass" changes nothing: only our server's own header counts
    assert not_acknowledged(session, forged) == [
        "the sender failed DMARC at mx.procase.com; the sender failed SPF at mx.procase.com,"
        " with no DKIM signature passing"
    ]
    assert not_acknowledged(session, spam) == ["a spam filter marked it as spam (X-Spam-Flag: yes)"]


def test_export_and_api_give_first_contact_at(
    app: Flask, session: Session, imap_server: Any, client: FlaskClient
) -> None:
    written = (utcnow() - timedelta(days=3)).replace(microsecond=0)
    imap_server.append(make_mail(subject="Old question", date=written))
    env = cli_env(app, imap_server)
    assert run_cli(["ingest", "--once"], env).returncode == 0
    (exported,) = [
        json.loads(line) for line in run_cli(["export", "tickets"], env).stdout.splitlines()
    ]
    assert exported["first_contact_at"] == written.isoformat()
    session.rollback()
    ticket = session.scalars(select(Ticket)).unique().one()
    got = client.get(f"/api/v1/tickets/{ticket.number}", headers=bearer(token_for(session)))
    assert got.status_code == 200
    assert got.get_json()["first_contact_at"] == written.isoformat()


def test_migration_0008_backfills_first_contact_at(empty_db_env: dict[str, str]) -> None:  # noqa: F811
    from sqlalchemy import create_engine

    assert run_cli(["db", "upgrade", "0006"], empty_db_env).returncode == 0
    engine = create_engine(empty_db_env["DATABASE_URL"])
    created = datetime(2026, 11, 2, 17, 30, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO customer (id, email, name, created_at) "
                "VALUES (1, 'a@example.com', 'A', :at)"
            ),
            {"at": created},
        )
        conn.execute(
            text(
                "INSERT INTO ticket (id, number, subject, category, status, priority, customer_id,"
                " created_at, updated_at) VALUES (1, 1001, 'Old', 'general', 'new', 'normal', 1,"
                " :at, :at)"
            ),
            {"at": created},
        )
    engine.dispose()
    upgrade = run_cli(["db", "upgrade"], empty_db_env)
    assert upgrade.returncode == 0, upgrade.stderr
    with engine.connect() as conn:
        first, at = conn.execute(text("SELECT first_contact_at, created_at FROM ticket")).one()
    engine.dispose()
    assert first == at and first is not None
    assert run_cli(["db", "downgrade", "0006"], empty_db_env).returncode == 0


def test_hostile_years_in_date_and_received_still_make_a_ticket(session: Session) -> None:
    raw = make_mail(
        subject="Year 9999",
        date="Fri, 31 Dec 9999 23:59:00 -1200",
        headers={"Received": "from a by mx.procase.com; Fri, 31 Dec 9999 23:59:00 -1200"},
    )
    before = utcnow()
    record = ingest(session, raw)
    assert record.outcome == "ticket"
    ticket = ticket_of(session, "Year 9999")
    assert before <= ticket.first_contact_at <= utcnow() and acks(session, ticket) == 1
