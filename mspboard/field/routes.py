"""The technician's phone view under /m/. Every write goes through `phone_write`: the
outbox's UUID is its idempotency key and the phone's moment is the time recorded."""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta
from typing import cast

from flask import Blueprint, Response, abort, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import generate_csrf
from wtforms.fields.choices import SelectChoice

from mspboard.auth.access import restrict_to_card_keepers
from mspboard.field.forms import (
    AcknowledgeAllForm,
    AcknowledgeForm,
    AgendaForm,
    CheckInForm,
    EntryForm,
    SRNoteForm,
    StartTimerForm,
    StopTimerForm,
    TimeOffForm,
    billable_choice,
)
from mspboard.field.writes import (
    INVALID,
    Done,
    phone_write,
    refusal,
    wants_json,
    write_key,
    write_moment,
)
from mspboard.forms import attach_violation, chosen_fold, offer_folds, prefill_fold
from mspboard.htmx import render
from mspboard.inputs import db_id, page_number
from mspboard.models import ServiceRequest, TimeEntry, db, utcnow
from mspboard.services import (
    audit_trail,
    checkins,
    sr_notes,
    time_cards,
    time_entries,
    time_off,
)
from mspboard.services import schedule_acknowledgements as acks
from mspboard.services.errors import RuleViolation
from mspboard.services.field_day import (
    active_client_named,
    active_clients,
    my_day,
    my_queue_page,
    offline_reading,
)
from mspboard.services.local_time import AmbiguousLocalTime, local, wall_label
from mspboard.services.maintenance import ticks
from mspboard.services.meetings import agenda as meeting_agenda
from mspboard.services.meetings import notes as agenda_notes
from mspboard.services.people import duties, training
from mspboard.services.service_requests import open_srs_for
from mspboard.services.shop_settings import shop_zone
from mspboard.services.time_weeks import day_from_text, week_start_of

bp = Blueprint("field", __name__, url_prefix="/m")
restrict_to_card_keepers(bp)
# The service worker and manifest live at the site root (a worker's scope is its own path),
# outside /m/ and its role check; they come with the phone view wherever it is registered.


@bp.context_processor
def phone_context() -> dict[str, object]:
    return {
        "new_uuid": lambda: str(uuid.uuid4()),
        "rendered_at": wall_label(utcnow()),
        "agenda_form": AgendaForm(formdata=None),
    }


def _invalid(page: str, fragment: str, **context: object) -> Response:
    """A form that failed: the page with errors next to the fields (422), or for the outbox
    the reason plus the form fragment with the same errors."""
    if not wants_json():
        return render(page, fragment, status=INVALID, **context)
    form = cast(FlaskForm, context["form"])
    errors = {field or "form": messages for field, messages in form.errors.items()}
    messages = [message for field_messages in errors.values() for message in field_messages]
    body = {
        "ok": False,
        "message": " ".join(str(m) for m in messages) or "Check the form.",
        "errors": errors,
        "html": render_template(fragment, **context),
    }
    return Response(json.dumps(body), INVALID, mimetype="application/json")


def _week_or_404(week: str) -> date:
    day = day_from_text(week)
    if day is None or day.weekday() != 0:
        abort(404)
    return day


# ---- reading --------------------------------------------------------------------------


@bp.get("/")
def today():
    return render(
        "field/today.html",
        day=my_day(current_user),
        clients=active_clients(),
        duty_rows=duties.checklist(current_user, duties.TODAY_AND_THIS_WEEK),
    )


@bp.get("/queue")
def queue():
    page = my_queue_page(current_user, page_number(request.args.get("page")))
    return render("field/queue.html", "field/_queue_items.html", queue_page=page)


def _sr_page(sr: ServiceRequest, note_form: SRNoteForm) -> dict[str, object]:
    return {
        "sr": sr,
        "entries": time_entries.my_entries_on(current_user, sr),
        "running": time_entries.running_timer(current_user),
        "notes": sr_notes.notes_of(sr),
        "form": note_form,
    }


