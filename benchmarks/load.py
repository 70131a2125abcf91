"""Load test: the app under gunicorn on 127.0.0.1, wrk with 50 connections on loopback.

    .venv/bin/python benchmarks/scale.py --fill-only                 # a 1M-ticket database
    .venv/bin/python benchmarks/load.py --database bench_scale_…     # 30 s a target
    .venv/bin/python benchmarks/load.py --database bench_scale_… --workers 4 --duration 10

Starts `gunicorn 'helpdesk:create_app()'` with production settings (HELPDESK_ENV=production,
Redis for the rate limits) against the database, signs in over HTTP (CSRF token and all)
for a session cookie, creates an API token with `helpdesk tokens create`, then runs wrk
(Debian's `wrk`) against each target for a bounded time: a short warm-up, then
`--duration` seconds with `--connections` open connections. A Lua script sends the cookie
or the bearer header and counts every answer that is not 2xx (a redirect to the sign-in page
is a failure). Prints requests/s and latency percentiles; gunicorn is stopped afterwards.
Everything stays on 127.0.0.1. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fill import PASSWORD, database_url  # noqa: E402

HOST = "127.0.0.1"

LUA = r"""
-- args: header name, header value[, first ticket number, last ticket number]
local threads = {}
function setup(thread) table.insert(threads, thread) end

function init(args)
  wrk.headers[args[1]] = args[2]
  low, high = tonumber(args[3]), tonumber(args[4])
  failed, statuses = 0, ""
end

local plain = nil
function request()
  if low then
    return wrk.format(nil, "/tickets/" .. math.random(low, high))
  end
  plain = plain or wrk.format()
  return plain
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    failed = failed + 1
    if #statuses < 200 then statuses = statuses .. status .. " " end
  end
end

