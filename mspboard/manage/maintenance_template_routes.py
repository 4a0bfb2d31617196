"""The checklist templates: the base list, each client's checklist, the items proposed for
next month. A change that would alter this month's open runs answers with a page naming
them and asking whether it reaches them too (services.maintenance.templates.make_change);
the page sends the same form back with the choice."""

from __future__ import annotations

from collections.abc import Callable

from flask import Response, abort, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from mspboard.auth.routes import safe_next
from mspboard.forms import VersionedForm, form_status, save_form
from mspboard.htmx import render
from mspboard.inputs import InputForm
from mspboard.manage.blueprint import bp
from mspboard.manage.maintenance_forms import (
    ChecklistItemForm,
    MoveForm,
    OwnerForm,
    ProposalDecisionForm,
    RetireForm,
)
from mspboard.models import ChecklistItem, ChecklistProposal, Client, db
from mspboard.services.edits import EditConflict
from mspboard.services.errors import RuleViolation
from mspboard.services.maintenance import proposals
from mspboard.services.maintenance import templates as rules
from mspboard.services.maintenance.templates import Change
from mspboard.services.staff import active_technicians

APPLY_CHOICES = {"now": True, "next": False}


def _item_or_404(item_id: int) -> ChecklistItem:
    return db.session.get(ChecklistItem, item_id) or abort(404)


def _client_or_404(client_id: int) -> Client:
    return db.session.get(Client, client_id) or abort(404)


def _list_url(client_id: int | None) -> str:
    if client_id is None:
        return url_for("manage.checklist_templates")
    return url_for("manage.checklist_client", client_id=client_id)


def _problem(form: VersionedForm, what: str) -> str:
    """Why a one-click change was not made, as one sentence for the top of the page."""
    if form.conflict is not None:
        return f"{what}: {form.conflict.message}"
    errors = [*form.form_errors, *(e for f in form for e in f.errors)]
    return f"{what}: {' '.join(errors) or 'reload the page and try again.'}"


def _make(
    form: InputForm,
    change: Callable[[], Change],
    back: str,
    page: Callable[[int], Response],
    record: object | None = None,
    fresh: Callable[[], VersionedForm] | None = None,
) -> Response:
    """Validate the form and make its change, or ask first which open runs it reaches."""
    choice = APPLY_CHOICES.get(request.form.get("apply", ""))
    saved, outcome = save_form(
        form,
        lambda: rules.make_change(current_user, change(), choice),
        record=record,
        fresh=fresh,
    )
    if not saved:
        return page(form_status(form))
    if isinstance(outcome, rules.Affected):
        return render(
            "manage/maintenance/confirm.html",
            affected=outcome,
            change=change(),
            back=back,
            carried=[
                (name, value)
                for name, value in request.form.items(multi=True)
                if name not in ("csrf_token", "apply")
            ],
        )
    flash(outcome.message, "success")
    return redirect(back, 303)


# ---- the base checklist ------------------------------------------------------------------


def _base_page(status: int = 200, form: ChecklistItemForm | None = None, problem: str = ""):
    return render(
        "manage/maintenance/templates.html",
        status=status,
        checklist=rules.base_checklist(),
        form=form or ChecklistItemForm(formdata=None),
        problem=problem,
        waiting=proposals.waiting_count(),
    )


@bp.get("/maintenance/templates")
def checklist_templates():
    return _base_page()


@bp.post("/maintenance/templates/items")
def checklist_item_add():
    form = ChecklistItemForm()
    return _make(
        form,
        lambda: Change.add(form.values()),
        _list_url(None),
        lambda status: _base_page(status, form),
    )


@bp.route("/maintenance/templates/items/<int:item_id>", methods=["GET", "POST"])
def checklist_item_edit(item_id: int):
    item = _item_or_404(item_id)
    form = ChecklistItemForm.editing(item)
    back = _list_url(item.client_id)
    return _make(
        form,
        lambda: Change.edit(item, form.values(), form.version.data),
        back,
        lambda status: render(
            "manage/maintenance/item.html", status=status, form=form, item=item, back=back
        ),
        record=item,
        fresh=lambda: ChecklistItemForm.editing(item, fresh=True),
    )


def _list_page(client_id: int | None, status: int, problem: str) -> Response:
    if client_id is None:
        return _base_page(status, problem=problem)
    return _client_page(_client_or_404(client_id), status, problem=problem)


@bp.post("/maintenance/templates/items/<int:item_id>/retire")
def checklist_item_retire(item_id: int):
    item = _item_or_404(item_id)
    form = RetireForm.editing(item)
    client_id = item.client_id
    return _make(
        form,
        lambda: Change.retire(item, form.version.data),
        _list_url(client_id),
        lambda status: _list_page(client_id, status, _problem(form, "Not retired")),
        record=item,
        fresh=lambda: RetireForm.editing(item, fresh=True),
    )


