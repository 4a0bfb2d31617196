"""The weekly planner: a page per week, and an editor beside the grid whose saves re-render
only the cells, tech headers and lists they change."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Response, abort, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from mspboard import events
from mspboard.forms import attach_violation
from mspboard.htmx import is_partial, render
from mspboard.inputs import db_id
from mspboard.manage.blueprint import bp
from mspboard.manage.planner_forms import PlannerItemForm, PlannerMoveForm, SRSearchForm
from mspboard.models import ChecklistRun, ScheduleItem, db
from mspboard.services import planner as rules
from mspboard.services.edits import EditConflict, conflict_since
from mspboard.services.errors import RuleViolation
from mspboard.services.local_time import wall_label
from mspboard.services.maintenance import placing
from mspboard.services.people import reviews
from mspboard.services.shop_settings import shop_zone
from mspboard.services.time_weeks import day_from_text, local_date, monday_of

PAGE = "manage/planner.html"


def _week_or_404(week: str) -> date:
    """The Monday of the week named by any of its days."""
    day = day_from_text(week) or abort(404)
    return monday_of(day)


def _item_or_404(item_id: int) -> ScheduleItem:
    return db.session.get(ScheduleItem, item_id) or abort(404)


def _form(
    view: rules.PlannerWeek,
    item: ScheduleItem | None = None,
    sr_id: int | None = None,
    run_id: int | None = None,
    **formdata: Any,
) -> PlannerItemForm:
    form = PlannerItemForm(**formdata)
    srs = rules.sr_choices(view, {i for i in (sr_id, item.sr_id if item else None) if i})
    runs = placing.run_choices({i for i in (run_id, item.checklist_run_id if item else None) if i})
    techs = [row.tech for row in view.rows]
    if item is not None and item.tech not in techs:
        techs.append(item.tech)
    form.fill_choices(techs, srs, runs)
    return form


def _posted_ids() -> dict[str, int | None]:
    """The SR and run a posted editor names, for its choices."""
    return {
        "sr_id": request.form.get("sr_id", type=db_id),
        "run_id": request.form.get("checklist_run_id", type=db_id),
    }


def _page(view: rules.PlannerWeek, status: int = 200, **editor) -> Response:
    editor.setdefault("form", None)
    return render(
        PAGE,
        "manage/_planner_editor.html",
        status=status,
        view=view,
        backlog=rules.unscheduled_srs(),
        runs=placing.runs_to_place(),
        review_round=reviews.planner_round(view.week_start),
        next_review_quarter=reviews.round_quarter(),
        **editor,
    )


@bp.get("/planner")
def planner():
    return planner_week(rules.next_week_start().isoformat())


@bp.get("/planner/<week>")
def planner_week(week: str):
    monday = _week_or_404(week)
    if monday.isoformat() != week:
        return redirect(url_for("manage.planner_week", week=monday.isoformat()))
    return _page(rules.planner_week(monday))


@bp.get("/planner/<week>/board")
def planner_board(week: str):
    """The grid alone, fetched again when a schedule changes elsewhere (a tech acknowledges)."""
    return render("manage/_planner_board.html", view=rules.planner_week(_week_or_404(week)))


@bp.get("/planner/<week>/editor")
def planner_editor(week: str):
    view = rules.planner_week(_week_or_404(week))
    return _page(view)


@bp.get("/planner/<week>/srs")
def planner_srs(week: str):
    """Open SRs matching what was typed, for the picker beside the grid (the whole planner
    with the matches when the browser sent the search form itself)."""
    week_start = _week_or_404(week)
    search = SRSearchForm(request.args)
    valid = search.validate()
    found = rules.find_srs(search.q.data or "") if valid else []
    status = 200 if valid else 422
    context = {"search": search, "found": found, "search_limit": rules.SEARCH_LIMIT}
    if is_partial():
        fragment = "manage/_planner_sr_results.html"
        return render(fragment, status=status, week=week_start.isoformat(), **context)
    return _page(rules.planner_week(week_start), status=status, **context)


@bp.get("/planner/items/new")
def planner_new_next_week():
    """The add-item form on the week the planner opens on, with the SR named by `sr`
    chosen: where an SR's page sends "Schedule…"."""
    week = rules.next_week_start().isoformat()
    return redirect(url_for("manage.planner_new", week=week, sr=request.args.get("sr", type=db_id)))


@bp.get("/planner/<week>/items/new")
def planner_new(week: str):
    view = rules.planner_week(_week_or_404(week))
    sr_id = request.args.get("sr", type=db_id)
    run_id = request.args.get("run", type=db_id)
    form = _form(view, sr_id=sr_id, run_id=run_id)
    form.tech_id.data = request.args.get("tech", type=db_id)
    form.day.data = _arg_day(view)
    form.sr_id.data = sr_id
    run = db.session.get(ChecklistRun, run_id) if run_id is not None else None
    if run is not None:
        form.checklist_run_id.data = run.id
        form.tech_id.data = run.owner_id
        form.start.data, form.end.data = placing.suggested_visit(run)
    form.focus("day" if run else "start" if form.tech_id.data else "tech_id")
    return _page(view, form=form)


def _arg_day(view: rules.PlannerWeek) -> date:
    day = day_from_text(request.args.get("day"))
    if day is None:
        return view.days[0] if view.days else view.week_start
    return day


@bp.post("/planner/<week>/items")
def planner_create(week: str):
    view = rules.planner_week(_week_or_404(week))
    form = _form(view, **_posted_ids())
    if form.validate_on_submit():
        try:
            saved = rules.add_item(current_user, form.to_fields())
        except RuleViolation as violation:
            attach_violation(form, violation)
        else:
            return _saved(view.week_start, saved, [], "Added")
    form.focus("tech_id")
    return _page(view, status=422, form=form)


