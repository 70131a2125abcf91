"""The store's policy (described in docs/policy.md) as pure code: no Flask, no database.

`parse_facts(mapping)` turns form or JSON values into `Facts`; `evaluate(facts)` gives a
`Verdict` whose `to_dict()` is JSON-ready and whose `reasons` say which dates and amounts
were used.
"""

from __future__ import annotations

from helpdesk.policy.facts import (
    CHANNELS,
    CONDITIONS,
    FACT_LABELS,
    FACT_NAMES,
    PRODUCT_TYPES,
    QUALITY_REASONS,
    REASONS,
    REQUESTS,
    Facts,
    FactsError,
    parse_facts,
)
from helpdesk.policy.rules import evaluate
from helpdesk.policy.verdict import DECISIONS, TEMPLATES, Verdict
from helpdesk.policy.windows import (
    CREDIT_BUSINESS_DAYS,
    RESTOCKING_PERCENT,
    RESTOCKING_RATE,
    RETURN_WINDOW_DAYS,
    WARRANTY_MONTHS,
    cents,
)

__all__ = [
    "CHANNELS",
    "CONDITIONS",
    "CREDIT_BUSINESS_DAYS",
    "DECISIONS",
    "FACT_LABELS",
    "FACT_NAMES",
    "PRODUCT_TYPES",
    "QUALITY_REASONS",
    "REASONS",
    "REQUESTS",
    "RESTOCKING_PERCENT",
    "RESTOCKING_RATE",
    "RETURN_WINDOW_DAYS",
    "TEMPLATES",
    "WARRANTY_MONTHS",
    "Facts",
    "FactsError",
    "Verdict",
    "cents",
    "evaluate",
    "parse_facts",
]
