"""The reply composer on the ticket page: templates, the suggested one, and a kept draft."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from helpdesk.models import Attachment, OutboxMail, OutboxStatus, ReplyTemplate, Ticket
from helpdesk.outbox.files import FileLimits
from helpdesk.policy import Verdict
from helpdesk.replies.errors import TemplateProblem
from helpdesk.replies.rendering import reads_verdict, render_for_ticket
from helpdesk.replies.services import DEFAULT_REPLY_STATUS, REPLY_STATUSES
from helpdesk.tickets.files import human_size


@dataclass(frozen=True)
class Draft:
    """A reply form that was not sent, shown again in the composer with why."""

    text: str
    status: str
    template: str
    error: str
    last_message_id: int | None
    forward: tuple[int, ...] = ()  # attachments checked to forward
    cc: str = ""
    bcc: str = ""
    files_dropped: int = 0  # files chosen that must be chosen again


@dataclass(frozen=True)
class Forwardable:
    id: int
    filename: str
    size: str  # in words


@dataclass(frozen=True)
class Files:
    """The composer's file fields: the ticket's attachments that can be forwarded (those
    of customers' mail), which are checked, what was dropped, and the limits in words."""

    forwardable: Sequence[Forwardable] = ()
    checked: tuple[int, ...] = ()
    dropped: int = 0
    limits: str = ""


@dataclass(frozen=True)
class Composer:
    """What the composer partial shows for one ticket."""

    groups: list[tuple[str, list[ReplyTemplate]]]
    suggested: str | None
    selected: str | None
    text: str
    error: str | None
    agent_name: str
    failed: list[OutboxMail]
    last_message_id: int | None
    notice: str | None = None  # about the text, not an error
    statuses: tuple[str, ...] = REPLY_STATUSES
    default_status: str = DEFAULT_REPLY_STATUS
    files: Files = field(default_factory=Files)
    cc: str = ""
    bcc: str = ""


def composer_files(
    forwardable: Sequence[Attachment], limits: FileLimits, draft: Draft | None = None
) -> Files:
    """The file fields, keeping a draft's checked attachments (runs no query)."""
    words = (
        f"At most {limits.count} files, {human_size(limits.per_file)} each and "
        f"{human_size(limits.per_mail)} in all with the text."
    )
    items = [Forwardable(a.id, a.filename, human_size(a.size)) for a in forwardable]
    if draft is None:
        return Files(items, limits=words)
    known = {a.id for a in forwardable}
    checked = tuple(i for i in draft.forward if i in known)
    return Files(items, checked, draft.files_dropped, words)


def _groups(
    templates: list[ReplyTemplate], suggested: str | None
) -> list[tuple[str, list[ReplyTemplate]]]:
    """The suggested template first, then the others by category (in the list's order)."""
    groups: dict[str, list[ReplyTemplate]] = {}
    for template in templates:
        label = "suggested" if template.key == suggested else template.category or "any category"
        groups.setdefault(label, []).append(template)
    first = [("suggested", groups.pop("suggested"))] if "suggested" in groups else []
    return first + list(groups.items())


def reply_composer(
    ticket: Ticket,
    *,
    templates: list[ReplyTemplate],
    suggested: str | None,
    verdict: Verdict | None,
    wanted: str,
    outbox: list[OutboxMail],
    seen_id: int | None,
    agent_name: str,
    store_name: str,
    draft: Draft | None = None,
    files: Files | None = None,
    cc: str = "",
) -> Composer:
    """The composer: templates (suggested first), the `wanted` one rendered with the saved
    `verdict`, failed mail; a `draft` (a reply that was not sent) replaces the text.

    `files` are the file fields (`composer_files`); `cc` the Cc field's default (the
    ticket's recipients). Runs no query: the ticket page passes what it loaded."""
    failed = [row for row in outbox if row.status == OutboxStatus.FAILED]
    files = files or Files()
    if draft is not None:
        keys = {t.key for t in templates}
        status = draft.status if draft.status in REPLY_STATUSES else DEFAULT_REPLY_STATUS
        return Composer(
            groups=_groups(templates, suggested),
            suggested=suggested,
            selected=draft.template if draft.template in keys else None,
            text=draft.text,
            error=draft.error,
            agent_name=agent_name,
            failed=failed,
            last_message_id=draft.last_message_id or seen_id,
            default_status=status,
            files=files,
            cc=draft.cc,
            bcc=draft.bcc,
        )
    chosen = next((t for t in templates if t.key == wanted), None)
    text, error, notice = "", None, None
    if wanted and chosen is None:
        error = "That template does not exist or is not active."
    elif chosen is not None:
        try:
            text = render_for_ticket(
                chosen, ticket, verdict, agent_name=agent_name, store_name=store_name
            )
        except TemplateProblem as exc:
            error = f"The template {chosen.name!r} cannot be used: {exc}"
        if verdict is None and error is None and reads_verdict(chosen):
            notice = (
                "No policy check is saved on this ticket, so the verdict's amounts and dates "
                "are left out of this text. Save the check in the policy panel first "
                "(Save and use suggested reply)."
            )
    return Composer(
        groups=_groups(templates, suggested),
        suggested=suggested,
        selected=chosen.key if chosen is not None and error is None else None,
        text=text,
        error=error,
        agent_name=agent_name,
        failed=failed,
        last_message_id=seen_id,
        notice=notice,
        files=files,
        cc=cc,
    )