@bp.get("/sr/<int:sr_id>")
def sr_detail(sr_id: int):
    sr = db.session.get(ServiceRequest, sr_id) or abort(404)
    return render("field/sr.html", **_sr_page(sr, SRNoteForm(formdata=None)))


@bp.post("/sr/<int:sr_id>/notes")
@phone_write
def sr_note_add(sr_id: int):
    sr = db.session.get(ServiceRequest, sr_id)
    if sr is None:
        raise RuleViolation("That SR no longer exists; the note was not saved.")
    form = SRNoteForm()
    if form.validate():
        try:
            sr_notes.add_note(
                current_user, sr, form.body.data or "", at=write_moment(), uuid=write_key()
            )
        except RuleViolation as violation:
            attach_violation(form, violation)
        else:
            return Done(f"Note added to {sr.number}.", url_for("field.sr_detail", sr_id=sr.id), 201)
    return _invalid("field/sr.html", "field/_sr_note_form.html", **_sr_page(sr, form))


@bp.get("/week")
def week():
    this_week = week_start_of(utcnow())
    return render(
        "field/week.html",
        weeks=acks.weeks_ahead(current_user, this_week),
        this_week=this_week,
        what_changed=acks.what_changed,
        started=utcnow(),
    )


@bp.get("/timecard")
def timecard_now():
    return timecard(week_start_of(utcnow()).isoformat())


@bp.get("/timecard/<week>")
def timecard(week: str):
    week_start = _week_or_404(week)
    view = time_cards.card_view(current_user, week_start)
    return render(
        "field/timecard.html",
        card=view,
        history=audit_trail.card_history(view.card) if view.card else [],
        previous=week_start - timedelta(days=7),
        following=week_start + timedelta(days=7),
        is_current=week_start == week_start_of(utcnow()),
    )


