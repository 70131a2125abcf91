"""The agent's day in a real browser: a mail arrives over IMAP, the agent finds it in the
queue, checks the store's policy, answers with a template; the reply reaches the SMTP
server threaded, and the customer's emailed answer lands on the same ticket."""

from __future__ import annotations

import email
from datetime import timedelta
from email import policy as email_policy

from flask import Flask
from sqlalchemy.orm import Session

from helpdesk.models import Ticket, utcnow
from helpdesk.orders.services import import_orders
from tests.browser.conftest import shot, sign_in
from tests.factories import PASSWORD, make_user
from tests.mailfactory import make_mail
from tests.outbox_helpers import send_now
from tests.poller_helpers import make_poller


def test_agent_answers_a_return_with_the_policy_and_a_template(  # type: ignore[no-untyped-def]
    page, app: Flask, session: Session, imap_server, smtp
) -> None:
    today = utcnow().date()
    import_orders(
        session,
        [
            {
                "order_number": "204518",
                "channel": "procase.com",
                "purchase_date": (today - timedelta(days=10)).isoformat(),
                "delivery_date": (today - timedelta(days=5)).isoformat(),
                "customer_email": "dana@example.com",
                "product_name": "iPad Air Folio Case",
                "product_type": "standard",
                "price": "29.99",
            }
        ],
    )
    session.commit()
    agent = make_user(session, "agent")
    imap_server.append(
        make_mail(
            subject="Return request for order #204518",
            sender=("Dana Reyes", "dana@example.com"),
            message_id="dana-1@example.com",
            body="Hi, I ordered the wrong color and would like to return it. It is unopened.\n",
        )
    )
    assert make_poller(app, imap_server).run_once().outcomes == {"ticket": 1}
    session.rollback()

    # The queue shows the new ticket; the agent opens it.
    sign_in(page, agent.email, PASSWORD)
    page.get_by_role("navigation", name="Views").get_by_role("link", name="All open").click()
    shot(page, "queue-phone", 390)
    shot(page, "queue")
    row_link = page.get_by_role("link", name="Return request for order #204518")
    row_link.first.click()
    assert page.get_by_role("heading", name="Return request for order #204518").is_visible()

    # The policy panel is prefilled from the order; the agent adds what the mail says.
    page.get_by_label("Reason").select_option("changed_mind")
    page.get_by_label("Item condition").select_option("new_unopened")
    page.get_by_label("Return shipping cost").fill("5.50")
    page.get_by_role("button", name="Check and save").click()
    panel = page.locator(".policy-panel")
    # 29.99 - 15% restocking fee (4.50) - return label (5.50) = 19.99
    assert "$19.99" in panel.inner_text() and "$4.50" in panel.inner_text()

    # The suggested reply already holds the refund: one click puts it in the composer.
    page.get_by_role("link", name="Use this reply").click()
    shot(page, "ticket")
    text = page.locator("#reply-text").input_value()
    assert "19.99" in text and "Dana" in text
    page.locator("#reply-text").fill(text + "\nThank you for shopping with us.")
    page.get_by_role("button", name="Send reply").click()
    assert page.get_by_text("Thank you for shopping with us.").first.is_visible()

    # The outbox sends it to the customer's mail server, threaded under their mail.
    session.rollback()
    assert send_now(session)["sent"] == 2  # the acknowledgement and the reply
    sent = [email.message_from_bytes(raw, policy=email_policy.default) for raw in smtp.wait_for(2)]
    reply = next(m for m in sent if "19.99" in m.get_content())
    assert reply["In-Reply-To"] == "<dana-1@example.com>"
    assert "<dana-1@example.com>" in reply["References"]
    assert reply["Subject"].startswith("[#1001] ")
    assert reply["To"] == "dana@example.com"

    # The customer answers by email; the answer lands on the same ticket.
    imap_server.append(
        make_mail(
            subject=f"Re: {reply['Subject']}",
            sender=("Dana Reyes", "dana@example.com"),
            in_reply_to=reply["Message-ID"],
            references=[reply["Message-ID"]],
            body="Great, I will send it back tomorrow.\n",
        )
    )
    assert make_poller(app, imap_server).run_once().outcomes == {"reply": 1}
    page.reload()
    assert page.get_by_text("Great, I will send it back tomorrow.").first.is_visible()
    session.rollback()
    ticket = session.query(Ticket).one()
    assert ticket.status == "open" and ticket.first_response_at is not None
