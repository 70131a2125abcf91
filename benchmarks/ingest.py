"""Ingest benchmark: N generated mails through a real IMAP server into a fresh database.

    .venv/bin/python benchmarks/ingest.py --mails 5000 --db both --kind plain
    .venv/bin/python benchmarks/ingest.py --mails 5000 --memory-check

Every measured process is a fresh subprocess: `helpdesk ingest --once` (wall time, peak
RSS via /usr/bin/time or a small wait4() wrapper) and a parse-only run over the very same
bytes, three ways: stdlib `email.message_from_bytes` with compat32 (the MIME structure
only), the stdlib parser with `policy.default` reading the headers and every part's content
(what ingest has to learn from a mail), and our `parse_mail`. See benchmarks/README.md
for what the numbers mean.
"""

from __future__ import annotations

import argparse
import os
import pickle
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.servers.imap import ImapServer  # noqa: E402

PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
TIME_BIN = "/usr/bin/time"

FIRST_NAMES = "Alice Bob Carla Dmitri Erin Fatima Gustav Hana Ivan Julia Kofi".split()  # noqa: SIM905
LAST_NAMES = "Smith Jones Garcia Müller Rossi Nguyen Kowalski Tanaka Silva Khan".split()  # noqa: SIM905
DOMAINS = "gmail.com yahoo.com outlook.com icloud.com web.de example.org".split()  # noqa: SIM905
SUBJECTS = [
    "Where is my order?",
    "Received the wrong case for my iPad",
    "Return request",
    "Warranty claim: keyboard stopped working",
    "Promo code does not work",
    "Question about shipping to Canada",
    "Defective zipper",
    "Can I exchange for a different color?",
    "Collaboration proposal for my YouTube channel",
    "Hello",
    "Order question",
    "Tracking number not updating",
]
TEXT = (
    "the case arrived yesterday and I noticed that the stand does not hold the tablet "
    "properly please could you tell me what I should do next I ordered it for my daughter "
    "and she really likes the color but the magnet seems weak also the box was damaged "
    "when it was delivered I would like to know whether I can get a replacement or a "
    "refund thank you for your help I have attached nothing this time kind regards"
)
WORDS = TEXT.split()


# --------------------------------------------------------------------------- mail generation


@dataclass
class Corpus:
    raws: list[bytes]
    tickets: int  # mails that must open a ticket (the rest are replies)
    kinds: dict[str, int]


def _paragraphs(rng: random.Random, size: int) -> str:
    words: list[str] = []
    total = 0
    while total < size:
        word = rng.choice(WORDS)
        words.append(word)
        total += len(word) + 1
    lines = [" ".join(words[i : i + 12]) for i in range(0, len(words), 12)]
    return "\n".join(lines)


def _jpeg_like(rng: random.Random, size: int) -> bytes:
    # A JPEG header followed by incompressible bytes (real photos do not compress either).
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + rng.randbytes(size - 11)


