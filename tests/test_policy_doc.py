"""docs/policy.md is checked against the policy code: its worked examples, numbers,
reasons, decisions and templates. Pure: no app, no database."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import pytest

from helpdesk.policy import (
    DECISIONS,
    FACT_NAMES,
    QUALITY_REASONS,
    REASONS,
    TEMPLATES,
    Verdict,
    evaluate,
    parse_facts,
    windows,
)

DOC = Path(__file__).resolve().parents[1] / "docs" / "policy.md"
NONE = "—"
# Every field of a verdict but its reasons (which examples quote in "the reasons say" rows).
VERDICT_KEYS = tuple(f.name for f in fields(Verdict) if f.name != "reasons")
SAYS = "the reasons say"
NEXT = "next step"
_EXAMPLE = re.compile(r"### Example (\d+): (.+)")
_CONSTANT = re.compile(r'`(\w+)(?:\["(\w+)"\])? = (.+)`')

Table = list[list[str]]


def _sections(level: str) -> dict[str, list[str]]:
    """The doc's lines under each heading of `level` ("##" or "###"), keyed by its title."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            marks, _, title = line.partition(" ")
            if marks == level:
                current = sections.setdefault(title, [])
                continue
            if len(marks) <= len(level):
                current = None
        if current is not None:
            current.append(line)
    return sections


def _tables(lines: list[str]) -> list[Table]:
    """Markdown tables: rows of stripped cells, header first, the --- row dropped."""
    tables: list[Table] = []
    rows: Table = []
    for line in [*lines, ""]:
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not all(set(c) <= {"-", ":"} for c in cells):
                rows.append(cells)
        elif rows:
            tables.append(rows)
            rows = []
    return tables


def _plain(cell: str) -> str:
    return cell.replace("`", "").strip()


def _section_table(title: str) -> Table:
    tables = _tables(_sections("##")[title])
    assert len(tables) == 1, f"one table under '## {title}'"
    return tables[0][1:]


def _examples() -> list[tuple[str, Table, Table]]:
    examples = []
    for title, lines in _sections("###").items():
        if match := _EXAMPLE.fullmatch(f"### {title}"):
            tables = _tables(lines)
            assert len(tables) == 2, f"{title}: a facts table and a verdict table"
            facts, verdict = tables
            assert facts[0] == ["fact", "value"] and verdict[0] == ["verdict", "value"], title
            examples.append((f"{match[1]}: {match[2]}", facts[1:], verdict[1:]))
    return examples


EXAMPLES = _examples()


def _facts(rows: Table) -> dict[str, str | None]:
    facts: dict[str, str | None] = {}
    for name, value in ((_plain(a), _plain(b)) for a, b in rows):
        assert name in FACT_NAMES and name not in facts, f"fact {name}"
        facts[name] = None if value == NONE else value
    return facts


def _expected(rows: Table) -> tuple[dict[str, object], list[str], list[str]]:
    """The documented verdict fields, the sentences its reasons quote, and the next steps."""
    expected: dict[str, object] = {}
    says: list[str] = []
    steps: list[str] = []
    for key, value in ((_plain(a), b.strip()) for a, b in rows):
        if key == SAYS:
            says.append(value)
        elif key == NEXT:
            steps.append(value)
        else:
            assert key in VERDICT_KEYS and key not in expected, f"verdict row {key}"
            expected[key] = _verdict_value(key, _plain(value))
    return expected, says, steps


def _verdict_value(key: str, value: str) -> object:
    if key == "missing":
        return [] if value == NONE else [m.strip() for m in value.split(",")]
    if key == "eligible":
        return {"yes": True, "no": False, NONE: None}[value]
    return None if value == NONE else value


def test_the_doc_has_the_examples_it_promises() -> None:
    numbers = [int(title.split(":")[0]) for title, _, _ in EXAMPLES]
    assert numbers == list(range(1, len(numbers) + 1)), "examples numbered 1, 2, 3..."
    assert len(numbers) >= 20


@pytest.mark.parametrize(("facts", "rows"), [pytest.param(f, v, id=t) for t, f, v in EXAMPLES])
def test_worked_example(facts: Table, rows: Table) -> None:
    expected, says, steps = _expected(rows)
    assert set(expected) == set(VERDICT_KEYS), "every verdict field is documented"
    assert len(steps) == 1 and steps[0], "one next step for the customer"
    verdict = evaluate(parse_facts(_facts(facts))).to_dict()
    assert {key: verdict[key] for key in VERDICT_KEYS} == expected, verdict["reasons"]
    reasons = " ".join(verdict["reasons"])  # type: ignore[arg-type]
    for sentence in says:
        assert sentence in reasons


def test_examples_show_every_decision_and_template() -> None:
    shown = [_expected(rows)[0] for _, _, rows in EXAMPLES]
    assert {e["decision"] for e in shown} == set(DECISIONS)
    assert {e["template"] for e in shown} == set(TEMPLATES)


def test_the_numbers_are_the_code_s() -> None:
    documented: dict[str, str] = {}
    for row in _section_table("The numbers"):
        match = _CONSTANT.fullmatch(row[-1])
        assert match, f"'{row[-1]}' names a constant and its value"
        name, key, value = match.groups()
        actual = getattr(windows, name)
        documented[f"{name}[{key}]" if key else name] = value
        assert value == str(actual[key] if key else actual), row
    wanted = {"RETURN_WINDOW_DAYS", "RESTOCKING_RATE", "CREDIT_BUSINESS_DAYS"}
    wanted |= {f"WARRANTY_MONTHS[{kind}]" for kind in windows.WARRANTY_MONTHS}
    assert set(documented) == wanted


def test_the_reasons_table_is_what_the_rules_do() -> None:
    rows = {_plain(row[0]): row for row in _section_table("Reasons")}
    assert list(rows) == list(REASONS)
    for reason, (_, _, quality, warranty) in rows.items():
        assert (quality == "yes") == (reason in QUALITY_REASONS), reason
        damaged_return = {
            "request": "return",
            "reason": reason,
            "channel": "procase.com",
            "purchase_date": "2026-01-05",
            "request_date": "2026-01-20",
            "condition": "damaged",
            "price": "19.99",
            "return_shipping_cost": "5.50",
        }
        refunded = evaluate(parse_facts(damaged_return)).decision == "refund"
        assert refunded == (quality == "yes"), reason
        claim = {
            "request": "warranty",
            "reason": reason,
            "channel": "procase.com",
            "product_type": "standard",
            "delivery_date": "2026-01-31",
            "request_date": "2026-03-10",
            "product_name": "iPad Air case",
            "order_number": "123456",
        }
        covered = evaluate(parse_facts(claim)).decision == "replacement"
        assert covered == (warranty == "covered"), reason
        assert warranty.startswith("covered" if covered else "not covered"), reason


def test_every_decision_and_template_is_described() -> None:
    decisions = [_plain(row[0]) for row in _section_table("Decisions")]
    assert sorted(decisions) == sorted(DECISIONS)
    title = "Reply templates and what the customer does next"
    templates = [_plain(row[0]) for row in _section_table(title)]
    assert sorted(templates) == sorted(TEMPLATES)