def _filled_form(view: rules.PlannerWeek, item: ScheduleItem) -> PlannerItemForm:
    form = _form(view, item=item, formdata=None)
    form.fill_from(item, shop_zone())
    form.show_version(item)
    return form


@bp.get("/planner/<week>/items/<int:item_id>/edit")
def planner_edit(week: str, item_id: int):
    view = rules.planner_week(_week_or_404(week))
    item = _item_or_404(item_id)
    form = _filled_form(view, item)
    form.focus("tech_id")
    return _page(view, form=form, item=item)


@bp.post("/planner/<week>/items/<int:item_id>")
def planner_update(week: str, item_id: int):
    view = rules.planner_week(_week_or_404(week))
    item = _item_or_404(item_id)
    form = _form(view, item=item, **_posted_ids())
    if form.validate_on_submit():
        was = (item.tech_id, local_date(item.starts_at), item.sr_id)
        try:
            saved = rules.update_item(
                current_user, item, form.to_fields(), expected_version=form.version.data
            )
            db.session.flush()
        except RuleViolation as violation:
            attach_violation(form, violation)
        except (EditConflict, StaleDataError) as refused:
            db.session.rollback()
            view = rules.planner_week(view.week_start)
            form.show_conflict(refused, item, _filled_form(view, item))
            return _page(view, status=409, form=form, item=item)
        else:
            return _saved(view.week_start, saved, [was], "Saved")
    form.focus("tech_id")
    return _page(view, status=422, form=form, item=item)


@bp.post("/planner/<week>/items/<int:item_id>/move")
def planner_move(week: str, item_id: int):
    week_start = _week_or_404(week)
    item = _item_or_404(item_id)
    form = PlannerMoveForm()
    error = "Drop the item on a technician's day."
    if form.validate_on_submit():
        was = (item.tech_id, local_date(item.starts_at), item.sr_id)
        try:
            saved = rules.move_item(
                current_user,
                item,
                form.tech_id.data,
                form.day.data,
                expected_version=form.version.data,
            )
            db.session.flush()
        except RuleViolation as violation:
            error = violation.message
        except (EditConflict, StaleDataError):
            return _not_saved(week_start, item, "Not moved")
        else:
            return _saved(week_start, saved, [was], "Moved")
    return _page(rules.planner_week(week_start), status=422, error=error)


def _not_saved(week_start: date, item: ScheduleItem, what: str) -> Response:
    """A move or delete from a planner older than the item: nothing changes, and the
    planner says who changed the item since."""
    version, item_id = request.form.get("version", type=int) or 0, item.id
    db.session.rollback()
    item = db.session.get(ScheduleItem, item_id)
    if item is None:
        message = f"{what}: someone else deleted this item just now."
    else:
        message = f"{what}: {conflict_since(item, version).message}"
    return _page(rules.planner_week(week_start), status=409, error=message)


@bp.post("/planner/<week>/items/<int:item_id>/delete")
def planner_delete(week: str, item_id: int):
    week_start = _week_or_404(week)
    item = _item_or_404(item_id)
    was = (item.tech_id, local_date(item.starts_at), item.sr_id)
    title = item.title
    try:
        rules.delete_item(
            current_user, item, expected_version=request.form.get("version", type=int)
        )
        db.session.flush()
    except RuleViolation as violation:
        return _page(rules.planner_week(week_start), status=422, error=violation.message)
    except (EditConflict, StaleDataError):
        return _not_saved(week_start, item, "Not deleted")
    if was[2]:
        events.announce(db.session, events.BOARD)
    db.session.commit()
    return _changed(week_start, [was], f"Deleted “{title}”.", [])


@bp.post("/planner/<week>/publish")
def planner_publish(week: str):
    week_start = _week_or_404(week)
    try:
        published = rules.publish_week(current_user, week_start)
    except RuleViolation as violation:
        message, category = violation.message, "error"
    else:
        db.session.commit()
        count = len(published)
        message = f"Published {count} item{'s' if count != 1 else ''}; the techs see them now."
        category = "success"
    if not is_partial():
        flash(message, category)
        return redirect(url_for("manage.planner_week", week=week_start.isoformat()))
    return render(
        "manage/_planner_board.html",
        view=rules.planner_week(week_start),
        published_message=message,
    )


def _saved(
    week_start: date, saved: rules.Saved, before: list[tuple[int, date, int | None]], verb: str
) -> Response:
    item = saved.item
    if item.sr_id or any(sr_id for _, _, sr_id in before):
        events.announce(db.session, events.BOARD)
    db.session.commit()
    places = [*before, (item.tech_id, local_date(item.starts_at), item.sr_id)]
    # A time that happens twice that night (the clocks go back) carries its zone: "01:30 EDT".
    when = wall_label(item.starts_at, "%a %d %b %H:%M")
    message = f"{verb} “{item.title}” for {item.tech.name}, {when}."
    return _changed(week_start, places, message, saved.warnings)


def _changed(
    week_start: date, places: list[tuple[int, date, int | None]], message: str, warnings: list[str]
) -> Response:
    if not is_partial():
        flash(" ".join([message, *warnings]), "success")
        return redirect(url_for("manage.planner_week", week=week_start.isoformat()))
    view = rules.planner_week(week_start)
    cells = [c for tech_id, day, _ in dict.fromkeys(places) if (c := view.cell(tech_id, day))]
    rows = [r for tech_id in dict.fromkeys(p[0] for p in places) if (r := view.row(tech_id))]
    return render(
        "manage/_planner_changed.html",
        view=view,
        cells=cells,
        rows=rows,
        backlog=rules.unscheduled_srs(),
        runs=placing.runs_to_place(),
        form=None,
        message=message,
        warnings=warnings,
    )
