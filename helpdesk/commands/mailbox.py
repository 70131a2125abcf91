"""`helpdesk mailbox`: connect the mailbox over OAuth 2.0 from a shell, and its key."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import click
from flask import current_app
from flask.cli import with_appcontext

from helpdesk.mailauth import OAuthFailure, OAuthSettings, token_store
from helpdesk.mailauth.connect import (
    ConnectRefused,
    PendingConnect,
    check_callback,
    code_from_answer,
    finish_connect,
    start_connect,
)
from helpdesk.mailauth.secrets import new_key, reencrypt

LOOPBACK_WAIT_SECONDS = 600


@click.group("mailbox")
def mailbox() -> None:
    """The support mailbox's OAuth 2.0 connection."""


@mailbox.command("connect")
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=8765,
    show_default=True,
    help="Port of the redirect http://127.0.0.1:PORT/ (register it with the provider).",
)
@click.option(
    "--listen",
    is_flag=True,
    help="Wait for the browser's redirect on 127.0.0.1:PORT instead of a pasted answer.",
)
@with_appcontext
def connect(port: int, listen: bool) -> None:
    """Connect the mailbox (OAUTH_GRANT=authorization_code): open the URL, consent, then
    paste the address the browser ended on (or run with --listen)."""
    settings = OAuthSettings.from_config(current_app.config)
    if settings.grant != "authorization_code" or not settings.authorize_url:
        raise click.ClickException(
            "connect needs OAUTH_GRANT=authorization_code with an OAuth provider set "
            "(client_credentials needs no connecting)"
        )
    pending = start_connect(settings, f"http://127.0.0.1:{port}/")
    click.echo("Open this address in a browser and sign in as the support mailbox:")
    click.echo(pending.url)
    try:
        code = _await_redirect(pending, port) if listen else _pasted_code(pending)
        finish_connect(settings, token_store(current_app), pending, code)
    except (ConnectRefused, OAuthFailure) as exc:
        raise click.ClickException(f"not connected: {exc}") from None
    click.echo(f"Connected {settings.account} ({settings.provider}); the refresh token is stored")


def _pasted_code(pending: PendingConnect) -> str:
    click.echo(
        "The browser then goes to http://127.0.0.1/… (a page that may not load): copy that "
        "whole address from the address bar."
    )
    answer = click.prompt("Address (or the code)", prompt_suffix=": ", hide_input=False)
    return code_from_answer(pending, str(answer))


def _await_redirect(pending: PendingConnect, port: int) -> str:
    """Serve one redirect on 127.0.0.1:PORT and return its code (state checked)."""
    result: dict[str, Any] = {}
    done = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            query = parse_qs(urlsplit(self.path).query)
            if "state" not in query:
                self.send_error(404)
                return
            try:
                result["code"] = check_callback(pending, query["state"][0], query)
                body = "Connected: you can close this page."
            except ConnectRefused as exc:
                result["error"] = exc
                body = f"Not connected: {exc}"
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.end_headers()
            self.wfile.write(body.encode())
            done.set()

        def log_message(self, *args: Any) -> None:  # the query holds the code
            pass

    server = HTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    click.echo(f"Waiting for the redirect on http://127.0.0.1:{port}/ …")
    try:
        if not done.wait(LOOPBACK_WAIT_SECONDS):
            raise ConnectRefused("no redirect came back in 10 minutes")
    finally:
        server.shutdown()
        server.server_close()
    if "error" in result:
        raise result["error"]
    return str(result["code"])


@mailbox.command("new-key")
def new_key_command() -> None:
    """Print a new key for HELPDESK_ENCRYPTION_KEY."""
    click.echo(new_key())


@mailbox.command("reencrypt")
@with_appcontext
def reencrypt_command() -> None:
    """Encrypt the stored refresh token with the first key of HELPDESK_ENCRYPTION_KEY
    (the last step of a key rotation; then the old key can be dropped)."""
    settings = OAuthSettings.from_config(current_app.config)
    store = token_store(current_app)
    row = store.get()
    if row is None or not row.refresh_token_encrypted:
        click.echo("No refresh token is stored: nothing to do.")
        return
    try:
        store.save_ciphertext(reencrypt(settings.encryption_key, row.refresh_token_encrypted))
    except Exception as exc:  # InvalidToken, or no key
        raise click.ClickException(
            f"cannot decrypt the stored refresh token with any key of HELPDESK_ENCRYPTION_KEY "
            f"({type(exc).__name__}); keep the old key in the list while rotating"
        ) from None
    click.echo("The refresh token is now encrypted with the first key.")


def register(group: click.Group) -> None:
    group.add_command(mailbox)
