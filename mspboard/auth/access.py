"""Who may use which page: the only place roles are checked."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, abort, g, redirect, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from mspboard.extensions import login_manager
from mspboard.models import Role, SignIn


def _refusal(roles: frozenset[str]) -> Response | None:
    """None when the current user may go on; otherwise what to answer instead."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if roles and current_user.role not in roles:
        abort(403)
    return None


def _card_refusal() -> Response | None:
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.has_time_card:
        abort(403)
    return None


def restrict_to_card_keepers(blueprint: Blueprint) -> None:
    """Every route of the blueprint needs a signed-in person who keeps a time card: a
    technician, or a manager or admin marked as keeping one."""
    blueprint.before_request(_card_refusal)


def card_keepers_only(view: Callable[..., Any]) -> Callable[..., Any]:
    """One route for the people who keep a time card (see `restrict_to_card_keepers`)."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        refusal = _card_refusal()
        return refusal if refusal is not None else view(*args, **kwargs)

    return wrapped


def restrict_blueprint(blueprint: Blueprint, *roles: Role) -> None:
    """Every route of the blueprint needs a signed-in user with one of these roles."""
    allowed = frozenset(role.value for role in roles)

    @blueprint.before_request
    def _check_role() -> Response | None:
        return _refusal(allowed)


def roles_required(*roles: Role) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Narrow one route further than its blueprint allows."""
    allowed = frozenset(role.value for role in roles)

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            refusal = _refusal(allowed)
            return refusal if refusal is not None else view(*args, **kwargs)

        return wrapped

    return decorate


def landing_url(user: Any) -> str:
    return url_for("field.today") if user.role == Role.TECHNICIAN else url_for("board.index")


def redirect_to_landing(user: Any) -> Response:
    return redirect(landing_url(user))


def current_sign_in() -> SignIn | None:
    """The sign-in the current request came with (the user loader finds it), or None."""
    return g.get("sign_in") if current_user.is_authenticated else None
