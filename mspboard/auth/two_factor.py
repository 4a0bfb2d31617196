"""Two-factor sign-in pages: the code step of signing in (/login/code), each person's own
setup (/account/two-factor), and an admin's reset of someone's second factor.

While the shop requires two-factor sign-in of a manager or admin who has not set it up,
every page but the setup page (and signing out) sends them there."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, flash, redirect, request, session, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from mspboard.auth import second_step
from mspboard.auth.access import landing_url, roles_required
from mspboard.auth.forms import SignInCodeForm, TwoFactorCodeForm
from mspboard.auth.routes import _finish_sign_in, locked_out
from mspboard.field.routes import phone_context
from mspboard.forms import form_status, save_form
from mspboard.htmx import render, send_to
from mspboard.models import Role, TwoFactor, User, db
from mspboard.services import throttling, two_factor

bp = Blueprint("two_factor", __name__)

EVERYONE = (Role.TECHNICIAN, Role.SERVICE_MANAGER, Role.ADMIN)
# The secret being set up, until the person confirms it with a code (sealed like the stored one).
ENROL_KEY = "two_factor_enrol"
# The new recovery codes, shown once on the page after the redirect (sealed).
NEW_CODES_KEY = "two_factor_new_codes"
# What a person who must set up two-factor sign-in can still open.
OPEN_WHILE_ENROLLING = {"static", "two_factor.settings", "auth.logout", "auth.login"}


@bp.before_app_request
def _set_up_second_factor_first() -> Response | None:
    # The endpoint first: a static file must not load the person (a query, and an answer
    # that varies on the cookie, which a browser then revalidates).
    if request.endpoint in OPEN_WHILE_ENROLLING or not current_user.is_authenticated:
        return None
    if not two_factor.must_enrol(current_user):
        return None
    return send_to(url_for("two_factor.settings"))


@bp.app_template_global("two_factor_of")
def two_factor_of(user: User) -> TwoFactor | None:
    return two_factor.factor_of(user)


def _me() -> User:
    return current_user._get_current_object()  # type: ignore[attr-defined]


# ---- the code step of signing in --------------------------------------------------------------


@bp.route("/login/code", methods=["GET", "POST"])
def sign_in_code():
    if current_user.is_authenticated:
        return redirect(landing_url(current_user))
    waiting = second_step.pending()
    if waiting is None:
        second_step.clear()
        flash("Sign in again: the code step waits five minutes at most.", "info")
        return redirect(url_for("auth.login"))
    form = SignInCodeForm()
    if form.validate_on_submit():
        # Wrong codes count with the account's wrong passwords: a stolen password must not
        # buy unlimited guesses at the code.
        email, address = waiting.user.email, request.remote_addr or ""
        lock = throttling.sign_in_lock(email, address)
        if lock is not None:
            return locked_out(form, lock, "auth/login_code.html")
        if two_factor.complete_sign_in(waiting.user, form.code.data or ""):
            _finish_sign_in(waiting.user, waiting.remember)
            return redirect(waiting.next or landing_url(waiting.user))
        db.session.rollback()
        form.code.errors = [*form.code.errors, two_factor.WRONG_CODE]
        lock = throttling.record_failed_sign_in(email, address)
        db.session.commit()  # the lock's audit event
        if lock is not None:
            return locked_out(form, lock, "auth/login_code.html")
    return render("auth/login_code.html", form=form, status=form_status())


# ---- a person's own setup ---------------------------------------------------------------------


def _secret_being_set_up() -> str:
    """The secret shown while setting up: the same one on every reload, so a code scanned
    from an earlier load still works."""
    secret = two_factor.unseal(session.get(ENROL_KEY))
    if secret is None:
        secret = two_factor.new_secret()
        session[ENROL_KEY] = two_factor.seal(secret)
    return secret


def _new_codes_to_show() -> list[str]:
    sealed = session.pop(NEW_CODES_KEY, None)
    shown = two_factor.unseal(sealed)
    return json.loads(shown) if shown else []


def _show_codes_once(codes: list[str]) -> None:
    session[NEW_CODES_KEY] = two_factor.seal(json.dumps(codes))


def _page(status: int = 200, **forms: TwoFactorCodeForm) -> Response:
    user = _me()
    factor = two_factor.factor_of(user)
    context: dict[str, object] = {
        "factor": factor,
        "required": two_factor.required_for(user),
        "new_codes": _new_codes_to_show() if status == 200 else [],
        "enrol_form": forms.get("enrol") or TwoFactorCodeForm(prefix="enrol", formdata=None),
        "renew_form": forms.get("renew") or TwoFactorCodeForm(prefix="renew", formdata=None),
        "off_form": forms.get("off") or TwoFactorCodeForm(prefix="off", formdata=None),
    }
    if factor is None:
        secret = _secret_being_set_up()
        uri = two_factor.provisioning_uri(user, secret)
        context |= {
            "secret": two_factor.grouped(secret),
            "otpauth_uri": uri,
            "qr": two_factor.qr_svg(uri),
        }
    else:
        context["codes_left"] = two_factor.recovery_codes_left(user)
    if user.is_technician:
        return render("auth/two_factor_phone.html", status=status, **context, **phone_context())
    return render("auth/two_factor.html", status=status, **context)


@bp.route("/account/two-factor", methods=["GET", "POST"])
@roles_required(*EVERYONE)
def settings():
    if request.method == "GET":
        return _page()
    form = TwoFactorCodeForm(prefix="enrol")
    secret = two_factor.unseal(session.get(ENROL_KEY))
    if secret is None:
        form.validate_on_submit()
        form.code.errors = [*form.code.errors, "The setup expired; scan the new QR code below."]
        return _page(422, enrol=form)
    try:
        saved, codes = save_form(
            form, lambda: two_factor.enable(_me(), secret, form.code.data or "")
        )
    except IntegrityError:  # a second click while the first was turning it on
        db.session.rollback()
        return redirect(url_for("two_factor.settings"))
    if not saved:
        return _page(form_status(), enrol=form)
    session.pop(ENROL_KEY, None)
    _show_codes_once(codes or [])
    flash("Two-factor sign-in is on.", "success")
    return redirect(url_for("two_factor.settings"))


@bp.post("/account/two-factor/recovery-codes")
@roles_required(*EVERYONE)
def renew_codes():
    form = TwoFactorCodeForm(prefix="renew")
    saved, codes = save_form(
        form, lambda: two_factor.renew_recovery_codes(_me(), form.code.data or "")
    )
    if not saved:
        return _page(form_status(), renew=form)
    _show_codes_once(codes or [])
    flash("New recovery codes made; the old ones no longer work.", "success")
    return redirect(url_for("two_factor.settings"))


@bp.post("/account/two-factor/off")
@roles_required(*EVERYONE)
def turn_off():
    form = TwoFactorCodeForm(prefix="off")
    saved, _ = save_form(form, lambda: two_factor.disable(_me(), form.code.data or ""))
    if not saved:
        return _page(form_status(), off=form)
    flash("Two-factor sign-in is off: your password alone signs you in.", "success")
    return redirect(url_for("two_factor.settings"))


# ---- an admin's reset -------------------------------------------------------------------------


@bp.post("/admin/users/<int:user_id>/two-factor/reset")
@roles_required(Role.ADMIN)
def admin_reset(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    was_on = two_factor.reset(_me(), user)
    db.session.commit()
    if was_on:
        flash(
            f"{user.name}'s second factor is removed; they sign in with their password and "
            "set it up again.",
            "success",
        )
    else:
        flash(f"{user.name} has no second factor to reset.", "info")
    return redirect(url_for("admin.user_edit", user_id=user.id))
