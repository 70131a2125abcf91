"""The poller against a real IMAP server (Dovecot, or pymap where Dovecot is missing)."""

from __future__ import annotations

import json
import signal
import threading
import time
from datetime import UTC, datetime

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpdesk.models import FetchedMail, MailboxCursor, Message, Ticket
from mail_ingest.imap import MailboxUnavailable
from tests.mailfactory import make_huge_mail, make_mail
from tests.poller_helpers import cli_env, make_poller, popen_cli, run_cli


def count(session: Session, model: type, *where: object) -> int:
    session.rollback()  # end this session's snapshot: other processes wrote meanwhile
    return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


SENT = datetime.now(UTC).replace(microsecond=0)  # one Date: mail i is the same bytes each time


def mails(n: int, start: int = 0) -> list[bytes]:
    return [
        make_mail(
            subject=f"Where is my order {i}?",
            sender=f"c{i}@example.com",
            message_id=f"m{i}@example.com",
            date=SENT,
        )
        for i in range(start, start + n)
    ]


def test_run_once_ingests_everything_including_read_mail(
    app: Flask, session: Session, imap_server
) -> None:  # type: ignore[no-untyped-def]
    imap_server.append_many(mails(3))
    imap_server.append(
        make_mail(subject="Already read", message_id="read@example.com"), flags=[b"\\Seen"]
    )
    result = make_poller(app, imap_server).run_once()
    assert result.fetched == 4 and result.outcomes == {"ticket": 4}
    assert count(session, Ticket) == 4
    assert all(b"\\Seen" in m.flags for m in imap_server.fetch_all())
    assert make_poller(app, imap_server).run_once().fetched == 0
    cursor = session.scalars(select(MailboxCursor)).one()
    assert cursor.last_uid == max(m.uid for m in imap_server.fetch_all())
    assert cursor.last_poll_at is not None


def test_mark_seen_can_be_turned_off(app: Flask, imap_server) -> None:  # type: ignore[no-untyped-def]
    imap_server.append_many(mails(2))
    make_poller(app, imap_server, mark_seen=False).run_once()
    assert all(b"\\Seen" not in m.flags for m in imap_server.fetch_all())


def test_reply_in_mailbox_threads_into_ticket(app: Flask, session: Session, imap_server) -> None:  # type: ignore[no-untyped-def]
    imap_server.append(make_mail(subject="Wrong Item Received", message_id="w@example.com"))
    make_poller(app, imap_server).run_once()
    imap_server.append(
        make_mail(
            subject="Re: Wrong Item Received",
            in_reply_to="w@example.com",
            attachments=[("photo.jpg", "image/jpeg", b"\xff\xd8\xff")],
        )
    )
    result = make_poller(app, imap_server).run_once()
    assert result.outcomes == {"reply": 1}
    assert count(session, Ticket) == 1
    assert count(session, Message, Message.direction == "inbound") == 2


def test_uidvalidity_change_rescans_without_duplicates(
    app: Flask, session: Session, imap_server
) -> None:  # type: ignore[no-untyped-def]
    imap_server.append_many(mails(3))
    make_poller(app, imap_server).run_once()
    before = imap_server.uidvalidity()
    imap_server.reset_uidvalidity()
    assert imap_server.uidvalidity() != before
    imap_server.append_many(mails(1, start=3))
    result = make_poller(app, imap_server).run_once()
    assert result.outcomes == {"ignored": 3, "ticket": 1}
    assert count(session, Ticket) == 4
    assert count(session, FetchedMail) == 7


