from __future__ import annotations

import logging
import signal
import socket
import threading

import click
from flask import current_app
from flask.cli import with_appcontext

from helpdesk.database import writer_session
from helpdesk.extensions import db
from helpdesk.mailauth import OAuthFailure
from helpdesk.models import utcnow
from helpdesk.outbox.sender import SenderSettings, send_due
from helpdesk.periodic import Periodic


@click.group("outbox")
def outbox() -> None:
    """Outgoing mail."""


@outbox.command("send")
@click.option("--once", is_flag=True, help="Send what is due now, then exit.")
@with_appcontext
def send(once: bool) -> None:
    """Send queued mail through SMTP (runs until SIGTERM unless --once).

    The loop also reopens the snoozed tickets whose time has come and notices SLA targets
    due soon or missed (it always runs in production: acknowledgements and replies need it)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    socket.setdefaulttimeout(60)
    log = logging.getLogger("helpdesk.outbox")
    settings = SenderSettings.from_app(current_app)
    if once:
        try:
            counts = send_due(writer_session(db.engine), settings, limit=10_000)
        except OAuthFailure as exc:
            raise click.ClickException(f"nothing sent: {exc}") from None
        click.echo(", ".join(f"{k} {v}" for k, v in counts.items()))
        return
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    pause = float(current_app.config["OUTBOX_POLL_SECONDS"])
    session = writer_session(db.engine)
    periodic = Periodic.from_app(current_app)
    while not stop.is_set():
        try:
            counts = send_due(session, settings)
        except OAuthFailure as exc:  # the mail waits, queued; try again in a while
            log.warning("outbox: nothing sent: %s", exc)
            counts = {}
        if any(counts.values()):
            log.info("outbox: %s", counts)
        periodic.run(session, utcnow())  # failures are logged; sending goes on meanwhile
        stop.wait(pause)


def register(group: click.Group) -> None:
    group.add_command(outbox)
