from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from mspboard.htmx import render
from mspboard.manage.blueprint import bp
from mspboard.manage.forms import BulkActionForm
from mspboard.models import ServiceRequest, db
from mspboard.services import service_requests
from mspboard.services.backlog import BacklogList
from mspboard.services.backlog import backlog as review
from mspboard.services.board import assignable_people
from mspboard.services.errors import RuleViolation


@bp.route("/backlog", methods=["GET", "POST"])
def backlog():
    form = BulkActionForm()
    form.fill_choices(assignable_people())
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            chosen = list(
                db.session.scalars(
                    select(ServiceRequest).where(ServiceRequest.id.in_(form.sr_ids.data))
                )
            )
            try:
                if form.action.data == "assign":
                    assignee = int(form.assignee_id.data) if form.assignee_id.data else None
                    service_requests.assign(current_user, chosen, assignee)
                else:
                    service_requests.set_priority(current_user, chosen, int(form.priority.data))
            except RuleViolation as violation:
                form.form_errors.append(violation.message)
            else:
                db.session.commit()
                flash(
                    f"Updated {len(chosen)} service request{'s' if len(chosen) != 1 else ''}.",
                    "success",
                )
                return redirect(url_for("manage.backlog"))
    return render(
        "manage/backlog.html", form=form, backlog=review(), lists=list(BacklogList), status=status
    )
