"""What each report figure counts, in plain words: written once, shown on the report pages
(under each table) and in the OpenAPI descriptions of the report API.

The queries that compute a figure live next to its report (activity.py, backlog.py,
money.py) and follow these words; tests/test_report_crosscheck.py checks that the figures
agree with each other on one dataset.
"""

from __future__ import annotations

DAYS = (
    "Days are the store's calendar days, in its time zone; both ends of the range are "
    "included. Tickets marked as spam are counted nowhere."
)
CREATED = (
    "Created: tickets opened on that day, by a customer's mail or by an agent. A ticket "
    "merged into another counts nowhere in the reports: the ticket it went into counts, with "
    "its own creation, solves and reopenings (not the merged one's)."
)
SOLVED = (
    "Solved: each time a ticket went from new, open or pending to solved or closed on that day, "
    "however it got there (a reply, the status menu, a bulk action, the API, automatic closing). "
    "Closing a ticket that was already solved is not a second solve; a ticket reopened and "
    "solved again counts again."
)
REOPENED = (
    "Reopened: each time a ticket went from solved or closed back to new, open or pending in "
    "the range. Reopen rate: reopened divided by solved."
)
FIRST_RESPONSE = (
    "First response time: for the tickets created in the range that have an answer, the time "
    "from the ticket's creation to the first reply anyone sent on it (automatic "
    "acknowledgements do not count). By agent: whoever wrote that reply."
)
RESOLUTION = (
    "Resolution time: for each solve counted in \u201cSolved\u201d, the time from the ticket's "
    "creation to that solve, so the tickets here add up to the solved total. By agent: the "
    "ticket's assignee now (Unassigned if none)."
)
OPEN = "Open tickets: tickets that are new, open or pending."
WAITING_ON_US = (
    "Waiting on us: new or open tickets whose customer wrote last (their mail came after our "
    "last reply). The queue marks the same tickets as waiting, and \u201cWaiting longest for "
    "us\u201d lists the ones that have waited longest."
)
WAITING_ON_CUSTOMER = "Waiting on the customer: pending tickets."
ANSWERED = (
    "Answered, still open: new or open tickets where we wrote last (or that an agent opened) "
    "and nobody set to pending or solved."
)
WAITING_LONGEST = (
    "The tickets waiting on us (as counted above) that have waited longest, since the "
    "customer's first unanswered mail."
)
AGE = "Age: time since the ticket was created."
APPLIED = (
    "Applied verdicts: the latest policy verdict of each ticket that a sent reply used (the "
    "reply was written from the template the verdict suggests), counted on the day the "
    "verdict was saved. Fees waived: restocking fees not charged because the return was our "
    "fault (defective, wrong or missing item)."
)
SAVED_UNSENT = (
    "Saved, not sent: the latest policy verdict saved on each ticket in the range that no "
    "sent reply used yet. Shown apart: it is not money paid or charged until a reply says so."
)
