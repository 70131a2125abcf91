"""The `helpdesk` command: Flask's CLI (run, db, shell) plus the helpdesk's own commands."""

from __future__ import annotations

import sys

import click
from flask.cli import FlaskGroup

from helpdesk.commands import register_commands


def _create_app() -> object:
    from config import ConfigError
    from helpdesk import create_app

    try:
        return create_app()
    except ConfigError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)


@click.group(cls=FlaskGroup, create_app=_create_app)
def main() -> None:
    """ProCase helpdesk: support email in, tickets out."""


register_commands(main)


if __name__ == "__main__":
    main()
