"""Templated replies and notes: rendering in the sandbox, sending through the outbox with
threading headers (to a real SMTP server), the new-message warning, retries, template admin."""

from __future__ import annotations

import email
import html
import importlib.util
import json
import re
from dataclasses import dataclass
from decimal import Decimal
from email import policy
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from helpdesk.mailidentity import MailIdentity
from helpdesk.models import (
    AuditEvent,
    Message,
    OutboxMail,
    PolicyCheck,
    ReplyTemplate,
    Ticket,
    TicketEvent,
    User,
)
from helpdesk.policy import DECISIONS, FACT_NAMES, Verdict, parse_facts
from helpdesk.policy.verdict import TEMPLATES as VERDICT_TEMPLATES
from helpdesk.policy_panel.services import record_check, saved_check
from helpdesk.replies.defaults import DEFAULT_TEMPLATES
from helpdesk.replies.errors import NewMessagesSince, ReplyError, TemplateProblem
from helpdesk.replies.rendering import FACT_LABELS as CUSTOMER_FACT_LABELS
from helpdesk.replies.rendering import (
    SAMPLE_VARIABLES,
    check_template,
    render_text,
    template_variables,
)
from helpdesk.replies.services import add_note, retry_mail, send_reply
from helpdesk.replies.templates import active_templates, suggested_key
from tests.factories import make_user
from tests.ingest_helpers import ingest
from tests.mailfactory import make_mail
from tests.outbox_helpers import send_now
from tests.test_policy import RETURN as RETURN_FACTS
from tests.test_web import login

ROOT = Path(__file__).resolve().parent.parent
# The policy's suggestions, and the FAQ's other answers.
REQUIRED_KEYS = set(VERDICT_TEMPLATES) | {
    "shipping_times",
    "tracking",
    "no_expedite",
    "international",
    "refund_timing",
    "promo_code",
    "discounts",
    "reviewer_program",
    "general",
}


def _ticket(session: Session, subject: str = "Return request", **mail: object) -> Ticket:
    """A ticket opened by a real inbound mail (with an ack queued), as ingest makes it."""
    ingest(
        session,
        make_mail(
            subject=subject,
            sender=mail.pop("sender", ("Alice Smith", "alice@example.com")),  # type: ignore[arg-type]
            message_id=mail.pop("message_id", "m1@example.com"),  # type: ignore[arg-type]
            references=["older@example.com"],
            **mail,  # type: ignore[arg-type]
        ),
    )
    return session.scalars(select(Ticket).order_by(Ticket.id.desc())).first()  # type: ignore[return-value]


def _last_id(session: Session, ticket: Ticket) -> int:
    return session.scalar(select(func.max(Message.id)).where(Message.ticket_id == ticket.id)) or 0


def _check(session: Session, ticket: Ticket, verdict: object) -> PolicyCheck:
    text = verdict if isinstance(verdict, str) else json.dumps(verdict)
    check = PolicyCheck(ticket_id=ticket.id, facts="{}", verdict=text, decision="refund")
    session.add(check)
    session.commit()
    return check


def _saved(session: Session, ticket: Ticket) -> Verdict | None:
    """The ticket's saved verdict, read as the ticket page reads it."""
    latest = saved_check(session, ticket)
    return None if latest is None else latest.saved_verdict


def _variables(session: Session, ticket: Ticket) -> dict[str, object]:
    return dict(
        template_variables(ticket, _saved(session, ticket), agent_name="Bea", store_name="ProCase")
    )


def _suggested(session: Session, ticket: Ticket) -> str | None:
    return suggested_key(ticket, _saved(session, ticket), active_templates(session))


def _identity(app: Flask) -> MailIdentity:
    return MailIdentity.from_config(app.config)


def _reply(app: Flask, session: Session, ticket: Ticket, text: str, **options: object) -> Message:
    """send_reply as the composer calls it, by an agent who saw every message so far."""
    options.setdefault("author", make_user(session))
    options.setdefault("seen_message_id", _last_id(session, ticket))
    return send_reply(session, ticket, text=text, identity=_identity(app), **options)  # type: ignore[arg-type]


