from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from mspboard.auth import second_step
from mspboard.auth.access import landing_url, redirect_to_landing
from mspboard.auth.forms import LoginForm
from mspboard.extensions import login_manager
from mspboard.htmx import is_htmx
from mspboard.inputs import InputForm
from mspboard.models import User, db
from mspboard.services import accounts, throttling, two_factor

bp = Blueprint("auth", __name__)


@login_manager.unauthorized_handler
def ask_to_sign_in() -> Response:
    """Send the browser to sign in and back. htmx would swap a redirect's login page into
    the fragment it asked for, so it gets a 401 telling it to load the login page instead."""
    back_to = request.headers.get("HX-Current-URL") if is_htmx() else request.full_path
    login_url = url_for("auth.login", next=_safe_next(_path_of(back_to)))
    if is_htmx():
        response = Response(status=401)
        response.headers["HX-Redirect"] = login_url
        return response
    return redirect(login_url)


def _path_of(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return path if path not in ("/", "/login") else None


@login_manager.user_loader
def load_user(login_id: str) -> User | None:
    return db.session.scalar(db.select(User).where(User.login_id == login_id))


def _safe_next(target: str | None) -> str | None:
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
            next_target = _safe_next(request.args.get("next"))
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
    """Sign the user in on this browser, once every factor is proven, and record it."""
    second_step.clear()
    throttling.forget_failures(user.email)
    login_user(user, remember=remember)
    accounts.record_login(user)
    db.session.commit()


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
    page = render_template(template, form=form)
    response = current_app.make_response((page, 429))
    response.headers["Retry-After"] = str(lock.retry_after)
    return response


@bp.route("/logout", methods=["GET", "POST"])
@login_required
def logout() -> Response | str:
    if request.method == "POST":
        logout_user()
        second_step.clear()
        return redirect(url_for("auth.login"))
    return render_template("auth/logout.html")
