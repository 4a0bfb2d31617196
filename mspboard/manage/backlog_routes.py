from __future__ import annotations

from flask import flash, redirect, url_for
from flask_login import current_user

from mspboard.forms import form_status, save_form
from mspboard.htmx import render
from mspboard.manage.blueprint import bp
from mspboard.manage.forms import BulkActionForm
from mspboard.services.backlog import BacklogList, bulk_update
from mspboard.services.backlog import backlog as review
from mspboard.services.board import assignable_people


@bp.route("/backlog", methods=["GET", "POST"])
def backlog():
    form = BulkActionForm()
    form.fill_choices(assignable_people())
    saved, changed = save_form(
        form,
        lambda: bulk_update(
            current_user,
            form.sr_ids.data,
            form.action.data,
            int(form.assignee_id.data) if form.assignee_id.data else None,
            int(form.priority.data),
        ),
    )
    if saved:
        flash(f"Updated {changed} service request{'s' if changed != 1 else ''}.", "success")
        return redirect(url_for("manage.backlog"))
    return render(
        "manage/backlog.html",
        form=form,
        backlog=review(),
        lists=list(BacklogList),
        status=form_status(),
    )
