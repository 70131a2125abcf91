"""Page benchmark: the queue and the ticket page on a PostgreSQL database of 100,000 tickets.

    .venv/bin/python benchmarks/pages.py                      # 100,000 tickets, 200 runs a page
    .venv/bin/python benchmarks/pages.py --tickets 20000 --runs 50 --keep

Fills a fresh database (`CREATE DATABASE bench_pages_…`, schema by `helpdesk db upgrade`)
with COPY, runs VACUUM ANALYZE, then times each page through the Flask test client,
signed in as an agent: the server's time for the whole request (routing, session, queries,
template), median and p95 over `--runs` requests after a warm-up, and the SQL statements
each request runs. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import count
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from sqlalchemy import event, func, select  # noqa: E402
from werkzeug.security import generate_password_hash  # noqa: E402

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PASSWORD = "benchmark password"
NOW = datetime.now(UTC).replace(microsecond=0)

CATEGORIES = {  # weights
    "shipping": 30,
    "wrong_item": 12,
    "warranty": 14,
    "return": 18,
    "promotion": 6,
    "partnership": 3,
    "general": 17,
}
SUBJECTS = {
    "shipping": ["Where is my order?", "Tracking number not updating", "Shipping to Canada?"],
    "wrong_item": ["Received the wrong case for my iPad", "Wrong color delivered"],
    "warranty": ["Warranty claim: keyboard stopped working", "Defective zipper", "Hinge broke"],
    "return": ["Return request", "Can I exchange for a different color?", "Refund status"],
    "promotion": ["Promo code does not work", "Discount not applied at checkout"],
    "partnership": ["Collaboration proposal for my YouTube channel", "Wholesale inquiry"],
    "general": ["Hello", "Order question", "Question about my case"],
}
COMMON = (  # the most frequent words of support mail, most frequent first
    "the I to and a my is it you for of order in not that this was on with have but be can "
    "please me at case do would like received so what as an if when get there are thank "
    "your from will just we no still it's been any need one"
)
DOMAIN = (  # the words agents search for: each one a small share of the mail
    "arrived yesterday noticed stand hold tablet properly tell should next ordered daughter "
    "likes color magnet weak box damaged keyboard stopped working weeks zipper broke first "
    "day refund replacement tracking delivered nothing door neighbor iPad Samsung Galaxy Pro "
    "Air mini folio sleeve cover screen protector charging port hinge cracked scratched "
    "corner label exchange warranty promo code discount checkout regards morning waiting"
)


def vocabulary(rng: random.Random) -> tuple[list[str], list[float]]:
    """Common words, then the domain words among 4,000 rarer ones; Zipf weights (1/rank)."""
    syllables = "ka lo mi ne ru sa ti vo ze pa ri do fu ge ha ju".split()  # noqa: SIM905
    tail = {"".join(rng.choices(syllables, k=rng.randint(2, 4))) for _ in range(5000)}
    rest = DOMAIN.split() + sorted(tail)[:4000]
    rng.shuffle(rest)
    words = COMMON.split() + rest
    cumulative, total = [], 0.0
    for rank in range(1, len(words) + 1):
        total += 1 / rank
        cumulative.append(total)
    return words, cumulative


FIRST = "Alice Bob Carla Dmitri Erin Fatima Gustav Hana Ivan Julia Kofi Lena Marco Nina".split()  # noqa: SIM905
LAST = "Smith Jones Garcia Müller Rossi Nguyen Kowalski Tanaka Silva Khan Novak Berg".split()  # noqa: SIM905
DOMAINS = "gmail.com yahoo.com outlook.com icloud.com web.de example.org".split()  # noqa: SIM905


def admin(sql: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def pick_status(rng: random.Random, age_days: float) -> str:
    """Old tickets are mostly closed; the open work is the last few weeks."""
    if age_days < 3:
        weights = (35, 35, 15, 10, 5)
    elif age_days < 30:
        weights = (3, 12, 15, 35, 35)
    else:
        weights = (0.2, 0.8, 1, 8, 90)
    return rng.choices(("new", "open", "pending", "solved", "closed"), weights)[0]


def text_of(rng: random.Random, vocab: tuple[list[str], list[float]], words: int) -> str:
    return " ".join(rng.choices(vocab[0], cum_weights=vocab[1], k=words)).capitalize() + "."


def rows(
    rng: random.Random, tickets: int, users: list[int]
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]], list[Any]]:
    """Customers, tickets, messages and events, as tuples for COPY."""
    vocab = vocabulary(rng)
    customers = []
    for n in range(1, int(tickets * 0.6) + 1):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        email = f"{first.lower()}.{last.lower()}{n}@{rng.choice(DOMAINS)}"
        customers.append((n, email, f"{first} {last}", NOW - timedelta(days=800)))
    ticket_rows, message_rows, event_rows = [], [], []
    cats, weights = list(CATEGORIES), list(CATEGORIES.values())
    message_id = event_id = 0
    span = 730 * 86400
    for n in range(1, tickets + 1):
        # Ticket ids grow with time; a share of tickets arrive within the same second.
        created = NOW - timedelta(seconds=span * (1 - n / tickets) ** 1.3 + rng.random())
        created = created.replace(microsecond=0) if n % 5 == 0 else created
        age = (NOW - created).total_seconds() / 86400
        category = rng.choices(cats, weights)[0]
        status = pick_status(rng, age)
        subject = rng.choice(SUBJECTS[category])
        assignee = None if status == "new" and rng.random() < 0.7 else rng.choice(users)
        updated = min(created + timedelta(hours=rng.uniform(0, 72)), NOW)
        waiting = created if status in ("new", "open") and rng.random() < 0.8 else None
        deadline = (
            (created + timedelta(days=30)).date()
            if category in ("return", "warranty", "wrong_item") and rng.random() < 0.5
            else None
        )
        order = f"{100000 + n}" if rng.random() < 0.4 else None
        priority = rng.choices(("low", "normal", "high", "urgent"), (10, 75, 12, 3))[0]
        resolved = updated if status in ("solved", "closed") else None
        customer_id = rng.randint(1, len(customers))
        ticket_rows.append(
            (n, 1000 + n, subject, category, status, priority, customer_id, assignee, order,
             created, updated, None, resolved, waiting, deadline)
        )  # fmt: skip
        for k in range(rng.choice((2, 3, 3, 3, 4))):
            message_id += 1
            inbound = k % 2 == 0
            sender = customers[customer_id - 1][1] if inbound else "support@procase.com"
            body = text_of(rng, vocab, rng.randint(40, 90))
            if order and k == 0:
                body += f" Order #{order}."
            at = created + timedelta(hours=6 * k)
            message_rows.append(
                (message_id, n, "inbound" if inbound else "outbound", f"<m{message_id}@bench>",
                 "", "", sender, "", "support@procase.com", ("Re: " if k else "") + subject,
                 body, False, False, at, at)
            )  # fmt: skip
        for kind, old, new in (("created", None, "new"), ("status", "new", status)):
            event_id += 1
            event_rows.append((event_id, n, None, kind, old, new, created))
    return customers, ticket_rows, message_rows, event_rows


def copy(conn: psycopg.Connection[Any], table: str, columns: str, data: list[Any]) -> None:
    with conn.cursor() as cur, cur.copy(f'COPY "{table}" ({columns}) FROM STDIN') as out:
        for row in data:
            out.write_row(row)


FTS_INDEX = (
    "CREATE INDEX ix_message_fts ON message USING gin "
    "(to_tsvector('simple', coalesce(subject, '') || ' ' || coalesce(text, '')))"
)


def fill(url: str, tickets: int, seed: int) -> None:
    rng = random.Random(seed)
    pw = generate_password_hash(PASSWORD)
    users = list(range(1, 21))
    started = time.perf_counter()
    customers, ticket_rows, message_rows, event_rows = rows(rng, tickets, users)
    generated = time.perf_counter()
    with psycopg.connect(url) as conn:
        conn.execute("DROP INDEX ix_message_fts")  # built once after the load: much faster
        copy(
            conn,
            "user",
            "id, email, name, role, password_hash, active, created_at",
            [(u, f"agent{u}@procase.com", f"Agent {u:02d}", "agent", pw, True, NOW) for u in users],
        )
        copy(conn, "customer", "id, email, name, created_at", customers)
        copy(
            conn,
            "ticket",
            "id, number, subject, category, status, priority, customer_id, assignee_id, "
            "order_number, created_at, updated_at, first_response_at, resolved_at, "
            "waiting_since, policy_deadline",
            ticket_rows,
        )
        copy(
            conn,
            "message",
            'id, ticket_id, direction, message_id, in_reply_to, "references", sender, '
            "sender_name, recipients, subject, text, automatic, delivery_failure, date, created_at",
            message_rows,
        )
        copy(
            conn,
            "ticket_event",
            "id, ticket_id, actor_id, kind, old_value, new_value, created_at",
            event_rows,
        )
        conn.execute(FTS_INDEX)  # type: ignore[arg-type]
        for table in ("user", "customer", "ticket", "message", "ticket_event"):
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "  # type: ignore[arg-type]
                f'(SELECT max(id) FROM "{table}"))'
            )
        conn.execute(
            "INSERT INTO counter (name, value) VALUES ('ticket', %s)",
            (1000 + tickets,),
        )
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    print(
        f"filled {tickets:,} tickets, {len(customers):,} customers, "
        f"{len(message_rows):,} messages, {len(event_rows):,} events: "
        f"{generated - started:.1f} s generating, {time.perf_counter() - generated:.1f} s "
        "loading + indexing + VACUUM ANALYZE",
        flush=True,
    )


def measure(url: str, runs: int, tickets: int) -> list[tuple[str, float, float, float]]:
    """(page, median ms, p95 ms, queries per request) for each page."""
    os.environ["DATABASE_URL"] = url
    from config import load_config
    from helpdesk import create_app
    from helpdesk.extensions import db
    from helpdesk.models import Customer, Ticket
    from helpdesk.tickets.queue import ORDERS, Cursor, search_condition

    config = load_config("development")
    config.update(DATABASE_URL=url, WTF_CSRF_ENABLED=False, SERVER_NAME=None)
    app = create_app(config)
    client = app.test_client()
    with app.app_context():
        deep = {}  # sort -> the cursor after the row at 90 % of all tickets, in that order
        for sort, order in ORDERS.items():
            column = order.column.asc() if order.ascending else order.column.desc()
            row = db.session.scalars(
                select(Ticket)
                .order_by(
                    column.nulls_last() if order.nullable else column,
                    Ticket.id.asc() if order.ascending else Ticket.id.desc(),
                )
                .offset(int(tickets * 0.9))
                .limit(1)
            ).one()
            deep[sort] = Cursor(sort, getattr(row, order.column.key), row.id).encode()
        customer = db.session.scalars(select(Customer).order_by(Customer.id).limit(1)).one()
        order = db.session.scalars(
            select(Ticket.order_number).where(Ticket.order_number.is_not(None)).limit(1)
        ).one()
        searches = {"zipper": 0, "cracked hinge": 0, "order": 0, customer.email: 0, order: 0}
        for q in searches:  # how many tickets each search finds, for the table
            searches[q] = db.session.scalar(
                select(func.count()).select_from(Ticket).where(search_condition(q, "postgresql"))
            )
        numbers = list(db.session.scalars(select(Ticket.number).order_by(Ticket.id)))
        engine = db.engine
    response = client.post("/login", data={"email": "agent1@procase.com", "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    rng = random.Random(7)
    pages: list[tuple[str, Iterator[str] | str]] = [
        ("queue: default (all open, oldest first)", "/"),
        ("queue: my open tickets", "/?view=mine"),
        (
            "queue: filtered (open returns, unassigned, by deadline)",
            "/?view=open&category=return&assignee=unassigned&sort=deadline",
        ),
        ("queue: all, status+priority+age, last update", "/?view=all&status=solved"
         "&priority=high&age=gt7d&sort=updated"),
        (f"queue: search a word ({searches['zipper']:,} tickets)", "/?view=all&q=zipper"),
        (f"queue: search two words ({searches['cracked hinge']:,} tickets)",
         "/?view=all&q=cracked+hinge"),
        (f"queue: search the most common word ({searches['order']:,} tickets)",
         "/?view=all&q=order"),
        (f"queue: search customer email ({searches[customer.email]:,} tickets)",
         f"/?view=all&q={quote(customer.email)}"),
        (f"queue: search order number ({searches[order]:,} tickets)",
         f"/?view=all&q=%23{order}"),
        ("queue: deep page, oldest first (cursor at 90 %)", f"/?view=all&cursor={deep['oldest']}"),
        ("queue: deep page, last update (cursor at 90 %)",
         f"/?view=all&sort=updated&cursor={deep['updated']}"),
        ("queue: deep page, deadline (cursor at 90 %)",
         f"/?view=all&sort=deadline&cursor={deep['deadline']}"),
        ("ticket page /tickets/<number>", (f"/tickets/{rng.choice(numbers)}" for _ in count())),
    ]  # fmt: skip
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    results = []
    for label, target in pages:
        times, queries = [], []
        for i in range(runs + 10):
            path = target if isinstance(target, str) else next(target)
            statements.clear()
            started = time.perf_counter()
            response = client.get(path)
            elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code == 200, (path, response.status_code)
            if i >= 10:  # warm-up: connections, template compilation, plan caches
                times.append(elapsed)
                queries.append(len(statements))
        times.sort()
        p95 = times[max(int(len(times) * 0.95) - 1, 0)]
        results.append((label, statistics.median(times), p95, statistics.mean(queries)))
        print(f"  {label}: {statistics.median(times):.1f} ms", flush=True)
    event.remove(engine, "before_cursor_execute", record)
    with app.app_context():
        db.engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--database", help="measure this existing bench database, no fill")
    args = parser.parse_args()
    name = args.database or f"bench_pages_{uuid.uuid4().hex[:8]}"
    url = PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    if not args.database:
        admin(f"CREATE DATABASE {name}")
    try:
        if not args.database:
            env = dict(os.environ, DATABASE_URL=url, HELPDESK_ENV="development")
            subprocess.run(
                [sys.executable, "-m", "helpdesk.cli", "db", "upgrade"],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
            )
            fill(url, args.tickets, args.seed)
        results = measure(url, args.runs, args.tickets)
    finally:
        if args.keep or args.database:
            print(f"database kept: {name}")
        else:
            admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    print(f"\n{args.tickets:,} tickets, {args.runs} requests a page, PostgreSQL, test client\n")
    print("| page | median ms | p95 ms | SQL statements |")
    print("|---|---|---|---|")
    for label, median, p95, queries in results:
        print(f"| {label} | {median:.1f} | {p95:.1f} | {queries:g} |")


if __name__ == "__main__":
    main()
