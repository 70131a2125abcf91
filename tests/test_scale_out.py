"""Running more than one web process: nothing lives in one process that another needs.

Sessions (and the CSRF token inside them) are signed cookies naming a row of the database, so
any process with the same SECRET_KEY and database accepts them; failed sign-in counts live in
RATELIMIT_STORAGE_URI, which must be Redis once there is more than one process. The Redis
tests are skipped only when no Redis answers on 127.0.0.1:6379 and CI is not set (CI machines
run one).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator

import pytest
from flask import Flask, request
from sqlalchemy import select

from helpdesk import create_app
from helpdesk.models import OutboxMail
from tests.factories import PASSWORD, make_user
from tests.poller_helpers import ROOT
from tests.test_web import csrf_token

REDIS_URL = os.environ.get("HELPDESK_TEST_REDIS", "redis://127.0.0.1:6379/0")

# One web process: a fresh app on the test database, `attempts` failed sign-ins for one
# account from one client address; prints the status code of each.
FAIL_LOGINS = """
import sys
from helpdesk.settings import load_config
from helpdesk import create_app
config = load_config("test")
config.update(WTF_CSRF_ENABLED=False, RATELIMIT_KEY_PREFIX=sys.argv[3])
client = create_app(config).test_client()
client.environ_base["REMOTE_ADDR"] = sys.argv[4]
for _ in range(int(sys.argv[2])):
    response = client.post("/login", data={"email": sys.argv[1], "password": "wrong"})
    print(response.status_code)
"""


def _redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


needs_redis = pytest.mark.skipif(
    not _redis_answers() and not os.environ.get("CI"),
    reason="no Redis on 127.0.0.1:6379 (CI runs one)",
)


@pytest.fixture
def prefix() -> Iterator[str]:
    """A key prefix of this test's own; its Redis keys are deleted afterwards."""
    name = f"helpdesk-test-{uuid.uuid4().hex[:10]}"
    yield name
    if _redis_answers():
        import redis

        client = redis.Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(f"*{name}*"))
        if keys:
            client.delete(*keys)
        client.close()


def web_process(
    app: Flask, storage: str, email: str, attempts: int, prefix: str, address: str = "127.0.0.1"
) -> list[int]:
    """Run `attempts` failed sign-ins from `address` in a separate process (think: a
    gunicorn worker)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RATELIMIT_")}
    env.update(
        HELPDESK_ENV="test",
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        HELPDESK_INSTANCE_PATH=app.instance_path,
        RATELIMIT_STORAGE_URI=storage,
        PYTHONPATH=str(ROOT),
    )
    done = subprocess.run(
        [sys.executable, "-c", FAIL_LOGINS, email, str(attempts), prefix, address],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return [int(line) for line in done.stdout.split()]


@needs_redis
def test_two_web_processes_share_failed_sign_ins_through_redis(
    app: Flask, session, prefix: str
) -> None:  # type: ignore[no-untyped-def]
    user = make_user(session)
    assert web_process(app, REDIS_URL, user.email, 3, prefix) == [401, 401, 401]
    # the second process sees the first one's three: two more are allowed, then 429
    assert web_process(app, REDIS_URL, user.email, 3, prefix) == [401, 401, 429]


@needs_redis
def test_the_owner_is_told_once_whatever_process_counted_the_failures(
    app: Flask, session, prefix: str
) -> None:  # type: ignore[no-untyped-def]
    """Past the per-account limit from everywhere (here 6 failures from two addresses in
    two processes), one mail to the owner; more failures elsewhere add none."""
    user = make_user(session)
    assert web_process(app, REDIS_URL, user.email, 3, prefix, "203.0.113.1") == [401] * 3
    assert web_process(app, REDIS_URL, user.email, 3, prefix, "203.0.113.2") == [401] * 3
    assert web_process(app, REDIS_URL, user.email, 3, prefix, "203.0.113.3") == [401] * 3
    session.rollback()
    warnings = session.scalars(select(OutboxMail).where(OutboxMail.kind == "account")).all()
    assert [mail.to_address for mail in warnings] == [user.email]


def test_with_memory_storage_each_process_counts_alone(app: Flask, session, prefix: str) -> None:  # type: ignore[no-untyped-def]
    """Why production needs Redis: memory:// counts per process (5 + 5 tries, not 5)."""
    user = make_user(session)
    assert web_process(app, "memory://", user.email, 5, prefix) == [401] * 5
    assert web_process(app, "memory://", user.email, 5, prefix) == [401] * 5


def test_a_session_and_its_csrf_token_work_on_another_instance(web_app: Flask, session) -> None:  # type: ignore[no-untyped-def]
    """The session is a signed cookie naming a database row, the CSRF token lives in it."""
    user = make_user(session)
    other = create_app(dict(web_app.config))  # a second process: same settings, nothing shared
    first, second = web_app.test_client(), other.test_client()
    token = csrf_token(first)
    response = second.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 400  # a token without the session it belongs to
    first_cookie = first.get_cookie("session")
    assert first_cookie is not None
    second.set_cookie("session", first_cookie.value)
    response = second.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302  # the first instance's session and token, accepted
    signed_in = second.get_cookie("session")
    assert signed_in is not None
    first.set_cookie("session", signed_in.value)
    assert first.get("/").status_code == 200  # signed in on the second, works on the first


def test_behind_a_proxy_x_forwarded_headers_count_with_the_flag(web_app: Flask) -> None:
    """HELPDESK_PROXY_FIX=1: the client's address and https come from the proxy's headers."""
    headers = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
    seen = []
    for flag in (False, True):
        app = create_app({**web_app.config, "HELPDESK_PROXY_FIX": flag})

        @app.get("/_probe")
        def probe() -> str:
            return f"{request.remote_addr} {request.scheme}"

        seen.append(app.test_client().get("/_probe", headers=headers).get_data(as_text=True))
    assert seen == ["127.0.0.1 http", "203.0.113.7 https"]
