from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, send_file, url_for
from flask_login import current_user

from mspboard.admin.forms import ClientForm, ContactForm, SettingsForm, UserForm
from mspboard.auth.access import current_sign_in, restrict_blueprint, roles_required
from mspboard.forms import form_status, save_form
from mspboard.htmx import render
from mspboard.models import Client, ClientContact, Role, User, db
from mspboard.models.base import utcnow
from mspboard.services import (
    accounts,
    calendar_feeds,
    client_contacts,
    clients,
    set_password_links,
    shop_export,
    throttling,
)
from mspboard.services.backups import status as backup_status
from mspboard.services.errors import RuleViolation
from mspboard.services.money import to_cents
from mspboard.services.shop_settings import current_settings, update_settings

bp = Blueprint("admin", __name__, url_prefix="/admin")
restrict_blueprint(bp, Role.SERVICE_MANAGER, Role.ADMIN)


def _get_or_404(model, record_id: int):
    return db.session.get(model, record_id) or abort(404)


def _user_details(form: UserForm) -> accounts.UserDetails:
    return accounts.UserDetails(
        name=form.name.data or "",
        email=form.email.data or "",
        role=form.role.data,
        tech_level=form.tech_level.data or None,
        keeps_time_card=bool(form.keeps_time_card.data),
        workdays=form.workdays.mask,
        day_start=form.day_start.data,
        day_end=form.day_end.data,
    )


@bp.get("/users")
@roles_required(Role.ADMIN)
def users():
    return render("admin/users.html", users=accounts.list_users())


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def user_new():
    form = UserForm()
    if request.method == "GET":
        form.workdays.set_mask(current_settings().workdays)
    saved, user = save_form(
        form,
        lambda: accounts.create_user(current_user, _user_details(form), form.password.data or ""),
    )
    if saved:
        flash(f"{user.name} can now sign in as {user.email}.", "success")
        return redirect(url_for("admin.users"))
    return render("admin/user_form.html", form=form, user=None, status=form_status())


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def user_edit(user_id: int):
    user = _get_or_404(User, user_id)
    form = UserForm.editing(user)
    saved, changed = save_form(
        form,
        lambda: accounts.update_user(
            current_user,
            user,
            _user_details(form),
            form.password.data or None,
            expected_version=form.version.data,
            current_sign_in=current_sign_in(),
        ),
        record=user,
        fresh=lambda: UserForm.editing(user, fresh=True),
    )
    if saved:
        flash(
            f"Saved {user.name}." if changed or form.password.data else "Nothing changed.",
            "success",
        )
        return redirect(url_for("admin.users"))
    return render(
        "admin/user_form.html",
        form=form,
        user=user,
        sign_in=throttling.account_state(user),
        feed=calendar_feeds.active_feed_of(user),
        waiting_link=set_password_links.waiting_link(user),
        has_password=accounts.has_password(user),
        link_days=set_password_links.LINK_LIFETIME.days,
        status=form_status(form),
    )


@bp.post("/users/<int:user_id>/active")
@roles_required(Role.ADMIN)
def user_set_active(user_id: int):
    user = _get_or_404(User, user_id)
    active = request.form.get("active") == "1"
    try:
        accounts.set_active(current_user, user, active)
    except RuleViolation as violation:
        flash(violation.message, "error")
    else:
        db.session.commit()
        flash(
            f"{user.name} is {'active again' if active else 'deactivated and signed out'}.",
            "success",
        )
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/unlock")
@roles_required(Role.ADMIN)
def user_unlock(user_id: int):
    user = _get_or_404(User, user_id)
    if throttling.unlock(current_user, user):
        db.session.commit()
        flash(f"{user.name} can sign in again; their wrong passwords are forgotten.", "success")
    else:
        flash(f"{user.name} had no wrong passwords to forget.", "info")
    return redirect(url_for("admin.user_edit", user_id=user.id))