@bp.get("/csrf")
def fresh_csrf_token():
    """A new CSRF token for an outbox that kept changes longer than the old one lives, with
    whose session it belongs to: the phone only sends a person's changes with their own."""
    body = {"token": generate_csrf(), "user": str(current_user.id)}
    response = Response(json.dumps(body), mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/offline-pages")
def offline_pages():
    """The pages the service worker keeps for this tech, so the queue, the week's SRs, the
    entry form (also filled in for each recent training) and the recent entries' edit forms
    all open with no signal."""
    reading = offline_reading(current_user)
    pages = [
        url_for("field.today"),
        url_for("field.queue"),
        url_for("field.week"),
        url_for("field.timecard_now"),
        url_for("field.timecard", week=reading.last_week.isoformat()),
        url_for("field.checkin"),
        url_for("field.timeoff"),
        url_for("field.agenda_page"),
        url_for("field.entry_new"),
        url_for("field.maintenance_runs"),
        url_for("field.my_review"),
        url_for("field.my_goals"),
        *(url_for("field.maintenance_run", run_id=run_id) for run_id in reading.run_ids),
        *(url_for("field.sr_detail", sr_id=sr_id) for sr_id in reading.sr_ids),
        *(url_for("field.entry_edit", entry_id=entry_id) for entry_id in reading.entry_ids),
        # "Log time on this training" from the week, with the training's times filled in.
        *(url_for("field.entry_new", training=e.id) for e in training.loggable_for(current_user)),
    ]
    response = Response(json.dumps({"pages": pages}), mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response


# ---- timers -----------------------------------------------------------------------------


@bp.post("/timer/start")
@phone_write
def timer_start():
    form = StartTimerForm()
    form.client_id.choices = [SelectChoice(None, "")] + [
        SelectChoice(c.id, c.name) for c in active_client_named(form.client_id.data)
    ]
    if not form.validate():
        return _refuse_plain(form)
    entry = time_entries.start_timer(
        current_user,
        uuid=write_key(),
        at=write_moment(),
        sr_id=form.sr_id.data,
        client_id=form.client_id.data,
        run_id=form.run_id.data,
    )
    return Done(f"Timer started on {_work_of(entry)}.", url_for("field.today"), status=201)


def _work_of(entry: TimeEntry) -> str:
    if entry.service_request:
        return entry.service_request.number
    if entry.checklist_run:
        return ticks.run_label(entry.checklist_run)
    return entry.work_label


@bp.post("/timer/stop")
@phone_write
def timer_stop():
    form = StopTimerForm()
    if not form.validate():
        return _refuse_plain(form)
    entry = time_entries.stop_timer(
        current_user,
        at=write_moment(),
        notes=form.notes.data or "",
        billable=form.billable.data,
        entry_uuid=form.entry.data or None,
    )
    minutes = entry.duration() // timedelta(minutes=1)
    return Done(f"Timer stopped: {minutes} min logged.", url_for("field.today"))


def _refuse_plain(form) -> Response:
    messages = [m for ms in form.errors.values() for m in ms]
    return refusal(" ".join(messages) or "Check the form.")


# ---- manual entries ---------------------------------------------------------------------


def _entry_form(form: EntryForm, entry: TimeEntry | None = None) -> EntryForm:
    """My open SRs, my maintenance runs of the month and the active clients; an entry being
    edited keeps its own SR or run even if it has closed since."""
    srs = open_srs_for(current_user)
    if entry is not None and entry.service_request and entry.service_request not in srs:
        srs.insert(0, entry.service_request)
    form.sr_id.choices = [SelectChoice(None, "No SR")] + [
        SelectChoice(sr.id, f"{sr.number} {sr.title}") for sr in srs
    ]
    runs = ticks.my_runs(current_user)
    if entry is not None and entry.checklist_run and entry.checklist_run not in runs:
        runs.insert(0, entry.checklist_run)
    form.run_id.choices = [SelectChoice(None, "No run")] + [
        SelectChoice(run.id, ticks.run_label(run)) for run in runs
    ]
    form.client_id.choices = [SelectChoice(None, "Pick a client")] + [
        SelectChoice(c.id, c.name) for c in active_clients()
    ]
    keep = entry.training_event_id if entry is not None else None
    form.training_id.choices = [SelectChoice(None, "No training")] + [
        SelectChoice(event.id, f"{event.title}, {wall_label(event.starts_at, '%a %d %b')}")
        for event in training.loggable_for(current_user, keep)
    ]
    return form


def _entry_fields(form: EntryForm) -> time_entries.EntryFields:
    duration = timedelta(minutes=form.duration.data) if form.duration.data else None
    try:
        started, ended = time_entries.entry_times(
            form.day.data,
            form.start.data,
            end=form.end.data,
            duration=duration,
            start_fold=chosen_fold(form.start_fold.data),
            end_fold=chosen_fold(form.end_fold.data),
        )
    except AmbiguousLocalTime as ambiguous:
        offer_folds(form, ambiguous.field or "start", ambiguous.choices)
        raise
    return time_entries.EntryFields(
        started_at=started,
        ended_at=ended,
        sr_id=form.sr_id.data,
        client_id=form.client_id.data,
        run_id=form.run_id.data,
        training_id=form.training_id.data,
        billable=billable_choice(form.billable.data),
        notes=form.notes.data or "",
    )


def _my_entry(entry_id: int) -> TimeEntry:
    entry = db.session.get(TimeEntry, entry_id)
    if entry is None or entry.tech_id != current_user.id:
        abort(404)
    return entry


def _entry_page(form: EntryForm, entry: TimeEntry | None) -> dict[str, object]:
    return {"form": form, "entry": entry}


@bp.get("/entries/new")
def entry_new():
    form = _entry_form(EntryForm(formdata=None))
    form.day.data = utcnow().astimezone(shop_zone()).date()
    chosen = request.args.get("training", type=db_id)
    event = next((e for e in training.loggable_for(current_user) if e.id == chosen), None)
    if event is not None:  # "Log time" on a training in the week: its day and times
        starts, ends = local(event.starts_at), local(event.ends_at)
        form.day.data, form.training_id.data = starts.date(), event.id
        form.start.data = starts.time().replace(second=0, microsecond=0)
        form.end.data = ends.time().replace(second=0, microsecond=0)
        prefill_fold(form, "start", event.starts_at)
        prefill_fold(form, "end", event.ends_at)
    return render("field/entry_form.html", **_entry_page(form, None))


@bp.post("/entries")
@phone_write
def entry_add():
    form = _entry_form(EntryForm())
    if form.validate():
        try:
            entry = time_entries.add_entry(
                current_user, _entry_fields(form), uuid=write_key(), at=write_moment()
            )
        except RuleViolation as violation:
            attach_violation(form, violation)
        else:
            week = week_start_of(entry.started_at).isoformat()
            return Done("Entry added.", url_for("field.timecard", week=week), status=201)
    return _invalid("field/entry_form.html", "field/_entry_form.html", **_entry_page(form, None))


@bp.get("/entries/<int:entry_id>/edit")
def entry_edit(entry_id: int):
    entry = _my_entry(entry_id)
    form = _entry_form(EntryForm(formdata=None), entry)
    local_start = entry.started_at.astimezone(shop_zone())
    form.day.data, form.start.data = local_start.date(), local_start.time().replace(second=0)
    prefill_fold(form, "start", entry.started_at)
    if entry.ended_at:
        form.end.data = entry.ended_at.astimezone(shop_zone()).time().replace(second=0)
        prefill_fold(form, "end", entry.ended_at)
    form.sr_id.data = entry.sr_id
    form.run_id.data = entry.checklist_run_id
    form.training_id.data = entry.training_event_id
    form.client_id.data = (
        entry.client_id if entry.sr_id is None and entry.checklist_run_id is None else None
    )
    form.billable.data = "1" if entry.billable else "0"
    form.notes.data = entry.notes
    return render("field/entry_form.html", **_entry_page(form, entry))


@bp.post("/entries/<int:entry_id>")
@phone_write
def entry_update(entry_id: int):
    entry = _my_entry(entry_id)
    form = _entry_form(EntryForm(), entry)
    if form.validate():
        try:
            time_entries.update_entry(current_user, entry, _entry_fields(form))
        except RuleViolation as violation:
            attach_violation(form, violation)
        else:
            week = week_start_of(entry.started_at).isoformat()
            return Done("Entry saved.", url_for("field.timecard", week=week))
    return _invalid("field/entry_form.html", "field/_entry_form.html", **_entry_page(form, entry))


@bp.post("/entries/<int:entry_id>/delete")
@phone_write
def entry_delete(entry_id: int):
    entry = db.session.get(TimeEntry, entry_id)
    if entry is None:
        raise RuleViolation("That entry was already deleted.")
    week = week_start_of(entry.started_at).isoformat()
    time_entries.delete_entry(current_user, entry)
    return Done("Entry deleted.", url_for("field.timecard", week=week))


@bp.post("/timecard/<week>/submit")
@phone_write
def timecard_submit(week: str):
    week_start = _week_or_404(week)
    time_cards.submit_card(current_user, week_start, at=write_moment())
    return Done("Time card submitted.", url_for("field.timecard", week=week))


# ---- schedule -----------------------------------------------------------------------------


@bp.post("/week/acknowledge")
@phone_write
def acknowledge():
    form = AcknowledgeForm()
    if not form.validate():
        return _refuse_plain(form)
    item = acks.acknowledge(current_user, form.item.data, form.version.data, at=write_moment())
    return Done(f"Acknowledged “{item.title}”.", url_for("field.week"))


@bp.post("/week/acknowledge-all")
@phone_write
def acknowledge_all():
    form = AcknowledgeAllForm()
    if not form.validate():
        return _refuse_plain(form)
    done, skipped = acks.acknowledge_all(current_user, form.seen(), at=write_moment())
    message = f"Acknowledged {len(done)} item{'' if len(done) == 1 else 's'}."
    if skipped:
        message += " Not acknowledged: " + " ".join(skipped)
    return Done(message, url_for("field.week"), warning=bool(skipped))


# ---- check-in, time off, agenda -----------------------------------------------------------


@bp.get("/checkin")
def checkin():
    existing = checkins.checkin_for(current_user, _today())
    return render("field/checkin.html", form=CheckInForm(formdata=None), existing=existing)


def _today() -> date:
    return utcnow().astimezone(shop_zone()).date()


@bp.post("/checkin")
@phone_write
def checkin_send():
    form = CheckInForm()
    if form.validate():
        try:
            checkins.submit_checkin(
                current_user,
                how_it_went=form.how_it_went.data or "",
                plan_for_tomorrow=form.plan_for_tomorrow.data or "",
                issues=[
                    checkins.IssueNote(text.data or "", bool(urgent.data))
                    for text, urgent in form.issue_rows()
                ],
                at=write_moment(),
            )
        except RuleViolation as violation:
            attach_violation(form, violation)
        else:
            return Done("Checked in. Thanks!", url_for("field.today"), status=201)
    return _invalid("field/checkin.html", "field/_checkin_form.html", form=form, existing=None)


@bp.get("/timeoff")
def timeoff():
    return render(
        "field/timeoff.html",
        form=TimeOffForm(formdata=None),
        requests=time_off.my_requests(current_user),
    )


@bp.post("/timeoff")
@phone_write
def timeoff_send():
    form = TimeOffForm()
    if form.validate():
        try:
            time_off.request_time_off(
                current_user,
                time_off.TimeOffFields(
                    start_date=form.start_date.data,
                    end_date=form.end_date.data,
                    starts_midday=bool(form.starts_midday.data),
                    ends_midday=bool(form.ends_midday.data),
                    kind=form.kind.data,
                    note=form.note.data or "",
                ),
                at=write_moment(),
            )
        except RuleViolation as violation:
            attach_violation(form, violation)
        else:
            return Done("Time off requested.", url_for("field.timeoff"), status=201)
    return _invalid(
        "field/timeoff.html",
        "field/_timeoff_form.html",
        form=form,
        requests=time_off.my_requests(current_user),
    )


def _agenda_context(form: AgendaForm) -> dict[str, object]:
    """The next meeting's agenda, read-only, and what recent meetings gave this tech to do."""
    now = utcnow()
    # The shop's generated lists stay at the desk and on the printed agenda: on the phone
    # they would cost every offline sync their queries and the first visit its bytes.
    monday = meeting_agenda.current_meeting_day(now)
    shown = meeting_agenda.agenda_of(monday, now, with_sections=False)
    since = shown.monday - timedelta(weeks=meeting_agenda.ACTIONS_WEEKS)
    return {
        "form": form,
        "agenda": shown,
        "my_actions": meeting_agenda.actions_for(current_user.id, since),
    }


@bp.get("/agenda")
def agenda_page():
    return render("field/agenda.html", **_agenda_context(AgendaForm(formdata=None)))


@bp.post("/agenda")
@phone_write
def agenda_send():
    form = AgendaForm()
    if form.validate():
        try:
            item = agenda_notes.add_note(current_user, form.text.data or "", at=write_moment())
        except RuleViolation as violation:
            attach_violation(form, violation)
        else:
            meeting = f"{item.meeting_on:%a %d %b}"
            return Done(f"Added to the Monday meeting on {meeting}.", url_for("field.today"), 201)
    return _invalid("field/agenda.html", "field/_agenda_form.html", **_agenda_context(form))


# The month's maintenance runs, the duty ticks, the tech's goals and review add their pages
# and writes to this blueprint.
from mspboard.field import (  # noqa: E402, F401
    duty_routes,
    goal_routes,
    maintenance_routes,
    review_routes,
)
