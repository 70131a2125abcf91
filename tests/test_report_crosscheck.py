"""The report figures checked against each other on ONE dataset, made the way the app makes
its data: mail through the real ingest pipeline (with its automatic acknowledgements),
replies through send_reply, policy checks through record_check, a bulk close through
bulk_update. Every figure of helpdesk/reports/definitions.py must agree with the others:
per-day sums with totals, the backlog's counts with its list, the page with the API.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpdesk.mailidentity import MailIdentity
from helpdesk.models import Message, Ticket, User, utcnow
from helpdesk.policy import parse_facts
from helpdesk.policy_panel.services import record_check
from helpdesk.replies.services import send_reply
from helpdesk.reports.activity import Activity, activity
from helpdesk.reports.backlog import Backlog, backlog
from helpdesk.reports.money import Money, MoneyRow, money
from helpdesk.reports.params import day_bounds
from helpdesk.storedays import local_today
from helpdesk.tickets.queue import is_waiting
from helpdesk.tickets.services import bulk_update, change_field, create_ticket
from tests import test_replies
from tests.factories import make_customer, make_user
from tests.ingest_helpers import ingest
from tests.mailfactory import make_mail
from tests.query_count import CountQueries
from tests.report_helpers import page_tables
from tests.test_report_pages import signed_in

RETURN = {  # a changed-mind return of a 24.99 item: refund less a 3.75 restocking fee
    **test_replies.RETURN,
    **{"reason": "changed_mind", "condition": "new_unopened", "return_shipping_cost": "5.00"},
}


@dataclass
class Data:
    ann: User
    bob: User
    boss: User
    tickets: dict[str, Ticket]


class Store:
    """Writes the dataset through the app's own services."""

    def __init__(self, app: Flask, session: Session) -> None:
        self.session = session
        self.identity = MailIdentity.from_config(app.config)
        self.tickets: dict[str, Ticket] = {}

    def mail(self, name: str, category: str, assignee: User | None = None) -> Ticket:
        """A customer's mail opens a ticket (acknowledged automatically)."""
        ingest(
            self.session,
            make_mail(subject=f"About {name}", sender=f"{name}@example.com", message_id=name),
        )
        ticket = self.session.scalars(select(Ticket).order_by(Ticket.id.desc())).first()
        assert ticket is not None
        change_field(self.session, ticket, "category", category)
        if assignee:
            change_field(self.session, ticket, "assignee_id", assignee.id)
        self.session.commit()
        self.tickets[name] = ticket
        return ticket

    def writes_back(self, name: str, n: int) -> None:
        """The customer answers our last reply (which reopens a pending or solved ticket)."""
        ticket = self.tickets[name]
        last = self.session.scalars(
            select(Message.message_id)
            .where(Message.ticket_id == ticket.id, Message.direction == "outbound")
            .order_by(Message.id.desc())
        ).first()
        raw = make_mail(
            subject=f"Re: About {name}",
            sender=f"{name}@example.com",
            message_id=f"{name}-{n}",
            in_reply_to=last,
        )
        ingest(self.session, raw)

    def reply(self, name: str, author: User, status: str, template: str | None = None) -> None:
        ticket = self.tickets[name]
        seen = self.session.scalar(
            select(func.max(Message.id)).where(Message.ticket_id == ticket.id)
        )
        send_reply(
            self.session,
            ticket,
            author=author,
            text="Hello,\nThanks for writing.\n",
            seen_message_id=seen,
            identity=self.identity,
            status=status,
            template_key=template,
        )
        self.session.commit()

    def check(self, name: str, **facts: str) -> str:
        """A saved policy check; the template its verdict suggests."""
        _check, verdict = record_check(
            self.session, self.tickets[name], parse_facts({**RETURN, **facts}), actor_id=None
        )
        self.session.commit()
        assert verdict.template
        return verdict.template


