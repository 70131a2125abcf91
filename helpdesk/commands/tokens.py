from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from helpdesk.api.tokens import TokenError, create_token, list_tokens, revoke_token
from helpdesk.extensions import db
from helpdesk.models import ROLES
from helpdesk.timefmt import storetime


@click.group("tokens")
def tokens() -> None:
    """API tokens (Authorization: Bearer ...) for scripts and integrations."""


@tokens.command("create")
@click.argument("email")
@click.option("--name", default="", help="What the token is for.")
@click.option(
    "--role",
    type=click.Choice(ROLES),
    default=None,
    help="A role lower than the user's (default: the user's role).",
)
@with_appcontext
def create(email: str, name: str, role: str | None) -> None:
    """Create a token for the user EMAIL, with that user's role or a lower one; it is shown
    only now."""
    try:
        token, raw = create_token(db.session, email, name, role)
        db.session.commit()
    except TokenError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    click.echo(f"Token {token.id} ({token.role}) for {email.strip().lower()}; store it now:")
    click.echo(raw)


@tokens.command("list")
@with_appcontext
def list_command() -> None:
    """Every token: id, user, role, name, created, last used, revoked (times in the store's
    zone, with its abbreviation)."""
    zone = current_app.config["HELPDESK_TIMEZONE"]
    for token, email in list_tokens(db.session):
        used = storetime(token.last_used_at, zone) if token.last_used_at else "never"
        state = f"revoked {storetime(token.revoked_at, zone)}" if token.revoked_at else "live"
        click.echo(
            f"{token.id}\t{email}\t{token.role}\t{token.name or '-'}\t"
            f"created {storetime(token.created_at, zone)}\tused {used}\t{state}"
        )


@tokens.command("revoke")
@click.argument("token_id", metavar="ID", type=int)
@with_appcontext
def revoke(token_id: int) -> None:
    """Revoke token ID; requests with it are refused from now on."""
    try:
        revoke_token(db.session, token_id)
        db.session.commit()
    except TokenError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    click.echo(f"Token {token_id} revoked")


def register(group: click.Group) -> None:
    group.add_command(tokens)
