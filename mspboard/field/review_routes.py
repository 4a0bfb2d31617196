"""The tech's quarterly review on the phone: when it is, and their review of the service
manager, written through the outbox like every phone write."""

from __future__ import annotations

from flask import Response, abort, url_for
from flask_login import current_user

from mspboard.field.forms import ManagerReviewForm
from mspboard.field.routes import _invalid, bp
from mspboard.field.writes import Done, phone_write, refusal, write_moment
from mspboard.forms import attach_violation
from mspboard.htmx import render
from mspboard.models import QuarterlyReview, db
from mspboard.services.errors import RuleViolation
from mspboard.services.people import reviews

PAGE = "field/review.html"
FORM = "field/_review_form.html"


@bp.errorhandler(reviews.NotYourReview)
def not_your_review(refused: reviews.NotYourReview) -> Response:
    return refusal(refused.message, status=403)


def _context(review: QuarterlyReview | None, form: ManagerReviewForm | None = None) -> dict:
    if form is None and review is not None:
        form = ManagerReviewForm(formdata=None, obj=review)
        form.version.data = review.version
    return {
        "review": review,
        "form": form,
        "next_quarter": reviews.round_quarter(),
    }


@bp.get("/review")
def my_review():
    return render(PAGE, **_context(reviews.my_review(current_user)))


@bp.post("/review/<int:review_id>")
@phone_write
def manager_review_send(review_id: int):
    review = db.session.get(QuarterlyReview, review_id) or abort(404)
    if review.tech_id != current_user.id:
        raise reviews.NotYourReview()
    form = ManagerReviewForm()
    if form.validate():
        try:
            changed = reviews.review_the_manager(
                current_user,
                review,
                helps=form.manager_helps.data or "",
                hinders=form.manager_hinders.data or "",
                shown_version=form.version.data,
                at=write_moment(),
            )
        except RuleViolation as violation:
            attach_violation(form, violation)
        else:
            message = "Thanks: your review of the service manager is saved."
            return Done(message if changed else "Nothing changed.", url_for("field.my_review"))
    return _invalid(PAGE, FORM, **_context(review, form))
