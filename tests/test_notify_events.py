"""The later notification events end to end through the SMTP server: a new ticket in a
category one follows, a ticket's SLA about to be or being missed (once each), a snoozed
ticket back; the profile's choices. Times are passed in; nothing sleeps."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.commands.snooze import sla as sla_command
from helpdesk.models import CategoryFollow, OutboxMail, SlaNotice, SlaTarget, User, utcnow
from helpdesk.notifications import Notifier
from helpdesk.reports.sla import sla_settings
from helpdesk.sla_notices import check_sla
from helpdesk.tickets.services import change_field, create_ticket
from helpdesk.tickets.snooze import snooze, wake_due
from tests.factories import make_customer, make_ticket, make_user
from tests.ingest_helpers import ingest
from tests.mailfactory import make_mail
from tests.test_notifications import CUSTOMER, _body, _delivered
from tests.test_web import csrf_token, login


def _follow(session: Session, user: User, *categories: str) -> None:
    session.add_all(CategoryFollow(user_id=user.id, category=c) for c in categories)
    session.commit()


def _notify_rows(session: Session) -> list[OutboxMail]:
    session.rollback()
    return list(session.scalars(select(OutboxMail).where(OutboxMail.kind == "notify")))


def test_a_new_ticket_reaches_the_followers_of_its_category_only(
    session: Session,
    smtp,  # type: ignore[no-untyped-def]
) -> None:
    follower, other = make_user(session), make_user(session)
    _follow(session, follower, "return", "warranty")
    _follow(session, other, "shipping")
    ingest(session, make_mail(subject="Return request", sender=("Alice Smith", CUSTOMER)))
    sent = _delivered(session, smtp)
    (mail,) = sent[follower.email]
    assert "in a category you follow." in _body(mail)
    assert "Return request" in mail["Subject"] and "[#" not in mail["Subject"]
    assert other.email not in sent
    assert all("category you follow" not in _body(m) for m in sent[CUSTOMER])


def test_automatic_mail_and_ones_own_new_ticket_notify_no_follower(
    app: Flask,
    session: Session,
    smtp,  # type: ignore[no-untyped-def]
) -> None:
    follower = make_user(session)
    _follow(session, follower, "return")
    ingest(
        session,
        make_mail(subject="Return request", sender=CUSTOMER, headers={"Precedence": "bulk"}),
    )
    notify = Notifier.from_config(app.config)
    create_ticket(
        session,
        customer=make_customer(session),
        subject="A return I open myself",
        category="return",
        actor_id=follower.id,
        notify=notify,
    )
    session.commit()
    assert _notify_rows(session) == []


def _late_ticket(session: Session, agent: User, minutes_old: int) -> int:
    session.add(SlaTarget(category="general", first_response_minutes=60, resolution_minutes=None))
    ticket = make_ticket(session, subject="Where is it?", category="general", status="open")
    ticket.created_at = utcnow() - timedelta(minutes=minutes_old)
    change_field(session, ticket, "assignee_id", agent.id, actor_id=agent.id)  # no mail
    session.commit()
    return ticket.number


def test_an_sla_target_about_to_be_missed_then_missed_is_told_once_each(
    app: Flask,
    session: Session,
    smtp,  # type: ignore[no-untyped-def]
) -> None:
    agent = make_user(session)
    number = _late_ticket(session, agent, minutes_old=30)  # due in 30 minutes
    settings, notify = sla_settings(app.config), Notifier.from_config(app.config)
    now = utcnow()
    assert check_sla(session, now, settings, notify) == 1
    session.commit()
    sent = _delivered(session, smtp)
    assert list(sent) == [agent.email]  # nobody else, no customer
    (soon,) = sent[agent.email]
    assert f"#{number} is about to miss its first response target (due " in _body(soon)
    assert check_sla(session, now + timedelta(minutes=5), settings, notify) == 0
    assert check_sla(session, now + timedelta(minutes=31), settings, notify) == 1
    session.commit()
    mails = _delivered(session, smtp)[agent.email]
    assert len(mails) == 2
    assert f"#{number} missed its first response target" in _body(mails[1])
    for later in (timedelta(hours=2), timedelta(days=3)):  # never again
        assert check_sla(session, now + later, settings, notify) == 0
    session.commit()
    assert len(_delivered(session, smtp)[agent.email]) == 2
    states = session.scalars(select(SlaNotice.state).order_by(SlaNotice.state)).all()
    assert states == ["breached", "due_soon"]


def test_a_target_missed_long_ago_is_old_news(
    app: Flask,
    session: Session,
    smtp,  # type: ignore[no-untyped-def]
) -> None:
    agent = make_user(session)
    _late_ticket(session, agent, minutes_old=60 + 25 * 60)  # missed 25 hours ago
    notify = Notifier.from_config(app.config)
    assert check_sla(session, utcnow(), sla_settings(app.config), notify) == 0
    session.commit()
    assert _notify_rows(session) == []
    assert session.scalars(select(SlaNotice.state)).all() == []


def test_sla_check_from_the_command_line_and_the_choice_to_opt_out(
    app: Flask,
    session: Session,
    smtp,  # type: ignore[no-untyped-def]
) -> None:
    agent, quiet = make_user(session), make_user(session)
    quiet.notify_sla = False
    number = _late_ticket(session, agent, minutes_old=90)  # missed already
    _late_ticket_for(session, quiet)
    result = app.test_cli_runner().invoke(sla_command, ["check"])
    assert result.exit_code == 0, result.output
    assert "2 SLA targets newly due soon or missed" in result.output
    sent = _delivered(session, smtp)
    (mail,) = sent[agent.email]
    assert f"#{number} missed its first response target" in _body(mail)
    assert quiet.email not in sent
    again = app.test_cli_runner().invoke(sla_command, ["check"])
    assert "0 SLA targets" in again.output


def _late_ticket_for(session: Session, user: User) -> None:
    ticket = make_ticket(session, subject="Also late", category="general", status="open")
    ticket.created_at = utcnow() - timedelta(minutes=90)
    ticket.assignee_id = user.id
    session.commit()


def test_a_snoozed_ticket_back_reaches_its_assignee_when_chosen(
    app: Flask,
    session: Session,
    smtp,  # type: ignore[no-untyped-def]
) -> None:
    agent, quiet = make_user(session), make_user(session)
    agent.notify_snoozed = True  # off by default
    now = utcnow()
    numbers = []
    for user in (agent, quiet):
        ticket = make_ticket(session, status="open")
        change_field(session, ticket, "assignee_id", user.id, actor_id=user.id)
        snooze(session, ticket, now + timedelta(hours=1), user.id, now)
        numbers.append(ticket.number)
    session.commit()
    assert wake_due(session, now + timedelta(hours=1), notify=Notifier.from_config(app.config)) == 2
    session.commit()
    sent = _delivered(session, smtp)
    assert list(sent) == [agent.email]  # not the one who chose otherwise, no customer
    (mail,) = sent[agent.email]
    assert f"#{numbers[0]} is back from snooze." in _body(mail)


def test_the_profile_saves_every_choice_and_the_followed_categories(
    session: Session, client: FlaskClient
) -> None:
    agent = make_user(session)
    login(client, agent.email)
    page = client.get("/profile").get_data(as_text=True)
    assert '<input checked id="notify_sla" name="notify_sla" type="checkbox" value="y">' in page
    assert '<input id="notify_snoozed" name="notify_snoozed" type="checkbox" value="y">' in page
    assert "Wrong item" in page  # the categories in words
    token = csrf_token(client, "/profile")
    data = {"csrf_token": token, "notify_snoozed": "y", "categories": ["return", "warranty"]}
    assert client.post("/profile/notifications", data=data).status_code == 302
    session.rollback()
    assert (agent.notify_assigned, agent.notify_sla, agent.notify_snoozed) == (False, False, True)
    follows = session.scalars(select(CategoryFollow.category).order_by(CategoryFollow.category))
    assert list(follows) == ["return", "warranty"]
    page = client.get("/profile").get_data(as_text=True)
    assert 'checked id="categories-' in page
    bad = client.post("/profile/notifications", data={**data, "categories": ["nonsense"]})
    assert bad.status_code == 400
    assert "not a valid choice" in bad.get_data(as_text=True)
