"""The policy panel: prefilled from the order, an agent confirms facts, the check is stored."""

from __future__ import annotations

import html
import json
import re
from datetime import date
from decimal import Decimal

from flask import Flask, render_template_string
from flask.testing import FlaskClient
from flask_login import login_user
from markupsafe import escape
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.models import PolicyCheck, ReplyTemplate, TicketEvent, User
from helpdesk.policy_panel.context import policy_panel_context
from helpdesk.policy_panel.services import latest_check
from helpdesk.replies.rendering import render_text, template_variables
from tests.factories import make_ticket, make_user
from tests.test_orders import wrong_item_ticket
from tests.test_web import login

FACTS = {
    "request": "return",
    "reason": "changed_mind",
    "channel": "procase.com",
    "product_type": "standard",
    "purchase_date": "2026-01-05",
    "delivery_date": "2026-01-09",
    "request_date": "2026-01-20",
    "condition": "new_unopened",
    "price": "19.99",
    "return_shipping_cost": "5.50",
    "has_photo": "",
    "wants_refund": "",
    "product_name": "iPad Air case",
    "order_number": "100001",
}


def _csrf(html: str) -> str:
    match = re.search(r'name="policy-csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def _name(session: Session, key: str) -> str:
    """A reply template's name, as pages show it (HTML-escaped)."""
    name = session.scalar(select(ReplyTemplate.name).where(ReplyTemplate.key == key))
    assert name is not None, key
    return str(escape(name))


def _shown(html: str) -> str:
    """The page's text, without tags (and so without URLs and attribute values)."""
    return re.sub(r"<[^>]*>", " ", html)


def _post(client: FlaskClient, number: int, facts: dict[str, str], token: str | None = None):  # type: ignore[no-untyped-def]
    data = {f"policy-{k}": v for k, v in facts.items()}
    if token is not None:
        data["policy-csrf_token"] = token
    return client.post(f"/tickets/{number}/policy", data=data)


def test_preview_is_prefilled_from_the_ticket_and_order(
    client: FlaskClient, session: Session
) -> None:
    ticket = wrong_item_ticket(session)
    login(client, make_user(session).email)
    response = client.get(f"/tickets/{ticket.number}/policy")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Preview from the ticket and its order: not saved yet." in html
    assert '<option selected value="wrong_item">' in html
    assert '<option selected value="procase.com">' in html
    assert 'name="policy-purchase_date" type="date" value="2026-01-05"' in html
    assert 'name="policy-request_date" type="date" value="2026-01-20"' in html
    assert 'name="policy-price" type="text" value="29.00"' in html
    assert '<option selected value="yes">' in html  # the photo attachment
    assert "Send a replacement" in html
    # The suggested reply by its name, never its key; usable once the check is saved.
    assert f'<dd class="policy-suggestion">{_name(session, "wrong_item_replacement")}</dd>' in html
    assert "wrong_item_replacement" not in _shown(html)
    assert "Save the check to use the suggested reply" in html and "Use this reply" not in html
    assert "Order 100001: facts prefilled from the imported order." in html
    assert session.scalar(select(PolicyCheck.id)) is None


def test_agent_posts_facts_and_the_check_is_stored(client: FlaskClient, session: Session) -> None:
    ticket = wrong_item_ticket(session)
    agent = make_user(session)
    login(client, agent.email)
    token = _csrf(client.get(f"/tickets/{ticket.number}/policy").get_data(as_text=True))
    response = _post(client, ticket.number, FACTS, token)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/tickets/{ticket.number}"
    session.rollback()  # end the test's read transaction: see what the request committed
    check = session.scalar(select(PolicyCheck))
    assert check is not None
    assert (check.ticket_id, check.actor_id, check.decision) == (ticket.id, agent.id, "refund")
    assert (check.refund_amount, check.restocking_fee) == (Decimal("11.49"), Decimal("3.00"))
    assert check.product_name == "iPad Air case" and check.applied is False
    assert json.loads(check.facts)["purchase_date"] == "2026-01-05"
    assert json.loads(check.verdict)["refund_expected_by"] == "2026-01-29"
    assert ticket.policy_deadline == date(2026, 2, 4)
    event = session.scalar(select(TicketEvent).where(TicketEvent.kind == "policy_check"))
    assert event is not None and event.new_value == "refund" and event.actor_id == agent.id

    html = client.get(f"/tickets/{ticket.number}/policy").get_data(as_text=True)
    assert "Saved " in html and "Preview" not in html
    assert "$11.49" in html and "$3.00" in html and "The customer" in html
    assert '<time datetime="2026-02-04">' in html and '<time datetime="2026-01-29">' in html
    assert (
        "<li>Purchased 2026-01-05; the 30-day window ends 2026-02-04; asked on 2026-01-20: "
        "inside the window.</li>"
    ) in html
    assert '<option selected value="return">' in html  # the form shows the saved facts


def test_missing_facts_are_listed_and_the_deadline_cleared(
    client: FlaskClient, session: Session
) -> None:
    ticket = make_ticket(session, subject="Broken", category="warranty")
    ticket.policy_deadline = date(2026, 1, 1)
    session.commit()
    login(client, make_user(session).email)
    token = _csrf(client.get(f"/tickets/{ticket.number}/policy").get_data(as_text=True))
    assert _post(client, ticket.number, {"request": "warranty"}, token).status_code == 302
    session.rollback()
    session.refresh(ticket)
    assert ticket.policy_deadline is None
    html = client.get(f"/tickets/{ticket.number}/policy").get_data(as_text=True)
    assert "Needs information" in html and "warranty_information_needed" not in _shown(html)
    assert _name(session, "warranty_information_needed") in html
    use = f'href="/tickets/{ticket.number}?template=warranty_information_needed#reply"'
    assert f"{use}>Use this reply</a>" in html
    assert '<ul class="policy-missing">' in html and "<li>Product name</li>" not in html
    assert "<li>product name</li>" in html and "<li>delivery date</li>" in html


def test_invalid_facts_show_the_error_and_store_nothing(
    client: FlaskClient, session: Session
) -> None:
    ticket = make_ticket(session)
    login(client, make_user(session).email)
    token = _csrf(client.get(f"/tickets/{ticket.number}/policy").get_data(as_text=True))
    response = _post(client, ticket.number, {**FACTS, "price": "abc"}, token)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'aria-invalid="true"' in html and 'id="policy-price-error"' in html
    assert "such as 19.99" in html and 'value="abc"' in html
    # On the ticket page itself: the conversation and the reply composer are there too.
    assert 'id="conversation-heading"' in html and 'id="reply-text"' in html
    assert 'action="/tickets/1001/reply"' in html
    late = _post(client, ticket.number, {**FACTS, "request_date": "2026-01-01"}, token)
    assert late.status_code == 400 and "before the purchase date" in late.get_data(as_text=True)
    assert session.scalar(select(PolicyCheck.id)) is None


def test_csrf_login_and_404(client: FlaskClient, session: Session) -> None:
    ticket = make_ticket(session)
    anonymous = client.get(f"/tickets/{ticket.number}/policy")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    login(client, make_user(session).email)
    assert _post(client, ticket.number, FACTS).status_code == 400
    assert session.scalar(select(PolicyCheck.id)) is None
    assert client.get("/tickets/999999/policy").status_code == 404


def test_every_control_is_labelled_and_nothing_inline(
    client: FlaskClient, session: Session
) -> None:
    ticket = make_ticket(session)
    login(client, make_user(session).email)
    html = client.get(f"/tickets/{ticket.number}/policy").get_data(as_text=True)
    panel = html[html.index('<section class="policy-panel"') :]
    controls = re.findall(r"<(?:input|select|textarea)\b[^>]*>", panel)
    visible = [c for c in controls if 'type="hidden"' not in c]
    assert len(visible) == 14
    for control in visible:
        control_id = re.search(r'id="([^"]+)"', control)
        assert control_id and f'<label for="{control_id.group(1)}">' in panel, control
    assert "<script" not in panel and "style=" not in panel and "<style" not in panel


def test_partial_renders_the_context_it_is_given(web_app: Flask, session: Session) -> None:
    ticket = wrong_item_ticket(session)
    user_id = make_user(session).id
    with web_app.test_request_context():
        from helpdesk.extensions import db

        login_user(db.session.get(User, user_id))
        latest = latest_check(db.session, ticket, "America/Los_Angeles")
        panel = policy_panel_context(ticket, latest)
        html = render_template_string('{% include "policy/_panel.html" %}', panel=panel)
    assert 'action="/tickets/1001/policy"' in html and "Send a replacement" in html


def test_latest_check_prefers_the_saved_check(app: Flask, session: Session) -> None:
    ticket = wrong_item_ticket(session)
    latest = latest_check(session, ticket, "America/Los_Angeles")
    assert latest.check is None and latest.saved_verdict is None
    assert latest.facts.request == "wrong_item" and latest.verdict.decision == "replacement"
    from helpdesk.policy import parse_facts
    from helpdesk.policy_panel.services import record_check

    record_check(session, ticket, parse_facts(FACTS), actor_id=None)
    session.commit()
    latest = latest_check(session, ticket, "America/Los_Angeles")
    assert latest.check is not None and latest.saved_verdict == latest.verdict
    assert latest.facts == parse_facts(FACTS) and latest.verdict.refund_amount == Decimal("11.49")


def test_panel_and_composer_suggest_the_same_reply_and_use_it(
    client: FlaskClient, session: Session
) -> None:
    ticket = wrong_item_ticket(session)
    agent = make_user(session)
    login(client, agent.email)
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    name = _name(session, "wrong_item_replacement")
    assert f'<dd class="policy-suggestion">{name}</dd>' in page
    assert f'<option value="wrong_item_replacement" selected>{name}</option>' in page
    # "Save and use suggested reply": saves the facts shown, then fills the composer.
    token = _csrf(page)
    data = {f"policy-{k}": v for k, v in form_values(page).items()}
    response = client.post(
        f"/tickets/{ticket.number}/policy",
        data={**data, "policy-csrf_token": token, "use_suggested": "1"},
    )
    assert response.status_code == 302
    use = f"/tickets/{ticket.number}?template=wrong_item_replacement#reply"
    assert response.headers["Location"] == use
    session.rollback()
    check = session.scalar(select(PolicyCheck))
    assert check is not None and check.decision == "replacement"
    filled = client.get(use.partition("#")[0]).get_data(as_text=True)
    assert f'href="{use}">Use this reply</a>' in filled
    assert f'<option value="wrong_item_replacement" selected>{name}</option>' in filled
    text = re.search(r'id="reply-text"[^>]*>(.*?)</textarea>', filled, re.S)
    template = session.scalars(
        select(ReplyTemplate).where(ReplyTemplate.key == "wrong_item_replacement")
    ).one()
    saved = latest_check(session, ticket, "America/Los_Angeles").saved_verdict
    variables = template_variables(ticket, saved, agent_name=agent.name, store_name="ProCase")
    assert text and html.unescape(text.group(1)) == render_text(template.body, variables)
    assert '<input type="hidden" name="template" value="wrong_item_replacement">' in filled


def test_an_order_number_not_imported_is_marked(client: FlaskClient, session: Session) -> None:
    ticket = make_ticket(session, subject="Wrong item", category="wrong_item")
    ticket.order_number = "999999"
    session.commit()
    login(client, make_user(session).email)
    html = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert "Order 999999: not found in imported orders; enter its facts by hand." in html
    assert 'aria-describedby="policy-order_number-note"' in html
    token = _csrf(html)
    assert _post(client, ticket.number, {"request": "wrong_item", "order_number": "999999"}, token)
    html = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert "Order 999999: not found in imported orders" in html
    assert "prefilled" not in html


def form_values(html: str) -> dict[str, str]:
    """The policy form's values as the page shows them (inputs and selected options)."""
    values = dict(re.findall(r'name="policy-(\w+)" type="(?:text|date)" value="([^"]*)"', html))
    selects = r'<select id="policy-(\w+)" name="[^"]+">(.*?)</select>'
    for name, body in re.findall(selects, html, re.S):
        chosen = re.search(r'<option selected value="([^"]*)"', body)
        values[name] = chosen.group(1) if chosen else ""
    return values