def generate(count: int, kind: str, seed: int = 1) -> Corpus:
    """`count` deterministic mails; `kind` is "plain" or "mixed"."""
    rng = random.Random(seed)
    customers = [
        (
            f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
            f"customer{i}@{rng.choice(DOMAINS)}",
        )
        for i in range(max(1, count // 3))
    ]
    start = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
    openers: list[tuple[str, str, str, str]] = []  # (message id, subject, name, address)
    raws: list[bytes] = []
    kinds: dict[str, int] = {}
    tickets = 0
    for i in range(count):
        roll = rng.random() if kind == "mixed" else 0.0
        if roll < 0.60:
            what = "plain"
        elif roll < 0.75:
            what = "html"
        elif roll < 0.85:
            what = "photo"
        elif roll < 0.998 and openers:
            what = "reply"
        else:
            what = "huge"
        kinds[what] = kinds.get(what, 0) + 1
        msg = EmailMessage(policy=policy.SMTP)
        mid = f"{uuid.UUID(int=rng.getrandbits(128)).hex}@mail.{rng.choice(DOMAINS)}"
        if what == "reply":
            parent, subject, name, address = rng.choice(openers)
            msg["In-Reply-To"] = f"<{parent}>"
            msg["References"] = f"<{parent}>"
            subject = f"Re: {subject}"
        else:
            name, address = rng.choice(customers)
            subject = rng.choice(SUBJECTS)
            if rng.random() < 0.3:
                subject += f" #{rng.randint(100000, 999999)}"
            tickets += 1
        msg["From"] = f"{name} <{address}>"
        msg["To"] = "ProCase Support <support@procase.com>"
        msg["Subject"] = subject
        msg["Date"] = format_datetime(start + timedelta(seconds=37 * i))
        msg["Message-ID"] = f"<{mid}>"
        msg["X-Mailer"] = "Benchmark Mail 1.0"
        body = f"Hello,\n\n{_paragraphs(rng, rng.randint(1500, 4000))}\n\nThanks,\n{name}\n"
        msg.set_content(body)
        if what == "html":
            paras = "".join(f"<p>{line}</p>" for line in body.split("\n") if line)
            msg.add_alternative(f"<html><body>{paras}</body></html>", subtype="html")
        elif what == "photo":
            photo = _jpeg_like(rng, rng.randint(100_000, 300_000))
            msg.add_attachment(photo, maintype="image", subtype="jpeg", filename="IMG_0042.jpg")
        elif what == "huge":
            data = rng.randbytes(rng.randint(3_000_000, 6_000_000))
            msg.add_attachment(data, maintype="application", subtype="pdf", filename="scan.pdf")
        if what != "reply":
            openers.append((mid, subject, name, address))
        raws.append(msg.as_bytes(policy=policy.SMTP))
    return Corpus(raws, tickets, kinds)


# --------------------------------------------------------------------------- running things


def _measure(cmd: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Run `cmd`; return (wall seconds, peak RSS in MB, stdout+stderr). Raises on failure."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as out:
        if os.path.exists(TIME_BIN):
            full = [TIME_BIN, "-f", "%M", "-o", out.name, *cmd]
        else:  # a wrapper that waits for the child and reports its ru_maxrss (KB on Linux)
            wrap = (
                "import os,sys;pid=os.fork()\n"
                "if pid==0: os.execvp(sys.argv[2],sys.argv[2:])\n"
                "_,st,ru=os.wait4(pid,0);open(sys.argv[1],'w').write(str(ru.ru_maxrss))\n"
                "sys.exit(os.waitstatus_to_exitcode(st))"
            )
            full = [sys.executable, "-c", wrap, out.name, *cmd]
        t0 = time.perf_counter()
        proc = subprocess.run(full, env=env, cwd=ROOT, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        output = proc.stdout + proc.stderr
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{output[-3000:]}")
        lines = [line for line in Path(out.name).read_text().split() if line.strip()]
        return wall, int(lines[-1]) / 1024, output


PARSE_ONLY = """
import email, pickle, sys, time
from email import policy
sys.path.insert(0, sys.argv[2])
from mail_ingest.parse import parse_mail
HEADERS = ("from", "to", "cc", "reply-to", "subject", "date", "message-id", "in-reply-to",
           "references", "auto-submitted", "precedence", "list-id", "return-path")

def decoded(raw):
    msg = email.message_from_bytes(raw, policy=policy.default)
    for name in HEADERS:
        str(msg.get(name, ""))
    for part in msg.walk():
        if not part.is_multipart():
            try:
                part.get_content()
            except (LookupError, ValueError):
                part.get_payload(decode=True)

with open(sys.argv[1], "rb") as f:
    raws = pickle.load(f)
times = []
for parse in (email.message_from_bytes, decoded, parse_mail):
    t0 = time.perf_counter()
    for raw in raws:
        parse(raw)
    times.append(time.perf_counter() - t0)
print(*times)
"""


@dataclass
class ParseOnly:
    """Seconds the same bytes take to parse, single-threaded, three ways."""

    structure: float  # email.message_from_bytes (compat32): MIME structure, nothing decoded
    decoded: float  # policy.default, headers and every part's content read
    ours: float  # mail_ingest.parse.parse_mail


def parse_only(raws_file: Path) -> ParseOnly:
    out = subprocess.run(
        [sys.executable, "-c", PARSE_ONLY, str(raws_file), str(ROOT)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return ParseOnly(*map(float, out))


class Database:
    """A fresh, empty database; `url` for DATABASE_URL; `drop()` removes it."""

    def __init__(self, kind: str, workdir: Path) -> None:
        self.kind = kind
        if kind == "sqlite":
            self.path = workdir / f"bench-{uuid.uuid4().hex[:8]}.sqlite3"
            self.url = f"sqlite:///{self.path}"
        else:
            self.name = f"bench_{uuid.uuid4().hex[:8]}"
            self._admin(f"CREATE DATABASE {self.name}")
            self.url = f"postgresql://postgres@127.0.0.1:5432/{self.name}"

    @staticmethod
    def _admin(sql: str) -> None:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(sql)

    def scalar(self, sql: str) -> int:
        if self.kind == "sqlite":
            import sqlite3

            with sqlite3.connect(self.path) as conn:
                return int(conn.execute(sql).fetchone()[0])
        import psycopg

        with psycopg.connect(self.url) as conn:
            row = conn.execute(sql).fetchone()
            assert row is not None
            return int(row[0])

    def drop(self) -> None:
        if self.kind == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        else:
            self._admin(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")


@dataclass
class Result:
    mails: int
    db: str
    seconds: float
    peak_mb: float
    tickets: int


def run_ingest(server: ImapServer, folder: str, corpus: Corpus, db_kind: str, work: Path) -> Result:
    db = Database(db_kind, work)
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("IMAP_", "MAIL_"))}
        env.update(
            HELPDESK_ENV="development",
            DATABASE_URL=db.url,
            HELPDESK_INSTANCE_PATH=str(work / "instance"),
            IMAP_HOST=server.host,
            IMAP_PORT=str(server.port),
            IMAP_USERNAME=server.username,
            IMAP_PASSWORD=server.password,
            IMAP_SSL="false",
            IMAP_FOLDER=folder,
            # The corpus is dated 2024: acknowledge it all, as a live mailbox would be, so the
            # figures stay comparable with earlier runs.
            HELPDESK_ACK_MAX_AGE_HOURS="0",
            PYTHONPATH=str(ROOT),
        )
        cli = [sys.executable, "-m", "helpdesk.cli"]
        subprocess.run([*cli, "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
        seconds, peak, output = _measure([*cli, "ingest", "--once"], env)
        tickets = db.scalar("SELECT count(*) FROM ticket")
        fetched = db.scalar("SELECT count(*) FROM fetched_mail")
        if fetched != len(corpus.raws) or tickets != corpus.tickets:
            raise RuntimeError(
                f"{db_kind}: {fetched} fetched / {tickets} tickets, expected "
                f"{len(corpus.raws)} / {corpus.tickets}\n{output[-2000:]}"
            )
        return Result(len(corpus.raws), db_kind, seconds, peak, tickets)
    finally:
        db.drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mails", type=int, default=5000)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--kind", choices=["plain", "mixed"], default="plain")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--memory-check",
        action="store_true",
        help="also ingest 1,000 mails to show the peak does not grow with the mailbox",
    )
    parser.add_argument("--imap", choices=["dovecot", "pymap"], default=None)
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="run every measurement this many times and keep the fastest (less noise)",
    )
    args = parser.parse_args()
    # SIGTERM unwinds like Ctrl-C: the IMAP server and the databases are cleaned up.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(143))
    dbs = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    sizes = sorted({1000, args.mails}) if args.memory_check else [args.mails]

    work = Path(tempfile.mkdtemp(prefix="helpdesk-bench-"))
    rows: list[tuple[Result, ParseOnly]] = []
    try:
        with ImapServer(args.imap) as server:
            python = sys.version.split()[0]
            print(f"IMAP server: {server.kind}; {os.cpu_count()} CPUs; Python {python}")
            for size in sizes:
                t0 = time.perf_counter()
                corpus = generate(size, args.kind, args.seed)
                total_mb = sum(map(len, corpus.raws)) / 1e6
                folder = f"bench{size}"
                server.create_folder(folder)
                server.append_many(corpus.raws, folder=folder)
                print(
                    f"{size} {args.kind} mails ({total_mb:.1f} MB, {corpus.kinds}) generated "
                    f"and appended in {time.perf_counter() - t0:.1f} s"
                )
                raws_file = work / f"raws{size}.pickle"
                raws_file.write_bytes(pickle.dumps(corpus.raws))
                runs = [parse_only(raws_file) for _ in range(max(1, args.repeat))]
                parsing = ParseOnly(
                    min(r.structure for r in runs),
                    min(r.decoded for r in runs),
                    min(r.ours for r in runs),
                )
                raws_file.unlink()
                del corpus.raws[:]
                corpus.raws.extend([b""] * size)  # only the count is needed from here on
                for db_kind in dbs:
                    result = min(
                        (
                            run_ingest(server, folder, corpus, db_kind, work)
                            for _ in range(max(1, args.repeat))
                        ),
                        key=lambda r: r.seconds,
                    )
                    rows.append((result, parsing))
                    print(f"  {db_kind}: {result.seconds:.1f} s, peak {result.peak_mb:.0f} MB")
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print()
    header = (
        "| mails | kind | DB | ingest s | mails/s | peak MB "
        "| parse-only s: structure / decoded / parse_mail "
        "| ingest ÷ structure | ingest ÷ decoded | ingest ÷ parse_mail |"
    )
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    for r, p in rows:
        print(
            f"| {r.mails} | {args.kind} | {r.db} | {r.seconds:.1f} | {r.mails / r.seconds:.0f} "
            f"| {r.peak_mb:.0f} | {p.structure:.2f} / {p.decoded:.2f} / {p.ours:.2f} "
            f"| {r.seconds / p.structure:.1f} | {r.seconds / p.decoded:.2f} "
            f"| {r.seconds / p.ours:.1f} |"
        )
    if args.memory_check:
        for db_kind in dbs:
            peaks = ", ".join(
                f"{r.mails} mails: {r.peak_mb:.0f} MB" for r, _p in rows if r.db == db_kind
            )
            print(f"peak RSS {db_kind}: {peaks}")


if __name__ == "__main__":
    main()
