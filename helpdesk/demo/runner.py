"""Run the demo: database and accounts, mailbox, SMTP sink, poller, outbox sender, web app."""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import flask_migrate
from flask import Flask
from sqlalchemy import func, select
from werkzeug.serving import make_server

from helpdesk.auth.services import create_user
from helpdesk.database import writer_session
from helpdesk.demo.mailbox import DemoMailbox, check_port_free
from helpdesk.demo.mails import DEMO_MAILS, SEED_COUNT, build_raw
from helpdesk.demo.orders import import_demo_orders
from helpdesk.demo.smtp_sink import start_sink
from helpdesk.extensions import db
from helpdesk.models import User, utcnow
from helpdesk.storedays import local_today
from mail_ingest.poller import make_poller

log = logging.getLogger("helpdesk.demo")

DEMO_PASSWORD = "procase-demo"
DEMO_ACCOUNTS = (
    ("admin@procase.com", "Demo Admin", "admin"),
    ("agent@procase.com", "Demo Agent", "agent"),
)
# The demo owns its mailbox and SMTP server: plain connections, no login, quick polling.
DEMO_SETTINGS: dict[str, Any] = {
    "IMAP_SSL": "false",
    "IMAP_POLL_SECONDS": 2,
    "MAIL_USE_TLS": False,
    "MAIL_USE_SSL": False,
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
}
OUTBOX_PAUSE_SECONDS = 2.0

Echo = Callable[[str], None]


def prepare_database(app: Flask, echo: Echo) -> None:
    """Run the migrations, create the demo accounts that are missing and import the
    sample orders the demo mails mention (dated around today)."""
    with app.app_context():
        flask_migrate.upgrade()
        for email, name, role in DEMO_ACCOUNTS:
            exists = db.session.scalar(select(User.id).where(func.lower(User.email) == email))
            if exists is None:
                create_user(db.session, email, name, role, DEMO_PASSWORD)
                db.session.commit()
                echo(f"Created {role} {email} / {DEMO_PASSWORD}")
            else:
                echo(f"Account {email} ({role}) already exists")
        today = local_today(utcnow(), app.config["HELPDESK_TIMEZONE"])
        report = import_demo_orders(db.session, today)
        db.session.commit()
        echo(
            f"Imported {report.orders_created + report.orders_updated} sample orders "
            "(procase.com and Amazon) that the demo mails mention"
        )


