"""Category rules as an admin manages them: add, edit, delete, reorder, try a subject.

Rules only decide the category of new mail; changing them never recategorizes
existing tickets. Every change is audited. None of these commit.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpdesk.audit import record_audit
from helpdesk.categories import Rule, categorize, strip_prefixes
from helpdesk.models import CATEGORIES, CategoryRule

MAX_PATTERN = 200
_MATCH = "\0matched"  # a category no rule has, so a match by a "general" rule shows too


class RuleError(ValueError):
    """A rule that cannot be saved or moved (the message says why)."""


@dataclass(frozen=True)
class RuleFields:
    category: str
    pattern: str
    is_regex: bool
    active: bool


@dataclass(frozen=True)
class Trial:
    """What a subject gets: the rule that matched (None: no rule), its number, the category."""

    subject: str
    stripped: str
    rule: CategoryRule | None
    number: int | None
    category: str


def list_rules(session: Session) -> list[CategoryRule]:
    return list(
        session.scalars(select(CategoryRule).order_by(CategoryRule.position, CategoryRule.id))
    )


def pattern_problem(pattern: str, is_regex: bool) -> str | None:
    """Why the pattern cannot be used, or None."""
    if not pattern.strip():
        return "the pattern is empty"
    if len(pattern) > MAX_PATTERN:
        return f"the pattern is longer than {MAX_PATTERN} characters"
    if is_regex:
        try:
            re.compile(pattern, re.IGNORECASE)
        except re.error as exc:
            return f"the regular expression is invalid ({exc})"
    return None


def _check(fields: RuleFields) -> RuleFields:
    if fields.category not in CATEGORIES:
        raise RuleError(f"the category must be one of {', '.join(CATEGORIES)}")
    pattern = fields.pattern if fields.is_regex else " ".join(fields.pattern.split())
    problem = pattern_problem(pattern, fields.is_regex)
    if problem:
        raise RuleError(problem)
    return RuleFields(fields.category, pattern, fields.is_regex, fields.active)


def _state(rule: CategoryRule) -> dict[str, object]:
    return {
        "position": rule.position,
        "category": rule.category,
        "pattern": rule.pattern,
        "is_regex": rule.is_regex,
        "active": rule.active,
    }


def add_rule(session: Session, actor_id: int, fields: RuleFields) -> CategoryRule:
    """A new rule at the end of the list."""
    fields = _check(fields)
    last = session.scalar(select(func.max(CategoryRule.position))) or 0
    rule = CategoryRule(position=last + 10, **fields.__dict__)
    session.add(rule)
    session.flush()
    record_audit(session, actor_id, "rule.create", "category_rule", rule.id, **_state(rule))
    return rule


def update_rule(session: Session, actor_id: int, rule: CategoryRule, fields: RuleFields) -> None:
    fields = _check(fields)
    old = _state(rule)
    for name, value in fields.__dict__.items():
        setattr(rule, name, value)
    record_audit(
        session, actor_id, "rule.update", "category_rule", rule.id, old=old, new=_state(rule)
    )


def delete_rule(session: Session, actor_id: int, rule: CategoryRule) -> None:
    record_audit(session, actor_id, "rule.delete", "category_rule", rule.id, **_state(rule))
    session.delete(rule)


def move_rule(session: Session, actor_id: int, rule: CategoryRule, direction: str) -> None:
    """Swap the rule with its neighbour above ("up") or below ("down")."""
    rules = list_rules(session)
    index = rules.index(rule)
    other = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= other < len(rules):
        raise RuleError(f"the rule is already {'first' if direction == 'up' else 'last'}")
    rules[index], rules[other] = rules[other], rules[index]
    before = rule.position
    if rules[index].position == rule.position:  # equal positions: number them all afresh
        for number, row in enumerate(rules, start=1):
            row.position = number * 10
    else:
        rule.position, rules[index].position = rules[index].position, rule.position
    record_audit(
        session, actor_id, "rule.move", "category_rule", rule.id, old=before, new=rule.position
    )


def try_subject(subject: str, rules: Sequence[CategoryRule]) -> Trial:
    """The first active rule that matches `subject`, the way ingestion categorizes."""
    stripped = strip_prefixes(subject)
    for number, row in enumerate(rules, start=1):
        if row.active and categorize(subject, [Rule(_MATCH, row.pattern, row.is_regex)]) == _MATCH:
            return Trial(subject, stripped, row, number, row.category)
    return Trial(subject, stripped, None, None, "general")