def build(app: Flask, session: Session) -> Data:
    ann, bob, boss = make_user(session), make_user(session), make_user(session, role="manager")
    s = Store(app, session)
    # Solved by the answer, which used the saved verdict (money: applied).
    s.mail("solved", "return", ann)
    s.reply("solved", ann, "solved", template=s.check("solved"))
    # ann's ticket answered by bob and left open: waits on nobody.
    s.mail("answered", "shipping", ann)
    s.reply("answered", bob, "open")
    # Not answered yet: waits on us.
    s.mail("unanswered", "shipping")
    # Answered with the verdict, then the customer wrote back: waits on us again; a newer
    # verdict is saved but not sent yet.
    s.mail("back", "return", ann)
    s.reply("back", ann, "pending", template=s.check("back"))
    s.writes_back("back", 1)
    s.check("back", reason="defective")
    # Waits on the customer; a verdict saved, the reply written without it.
    s.mail("pending", "return", bob)
    s.check("pending", reason="defective")
    s.reply("pending", bob, "pending")
    # Three never answered, closed in one bulk action by the manager.
    for name in ("bulk1", "bulk2", "bulk3"):
        s.mail(name, "general")
    ids = [s.tickets[n].id for n in ("bulk1", "bulk2", "bulk3")]
    assert bulk_update(session, ids, "status", "closed", boss.id) == 3
    session.commit()
    # Solved, reopened by the customer's mail, solved again: two solves, one reopen.
    s.mail("reopened", "warranty", ann)
    s.reply("reopened", ann, "solved")
    s.writes_back("reopened", 1)
    s.reply("reopened", ann, "solved")
    # Solved, then closed: one solve.
    s.mail("closed", "warranty", bob)
    s.reply("closed", bob, "solved")
    bulk_update(session, [s.tickets["closed"].id], "status", "closed", boss.id)
    session.commit()
    # Opened by an agent (no customer mail yet): waits on nobody.
    s.tickets["by_agent"] = create_ticket(
        session, customer=make_customer(session), subject="Call back", category="general"
    )
    session.commit()
    return Data(ann, bob, boss, s.tickets)


@pytest.fixture
def data(app: Flask, session: Session) -> Data:
    return build(app, session)


def _days(app: Flask) -> tuple[str, object, object]:
    """The store's zone, and yesterday to tomorrow in it: the dataset, even across midnight."""
    tz = app.config["HELPDESK_TIMEZONE"]
    today = local_today(utcnow(), tz)
    return tz, today - timedelta(days=1), today + timedelta(days=1)


def _activity(app: Flask, session: Session) -> Activity:
    tz, start, end = _days(app)
    return activity(session, start, end, tz)  # type: ignore[arg-type]


def _counts(report: Activity, kind: str, group: str) -> dict[str, int]:
    timings = getattr(report, kind)[group]
    return {key: t.count for key, t in timings.items()}


def test_solved_adds_up_with_resolution_time(app: Flask, session: Session, data: Data) -> None:
    report = _activity(app, session)
    # One solve each for "solved" and "closed" (closing it later is no second solve), three
    # by the bulk close, two for "reopened".
    assert report.solved_total == sum(report.solved) == 7
    assert sum(_counts(report, "resolution", "category").values()) == report.solved_total
    assert sum(_counts(report, "resolution", "agent").values()) == report.solved_total
    assert _counts(report, "resolution", "category") == {
        "general": 3,
        "return": 1,
        "warranty": 3,
    }
    assert report.reopened == 1 and report.reopen_rate == pytest.approx(1 / 7)


def test_first_response_is_the_first_reply_credited_to_its_author(
    app: Flask, session: Session, data: Data
) -> None:
    report = _activity(app, session)
    answered = session.scalar(select(func.count()).where(Ticket.first_response_at.is_not(None)))
    assert sum(report.created) == len(data.tickets) == 11
    by_category = _counts(report, "first_response", "category")
    by_agent = _counts(report, "first_response", "agent")
    assert sum(by_category.values()) == sum(by_agent.values()) == answered == 6
    # bob answered ann's "answered" ticket: it is his; acknowledgements are nobody's.
    assert by_agent == {data.ann.name: 3, data.bob.name: 3}


