"""Factories for test data: small functions with sensible defaults."""

from __future__ import annotations

import itertools

from sqlalchemy.orm import Session

from helpdesk.auth.services import create_user
from helpdesk.models import Customer, Ticket, User
from helpdesk.tickets.services import create_ticket, get_or_create_customer

_seq = itertools.count(1)
PASSWORD = "correct horse battery"


def make_user(session: Session, role: str = "agent", email: str | None = None) -> User:
    # Sign-ins and sign-outs write session rows: on SQLite, a transaction of the test that
    # began reading before one of them could not write, so a new one begins here.
    session.commit()
    n = next(_seq)
    user = create_user(
        session, email or f"{role}{n}@procase.com", f"{role.title()} {n}", role, PASSWORD
    )
    session.commit()
    return user


def make_customer(session: Session, email: str | None = None, name: str = "") -> Customer:
    customer = get_or_create_customer(session, email or f"customer{next(_seq)}@example.com", name)
    session.flush()
    return customer


def make_ticket(
    session: Session,
    subject: str = "Where is my order?",
    category: str = "shipping",
    customer: Customer | None = None,
    status: str = "new",
) -> Ticket:
    ticket = create_ticket(
        session, customer=customer or make_customer(session), subject=subject, category=category
    )
    ticket.status = status
    session.commit()
    return ticket