def _template(session: Session, key: str) -> ReplyTemplate:
    return session.scalars(select(ReplyTemplate).where(ReplyTemplate.key == key)).one()


# --- seeded templates -------------------------------------------------------------------


def test_every_faq_answer_has_a_seeded_template_that_renders(session: Session) -> None:
    templates = {t.key: t for t in session.scalars(select(ReplyTemplate))}
    assert set(templates) >= REQUIRED_KEYS
    values = {"customer_name": "Alice", "agent_name": "Bea", "store_name": "ProCase"}
    for template in templates.values():
        text = render_text(template.body, values)
        assert text.startswith("Hello Alice,") and "Bea\nProCase Support" in text, template.key
    assert "5-7 business days" in render_text(templates["refund_timing"].body, values)
    assert "One promotional code" in render_text(templates["promo_code"].body, values).replace(
        "Only one", "One"
    )
    assert "Amazon" in render_text(templates["return_refer_amazon"].body, values)
    assert "5-10 working days" in render_text(templates["shipping_times"].body, values)


def test_migration_freezes_the_same_templates() -> None:
    """0003 seeded the templates; later wording is 0012's (tests/test_migration_0012.py)."""
    path = ROOT / "migrations" / "versions" / "0003_reply_templates.py"
    spec = importlib.util.spec_from_file_location("migration_0003", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (module.revision, module.down_revision) == ("0003", "0002")
    assert [row[:3] for row in module.TEMPLATES] == [row[:3] for row in DEFAULT_TEMPLATES]


def test_seed_adds_templates_only_to_an_empty_table(session: Session) -> None:
    from helpdesk.replies.templates import seed_templates

    assert seed_templates(session) == 0
    count = session.scalar(select(func.count(ReplyTemplate.id)))
    assert count == len(DEFAULT_TEMPLATES)


# --- rendering --------------------------------------------------------------------------


def test_variables_and_verdict_fields(app: Flask, session: Session) -> None:
    ticket = _ticket(session, body="My order #123456 arrived, I want to return it.")
    _check(
        session,
        ticket,
        {
            "decision": "refund",
            "template": "return_eligible_refund",
            "refund_amount": "42.5",
            "restocking_fee": "7.50",
            "return_shipping_paid_by": "customer",
            "deadline": "2026-12-01",
            "refund_expected_by": "2026-12-10",
            "missing": [],
            "reasons": ["Bought on procase.com", "Within 30 days"],
        },
    )
    variables = _variables(session, ticket)
    assert variables["customer_name"] == "Alice Smith"
    assert variables["ticket_number"] == str(ticket.number)
    assert variables["order_number"] == "123456"
    assert variables["refund_amount"] == "42.50" and variables["restocking_fee"] == Decimal("7.50")
    assert variables["deadline"] == "December 1, 2026"
    assert variables["reasons"] == "- Bought on procase.com\n- Within 30 days"
    text = render_text(_template(session, "return_eligible_refund").body, variables)
    assert "Hello Alice Smith," in text
    assert "refund $42.50: the purchase price less the 15% restocking fee of $7.50" in text
    assert "the label's cost is deducted from your refund" in text
    assert "at your own cost" not in text and "(by December 10, 2026)" in text
    assert _suggested(session, ticket) == "return_eligible_refund"


RETURN = {
    "request": "return",
    "channel": "procase.com",
    "purchase_date": "2026-03-01",
    "request_date": "2026-03-10",
    "price": "24.99",
}


def test_quality_related_refund_reply_tells_no_restocking_fee(session: Session) -> None:
    ticket = _ticket(session)
    facts = parse_facts({**RETURN, "reason": "defective"})
    _, verdict = record_check(session, ticket, facts, actor_id=None)
    session.commit()
    assert verdict.restocking_fee == Decimal("0.00")
    text = render_text(
        _template(session, "return_eligible_refund").body, _variables(session, ticket)
    )
    assert "refund $24.99, the full purchase price." in text
    assert "with the prepaid return label we will send you" in text
    assert "restocking fee" not in text and "$0.00" not in text and "deducted" not in text


def test_other_refund_reply_tells_the_restocking_fee(session: Session) -> None:
    ticket = _ticket(session)
    facts = parse_facts(
        {
            **RETURN,
            "reason": "changed_mind",
            "condition": "new_unopened",
            "return_shipping_cost": "5.00",
        }
    )
    record_check(session, ticket, facts, actor_id=None)
    session.commit()
    text = render_text(
        _template(session, "return_eligible_refund").body, _variables(session, ticket)
    )
    # what the verdict says: the fee and the label come out of the refund, nothing else
    assert (
        "refund $16.24: the purchase price less the 15% restocking fee of $3.75 and the "
        "cost of the return label."
    ) in text
    assert "There is nothing to pay now: the label's cost is deducted from your refund." in text
    assert "at your own cost" not in text and "prepaid" not in text


def test_every_fact_has_its_own_customer_label() -> None:
    assert set(CUSTOMER_FACT_LABELS) == set(FACT_NAMES)
    labels = list(CUSTOMER_FACT_LABELS.values())
    assert len(set(labels)) == len(labels)


def test_the_preview_sample_is_a_real_verdict() -> None:
    assert SAMPLE_VARIABLES["decision"] in DECISIONS
    body = dict((key, body) for key, _, _, body in DEFAULT_TEMPLATES)["return_eligible_refund"]
    text = render_text(body, SAMPLE_VARIABLES)
    assert "refund $24.99, the full purchase price." in text and "restocking fee" not in text


def test_missing_facts_read_as_a_customer_reads_them(session: Session) -> None:
    ticket = _ticket(session)
    _check(session, ticket, {"decision": "needs_information", "missing": ["purchase_date", "x_y"]})
    variables = _variables(session, ticket)
    assert variables["missing"] == "the order date, x y"
    text = render_text(_template(session, "needs_information").body, variables)
    assert "reply with the following: the order date, x y." in text


@pytest.mark.parametrize("verdict", ["not json", "[1, 2]", "null", "{}", '{"refund_amount": "x"}'])
def test_a_verdict_is_read_defensively(session: Session, verdict: str) -> None:
    ticket = _ticket(session)
    _check(session, ticket, verdict)
    variables = _variables(session, ticket)
    assert variables["deadline"] == variables["missing"] == variables["reasons"] == ""
    assert variables["decision"] == "refund"  # from the check's own column
    for template in active_templates(session):
        render_text(template.body, variables)  # never raises


def test_without_a_verdict_the_category_suggests_and_fields_are_empty(session: Session) -> None:
    ticket = _ticket(session, subject="Wrong Item Received")
    variables = _variables(session, ticket)
    assert all(variables[name] == "" for name in ("decision", "refund_amount", "missing"))
    assert _suggested(session, ticket) == "wrong_item_photo_request"


def test_customer_text_is_a_value_never_template_source(session: Session) -> None:
    ticket = _ticket(
        session,
        subject="{{ 7*7 }} {% for x in range(3) %}x{% endfor %}",
        sender=("{{ 7*7 }}", "mallory@example.com"),
    )
    variables = _variables(session, ticket)
    text = render_text("Hello {{ customer_name }}, re {{ ticket_number }}", variables)
    assert text == f"Hello {{{{ 7*7 }}}}, re {ticket.number}"
    assert "49" not in text


def test_sandbox_blocks_attribute_access_and_huge_values() -> None:
    assert render_text("{{ ''.__class__ }}", {}) == ""
    with pytest.raises(TemplateProblem, match="not allowed"):
        render_text("{{ ''.__class__.__mro__ }}", {})
    with pytest.raises(TemplateProblem, match="not allowed"):
        render_text("{{ ''.__class__.__mro__[1].__subclasses__() }}", {})
    with pytest.raises(TemplateProblem):
        render_text("{{ 'a' * 1000000000 }}", {})
    with pytest.raises(TemplateProblem):
        render_text("{{ 2 ** 100000 }}", {})
    assert render_text("{{ nobody }}|{{ customer_name }}", {"customer_name": "A"}) == "|A"


def test_template_errors_are_clear_messages() -> None:
    with pytest.raises(TemplateProblem, match="line 2"):
        check_template("Hello\n{% if %}")
    with pytest.raises(TemplateProblem, match="cannot extend, include or import"):
        check_template("{% include 'base.html' %}")
    with pytest.raises(TemplateProblem):
        render_text("{{ nothing.at.all }}", {})


# --- sending ----------------------------------------------------------------------------


def test_send_reply_threads_queues_and_sets_status(app: Flask, session: Session) -> None:
    agent = make_user(session)
    ticket = _ticket(session)
    check_key = "return_eligible_refund"
    check = _check(session, ticket, {"decision": "refund", "template": check_key})
    assert ticket.waiting_since is not None and ticket.first_response_at is None
    text = "Hello Alice,\r\n\r\nYour refund is on its way.\r\n"
    message = _reply(app, session, ticket, text, author=agent, template_key=check_key)
    session.commit()
    assert message.direction == "outbound" and not message.automatic
    assert message.author_id == agent.id
    assert message.text == "Hello Alice,\n\nYour refund is on its way.\n"
    assert message.in_reply_to == "m1@example.com"
    assert message.references == "older@example.com m1@example.com"
    row = session.scalars(select(OutboxMail).where(OutboxMail.kind == "reply")).one()
    assert row.message_pk == message.id and row.message_id == message.message_id
    assert row.subject == f"[#{ticket.number}] Re: Return request" == message.subject
    assert row.from_address == "support@procase.com" and row.to_address == "alice@example.com"
    assert row.in_reply_to == "m1@example.com" and row.auto_submitted is None
    assert ticket.status == "pending" and ticket.first_response_at is not None
    assert ticket.waiting_since is None
    kinds = session.scalars(
        select(TicketEvent.kind).where(TicketEvent.ticket_id == ticket.id)
    ).all()
    assert "reply" in kinds and "status" in kinds
    session.refresh(check)
    assert check.applied is True


def test_reply_without_a_verdict_template_leaves_the_check_unapplied(
    app: Flask, session: Session
) -> None:
    ticket = _ticket(session)
    check = _check(session, ticket, {"decision": "refund", "template": "return_eligible_refund"})
    _reply(app, session, ticket, "Thanks!", status="solved", template_key="promo_code")
    session.commit()
    session.refresh(check)
    assert check.applied is False and ticket.status == "solved"


def test_reply_arrives_at_the_smtp_server_threaded(app: Flask, session: Session, smtp) -> None:  # type: ignore[no-untyped-def]
    ticket = _ticket(session)
    message = _reply(app, session, ticket, "Your parcel left today.")
    session.commit()
    assert send_now(session)["sent"] == 2  # the ack and the reply
    raws = smtp.wait_for(2)
    sent = [email.message_from_bytes(raw, policy=policy.default) for raw in raws]
    (reply,) = [m for m in sent if m["Message-ID"] == f"<{message.message_id}>"]
    assert reply["In-Reply-To"] == "<m1@example.com>"
    assert reply["References"] == "<older@example.com> <m1@example.com>"
    assert reply["Subject"] == f"[#{ticket.number}] Re: Return request"
    assert reply["To"] == "alice@example.com" and reply["Auto-Submitted"] is None
    assert "Your parcel left today." in reply.get_content()


def test_a_new_customer_message_stops_the_reply(app: Flask, session: Session) -> None:
    agent = make_user(session)
    ticket = _ticket(session)
    seen = _last_id(session, ticket)
    ingest(
        session,
        make_mail(
            subject=f"Re: [#{ticket.number}] Return request",
            message_id="m2@example.com",
            in_reply_to="m1@example.com",
            body="Actually, I found the receipt.",
        ),
    )
    with pytest.raises(NewMessagesSince) as caught:
        send_reply(
            session, ticket, author=agent, text="Hi", seen_message_id=seen, identity=_identity(app)
        )
    session.rollback()
    assert [m.message_id for m in caught.value.messages] == ["m2@example.com"]
    assert session.scalar(select(func.count()).where(OutboxMail.kind == "reply")) == 0
    message = _reply(app, session, ticket, "Thanks, got it.", author=agent)
    assert message.in_reply_to == "m2@example.com"


def test_reply_refuses_empty_text_and_unknown_status(app: Flask, session: Session) -> None:
    ticket = _ticket(session)
    for text, status in (("  \r\n ", "pending"), ("Hi", "new")):
        with pytest.raises(ReplyError):
            _reply(app, session, ticket, text, status=status)


def test_notes_are_never_emailed(session: Session) -> None:
    agent = make_user(session)
    ticket = _ticket(session)
    before = session.scalar(select(func.count(OutboxMail.id)))
    status, waiting = ticket.status, ticket.waiting_since
    note = add_note(session, ticket, author=agent, text="Customer called, see order notes.")
    session.commit()
    assert note.direction == "note" and note.author_id == agent.id
    assert session.scalar(select(func.count(OutboxMail.id))) == before
    assert ticket.status == status and ticket.waiting_since == waiting
    with pytest.raises(ReplyError):
        add_note(session, ticket, author=agent, text="   ")


def test_retry_queues_a_failed_row_again(session: Session) -> None:
    ticket = _ticket(session)
    row = session.scalars(select(OutboxMail)).one()
    assert retry_mail(session, row, actor_id=None) is False  # queued, not failed
    row.status, row.attempts, row.last_error = "failed", 3, "550 no such user"
    session.commit()
    assert retry_mail(session, row, actor_id=None) is True
    session.commit()
    assert row.status == "queued" and row.attempts == 0
    events = session.scalars(select(TicketEvent.kind).where(TicketEvent.ticket_id == ticket.id))
    assert "mail_retry" in events.all()


# --- web --------------------------------------------------------------------------------


def _token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def _hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, html
    return match.group(1)


@dataclass
class Desk:
    """A signed-in agent's browser on the ticket page, where the composer is."""

    client: FlaskClient
    agent: User

    def page(self, ticket: Ticket, query: str = "") -> str:
        return self.client.get(f"/tickets/{ticket.number}{query}").get_data(as_text=True)

    def post(self, path: str, page: str, **data: str) -> TestResponse:
        """Submit a form as the browser does, with the CSRF token from `page`."""
        return self.client.post(path, data={"csrf_token": _token(page), **data})


@pytest.fixture
def desk(web_app: Flask, client: FlaskClient, session: Session) -> Desk:
    agent = make_user(session)
    login(client, agent.email)
    return Desk(client, agent)


def test_composer_prefills_a_template_and_sends(desk: Desk, session: Session) -> None:
    ticket = _ticket(session, subject="Promo code does not work")
    page = desk.page(ticket)
    assert 'value="promo_code" selected' in page and 'optgroup label="suggested"' in page
    assert 'for="reply-text"' in page and 'id="reply-text"' in page
    assert "Send reply" in page and "Add internal note" in page and "Use template" in page
    assert not re.search(r"<script(?![^>]*\bsrc=)", page) and " style=" not in page
    page = desk.page(ticket, "?template=promo_code")
    assert "Hello Alice Smith," in page and "Only one promotional code" in page
    assert _hidden(page, "template") == "promo_code"
    text = re.search(r'id="reply-text"[^>]*>(.*?)</textarea>', page, re.S).group(1)  # type: ignore[union-attr]
    response = desk.post(
        f"/tickets/{ticket.number}/reply",
        page,
        text=html.unescape(text) + "\nP.S. edited",
        status="solved",
        last_message_id=_hidden(page, "last_message_id"),
        template="promo_code",
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/tickets/{ticket.number}"
    session.rollback()  # a fresh snapshot: the web app committed
    reply = session.scalars(select(Message).where(Message.author_id == desk.agent.id)).one()
    assert reply.text.endswith("P.S. edited\n") and "Only one promotional code" in reply.text
    assert session.get(Ticket, ticket.id).status == "solved"  # type: ignore[union-attr]


def test_a_verdict_template_without_a_saved_check_says_so(desk: Desk, session: Session) -> None:
    ticket = _ticket(session)
    page = desk.page(ticket, "?template=return_eligible_refund")
    assert "No policy check is saved on this ticket" in page
    assert "No policy check is saved" not in desk.page(ticket, "?template=promo_code")
    record_check(session, ticket, parse_facts(RETURN_FACTS), actor_id=desk.agent.id)
    session.commit()
    page = desk.page(ticket, "?template=return_eligible_refund")
    assert "No policy check is saved" not in page and "$11.49" in page


def test_unknown_or_broken_template_shows_a_message_not_a_500(desk: Desk, session: Session) -> None:
    ticket = _ticket(session)
    _template(session, "general").body = "{{ ''.__class__.__mro__ }}"
    session.commit()
    response = desk.client.get(f"/tickets/{ticket.number}?template=general")
    assert response.status_code == 200
    assert "cannot be used" in response.get_data(as_text=True)
    assert "does not exist or is not active" in desk.page(ticket, "?template=nope")


def test_new_message_warning_keeps_the_text_and_offers_send_anyway(
    desk: Desk, session: Session
) -> None:
    ticket = _ticket(session)
    page = desk.page(ticket)
    seen = _hidden(page, "last_message_id")
    ingest(
        session,
        make_mail(
            subject=f"Re: [#{ticket.number}] Return request",
            in_reply_to="m1@example.com",
            body="One more thing: it is the blue one.",
        ),
    )
    data = {"text": "My careful answer", "status": "open", "last_message_id": seen}
    response = desk.post(f"/tickets/{ticket.number}/reply", page, **data)
    warning = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "A new message from the customer arrived after you opened this ticket" in warning
    assert "it is the blue one." in warning and "My careful answer" in warning
    assert "Send anyway" in warning and 'name="confirm" value="1"' in warning
    assert 'value="open" selected' in warning
    assert session.scalar(select(func.count()).where(OutboxMail.kind == "reply")) == 0
    newer = _hidden(warning, "last_message_id")
    assert int(newer) > int(seen)
    data.update(last_message_id=newer, confirm="1")
    response = desk.post(f"/tickets/{ticket.number}/reply", warning, **data)
    assert response.status_code == 302
    session.rollback()
    assert session.scalar(select(func.count()).where(OutboxMail.kind == "reply")) == 1


def test_empty_reply_is_refused_with_the_form_kept(desk: Desk, session: Session) -> None:
    ticket = _ticket(session)
    page = desk.page(ticket)
    response = desk.post(f"/tickets/{ticket.number}/reply", page, text="", status="pending")
    assert response.status_code == 400
    again = response.get_data(as_text=True)
    assert "Your reply was not sent: Write a reply before sending it." in again
    assert 'id="conversation-heading"' in again and 'class="policy-panel"' in again


def test_a_reply_with_an_unknown_template_is_shown_again_on_the_ticket_page(
    desk: Desk, session: Session
) -> None:
    ticket = _ticket(session)
    page = desk.page(ticket)
    seen = _hidden(page, "last_message_id")
    data = {"text": "My <careful> answer", "status": "open", "template": "nope"}
    data["last_message_id"] = seen
    response = desk.post(f"/tickets/{ticket.number}/reply", page, **data)
    assert response.status_code == 400
    again = response.get_data(as_text=True)
    assert "Your reply was not sent: There is no reply template &#39;nope&#39;." in again
    assert ">My &lt;careful&gt; answer</textarea>" in again
    assert '<option value="open" selected>' in again
    assert 'id="conversation-heading"' in again and "Return request" in again
    assert session.scalar(select(func.count()).where(OutboxMail.kind == "reply")) == 0
    # Sent again without the unknown key, it goes.
    assert _hidden(again, "last_message_id") == seen
    data["template"] = ""
    assert desk.post(f"/tickets/{ticket.number}/reply", again, **data).status_code == 302


def test_note_and_failed_mail_retry_on_the_web(desk: Desk, session: Session) -> None:
    ticket = _ticket(session)
    row = session.scalars(select(OutboxMail)).one()
    row.status, row.last_error = "failed", "550 5.1.1 mailbox unavailable"
    session.commit()
    page = desk.page(ticket)
    assert "550 5.1.1 mailbox unavailable" in page and "Retry sending" in page
    assert desk.post(f"/outbox/{row.id}/retry", page).status_code == 302
    session.rollback()  # a fresh snapshot: the web app committed
    assert session.get(OutboxMail, row.id).status == "queued"  # type: ignore[union-attr]
    assert "Retry sending" not in desk.page(ticket)
    before = session.scalar(select(func.count(OutboxMail.id)))
    response = desk.post(f"/tickets/{ticket.number}/notes", page, text="Checked the warehouse.")
    assert response.status_code == 302
    session.rollback()
    note = session.scalars(select(Message).where(Message.direction == "note")).one()
    assert note.text == "Checked the warehouse.\n"
    assert session.scalar(select(func.count(OutboxMail.id))) == before


def test_every_post_needs_a_csrf_token(client: FlaskClient, session: Session) -> None:
    agent = make_user(session, role="admin")
    ticket = _ticket(session)
    row = session.scalars(select(OutboxMail)).one()
    template = _template(session, "general")
    login(client, agent.email)
    for path, data in (
        (f"/tickets/{ticket.number}/reply", {"text": "Hi", "status": "pending"}),
        (f"/tickets/{ticket.number}/notes", {"text": "Hi"}),
        (f"/outbox/{row.id}/retry", {}),
        ("/admin/templates/new", {"key": "x", "name": "X", "body": "Hi"}),
        (f"/admin/templates/{template.id}/edit", {"name": "X", "body": "Hi"}),
    ):
        response = client.post(path, data=data)
        assert response.status_code == 400, path
        assert "form expired" in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).where(Message.direction == "note")) == 0


