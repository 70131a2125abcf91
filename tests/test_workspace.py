"""Small workspace behaviours (issue 13): the sign-in page, confirmations before destructive
actions, the template editor's variable list, the static scripts they use."""

from __future__ import annotations

import re
from pathlib import Path

from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy.orm import Session

from helpdesk.models import CategoryRule
from helpdesk.policy import evaluate, parse_facts
from helpdesk.replies.rendering import VARIABLE_HELP, VARIABLES, template_variables
from tests.admin_helpers import sign_in
from tests.factories import make_ticket, make_user
from tests.test_policy import RETURN
from tests.test_web import login

STATIC = Path(__file__).resolve().parent.parent / "helpdesk" / "static"


def test_a_first_visit_gets_the_sign_in_form_without_a_warning(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Please log in" not in page and 'class="flash' not in page
    email = re.search(r"<input[^>]*id=\"email\"[^>]*>", page)
    assert email and "autofocus" in email.group(0)
    assert "autofocus" not in page.replace(email.group(0), "")  # one autofocus only


def test_signing_out_still_says_so(client: FlaskClient, session: Session) -> None:
    login(client, make_user(session).email)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").get_data(as_text=True))
    assert token
    page = client.post("/logout", data={"csrf_token": token.group(1)}, follow_redirects=True)
    assert "signed out" in page.get_data(as_text=True)


def test_destructive_actions_ask_first(client: FlaskClient, session: Session) -> None:
    admin = sign_in(client, session)
    session.add(CategoryRule(pattern="refund", category="return", position=1))
    other = make_user(session)
    session.commit()
    rules = client.get("/admin/rules").get_data(as_text=True)
    delete = re.search(r"<form[^>]*rules/\d+/delete[^>]*>", rules)
    assert delete and 'data-confirm="Delete the rule “refund”?' in delete.group(0)
    user = client.get(f"/admin/users/{other.id}").get_data(as_text=True)
    assert re.search(r"<form[^>]*deactivate\"[^>]*data-confirm=\"Deactivate ", user)
    queue = client.get("/?view=open").get_data(as_text=True)
    assert 'value="status:closed" data-confirm="Close every selected ticket?"' in queue
    assert 'value="status:open" data-confirm' not in queue
    assert "confirm.js" in queue and admin.id


def test_the_template_editor_lists_every_variable_rendering_passes(
    client: FlaskClient, session: Session
) -> None:
    ticket = make_ticket(session)
    verdict = evaluate(parse_facts(RETURN))
    for saved in (None, verdict):
        passed = template_variables(ticket, saved, agent_name="Bea", store_name="ProCase")
        assert set(passed) == set(VARIABLE_HELP) == set(VARIABLES)
    assert all(text.endswith(".") for text in VARIABLE_HELP.values())
    sign_in(client, session)
    page = client.get("/admin/templates/new").get_data(as_text=True)
    for name, text in VARIABLE_HELP.items():
        assert f"<code>{{{{ {name} }}}}</code>" in page
        assert f"<td>{escape(text)}</td>" in page
        assert f'data-insert="{name}"' in page
    assert "variables.js" in page and 'id="body"' in page


def test_the_scripts_exist_and_use_no_inline_code(client: FlaskClient, session: Session) -> None:
    for name in ("confirm.js", "queue.js", "variables.js"):
        assert (STATIC / name).is_file(), name
        response = client.get(f"/static/{name}")
        assert response.status_code == 200
        response.close()
    login(client, make_user(session).email)
    queue = client.get("/?view=open").get_data(as_text=True)
    assert "queue.js" in queue and "<script>" not in queue and " onchange=" not in queue
