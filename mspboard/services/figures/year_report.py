"""The year in figures as the page draws it (a chart per figure, its numbers beside it) and
as a CSV (a row per month, then a row per tech and month), cells made inert like every
export's."""

from __future__ import annotations

from mspboard.charts import Chart, Series, bar_chart, line_chart
from mspboard.services.exports import csv_text
from mspboard.services.figures.year import MonthFigures, YearFigures

MONTH_NAMES = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def _values(figures: YearFigures, name: str) -> list:
    return [getattr(month, name) for month in figures.months]


def year_charts(figures: YearFigures) -> list[Chart]:
    """The page's charts, in the order it shows them."""
    year, whole = figures.year, figures.whole
    return [
        bar_chart(
            "hours",
            f"Hours logged and billable, {year}",
            "Hours the team logged each month, and of them billable.",
            MONTH_NAMES,
            [Series("Logged", _values(figures, "logged")),
             Series("Billable", _values(figures, "billable"))],
            unit="hours",
            totals=[whole.logged, whole.billable],
        ),
        line_chart(
            "shares",
            f"Billable share and utilisation, {year}",
            "Billable hours of hours logged, and hours logged of hours scheduled, each month.",
            MONTH_NAMES,
            [Series("Billable of logged", _values(figures, "billable_share")),
             Series("Logged of scheduled", _values(figures, "utilisation"))],
            unit="%",
            top=max(100, *(v or 0 for v in _values(figures, "utilisation"))),
            totals=[whole.billable_share, whole.utilisation],
        ),
        bar_chart(
            "srs",
            f"Service requests opened and closed, {year}",
            "How many SRs were opened and how many were closed each month.",
            MONTH_NAMES,
            [Series("Opened", _values(figures, "srs_opened")),
             Series("Closed", _values(figures, "srs_closed"))],
            unit="SRs",
            totals=[whole.srs_opened, whole.srs_closed],
        ),
        line_chart(
            "ages",
            f"Age of SRs when closed, {year}",
            "Days from opening to closing of the SRs closed each month: the median, and the "
            "age nine in ten were closed within.",
            MONTH_NAMES,
            [Series("Median (days)", _values(figures, "age_median")),
             Series("90th percentile (days)", _values(figures, "age_p90"))],
            unit="days",
            decimals=1,
            totals=[whole.age_median, whole.age_p90],
        ),
        bar_chart(
            "cards",
            f"Time cards sent on time, {year}",
            "Time cards of the weeks starting each month: sent by the deadline, sent after "
            "it, and never sent.",
            MONTH_NAMES,
            [Series("On time", _values(figures, "cards_on_time")),
             Series("Late", _values(figures, "cards_late")),
             Series("Not sent", _values(figures, "cards_unsent"))],
            unit="cards",
            totals=[whole.cards_on_time, whole.cards_late, whole.cards_unsent],
        ),
        bar_chart(
            "maintenance",
            f"Monthly maintenance runs done, {year}",
            "Each month's maintenance runs, and of them the runs with every item ticked.",
            MONTH_NAMES,
            [Series("Runs", _values(figures, "runs")),
             Series("Done", _values(figures, "runs_done"))],
            unit="runs",
            totals=[whole.runs, whole.runs_done],
        ),
        bar_chart(
            "goals",
            f"Goals met, {year}",
            "Goals of each quarter and of the whole year: decided (met, missed or dropped), "
            "and of them met.",
            [tally.label for tally in figures.goals],
            [Series("Decided", [tally.decided for tally in figures.goals]),
             Series("Met", [tally.met for tally in figures.goals])],
            unit="goals",
        ),
    ]  # fmt: skip


CSV_HEADER = [
    "Month",
    "Tech",
    "HoursLogged",
    "HoursBillable",
    "BillableSharePercent",
    "HoursScheduled",
    "UtilisationPercent",
    "SRsOpened",
    "SRsClosed",
    "MedianAgeAtCloseDays",
    "P90AgeAtCloseDays",
    "CardsOnTime",
    "CardsLate",
    "CardsNotSent",
    "MaintenanceRuns",
    "MaintenanceRunsDone",
    "MaintenanceDonePercent",
]


def _number(value: float | None, decimals: int = 2) -> str:
    return "" if value is None else f"{value:.{decimals}f}"


def _share(value: int | None) -> str:
    return "" if value is None else str(value)


def _month_row(month: MonthFigures) -> list[object]:
    return [
        month.month.strftime("%Y-%m"),
        "",
        _number(month.logged),
        _number(month.billable),
        _share(month.billable_share),
        _number(month.scheduled),
        _share(month.utilisation),
        month.srs_opened,
        month.srs_closed,
        _number(month.age_median),
        _number(month.age_p90),
        month.cards_on_time,
        month.cards_late,
        month.cards_unsent,
        month.runs,
        month.runs_done,
        _share(month.completion),
    ]


def year_csv(figures: YearFigures) -> str:
    """A row per month (the team), then a row per tech and month with their hours."""
    rows = [_month_row(month) for month in figures.months]
    for tech in figures.techs:
        for month, used in zip(figures.months, tech.months, strict=True):
            if used is None:
                continue
            rows.append(
                [
                    month.month.strftime("%Y-%m"),
                    tech.tech.name,
                    _number(used.logged),
                    _number(used.billable),
                    _share(used.billable_share if used.logged else None),
                    _number(used.scheduled),
                    _share(used.logged_share if used.scheduled else None),
                    *[""] * 10,
                ]
            )
    return csv_text(CSV_HEADER, rows)


def csv_filename(year: int) -> str:
    return f"year-{year}.csv"
