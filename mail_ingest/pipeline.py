"""Parse the next batch in a worker process while the poller writes this one.

Parsing is CPU work in Python; writing a batch is largely waiting for the database.
With a worker process the two overlap on a machine with two cores, so parsing
leaves the poller's hot path. The worker sees only bytes and returns `Parsed`
values: it never touches the database or the mailbox. A worker that fails or dies
costs only time: that batch is parsed in the poller itself.

This module imports nothing but the parser, so a worker starts quickly.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from types import TracebackType

from mail_ingest.parse import MailParseError, ParsedMail, parse_mail, sha256_hex

log = logging.getLogger("helpdesk.ingest")


@dataclass(frozen=True)
class Parsed:
    """One mail's bytes, parsed: their hash, and the mail or why it did not parse."""

    sha: str
    mail: ParsedMail | None
    error: str | None


def parse_raw(raw: bytes) -> Parsed:
    sha = sha256_hex(raw)
    try:
        return Parsed(sha, parse_mail(raw), None)
    except MailParseError as exc:
        return Parsed(sha, None, f"parse error: {exc}")


def parse_all(raws: list[bytes]) -> list[Parsed]:
    return [parse_raw(raw) for raw in raws]


def _exit_with(parent: int) -> None:
    """Worker start-up: end this worker when the poller is gone, even by kill -9 (the
    worker holds copies of the poller's pipes and sockets, so it would wait forever)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


class PendingParse:
    """A batch being parsed; `result()` waits for it."""

    def __init__(self, raws: list[bytes], futures: list[Future[list[Parsed]]]) -> None:
        self._raws = raws
        self._futures = futures

    def result(self) -> list[Parsed]:
        if self._futures:
            try:
                return [parsed for future in self._futures for parsed in future.result()]
            except Exception as exc:  # a dead or failing worker: parse here instead
                log.warning("parse worker failed (%s: %s); parsing here", type(exc).__name__, exc)
        return parse_all(self._raws)


class ParsePool:
    """`workers` parser processes (0: parse in this process, when asked for the result)."""

    def __init__(self, workers: int) -> None:
        self.workers = max(0, workers)
        self._executor: ProcessPoolExecutor | None = None
        if self.workers:
            # "fork": a worker starts in milliseconds with the parser already imported, where
            # "spawn" and "forkserver" would import the poller's whole main module again. The
            # worker runs only the parser; CPython resets the import and logging locks in a
            # forked child, so threads the poller may have do not matter.
            methods = multiprocessing.get_all_start_methods()
            ctx = multiprocessing.get_context("fork" if "fork" in methods else None)
            self._executor = ProcessPoolExecutor(
                self.workers, mp_context=ctx, initializer=_exit_with, initargs=(os.getpid(),)
            )

    def submit(self, raws: list[bytes]) -> PendingParse:
        if self._executor is None or not raws:
            return PendingParse(raws, [])
        size = -(-len(raws) // self.workers)
        try:
            futures = [
                self._executor.submit(parse_all, raws[i : i + size])
                for i in range(0, len(raws), size)
            ]
        except Exception as exc:  # a broken pool refuses new work
            log.warning("parse workers unavailable (%s); parsing here", exc)
            self.close()
            return PendingParse(raws, [])
        return PendingParse(raws, futures)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def __enter__(self) -> ParsePool:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
