"""A report table: what a page shows and what its "Download CSV" link gives, from one source.

Cells hold raw values; a column's kind says how to show them. On the page a duration
reads "4.5 h" and a ticket number is a link; in the CSV a duration is a number of hours
and a ticket its number, so a spreadsheet can sum and sort them. A category reads as its
label on the page and stays its key in the CSV (stable for spreadsheets and scripts).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from helpdesk.labels import label
from helpdesk.reports.csvout import to_csv
from helpdesk.reports.stats import human_duration


@dataclass(frozen=True)
class Column:
    name: str
    kind: str = "text"

    @property
    def csv_name(self) -> str:
        return f"{self.name} (hours)" if self.kind == "duration" else self.name

    def show(self, value: object) -> str:
        """The cell as the page shows it (a ticket link is drawn by the template)."""
        if value is None:
            return "—"
        if self.kind == "duration":
            return human_duration(float(value))  # type: ignore[arg-type]
        if self.kind == "percent":
            return f"{float(value):.1%}"  # type: ignore[arg-type]
        if self.kind == "category":
            return label(value, "category")
        return str(value)

    def csv(self, value: object) -> object:
        if self.kind == "duration" and value is not None:
            return round(float(value) / 3600, 2)  # type: ignore[arg-type]
        if self.kind == "percent" and value is not None:
            return round(float(value), 4)  # type: ignore[arg-type]
        return value


@dataclass(frozen=True)
class Gap:
    """A page row standing for several rows left out (e.g. "No activity 3-9 Dec")."""

    label: str
    gap: bool = True  # the template tells a Gap from a row by this attribute


@dataclass
class Table:
    key: str
    title: str
    columns: Sequence[Column]
    rows: list[Sequence[object]] = field(default_factory=list)
    footer: Sequence[object] | None = None  # a totals row, shown last and written last
    about: Sequence[str] = ()  # what the figures count (helpdesk/reports/definitions.py)
    # What the page shows instead of `rows` (runs of empty rows folded); the CSV has `rows`.
    page_rows: list[Sequence[object] | Gap] | None = None

    def to_csv(self) -> str:
        rows = [*self.rows, *([self.footer] if self.footer else [])]
        return to_csv(
            [c.csv_name for c in self.columns],
            ([c.csv(v) for c, v in zip(self.columns, row, strict=True)] for row in rows),
        )


def find_table(tables: Sequence[Table], key: str | None) -> Table | None:
    return next((t for t in tables if t.key == key), None)
