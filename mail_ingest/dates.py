"""When did the customer write? The mail's Date when it is plausible, else when we read it.

Date is the sender's claim (their clock, or anything they like). It is believed when it
is not in the future and fits the mail's Received trail: a mail cannot be written after
it arrived, and it is not written long before it arrived. Pure functions, no app.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from mail_ingest.parse import ParsedMail

# A sender's clock may run this much ahead of ours (or of the receiving server's).
CLOCK_SKEW = timedelta(minutes=15)
# A mail may be written this long before it reaches the last server of its Received trail
# (an outbox that waited for a network, a relay that retried). Anything earlier is a
# wrong clock or a forged date; a day is also the policy's unit, so it moves no window.
TRANSIT = timedelta(hours=24)
# Nobody wrote to this helpdesk before this; an earlier Date is a clock that was never set.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)


def plausible_date(
    date: datetime | None, received: Sequence[datetime], now: datetime
) -> datetime | None:
    """`date` if it is believable for a mail read at `now`, else None.

    With Received dates, the latest one bounds the date from both sides (its
    arrival, TRANSIT before it); a forged Received header can only make the
    mail's own Date less believable, never an old date more so. Compared by
    differences, which cannot overflow whatever year a header names.
    """
    if date is None or date < EARLIEST or date - now > CLOCK_SKEW:
        return None
    if received:
        arrived = max(received)
        if date - arrived > CLOCK_SKEW or arrived - date > TRANSIT:
            return None
    return date


def first_contact(mail: ParsedMail, now: datetime) -> datetime:
    """The moment the customer wrote this mail, as best we know it (never after `now`)."""
    date = plausible_date(mail.date, mail.received_dates, now)
    return now if date is None else min(date, now).astimezone(UTC)
