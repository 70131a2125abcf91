from __future__ import annotations

import logging
import signal
import threading

import click
from flask import current_app
from flask.cli import with_appcontext

from helpdesk.extensions import db
from mail_ingest.imap import MailboxUnavailable
from mail_ingest.poller import make_poller, poller_settings
from mail_ingest.quarantine import ReprocessError, fetch_if_missing, list_quarantine, reprocess


@click.command("ingest")
@click.option("--once", is_flag=True, help="Fetch everything new, then exit.")
@with_appcontext
def ingest(once: bool) -> None:
    """Turn new support mail into tickets (runs until SIGTERM unless --once)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    if once:
        try:
            result = make_poller(current_app).run_once()
        except MailboxUnavailable as exc:
            raise click.ClickException(str(exc)) from None
        outcomes = ", ".join(f"{k} {v}" for k, v in sorted(result.outcomes.items()))
        click.echo(f"Fetched {result.fetched} mails" + (f": {outcomes}" if outcomes else ""))
        return
    stop = threading.Event()

    def _stop(signum: int, frame: object) -> None:
        click.echo("Stopping after the current mail…", err=True)
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    make_poller(current_app, stop).run_forever()


@click.group("quarantine")
def quarantine() -> None:
    """Mail that could not become a ticket."""


@quarantine.command("list")
@with_appcontext
def list_command() -> None:
    """List quarantined mails with their reasons."""
    rows = list_quarantine(db.session)
    if not rows:
        click.echo("The quarantine is empty.")
    for row in rows:
        click.echo(
            f"{row.id}\t{row.mailbox}\tuid {row.uid}\t{row.size} bytes\t"
            f"{row.message_id or '-'}\t{row.reason}"
        )


@quarantine.command("reprocess")
@click.argument("record_id", type=int)
@with_appcontext
def reprocess_command(record_id: int) -> None:
    """Run a quarantined mail through ingestion again."""
    settings = poller_settings(current_app)
    try:
        raw = fetch_if_missing(db.session, record_id, settings.imap)
        record = reprocess(db.session, record_id, settings.ingest, raw)
        db.session.commit()
    except (ReprocessError, MailboxUnavailable) as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    where = f" (ticket id {record.ticket_id})" if record.ticket_id else ""
    click.echo(
        f"Mail {record_id}: {record.outcome}{where}"
        + (f": {record.reason}" if record.reason else "")
    )


def register(group: click.Group) -> None:
    group.add_command(ingest)
    group.add_command(quarantine)