def test_oversized_mail_is_quarantined_unfetched_then_reprocessed(
    app: Flask, session: Session, imap_server
) -> None:  # type: ignore[no-untyped-def]
    imap_server.append(make_huge_mail(300_000, subject="Huge photo"))
    imap_server.append_many(mails(1))
    poller = make_poller(app, imap_server, config={"MAX_MESSAGE_BYTES": 100_000})
    result = poller.run_once()
    assert result.outcomes == {"quarantined": 1, "ticket": 1}
    record = session.scalars(select(FetchedMail).where(FetchedMail.outcome == "quarantined")).one()
    assert record.reason.startswith("too large") and record.raw_sha256 is None
    env = cli_env(app, imap_server, MAX_MESSAGE_BYTES="100000")
    listed = run_cli(["quarantine", "list"], env)
    assert listed.returncode == 0 and "too large" in listed.stdout
    record_id = record.id
    done = run_cli(["quarantine", "reprocess", str(record_id)], env)
    assert done.returncode == 0, done.stderr
    assert "ticket" in done.stdout, done.stdout
    assert count(session, Ticket) == 2, done.stdout
    again = run_cli(["quarantine", "reprocess", str(record_id)], env)
    assert again.returncode != 0 and "Error:" in again.stderr and "Traceback" not in again.stderr


