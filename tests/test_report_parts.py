"""Pure parts of the reports: CSV neutralising, statistics, SVG charts, folded days."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest

from helpdesk.reports.charts import Series, bar_chart, line_chart
from helpdesk.reports.csvout import neutralise, to_csv
from helpdesk.reports.layouts import fold_empty_days
from helpdesk.reports.stats import human_duration, median, percentile
from helpdesk.reports.tables import Gap


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("plain", "plain"),
        ("a=b", "a=b"),
        (-5, -5),
        (3.5, 3.5),
        (None, ""),
    ],
)
def test_neutralise(value: object, expected: object) -> None:
    assert neutralise(value) == expected


def test_to_csv_round_trips_safely() -> None:
    text = to_csv(["subject", "count"], [["=cmd|' /C calc'!A0", 3], ["Where is my order?", 1]])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [["subject", "count"], ["'=cmd|' /C calc'!A0", "3"], ["Where is my order?", "1"]]


def test_percentiles() -> None:
    assert median([]) is None
    assert median([5]) == 5
    assert median([1, 3, 2, 4]) == 2.5
    assert percentile(list(range(1, 11)), 90) == pytest.approx(9.1)
    assert human_duration(None) == "—" and human_duration(90) == "2 min"
    assert human_duration(7200) == "2.0 h" and human_duration(172800) == "2.0 d"


def test_charts_are_valid_svg_with_text_alternatives() -> None:
    for svg in (
        line_chart(
            "Created and solved",
            ["11-01", "11-02", "11-03"],
            [Series("created", [3, 5, 2]), Series("solved <&>", [1, 4, 6])],
        ),
        bar_chart("By age", ["<1d", "1-3d"], [4, 0]),
        bar_chart("Empty", [], []),
    ):
        root = ET.fromstring(svg)
        assert root.tag.endswith("svg") and root.get("role") == "img"
        assert root.find("{http://www.w3.org/2000/svg}title") is not None
        assert "<script" not in svg and "style=" not in svg
    line = line_chart("x", ["a", "b"], [Series("one", [1, 2]), Series("two", [2, 1])])
    assert 'stroke-dasharray="6 4"' in line  # the second series differs by pattern too


def test_fold_empty_days() -> None:
    days = [date(2026, 12, 28) + timedelta(days=i) for i in range(8)]
    figures = [0, 0, 1, 0, 2, 0, 0, 0]  # Dec 28-29 empty, Dec 31 alone, Jan 2-4 empty
    rows: list[list[object]] = [[d.isoformat(), n] for d, n in zip(days, figures, strict=True)]
    assert fold_empty_days(rows, days) == [
        Gap("No activity 28\u201329 Dec"),
        rows[2],
        rows[3],  # a single empty day stays a row
        rows[4],
        Gap("No activity 2\u20134 Jan"),
    ]
    across = [date(2026, 11, 29), date(2026, 11, 30), date(2026, 12, 1)]
    empty: list[list[object]] = [[d.isoformat(), 0, 0] for d in across]
    assert fold_empty_days(empty, across) == [Gap("No activity 29 Nov \u2013 1 Dec")]
    years = [date(2026, 12, 31), date(2027, 1, 1)]
    assert fold_empty_days([[d, 0] for d in years], years) == [
        Gap("No activity 31 Dec 2026 \u2013 1 Jan 2027")
    ]
