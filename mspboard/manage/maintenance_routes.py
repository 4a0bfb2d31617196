"""The Monthly Tracking Sheet: every client's run of a month, one run in full with its
printable summary, the month's CSV, the preview of next month, and the buttons that open
and close a month."""

from __future__ import annotations

from datetime import date

from flask import Response, abort, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from mspboard.forms import form_status, save_form
from mspboard.htmx import render
from mspboard.inputs import db_id
from mspboard.manage.blueprint import bp
from mspboard.manage.invoice_routes import csv_download
from mspboard.manage.maintenance_forms import MonthForm, RunOwnerForm
from mspboard.models import ChecklistRun, db
from mspboard.services.errors import RuleViolation
from mspboard.services.maintenance import months, owners, reports, sheet
from mspboard.services.staff import active_technicians

try:
    from mspboard.services.maintenance.proposals import pending as pending_proposals
except ImportError:  # the proposals come with the template editor

    def pending_proposals() -> list:
        return []


SHEET_PAGE = "manage/maintenance/sheet.html"
UNREADABLE = "That could not be read; reload the page and try again."


def _month_arg() -> date:
    """The month named in the address (this month when none is): a bad one is a 404."""
    raw = request.args.get("month")
    if raw is None:
        return months.this_month()
    return months.month_from_text(raw) or abort(404)


def _sheet_page(month: date, status: int = 200, errors: dict[str, str] | None = None) -> Response:
    args = request.args
    shown = sheet.tracking_sheet(
        month, args.get("sort"), args.get("owner", type=db_id), args.get("state")
    )
    known = sheet.known_months()
    older = [m for m in known if m < month]
    newer = [m for m in known if m > month]
    return render(
        SHEET_PAGE,
        "manage/maintenance/_sheet.html",
        status=status,
        sheet=shown,
        known_months=known,
        previous_month=older[0] if older else None,
        next_month=newer[-1] if newer else None,
        proposals=pending_proposals(),
        errors=errors or {},
    )


@bp.get("/maintenance")
def maintenance():
    return _sheet_page(_month_arg())


def _posted_month() -> tuple[date | None, str]:
    """The month a button posted, or None and why not."""
    form = MonthForm()
    if not form.validate_on_submit():
        return None, " ".join(form.month.errors) or UNREADABLE
    month = months.month_from_text(form.month.data)
    if month is None:
        return None, "Name the month as YYYY-MM, within five years of this one."
    return month, ""


OPEN_ATTEMPTS = 2


@bp.post("/maintenance/open")
def maintenance_open():
    month, problem = _posted_month()
    if month is None:
        return _sheet_page(months.this_month(), 422, {"open": problem})
    # Two managers opening the month at once both insert it; the one that loses the race to
    # the unique month starts again and finds it open (opening is idempotent).
    for attempt in range(OPEN_ATTEMPTS):
        try:
            opened = months.open_month(current_user, month)
            db.session.commit()
            break
        except RuleViolation as violation:
            db.session.rollback()
            return _sheet_page(month, 422, {"open": violation.message})
        except IntegrityError:
            db.session.rollback()
            if attempt == OPEN_ATTEMPTS - 1:
                raise
    label = months.month_label(month)
    if opened.created:
        message = f"Opened {label}: {opened.created} run{'s' if opened.created != 1 else ''}."
    elif opened.already_open:
        message = f"{label} was already open; every client with anything due has its run."
    else:
        message = f"Opened {label}: no client has anything due."
    flash(message, "success")
    return redirect(url_for("manage.maintenance", month=months.month_text(month)))


@bp.post("/maintenance/close")
def maintenance_close():
    month, problem = _posted_month()
    if month is None:
        return _sheet_page(months.this_month(), 422, {"close": problem})
    record = months.find_month(month)
    try:
        if record is None:
            raise RuleViolation(f"{months.month_label(month)} has not been opened.")
        months.close_month(current_user, record)
    except RuleViolation as violation:
        db.session.rollback()
        return _sheet_page(month, 422, {"close": violation.message})
    db.session.commit()
    flash(f"Closed {months.month_label(month)}; its runs are kept as they ended.", "success")
    return redirect(url_for("manage.maintenance", month=months.month_text(month)))


@bp.get("/maintenance/<month>.csv")
def maintenance_csv(month: str):
    record = months.find_month(months.month_from_text(month) or abort(404)) or abort(404)
    return csv_download(reports.month_csv(record), reports.csv_filename(record.month))


@bp.get("/maintenance/next")
def maintenance_next():
    return render(
        "manage/maintenance/next.html",
        preview=sheet.next_month_preview(),
        proposals=pending_proposals(),
    )


# ---- one run -----------------------------------------------------------------------------


def _run(run_id: int) -> ChecklistRun:
    return db.session.get(ChecklistRun, run_id) or abort(404)


def _owner_form(run: ChecklistRun, fresh: bool = False) -> RunOwnerForm:
    form = RunOwnerForm.editing(run, fresh=fresh)
    technicians = active_technicians()
    if run.owner not in technicians:
        technicians.append(run.owner)
    form.fill_choices(technicians)
    return form


def _run_page(run: ChecklistRun, form: RunOwnerForm, status: int = 200) -> Response:
    return render(
        "manage/maintenance/run.html", status=status, detail=sheet.run_detail(run), form=form
    )


@bp.get("/maintenance/runs/<int:run_id>")
def maintenance_run(run_id: int):
    run = _run(run_id)
    return _run_page(run, _owner_form(run))


@bp.post("/maintenance/runs/<int:run_id>/owner")
def maintenance_run_owner(run_id: int):
    run = _run(run_id)
    form = _owner_form(run)
    saved, changed = save_form(
        form,
        lambda: owners.change_owner(
            current_user, run, form.owner_id.data, expected_version=form.version.data
        ),
        record=run,
        fresh=lambda: _owner_form(run, fresh=True),
    )
    if saved:
        flash(
            f"{run.client.name}'s run now belongs to {run.owner.name}."
            if changed
            else "Nothing changed.",
            "success",
        )
        return redirect(url_for("manage.maintenance_run", run_id=run.id))
    return _run_page(run, form, form_status(form))


@bp.get("/maintenance/runs/<int:run_id>/report")
def maintenance_report(run_id: int):
    return render("manage/maintenance/report.html", summary=reports.month_summary(_run(run_id)))
