"""The admin's import from an old tool's sheets: upload, map the columns, dry run, run.

The upload stays on the server between the steps (services/imports/uploads); the chosen
mapping is kept with it at the dry run, and the run applies exactly the dry run's plan in one
transaction. The result page is the run's own answer: the set-password links it lists are
shown once and kept nowhere.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user
from wtforms import FileField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from mspboard.auth.access import restrict_blueprint
from mspboard.forms import attach_violation
from mspboard.htmx import render
from mspboard.inputs import InputForm, id_or_none, text
from mspboard.models import ImportMapping, Role, db
from mspboard.models.shop_data import IMPORT_KINDS
from mspboard.services.errors import RuleViolation
from mspboard.services.imports import mapping, sheets, uploads
from mspboard.services.imports.run import LISTED_MAX, make_plan, run_import

bp = Blueprint("imports", __name__, url_prefix="/admin/import")
restrict_blueprint(bp, Role.ADMIN)


@bp.url_value_preprocessor
def _room_for_a_sheet(endpoint: str | None, _values: dict | None) -> None:
    """The upload may be a large sheet; every other request keeps the app's small limit.
    (This runs before any before_request hook, so before CSRF reads the body.)"""
    if endpoint == "imports.index" and request.method == "POST":
        request.max_content_length = sheets.MAX_BYTES + 64 * 1024


class UploadForm(InputForm):
    kind = SelectField(
        "What the file holds",
        choices=[SelectChoice(kind, mapping.KIND_LABELS[kind]) for kind in IMPORT_KINDS],
        validators=[InputRequired(message="Pick what the file holds.")],
    )
    # Shown with its label and errors; the file itself is read from request.files
    # (InputForm never reads a file where it expects text).
    file = FileField("CSV file")


def _upload_or_404(upload_id: str) -> tuple[uploads.Upload, sheets.Sheet]:
    upload = uploads.find(upload_id, current_user)
    if upload is None:
        abort(404)
    try:
        sheet = sheets.read_sheet(uploads.data_of(upload))
    except (OSError, RuleViolation):
        abort(404)
    return upload, sheet


@bp.route("", methods=["GET", "POST"])
def index():
    form = UploadForm()
    if form.validate_on_submit():
        sent = request.files.get("file")
        data = sent.read(sheets.MAX_BYTES + 1) if sent else b""
        try:
            if not sent or not sent.filename:
                raise RuleViolation("Choose the CSV file to import.", "file")
            sheets.read_sheet(data)
        except RuleViolation as violation:
            attach_violation(form, violation)
        else:
            upload = uploads.store(current_user, form.kind.data, sent.filename or "", data)
            return redirect(url_for("imports.map_columns", upload_id=upload.id))
    status = 422 if request.method == "POST" else 200
    return render("imports/index.html", form=form, saved=mapping.saved_mappings(), status=status)


def _mapping_page(upload, sheet, columns, tables, status=200, errors=None, notes=()):
    return render(
        "imports/mapping.html",
        upload=upload,
        sheet=sheet,
        fields=mapping.fields_of(upload.kind),
        columns=columns,
        tables=tables,
        targets=mapping.TABLE_TARGETS,
        saved=mapping.saved_mappings(upload.kind),
        errors=errors or {},
        notes=notes,
        kind_label=mapping.KIND_LABELS[upload.kind],
        status=status,
    )


def _tables_for(upload, sheet, columns, saved_maps=None):
    if upload.kind != "service_requests":
        return {}
    return mapping.value_tables(
        sheet.distinct(columns.get("status")), sheet.distinct(columns.get("priority")), saved_maps
    )


@bp.get("/<upload_id>")
def map_columns(upload_id: str):
    upload, sheet = _upload_or_404(upload_id)
    notes: list[str] = []
    columns = upload.columns or mapping.guess(upload.kind, sheet.headers)
    saved_maps = upload.value_maps or None
    saved_id = id_or_none(request.args.get("mapping"))
    saved = db.session.get(ImportMapping, saved_id) if saved_id else None
    if saved is not None and saved.kind == upload.kind:
        columns, saved_maps, lacking = mapping.applied(saved, sheet.headers)
        notes.append(f"Applied the saved mapping “{saved.name}”.")
        if lacking:
            notes.append("This sheet has no column " + ", ".join(f"“{h}”" for h in lacking) + ".")
    return _mapping_page(
        upload, sheet, columns, _tables_for(upload, sheet, columns, saved_maps), notes=notes
    )


@bp.post("/<upload_id>")
def dry_run_setup(upload_id: str):
    upload, sheet = _upload_or_404(upload_id)
    errors: dict[str, str] = {}
    try:
        columns = mapping.columns_from_form(upload.kind, sheet.headers, request.form)
    except RuleViolation as violation:
        guessed = mapping.guess(upload.kind, sheet.headers)
        errors[violation.field or ""] = violation.message
        return _mapping_page(
            upload, sheet, guessed, _tables_for(upload, sheet, guessed), 422, errors
        )
    tables: dict = {}
    if upload.kind == "service_requests":
        tables, changed = mapping.tables_from_form(sheet, columns, request.form)
        if changed:
            errors["tables"] = (
                "You picked another column for the "
                + " and ".join(changed)
                + ": check its table below, then run the dry run."
            )
            return _mapping_page(upload, sheet, columns, tables, 422, errors)
    try:
        mapping.checked_columns(upload.kind, columns, sheet.headers)
        name = text(
            request.form.get("mapping_name"),
            "mapping_name",
            mapping.MAPPING_NAME_MAX,
            multi_line=False,
        )
        if name:
            mapping.save_mapping(current_user, upload.kind, name, columns, tables)
    except RuleViolation as violation:
        db.session.rollback()
        errors[violation.field or ""] = violation.message
        return _mapping_page(upload, sheet, columns, tables, 422, errors)
    db.session.commit()
    if name:
        flash(f"Saved the mapping “{name}”.", "success")
    uploads.remember_mapping(upload, columns, tables)
    return redirect(url_for("imports.dry_run", upload_id=upload.id))


def _dry_run_page(upload, sheet, status=200, error=None):
    plan = make_plan(current_user, upload.kind, sheet, upload.columns or {}, upload.value_maps)
    return render(
        "imports/dry_run.html",
        upload=upload,
        sheet=sheet,
        plan=plan,
        listed=plan.listed(),
        listed_max=LISTED_MAX,
        kind_label=mapping.KIND_LABELS[upload.kind],
        error=error,
        status=status,
    )


@bp.get("/<upload_id>/dry-run")
def dry_run(upload_id: str):
    upload, sheet = _upload_or_404(upload_id)
    if upload.columns is None:
        return redirect(url_for("imports.map_columns", upload_id=upload.id))
    try:
        return _dry_run_page(upload, sheet)
    except RuleViolation:
        return redirect(url_for("imports.map_columns", upload_id=upload.id))


@bp.post("/<upload_id>/run")
def run(upload_id: str):
    upload, sheet = _upload_or_404(upload_id)
    if upload.columns is None:
        return redirect(url_for("imports.map_columns", upload_id=upload.id))
    skip_refused = request.form.get("skip_refused") == "1"
    refused_seen = id_or_none(request.form.get("refused_seen")) or 0
    try:
        result = run_import(
            current_user,
            upload.kind,
            sheet,
            upload.columns,
            upload.value_maps,
            skip_refused=skip_refused,
            refused_seen=refused_seen,
        )
        db.session.flush()
    except RuleViolation as violation:
        db.session.rollback()
        return _dry_run_page(upload, sheet, 422, violation.message)
    db.session.commit()
    uploads.discard(upload)
    links = [
        {"name": user.name, "email": user.email, "url": _set_password_url(token)}
        for user, token in result.links
    ]
    return render(
        "imports/result.html",
        upload=upload,
        plan=result.plan,
        links=links,
        kind_label=mapping.KIND_LABELS[upload.kind],
    )


def _set_password_url(token: str) -> str:
    return url_for("auth.set_password", token=token, _external=True)
