"""Hostile-mail benchmark: one crafted mail through real ingest, then its ticket page.

    .venv/bin/python benchmarks/hostile.py                        # every case, SQLite
    .venv/bin/python benchmarks/hostile.py --db postgresql        # fresh PostgreSQL database
    .venv/bin/python benchmarks/hostile.py --case comment_flood --timeout 600
    .venv/bin/python benchmarks/hostile.py --list

Each case runs in a fresh subprocess (killed after `--timeout` seconds) with a fresh
database: after one ordinary mail and its page as a warm-up (not timed), `ingest_raw`
(the poller's write path: parse, rules, ticket, attachments, acknowledgement) and commit
are timed as *ingest*; then the ticket page is requested
through the Flask test client, signed in as an agent: *page 1* is the first view, *page 2*
the second (served from the sanitized-HTML cache). See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def _head(content_type: str, extra: str = "") -> bytes:
    return (
        "From: Mallory <mallory@example.com>\r\nTo: support@procase.com\r\n"
        f"Subject: Hostile mail\r\nMessage-ID: <{uuid.uuid4().hex}@example.com>\r\n"
        "Date: Thu, 03 Dec 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n"
        f"Content-Type: {content_type}\r\n{extra}\r\n"
    ).encode()


def _html(markup: str) -> bytes:
    head = _head('text/html; charset="utf-8"', "Content-Transfer-Encoding: 8bit\r\n")
    return head + markup.encode()


def _text(body: str) -> bytes:
    return (
        _head('text/plain; charset="utf-8"', "Content-Transfer-Encoding: 8bit\r\n") + body.encode()
    )


def _nested_multipart(depth: int) -> bytes:
    body = [b"This is the innermost part.\r\n"]
    for level in range(depth, 0, -1):
        boundary = f"b{level}".encode()
        body = [
            b"--" + boundary + b"\r\n",
            b"Content-Type: text/plain\r\n\r\nPart at level " + str(level).encode() + b"\r\n",
            b"--" + boundary + b"\r\n",
            b'Content-Type: multipart/mixed; boundary="b' + str(level + 1).encode() + b'"\r\n\r\n',
            *body,
            b"\r\n--" + boundary + b"--\r\n",
        ]
    return _head('multipart/mixed; boundary="b1"') + b"".join(body)


def _many_parts(count: int) -> bytes:
    parts = [b"--sep\r\nContent-Type: text/plain\r\n\r\nHello\r\n"]
    parts += [b"--sep\r\nContent-Type: text/plain\r\n\r\npart %d\r\n" % i for i in range(count)]
    return _head('multipart/mixed; boundary="sep"') + b"".join(parts) + b"--sep--\r\n"


def _lost_boundary(lines: int) -> bytes:
    """A multipart whose declared boundary never appears; the body is full of other
    boundary-like lines (each distinct)."""
    body = "".join(f"--x{i}\r\nline {i}\r\n" for i in range(lines))
    return _head('multipart/mixed; boundary="never-used"') + body.encode()


def _no_boundary_nested(depth: int) -> bytes:
    """Multiparts without a boundary parameter, each holding the next: recovery at every level."""
    body = "Content-Type: text/plain\r\n\r\nhello\r\n"
    for level in range(depth):
        body = (
            f"--r{level}\r\nContent-Type: multipart/mixed\r\n\r\n{body}\r\n--r{level}--\r\n"
        ) + "".join(f"--r{level}\r\n" for _ in range(2))
    return _head("multipart/mixed") + body.encode()


def _rfc822_nest(depth: int) -> bytes:
    inner = _text("innermost")
    for _ in range(depth):
        inner = _head("message/rfc822") + inner
    return inner


CASES: dict[str, tuple[str, Callable[[], bytes]]] = {
    "comment_flood": ("`<!--` x 200,000 (800 KB), HTML only", lambda: _html("<!--" * 200_000)),
    "div_nest": ("`<div>` x 100,000 (500 KB), never closed", lambda: _html("<div>" * 100_000)),
    "div_nest_closed": (
        "`<div>` x 100,000 then `</div>` x 100,000",
        lambda: _html("<div>" * 100_000 + "x" + "</div>" * 100_000),
    ),
    "blockquote_nest": (
        "`<blockquote>` x 60,000 (quote folding)",
        lambda: _html("<blockquote>" * 60_000),
    ),
    "p_in_div": ("`<div><p>` x 60,000", lambda: _html("<div><p>" * 60_000)),
    "table_nest": ("`<table><tr><td>` x 30,000", lambda: _html("<table><tr><td>" * 30_000)),
    "formatting_nest": ("`<b><i>` x 80,000", lambda: _html("<b><i>" * 80_000)),
    "link_nest": ("`<a href=…>` x 40,000", lambda: _html("<a href='https://x.example'>" * 40_000)),
    "attributes": (
        "one `<div>` with 100,000 attributes",
        lambda: _html("<div " + " ".join(f"a{i}=x" for i in range(100_000)) + ">x</div>"),
    ),
    "unclosed_tags": ("`<a ` x 200,000 (no `>`)", lambda: _html("<a " * 200_000)),
    "unclosed_quote": ('`<a title="x>` x 100,000', lambda: _html('<a title="x>' * 100_000)),
    "lt_flood": ("`<` x 1,000,000", lambda: _html("<" * 1_000_000)),
    "end_tag_flood": ("`</` x 400,000", lambda: _html("</" * 400_000)),
    "bang_flood": ("`<!` x 400,000", lambda: _html("<!" * 400_000)),
    "cdata_flood": ("`<![CDATA[` x 100,000", lambda: _html("<![CDATA[" * 100_000)),
    "pi_flood": ("`<?` x 400,000", lambda: _html("<?" * 400_000)),
    "style_block": (
        "a 5 MB `<style>` block, then text",
        lambda: _html("<style>" + "a{color:red}" * 400_000 + "</style><p>hi</p>"),
    ),
    "unclosed_style": ("`<style>` x 100,000", lambda: _html("<style>" * 100_000)),
    "long_line_html": ("one 5 MB line of text in `<p>`", lambda: _html("<p>" + "x" * 5_000_000)),
    "many_small_tags": ("`<b>x</b>` x 500,000 (4.5 MB)", lambda: _html("<b>x</b>" * 500_000)),
    "long_line_text": ("text/plain, one 10 MB line", lambda: _text("x" * 10_000_000)),
    "quote_lines_text": ("text/plain, 400,000 `> ` lines", lambda: _text("> quoted\n" * 400_000)),
    "mime_nest": ("multipart nested 2,000 deep", lambda: _nested_multipart(2_000)),
    "mime_many_parts": ("50,000 tiny text parts", lambda: _many_parts(50_000)),
    "mime_lost_boundary": (
        "multipart, declared boundary never appears, 100,000 other `--x` lines",
        lambda: _lost_boundary(100_000),
    ),
    "mime_no_boundary_nest": (
        "multiparts without boundary, nested 200 deep",
        lambda: _no_boundary_nested(200),
    ),
    "rfc822_nest": ("message/rfc822 nested 2,000 deep", lambda: _rfc822_nest(2_000)),
}


# ------------------------------------------------------------------ one case, in a child


def _database(kind: str) -> tuple[str, Callable[[], None]]:
    if kind == "sqlite":
        path = Path(tempfile.mkdtemp()) / "hostile.sqlite3"
        return f"sqlite:///{path}", lambda: None
    from sqlalchemy import create_engine, text

    name = f"bench_hostile_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    return f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}", drop


def run_case(name: str, kind: str) -> dict[str, object]:
    from flask import current_app
    from sqlalchemy import func, select

    from helpdesk import create_app
    from helpdesk.categories import load_rules, seed_rules
    from helpdesk.extensions import db
    from helpdesk.models import Attachment, Base, Ticket
    from helpdesk.settings import load_config
    from mail_ingest.route import MailSource, ingest_raw
    from mail_ingest.settings import IngestSettings
    from tests.factories import PASSWORD, make_user

    raw = CASES[name][1]()
    url, drop = _database(kind)
    try:
        config = load_config("test", environ={})
        config.update(DATABASE_URL=url, WTF_CSRF_ENABLED=False, INSTANCE_PATH=tempfile.mkdtemp())
        app = create_app(config)
        with app.app_context():
            Base.metadata.create_all(db.engine)
            seed_rules(db.session)
            user = make_user(db.session)
            settings = IngestSettings.from_config(current_app.config)
            rules = load_rules(db.session)
            db.session.commit()
            # Warm-up (not timed): one ordinary mail, so both timings are of a running app.
            ingest_raw(db.session, _text("Hello"), MailSource("bench", 1, 1), settings, rules)
            db.session.commit()
            start = time.perf_counter()
            record = ingest_raw(db.session, raw, MailSource("bench", 1, 2), settings, rules)
            db.session.commit()
            ingest_s = time.perf_counter() - start
            outcome = record.outcome
            number = db.session.scalar(select(func.max(Ticket.number)))
            attachments = db.session.scalar(select(func.count()).select_from(Attachment))
            email = user.email
        client = app.test_client()
        client.post("/login", data={"email": email, "password": PASSWORD})
        client.get(f"/tickets/{number - 1}" if number else "/")  # warm-up, not timed
        pages = []
        status = None
        for _ in range(2):
            start = time.perf_counter()
            response = client.get(f"/tickets/{number}") if number else None
            pages.append(time.perf_counter() - start)
            status = response.status_code if response is not None else None
        size = len(response.get_data()) if response is not None else 0
        with app.app_context():
            db.engine.dispose()
    finally:
        drop()
    return {
        "case": name,
        "mail_kb": round(len(raw) / 1024),
        "ingest_s": round(ingest_s, 3),
        "outcome": outcome,
        "attachments": attachments,
        "page1_s": round(pages[0], 3),
        "page2_s": round(pages[1], 3),
        "status": status,
        "page_kb": round(size / 1024),
    }


# ------------------------------------------------------------------ the table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--case", action="append", choices=sorted(CASES))
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_case(args.child, args.db)))
        return
    if args.list:
        for name, (what, _make) in CASES.items():
            print(f"{name:24} {what}")
        return
    columns = [
        "case",
        "what",
        "mail_KB",
        "ingest_s",
        "outcome",
        "attachments",
        "page_1_s",
        "page_2_s",
        "status",
    ]
    print("| " + " | ".join(c.replace("_", " ") for c in columns) + " |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name in args.case or list(CASES):
        cmd = [sys.executable, __file__, "--child", name, "--db", args.db]
        what = CASES[name][0]
        try:
            done = subprocess.run(
                cmd, capture_output=True, text=True, timeout=args.timeout, env=os.environ.copy()
            )
        except subprocess.TimeoutExpired:
            print(f"| {name} | {what} | | > {args.timeout:g} (killed) | | | | | |", flush=True)
            continue
        if done.returncode != 0:
            error = (done.stderr.strip().splitlines() or ["?"])[-1]
            print(f"| {name} | {what} | | failed: {error} | | | | | |", flush=True)
            continue
        r = json.loads(done.stdout.strip().splitlines()[-1])
        print(
            f"| {name} | {what} | {r['mail_kb']} | {r['ingest_s']} | {r['outcome']} | "
            f"{r['attachments']} | {r['page1_s']} | {r['page2_s']} | {r['status']} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
