"""What can go wrong with replies, notes and templates."""

from __future__ import annotations

from helpdesk.models import (
    Message,
)


class ReplyError(ValueError):
    """A reply, note or template that cannot be saved (the message says why; `field`
    names the field when it is one; `status` is the API's answer: 413 for files too large)."""

    def __init__(self, message: str, field: str | None = None, status: int = 400) -> None:
        super().__init__(message)
        self.field = field
        self.status = status


class TemplateProblem(ReplyError):
    """A template that does not compile or render in the sandbox."""


class NewMessagesSince(Exception):
    """The customer wrote (or, when asked, another agent replied or added a note) after the
    agent opened the ticket; nothing was sent."""

    def __init__(self, messages: list[Message]) -> None:
        super().__init__(f"{len(messages)} new message(s) since the ticket was opened")
        self.messages = messages
