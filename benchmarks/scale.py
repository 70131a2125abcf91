"""Scale benchmark: 1,000,000 tickets and ~3,000,000 messages on PostgreSQL; the queue, the
ticket page, the API ticket list and the manager reports timed through the Flask test client.

    .venv/bin/python benchmarks/scale.py --keep                  # fill (~6 min), measure, keep
    .venv/bin/python benchmarks/scale.py --reuse bench_scale_…   # measure a kept database again
    .venv/bin/python benchmarks/scale.py --reuse bench_scale_… --explain   # + EXPLAIN ANALYZE
    .venv/bin/python benchmarks/scale.py --tickets 50000 --customers 15000 --runs 20  # quick

Fills a fresh database (`CREATE DATABASE bench_scale_…`, schema by `helpdesk db upgrade`)
with benchmarks/fill.py (COPY, indexes rebuilt after the load, VACUUM ANALYZE), then times
each target: the server's whole request (or the report's service function), median and p95
over `--runs` after a warm-up, with the SQL statements each run sends. Targets whose route
does not exist (yet) are listed as such. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fill import (  # noqa: E402
    PASSWORD,
    Shape,
    admin,
    create_database,
    database_url,
    fill,
    vocabulary,
)
from sqlalchemy import event, select  # noqa: E402


@dataclass
class Target:
    """One thing to time: a GET through a signed-in test client, or a function call."""

    label: str
    goal_ms: float
    path: str | Callable[[], str] | None = None  # GET this (through `client`)
    client: str = "agent"
    headers: dict[str, str] | None = None
    call: Callable[[], object] | None = None  # or call this inside an app context
    route: str | None = None  # the rule that must exist, else "not built"


@dataclass
class Result:
    label: str
    goal_ms: float
    median: float | None = None
    p95: float | None = None
    statements: float | None = None
    note: str = ""

    @property
    def met(self) -> str:
        if self.median is None:
            return "-"
        return "yes" if self.median < self.goal_ms else "**no**"


class StatementLog:
    """Statements (with parameters and milliseconds) sent through an engine."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.entries: list[tuple[str, Any, float]] = []
        self._started: list[float] = []

    def __enter__(self) -> StatementLog:
        event.listen(self.engine, "before_cursor_execute", self._before)
        event.listen(self.engine, "after_cursor_execute", self._after)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)

    def _before(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self._started.append(time.perf_counter())

    def _after(self, conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        elapsed = (time.perf_counter() - self._started.pop()) * 1000
        self.entries.append((statement, parameters, elapsed))


def explain(engine: Any, statement: str, parameters: Any) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of one captured statement."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        raw.rollback()
        return plan
    finally:
        raw.close()


def search_words(seed: int) -> dict[str, str]:
    """Words of the fill's vocabulary by how common they are (Zipf: rank 1 is in almost every
    ticket, the last of the 4,100 in about one in 200) and a word in no ticket."""
    words = vocabulary(random.Random(seed))[0]
    return {"first": words[0], "100th": words[99], "last": words[-1], "none": "qqzzxx"}


def build(url: str, seed: int = 1) -> tuple[Any, dict[str, Any], list[Target]]:
    """The app, its signed-in test clients and the targets."""
    os.environ["DATABASE_URL"] = url
    from helpdesk import create_app
    from helpdesk.api.tokens import create_token
    from helpdesk.extensions import db
    from helpdesk.live.changes import Since
    from helpdesk.models import Ticket, utcnow
    from helpdesk.reports.activity import activity
    from helpdesk.reports.backlog import backlog
    from helpdesk.settings import load_config

    config = load_config("development")
    config.update(DATABASE_URL=url, WTF_CSRF_ENABLED=False, SERVER_NAME=None)
    app = create_app(config)
    with app.app_context():
        _token, raw = create_token(db.session, "agent1@procase.com", "scale benchmark")
        db.session.commit()
        numbers = list(db.session.scalars(select(Ticket.number).order_by(Ticket.id)))
    clients = {}
    for role, email in (("agent", "agent1@procase.com"), ("manager", "manager@procase.com")):
        client = app.test_client()
        response = client.post("/login", data={"email": email, "password": PASSWORD})
        assert response.status_code == 302, (email, response.status_code)
        clients[role] = client
    rng = random.Random(7)
    tz = app.config["HELPDESK_TIMEZONE"]
    end = utcnow().date()
    start = end - timedelta(days=29)
    bearer = {"Authorization": f"Bearer {raw}"}
    w = search_words(seed)
    targets = [
        Target("queue: default (all open, oldest first)", 50, "/"),
        Target("queue: my open tickets", 50, "/?view=mine"),
        Target("queue: all tickets, last update", 50, "/?view=all&sort=updated"),
        Target(f"search all, newest first: most common word ({w['first']})", 50,
               f"/?view=all&sort=newest&q={w['first']}"),
        Target(f"search all, newest first: 100th word ({w['100th']})", 50,
               f"/?view=all&sort=newest&q={w['100th']}"),
        Target(f"search all, newest first: least common word ({w['last']})", 50,
               f"/?view=all&sort=newest&q={w['last']}"),
        Target("search all, newest first: a word in no ticket", 50,
               f"/?view=all&sort=newest&q={w['none']}"),
        Target(f"search all, newest first: two words ({w['100th']} {w['last']})", 50,
               f"/?view=all&sort=newest&q={w['100th']}+{w['last']}"),
        Target("search all, newest first: an order number as a word", 50,
               lambda: f"/?view=all&sort=newest&q={100000 + rng.randrange(1, 10**6, 7)}"),
        Target(f"search my open tickets: most common word ({w['first']})", 50,
               f"/?view=mine&sort=newest&q={w['first']}"),
        Target(f"search all open: least common word ({w['last']})", 50,
               f"/?view=open&sort=newest&q={w['last']}"),
        Target("ticket page /tickets/<number>", 50, lambda: f"/tickets/{rng.choice(numbers)}"),
        # what every open queue page asks every few seconds: nothing changed (204)
        Target("live queue poll: default view, nothing changed", 50,
               lambda: f"/tickets/live?since={Since(utcnow() - timedelta(seconds=5)).encode()}",
               route="/tickets/live"),
        Target("live queue poll: all tickets, nothing changed", 50,
               lambda: "/tickets/live?view=all&since="
               f"{Since(utcnow() - timedelta(seconds=5)).encode()}",
               route="/tickets/live"),
        Target("live ticket poll /tickets/<number>/live, nothing new", 50,
               lambda: f"/tickets/{rng.choice(numbers)}/live?message=2000000000&event=2000000000",
               route="/tickets/<int:number>/live"),
        Target("API GET /api/v1/tickets (bearer)", 50, "/api/v1/tickets", headers=bearer,
               route="/api/v1/tickets"),
        Target("API GET /api/v1/tickets?view=all (bearer)", 50, "/api/v1/tickets?view=all",
               headers=bearer, route="/api/v1/tickets"),
        Target("API GET /api/v1/tickets/<number> (bearer)", 50,
               lambda: f"/api/v1/tickets/{rng.choice(numbers)}", headers=bearer,
               route="/api/v1/tickets/<int:number>"),
        Target("backlog: backlog() service", 300,
               call=lambda: backlog(db.session, utcnow())),
        Target("backlog page /reports/", 300, "/reports/", client="manager", route="/reports/"),
        Target("API GET /api/v1/reports/backlog (bearer)", 300, "/api/v1/reports/backlog",
               headers=bearer, route="/api/v1/reports/backlog"),
        Target("30-day report: activity() service", 1000,
               call=lambda: activity(db.session, start, end, tz)),
        Target("30-day report page /reports/activity", 1000,
               f"/reports/activity?start={start}&end={end}", client="manager",
               route="/reports/activity"),
    ]  # fmt: skip
    # the API token's owner is an agent; reports need a manager's token
    with app.app_context():
        _token, manager_raw = create_token(db.session, "manager@procase.com", "scale benchmark")
        db.session.commit()
    for target in targets:
        if target.route == "/api/v1/reports/backlog":
            target.headers = {"Authorization": f"Bearer {manager_raw}"}
    return app, clients, targets


def measure(
    url: str,
    runs: int,
    show_plans: bool,
    only: str | None = None,
    seed: int = 1,
    warmup: int = 5,
) -> list[Result]:
    from helpdesk.extensions import db

    app, clients, targets = build(url, seed)
    targets = [t for t in targets if not only or only in t.label]
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    with app.app_context():
        engine = db.engine
    results = []
    for target in targets:
        result = Result(target.label, target.goal_ms)
        results.append(result)
        if target.route and target.route not in rules:
            result.note = f"not built yet ({target.route} has no route)"
            print(f"  {target.label}: {result.note}", flush=True)
            continue
        times, counts = [], []
        slowest: dict[str, tuple[float, Any]] = {}
        for i in range(runs + warmup):
            with StatementLog(engine) as log:
                elapsed = _once(app, clients, target)
            if i >= warmup:  # warm-up: connections, templates, plan caches
                times.append(elapsed)
                counts.append(len(log.entries))
                for statement, parameters, ms in log.entries:
                    if ms > slowest.get(statement, (0.0, None))[0]:
                        slowest[statement] = (ms, parameters)
        times.sort()
        result.median = statistics.median(times)
        result.p95 = times[max(int(len(times) * 0.95) - 1, 0)]
        result.statements = statistics.mean(counts)
        print(f"  {target.label}: {result.median:.1f} ms, {result.statements:g} SQL", flush=True)
        if show_plans:
            for statement, (ms, parameters) in sorted(
                slowest.items(), key=lambda item: -item[1][0]
            )[:3]:
                short = statement if len(statement) < 800 else statement[:800] + " …"
                print(f"\n--- {ms:.1f} ms (slowest run)\n{short}")
                print(explain(engine, statement, parameters))
    with app.app_context():
        db.engine.dispose()
    return results


def _once(app: Any, clients: dict[str, Any], target: Target) -> float:
    """Milliseconds of one run of `target`."""
    from helpdesk.extensions import db

    if target.call is not None:
        with app.app_context():
            started = time.perf_counter()
            target.call()
            db.session.rollback()  # a request ends its transaction too
            elapsed = time.perf_counter() - started
            db.session.remove()
        return elapsed * 1000
    assert target.path is not None
    path = target.path if isinstance(target.path, str) else target.path()
    started = time.perf_counter()
    response = clients[target.client].get(path, headers=target.headers)
    elapsed = time.perf_counter() - started
    assert response.status_code in (200, 204), (path, response.status_code, response.data[:300])
    return elapsed * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=300_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--warmup", type=int, default=5, help="untimed runs before --runs")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", metavar="NAME", help="measure this kept database, no fill")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE slow statements")
    parser.add_argument("--fill-only", action="store_true", help="fill, keep, do not measure")
    parser.add_argument("--only", help="measure only targets whose label contains this")
    args = parser.parse_args()
    name = args.reuse or f"bench_scale_{uuid.uuid4().hex[:8]}"
    url = database_url(name)
    keep = args.keep or args.fill_only or bool(args.reuse)
    results: list[Result] = []
    try:
        if not args.reuse:
            create_database(name)
            shape = Shape(args.tickets, args.customers, args.days, growth=1.15)
            fill(url, shape, args.seed)
        if not args.fill_only:
            results = measure(url, args.runs, args.explain, args.only, args.seed, args.warmup)
    finally:
        if keep:
            print(f"database kept: {name}  (again: --reuse {name}; drop: DROP DATABASE {name})")
        else:
            admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    if results:
        print(f"\n{args.runs} runs each, PostgreSQL, Flask test client\n")
        print("| target | goal ms | median ms | p95 ms | SQL statements | met |")
        print("|---|---|---|---|---|---|")
        for r in results:
            if r.median is None:
                print(f"| {r.label} | {r.goal_ms:g} | - | - | - | {r.note} |")
            else:
                print(
                    f"| {r.label} | {r.goal_ms:g} | {r.median:.1f} | {r.p95:.1f} | "
                    f"{r.statements:g} | {r.met} |"
                )


if __name__ == "__main__":
    main()
