"""Two outbox senders at once (two real `helpdesk outbox send --once` processes) against one
database and a real SMTP server: every queued mail arrives exactly once."""

from __future__ import annotations

import email
from collections import Counter
from datetime import timedelta
from email import policy

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpdesk.models import OutboxMail, utcnow
from tests.poller_helpers import app_env, popen_cli

MAILS = 300  # enough that the two processes' claims (all made before sending) overlap


def test_two_senders_at_once_send_each_mail_once(app: Flask, session: Session, smtp_server) -> None:  # type: ignore[no-untyped-def]
    due = utcnow() - timedelta(seconds=1)
    for i in range(MAILS):
        session.add(
            OutboxMail(
                kind="reply",
                message_id=f"concurrency-{i}@helpdesk.procase.com",
                from_address="support@procase.com",
                to_address=f"customer{i}@example.com",
                subject=f"Re: question {i}",
                text=f"Answer {i}",
                next_attempt_at=due,
            )
        )
    session.commit()

    env = app_env(app, MAIL_SERVER=smtp_server.host, MAIL_PORT=str(smtp_server.port))
    procs = [popen_cli(["outbox", "send", "--once"], env) for _ in range(2)]
    outputs = []
    for proc in procs:
        out, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err
        outputs.append(out)

    arrived = Counter(
        email.message_from_bytes(raw, policy=policy.default)["Message-ID"]
        for raw in smtp_server.wait_for(MAILS, timeout=30)
    )
    expected = {f"<concurrency-{i}@helpdesk.procase.com>" for i in range(MAILS)}
    assert set(arrived) == expected
    assert all(n == 1 for n in arrived.values()), arrived.most_common(3)
    assert len(smtp_server.messages) == MAILS
    # each process reports what it sent; together exactly every mail
    sent = [int(out.split("sent ", 1)[1].split(",", 1)[0]) for out in outputs]
    assert sum(sent) == MAILS, outputs
    session.expire_all()
    statuses = dict(
        session.execute(select(OutboxMail.status, func.count()).group_by(OutboxMail.status)).all()
    )
    assert statuses == {"sent": MAILS}