def test_waiting_on_us_is_one_set(app: Flask, session: Session, data: Data) -> None:
    report: Backlog = backlog(session, utcnow())
    waiting = {t.number for t in data.tickets.values() if is_waiting(t)}
    assert {row["number"] for row in report.oldest_waiting} == waiting
    assert report.waiting_on_us == len(report.oldest_waiting) == len(waiting) == 2
    assert (report.waiting_on_customer, report.answered_open) == (1, 2)
    per_category = sum(sum(c.values()) for c in report.by_category_status.values())
    assert report.open_total == sum(report.by_age.values()) == per_category == 5
    assert report.open_total == sum(report.by_assignee.values())


def _money_sum(rows: dict[str, MoneyRow]) -> dict[str, object]:
    total = MoneyRow()
    for row in rows.values():
        total.refunds += row.refunds
        total.refund_count += row.refund_count
        total.fees_charged += row.fees_charged
        total.fees_waived += row.fees_waived
        total.replacements += row.replacements
    return total.to_dict()


def test_money_applied_and_saved_apart(app: Flask, session: Session, data: Data) -> None:
    tz, start, end = _days(app)
    low, high = day_bounds(start, end, tz)  # type: ignore[arg-type]
    report: Money = money(session, low, high)
    assert _money_sum(report.by_category) == report.total.to_dict()
    assert _money_sum(report.by_product) == report.total.to_dict()
    assert _money_sum(report.unsent_by_category) == report.unsent_total.to_dict()
    # Sent: "solved" and the first verdict of "back", both changed-mind refunds.
    assert report.total.refund_count == 2
    assert report.total.fees_charged == 2 * Decimal("3.75")
    # Saved, not sent: "back"'s newer verdict and "pending"'s, both defective: no fee.
    assert report.unsent_total.refund_count == 2
    assert report.unsent_total.fees_waived == 2 * Decimal("3.75")


def test_pages_and_api_show_the_same_figures(
    app: Flask, session: Session, client: FlaskClient, data: Data, count_queries: CountQueries
) -> None:
    _tz, start, end = _days(app)
    signed_in(client, session)
    with count_queries() as statements:
        html = client.get(f"/reports/activity?start={start}&end={end}").get_data(as_text=True)
    assert len(statements) <= 8, statements  # a fixed number, not one per ticket or day
    tables = page_tables(html)
    api = client.get(f"/api/v1/reports/activity?start={start}&end={end}").get_json()
    assert tables["daily"][-1] == ["Total", str(sum(api["created"])), str(api["solved_total"])]
    assert tables["reopen"][1][:2] == [str(api["solved_total"]), str(api["reopened"])]
    resolved = sum(int(row[1]) for row in tables["resolution_agent"][1:])
    assert resolved == api["solved_total"]
    answered = sum(int(row[1]) for row in tables["first_response_category"][1:])
    assert answered == sum(int(row[1]) for row in tables["first_response_agent"][1:])

    with count_queries() as statements:
        html = client.get("/reports/").get_data(as_text=True)
    assert len(statements) <= 8, statements
    tables = page_tables(html)
    api = client.get("/api/v1/reports/backlog").get_json()
    waiting = dict(tables["waiting"][1:])
    assert waiting["Us"] == str(api["waiting_on_us"]) == str(len(tables["oldest_waiting"]) - 1)
    assert waiting["Total"] == tables["category_status"][-1][-1]
    assert int(waiting["Total"]) == sum(api["by_age"].values())

    html = client.get(f"/reports/money?start={start}&end={end}").get_data(as_text=True)
    tables = page_tables(html)
    assert tables["category"][-1] == tables["product"][-1]
    assert tables["unsent"][-1][1] == "2" and tables["category"][-1][1] == "2"
