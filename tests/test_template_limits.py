"""Reply templates that would never finish, recurse or build huge text: a clear message for
the agent (and the admin who writes one), never a 500 or a stalled worker."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.models import ReplyTemplate, Ticket
from helpdesk.replies.errors import TemplateProblem
from helpdesk.replies.rendering import SAMPLE_VARIABLES, render_text
from tests.admin_helpers import post, sign_in
from tests.factories import make_ticket

RECURSIVE = "{% macro r() %}{{ r() }}{% endmacro %}{{ r() }}"

HOSTILE = [
    (RECURSIVE, "calls itself"),
    ("{% for x in [1] recursive %}{{ loop([1]) }}{% endfor %}", "calls itself"),
    ("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}", "steps"),
    ("{% for i in range(100000) %}{{ 'xxxxxxxxxx' }}{% endfor %}", "too long"),
    (
        "{% set ns = namespace(s='x') %}{% for i in range(60) %}"
        "{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
        "longer than",
    ),
    (
        "{% set ns = namespace(s='x') %}{% for i in range(60) %}"
        "{% set ns.s = ns.s + ns.s %}{% endfor %}",
        "longer than",
    ),
    (
        "{% macro d(n) %}{% if n %}{{ d(n-1) }}{{ d(n-1) }}{% else %}{{ 'x' * 50000 }}"
        "{% endif %}{% endmacro %}{{ d(30) }}",
        "longer than",
    ),
    ("{{ 'x'|center(999999999) }}", "beyond the limit"),
    ("{{ '%0999999999d' % 1 }}", "width"),
    ("{{ '%*d' % (999999999, 1) }}", "width"),
    ("{{ '{:>999999999}'.format(1) }}", "width"),
    ("{{ '{:{w}}'.format(1, w=999999999) }}", "width"),
    ("{{ ('x' * 100000)|replace('', 'yyyy') }}", "longer than"),
    ("{{ ('x' * 100000)|list|join('y' * 1000) }}", "longer than"),
    ("{{ ('x' * 100000)|indent('y' * 1000) }}", "longer than"),
    ("{{ ('x' * 99999)|wordwrap(1, wrapstring='y' * 1000) }}", "longer than"),
    ("{{ lipsum(100000) }}", "undefined"),
    ("{{ " + "(" * 5000 + "1" + ")" * 5000 + " }}", "nested too deeply"),
]


@pytest.mark.parametrize(("body", "message"), HOSTILE)
def test_hostile_templates_end_with_a_clear_message(body: str, message: str) -> None:
    with pytest.raises(TemplateProblem, match=message):
        render_text(body, SAMPLE_VARIABLES)


def test_ordinary_templates_still_render() -> None:
    body = (
        "Hello {{ customer_name }}, {{ 'a' ~ 'b' }} {% for i in range(3) %}{{ i }}{% endfor %}"
        " {{ range(3)|join(', ') }} {{ '%s-%d' % ('a', 5) }} {{ '{}!'.format(store_name) }}"
        "{% macro m(x) %}[{{ x|center(7) }}]{% endmacro %}{{ m('ok') }}\n{{ reasons|indent(2) }}"
    )
    text = render_text(body, SAMPLE_VARIABLES)
    assert text.startswith("Hello Alex Kim, ab 012 0, 1, 2 a-5 ProCase![   ok  ]\n- Bought on")


def test_a_recursive_template_leaves_the_ticket_page_working(
    client: FlaskClient, session: Session
) -> None:
    template = session.scalars(select(ReplyTemplate).where(ReplyTemplate.key == "general")).one()
    template.body = RECURSIVE  # saved before the editor checked: the page must still work
    ticket: Ticket = make_ticket(session)
    session.commit()
    sign_in(client, session, "agent")
    response = client.get(f"/tickets/{ticket.number}?template=general")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "cannot be used" in page and "calls itself without end" in page


def test_the_editor_refuses_a_template_that_cannot_render(
    client: FlaskClient, session: Session
) -> None:
    sign_in(client, session, "admin")
    data = {"key": "loop", "name": "Loop", "category": "any", "body": RECURSIVE, "active": "y"}
    response = post(client, "/admin/templates/new", data)
    assert response.status_code == 400
    assert "calls itself without end" in response.get_data(as_text=True)
    assert session.scalar(select(ReplyTemplate).where(ReplyTemplate.key == "loop")) is None
