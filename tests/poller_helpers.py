"""Running the poller against the test IMAP server, in this process or in real ones."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from flask import Flask

from helpdesk.database import writer_session
from helpdesk.extensions import db
from mail_ingest.imap import ImapConfig
from mail_ingest.poller import Poller
from mail_ingest.settings import IngestSettings, PollerSettings

ROOT = Path(__file__).resolve().parent.parent


def imap_config(imap: Any, port: int | None = None) -> ImapConfig:
    return ImapConfig(
        host=imap.host,
        port=port or imap.port,
        username=imap.username,
        password=imap.password,
        security="false",
        folder="INBOX",
        timeout=10,
    )


def make_poller(
    app: Flask,
    imap: Any,
    port: int | None = None,
    config: dict[str, Any] | None = None,
    **pace: Any,
) -> Poller:
    """A poller on the test server; `config` overrides app settings, `pace` holds
    PollerSettings' batch_size, mark_seen, poll_seconds and parse_workers."""
    ingest = IngestSettings.from_config({**app.config, **(config or {})})
    settings = PollerSettings(imap_config(imap, port), ingest, **{"batch_size": 50, **pace})
    return Poller(writer_session(db.engine), settings)


def app_env(app: Flask, **extra: str) -> dict[str, str]:
    """The environment of a `helpdesk` process on the test app's database (no mail servers)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IMAP_", "MAIL_"))}
    env.update(
        HELPDESK_ENV="test",
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        HELPDESK_INSTANCE_PATH=app.instance_path,
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


def cli_env(app: Flask, imap: Any, **extra: str) -> dict[str, str]:
    imap_settings = {
        "IMAP_HOST": imap.host,
        "IMAP_PORT": str(imap.port),
        "IMAP_USERNAME": imap.username,
        "IMAP_PASSWORD": imap.password,
        "IMAP_SSL": "false",
    }
    return app_env(app, **{**imap_settings, **extra})


def run_cli(
    args: list[str], env: dict[str, str], timeout: float = 120, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `helpdesk ARGS` as a separate process, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "helpdesk.cli", *args],
        env=env,
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def popen_cli(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "helpdesk.cli", *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