@bp.post("/maintenance/templates/items/<int:item_id>/move")
def checklist_item_move(item_id: int):
    item = _item_or_404(item_id)
    form = MoveForm.editing(item)
    client_id = item.client_id
    saved, _ = save_form(
        form,
        lambda: rules.move(current_user, item, form.direction.data == "up", form.version.data),
        record=item,
        fresh=lambda: MoveForm.editing(item, fresh=True),
    )
    if not saved:
        return _list_page(client_id, form_status(form), _problem(form, "Not moved"))
    return redirect(f"{_list_url(client_id)}#item-{item_id}", 303)


# ---- one client's checklist ------------------------------------------------------------------


def _owner_form(client: Client, technicians, fresh: bool = False) -> OwnerForm:
    form = OwnerForm.editing(client, fresh=fresh)
    form.fill_choices(technicians)
    return form


def _client_page(
    client: Client,
    status: int = 200,
    form: ChecklistItemForm | None = None,
    owner_form: OwnerForm | None = None,
    problem: str = "",
) -> Response:
    checklist = rules.client_checklist(client)
    return render(
        "manage/maintenance/client.html",
        status=status,
        checklist=checklist,
        client=client,
        form=form or ChecklistItemForm(formdata=None),
        owner_form=owner_form or _owner_form(client, checklist.technicians, fresh=True),
        problem=problem,
    )


@bp.get("/maintenance/templates/clients/<int:client_id>")
def checklist_client(client_id: int):
    return _client_page(_client_or_404(client_id))


@bp.post("/maintenance/templates/clients/<int:client_id>/items")
def checklist_client_item_add(client_id: int):
    client = _client_or_404(client_id)
    form = ChecklistItemForm()
    return _make(
        form,
        lambda: Change.add(form.values(), client),
        _list_url(client_id),
        lambda status: _client_page(client, status, form=form),
    )


@bp.post(
    "/maintenance/templates/clients/<int:client_id>/items/<int:item_id>/<any(drop, restore):action>"
)
def checklist_client_drop(client_id: int, item_id: int, action: str):
    client, item = _client_or_404(client_id), _item_or_404(item_id)
    form = InputForm()
    make = Change.drop if action == "drop" else Change.restore
    verb = "Not dropped" if action == "drop" else "Not restored"
    return _make(
        form,
        lambda: make(client, item),
        _list_url(client_id),
        lambda status: _client_page(
            client, status, problem=f"{verb}: {' '.join(form.form_errors) or 'reload the page.'}"
        ),
    )


@bp.post("/maintenance/templates/clients/<int:client_id>/owner")
def checklist_client_owner(client_id: int):
    client = _client_or_404(client_id)
    technicians = active_technicians()
    form = _owner_form(client, technicians)
    saved, changed = save_form(
        form,
        lambda: rules.set_owner(current_user, client, form.owner_id.data, form.version.data),
        record=client,
        fresh=lambda: _owner_form(client, technicians, fresh=True),
    )
    if not saved:
        return _client_page(client, form_status(form), owner_form=form)
    flash(
        "Saved: the owner applies from the next month opened." if changed else "Nothing changed.",
        "success",
    )
    return redirect(_list_url(client_id), 303)


# ---- proposed items ---------------------------------------------------------------------------


def _proposals_page(status: int = 200, problem: str = "", back: str | None = None) -> Response:
    return render(
        "manage/maintenance/proposals.html",
        status=status,
        proposals=proposals.pending(),
        problem=problem,
        proposals_back=back,
    )


@bp.get("/maintenance/proposals")
def checklist_proposals():
    return _proposals_page()


@bp.post("/maintenance/proposals/<int:proposal_id>/<any(accept, reject):decision>")
def checklist_proposal_decide(proposal_id: int, decision: str):
    proposal = db.session.get(ChecklistProposal, proposal_id) or abort(404)
    form = ProposalDecisionForm()
    back = safe_next(form.next.data) or url_for("manage.checklist_proposals")
    if not form.validate_on_submit():
        return _proposals_page(422, "That decision could not be read; reload and try again.", back)
    title = proposal.title
    try:
        proposals.decide(
            current_user, proposal, decision == "accept", form.version.data, form.reason.data or ""
        )
        db.session.commit()
    except (proposals.AlreadyDecided, EditConflict, StaleDataError):
        db.session.rollback()
        proposal = db.session.get(ChecklistProposal, proposal_id)
        return _proposals_page(409, proposals.why_refused(proposal, form.version.data), back)
    except RuleViolation as violation:
        db.session.rollback()
        return _proposals_page(422, f"“{title}” was not accepted: {violation.message}", back)
    done = "Accepted" if decision == "accept" else "Rejected"
    then = " It is on the checklists from the next month opened." if decision == "accept" else ""
    flash(f"{done} “{title}”.{then}", "success")
    return redirect(back, 303)
