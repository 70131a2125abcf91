"""`helpdesk demo`: a running helpdesk with customer mail arriving, for a first look."""

from __future__ import annotations

import click


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address of the web app.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port of the web app.")
@click.option(
    "--interval",
    default=4.0,
    show_default=True,
    type=click.FloatRange(min=0),
    help="Seconds between demo mails after the first batch.",
)
def demo(host: str, port: int, interval: float) -> None:
    """Run the web app with a local demo mailbox and SMTP sink, and send it customer mail.

    Uses the development settings (SQLite in the instance folder unless DATABASE_URL is
    set), creates the demo accounts, imports the sample orders its mails mention and stops
    everything on Ctrl-C.
    """
    from helpdesk import create_app
    from helpdesk.demo.mailbox import DemoError
    from helpdesk.demo.runner import DEMO_SETTINGS, prepare_database, run_demo, setup_logging
    from helpdesk.settings import ConfigError, load_config

    try:
        app = create_app({**load_config("development"), **DEMO_SETTINGS})
        prepare_database(app, click.echo)
        setup_logging()
        run_demo(app, host, port, interval, click.echo)
    except (ConfigError, DemoError) as exc:
        raise click.ClickException(str(exc)) from None


def register(group: click.Group) -> None:
    group.add_command(demo)