def test_replies_need_a_signed_in_agent(client: FlaskClient, session: Session) -> None:
    ticket = _ticket(session)
    response = client.post(f"/tickets/{ticket.number}/notes", data={"text": "x"})
    assert response.status_code in (302, 400)
    assert client.post("/tickets/999999/reply").status_code in (302, 400)


# --- template admin ---------------------------------------------------------------------


def test_admin_lists_creates_and_edits_templates(client: FlaskClient, session: Session) -> None:
    admin = make_user(session, role="admin")
    login(client, admin.email)
    listing = client.get("/admin/templates")
    html = listing.get_data(as_text=True)
    assert listing.status_code == 200
    assert "return_eligible_refund" in html and "Return: eligible, refund amount" in html
    assert 'href="/admin/templates"' in client.get("/admin/templates/new").get_data(as_text=True)
    form = client.get("/admin/templates/new").get_data(as_text=True)
    assert 'for="body"' in form and "customer_name" in form
    response = client.post(
        "/admin/templates/new",
        data={
            "csrf_token": _token(form),
            "key": "carrier_lost",
            "name": "Lost parcel",
            "category": "shipping",
            "body": "Hello {{ customer_name }}, we are sending a new one.",
            "active": "y",
        },
    )
    assert response.status_code == 302 and response.headers["Location"] == "/admin/templates"
    session.rollback()
    created = _template(session, "carrier_lost")
    assert created.category == "shipping" and created.active
    bad = client.post(
        f"/admin/templates/{created.id}/edit",
        data={"csrf_token": _token(form), "name": "Lost", "category": "any", "body": "{% if %}"},
    )
    assert bad.status_code == 400
    assert "Template error on line 1" in bad.get_data(as_text=True)
    duplicate = client.post(
        "/admin/templates/new",
        data={
            "csrf_token": _token(form),
            "key": "general",
            "name": "X",
            "category": "any",
            "body": "Hi",
        },
    )
    assert duplicate.status_code == 400 and "exists already" in duplicate.get_data(as_text=True)
    edit = client.get(f"/admin/templates/{created.id}/edit").get_data(as_text=True)
    assert "we are sending a new one." in edit
    response = client.post(
        f"/admin/templates/{created.id}/edit",
        data={"csrf_token": _token(edit), "name": "Lost", "category": "any", "body": "Sorry!"},
    )
    assert response.status_code == 302
    session.rollback()  # a fresh snapshot: the web app committed
    changed = _template(session, "carrier_lost")
    assert (changed.name, changed.category, changed.body) == ("Lost", None, "Sorry!")
    assert changed.active is False  # the box was not ticked
    assert changed not in active_templates(session)
    assert client.get("/admin/templates/999999/edit").status_code == 404


