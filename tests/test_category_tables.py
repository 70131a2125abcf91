"""Every table keyed by category covers exactly CATEGORIES (pure modules, no app)."""

from __future__ import annotations

from helpdesk.acks import _NEEDS
from helpdesk.categories import DEFAULT_RULES
from helpdesk.models import CATEGORIES
from helpdesk.orders.services import REQUEST_FOR_CATEGORY
from helpdesk.policy.facts import REQUESTS
from helpdesk.replies.defaults import DEFAULT_TEMPLATES
from helpdesk.reports.sla import DEFAULT_SLA


def test_acknowledgement_texts_cover_every_category() -> None:
    assert set(_NEEDS) == set(CATEGORIES)


def test_sla_defaults_cover_every_category_once() -> None:
    categories = [category for category, _first, _resolution in DEFAULT_SLA]
    assert sorted(categories) == sorted(CATEGORIES)


def test_default_templates_cover_every_category() -> None:
    categories = {category for _key, _name, category, _body in DEFAULT_TEMPLATES}
    assert categories - {None} == set(CATEGORIES)


def test_rule_seeds_cover_every_category_but_the_fallback() -> None:
    # "general" is what a subject no rule matches gets (categorize), so it has no rule.
    assert {category for category, _pattern in DEFAULT_RULES} == set(CATEGORIES) - {"general"}


def test_order_prefill_maps_categories_to_policy_requests() -> None:
    # Only the categories that are a policy request prefill one; the others leave it open.
    assert set(REQUEST_FOR_CATEGORY) <= set(CATEGORIES)
    assert set(REQUEST_FOR_CATEGORY.values()) <= set(REQUESTS)
    assert set(REQUEST_FOR_CATEGORY) == set(CATEGORIES) & set(REQUESTS)
