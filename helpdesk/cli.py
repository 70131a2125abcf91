"""The `helpdesk` command: Flask's CLI (run, db, shell) plus the helpdesk's own commands."""

from __future__ import annotations

import os
import sys

import click
from flask.cli import FlaskGroup

from helpdesk.commands import register_commands


def _create_app() -> object:
    from helpdesk import create_app
    from helpdesk.settings import ConfigError

    try:
        return create_app()
    except ConfigError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)


def _use_env_file(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    """`--env-file FILE` is HELPDESK_ENV_FILE=FILE: one way of reading the file, the same
    for every command and for gunicorn (the settings are loaded by `create_app`)."""
    if value is not None:
        os.environ["HELPDESK_ENV_FILE"] = value


_env_file_option = click.Option(
    ["-e", "--env-file"],
    type=click.Path(exists=True, dir_okay=False),
    is_eager=True,
    expose_value=False,
    callback=_use_env_file,
    help="Read the settings from this environment file, as HELPDESK_ENV_FILE does; "
    "variables set in the environment win over it.",
)


# load_dotenv=False: no .env or .flaskenv picked up from the current directory.
@click.group(cls=FlaskGroup, create_app=_create_app, load_dotenv=False)
def main() -> None:
    """ProCase helpdesk: support email in, tickets out."""


# Flask's own --env-file writes the file into os.environ; ours goes through HELPDESK_ENV_FILE.
main.params = [p for p in main.params if p.name != "env_file"] + [_env_file_option]
register_commands(main)


if __name__ == "__main__":
    main()
