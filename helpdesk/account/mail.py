"""Mail to a staff member about their own account, through the outbox (kind 'account')."""

from __future__ import annotations

from sqlalchemy.orm import Session

from helpdesk.mailidentity import MailIdentity
from helpdesk.models import OutboxKind, OutboxMail
from helpdesk.outbox.services import queue_mail


def queue_account_mail(
    session: Session, identity: MailIdentity, to_address: str, subject: str, text: str
) -> OutboxMail:
    """Queue `text` to a staff member from the support address, in the caller's transaction."""
    return queue_mail(
        session,
        ticket=None,
        kind=OutboxKind.ACCOUNT,
        from_address=identity.support_address,
        to_address=to_address,
        subject=f"{identity.store_name} helpdesk: {subject}",
        text=text,
        message_id_domain=identity.message_id_domain,
        auto_submitted="auto-generated",
    )
