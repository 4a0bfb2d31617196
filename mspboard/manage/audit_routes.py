from __future__ import annotations

from flask import request

from mspboard.htmx import render
from mspboard.manage.audit_forms import AuditFilterForm
from mspboard.manage.blueprint import bp
from mspboard.services import audit_trail
from mspboard.services.audit_trail import AuditPage


@bp.get("/audit")
def audit():
    form = AuditFilterForm(
        audit_trail.actor_choices(),
        audit_trail.action_choices(),
        audit_trail.record_type_choices(),
    )
    if request.args and not form.validate():
        return render("manage/audit.html", form=form, found=AuditPage([], 1, 1, 0), status=422)
    found = audit_trail.search(form.query(), form.page_number())
    return render("manage/audit.html", form=form, found=found)
