"""The ticket page, rendered by one function: for the view, and again with the error
when the policy facts or a reply the agent sent back cannot be used (status 400), so
the agent keeps the conversation, the panel and the composer with what they typed."""

from __future__ import annotations

from flask import current_app, render_template, request, url_for
from flask_login import current_user

from helpdesk.extensions import db
from helpdesk.models import Direction, Ticket
from helpdesk.outbox.files import FileLimits
from helpdesk.policy_panel.context import policy_panel_context
from helpdesk.policy_panel.forms import PolicyFactsForm
from helpdesk.policy_panel.services import latest_check
from helpdesk.replies.composer import Draft, composer_files, reply_composer
from helpdesk.replies.templates import active_templates, suggested_key
from helpdesk.security import allow_remote_images
from helpdesk.tickets.forms import MergeForm, SnoozeForm, SpamForm, TicketUpdateForm
from helpdesk.tickets.page import load_ticket_page


def render_ticket_page(
    ticket: Ticket,
    *,
    facts_form: PolicyFactsForm | None = None,
    draft: Draft | None = None,
    status: int = 200,
) -> tuple[str, int]:
    """The ticket page; `facts_form` (facts sent back with errors) fills the policy panel,
    `draft` (a reply not sent) the composer. ?images=1 loads remote images, ?template=KEY
    fills the composer with that template."""
    load_remote = request.args.get("images") == "1"
    page = load_ticket_page(
        db.session,
        ticket,
        load_remote=load_remote,
        inline_url=lambda id_: url_for("tickets.attachment_inline", attachment_id=id_),
        timezone=current_app.config["HELPDESK_TIMEZONE"],
    )
    if load_remote and page.remote_images:
        allow_remote_images()
    config = current_app.config
    latest = latest_check(db.session, ticket, config["HELPDESK_TIMEZONE"])
    templates = active_templates(db.session)
    # One suggestion for the panel and the composer.
    suggested = suggested_key(ticket, latest.suggesting_verdict, templates)
    suggestion = next((t for t in templates if t.key == suggested), None)
    composer = reply_composer(
        ticket,
        templates=templates,
        suggested=suggested,
        verdict=latest.saved_verdict,
        wanted=request.args.get("template", ""),
        outbox=page.outbox,
        seen_id=page.last_message_id,
        agent_name=current_user.name,
        store_name=config["HELPDESK_STORE_NAME"],
        draft=draft,
        files=composer_files(
            [a for m in page.messages if m.direction == Direction.INBOUND for a in m.attachments],
            FileLimits.from_config(config),
            draft,
        ),
        cc=", ".join(ticket.cc_addresses),
    )
    html = render_template(
        "tickets/show.html",
        page=page,
        panel=policy_panel_context(ticket, latest, facts_form, suggestion=suggestion),
        reply_box=composer,
        ticket=ticket,
        customer=ticket.customer,
        messages=page.messages,
        last_message_id=page.last_message_id,
        update_form=TicketUpdateForm.for_ticket(ticket, page.users, formdata=None),
        snooze_form=SnoozeForm(formdata=None),
        merge_form=MergeForm(formdata=None),
        spam_form=SpamForm.for_ticket(ticket, formdata=None),
        load_remote=load_remote,
    )
    return html, status