@bp.post("/users/<int:user_id>/set-password-link")
@roles_required(Role.ADMIN)
def user_set_password_link(user_id: int):
    """A new one-time link for the person (an invitation, or a forgotten password), shown
    on this answer only: it is kept nowhere but as a hash, so the answer is not cached."""
    user = _get_or_404(User, user_id)
    try:
        token = set_password_links.issue(user, by=current_user)
    except RuleViolation as violation:
        flash(violation.message, "error")
        return redirect(url_for("admin.user_edit", user_id=user.id))
    db.session.commit()
    response = render(
        "admin/set_password_link.html",
        user=user,
        url=url_for("auth.set_password", token=token, _external=True),
        days=set_password_links.LINK_LIFETIME.days,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/clients")
def clients_list():
    return render("admin/clients.html", clients=clients.list_clients())


@bp.route("/clients/new", methods=["GET", "POST"])
def client_new():
    form = ClientForm()
    saved, client = save_form(
        form,
        lambda: clients.create_client(
            current_user, form.name.data or "", to_cents(form.billing_rate.data)
        ),
    )
    if saved:
        flash(f"Added {client.name}.", "success")
        return redirect(url_for("admin.clients_list"))
    return render("admin/client_form.html", form=form, client=None, status=form_status())


@bp.route("/clients/<int:client_id>", methods=["GET", "POST"])
def client_edit(client_id: int):
    client = _get_or_404(Client, client_id)
    form = ClientForm.editing(client)
    saved, changed = save_form(
        form,
        lambda: clients.update_client(
            current_user,
            client,
            form.name.data or "",
            to_cents(form.billing_rate.data),
            expected_version=form.version.data,
        ),
        record=client,
        fresh=lambda: ClientForm.editing(client, fresh=True),
    )
    if saved:
        flash(f"Saved {client.name}." if changed else "Nothing changed.", "success")
        return redirect(url_for("admin.clients_list"))
    return _client_page(client, form, ContactForm(formdata=None), form_status(form))


def _client_page(client: Client, form: ClientForm, contact_form: ContactForm, status: int):
    return render(
        "admin/client_form.html",
        form=form,
        client=client,
        contact_form=contact_form,
        status=status,
    )


def _contact_fields(form: ContactForm) -> client_contacts.ContactFields:
    return client_contacts.ContactFields(
        name=form.name.data or "",
        role=form.role.data or "",
        phone=form.phone.data or "",
        email=form.email.data or "",
    )


@bp.post("/clients/<int:client_id>/contacts")
def contact_add(client_id: int):
    client = _get_or_404(Client, client_id)
    form = ContactForm()
    saved, contact = save_form(
        form, lambda: client_contacts.add_contact(current_user, client, _contact_fields(form))
    )
    if saved:
        flash(f"Added {contact.name} to {client.name}'s contacts.", "success")
        return redirect(url_for("admin.client_edit", client_id=client.id, _anchor="contacts"))
    return _client_page(client, ClientForm.editing(client, fresh=True), form, 422)


@bp.route("/clients/<int:client_id>/contacts/<int:contact_id>", methods=["GET", "POST"])
def contact_edit(client_id: int, contact_id: int):
    client = _get_or_404(Client, client_id)
    contact = db.session.get(ClientContact, contact_id)
    if contact is None or contact.client_id != client.id:
        abort(404)
    form = ContactForm.editing(contact)
    saved, changed = save_form(
        form,
        lambda: client_contacts.update_contact(
            current_user, contact, _contact_fields(form), form.version.data
        ),
        record=contact,
        fresh=lambda: ContactForm.editing(contact, fresh=True),
    )
    if saved:
        flash(f"Saved {contact.name}." if changed else "Nothing changed.", "success")
        return redirect(url_for("admin.client_edit", client_id=client.id, _anchor="contacts"))
    return render(
        "admin/contact_form.html",
        form=form,
        client=client,
        contact=contact,
        status=form_status(form),
    )


@bp.post("/clients/<int:client_id>/active")
def client_set_active(client_id: int):
    client = _get_or_404(Client, client_id)
    active = request.form.get("active") == "1"
    clients.set_active(current_user, client, active)
    db.session.commit()
    flash(f"{client.name} is {'active again' if active else 'deactivated'}.", "success")
    return redirect(url_for("admin.clients_list"))


@bp.route("/settings", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def settings():
    shop = current_settings()
    form = SettingsForm.editing(shop)

    def save() -> dict:
        return update_settings(
            current_user,
            shop_name=form.shop_name.data or "",
            timezone=(form.timezone.data or "").strip(),
            workdays=form.workdays.mask,
            day_start=form.day_start.data,
            close_of_business=form.close_of_business.data,
            default_rate_cents=to_cents(form.default_rate.data) or 0,
            stale_after_days=form.stale_after_days.data,
            idle_alert_minutes=form.idle_alert_minutes.data,
            billing_rounding_minutes=int(form.billing_rounding_minutes.data),
            minimum_charge_minutes=form.minimum_charge_minutes.data,
            allow_overlapping_entries=form.allow_overlapping_entries.data,
            require_two_factor_for_managers=form.require_two_factor_for_managers.data,
            currency=form.currency.data or "",
            clock_hours=int(form.clock_hours.data),
            locale=form.locale.data,
            backup_keep_daily=form.backup_keep_daily.data,
            backup_keep_weekly=form.backup_keep_weekly.data,
            expected_version=form.version.data,
        )

    saved, changed = save_form(
        form, save, record=shop, fresh=lambda: SettingsForm.editing(current_settings(), fresh=True)
    )
    if saved:
        flash("Settings saved." if changed else "Nothing changed.", "success")
        return redirect(url_for("admin.settings"))
    return render(
        "admin/settings.html",
        form=form,
        backup=backup_status.last_backup_status(utcnow()),
        backup_size=backup_status.size_in_words,
        status=form_status(form),
    )


@bp.get("/data")
@roles_required(Role.ADMIN)
def data():
    return render("admin/data.html", files=shop_export.FILES)


@bp.post("/data/export")
@roles_required(Role.ADMIN)
def data_export():
    export = shop_export.export_shop(current_user)
    db.session.commit()
    response = send_file(
        export.file,
        mimetype="application/zip",
        as_attachment=True,
        download_name=export.name,
        max_age=0,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


from mspboard.admin import duty_routes  # noqa: E402, F401  (adds its routes to bp)
