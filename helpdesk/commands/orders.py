from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from helpdesk.extensions import db
from helpdesk.orders.services import OrdersFileError, import_orders, read_orders_csv


@click.group("orders")
def orders() -> None:
    """The store's orders, for policy checks on tickets."""


@orders.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def import_command(file: Path) -> None:
    """Import FILE.csv (one row per order item); re-importing an order replaces its items."""
    try:
        text = file.read_text(encoding="utf-8-sig")
        report = import_orders(db.session, read_orders_csv(text))
    except (OSError, UnicodeDecodeError, OrdersFileError) as exc:
        db.session.rollback()
        raise click.ClickException(f"cannot import {file}: {exc}") from None
    db.session.commit()
    click.echo(
        f"{report.orders_created} orders created, {report.orders_updated} updated, "
        f"{report.items} items; {len(report.errors)} bad lines"
    )
    for line, reason in report.errors:
        click.echo(f"line {line}: {reason}", err=True)


def register(group: click.Group) -> None:
    group.add_command(orders)
