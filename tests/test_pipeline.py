"""Parsing in a worker process while the poller writes (mail_ingest.pipeline)."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpdesk.models import FetchedMail, Message, Ticket
from mail_ingest.pipeline import ParsePool, parse_all
from tests.mailfactory import make_mail
from tests.poller_helpers import make_poller

CORPUS = sorted((Path(__file__).parent / "corpus").glob("*.eml"))


def corpus() -> list[bytes]:
    return [path.read_bytes() for path in CORPUS] + [b"", b"\x00not a mail at all\xff"]


def test_a_worker_parses_exactly_like_the_poller() -> None:
    raws = corpus()
    with ParsePool(2) as pool:
        assert pool.submit(raws).result() == parse_all(raws)


def test_no_workers_parses_in_this_process() -> None:
    raws = corpus()[:3]
    with ParsePool(0) as pool:
        assert pool.submit(raws).result() == parse_all(raws)


def test_a_dead_worker_costs_only_time() -> None:
    raws = corpus()
    with ParsePool(1) as pool:
        assert pool.submit(raws[:2]).result() == parse_all(raws[:2])  # the worker is up
        pending = pool.submit(raws)
        for process in list(pool._executor._processes.values()):  # type: ignore[union-attr]
            process.kill()
        assert pending.result() == parse_all(raws)
        assert pool.submit(raws[:1]).result() == parse_all(raws[:1])  # and afterwards too


def test_poller_with_a_parse_worker_ingests_every_batch_once(
    app: Flask, session: Session, imap_server
) -> None:  # type: ignore[no-untyped-def]
    """Batches of 4: replies join tickets opened in earlier batches, a copy is a duplicate,
    bad bytes are quarantined, and nothing is lost at the batch boundaries."""
    raws = []
    for i in range(10):
        raws.append(
            make_mail(
                subject=f"Return request {i}",
                sender=f"c{i}@example.com",
                message_id=f"open{i}@example.com",
            )
        )
        if i % 3 == 2:
            raws.append(
                make_mail(
                    subject=f"Re: Return request {i - 2}",
                    sender=f"c{i - 2}@example.com",
                    message_id=f"re{i}@example.com",
                    in_reply_to=f"open{i - 2}@example.com",
                )
            )
    raws.append(raws[0])  # the same mail twice
    raws.append(b"\xff\xfe\x00\x00")
    imap_server.append_many(raws)
    result = make_poller(app, imap_server, batch_size=4, parse_workers=1).run_once()
    assert result.fetched == len(raws) == 15
    assert result.outcomes == {"ticket": 10, "reply": 3, "ignored": 1, "quarantined": 1}
    assert session.scalar(select(func.count()).select_from(Ticket)) == 10
    opener_of = dict(
        session.execute(
            select(Message.ticket_id, Message.message_id).where(
                Message.message_id.like("open%@example.com")
            )
        ).all()
    )
    for reply in session.scalars(select(Message).where(Message.message_id.like("re%"))):
        i = int(reply.message_id.removeprefix("re").split("@")[0])
        assert opener_of[reply.ticket_id] == f"open{i - 2}@example.com"
    uids = session.scalars(select(FetchedMail.uid)).all()
    assert sorted(uids) == sorted(set(uids)) and len(uids) == 15
