"""The year in figures: charts with their numbers, the CSV, and the manager's written review
of the year beside them."""

from __future__ import annotations

from flask import Response, flash, redirect, url_for
from flask_login import current_user

from mspboard.forms import form_status, save_form
from mspboard.htmx import render
from mspboard.manage.blueprint import bp
from mspboard.manage.invoice_routes import csv_download
from mspboard.manage.year_forms import YearSummaryForm
from mspboard.models.year_summaries import FIRST_YEAR, LAST_YEAR, YearSummary
from mspboard.services.figures import summaries, year_report
from mspboard.services.figures.year import this_year, year_figures

# A year outside these is a 404 from the URL converter.
YEAR = f"<int(min={FIRST_YEAR}, max={LAST_YEAR}):year>"


def _page(year: int, form: YearSummaryForm, summary: YearSummary, status: int = 200) -> Response:
    figures = year_figures(year)
    return render(
        "manage/year.html",
        status=status,
        figures=figures,
        charts=year_report.year_charts(figures),
        months=year_report.MONTH_NAMES,
        form=form,
        summary=summary,
        current_year=this_year(),
        first_year=FIRST_YEAR,
        last_year=LAST_YEAR,
    )


@bp.get("/year")
def year_default():
    return redirect(url_for("manage.year", year=this_year()))


@bp.get(f"/year/{YEAR}")
def year(year: int):
    summary = summaries.summary_of(year)
    return _page(year, YearSummaryForm.editing(summary), summary)


@bp.get(f"/year/{YEAR}.csv")
def year_csv(year: int):
    return csv_download(year_report.year_csv(year_figures(year)), year_report.csv_filename(year))


@bp.post(f"/year/{YEAR}/summary")
def year_summary(year: int):
    summary = summaries.summary_of(year)
    form = YearSummaryForm.editing(summary)
    saved, changed = save_form(
        form,
        lambda: summaries.save_summary(
            current_user,
            summary,
            successes=form.successes.data or "",
            fails=form.fails.data or "",
            next_year_goals=form.next_year_goals.data or "",
            expected_version=form.version.data,
        ),
        record=summary,
        fresh=lambda: YearSummaryForm.editing(summaries.summary_of(year), fresh=True),
    )
    if saved:
        flash(f"The review of {year} is saved." if changed else "Nothing changed.", "success")
        return redirect(url_for("manage.year", year=year, _anchor="review"))
    return _page(year, form, summaries.summary_of(year), form_status(form))