def setup_logging() -> None:
    """Readable log lines; undo Alembic's fileConfig, which disables existing loggers."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S", force=True
    )
    for logger in logging.root.manager.loggerDict.values():
        if isinstance(logger, logging.Logger):
            logger.disabled = False
    for name in ("werkzeug", "alembic", "mail.log"):
        logging.getLogger(name).setLevel(logging.WARNING)


def run_demo(app: Flask, host: str, port: int, interval: float, echo: Echo) -> None:
    """Serve the demo until SIGINT/SIGTERM, then stop every part of it."""
    config = app.config
    instance = Path(app.instance_path)
    stop = threading.Event()
    with _signals_stop(stop), contextlib.ExitStack() as stack:
        check_port_free(host, port, "web app", "--port")
        server = make_server(host, port, app, threaded=True)
        stack.callback(server.server_close)
        check_port_free(
            config["MAIL_SERVER"], config["MAIL_PORT"], "SMTP server", "MAIL_PORT", "MAIL_SERVER"
        )
        mailbox = DemoMailbox(
            config["IMAP_HOST"],
            config["IMAP_PORT"],
            config["IMAP_USERNAME"],
            config["IMAP_PASSWORD"],
            instance / "demo-imap.log",
        )
        stack.enter_context(mailbox)
        assert mailbox.process is not None
        log.info(
            "IMAP mailbox: pymap pid %s on %s:%s (user %s)",
            mailbox.process.pid,
            mailbox.host,
            mailbox.port,
            mailbox.username,
        )
        sent = instance / "demo-sent"
        sink = start_sink(config["MAIL_SERVER"], config["MAIL_PORT"], sent)
        stack.callback(sink.stop)
        log.info("SMTP sink on %s:%s writes to %s", sink.hostname, sink.port, sent)
        threads = [
            _start(app, "poller", stop, lambda s: make_poller(app, s).run_forever()),
            _start(app, "outbox", stop, lambda s: _send(app, s)),
            _start(app, "mail drip", stop, lambda s: _drip(mailbox, config, interval, s)),
        ]
        stack.callback(_join, threads, stop)
        echo(_banner(host, port, sent))
        server.serve_forever()  # returns on KeyboardInterrupt (raised by our handler)
    echo("Demo stopped.")


def _banner(host: str, port: int, sent: Path) -> str:
    shown = f"[{host}]" if ":" in host else host
    lines = [
        f"ProCase helpdesk demo: http://{shown}:{port}/",
        f"  sign in as admin@procase.com or agent@procase.com, password {DEMO_PASSWORD}",
        f"  customer mail arrives in the demo mailbox; replies land in {sent}",
        "  press Ctrl-C to stop",
    ]
    rule = "=" * max(len(line) for line in lines)
    return "\n".join([rule, *lines, rule])


@contextlib.contextmanager
def _signals_stop(stop: threading.Event) -> Iterator[None]:
    """SIGINT/SIGTERM: set `stop` and interrupt the main thread once (later ones only stop)."""

    def handler(signum: int, frame: object) -> None:
        first = not stop.is_set()
        stop.set()
        if first:
            raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    except KeyboardInterrupt:
        pass
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _start(
    app: Flask, name: str, stop: threading.Event, target: Callable[[threading.Event], None]
) -> threading.Thread:
    def run() -> None:
        try:
            with app.app_context():
                target(stop)
        except Exception:
            log.exception("demo %s failed", name)

    thread = threading.Thread(target=run, name=f"demo-{name}", daemon=True)
    thread.start()
    return thread


def _join(threads: list[threading.Thread], stop: threading.Event) -> None:
    stop.set()
    for thread in threads:
        thread.join(timeout=10)
        if thread.is_alive():
            log.warning("%s did not stop in time", thread.name)


def _send(app: Flask, stop: threading.Event) -> None:
    from helpdesk.outbox.sender import SenderSettings, send_due
    from helpdesk.periodic import Periodic

    settings = SenderSettings.from_app(app)
    periodic = Periodic.from_app(app)  # as `helpdesk outbox send`: snooze, SLA notices
    session = writer_session(db.engine)
    try:
        while not stop.is_set():
            try:
                send_due(session, settings)
            except Exception:
                log.exception("outbox: sending failed")
            # send_due can return inside a transaction (nothing was due); on SQLite a
            # writer session holds the write lock until it ends, blocking the poller.
            session.rollback()
            periodic.run(session, utcnow())
            stop.wait(OUTBOX_PAUSE_SECONDS)
    finally:
        session.close()


def _drip(mailbox: DemoMailbox, config: Any, interval: float, stop: threading.Event) -> None:
    """Put SEED_COUNT mails in the mailbox at once, then one every `interval` seconds."""
    run_id = uuid.uuid4().hex[:10]
    support = config["HELPDESK_SUPPORT_ADDRESS"]
    folder = config["IMAP_FOLDER"]
    client = mailbox.client()
    try:
        for index, mail in enumerate(DEMO_MAILS):
            if index >= SEED_COUNT and stop.wait(interval):
                return
            if stop.is_set():
                return
            client.append(folder, build_raw(mail, run_id=run_id, support_address=support))
            log.info("mailbox: new mail from %s: %s", mail.name, mail.subject)
        log.info("mailbox: all %d demo mails delivered", len(DEMO_MAILS))
    finally:
        with contextlib.suppress(Exception):
            client.logout()