def test_admin_previews_a_template_with_sample_values_without_saving(
    client: FlaskClient, session: Session
) -> None:
    admin = make_user(session, role="admin")
    login(client, admin.email)
    template = _template(session, "general")
    before = (template.body, session.scalar(select(func.count()).select_from(AuditEvent)))
    form = client.get(f"/admin/templates/{template.id}/edit").get_data(as_text=True)
    body = (
        "Hi {{ customer_name }}, refund {{ refund_amount }} for {{ order_number }}. "
        "{{ agent_name }}"
    )
    data = {"csrf_token": _token(form), "name": "G", "category": "any", "body": body}
    shown = client.post(f"/admin/templates/{template.id}/edit", data={**data, "preview": "Preview"})
    html = shown.get_data(as_text=True)
    assert shown.status_code == 200 and "Preview (sample values, not saved)" in html
    assert f"Hi Alex Kim, refund 24.99 for 112-4478120-5533219. {admin.name}" in html
    assert "Hi {{ customer_name }}" in html  # the form keeps what was typed
    session.rollback()
    after = (
        _template(session, "general").body,
        session.scalar(select(func.count()).select_from(AuditEvent)),
    )
    assert after == before
    broken = client.post(
        f"/admin/templates/{template.id}/edit",
        data={**data, "body": "{% if %}", "preview": "Preview"},
    )
    assert broken.status_code == 400
    assert "Cannot preview: Template error on line 1" in broken.get_data(as_text=True)
    new_form = client.get("/admin/templates/new").get_data(as_text=True)
    fresh = client.post(
        "/admin/templates/new",
        data={**data, "csrf_token": _token(new_form), "key": "x_preview", "preview": "Preview"},
    )
    assert fresh.status_code == 200 and "Hi Alex Kim" in fresh.get_data(as_text=True)
    session.rollback()
    assert session.scalar(select(ReplyTemplate).where(ReplyTemplate.key == "x_preview")) is None


