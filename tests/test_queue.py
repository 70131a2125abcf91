"""The queue: views and counts, filters, sorts, search, keyset pages, bulk actions."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from helpdesk.extensions import db
from helpdesk.models import PRIORITIES, Ticket, TicketEvent, User, utcnow
from helpdesk.tickets import queue
from helpdesk.tickets.queue import (
    ORDERS,
    PRIORITY_RANK,
    PRIORITY_RANKS,
    SORTS,
    VIEWS,
    Cursor,
    QueueError,
    _beyond,
    _order_by,
    fetch_page,
    filter_conditions,
    human_age,
    parse_params,
    search_condition,
    view_counts,
)
from helpdesk.tickets.services import TicketError, add_message, bulk_update
from tests.factories import make_customer, make_ticket, make_user
from tests.query_count import CountQueries
from tests.test_web import csrf_token, login

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=utcnow().tzinfo)


def ticket(session: Session, subject: str = "Where is my order?", **fields: Any) -> Ticket:
    """A ticket with `fields` set directly (created_at defaults to an hour before NOW)."""
    item = make_ticket(
        session,
        subject=subject,
        category=fields.pop("category", "shipping"),
        customer=fields.pop("customer", None),
    )
    fields.setdefault("created_at", NOW - timedelta(hours=1))
    fields.setdefault("updated_at", fields["created_at"])
    for name, value in fields.items():
        setattr(item, name, value)
    session.commit()
    return item


def subjects(session: Session, user: User, **args: str) -> list[str]:
    params = parse_params(args)
    return [t.subject for t in fetch_page(session, params, user.id, NOW).tickets]


@pytest.fixture
def agents(session: Session) -> tuple[User, User]:
    return make_user(session), make_user(session)


@pytest.fixture
def mixed(session: Session, agents: tuple[User, User]) -> dict[str, Ticket]:
    me, other = agents
    return {
        "mine": ticket(session, "mine", status="open", assignee_id=me.id, category="warranty"),
        "mine_pending": ticket(session, "mine pending", status="pending", assignee_id=me.id),
        "theirs": ticket(session, "theirs", status="new", assignee_id=other.id, category="return"),
        "unassigned": ticket(session, "unassigned", status="new", priority="urgent"),
        "pending": ticket(session, "pending", status="pending"),
        "solved": ticket(session, "solved", status="solved", category="warranty"),
        "closed": ticket(session, "closed", status="closed"),
    }


def test_each_view_holds_its_tickets_and_counts_match(
    session: Session, agents: tuple[User, User], mixed: dict[str, Ticket]
) -> None:
    me, _ = agents
    expected = {
        "mine": {"mine"},
        "unassigned": {"unassigned"},
        "open": {"mine", "theirs", "unassigned"},
        "pending": {"mine pending", "pending"},
        "solved": {"solved"},
        "all": {t.subject for t in mixed.values()},
        "warranty": {"mine"},
        "return": {"theirs"},
        "shipping": {"unassigned"},
        "general": set(),
    }
    counts = view_counts(session, me.id)
    assert set(counts) == set(VIEWS) - {"all"}  # not counted: too costly for what it says
    for view, names in expected.items():
        assert set(subjects(session, me, view=view)) == names, view
        assert counts.get(view, len(names)) == len(names), view


def test_filters_narrow_the_view(
    session: Session, agents: tuple[User, User], mixed: dict[str, Ticket]
) -> None:
    me, other = agents
    assert set(subjects(session, me, view="all", status="pending")) == {"mine pending", "pending"}
    assert set(subjects(session, me, view="all", category="warranty")) == {"mine", "solved"}
    assert set(subjects(session, me, view="all", assignee=str(other.id))) == {"theirs"}
    assert set(subjects(session, me, view="open", assignee="unassigned")) == {"unassigned"}
    assert subjects(session, me, view="all", priority="urgent") == ["unassigned"]
    assert subjects(session, me, view="open", status="solved") == []


def test_age_buckets(session: Session, agents: tuple[User, User]) -> None:
    me, _ = agents
    for name, age in (("hours", 5), ("two days", 48), ("five days", 120), ("old", 24 * 30)):
        ticket(session, name, created_at=NOW - timedelta(hours=age))
    assert subjects(session, me, age="lt1d") == ["hours"]
    assert subjects(session, me, age="1-3d") == ["two days"]
    assert subjects(session, me, age="3-7d") == ["five days"]
    assert subjects(session, me, age="gt7d") == ["old"]


def test_each_sort(session: Session, agents: tuple[User, User]) -> None:
    me, _ = agents
    ticket(session, "a", created_at=NOW - timedelta(days=3), updated_at=NOW - timedelta(hours=1))
    ticket(session, "b", created_at=NOW - timedelta(days=2), updated_at=NOW - timedelta(days=2))
    ticket(session, "c", created_at=NOW - timedelta(days=1), policy_deadline=date(2026, 12, 1))
    ticket(session, "d", created_at=NOW - timedelta(hours=2), policy_deadline=date(2026, 11, 25))
    for name, priority in (("a", "normal"), ("b", "urgent"), ("c", "low"), ("d", "urgent")):
        session.execute(update(Ticket).where(Ticket.subject == name).values(priority=priority))
    session.commit()
    assert subjects(session, me) == ["a", "b", "c", "d"]  # oldest first by default
    assert subjects(session, me, sort="created") == ["a", "b", "c", "d"]
    assert subjects(session, me, sort="-created") == ["d", "c", "b", "a"]
    assert subjects(session, me, sort="newest") == ["d", "c", "b", "a"]  # the older name
    assert subjects(session, me, sort="oldest") == ["a", "b", "c", "d"]
    assert subjects(session, me, sort="updated") == ["a", "d", "c", "b"]
    assert subjects(session, me, sort="-updated") == ["b", "c", "d", "a"]
    assert subjects(session, me, sort="deadline") == ["d", "c", "a", "b"]  # nulls last
    assert subjects(session, me, sort="priority") == ["d", "b", "a", "c"]  # ties: newer first
    assert subjects(session, me, sort="-priority") == ["c", "a", "b", "d"]


def test_priority_rank_is_the_index_expression_and_covers_every_priority() -> None:
    assert str(PRIORITY_RANK) == (
        "CASE priority WHEN 'low' THEN 0 WHEN 'normal' THEN 1 WHEN 'high' THEN 2 "
        "WHEN 'urgent' THEN 3 ELSE -1 END"
    )
    assert PRIORITY_RANKS == {"low": 0, "normal": 1, "high": 2, "urgent": 3}
    assert set(PRIORITY_RANKS) == set(PRIORITIES)
    assert set(ORDERS) == set(SORTS)


def test_priority_sort_only_in_the_open_views() -> None:
    for view in ("mine", "unassigned", "open", "warranty"):
        assert parse_params({"view": view, "sort": "-priority"}).sort == "-priority"
    for view in ("pending", "solved", "all"):
        with pytest.raises(QueueError, match="Sorting by priority is only for the open tickets"):
            parse_params({"view": view, "sort": "priority"})


@pytest.fixture
def searchable(session: Session, agents: tuple[User, User]) -> None:
    customer = make_customer(session, "jane.doe@example.org", "Jane Doe")
    first = ticket(session, "Broken zipper on my case", customer=customer)
    add_message(
        session,
        first,
        direction="inbound",
        subject="Broken zipper on my case",
        text="The zipper came off after two days.",
    )
    other = ticket(session, "Refund please", order_number="123456")
    add_message(
        session,
        other,
        direction="inbound",
        subject="Refund please",
        text="I would like a refund for the keyboard folio, it is scratched.",
    )
    ticket(session, "Unrelated question")
    session.commit()


@pytest.mark.usefixtures("searchable")
@pytest.mark.parametrize(
    ("q", "found"),
    [
        ("zipper", ["Broken zipper on my case"]),  # a subject word
        ("scratched", ["Refund please"]),  # a body word
        ("KEYBOARD folio", ["Refund please"]),  # words anywhere in one message, any case
        ("jane.doe@example.org", ["Broken zipper on my case"]),  # the customer's email
        ("Jane.Doe@Example.org", ["Broken zipper on my case"]),  # in any case
        ("jane.doe", ["Broken zipper on my case"]),  # part of it
        ("doe@example", ["Broken zipper on my case"]),
        ("123456", ["Refund please"]),  # the order number
        ("#123456", ["Refund please"]),
        ("nothing-like-this", []),
        ("100%_", []),  # LIKE wildcards are literal
    ],
)
def test_search(session: Session, agents: tuple[User, User], q: str, found: list[str]) -> None:
    assert subjects(session, agents[0], view="all", q=q) == found


def test_postgresql_search_uses_the_full_text_index(session: Session) -> None:
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    condition = search_condition("zipper", "postgresql")
    sql = select(Ticket.id).where(condition)
    compiled = sql.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
    session.execute(text("SET LOCAL enable_seqscan = off"))
    plan = "\n".join(session.scalars(text(f"EXPLAIN {compiled}")))
    session.rollback()
    assert "ix_ticket_search" in plan, plan


@pytest.mark.usefixtures("searchable")
def test_words_from_different_messages_find_the_ticket(
    session: Session, agents: tuple[User, User]
) -> None:
    first = session.scalars(select(Ticket).where(Ticket.subject.startswith("Broken"))).one()
    add_message(session, first, direction="outbound", text="Sorry! A replacement is on its way.")
    session.commit()  # the document is rebuilt after the flush
    for q in ("zipper replacement", "broken replacement", "REPLACEMENT"):
        assert subjects(session, agents[0], view="all", q=q) == ["Broken zipper on my case"]
    assert subjects(session, agents[0], view="all", q="replacement keyboard") == []


@pytest.fixture
def many(session: Session) -> list[Ticket]:
    """Seven tickets an hour apart (newest last) holding "case", odd ones also "hinge"."""
    made = []
    for n in range(7):
        item = ticket(session, f"t{n}", created_at=NOW - timedelta(hours=10 - n))
        add_message(session, item, direction="inbound", text="my case" + " hinge" * (n % 2))
        made.append(item)
    ticket(session, "other", created_at=NOW)
    session.commit()
    return made


@pytest.mark.parametrize("rare", [1000, 2], ids=["rare path", "common path"])
def test_search_shows_the_newest_matches_first_a_page_at_a_time(
    monkeypatch: pytest.MonkeyPatch,
    session: Session,
    agents: tuple[User, User],
    many: list[Ticket],
    rare: int,
) -> None:
    """The same pages whether the words are counted rare (the GIN index) or common (walk
    the newest tickets first and stop when the page is full): RARE=2 makes both common."""
    monkeypatch.setattr(queue, "RARE", rare)
    if session.get_bind().dialect.name == "postgresql":
        assert queue.is_common(session, "case") is (rare == 2)
    me = agents[0]
    expected = [f"t{n}" for n in range(6, -1, -1)]
    assert subjects(session, me, view="all", q="case") == expected
    assert subjects(session, me, view="all", q="case hinge") == ["t5", "t3", "t1"]
    assert subjects(session, me, view="all", q="case", sort="created") == expected[::-1]
    forward, backward = walk(session, me, {"view": "all", "q": "case", "size": "25"})
    assert forward == backward == [t.id for t in reversed(many)]
    params = parse_params({"view": "all", "q": "case"})
    assert params.sort == "-created" and params.query_args() == {"view": "all", "q": "case"}
    oldest = parse_params({"view": "all", "q": "case", "sort": "created"})
    assert oldest.query_args()["sort"] == "created"  # chosen, so kept in links


def test_a_full_page_stops_the_search(
    monkeypatch: pytest.MonkeyPatch, session: Session, agents: tuple[User, User]
) -> None:
    """Common words, 30 matching tickets, a page of 25: the newest 25 and a next page."""
    monkeypatch.setattr(queue, "RARE", 2)
    for n in range(30):
        item = ticket(session, f"t{n:02}", created_at=NOW - timedelta(minutes=60 - n))
        add_message(session, item, direction="inbound", text="where is my order")
    session.commit()
    page = fetch_page(session, parse_params({"view": "all", "q": "order", "size": "25"}), 1, NOW)
    assert [t.subject for t in page.tickets] == [f"t{n:02}" for n in range(29, 4, -1)]
    assert page.next_cursor is not None


def walk(session: Session, user: User, args: dict[str, str]) -> tuple[list[int], list[int]]:
    """Ids page by page forwards to the end, then backwards to the start."""
    forward: list[int] = []
    params = parse_params(args)
    page = fetch_page(session, params, user.id, NOW)
    assert page.prev_cursor is None
    pages = [[t.id for t in page.tickets]]
    while page.next_cursor is not None:
        token = page.next_cursor.encode()
        page = fetch_page(session, parse_params({**args, "cursor": token}), user.id, NOW)
        pages.append([t.id for t in page.tickets])
    for ids in pages:
        forward.extend(ids)
    backward: list[int] = list(pages[-1])
    while page.prev_cursor is not None:
        token = page.prev_cursor.encode()
        page = fetch_page(session, parse_params({**args, "cursor": token}), user.id, NOW)
        backward = [t.id for t in page.tickets] + backward
    return forward, backward


@pytest.mark.parametrize("sort", [*SORTS, "oldest", "newest"])
def test_cursor_pages_forward_and_back_with_equal_keys(
    session: Session, agents: tuple[User, User], sort: str
) -> None:
    customer = make_customer(session)
    for i in range(57):  # three timestamps and deadlines shared by many, some without one
        ticket(
            session,
            f"t{i}",
            customer=customer,
            created_at=NOW - timedelta(hours=i % 3),
            updated_at=NOW - timedelta(minutes=i % 2),
            policy_deadline=None if i % 4 == 0 else date(2026, 12, 1 + i % 3),
            priority=PRIORITIES[i % 4 // 2],
        )
    everything = [
        t.id
        for t in fetch_page(session, parse_params({"size": "100", "sort": sort}), 0, NOW).tickets
    ]
    assert len(everything) == 57
    forward, backward = walk(session, agents[0], {"size": "25", "sort": sort})
    assert forward == everything
    assert backward == everything


def test_next_and_previous_links_on_the_page(
    client: FlaskClient, session: Session, agents: tuple[User, User]
) -> None:
    customer = make_customer(session)
    for i in range(30):
        ticket(session, f"ticket {i:02d}", customer=customer, created_at=NOW)
    login(client, agents[0].email)
    first = client.get("/?view=open&size=25").get_data(as_text=True)
    assert "Previous page" not in first and "ticket 00" in first
    next_url = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    second = client.get(next_url).get_data(as_text=True)
    assert second.count('name="ticket_ids"') == 5 and "ticket 29" in second
    assert "Next page" not in second
    prev_url = re.search(r'rel="prev" href="([^"]+)"', second).group(1).replace("&amp;", "&")
    again = client.get(prev_url).get_data(as_text=True)
    assert again.count('name="ticket_ids"') == 25 and "ticket 00" in again
    assert "Previous page" not in again and "Next page" in again


def test_rows_show_customer_age_and_waiting_marker(
    client: FlaskClient, session: Session, agents: tuple[User, User]
) -> None:
    customer = make_customer(session, "ann@example.com", "Ann Example")
    now = utcnow()
    waiting = ticket(
        session,
        "Still no answer",
        customer=customer,
        status="open",
        created_at=now - timedelta(days=2, hours=1),
        waiting_since=now - timedelta(hours=3, minutes=5),
    )
    ticket(session, "Answered", status="pending", waiting_since=now, created_at=now)
    login(client, agents[0].email)
    html = client.get("/?view=all").get_data(as_text=True)
    assert f'href="/tickets/{waiting.number}"' in html
    assert "Ann Example" in html and "ann@example.com" in html
    assert "Waiting on us 3 h" in html and ">2 d<" in html
    assert html.count("Waiting on us") == 1  # not for pending tickets
    assert 'aria-current="page"' in html and "My open tickets" in html
    assert 'for="select-' in html  # every checkbox has a label
    assert "<script>" not in html and " style=" not in html


def test_human_age() -> None:
    assert human_age(NOW - timedelta(minutes=5), NOW) == "5 min"
    assert human_age(NOW - timedelta(hours=3, minutes=59), NOW) == "3 h"
    assert human_age(NOW - timedelta(days=2, hours=1), NOW) == "2 d"
    assert human_age(NOW + timedelta(minutes=5), NOW) == "0 min"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("view=everything", "Unknown view"),
        ("status=lost", "Unknown status"),
        ("sort=random", "Unknown sort order"),
        ("age=ancient", "Unknown age"),
        ("assignee=bob", "Unknown assignee"),
        ("size=7", "Unknown page size"),
        ("cursor=not-a-cursor", "page link is broken"),
        ("q=" + "x" * 201, "search text is too long"),
        ("sort=newest&cursor=" + Cursor("created", NOW, 1).encode(), "another sort order"),
        ("sort=-deadline", "Unknown sort order"),
        ("sort=customer", "Unknown sort order"),
        ("view=solved&sort=-priority", "Sorting by priority is only for the open tickets"),
        ("sort=priority&cursor=" + Cursor("priority", 7, 1).encode(), "page link is broken"),
    ],
)
def test_invalid_parameters_are_a_clear_400(
    client: FlaskClient, session: Session, query: str, message: str
) -> None:
    login(client, make_user(session).email)
    response = client.get("/?" + query)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_parse_params_lists_every_problem() -> None:
    with pytest.raises(QueueError) as caught:
        parse_params({"view": "x", "priority": "y"})
    assert len(caught.value.messages) == 2


def test_queries_per_page_do_not_grow_with_rows(
    count_queries: CountQueries,
    client: FlaskClient,
    session: Session,
    agents: tuple[User, User],
) -> None:
    me, other = agents
    login(client, me.email)
    counts = []
    for total in (10, 100):
        while session.scalar(select(db.func.count(Ticket.id))) < total:
            ticket(session, "same", assignee_id=other.id, waiting_since=NOW)
        with count_queries() as statements:
            html = client.get("/?size=100&view=all").get_data(as_text=True)
        assert html.count('name="ticket_ids"') == total
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
    assert counts[1] <= 6


def bulk_post(client: FlaskClient, ids: list[int], action: str, **extra: str) -> Any:
    data: dict[str, Any] = {
        "ticket_ids": [str(i) for i in ids],
        "action": action,
        "csrf_token": csrf_token(client, "/"),
        "next": "/?view=all&sort=newest",
        **extra,
    }
    return client.post("/tickets/bulk", data=data)


def test_bulk_actions_record_events(
    client: FlaskClient, session: Session, agents: tuple[User, User]
) -> None:
    me, other = agents
    first, second = ticket(session, "one"), ticket(session, "two", assignee_id=other.id)
    login(client, me.email)

    response = bulk_post(client, [first.id, second.id], f"assign:{me.id}")
    assert response.status_code == 302
    assert response.headers["Location"] == "/?view=all&sort=newest"
    assert "Updated 2 tickets" in client.get("/?view=all").get_data(as_text=True)
    assert bulk_post(client, [first.id], "status:pending").status_code == 302
    assert bulk_post(client, [first.id, second.id], "category:warranty").status_code == 302
    assert bulk_post(client, [second.id], "unassign").status_code == 302

    session.rollback()  # a new transaction sees what the requests committed
    assert (first.assignee_id, first.status, first.category) == (me.id, "pending", "warranty")
    assert (second.assignee_id, second.category) == (None, "warranty")
    events = session.scalars(
        select(TicketEvent).where(TicketEvent.kind != "created").order_by(TicketEvent.id)
    ).all()
    assert [(e.ticket_id, e.kind, e.old_value, e.new_value) for e in events] == [
        (first.id, "assignee_id", None, str(me.id)),
        (second.id, "assignee_id", str(other.id), str(me.id)),
        (first.id, "status", "new", "pending"),
        (first.id, "category", "shipping", "warranty"),
        (second.id, "category", "shipping", "warranty"),
        (second.id, "assignee_id", str(me.id), None),
    ]
    assert {e.actor_id for e in events} == {me.id}


def test_bulk_needs_csrf_a_user_a_selection_and_a_valid_action(
    client: FlaskClient, session: Session, agents: tuple[User, User]
) -> None:
    me, _ = agents
    item = ticket(session, "one")
    anonymous = client.post("/tickets/bulk", data={"ticket_ids": [item.id], "action": "unassign"})
    assert anonymous.status_code in (302, 400)
    login(client, me.email)
    no_csrf = client.post("/tickets/bulk", data={"ticket_ids": [item.id], "action": "status:open"})
    assert no_csrf.status_code == 400 and "form expired" in no_csrf.get_data(as_text=True)
    assert client.get("/tickets/bulk").status_code == 405
    assert bulk_post(client, [], "status:open").status_code == 302
    assert "Select at least one ticket." in client.get("/").get_data(as_text=True)
    assert bulk_post(client, [item.id], "status:lost").status_code == 302
    assert "Not a valid choice" in client.get("/").get_data(as_text=True)
    outside = bulk_post(client, [item.id], "status:open", next="https://evil.example/")
    assert outside.headers["Location"] == "/"

    session.rollback()  # a new transaction sees what the requests committed
    assert item.status == "open"
    token = csrf_token(client, "/")
    me.active = False  # signed out by the loader from now on
    session.commit()
    data = {"ticket_ids": [str(item.id)], "action": "status:closed", "csrf_token": token}
    assert client.post("/tickets/bulk", data=data).status_code in (302, 403)
    session.rollback()  # a new transaction sees what the requests committed
    assert item.status == "open"


def test_bulk_update_validates_before_changing_anything(
    session: Session, agents: tuple[User, User]
) -> None:
    me, other = agents
    items = [ticket(session, "a"), ticket(session, "b")]
    ids = [t.id for t in items]
    other.active = False
    session.commit()
    for action, value in (
        ("assign", str(other.id)),
        ("assign", "999999"),
        ("status", "lost"),
        ("category", "nope"),
        ("delete", None),
    ):
        with pytest.raises(TicketError):
            bulk_update(session, ids, action, value, me.id)
    assert bulk_update(session, ids, "status", "new", me.id) == 0  # already new
    assert bulk_update(session, ids, "status", "solved", me.id) == 2
    session.commit()
    assert all(t.resolved_at is not None for t in items)


def test_agents_land_on_their_own_tickets_then_on_the_view_they_last_used(
    client: FlaskClient, session: Session, agents: tuple[User, User], mixed: dict[str, Ticket]
) -> None:
    login(client, agents[0].email)
    first = client.get("/")
    assert "<h1>My open tickets</h1>" in first.get_data(as_text=True)
    assert client.get_cookie("helpdesk_queue_view") is None  # nothing chosen, nothing kept
    chosen = client.get("/?view=unassigned")
    cookie = next(c for c in chosen.headers.getlist("Set-Cookie") if "queue_view" in c)
    assert "helpdesk_queue_view=unassigned" in cookie and "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    html = client.get("/").get_data(as_text=True)
    assert "<h1>Unassigned</h1>" in html and "unassigned" in html
    assert "<h1>Pending</h1>" in client.get("/?view=pending").get_data(as_text=True)
    assert "<h1>Pending</h1>" in client.get("/").get_data(as_text=True)
    # Links on the page keep their view, whatever the agent opens next.
    assert 'href="/?view=pending&amp;sort=-created"' in client.get("/").get_data(as_text=True)
    client.set_cookie("helpdesk_queue_view", "no-such-view")
    assert "<h1>My open tickets</h1>" in client.get("/").get_data(as_text=True)
    bad = client.get("/?view=nope")
    assert bad.status_code == 400
    assert not any("queue_view" in c for c in bad.headers.getlist("Set-Cookie"))


def test_column_headers_sort_with_aria_sort(
    client: FlaskClient, session: Session, agents: tuple[User, User]
) -> None:
    ticket(session, "calm", priority="low", created_at=NOW - timedelta(days=2))
    ticket(session, "fire", priority="urgent", created_at=NOW - timedelta(days=1))
    login(client, agents[0].email)

    def headers(url: str) -> dict[str, tuple[str | None, str | None]]:
        """Column label -> (the sort its link asks for, its aria-sort)."""
        html = client.get(url).get_data(as_text=True)
        found = {}
        for attrs, inner in re.findall(r"<th scope=\"col\"([^>]*)>(.*?)</th>", html, re.S):
            aria = re.search(r'aria-sort="(\w+)"', attrs)
            link = re.search(r'href="([^"]*)"', inner)
            sort = link and (re.findall(r"sort=([-\w]+)", link.group(1)) or ["created"])[0]
            label = re.sub(r"<span.*?</span>|<[^>]+>", "", inner).strip()
            found[label] = (sort, aria and aria.group(1))
        return found

    default = headers("/?view=open")
    assert default["Age"] == ("-created", "descending")  # oldest first: ages go down
    assert default["Priority"] == ("priority", None)
    assert default["Subject"] == (None, None)  # no index serves it: not offered
    by_priority = headers("/?view=open&sort=priority")
    assert by_priority["Priority"] == ("-priority", "descending")
    assert by_priority["Age"] == ("created", None)
    assert headers("/?view=open&sort=-priority")["Priority"] == ("priority", "ascending")
    assert headers("/?view=open&sort=-created")["Age"] == ("created", "ascending")
    assert headers("/?view=solved")["Priority"] == (None, None)  # not sortable there
    html = client.get("/?view=open&sort=priority").get_data(as_text=True)
    assert html.index("fire") < html.index("calm")
    assert '<option value="priority"' not in client.get("/?view=all").get_data(as_text=True)


# The open tickets' priority index ix_ticket_open_priority (its migration): the same expression,
# then created_at, for the open statuses only.
PRIORITY_INDEX = (
    "CREATE INDEX IF NOT EXISTS ix_ticket_open_priority ON ticket ((CASE priority "
    "WHEN 'low' THEN 0 WHEN 'normal' THEN 1 WHEN 'high' THEN 2 WHEN 'urgent' THEN 3 "
    "ELSE -1 END), created_at) WHERE status IN ('new', 'open')"
)


@pytest.mark.parametrize("sort", ["priority", "-priority"])
def test_postgresql_priority_sort_reads_the_open_priority_index(
    session: Session, sort: str
) -> None:
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    session.execute(text(PRIORITY_INDEX))  # rolled back below when the migration lacks it
    for cursor in (None, Cursor(sort, (1, NOW - timedelta(days=1)), 5)):
        params = parse_params({"view": "open", "sort": sort})
        stmt = select(Ticket.id).where(*filter_conditions(params, 1, NOW, "postgresql"))
        if cursor is not None:
            stmt = stmt.where(_beyond(ORDERS[sort], cursor))
        stmt = stmt.order_by(*_order_by(ORDERS[sort], False)).limit(51)
        compiled = stmt.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
            session.execute(text(f"SET LOCAL {setting} = off"))
        plan = "\n".join(session.scalars(text(f"EXPLAIN {compiled}")))
        assert "ix_ticket_open_priority" in plan, plan
        assert not re.search(r"(?<!Incremental )Sort  \(", plan), plan  # only ties sorted
        if cursor is not None:
            assert "Index Cond: (ROW(CASE priority" in plan, plan  # both columns bounded
    session.rollback()
