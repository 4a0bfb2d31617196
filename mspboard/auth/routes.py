from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user

from mspboard.auth import second_step
from mspboard.auth.access import current_sign_in, landing_url, redirect_to_landing
from mspboard.auth.forms import LoginForm, PasswordChangeForm, SetPasswordForm
from mspboard.extensions import login_manager
from mspboard.field.routes import phone_context
from mspboard.forms import form_status, save_form
from mspboard.htmx import is_htmx, render, send_to
from mspboard.inputs import InputForm
from mspboard.models import EndReason, SignIn, User, db
from mspboard.security_headers import NO_REFERRER
from mspboard.services import accounts, set_password_links, sign_ins, throttling, two_factor

bp = Blueprint("auth", __name__)


@login_manager.unauthorized_handler
def ask_to_sign_in() -> Response:
    """Send the browser to sign in, and back to where it was going afterwards."""
    back_to = request.headers.get("HX-Current-URL") if is_htmx() else request.full_path
    return send_to(url_for("auth.login", next=safe_next(_path_of(back_to))))


def _path_of(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return path if path not in ("/", "/login") else None


@login_manager.user_loader
def load_user(token: str) -> User | None:
    """The person of the live sign-in whose token the session or remember-me cookie holds;
    the sign-in is `g.sign_in` for the rest of the request."""
    found = sign_ins.find_live(token)
    if found is None:
        return None
    g.sign_in = found
    found.user.sign_in_token = token
    return found.user


@bp.before_app_request
def _note_sign_in_used() -> None:
    """Load the person before any view runs and note when their sign-in was last seen. The
    note is committed here, before the view has changed anything, and at most every few
    minutes (sign_ins.LAST_SEEN_RESOLUTION)."""
    if request.endpoint == "static":
        return
    sign_in = current_sign_in()
    if sign_in is not None and sign_ins.touch(sign_in):
        db.session.commit()


def safe_next(target: str | None) -> str | None:
    """Only same-site paths, so a crafted link cannot send someone elsewhere after sign-in."""
    if not target or not target.isprintable():
        return None  # a line break or other control character would break the Location header
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.get("/")
def home() -> Response:
    if current_user.is_authenticated:
        return redirect_to_landing(current_user)
    return redirect(url_for("auth.login"))


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | tuple[str, int] | str:
    if current_user.is_authenticated and request.method == "GET":
        return redirect_to_landing(current_user)
    form = LoginForm()
    if form.validate_on_submit():
        email, address = form.email.data or "", request.remote_addr or ""
        lock = throttling.sign_in_lock(email, address)
        if lock is not None:
            return locked_out(form, lock, "auth/login.html")
        user = accounts.authenticate(email, form.password.data or "")
        if user is not None:
            next_target = safe_next(request.args.get("next"))
            if two_factor.is_on(user):
                second_step.begin(user, bool(form.remember.data), next_target)
                return redirect(url_for("two_factor.sign_in_code"))
            _finish_sign_in(user, bool(form.remember.data))
            if two_factor.must_enrol(user):
                return redirect(url_for("two_factor.settings"))
            return redirect(next_target or landing_url(user))
        form.form_errors.append("That email and password do not match an active account.")
        lock = throttling.record_failed_sign_in(email, address)
        db.session.commit()  # the lock's audit event
        if lock is not None:
            return locked_out(form, lock, "auth/login.html")
    status = 422 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


def _finish_sign_in(user: User, remember: bool) -> None:
    """Complete a sign-in whose every step succeeded: start its sign-in record and hand the
    browser its token (the session cookie, and the remember-me cookie when asked). A sign-in
    this browser already had ends, and so do the account's counted wrong tries."""
    second_step.clear()
    throttling.forget_failures(user.email)
    previous = current_sign_in()
    if previous is not None:
        sign_ins.end(previous.user, previous, EndReason.SIGNED_OUT)
    started = sign_ins.start(user, remember, request.user_agent.string, request.remote_addr)
    user.sign_in_token = started.token
    login_user(user, remember=remember)
    g.sign_in = started.sign_in
    accounts.record_login(user)
    db.session.commit()


def _sign_out(sign_in: SignIn | None, reason: EndReason) -> Response:
    if sign_in is not None:
        sign_ins.end(current_user._get_current_object(), sign_in, reason)
        db.session.commit()
    logout_user()
    return redirect(url_for("auth.login"))


def locked_out(form: InputForm, lock: throttling.Lock, template: str) -> Response:
    """429 with Retry-After; the page says how long, the form keeps what was typed."""
    if lock.by_address:
        message = f"Too many tries from your network; try again in {lock.in_words()}."
    else:
        message = (
            f"Too many tries; try again in {lock.in_words()}, "
            "or ask an admin to unlock your account."
        )
    form.form_errors.append(message)
    return lock.refuse(render_template(template, form=form))


@bp.route("/logout", methods=["GET", "POST"])
@login_required
def logout() -> Response | str:
    if request.method == "POST":
        second_step.clear()
        return _sign_out(current_sign_in(), EndReason.SIGNED_OUT)
    return render_template("auth/logout.html")


# ---- your account ------------------------------------------------------------------------


def _account_page(form: PasswordChangeForm, status: int = 200) -> Response:
    """The account page in the person's own layout: the phone's for a technician, the
    desk's for everyone else."""
    context: dict[str, object] = {
        "form": form,
        "sign_ins": sign_ins.live_of(current_user),
        "this_sign_in": current_sign_in(),
        "device_label": sign_ins.device_label,
    }
    if current_user.is_technician:
        return render("auth/account_phone.html", status=status, **context, **phone_context())
    return render("auth/account.html", status=status, **context)


@bp.get("/account")
@login_required
def account() -> Response:
    return _account_page(PasswordChangeForm(formdata=None))


@bp.post("/account/password")
@login_required
def change_password() -> Response:
    form = PasswordChangeForm()
    saved, _ = save_form(
        form,
        lambda: accounts.change_own_password(
            current_user._get_current_object(),
            form.current_password.data or "",
            form.new_password.data or "",
            current_sign_in(),
        ),
    )
    if saved:
        flash("Your password is changed. Your other devices are signed out.", "success")
        return redirect(url_for("auth.account"))
    return _account_page(form, form_status())


@bp.post("/account/sign-ins/<int:sign_in_id>/end")
@login_required
def end_sign_in(sign_in_id: int) -> Response:
    sign_in = sign_ins.owned_live(current_user, sign_in_id) or abort(404)
    this_one = current_sign_in()
    if this_one is not None and sign_in.id == this_one.id:
        return _sign_out(sign_in, EndReason.SIGNED_OUT)
    sign_ins.end(current_user._get_current_object(), sign_in, EndReason.ENDED_BY_USER)
    db.session.commit()
    flash(f"Signed out {sign_ins.device_label(sign_in.device)}.", "success")
    return redirect(url_for("auth.account"))


@bp.post("/account/sign-ins/others/end")
@login_required
def end_other_sign_ins() -> Response:
    ended = sign_ins.end_all(
        current_user._get_current_object(),
        current_user._get_current_object(),
        EndReason.ENDED_BY_USER,
        keep=current_sign_in(),
    )
    db.session.commit()
    flash(
        f"Signed out {ended} other device{'s' if ended != 1 else ''}."
        if ended
        else "No other device was signed in.",
        "success",
    )
    return redirect(url_for("auth.account"))


# ---- a one-time set-password link ----------------------------------------------------------


@bp.after_request
def _keep_link_private(response: Response) -> Response:
    """Every answer at a set-password link's address (its form, its refusals, an expired
    form's 400) is kept by no cache and sends no Referer: the address is the secret."""
    if request.endpoint == "auth.set_password":
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = NO_REFERRER
    return response


def _link_not_usable() -> Response:
    """404 for a spent, expired or unknown link; an address trying many is slowed."""
    lock = throttling.record_token_miss(request.remote_addr or "")
    days = set_password_links.LINK_LIFETIME.days
    if lock is not None:
        page = render_template("auth/set_password_spent.html", days=days, wait=lock.in_words())
        return lock.refuse(page)
    return Response(render_template("auth/set_password_spent.html", days=days), 404)


@bp.route("/auth/set-password/<token>", methods=["GET", "POST"])
def set_password(token: str) -> Response:
    """No sign-in needed: the link is the person's proof. Showing the form writes nothing."""
    link = set_password_links.find_usable(token)
    if link is None:
        return _link_not_usable()
    person = db.session.get(User, link.user_id)
    form = SetPasswordForm()
    saved, _ = save_form(form, lambda: set_password_links.redeem(token, form.password.data or ""))
    if saved:
        flash("Password set; sign in.", "success")
        return redirect(url_for("auth.login"))
    return render("auth/set_password.html", status=form_status(), form=form, person=person)