def test_template_admin_is_for_admins_only(client: FlaskClient, session: Session) -> None:
    template = _template(session, "general")
    for role in ("agent", "manager"):
        user = make_user(session, role=role)
        login(client, user.email)
        for path in (
            "/admin/templates",
            "/admin/templates/new",
            f"/admin/templates/{template.id}/edit",
        ):
            assert client.get(path).status_code == 403, (role, path)
        assert 'href="/admin/templates"' not in client.get("/").get_data(as_text=True)
        client.post("/logout", data={"csrf_token": _token(client.get("/").get_data(as_text=True))})
    admin = make_user(session, role="admin")
    login(client, admin.email)
    assert 'href="/admin/templates"' in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("key", "facts"),
    [
        ("return_not_eligible", {**RETURN, "reason": "changed_mind", "condition": "opened"}),
        (
            "exchange_not_eligible",
            {**RETURN, "request": "exchange", "channel": "unauthorized_reseller"},
        ),
        (
            "warranty_not_covered",
            {"request": "warranty", "reason": "misuse", "channel": "procase.com"},
        ),
    ],
)
def test_not_eligible_replies_keep_the_reasons_internal(
    session: Session, key: str, facts: dict[str, str]
) -> None:
    """The verdict's reasons are for agents: they never reach the customer's email."""
    ticket = _ticket(session)
    _, verdict = record_check(session, ticket, parse_facts(facts), actor_id=None)
    session.commit()
    assert verdict.template == key and verdict.reasons
    text = render_text(_template(session, key).body, _variables(session, ticket))
    for reason in verdict.reasons:
        assert reason not in text
    assert "_" not in text and "reading" not in text
