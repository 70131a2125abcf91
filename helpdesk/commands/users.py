from __future__ import annotations

import click
from flask.cli import with_appcontext

from helpdesk.auth.services import AccountError, create_user
from helpdesk.extensions import db
from helpdesk.models import ROLES


@click.group("users")
def users() -> None:
    """Manage staff accounts."""


@users.command("create")
@click.argument("email")
@click.option("--name", required=True, help="The person's name, shown to customers.")
@click.option("--role", type=click.Choice(ROLES), default="agent", show_default=True)
@click.option("--password", help="Prompted for (hidden) when not given.")
@with_appcontext
def create(email: str, name: str, role: str, password: str | None) -> None:
    """Create a user who can sign in."""
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(db.session, email, name, role, password)
        db.session.commit()
    except AccountError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    click.echo(f"Created {user.role} {user.email}")


def register(group: click.Group) -> None:
    group.add_command(users)