def test_one_bad_mail_never_stops_the_poller(
    app: Flask, session: Session, imap_server, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    import mail_ingest.route as route

    real = route._route

    def flaky(session, batch, record, mail, settings, rules):  # type: ignore[no-untyped-def]
        if "poison" in mail.subject:
            raise ValueError("a bug triggered by this mail")
        return real(session, batch, record, mail, settings, rules)

    monkeypatch.setattr(route, "_route", flaky)
    imap_server.append_many([*mails(1), make_mail(subject="poison"), *mails(1, start=1)])
    result = make_poller(app, imap_server).run_once()
    assert result.outcomes == {"ticket": 2, "quarantined": 1}
    record = session.scalars(select(FetchedMail).where(FetchedMail.outcome == "quarantined")).one()
    assert "a bug triggered by this mail" in record.reason and record.raw_sha256
    monkeypatch.setattr(route, "_route", real)
    env = cli_env(app, imap_server)
    assert run_cli(["quarantine", "reprocess", str(record.id)], env).returncode == 0
    assert count(session, Ticket) == 3


def test_connection_dropped_mid_fetch_then_resumed(
    app: Flask, session: Session, imap_server, fault_proxy_factory
) -> None:  # type: ignore[no-untyped-def]
    imap_server.append_many(mails(40))
    proxy = fault_proxy_factory(imap_server.host, imap_server.port)
    proxy.cut_after(10_000, connections=1)
    with pytest.raises(Exception) as info:
        make_poller(app, imap_server, port=proxy.port, batch_size=10).run_once()
    assert not isinstance(info.value, AssertionError)
    partial = count(session, Ticket)
    assert partial < 40
    make_poller(app, imap_server, port=proxy.port, batch_size=10).run_once()
    assert count(session, Ticket) == 40
    assert count(session, FetchedMail) == 40


def test_unreachable_server_and_bad_login_fail_with_one_line(app: Flask, imap_server) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(MailboxUnavailable):
        make_poller(app, imap_server, port=1).run_once()
    env = cli_env(app, imap_server, IMAP_PORT="1")
    result = run_cli(["ingest", "--once"], env)
    assert result.returncode != 0
    assert result.stderr.strip().count("\n") == 0 and "cannot reach" in result.stderr
    env = cli_env(app, imap_server, IMAP_PASSWORD="wrong")
    result = run_cli(["ingest", "--once"], env)
    assert result.returncode != 0 and "login" in result.stderr and "Traceback" not in result.stderr


def test_cli_ingest_once_and_exports(app: Flask, imap_server) -> None:  # type: ignore[no-untyped-def]
    imap_server.append_many(mails(2))
    imap_server.append(mails(1)[0])  # the same mail again
    env = cli_env(app, imap_server)
    result = run_cli(["ingest", "--once"], env)
    assert result.returncode == 0, result.stderr
    tickets = [json.loads(line) for line in run_cli(["export", "tickets"], env).stdout.splitlines()]
    assert [t["number"] for t in tickets] == [1001, 1002]
    first = tickets[0]
    assert first["customer"] == "c0@example.com" and first["category"] == "shipping"
    assert [m["direction"] for m in first["messages"]] == ["inbound", "outbound"]
    assert first["messages"][1]["automatic"] is True
    inbound = [json.loads(line) for line in run_cli(["export", "inbound"], env).stdout.splitlines()]
    assert [(i["outcome"], i["ticket"]) for i in inbound] == [
        ("ticket", 1001),
        ("ticket", 1002),
        ("ignored", 1001),
    ]
    assert [i["uid"] for i in inbound] == [m.uid for m in imap_server.fetch_all()]
    assert inbound[2]["reason"] == "duplicate"


def test_killed_between_fetch_and_commit_loses_and_duplicates_nothing(
    app: Flask, session: Session, imap_server
) -> None:  # type: ignore[no-untyped-def]
    imap_server.append_many(mails(30))
    env = cli_env(app, imap_server, IMAP_BATCH_SIZE="10")
    # A poller that dies (os._exit, no cleanup) right after fetching its third batch: the
    # first is committed, the second was fetched and parsed (in the worker) but not written.
    script = (
        "import os, mail_ingest.imap as imap\n"
        "real = imap.fetch_bodies; calls = []\n"
        "def dying(client, uids):\n"
        "    calls.append(1); data = real(client, uids)\n"
        "    if len(calls) == 3: os._exit(9)\n"
        "    return data\n"
        "imap.fetch_bodies = dying\n"
        "from helpdesk.cli import main\n"
        "main(['ingest', '--once'])\n"
    )
    import subprocess
    import sys

    died = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert died.returncode == 9
    assert count(session, Ticket) == 10
    assert run_cli(["ingest", "--once"], env).returncode == 0
    assert count(session, Ticket) == 30
    assert count(session, FetchedMail) == 30


def test_two_pollers_at_once_ingest_each_mail_once(
    app: Flask, session: Session, imap_server
) -> None:  # type: ignore[no-untyped-def]
    imap_server.append_many(mails(200))
    env = cli_env(app, imap_server, IMAP_BATCH_SIZE="7")
    procs = [popen_cli(["ingest", "--once"], env) for _ in range(2)]
    for proc in procs:
        _out, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err
    assert count(session, Ticket) == 200
    assert count(session, FetchedMail) == 200
    numbers = session.scalars(select(Ticket.number).order_by(Ticket.number)).all()
    assert numbers == list(range(1001, 1201))


def test_ingest_runs_until_sigterm_and_picks_up_new_mail(
    app: Flask, session: Session, imap_server
) -> None:  # type: ignore[no-untyped-def]
    env = cli_env(app, imap_server, IMAP_POLL_SECONDS="30")
    proc = popen_cli(["ingest"], env)
    try:
        imap_server.append_many(mails(2))
        deadline = time.monotonic() + 30
        while count(session, Ticket) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert count(session, Ticket) == 2  # IDLE woke it long before the 30 s poll
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=20)
        assert proc.returncode == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def test_run_forever_reconnects_after_the_server_goes_away(
    app: Flask, session: Session, imap_server, fault_proxy_factory
) -> None:  # type: ignore[no-untyped-def]
    proxy = fault_proxy_factory(imap_server.host, imap_server.port)
    poller = make_poller(app, imap_server, port=proxy.port, poll_seconds=1)
    thread = threading.Thread(target=poller.run_forever, daemon=True)
    thread.start()
    try:
        imap_server.append_many(mails(1))
        deadline = time.monotonic() + 20
        while count(session, Ticket) < 1 and time.monotonic() < deadline:
            time.sleep(0.1)
        proxy.drop_all()
        imap_server.append_many(mails(1, start=1))
        deadline = time.monotonic() + 30
        while count(session, Ticket) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert count(session, Ticket) == 2
    finally:
        poller.stop.set()
        thread.join(timeout=20)
    assert not thread.is_alive()
