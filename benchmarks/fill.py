"""Filling a benchmark PostgreSQL database fast: customers, tickets, messages, events and
policy checks of a realistic shape, written with COPY.

Used by benchmarks/pages.py (100,000 tickets over two years) and benchmarks/scale.py
(1,000,000 tickets over a year). Rows are generated in chunks of tickets by worker
processes (deterministic per chunk) as COPY text; the main process streams them into one
transaction: the tables are truncated first so COPY ... FREEZE writes them already frozen
(no VACUUM rewrite afterwards), foreign-key triggers are off for the load (the rows are
consistent by construction), and the secondary indexes are dropped before and rebuilt after.
"""

from __future__ import annotations

import json
import math
import multiprocessing
import os
import random
import re
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from werkzeug.security import generate_password_hash  # noqa: E402

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PASSWORD = "benchmark password"
NOW = datetime.now(UTC).replace(microsecond=0)
SUPPORT = "support@procase.com"

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
    "return": ["Return request", "I want to return my case", "Refund please"],
    "promotion": ["Promo code not working", "Discount question"],
    "partnership": ["Collaboration proposal for my YouTube channel", "Wholesale inquiry"],
    "general": ["Hello", "Order question", "Question about my case"],
}
POLICY_CATEGORIES = ("return", "warranty", "wrong_item")
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
FIRST = "Alice Bob Carla Dmitri Erin Fatima Gustav Hana Ivan Julia Kofi Lena Marco Nina".split()  # noqa: SIM905
LAST = "Smith Jones Garcia Müller Rossi Nguyen Kowalski Tanaka Silva Khan Novak Berg".split()  # noqa: SIM905
DOMAINS = "gmail.com yahoo.com outlook.com icloud.com web.de example.org".split()  # noqa: SIM905
# The 'simple' text search parser's words for the fill's plain ASCII text (letters, digits;
# "it's" is two words), lower-cased: ticket.search without asking PostgreSQL. `fill` checks
# a sample against helpdesk.tickets.search.DOCUMENT.
WORD = re.compile(r"[a-z0-9]+")
LOADED = ("user", "customer", "ticket", "message", "ticket_event", "policy_check")
COLUMNS = {
    "user": "id, email, name, role, password_hash, active, created_at",
    "customer": "id, email, name, created_at",
    "ticket": "id, number, subject, category, status, priority, customer_id, assignee_id, "
    "order_number, created_at, first_contact_at, updated_at, first_response_at, resolved_at, "
    "waiting_since, policy_deadline, first_responder_id",
    "message": 'id, ticket_id, direction, message_id, in_reply_to, "references", sender, '
    "sender_name, recipients, subject, text, automatic, delivery_failure, date, created_at, "
    "author_id",
    "ticket_event": "id, ticket_id, actor_id, kind, old_value, new_value, detail, created_at",
    "policy_check": "id, ticket_id, actor_id, facts, verdict, decision, refund_amount, "
    "restocking_fee, product_name, applied, created_at",
}
MESSAGE_IDS = 8  # message id = ticket id * 8 + k: ids known without counting earlier chunks
EVENT_IDS = 16


@dataclass(frozen=True)
class Shape:
    """How many of what, over how long."""

    tickets: int
    customers: int
    days: int
    agents: int = 20
    messages: tuple[int, ...] = (2, 3, 3, 3, 4)  # drawn per answered ticket
    growth: float = 1.3  # >1: more tickets recently (created = now - span * (1 - x) ** growth)
    reopen_share: float = 0.05  # of solved/closed tickets, reopened once before
    policy_share: float = 0.2  # of return/warranty/wrong-item tickets with a policy check


