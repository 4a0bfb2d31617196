from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from mspboard import live_streams
from mspboard.auth.access import current_sign_in
from mspboard.htmx import is_htmx, render
from mspboard.inputs import id_pairs
from mspboard.manage.approval_forms import CardDecisionForm, TimeOffDecisionForm
from mspboard.manage.blueprint import bp
from mspboard.models import TimeCard, TimeOffRequest, db, utcnow
from mspboard.services import approvals, audit_trail
from mspboard.services.card_review import review_card
from mspboard.services.errors import RuleViolation
from mspboard.services.local_time import wall_label
from mspboard.services.stream_access import Viewer
from mspboard.services.time_weeks import day_from_text, monday_of, week_start_of

CARD_DECISIONS = {
    "approve": lambda manager, card, version, reason: approvals.approve_card(
        manager, card, version
    ),
    "reject": approvals.reject_card,
    "reopen": approvals.reopen_card,
}


def _queue_page(status: int = 200, notice: str = "", errors: dict | None = None):
    queue = approvals.approval_queue(viewer=current_user)
    time_off = [entry.time_off.id for entry in queue if entry.time_off is not None]
    return render(
        "manage/approvals.html",
        "manage/_approval_queue.html",
        status=status,
        queue=queue,
        histories=audit_trail.histories("time_off_requests", time_off),
        notice=notice,
        errors=errors or {},
    )


@bp.get("/approvals")
def approvals_queue():
    return _queue_page()


@bp.get("/approvals/cards/<int:card_id>")
def card_detail(card_id: int):
    card = db.session.get(TimeCard, card_id) or abort(404)
    return render(
        "manage/_card_detail.html",
        review=review_card(card, utcnow()),
        history=audit_trail.card_history(card),
    )


def _after_decision(notice: str, status: int = 200, back_to: str = "manage.approvals_queue"):
    if is_htmx():
        return _queue_page(status, notice)
    flash(notice, "success" if status == 200 else "error")
    return redirect(url_for(back_to))


@bp.post("/timecards/<int:card_id>/<any(approve, reject, reopen):decision>")
def decide_card(card_id: int, decision: str):
    card = db.session.get(TimeCard, card_id) or abort(404)
    form = CardDecisionForm()
    back_to = "manage.timecards" if decision == "reopen" else "manage.approvals_queue"
    if not form.validate_on_submit():
        return _after_decision(
            "That decision could not be read; reload and try again.", 422, back_to
        )
    name, week = card.tech.name, f"{card.week_start:%d %b}"
    try:
        CARD_DECISIONS[decision](current_user, card, form.version.data, form.reason.data or "")
        db.session.commit()
    except approvals.AlreadyDecided as decided:
        db.session.rollback()
        return _after_decision(decided.message, 409, back_to)
    except approvals.OwnDecision as own:
        db.session.rollback()
        return _queue_page(403, own.message)
    except StaleDataError:
        db.session.rollback()
        card = db.session.get(TimeCard, card_id)
        return _after_decision(approvals.already_decided(card).message, 409, back_to)
    except RuleViolation as violation:
        db.session.rollback()
        if is_htmx() and decision != "reopen":
            return _queue_page(422, errors={card_id: violation.message})
        flash(violation.message, "error")
        return redirect(url_for(back_to))
    done = {"approve": "Approved", "reject": "Sent back", "reopen": "Reopened"}[decision]
    return _after_decision(f"{done}: {name}, week of {week}.", 200, back_to)


@bp.post("/approvals/bulk")
def bulk_approve():
    versions = id_pairs(request.form.getlist("card"))
    if not versions:
        return _after_decision("Tick the cards to approve first.", 422)
    outcome = approvals.bulk_approve(current_user, versions)
    db.session.commit()
    count = len(outcome.approved)
    notice = f"Approved {count} card{'s' if count != 1 else ''}"
    if outcome.approved:
        notice += ": " + "; ".join(approvals.card_label(card) for card in outcome.approved)
    notice += "."
    if outcome.decided_by_others:
        notice += " Decided by someone else: " + " ".join(outcome.decided_by_others)
    if outcome.flagged:
        notice += " Left for you: " + " ".join(outcome.flagged)
    if outcome.own:
        notice += " Not yours to decide: " + " ".join(outcome.own)
    return _after_decision(notice)


@bp.post("/time-off/<int:request_id>/<any(approve, deny):decision>")
def decide_time_off(request_id: int, decision: str):
    time_off = db.session.get(TimeOffRequest, request_id) or abort(404)
    form = TimeOffDecisionForm()
    if not form.validate_on_submit():
        return _after_decision("That decision could not be read; reload and try again.", 422)
    name = time_off.tech.name
    try:
        clashes = approvals.decide_time_off(
            current_user,
            time_off,
            decision == "approve",
            form.note.data or "",
            expected_version=form.version.data,
        )
        db.session.commit()
    except approvals.AlreadyDecided as decided:
        db.session.rollback()
        return _after_decision(decided.message, 409)
    except approvals.OwnDecision as own:
        db.session.rollback()
        return _queue_page(403, own.message)
    except StaleDataError:
        db.session.rollback()
        time_off = db.session.get(TimeOffRequest, request_id)
        return _after_decision(approvals.time_off_already_decided(time_off).message, 409)
    notice = f"{'Approved' if decision == 'approve' else 'Denied'} time off for {name}."
    if clashes:
        items = "; ".join(
            f"{wall_label(item.starts_at, '%a %d %b')} {item.title}" for item in clashes
        )
        notice += f" Move these schedule items: {items}."
    return _after_decision(notice)


@bp.get("/timecards")
@bp.get("/timecards/<week>")
def timecards(week: str | None = None):
    if week is None:
        week_start = week_start_of(utcnow()) - timedelta(weeks=1)
    else:
        week_start = day_from_text(week) or abort(404)
        if week_start != monday_of(week_start):
            return redirect(url_for("manage.timecards", week=monday_of(week_start).isoformat()))
    cards = approvals.week_cards(week_start)
    return render(
        "manage/timecards.html",
        week_start=week_start,
        cards=cards,
        histories=audit_trail.histories("time_cards", [row.card.id for row in cards if row.card]),
        may_decide=approvals.may_decide,
        previous_week=(week_start - timedelta(weeks=1)).isoformat(),
        next_week=(week_start + timedelta(weeks=1)).isoformat(),
    )


@bp.get("/events")
def live():
    return live_streams.open_stream(Viewer.person(current_sign_in()))
