"""Notifications through the commands a deployment runs, each its own process: `helpdesk
ingest --once` (the poller) notifies a category's follower, `helpdesk sla check` the
assignee of a late ticket, and `helpdesk outbox send --once` delivers both to the SMTP
server (NOTIFY_GROUP_SECONDS=0: nothing held, no waiting)."""

from __future__ import annotations

import email
from datetime import timedelta
from email import policy

from flask import Flask
from sqlalchemy.orm import Session

from helpdesk.models import CategoryFollow, SlaTarget, utcnow
from tests.factories import make_ticket, make_user
from tests.mailfactory import make_mail
from tests.poller_helpers import cli_env, run_cli


def test_the_poller_and_the_sla_check_commands_notify(
    app: Flask,
    session: Session,
    imap_server,  # type: ignore[no-untyped-def]
    smtp_server,  # type: ignore[no-untyped-def]
) -> None:
    follower, agent = make_user(session), make_user(session)
    session.add(CategoryFollow(user_id=follower.id, category="shipping"))
    session.add(SlaTarget(category="general", first_response_minutes=60, resolution_minutes=None))
    late = make_ticket(session, subject="Still nothing", category="general", status="open")
    late.created_at, late.assignee_id = utcnow() - timedelta(hours=2), agent.id
    session.commit()
    imap_server.append(make_mail(subject="Where is my order?", sender="c@example.com"))
    env = cli_env(
        app,
        imap_server,
        NOTIFY_GROUP_SECONDS="0",
        MAIL_SERVER=smtp_server.host,
        MAIL_PORT=str(smtp_server.port),
    )
    for args in (["ingest", "--once"], ["sla", "check"], ["outbox", "send", "--once"]):
        result = run_cli(args, env)
        assert result.returncode == 0, result.stderr
    bodies: dict[str, str] = {}
    for _from, rcpts, raw in smtp_server.envelopes:
        mail = email.message_from_bytes(raw, policy=policy.default)
        for rcpt in rcpts:
            bodies[rcpt] = str(mail.get_body(("plain",)).get_content())  # type: ignore[union-attr]
    assert "in a category you follow." in bodies[follower.email]
    assert f"#{late.number} missed its first response target" in bodies[agent.email]
    assert "c@example.com" in bodies  # the acknowledgement, no notification
    assert "category you follow" not in bodies["c@example.com"]