def admin(sql: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def database_url(name: str) -> str:
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + name


def create_database(name: str) -> str:
    """CREATE DATABASE `name` and migrate it with `helpdesk db upgrade`; returns its URL."""
    admin(f"CREATE DATABASE {name}")
    url = database_url(name)
    env = dict(os.environ, DATABASE_URL=url, HELPDESK_ENV="development")
    subprocess.run(
        [sys.executable, "-m", "helpdesk.cli", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    return url


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


def customer_of(n: int) -> tuple[str, str]:
    """Customer n's email and name (arithmetic, so any process can compute it)."""
    first, last = FIRST[n * 7 % len(FIRST)], LAST[n * 11 % len(LAST)]
    email = f"{first.lower()}.{last.lower()}{n}@{DOMAINS[n * 13 % len(DOMAINS)]}"
    return email, f"{first} {last}"


def policy_variants() -> list[tuple[str, str, str, str | None, str | None, str, str]]:
    """(category, facts JSON, verdict JSON, decision, refund, fee, product) from the real rules."""
    from helpdesk.policy import evaluate, parse_facts

    base = {
        "channel": "procase.com",
        "purchase_date": "2026-01-05",
        "request_date": "2026-01-20",
        "price": "39.99",
        "return_shipping_cost": "5.50",
    }
    cases = [
        ("return", {"request": "return", "reason": "changed_mind", "condition": "new_unopened"}),
        ("return", {"request": "return", "reason": "defective", "condition": "opened"}),
        ("return", {"request": "return", "reason": "changed_mind", "channel": "amazon"}),
        ("wrong_item", {"request": "return", "reason": "wrong_item", "condition": "opened"}),
        ("wrong_item", {"request": "exchange", "reason": "wrong_model", "condition": "opened"}),
        ("warranty", {"request": "warranty", "reason": "defective", "condition": "used"}),
        ("warranty", {"request": "warranty", "reason": "defective", "purchase_date": "2024-01-05"}),
    ]
    variants = []
    for category, changes in cases:
        facts = {**base, **changes, "product_name": "iPad Air case"}
        try:
            verdict = evaluate(parse_facts(facts))
        except Exception:  # a variant the rules reject: skip it, keep the rest
            continue
        data = verdict.to_dict()
        refund, fee = data.get("refund_amount"), data.get("restocking_fee")
        variants.append(
            (
                category,
                json.dumps(facts),
                json.dumps(data),
                verdict.decision,
                None if refund is None else str(refund),
                None if fee is None else str(fee),
                "iPad Air case",
            )
        )
    return variants


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _field(value: Any) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.translate(_ESCAPES)
    if isinstance(value, float):  # epoch seconds: a timestamp
        return datetime.fromtimestamp(value, UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def copy_text(rows: list[tuple[Any, ...]]) -> bytes:
    """Rows as COPY text format (tab-separated, \\N for NULL)."""
    return "".join("\t".join(map(_field, row)) + "\n" for row in rows).encode()


def _hours(rng: random.Random, median: float, spread: float = 1.0) -> float:
    """A lognormal delay in seconds: most quick, a long tail."""
    return rng.lognormvariate(math.log(median), spread) * 3600


class _Chunk:
    """Generates the rows of tickets [first, last) of a shape; one per worker call."""

    def __init__(self, shape: Shape, seed: int, variants: list[Any], search: bool) -> None:
        self.shape = shape
        self.search = search  # the ticket table has the search column (migration 0015)
        self.seed = seed
        self.vocab = vocabulary(random.Random(seed))
        self.variants = variants
        self.now = NOW.timestamp()
        # Agents do not share the work equally: a few seniors take more.
        self.agents = list(range(1, shape.agents + 1))
        self.agent_weights = [3 if a <= 3 else 2 if a <= 8 else 1 for a in self.agents]
        self.frequent = max(shape.customers // 10, 1)

    def rows(self, first: int, last: int) -> dict[str, bytes]:
        rng = random.Random(self.seed * 1_000_003 + first)
        out: dict[str, list[tuple[Any, ...]]] = {
            "ticket": [],
            "message": [],
            "ticket_event": [],
            "policy_check": [],
        }
        for n in range(first, last):
            self._ticket(rng, n, out)
        return {table: copy_text(rows) for table, rows in out.items()}

    def _ticket(self, rng: random.Random, n: int, out: dict[str, list[tuple[Any, ...]]]) -> None:
        shape, now = self.shape, self.now
        span = shape.days * 86400
        created = now - span * (1 - n / shape.tickets) ** shape.growth - rng.random()
        if n % 5 == 0:  # a share of tickets arrive within the same whole second
            created = float(int(created))
        category = rng.choices(list(CATEGORIES), list(CATEGORIES.values()))[0]
        status = pick_status(rng, (now - created) / 86400)
        subject = rng.choice(SUBJECTS[category])
        priority = rng.choices(("low", "normal", "high", "urgent"), (10, 75, 12, 3))[0]
        if rng.random() < 0.7:
            customer = rng.randint(1, shape.customers)
        else:  # repeat customers
            customer = rng.randint(1, self.frequent)
        email, name = customer_of(customer)
        agent = rng.choices(self.agents, self.agent_weights)[0]
        reopened = status in ("solved", "closed") and rng.random() < shape.reopen_share

        # The conversation: who writes when. `new`: only the customer so far.
        if status == "new":
            kinds = ["in"] * rng.choice((1, 1, 1, 2))
        else:
            count = rng.choice(shape.messages) + (2 if reopened else 0)
            kinds = ["in", "out"] + ["in" if k % 2 == 0 else "out" for k in range(count - 2)]
            if status == "open" and rng.random() < 0.8 and kinds[-1] == "out":
                kinds.append("in")  # the customer answered: waiting on us
            elif status != "open" and kinds[-1] == "in":
                kinds[-2:] = ["note", "out"]  # an internal note, then the last answer
        # solving, then closing (automatically, four days after solving)
        offsets = self._offsets(rng, kinds)
        solve_at = offsets[-1] + 60 if status in ("solved", "closed") else None
        close_at = solve_at + 4 * 86400 if status == "closed" and solve_at else None
        end = max([offsets[-1], solve_at or 0.0, close_at or 0.0])
        scale = min(1.0, (now - 60 - created) / end) if end > 0 else 1.0
        times = [created + o * scale for o in offsets]
        solved_time = created + solve_at * scale if solve_at is not None else None
        closed_time = created + close_at * scale if close_at is not None else None

        out_times = [t for t, k in zip(times, kinds, strict=True) if k == "out"]
        first_response = out_times[0] if out_times else None
        waiting = None
        if status in ("new", "open") and kinds[-1] == "in":
            last_out = max((i for i, k in enumerate(kinds) if k == "out"), default=-1)
            waiting = times[last_out + 1]
        assignee = agent if status != "new" or rng.random() < 0.3 else None
        if status != "new" and rng.random() < 0.03:
            assignee = None  # answered from the shared view, never assigned
        resolved = solved_time if status in ("solved", "closed") else None
        updated = max([times[-1], solved_time or 0.0, closed_time or 0.0])
        order = f"{100000 + n}" if rng.random() < 0.4 else None
        check = None
        deadline = None
        if category in POLICY_CATEGORIES and rng.random() < 0.5:
            deadline = (datetime.fromtimestamp(created, UTC) + timedelta(days=30)).date()
            matching = [v for v in self.variants if v[0] == category]
            if matching and status != "new" and rng.random() < shape.policy_share * 2:
                check = rng.choice(matching)
        out["ticket"].append(
            (n, 1000 + n, subject, category, status, priority, customer, assignee, order,
             created, created, updated, first_response, resolved, waiting, deadline,
             None if first_response is None else assignee or agent)
        )  # fmt: skip

        previous: str | None = None
        document = [subject]
        for k, (kind, t) in enumerate(zip(kinds, times, strict=True)):
            mid = n * MESSAGE_IDS + k
            inbound = kind == "in"
            message_id = f"m{mid}@{'mail.example' if inbound else 'helpdesk.procase.com'}"
            words = rng.randint(40, 90) if kind != "note" else rng.randint(8, 20)
            body = text_of(rng, self.vocab, words)
            if order and k == 0:
                body += f" Order #{order}."
            document += [("Re: " if k else "") + subject, body]
            out["message"].append(
                (mid, n, {"in": "inbound", "out": "outbound", "note": "note"}[kind],
                 None if kind == "note" else message_id, previous or "", previous or "",
                 email if inbound else SUPPORT, name if inbound else "",
                 SUPPORT if inbound else email, ("Re: " if k else "") + subject, body,
                 False, False, t, t, None if inbound else assignee or agent)
            )  # fmt: skip
            if kind != "note":
                previous = message_id
        if self.search:
            lexemes = sorted(set(WORD.findall(" ".join(document).lower())))
            out["ticket"][-1] += (" ".join(f"'{w}'" for w in lexemes),)

        events: list[tuple[Any, ...]] = [(None, "created", None, "new", None, created)]
        if status != "new":
            actor = assignee or agent
            if assignee is not None:
                events.append((actor, "assignee_id", None, str(assignee), None, times[1] - 30))
            events.append((actor, "status", "new", "open", "reply sent", times[1]))
            if reopened:
                # solved at the first answer, then the customer wrote again
                events.append((actor, "status", "open", "solved", "reply sent", times[1] + 1))
                events.append((None, "status", "solved", "open", "customer replied", times[2]))
            if status == "pending":
                events.append((actor, "status", "open", "pending", "reply sent", out_times[-1]))
            if solved_time is not None:
                events.append((actor, "status", "open", "solved", "reply sent", solved_time))
            if closed_time is not None:
                events.append((None, "status", "solved", "closed", "auto-close", closed_time))
            if check is not None:
                events.append((actor, "policy_check", None, check[3], None, times[1] - 60))
        for j, (actor, kind, old, new, detail, at) in enumerate(events):
            out["ticket_event"].append((n * EVENT_IDS + j, n, actor, kind, old, new, detail, at))
        if check is not None:
            _cat, facts, verdict, decision, refund, fee, product = check
            out["policy_check"].append(
                (n, n, assignee or agent, facts, verdict, decision, refund, fee, product,
                 status in ("solved", "closed") and rng.random() < 0.6, times[1] - 60)
            )  # fmt: skip

    @staticmethod
    def _offsets(rng: random.Random, kinds: list[str]) -> list[float]:
        """Seconds after creation of each message: agents answer in hours, customers in half a
        day, notes soon after the mail they are about."""
        offsets, at = [0.0], 0.0
        for before, kind in pairwise(kinds):
            if kind == "note":
                at += _hours(rng, 0.5)
            elif kind == "out":
                at += _hours(rng, 4 if "out" not in kinds[: len(offsets)] else 3)
            else:
                at += _hours(rng, 12 if before == "out" else 2)
            offsets.append(at)
        return offsets


_worker: _Chunk | None = None


def _init_worker(shape: Shape, seed: int, variants: list[Any], search: bool) -> None:
    global _worker
    _worker = _Chunk(shape, seed, variants, search)


def _work(bounds: tuple[int, int]) -> tuple[int, dict[str, bytes]]:
    assert _worker is not None
    return bounds[1] - bounds[0], _worker.rows(*bounds)


def _progress(total: int, label: str) -> tuple[Callable[[int], object], Callable[[], None]]:
    """(update, close): tqdm when installed (a benchmark-only convenience), else a line
    every 5 %."""
    try:
        from tqdm import tqdm

        bar = tqdm(total=total, unit=" tickets", desc=label, unit_scale=True, smoothing=0.1)
        return bar.update, bar.close
    except ImportError:
        done = [0, 0]
        started = time.perf_counter()

        def update(n: int) -> None:
            done[0] += n
            step = done[0] * 20 // total
            if step > done[1] or done[0] == total:
                done[1] = step
                rate = done[0] / max(time.perf_counter() - started, 1e-9)
                print(f"{label}: {done[0]:,}/{total:,} tickets ({rate:,.0f}/s)", flush=True)

        return update, lambda: None


def _secondary_indexes(conn: psycopg.Connection[Any]) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of the loaded tables' indexes that back no constraint."""
    rows = conn.execute(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i "
        "WHERE i.schemaname = 'public' AND i.tablename = ANY(%s) AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
        (list(LOADED),),
    ).fetchall()
    return [(name, definition) for name, definition in rows]


def _has_search(conn: psycopg.Connection[Any]) -> bool:
    row = conn.execute(
        "SELECT 1 FROM information_schema.columns "
        "WHERE table_name = 'ticket' AND column_name = 'search'"
    ).fetchone()
    return row is not None


def _check_search(conn: psycopg.Connection[Any]) -> None:
    """The documents written match what the app computes, on a sample of 1,000 tickets."""
    from helpdesk.tickets.search import DOCUMENT

    wrong = conn.execute(
        f"SELECT id FROM ticket WHERE id IN (SELECT id FROM ticket TABLESAMPLE SYSTEM (1) "  # type: ignore[arg-type]
        f"LIMIT 1000) AND search IS DISTINCT FROM {DOCUMENT} LIMIT 5"
    ).fetchall()
    if wrong:
        raise RuntimeError(f"ticket.search differs from the app's document: tickets {wrong}")


def _users(shape: Shape) -> list[tuple[Any, ...]]:
    pw = generate_password_hash(PASSWORD)
    users = [
        (u, f"agent{u}@procase.com", f"Agent {u:02d}", "agent", pw, True, NOW)
        for u in range(1, shape.agents + 1)
    ]
    users.append((shape.agents + 1, "manager@procase.com", "Manager", "manager", pw, True, NOW))
    users.append((shape.agents + 2, "admin@procase.com", "Admin", "admin", pw, True, NOW))
    return users


def fill(
    url: str, shape: Shape, seed: int = 1, chunk: int = 5000, workers: int | None = None
) -> dict[str, float]:
    """Load `shape` into the migrated, empty database at `url`; returns timings and counts."""
    started = time.perf_counter()
    variants = policy_variants()
    customers = [
        (n, *customer_of(n), NOW - timedelta(days=shape.days + 30))
        for n in range(1, shape.customers + 1)
    ]
    bounds = [(a, min(a + chunk, shape.tickets + 1)) for a in range(1, shape.tickets + 1, chunk)]
    stats: dict[str, float] = {}
    with psycopg.connect(url) as conn:
        conn.execute("SET session_replication_role = replica")  # no FK triggers during the load
        conn.execute("SET maintenance_work_mem = '1GB'")
        indexes = _secondary_indexes(conn)
        search = _has_search(conn)
        columns = dict(COLUMNS, ticket=COLUMNS["ticket"] + (", search" if search else ""))
        tables = ", ".join(f'"{t}"' for t in LOADED)
        conn.execute(f"TRUNCATE {tables} CASCADE")  # type: ignore[arg-type]
        for name, _definition in indexes:
            conn.execute(f'DROP INDEX "{name}"')  # type: ignore[arg-type]

        def copy(table: str, data: bytes) -> None:
            with (
                conn.cursor() as cur,
                cur.copy(
                    f'COPY "{table}" ({columns[table]}) FROM STDIN WITH (FREEZE)'  # type: ignore[arg-type]
                ) as out,
            ):
                out.write(data)

        copy("user", copy_text(_users(shape)))
        copy("customer", copy_text(customers))
        update, close = _progress(shape.tickets, "generating + COPY")
        processes = workers or max(os.cpu_count() or 1, 1)
        context = multiprocessing.get_context("fork")
        with context.Pool(processes, _init_worker, (shape, seed, variants, search)) as pool:
            for done, data in pool.imap(_work, bounds):
                for table, text in data.items():
                    copy(table, text)
                update(done)
        close()
        loaded = time.perf_counter()
        print(f"rebuilding {len(indexes)} indexes ...", flush=True)
        for _name, definition in indexes:
            conn.execute(definition)  # type: ignore[arg-type]
        indexed = time.perf_counter()
        if search:
            _check_search(conn)
        for table in LOADED:
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "  # type: ignore[arg-type]
                f'(SELECT coalesce(max(id), 1) FROM "{table}"))'
            )
        conn.execute(
            "INSERT INTO counter (name, value) VALUES ('ticket', %s) "
            "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            (1000 + shape.tickets,),
        )
        conn.execute("SET session_replication_role = origin")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
        for table in LOADED:
            stats[table] = conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # type: ignore[arg-type,index]
        stats["bytes"] = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]  # type: ignore[index]
    finished = time.perf_counter()
    stats.update(
        load_s=loaded - started, index_s=indexed - loaded, analyze_s=finished - indexed,
        total_s=finished - started,
    )  # fmt: skip
    print(
        f"filled {stats['ticket']:,} tickets, {stats['customer']:,} customers, "
        f"{stats['message']:,} messages, {stats['ticket_event']:,} events, "
        f"{stats['policy_check']:,} policy checks in {stats['total_s']:.0f} s "
        f"(generate + COPY {stats['load_s']:.0f} s, indexes {stats['index_s']:.0f} s, "
        f"VACUUM ANALYZE {stats['analyze_s']:.0f} s); database {stats['bytes'] / 2**30:.2f} GB",
        flush=True,
    )
    return stats
