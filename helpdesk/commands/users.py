from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from helpdesk.audit import record_audit
from helpdesk.auth.services import AccountError, create_user, set_password
from helpdesk.auth.twofactor import turn_off
from helpdesk.extensions import db
from helpdesk.models import ROLES, User


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


def _user(email: str) -> User:
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"there is no user with the email {email}")
    return user


@users.command("set-password")
@click.argument("email")
@click.option("--password", help="Prompted for (hidden) when not given.")
@with_appcontext
def set_password_command(email: str, password: str | None) -> None:
    """Give a user a new password; every session of theirs ends (audited)."""
    user = _user(email)
    if password is None:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    try:
        ended = set_password(db.session, user, password)
    except AccountError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    record_audit(db.session, None, "user.password", "user", user.id, email=user.email)
    db.session.commit()
    click.echo(f"New password for {user.email}; {ended} session(s) ended")


@users.command("two-factor-off")
@click.argument("email")
@with_appcontext
def two_factor_off(email: str) -> None:
    """Turn off a user's two-factor sign-in (a lost phone, no recovery code, no admin who
    can sign in); audited."""
    user = _user(email)
    if not user.has_two_factor:
        click.echo(f"{user.email} has no two-factor sign-in")
        return
    turn_off(db.session, user)
    record_audit(db.session, None, "user.two_factor_off", "user", user.id, email=user.email)
    db.session.commit()
    click.echo(f"Two-factor sign-in is off for {user.email}: the password alone signs in")


def register(group: click.Group) -> None:
    group.add_command(users)
