"""The status vocabulary: named sets, the transition table, and change_status enforcing it."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from helpdesk.models import Status
from helpdesk.models.ticket import OPEN_WHERE
from helpdesk.models.vocabulary import (
    ACTIONABLE,
    OPEN,
    REOPENABLE,
    RESOLVED,
    STATUSES,
    TRANSITIONS,
)
from helpdesk.replies.services import REPLY_STATUSES
from helpdesk.tickets.services import StatusTransitionError, TicketError, change_status
from tests.factories import make_ticket


def test_named_sets_partition_the_statuses() -> None:
    assert set(OPEN) | set(RESOLVED) == set(STATUSES)
    assert not set(OPEN) & set(RESOLVED)
    assert set(ACTIONABLE) < set(OPEN) and Status.PENDING not in ACTIONABLE


def test_the_partial_index_condition_is_the_one_migration_0006_wrote() -> None:
    assert OPEN_WHERE == "status IN ('new', 'open', 'pending')"


def test_every_legitimate_move_is_in_the_table() -> None:
    for old in REOPENABLE:  # a customer's reply reopens
        assert Status.OPEN in TRANSITIONS[old]
    for old in STATUSES:  # replies, bulk actions, the side panel and the API
        for new in REPLY_STATUSES:
            assert new == old or new in TRANSITIONS[old]
    # Only "not spam" moves back to new (a new ticket marked as spam, restored).
    assert all(Status.NEW not in TRANSITIONS[old] for old in STATUSES)


def test_change_status_refuses_a_move_outside_the_table(session: Session) -> None:
    ticket = make_ticket(session)
    assert change_status(session, ticket, Status.OPEN)
    with pytest.raises(StatusTransitionError, match="from open to new") as refused:
        change_status(session, ticket, Status.NEW)
    assert isinstance(refused.value, TicketError) and refused.value.field == "status"
    assert ticket.status == Status.OPEN
    assert not change_status(session, ticket, Status.OPEN)  # unchanged is not a move


def test_the_bulk_actions_do_not_offer_moving_back_to_new() -> None:
    from helpdesk.tickets.queue_forms import action_choices

    offered = [value for value, _ in action_choices([])["Set status"]]
    assert "status:new" not in offered and "status:open" in offered
