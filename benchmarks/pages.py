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
import sys
import time
import uuid
from collections.abc import Iterator
from itertools import count
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fill import PASSWORD, Shape, admin, create_database, database_url, fill  # noqa: E402
from sqlalchemy import event, func, select  # noqa: E402


def measure(url: str, runs: int, tickets: int) -> list[tuple[str, float, float, float]]:
    """(page, median ms, p95 ms, queries per request) for each page."""
    os.environ["DATABASE_URL"] = url
    from helpdesk import create_app
    from helpdesk.extensions import db
    from helpdesk.models import Customer, Ticket
    from helpdesk.settings import load_config
    from helpdesk.tickets.queue import ORDERS, PRIORITY_SORTS, Cursor, search_condition

    config = load_config("development")
    config.update(DATABASE_URL=url, WTF_CSRF_ENABLED=False, SERVER_NAME=None)
    app = create_app(config)
    client = app.test_client()
    with app.app_context():
        deep = {}  # sort -> the cursor after the row at 90 % of all tickets, in that order
        for sort, order in ORDERS.items():
            if sort in PRIORITY_SORTS:  # only for the open views
                continue
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
            deep[sort] = Cursor(sort, order.key_of(row), row.id).encode()
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
        ("queue: all open, oldest first", "/?view=open"),
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
        ("queue: deep page, oldest first (cursor at 90 %)", f"/?view=all&cursor={deep['created']}"),
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
    url = database_url(name)
    try:
        if not args.database:
            create_database(name)
            shape = Shape(tickets=args.tickets, customers=int(args.tickets * 0.6), days=730)
            fill(url, shape, args.seed)
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
