"""The agent queue: parameters, views, filters, search, sorting and keyset pagination.

Pure query building: every function takes its inputs (a Session, the parsed parameters,
the user's id, the current time) and never reads the request. A page is one SELECT
(customer and assignee are joined eagerly), whatever its size and however deep.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnClause,
    ColumnElement,
    and_,
    case,
    func,
    literal,
    literal_column,
    or_,
    select,
    tuple_,
    union,
)
from sqlalchemy.orm import InstrumentedAttribute, Session

from helpdesk import labels
from helpdesk.models import (
    CATEGORIES,
    PRIORITIES,
    STATUSES,
    Customer,
    Message,
    Status,
    Ticket,
    User,
)
from helpdesk.models.ticket import PRIORITY_RANK as PRIORITY_RANK_SQL
from helpdesk.models.vocabulary import ACTIONABLE
from helpdesk.params import EARLIEST_DAY, LATEST_DAY, MAX_ID, parse_id, parse_int

# The left navigation, in order: key -> label. Categories get a view each (open tickets).
BASE_VIEWS: dict[str, str] = {
    "mine": "My open tickets",
    "unassigned": "Unassigned",
    "open": "All open",
    "pending": "Pending",
    "solved": "Solved",
    "all": "All tickets",
    "spam": "Spam",
}
CATEGORY_VIEWS: dict[str, str] = {c: labels.label(c, "category") for c in CATEGORIES}
VIEWS: dict[str, str] = {**BASE_VIEWS, **CATEGORY_VIEWS}
# The views that hold only tickets waiting on us (status new or open).
OPEN_VIEWS: tuple[str, ...] = ("mine", "unassigned", "open", *CATEGORY_VIEWS)

# key -> (label, newer bound in days, older bound in days); age counts from created_at.
AGES: dict[str, tuple[str, int | None, int | None]] = {
    "lt1d": ("Under 1 day", None, 1),
    "1-3d": ("1-3 days", 1, 3),
    "3-7d": ("3-7 days", 3, 7),
    "gt7d": ("Over 7 days", 7, None),
}
# The `sort` parameter: a column's name gives its natural order, "-" before it the reverse.
# Only orders an index serves at a million tickets are offered (no "-deadline": nulls last
# backwards is not an index order; nothing by customer or assignee name).
SORTS: dict[str, str] = {
    "created": "Oldest first",
    "-created": "Newest first",
    "updated": "Recently updated first",
    "-updated": "Least recently updated first",
    "deadline": "Nearest policy deadline",
    "priority": "Most urgent first (newest first within a priority)",
    "-priority": "Least urgent first (oldest first within a priority)",
}
# Older names still accepted in links and by the API.
SORT_ALIASES: dict[str, str] = {"oldest": "created", "newest": "-created"}
# Served by a partial index on the open tickets (status new or open) only.
PRIORITY_SORTS = ("priority", "-priority")
PAGE_SIZES = (25, 50, 100)
DEFAULT_VIEW = "open"  # the API's default; the web queue lands on "mine" or the last view
LANDING_VIEW = "mine"
DEFAULT_SORT = "created"
SEARCH_SORT = "-created"  # a search shows the newest matches first unless a sort is chosen
DEFAULT_SIZE = 50
MAX_SEARCH = 200

# PostgreSQL: up to this many tickets holding the words are counted (GIN index) to choose
# how to read a search's page. Fewer: a rare word; its tickets are fetched through the index
# and sorted. As many: a common word; the sort order's index is walked and each ticket's
# document tested until the page is full (about size / share of tickets rows).
RARE = 1000


# A priority's rank, for sorting. The expression of the partial index on the open tickets
# ix_ticket_open_priority (migration 0015), character for character, so PostgreSQL uses it.
PRIORITY_RANK: ColumnClause[int] = literal_column(PRIORITY_RANK_SQL)
PRIORITY_RANKS: dict[str, int] = {p: rank for rank, p in enumerate(PRIORITIES)}


EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[a-z]{2,}")


class QueueError(ValueError):
    """Invalid queue parameters; `messages` says what is wrong, one line each, and
    `fields` names the parameter of each line (for the API's answer)."""

    def __init__(self, messages: list[str], fields: list[str] | None = None) -> None:
        super().__init__(" ".join(messages))
        self.messages = messages
        self.fields = fields or []


@dataclass(frozen=True)
class Cursor:
    """A position in one sort order: the sort key and id of a row; `before` pages back."""

    sort: str
    value: datetime | date | tuple[int, datetime] | None  # priority: (rank, created_at)
    id: int
    before: bool = False

    def encode(self) -> str:
        value: Any = self.value
        if isinstance(value, date):
            value = value.isoformat()
        elif isinstance(value, tuple):
            value = [value[0], value[1].isoformat()]
        raw = json.dumps({"s": self.sort, "v": value, "i": self.id, "b": int(self.before)})
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Cursor:
        """Parse a token from `encode`; ValueError if it is not one."""
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            data = json.loads(raw)
            sort, value, row_id, before = data["s"], data["v"], data["i"], data["b"]
        except (binascii.Error, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError):
            raise ValueError("not a page link") from None
        sort = SORT_ALIASES.get(sort, sort) if isinstance(sort, str) else sort
        if sort not in SORTS or type(row_id) is not int or not 0 < row_id <= MAX_ID:
            raise ValueError("not a page link")
        if type(before) is not int or before not in (0, 1):
            raise ValueError("not a page link")
        if sort in PRIORITY_SORTS:
            if not isinstance(value, list) or len(value) != 2:
                raise ValueError("not a page link")
            rank, created = value
            if type(rank) is not int or not -1 <= rank <= max(PRIORITY_RANKS.values()):
                raise ValueError("not a page link")
            at = _cursor_time(created)
            return cls(sort=sort, value=(rank, at), id=row_id, before=bool(before))
        if value is not None and not isinstance(value, str):
            raise ValueError("not a page link")
        parsed: datetime | date | None = None
        if value is not None:
            parsed = (
                date.fromisoformat(value) if sort == "deadline" else datetime.fromisoformat(value)
            )
            if isinstance(parsed, datetime) and parsed.tzinfo is None:
                raise ValueError("not a page link")
            day = parsed.date() if isinstance(parsed, datetime) else parsed
            if not EARLIEST_DAY <= day <= LATEST_DAY:
                raise ValueError("not a page link")
        elif sort != "deadline":
            raise ValueError("not a page link")
        return cls(sort=sort, value=parsed, id=row_id, before=bool(before))


def _cursor_time(value: object) -> datetime:
    """A cursor's tz-aware timestamp within the days we compute with; ValueError if not."""
    if not isinstance(value, str):
        raise ValueError("not a page link")
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None or not EARLIEST_DAY <= parsed.date() <= LATEST_DAY:
        raise ValueError("not a page link")
    return parsed


@dataclass(frozen=True)
class QueueParams:
    """What the agent asked for; defaults give the open queue, oldest first."""

    view: str = DEFAULT_VIEW
    status: str | None = None
    category: str | None = None
    assignee: int | str | None = None  # a user id, or "unassigned"
    priority: str | None = None
    age: str | None = None
    q: str = ""
    sort: str = DEFAULT_SORT
    size: int = DEFAULT_SIZE
    cursor: Cursor | None = field(default=None, compare=False)

    def query_args(self, **changes: Any) -> dict[str, str]:
        """The URL query for these parameters (defaults left out, but always the view: the
        web queue without one lands on the agent's last view), with `changes` applied."""
        params = replace(self, **changes)
        args: dict[str, str] = {"view": params.view}
        defaults = QueueParams(sort=default_sort(params.q))
        for name in ("status", "category", "assignee", "priority", "age", "q", "sort"):
            value = getattr(params, name)
            if value not in (None, "") and value != getattr(defaults, name):
                args[name] = str(value)
        if params.size != DEFAULT_SIZE:
            args["size"] = str(params.size)
        if params.cursor is not None:
            args["cursor"] = params.cursor.encode()
        return args


def default_sort(q: str) -> str:
    """The sort order when none is chosen: newest first for a search, else oldest first."""
    return SEARCH_SORT if q else DEFAULT_SORT


def _choice(
    args: Mapping[str, str], name: str, choices: Mapping[str, Any] | tuple[str, ...], label: str
) -> tuple[str | None, str | None]:
    """(value or None, error or None) for a parameter that must be one of `choices`."""
    value = (args.get(name) or "").strip()
    if not value:
        return None, None
    if value not in choices:
        allowed = ", ".join(choices)
        return None, f"Unknown {label} “{value[:40]}”: choose one of {allowed}."
    return value, None


def parse_params(args: Mapping[str, str]) -> QueueParams:
    """Validate the queue's query arguments; QueueError lists everything that is wrong."""
    errors: list[str] = []
    fields: list[str] = []  # the parameter each error is about
    found: dict[str, Any] = {}
    sort = (args.get("sort") or "").strip()
    args = {**args, "sort": SORT_ALIASES.get(sort, sort)}
    for name, choices, label in (
        ("view", VIEWS, "view"),
        ("status", STATUSES, "status"),
        ("category", CATEGORIES, "category"),
        ("priority", PRIORITIES, "priority"),
        ("age", AGES, "age"),
        ("sort", SORTS, "sort order"),
    ):
        value, error = _choice(args, name, choices, label)
        if error:
            errors.append(error)
            fields.append(name)
        elif value is not None:
            found[name] = value
    assignee = (args.get("assignee") or "").strip()
    if assignee == "unassigned":
        found["assignee"] = "unassigned"
    elif assignee:
        if (user_id := parse_id(assignee)) is not None:
            found["assignee"] = user_id
        else:
            errors.append(f"Unknown assignee “{assignee[:40]}”: give a user or “unassigned”.")
            fields.append("assignee")
    q = " ".join((args.get("q") or "").split())
    if len(q) > MAX_SEARCH:
        errors.append(f"The search text is too long (at most {MAX_SEARCH} characters).")
        fields.append("q")
    elif q:
        found["q"] = q
    found.setdefault("sort", default_sort(q if "q" in found else ""))
    size = (args.get("size") or "").strip()
    if size:
        if parse_int(size, 1, max(PAGE_SIZES)) in PAGE_SIZES:
            found["size"] = int(size)
        else:
            sizes = ", ".join(str(s) for s in PAGE_SIZES)
            errors.append(f"Unknown page size “{size[:10]}”: choose one of {sizes}.")
            fields.append("size")
    if found.get("sort") in PRIORITY_SORTS and found.get("view", DEFAULT_VIEW) not in OPEN_VIEWS:
        views = ", ".join(f"“{VIEWS[v]}”" for v in OPEN_VIEWS)
        errors.append(f"Sorting by priority is only for the open tickets: choose {views}.")
        fields.append("sort")
    token = (args.get("cursor") or "").strip()
    if token:
        try:
            cursor = Cursor.decode(token[:500])
        except ValueError:
            errors.append("The page link is broken; start again from the first page.")
            fields.append("cursor")
        else:
            if cursor.sort != found["sort"]:
                errors.append("The page link is for another sort order; start from the first page.")
                fields.append("cursor")
            found["cursor"] = cursor
    if errors:
        raise QueueError(errors, fields)
    return QueueParams(**found)


def view_condition(view: str, user_id: int) -> ColumnElement[bool]:
    """Which tickets a view holds.

    The open statuses are literal SQL, so partial indexes on them (ix_ticket_mine,
    ix_ticket_open_priority) apply to prepared statements too."""
    is_open = Ticket.status.in_([literal_column(f"'{status}'") for status in ACTIONABLE])
    if view == "mine":
        return and_(Ticket.assignee_id == user_id, is_open)
    if view == "unassigned":
        return and_(Ticket.assignee_id.is_(None), is_open)
    if view == "open":
        return is_open
    if view in (Status.PENDING, Status.SOLVED):
        return Ticket.status == view
    if view == "all":  # every ticket but spam and those merged into another (closed)
        return and_(Ticket.merged_into_id.is_(None), Ticket.status != Status.SPAM)
    if view == "spam":
        return Ticket.status == Status.SPAM
    if view in CATEGORIES:
        return and_(Ticket.category == view, is_open)
    raise QueueError([f"Unknown view “{view}”."])


def words_query(q: str) -> ColumnElement[Any]:
    """plainto_tsquery('simple', q): every word of `q` ('simple' stays a literal)."""
    return func.plainto_tsquery(literal_column("'simple'"), q)


def is_common(session: Session, q: str) -> bool:
    """At least RARE tickets hold every word of `q` (PostgreSQL): a count that stops there."""
    holding = select(Ticket.id).where(Ticket.search.op("@@")(words_query(q))).limit(RARE)
    return (session.scalar(select(func.count()).select_from(holding.subquery())) or 0) >= RARE


def search_condition(q: str, dialect: str, common: bool = False) -> ColumnElement[bool]:
    """Tickets whose subject or messages (subject, body), customer email or order number
    match `q`.

    PostgreSQL: every word in the ticket's document (`ticket.search`: its subject and all
    its messages; plainto_tsquery('simple', q)). A rare word's tickets come from the GIN
    index ix_ticket_search; with `common` (see `is_common`) the condition is tested row by
    row so the planner walks the sort order's index and stops when the page is full.
    Elsewhere: every word as a LIKE on the subject or on any of the messages. Both also
    match the exact order number ("#" optional) and, for one word with "@" or "." in it,
    the customer with that email (a whole address) or with an email containing it. Emails
    are stored in lower case, so that is a plain LIKE (ILIKE costs five times as much on
    PostgreSQL); plain words skip that scan of every customer.
    """
    words = q.split()
    emails = None
    if len(words) == 1 and ("@" in q or "." in q):
        address = q.lower()
        emails = select(Customer.id).where(
            Customer.email == address  # a whole address: the unique index, no scan
            if EMAIL.fullmatch(address)
            else Customer.email.contains(address, autoescape=True)
        )
    order = Ticket.order_number == q.lstrip("#")
    in_words: ColumnElement[bool]
    if dialect == "postgresql":
        in_words = Ticket.search.op("@@")(words_query(q))
        if common:
            by_email = [] if emails is None else [Ticket.customer_id.in_(emails)]
            return or_(in_words, order, *by_email)
        parts = [select(Ticket.id).where(in_words)]
    else:  # each word in the subject or in one of the messages
        in_words = and_(
            *(
                or_(
                    Ticket.subject.icontains(word, autoescape=True),
                    Ticket.id.in_(
                        select(Message.ticket_id).where(
                            or_(
                                Message.subject.icontains(word, autoescape=True),
                                Message.text.icontains(word, autoescape=True),
                            )
                        )
                    ),
                )
                for word in words
            )
        )
        parts = [select(Ticket.id).where(in_words)]
    parts.append(select(Ticket.id).where(order))
    if emails is not None:
        parts.append(select(Ticket.id).where(Ticket.customer_id.in_(emails)))
    return Ticket.id.in_(union(*parts))


def filter_conditions(
    params: QueueParams, user_id: int, now: datetime, dialect: str, common: bool = False
) -> list[ColumnElement[bool]]:
    """The WHERE clauses for the view, the filters and the search (`common`: see
    `search_condition`)."""
    conditions = [view_condition(params.view, user_id)]
    if params.status:
        conditions.append(Ticket.status == params.status)
    if params.category:
        conditions.append(Ticket.category == params.category)
    if params.priority:
        conditions.append(Ticket.priority == params.priority)
    if params.assignee == "unassigned":
        conditions.append(Ticket.assignee_id.is_(None))
    elif params.assignee is not None:
        conditions.append(Ticket.assignee_id == params.assignee)
    if params.age:
        _, newer, older = AGES[params.age]
        if newer is not None:
            conditions.append(Ticket.created_at <= now - timedelta(days=newer))
        if older is not None:
            conditions.append(Ticket.created_at > now - timedelta(days=older))
    if params.q:
        conditions.append(search_condition(params.q, dialect, common))
    return conditions


@dataclass(frozen=True)
class _Order:
    column: InstrumentedAttribute[Any] | ColumnClause[int]
    ascending: bool
    nullable: bool
    # A second sort column before the id (priority: then created_at, as its index has it).
    then: Any = None  # InstrumentedAttribute[datetime] (a descriptor, so mypy misreads it)

    def key_of(self, ticket: Ticket) -> datetime | date | tuple[int, datetime] | None:
        """The ticket's value of the sort columns (for its cursor)."""
        if isinstance(self.column, InstrumentedAttribute):
            value: datetime | date | None = getattr(ticket, self.column.key)
            return value
        return (PRIORITY_RANKS.get(ticket.priority, -1), ticket.created_at)


ORDERS: dict[str, _Order] = {
    "created": _Order(Ticket.created_at, ascending=True, nullable=False),
    "-created": _Order(Ticket.created_at, ascending=False, nullable=False),
    "updated": _Order(Ticket.updated_at, ascending=False, nullable=False),
    "-updated": _Order(Ticket.updated_at, ascending=True, nullable=False),
    # Nearest deadline first; tickets without one come last.
    "deadline": _Order(Ticket.policy_deadline, ascending=True, nullable=True),
    # In the order of the open tickets' priority index (rank, created_at), either way.
    "priority": _Order(PRIORITY_RANK, ascending=False, nullable=False, then=Ticket.created_at),
    "-priority": _Order(PRIORITY_RANK, ascending=True, nullable=False, then=Ticket.created_at),
}


def _order_by(order: _Order, backwards: bool) -> list[Any]:
    """ORDER BY for the sort, or its exact reverse (nulls go last going forwards)."""
    ascending = order.ascending != backwards
    column = order.column.asc() if ascending else order.column.desc()
    if order.nullable:
        column = column.nulls_first() if backwards else column.nulls_last()
    then = [] if order.then is None else [order.then.asc() if ascending else order.then.desc()]
    return [column, *then, Ticket.id.asc() if ascending else Ticket.id.desc()]


def _beyond(order: _Order, cursor: Cursor) -> ColumnElement[bool]:
    """Rows after the cursor in the order we read (reversed when paging back).

    Written as `col >= v AND (col > v OR id > i)` so an index on the column bounds the scan.
    """
    ascending = order.ascending != cursor.before
    nulls_last = not cursor.before  # only nullable sorts care
    col = order.column
    id_beyond = Ticket.id > cursor.id if ascending else Ticket.id < cursor.id
    if order.then is not None and isinstance(cursor.value, tuple):
        # (rank, created_at) as one row value, so the index bounds both columns.
        rank, at = cursor.value
        key = tuple_(col, order.then)
        value = tuple_(literal(rank), literal(at, order.then.type))
        if ascending:
            return and_(key >= value, or_(key > value, id_beyond))
        return and_(key <= value, or_(key < value, id_beyond))
    if cursor.value is None:  # inside the block of rows without a value
        in_nulls = and_(col.is_(None), id_beyond)
        return in_nulls if nulls_last else or_(col.is_not(None), in_nulls)
    if ascending:
        keyset = and_(col >= cursor.value, or_(col > cursor.value, id_beyond))
    else:
        keyset = and_(col <= cursor.value, or_(col < cursor.value, id_beyond))
    if order.nullable and nulls_last:
        return or_(keyset, col.is_(None))
    return keyset


@dataclass
class QueuePage:
    tickets: list[Ticket]
    next_cursor: Cursor | None
    prev_cursor: Cursor | None


def _cursor_for(sort: str, ticket: Ticket, before: bool) -> Cursor:
    return Cursor(sort, ORDERS[sort].key_of(ticket), ticket.id, before)


def fetch_page(session: Session, params: QueueParams, user_id: int, now: datetime) -> QueuePage:
    """One page of the queue (one query; a search on PostgreSQL counts first, see
    `is_common`) and the cursors of the pages around it."""
    dialect = session.get_bind().dialect.name
    order = ORDERS[params.sort]
    cursor = params.cursor
    backwards = cursor is not None and cursor.before
    # The page's ids first, in a subquery: customer and assignee are joined to those rows
    # only, not to every ticket that matches before the sort.
    common = bool(params.q) and dialect == "postgresql" and is_common(session, params.q)
    conditions = filter_conditions(params, user_id, now, dialect, common)
    ids = select(Ticket.id).where(*conditions)
    if cursor is not None:
        ids = ids.where(_beyond(order, cursor))
    page = ids.order_by(*_order_by(order, backwards)).limit(params.size + 1).subquery()
    stmt = select(Ticket).join(page, page.c.id == Ticket.id).order_by(*_order_by(order, backwards))
    rows = list(session.scalars(stmt).all())
    more = len(rows) > params.size
    rows = rows[: params.size]
    if backwards:
        rows.reverse()
    has_next = (cursor is not None and cursor.before) or (not backwards and more)
    has_prev = (cursor is not None and not cursor.before) or (backwards and more)
    return QueuePage(
        tickets=rows,
        next_cursor=_cursor_for(params.sort, rows[-1], False) if rows and has_next else None,
        prev_cursor=_cursor_for(params.sort, rows[0], True) if rows and has_prev else None,
    )


def view_counts(session: Session, user_id: int) -> dict[str, int]:
    """How many tickets each view holds, in two grouped queries.

    "all" is not counted: counting every ticket ever costs more than the rest of the page.
    """
    counts = dict.fromkeys(VIEWS, 0)
    del counts["all"]
    who = case(
        (Ticket.assignee_id.is_(None), "unassigned"),
        (Ticket.assignee_id == user_id, "mine"),
        else_="other",
    ).label("who")
    open_rows = session.execute(
        select(Ticket.category, who, func.count())
        .where(Ticket.status.in_(ACTIONABLE))
        .group_by(Ticket.category, who)
    ).all()
    for category, whose, n in open_rows:
        counts["open"] += n
        if category in counts:
            counts[category] += n
        if whose in ("mine", "unassigned"):
            counts[whose] += n
    closing = session.execute(  # an index-only scan of a status index
        select(Ticket.status, func.count())
        .where(Ticket.status.in_((Status.PENDING, Status.SOLVED, Status.SPAM)))
        .group_by(Ticket.status)
    ).all()
    for status, n in closing:
        counts[status] = n
    return counts


def assignable_users(session: Session) -> list[User]:
    """Active staff, by name: the assignee filter and the bulk "assign to" choices."""
    return list(session.scalars(select(User).where(User.active).order_by(User.name, User.id)))


@dataclass
class Queue:
    """Everything the queue page shows."""

    params: QueueParams
    page: QueuePage
    counts: dict[str, int]
    users: list[User]
    now: datetime


def load_queue(session: Session, params: QueueParams, user_id: int, now: datetime) -> Queue:
    """The page, the view counts and the staff list: four queries."""
    return Queue(
        params=params,
        page=fetch_page(session, params, user_id, now),
        counts=view_counts(session, user_id),
        users=assignable_users(session),
        now=now,
    )


def filter_options(users: list[User], view: str) -> dict[str, list[tuple[str | int, str]]]:
    """The filter form's choices for a view: parameter -> [(value, label)]."""
    sorts = [(k, v) for k, v in SORTS.items() if view in OPEN_VIEWS or k not in PRIORITY_SORTS]
    return {
        "status": [c for c in labels.choices("status") if c[0] in STATUSES],  # spam: its view
        "category": [*labels.choices("category")],
        "assignee": [("unassigned", "Unassigned"), *((u.id, u.name) for u in users)],
        "priority": [*labels.choices("priority")],
        "age": [(key, label) for key, (label, _, _) in AGES.items()],
        "sort": list(sorts),
        "size": [(n, str(n)) for n in PAGE_SIZES],
    }


# The sortable columns of the queue table: the sort a first click asks for (its natural
# order) and how the shown values then run (aria-sort); a second click reverses it.
SORT_COLUMNS: dict[str, tuple[str, str]] = {
    "age": ("created", "descending"),  # oldest first: the ages go down
    "priority": ("priority", "descending"),  # most urgent first
}


def column_sort(params: QueueParams, column: str) -> tuple[str | None, str | None]:
    """(the sort its header links to, its aria-sort); no link when the view cannot sort so."""
    natural, direction = SORT_COLUMNS[column]
    reverse = "-" + natural
    if natural in PRIORITY_SORTS and params.view not in OPEN_VIEWS:
        return None, None
    if params.sort == natural:
        return reverse, direction
    if params.sort == reverse:
        return natural, "ascending" if direction == "descending" else "descending"
    return natural, None


def is_waiting(ticket: Ticket) -> bool:
    """The customer waits on us: their mail is unanswered and the ticket is open."""
    return ticket.waiting_since is not None and ticket.status in ACTIONABLE


def human_age(since: datetime | None, now: datetime) -> str:
    """'5 min', '3 h', '2 d' since `since` (never negative)."""
    if since is None:
        return ""
    seconds = max(int((now - since).total_seconds()), 0)
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 48 * 3600:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} d"
