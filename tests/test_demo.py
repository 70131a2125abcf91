"""`helpdesk demo` end to end: a subprocess with its own mailbox, SMTP sink and web app."""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.demo.mails import DEMO_MAILS, build_message, build_raw, tiny_png
from helpdesk.demo.orders import import_demo_orders
from helpdesk.models import Ticket, utcnow
from helpdesk.orders.services import prefill_for_ticket
from helpdesk.policy_panel.services import latest_check
from helpdesk.storedays import local_today
from tests.ingest_helpers import ingest

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by anyone) counts as gone.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


class Browser:
    """Just enough of a browser: cookies and the login form's CSRF token."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=5) as response:
            return response.read().decode()

    def login(self, email: str, password: str) -> None:
        page = self.get("/login")
        match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        assert match, page
        form = {"csrf_token": match.group(1), "email": email, "password": password}
        data = urllib.parse.urlencode(form).encode()
        with self.opener.open(self.base + "/login", data=data, timeout=5) as response:
            assert "/login" not in response.geturl()


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int, Path, Path]]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "HELPDESK_ENV")}
    env.update(
        HELPDESK_INSTANCE_PATH=str(tmp_path / "instance"),
        IMAP_PORT=str(_free_port()),
        MAIL_PORT=str(_free_port()),
        PYTHONUNBUFFERED="1",
    )
    log = tmp_path / "demo.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "helpdesk.cli",
                "demo",
                "--port",
                str(port),
                "--interval",
                "0.5",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        yield proc, port, tmp_path / "instance", log
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_demo_serves_tickets_and_stops_cleanly(
    demo: tuple[subprocess.Popen[bytes], int, Path, Path],
) -> None:
    proc, port, instance, log = demo
    browser = Browser(f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + 25
    tickets: set[str] = set()
    logged_in = False
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()
        try:
            if not logged_in:
                browser.login("admin@procase.com", "procase-demo")
                logged_in = True
            tickets = set(re.findall(r'href="/tickets/(\d+)"', browser.get("/?view=open")))
        except OSError:
            pass  # not serving yet
        sent = list((instance / "demo-sent").glob("*.eml"))
        if len(tickets) >= 6 and sent:
            break
        time.sleep(0.3)
    assert len(tickets) >= 6, log.read_text()
    assert sent, log.read_text()
    assert b"Subject:" in sent[0].read_bytes()

    # The sample orders are imported: the wrong-item ticket's panel is prefilled from one.
    assert "Imported 9 sample orders" in log.read_text()
    queue = browser.get("/")
    found = re.search(r'href="/tickets/(\d+)"[^>]*>[^<]*Wrong item received', queue)
    assert found, queue
    ticket_page = browser.get(f"/tickets/{found.group(1)}")
    assert "Order 204377: facts prefilled from the imported order." in ticket_page

    output = log.read_text()
    match = re.search(r"pymap pid (\d+)", output)
    assert match, output
    pymap_pid = int(match.group(1))
    assert _alive(pymap_pid)

    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=15) == 0, log.read_text()
    deadline = time.monotonic() + 5
    while _alive(pymap_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pymap_pid), "the demo left its IMAP mailbox running"
    assert "Demo stopped." in log.read_text()


def test_demo_mails_cover_every_category() -> None:
    from helpdesk.categories import DEFAULT_RULES, Rule, categorize

    rules = [Rule(category, pattern) for category, pattern in DEFAULT_RULES]
    found = {categorize(mail.subject, rules) for mail in DEMO_MAILS}
    assert found == {category for category, _ in DEFAULT_RULES} | {"general"}
    keys = {mail.key for mail in DEMO_MAILS}
    assert all(mail.reply_to in keys for mail in DEMO_MAILS if mail.reply_to)
    reply = next(mail for mail in DEMO_MAILS if mail.reply_to)
    parent = next(mail for mail in DEMO_MAILS if mail.key == reply.reply_to)
    built = build_message(reply, run_id="r1", support_address="support@procase.com")
    assert (
        built["In-Reply-To"]
        == build_message(parent, run_id="r1", support_address="support@procase.com")["Message-ID"]
    )
    assert tiny_png().startswith(b"\x89PNG\r\n\x1a\n")


def test_demo_orders_prefill_the_panel_on_the_demo_tickets(app: Flask, session: Session) -> None:
    """Every order number the demo mails mention is among the sample orders the demo
    imports (procase.com and Amazon), so the policy panel is prefilled on its tickets."""
    tz = app.config["HELPDESK_TIMEZONE"]
    report = import_demo_orders(session, local_today(utcnow(), tz))
    assert report.errors == [] and report.orders_created == 9
    for mail in DEMO_MAILS:
        ingest(session, build_raw(mail, run_id="r1", support_address="support@procase.com"))
    session.commit()
    tickets = session.scalars(select(Ticket).where(Ticket.order_number.is_not(None))).all()
    assert len(tickets) == 9
    channels = set()
    for ticket in tickets:
        prefill = prefill_for_ticket(session, ticket, tz)
        assert prefill.order_found is True, ticket.order_number
        channels.add(prefill.facts["channel"])
        latest = latest_check(session, ticket, tz)
        assert latest.facts.price is not None and latest.facts.purchase_date is not None
    assert channels == {"procase.com", "amazon"}
    verdicts = {t.order_number: latest_check(session, t, tz).verdict for t in tickets}
    assert verdicts["112-4455667-8899001"].decision == "refer_to_amazon"
    assert verdicts["204377"].decision == "replacement"  # the wrong item, with its photo
    assert verdicts["204518"].decision != "not_eligible"  # 4 months into the warranty
    assert verdicts["204902"].decision != "not_eligible"  # bought in January: covered
    # Importing again (the next demo start) refreshes the same orders.
    again = import_demo_orders(session, local_today(utcnow(), tz))
    assert (again.orders_created, again.orders_updated) == (0, 9)