function done(summary, latency, requests)
  local bad, seen = 0, ""
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("failed")
    seen = seen .. thread:get("statuses")
  end
  io.write(string.format("RESULT requests=%d seconds=%.3f non2xx=%d socket_errors=%d "
    .. "p50=%.2f p90=%.2f p99=%.2f max=%.2f\n",
    summary.requests, summary.duration / 1e6, bad,
    summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
  if #seen > 0 then io.write("STATUSES " .. seen .. "\n") end
end
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def wait_for(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((HOST, port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"gunicorn did not listen on {HOST}:{port}")


def sign_in(port: int, email: str) -> str:
    """The session cookie after signing in through the real login form."""
    conn = HTTPConnection(HOST, port, timeout=30)
    conn.request("GET", "/login")
    page = conn.getresponse()
    html = page.read().decode()
    cookie = (page.getheader("Set-Cookie") or "").split(";", 1)[0]
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert token and cookie, "no CSRF token or session cookie on /login"
    body = urllib.parse.urlencode(
        {"email": email, "password": PASSWORD, "csrf_token": token.group(1)}
    )
    headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
    conn.request("POST", "/login", body=body, headers=headers)
    answer = conn.getresponse()
    answer.read()
    assert answer.status == 302, f"sign-in failed: {answer.status}"
    return (answer.getheader("Set-Cookie") or "").split(";", 1)[0]


def check(port: int, path: str, header: tuple[str, str]) -> None:
    """One request by hand first: a target must answer 200 before it is loaded."""
    request = urllib.request.Request(f"http://{HOST}:{port}{path}", headers=dict([header]))
    with urllib.request.urlopen(request, timeout=30) as answer:
        assert answer.status == 200, (path, answer.status)


def run_wrk(
    port: int, path: str, script: Path, args: list[str], seconds: int, connections: int
) -> dict[str, float]:
    command = [
        "wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
        "-s", str(script), f"http://{HOST}:{port}{path}", "--", *args,
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    line = next((x for x in done.stdout.splitlines() if x.startswith("RESULT ")), None)
    assert line, done.stdout + done.stderr
    result = {k: float(v) for k, v in (pair.split("=") for pair in line.split()[1:])}
    result["rps"] = result["requests"] / result["seconds"]
    statuses = next((x for x in done.stdout.splitlines() if x.startswith("STATUSES ")), "")
    if statuses:
        print("  " + statuses, flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--database", required=True, help="a filled bench database")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=1, help="threads per worker (gthread)")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--duration", type=int, default=30, help="seconds a target")
    parser.add_argument("--warmup", type=int, default=5, help="seconds before each target")
    parser.add_argument("--code", default=str(ROOT), help="the checkout gunicorn serves")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (apt-get install -y wrk)")
    port = free_port()
    env = dict(
        os.environ,
        HELPDESK_ENV="production",
        SECRET_KEY="load-test-secret-" + str(port),
        HELPDESK_SUPPORT_ADDRESS="support@procase.com",
        DATABASE_URL=database_url(args.database),
        RATELIMIT_STORAGE_URI=args.redis,
        PYTHONPATH=args.code,
    )
    bindir = Path(sys.executable).parent
    token_out = subprocess.run(
        [sys.executable, "-m", "helpdesk.cli", "tokens", "create", "agent1@procase.com",
         "--name", "load test"],
        env=env, cwd=args.code, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    token = token_out.strip().splitlines()[-1]
    server = subprocess.Popen(
        [str(bindir / "gunicorn"), "-w", str(args.workers), "--threads", str(args.threads),
         "-b", f"{HOST}:{port}", "--error-logfile", "-", "--log-level", "warning",
         "helpdesk:create_app()"],
        env=env, cwd=args.code,
    )  # fmt: skip
    results = []
    try:
        wait_for(port)
        cookie = sign_in(port, "agent1@procase.com")
        with tempfile.TemporaryDirectory() as tmp:
            script = Path(tmp) / "load.lua"
            script.write_text(LUA)
            last = int(
                subprocess.run(
                    ["psql", "-h", HOST, "-U", "postgres", "-At", "-c",
                     "SELECT max(number) FROM ticket", args.database],
                    capture_output=True, text=True, check=True,
                ).stdout.strip()
            )  # fmt: skip
            targets = [
                ("queue page /", "/", ["Cookie", cookie]),
                ("API GET /api/v1/tickets", "/api/v1/tickets",
                 ["Authorization", f"Bearer {token}"]),
                ("ticket page /tickets/<random>", "/tickets/1001",
                 ["Cookie", cookie, "1001", str(last)]),
            ]  # fmt: skip
            for label, path, wrk_args in targets:
                check(port, path, (wrk_args[0], wrk_args[1]))
                if args.warmup:
                    run_wrk(port, path, script, wrk_args, args.warmup, args.connections)
                result = run_wrk(port, path, script, wrk_args, args.duration, args.connections)
                results.append((label, result))
                print(
                    f"  {label}: {result['rps']:.0f} req/s, p50 {result['p50']:.0f} ms, "
                    f"p99 {result['p99']:.0f} ms, non-2xx {result['non2xx']:.0f}, "
                    f"socket errors {result['socket_errors']:.0f}",
                    flush=True,
                )
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    print(
        f"\ngunicorn {args.workers} workers x {args.threads} threads, wrk 2 threads, "
        f"{args.connections} connections, {args.duration} s a target, 127.0.0.1\n"
    )
    print("| target | requests | req/s | p50 ms | p90 ms | p99 ms | max ms | non-2xx | errors |")
    print("|---|---|---|---|---|---|---|---|---|")
    for label, r in results:
        print(
            f"| {label} | {r['requests']:.0f} | {r['rps']:.0f} | {r['p50']:.0f} | "
            f"{r['p90']:.0f} | {r['p99']:.0f} | {r['max']:.0f} | {r['non2xx']:.0f} | "
            f"{r['socket_errors']:.0f} |"
        )


if __name__ == "__main__":
    main()
