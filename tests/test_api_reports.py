"""GET /api/v1/reports/backlog and /activity: the same numbers as the pages, managers only."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from helpdesk.api.tokens import create_token
from helpdesk.labels import CATEGORY
from tests.factories import make_user
from tests.report_helpers import build_activity, page_tables
from tests.test_api_policy import bearer
from tests.test_report_pages import build_backlog, signed_in

RANGE = "start=2026-11-10&end=2026-11-12"


def token_for(session: Session, role: str) -> dict[str, str]:
    _token, raw = create_token(session, make_user(session, role=role).email, "reports")
    session.commit()
    return bearer(raw)


KEYS = {words: key for key, words in CATEGORY.items()}


def test_backlog_json_equals_the_page(client: FlaskClient, session: Session) -> None:
    ann, tickets = build_backlog(session)
    response = client.get("/api/v1/reports/backlog", headers=token_for(session, "manager"))
    assert response.status_code == 200, response.get_json()
    data = response.get_json()
    assert data["by_category_status"] == {
        "shipping": {"new": 1, "open": 1},
        "warranty": {"open": 1, "pending": 1},
    }
    assert data["by_age"] == {"under_1_day": 1, "1_3_days": 1, "3_7_days": 1, "over_7_days": 1}
    assert data["by_assignee"] == {ann.name: 3, "Unassigned": 1}
    assert (data["waiting_on_us"], data["waiting_on_customer"]) == (3, 1)
    assert [t["number"] for t in data["oldest_waiting"]] == [tickets[i].number for i in (3, 1, 0)]

    signed_in(client, session)
    page = page_tables(client.get("/reports/").get_data(as_text=True))
    assert [int(n) for _label, n in page["age"][1:]] == list(data["by_age"].values())
    assert {name: int(n) for name, n in page["assignee"][1:]} == data["by_assignee"]
    assert [int(n) for _label, n in page["waiting"][1:]] == [
        data["waiting_on_us"],
        data["waiting_on_customer"],
        data["answered_open"],
        sum(data["by_age"].values()),
    ]
    for category, new, open_, pending, _total in page["category_status"][1:-1]:
        counts = data["by_category_status"][KEYS[category]]  # the page shows the label
        assert [int(new), int(open_), int(pending)] == [
            counts.get(s, 0) for s in ("new", "open", "pending")
        ]
    assert [r[0] for r in page["oldest_waiting"][1:]] == [
        f"#{t['number']}" for t in data["oldest_waiting"]
    ]


def test_activity_json_equals_the_page(client: FlaskClient, session: Session) -> None:
    ann, _bob = build_activity(session)
    signed_in(client, session, role="admin")
    response = client.get(f"/api/v1/reports/activity?{RANGE}")  # the browser session works too
    assert response.status_code == 200, response.get_json()
    data = response.get_json()
    assert data["days"] == ["2026-11-10", "2026-11-11", "2026-11-12"]
    assert (data["created"], data["solved"]) == ([3, 0, 1], [1, 1, 2])
    assert (data["reopened"], data["solved_total"], data["reopen_rate"]) == (1, 4, 0.25)
    shipping = data["first_response_seconds"]["category"]["shipping"]
    assert shipping == {"count": 2, "median": 7200.0, "p90": 10080.0}
    assert data["resolution_seconds"]["agent"][ann.name]["median"] == 25 * 3600.0

    page = page_tables(client.get(f"/reports/activity?{RANGE}").get_data(as_text=True))
    assert [[d, int(c), int(s)] for d, c, s in page["daily"][1:-1]] == [
        list(row) for row in zip(data["days"], data["created"], data["solved"], strict=True)
    ]
    assert page["first_response_category"][1] == ["Shipping", "2", "2.0 h", "2.8 h"]


def test_activity_defaults_and_bad_dates(client: FlaskClient, session: Session) -> None:
    headers = token_for(session, "manager")
    default = client.get("/api/v1/reports/activity", headers=headers).get_json()
    assert len(default["days"]) == 30
    bad = client.get("/api/v1/reports/activity?start=2026-11-31", headers=headers)
    assert bad.status_code == 400
    assert bad.get_json() == {
        "error": "The start date '2026-11-31' is not a date written YYYY-MM-DD, like 2026-11-30.",
        "field": "start",
    }
    backwards = client.get(
        "/api/v1/reports/activity?start=2026-11-12&end=2026-11-10", headers=headers
    )
    assert backwards.status_code == 400 and backwards.get_json()["field"] == "start"
    for day in ("9999-12-31", "0001-01-01"):  # once a 500: day arithmetic overflowed
        far = client.get(f"/api/v1/reports/activity?start={day}&end={day}", headers=headers)
        assert far.status_code == 400 and "between" in far.get_json()["error"]


def test_agents_get_403_and_strangers_401(client: FlaskClient, session: Session) -> None:
    for path in ("/api/v1/reports/backlog", f"/api/v1/reports/activity?{RANGE}"):
        assert client.get(path).status_code == 401
        assert client.get(path, headers=bearer("not-a-token")).status_code == 401
        denied = client.get(path, headers=token_for(session, "agent"))
        assert denied.status_code == 403 and "error" in denied.get_json()
