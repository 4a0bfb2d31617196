"""Quarterly reviews at the desk: this round per tech (proposed, scheduled, held) and the
past ones, accepting a proposed hour onto the planner, and one review's page with its
figures, goals, notes and the tech's review of the service manager."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, url_for
from flask_login import current_user

from mspboard.forms import form_status, save_form
from mspboard.htmx import render
from mspboard.manage.blueprint import bp
from mspboard.manage.review_forms import (
    AcceptReviewForm,
    ReviewGoalForm,
    ReviewHeldForm,
    ReviewNotesForm,
)
from mspboard.models import QuarterlyReview, db
from mspboard.services.local_time import wall_label
from mspboard.services.people import reviews


def _review(review_id: int) -> QuarterlyReview:
    return db.session.get(QuarterlyReview, review_id) or abort(404)


def _list_page(accept: AcceptReviewForm | None = None, status: int = 200) -> Response:
    current = reviews.review_round(reviews.round_quarter())
    return render(
        "manage/reviews/index.html",
        status=status,
        round=current,
        past=reviews.reviews_before(current.quarter),
        accept=accept,
    )


@bp.get("/reviews")
def reviews_list():
    return _list_page()


@bp.post("/reviews/accept")
def review_accept():
    form = AcceptReviewForm()
    saved, review = save_form(
        form,
        lambda: reviews.accept_proposal(
            current_user, form.tech_id.data, form.quarter.data, form.instant
        ),
    )
    if not saved:
        return _list_page(form, 422)
    when = wall_label(review.starts_at, "%a %d %b %H:%M")
    flash(
        f"{review.tech.name}'s review is on the planner for {when}; "
        "publish the week to show it on their phone.",
        "success",
    )
    if form.back.data == "planner":
        week = reviews.review_week(review.quarter_start).isoformat()
        return redirect(url_for("manage.planner_week", week=week))
    return redirect(url_for("manage.reviews_list"))


def _review_page(review: QuarterlyReview, status: int = 200, **forms) -> Response:
    forms.setdefault("notes_form", ReviewNotesForm.editing(review, fresh=True))
    forms.setdefault("goal_form", ReviewGoalForm(formdata=None))
    forms.setdefault("held_form", ReviewHeldForm.editing(review, fresh=True))
    return render(
        "manage/reviews/review.html", status=status, sheet=reviews.review_sheet(review), **forms
    )


@bp.get("/reviews/<int:review_id>")
def review_page(review_id: int):
    return _review_page(_review(review_id))


@bp.post("/reviews/<int:review_id>/notes")
def review_notes(review_id: int):
    review = _review(review_id)
    form = ReviewNotesForm.editing(review)
    saved, changed = save_form(
        form,
        lambda: reviews.save_notes(
            current_user, review, form.manager_notes.data or "", expected_version=form.version.data
        ),
        record=review,
        fresh=lambda: ReviewNotesForm.editing(review, fresh=True),
    )
    if saved:
        flash("Notes saved." if changed else "Nothing changed.", "success")
        return redirect(url_for("manage.review_page", review_id=review.id))
    return _review_page(review, form_status(form), notes_form=form)


@bp.post("/reviews/<int:review_id>/goals")
def review_goal(review_id: int):
    review = _review(review_id)
    form = ReviewGoalForm()
    saved, goal = save_form(
        form,
        lambda: reviews.add_review_goal(
            current_user,
            review,
            title=form.title.data or "",
            measure=form.measure.data or "",
            target_on=form.target_on.data,
        ),
    )
    if saved:
        flash(f"Goal added for {review.tech.name}: {goal.title}", "success")
        return redirect(url_for("manage.review_page", review_id=review.id, _anchor="new-goals"))
    return _review_page(review, 422, goal_form=form)


@bp.post("/reviews/<int:review_id>/held")
def review_held(review_id: int):
    review = _review(review_id)
    form = ReviewHeldForm.editing(review)
    saved, _ = save_form(
        form,
        lambda: reviews.mark_held(current_user, review, expected_version=form.version.data),
        record=review,
        fresh=lambda: ReviewHeldForm.editing(review, fresh=True),
    )
    if saved:
        flash(f"{review.tech.name}'s review is marked held.", "success")
        return redirect(url_for("manage.review_page", review_id=review.id))
    return _review_page(review, form_status(form), held_form=form)
