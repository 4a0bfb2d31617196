"""Configuration read from the environment, with safe defaults for a single-machine install."""

from __future__ import annotations

import math
import os
import secrets
import tempfile
from pathlib import Path

from mspboard.private_files import make_private_folder

SECRET_KEY_FILE = "secret_key"


def database_url(instance_path: str) -> str:
    url = os.environ.get("MSPBOARD_DATABASE_URL")
    if not url:
        return f"sqlite:///{Path(instance_path) / 'mspboard.db'}"
    return normalise_database_url(url)


def normalise_database_url(url: str) -> str:
    """Point plain postgres URLs at psycopg 3, the only PostgreSQL driver installed."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def secret_key(instance_path: str) -> str:
    """The env var wins; otherwise a key generated once and kept in the instance folder.

    Several processes may start at once (gunicorn workers, a CLI command) on a new install:
    each writes a whole key to a temporary file and links it into place, which fails if
    another got there first; the losers then read the winner's key, already complete."""
    from_env = os.environ.get("MSPBOARD_SECRET_KEY")
    if from_env:
        return from_env
    path = Path(instance_path) / SECRET_KEY_FILE
    if path.exists():
        return _read_key(path)
    make_private_folder(path.parent)
    key = secrets.token_urlsafe(48)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{SECRET_KEY_FILE}-")  # 0600
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(key)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            return _read_key(path)
    finally:
        os.unlink(temporary)
    return key


def _read_key(path: Path) -> str:
    key = path.read_text().strip()
    if not key:
        # Only a crash of a version that wrote the key in place leaves this.
        raise RuntimeError(
            f"{path} is empty: delete it (a new key is made) or set MSPBOARD_SECRET_KEY"
        )
    return key


def _flag(name: str) -> bool:
    return os.environ.get(name, "").lower() in {"1", "true", "yes", "on"}


# The largest PHONE_CHANGE_MAX_AGE_DAYS a shop may set.
PHONE_CHANGE_MAX_AGE_LIMIT_DAYS = 366
# How long a sign-in lasts at most before the password is asked again (NIST SP 800-63B asks
# for no more than 30 days at its first level), and the longest a shop may set.
REMEMBER_DAYS = 30
REMEMBER_DAYS_LIMIT = 365


def _days(name: str, default: int, highest: int) -> int:
    """A whole number of days from the environment, kept between 1 and `highest`."""
    return _whole_number(name, default, highest)


def _whole_number(name: str, default: int, highest: int) -> int:
    """A whole number from the environment, kept between 1 and `highest`."""
    try:
        number = int(os.environ.get(name, default))
    except ValueError:
        return default
    return min(max(number, 1), highest)


def _seconds(name: str, default: float, highest: float) -> float:
    """A finite number of seconds from the environment, kept between 0 and `highest`."""
    try:
        seconds = float(os.environ.get(name, default))
    except ValueError:
        return default
    return min(max(seconds, 0.0), highest) if math.isfinite(seconds) else default


# The longest a shop may have its live screens gather changes before one refresh.
LIVE_COALESCE_LIMIT_SECONDS = 10.0
# The most open live-update streams a shop may allow one person or one wall TV.
STREAMS_PER_VIEWER_LIMIT = 50


def from_environment(instance_path: str) -> dict[str, object]:
    behind_proxy = _flag("MSPBOARD_BEHIND_PROXY")
    return {
        # How old a change kept on a phone may be when it arrives; older ones are refused.
        "PHONE_CHANGE_MAX_AGE_DAYS": _days(
            "MSPBOARD_PHONE_CHANGE_MAX_AGE_DAYS", 7, PHONE_CHANGE_MAX_AGE_LIMIT_DAYS
        ),
        # Every sign-in ends on the server this many days after it began ("keep me signed
        # in" or not); the remember-me cookie lasts as long.
        "REMEMBER_DAYS": _days("MSPBOARD_REMEMBER_DAYS", REMEMBER_DAYS, REMEMBER_DAYS_LIMIT),
        "SQLALCHEMY_DATABASE_URI": database_url(instance_path),
        # Open live-update streams per person and per wall-TV link; past it, pages poll.
        "STREAMS_PER_VIEWER": _whole_number(
            "MSPBOARD_STREAMS_PER_VIEWER", 4, STREAMS_PER_VIEWER_LIMIT
        ),
        # An open live stream sends at most one refresh per this many seconds, naming every
        # change heard meanwhile (events.Coalescer); tests shorten it.
        "LIVE_COALESCE_SECONDS": _seconds(
            "MSPBOARD_LIVE_COALESCE_SECONDS", 1.0, LIVE_COALESCE_LIMIT_SECONDS
        ),
        "SHOP_TIMEZONE": os.environ.get("MSPBOARD_TIMEZONE", "UTC"),
        "REDIS_URL": os.environ.get("MSPBOARD_REDIS_URL"),
        # Live event streams are served by another process (mspboard.serving.streams): this
        # one refuses them at once. The pages process's gunicorn settings turn it on.
        "STREAMS_ELSEWHERE": _flag("MSPBOARD_STREAMS_ELSEWHERE"),
        # Behind a TLS-terminating proxy: trust its X-Forwarded-* headers, send cookies over
        # HTTPS only.
        "BEHIND_PROXY": behind_proxy,
        "SESSION_COOKIE_SECURE": behind_proxy,
        "REMEMBER_COOKIE_SECURE": behind_proxy,
    }


DEFAULTS: dict[str, object] = {
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    # werkzeug's current default (scrypt); tests swap in a cheaper method for speed.
    "PASSWORD_HASH_METHOD": "scrypt",
    "WTF_CSRF_TIME_LIMIT": 3600,
    # Forms are small: a larger request is answered 413 before any view reads it.
    "MAX_CONTENT_LENGTH": 1024 * 1024,
    # How often an open live stream asks again whether its viewer may still see it.
    "STREAM_RECHECK_SECONDS": 5.0,
}
