"""The tables and charts of each report page, built from the report objects (pure).

Times are shown in the store's time zone; ticket columns hold ticket numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from markupsafe import Markup

from helpdesk import labels as wording
from helpdesk.models import CATEGORIES, SlaTarget
from helpdesk.models.vocabulary import OPEN
from helpdesk.reports import definitions as words
from helpdesk.reports.activity import Activity, Timing
from helpdesk.reports.backlog import AGE_BUCKETS, AGE_LABELS, Backlog
from helpdesk.reports.charts import Series, bar_chart, line_chart
from helpdesk.reports.money import Money, MoneyRow
from helpdesk.reports.sla import TARGETS, SlaRow
from helpdesk.reports.tables import Column, Gap, Table
from helpdesk.timefmt import storetime

COUNT = "number"


def local_time(moment: datetime, tz: ZoneInfo) -> str:
    return storetime(moment, tz.key)


def backlog_tables(report: Backlog, tz: ZoneInfo) -> list[Table]:
    statuses = [Column(wording.label(s, "status"), COUNT) for s in OPEN]
    by_status = Table(
        "category_status",
        "Open tickets by category and status",
        [Column("Category", "category"), *statuses, Column("Total", COUNT)],
        about=[words.OPEN],
    )
    numbers: list[list[int]] = []
    for category, counts in sorted(report.by_category_status.items()):
        row = [counts.get(s, 0) for s in OPEN]
        numbers.append([*row, sum(row)])
        by_status.rows.append([category, *numbers[-1]])
    totals = [sum(r[i] for r in numbers) for i in range(len(OPEN) + 1)]
    by_status.footer = ["Total", *totals]
    oldest = Table(
        "oldest_waiting",
        "Waiting longest for us",
        [
            Column("Ticket", "ticket"),
            Column("Subject"),
            Column("Customer"),
            Column("Waiting since"),
            Column("Hours waiting", COUNT),
        ],
        about=[words.WAITING_LONGEST],
    )
    for t in report.oldest_waiting:
        since = local_time(t["waiting_since"], tz)
        oldest.rows.append([t["number"], t["subject"], t["customer"], since, t["waiting_hours"]])
    return [
        Table(
            "waiting",
            "Who the open tickets wait on",
            [Column("Waiting on"), Column("Open tickets", COUNT)],
            [
                ["Us", report.waiting_on_us],
                ["The customer", report.waiting_on_customer],
                ["Nobody: answered, still open", report.answered_open],
            ],
            footer=["Total", report.open_total],
            about=[words.WAITING_ON_US, words.WAITING_ON_CUSTOMER, words.ANSWERED],
        ),
        by_status,
        Table(
            "age",
            "Open tickets by age",
            [Column("Age"), Column("Open tickets", COUNT)],
            [[AGE_LABELS[b], report.by_age.get(b, 0)] for b in AGE_BUCKETS],
            about=[words.AGE],
        ),
        Table(
            "assignee",
            "Open tickets by assignee",
            [Column("Assignee"), Column("Open tickets", COUNT)],
            [[name, count] for name, count in report.by_assignee.items()],
        ),
        oldest,
    ]


def age_chart(report: Backlog) -> Markup:
    values = [report.by_age.get(b, 0) for b in AGE_BUCKETS]
    return Markup(bar_chart("Open tickets by age", [AGE_LABELS[b] for b in AGE_BUCKETS], values))


def _timing_table(
    key: str, title: str, first: str, timings: dict[str, Timing], about: str
) -> Table:
    columns = [
        Column(first, "category" if first == "Category" else "text"),
        Column("Tickets", COUNT),
        Column("Median", "duration"),
        Column("90th percentile", "duration"),
    ]
    rows: list[Sequence[object]] = [[k, t.count, t.median, t.p90] for k, t in timings.items()]
    return Table(key, title, columns, rows, about=[about])


def _span(first: date, last: date) -> str:
    """3-9 Dec; 28 Nov - 2 Dec; 30 Dec 2026 - 2 Jan 2027 (with en dashes)."""
    if first.year != last.year:
        return f"{first.day} {first:%b %Y} \u2013 {last.day} {last:%b %Y}"
    if first.month != last.month:
        return f"{first.day} {first:%b} \u2013 {last.day} {last:%b}"
    return f"{first.day}\u2013{last.day} {last:%b}"


def fold_empty_days(
    rows: Sequence[Sequence[object]], days: Sequence[date]
) -> list[Sequence[object] | Gap]:
    """The rows (a day, then its figures), each run of two or more days without any figure
    shown as one "No activity 3-9 Dec" row."""
    shown: list[Sequence[object] | Gap] = []
    run: list[tuple[date, Sequence[object]]] = []
    for day, row in [*zip(days, rows, strict=True), (None, None)]:
        if day is not None and row is not None and not any(row[1:]):
            run.append((day, row))
            continue
        if len(run) > 1:
            shown.append(Gap(f"No activity {_span(run[0][0], run[-1][0])}"))
        else:
            shown.extend(r for _d, r in run)
        run = []
        if row is not None:
            shown.append(row)
    return shown


def activity_tables(report: Activity) -> list[Table]:
    daily = Table(
        "daily",
        "Tickets created and solved per day",
        [Column("Day"), Column("Created", COUNT), Column("Solved", COUNT)],
        [
            [d.isoformat(), c, s]
            for d, c, s in zip(report.days, report.created, report.solved, strict=True)
        ],
        footer=["Total", sum(report.created), sum(report.solved)],
        about=[words.DAYS, words.CREATED, words.SOLVED],
    )
    daily.page_rows = fold_empty_days(daily.rows, report.days)
    reopen = Table(
        "reopen",
        "Reopened after being solved",
        [Column("Solved", COUNT), Column("Reopened", COUNT), Column("Reopen rate", "percent")],
        [[report.solved_total, report.reopened, report.reopen_rate]],
        about=[words.REOPENED],
    )
    tables = [daily, reopen]
    for kind, label, timings, about in (
        ("first_response", "First response time", report.first_response, words.FIRST_RESPONSE),
        ("resolution", "Resolution time", report.resolution, words.RESOLUTION),
    ):
        for group, name in (("category", "Category"), ("agent", "Agent")):
            title = f"{label} by {name.lower()}"
            found = timings.get(group, {})
            tables.append(_timing_table(f"{kind}_{group}", title, name, found, about))
    return tables


def daily_chart(report: Activity) -> Markup:
    labels = [d.strftime("%b %d") for d in report.days]
    series = [Series("Created", report.created), Series("Solved", report.solved)]
    return Markup(line_chart("Tickets created and solved per day", labels, series))


MONEY_COLUMNS = [
    Column("Refunds", COUNT),
    Column("Refunded (USD)", "money"),
    Column("Restocking fees charged (USD)", "money"),
    Column("Fees waived, quality (USD)", "money"),
    Column("Warranty replacements", COUNT),
]


def _money_row(name: str, row: MoneyRow) -> list[object]:
    return [
        name,
        row.refund_count,
        row.refunds,
        row.fees_charged,
        row.fees_waived,
        row.replacements,
    ]


def money_tables(report: Money) -> list[Table]:
    tables = [
        Table(
            key,
            title,
            [Column(first, "category" if first == "Category" else "text"), *MONEY_COLUMNS],
            [_money_row(name, row) for name, row in groups.items()],
            footer=_money_row("Total", report.total),
            about=[words.APPLIED],
        )
        for key, title, first, groups in (
            ("category", "By category", "Category", report.by_category),
            ("product", "By product", "Product", report.by_product),
        )
    ]
    unsent = Table(
        "unsent",
        "Saved verdicts not sent yet, by category",
        [Column("Category", "category"), *MONEY_COLUMNS],
        [_money_row(name, row) for name, row in report.unsent_by_category.items()],
        footer=_money_row("Total", report.unsent_total),
        about=[words.SAVED_UNSENT],
    )
    return [*tables, unsent]


def _target_row(category: str, target: SlaTarget | None) -> list[object]:
    if target is None:
        return [category, None, None, "no target"]
    minutes = (target.first_response_minutes, target.resolution_minutes)
    clock = "business hours" if target.business_hours else "calendar time"
    return [category, *(None if m is None else m * 60 for m in minutes), clock]


def sla_tables(
    targets: dict[str, SlaTarget],
    counts: dict[str, dict[str, dict[str, int]]],
    rows: list[SlaRow],
    now: datetime,
    tz: ZoneInfo,
) -> list[Table]:
    categories = sorted(set(CATEGORIES) | set(targets))
    summary = Table(
        "summary",
        "Breached and due soon by category",
        [
            Column("Category", "category"),
            Column("Target"),
            Column("Breached", COUNT),
            Column("Due soon", COUNT),
        ],
    )
    for category, kinds in sorted(counts.items()):
        for kind, label in TARGETS.items():
            if kind in kinds:
                found = kinds[kind]
                summary.rows.append([category, label, found["breached"], found["due_soon"]])
    tickets = Table(
        "tickets",
        "Tickets breached or due soon, most urgent first",
        [
            Column("Ticket", "ticket"),
            Column("Subject"),
            Column("Category", "category"),
            Column("Assignee"),
            Column("Target"),
            Column("Due"),
            Column("State"),
            Column("Late by", "duration"),
            Column("Time left", "duration"),
        ],
    )
    for r in rows:
        late = r.late_seconds(now)
        tickets.rows.append(
            [
                r.number,
                r.subject,
                r.category,
                r.assignee,
                TARGETS[r.target],
                local_time(r.due, tz),
                "Breached" if r.breached else "Due soon",
                late if r.breached else None,
                None if r.breached else -late,
            ]
        )
    return [
        Table(
            "targets",
            "Targets",
            [
                Column("Category", "category"),
                Column("First response", "duration"),
                Column("Resolution", "duration"),
                Column("Clock"),
            ],
            [_target_row(c, targets.get(c)) for c in categories],
        ),
        summary,
        tickets,
    ]
