"""What travels and how often: compressed answers, static files kept for a year under a
versioned address, and pages answered 304 when the browser already has them.

- Compression (Flask-Compress): brotli, else gzip, for HTML, CSS, JavaScript, JSON, the
  manifest and SVG. Event streams (text/event-stream) are not on the list, so they pass
  untouched and unbuffered; downloads (CSV, calendar) are not either.
- Static files: every `url_for('static', ...)` carries `?v=<hash of the file>`. That exact
  address is cached `public, max-age=31536000, immutable`; any other (no hash, an old hash)
  is still served, current, but revalidated each time. Our own JavaScript and CSS are
  minified (rjsmin, rcssmin: comments and spacing only, never names), then compressed once,
  at brotli's highest quality, and kept in memory: they are few and change only with a
  deploy. The hash in the address is that of what is sent.
- Conditional GETs: a GET that answers HTML (pages, htmx fragments, the phone pages, the
  board's and TV's live fragments) carries a strong ETag, the hash of the body before
  compression, and a matching If-None-Match is answered 304. Flask-Compress appends the
  encoding to the tag (`"<hash>:br"`) and then evaluates the condition itself
  (COMPRESS_EVALUATE_CONDITIONAL_REQUEST), so either form of the tag a browser keeps works.
  Pages are `private, no-cache`: always asked again, never kept by a shared cache.
- A page's CSRF token stays the same for five minutes (its signature's timestamp is taken
  to the start of the five minutes), so an unchanged page has an unchanged body and so an
  unchanged tag. It still lasts its full time limit less those minutes at most.
"""

from __future__ import annotations

import gzip
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, AnyStr

import brotli
import rcssmin
import rjsmin
from flask import Flask, Response, current_app, g, request, session
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from flask_compress import Compress
from flask_login import current_user
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from werkzeug.security import safe_join

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"

COMPRESSED_TYPES = [
    "text/html",
    "text/css",
    "text/plain",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/manifest+json",
    "image/svg+xml",
]

COMPRESSION = {
    "COMPRESS_MIMETYPES": COMPRESSED_TYPES,
    "COMPRESS_ALGORITHM": ["br", "gzip"],
    "COMPRESS_BR_LEVEL": 4,
    "COMPRESS_LEVEL": 6,
    "COMPRESS_MIN_SIZE": 500,
    # Only static files would be streamed answers worth compressing, and those are
    # compressed here ahead of time; an event stream must never wait in a compressor.
    "COMPRESS_STREAMS": False,
    "COMPRESS_EVALUATE_CONDITIONAL_REQUEST": True,
}

compress = Compress()


@dataclass(frozen=True)
class StaticFile:
    version: str
    plain: bytes
    encoded: dict[str, bytes]


def minified(filename: str, plain: AnyStr) -> AnyStr:
    """Our own scripts and stylesheets without their comments and spacing; vendored files
    (already minified) and everything else as they are."""
    if filename.startswith("vendor/") or filename.endswith((".min.js", ".min.css")):
        return plain
    if filename.endswith(".js"):
        return rjsmin.jsmin(plain)
    if filename.endswith(".css"):
        return rcssmin.cssmin(plain)
    return plain


def _static_file(filename: str) -> StaticFile | None:
    """The file's content hash and its compressed forms, read once (every time in debug,
    so an edited file gets a new address at once)."""
    known: dict[str, StaticFile | None] = current_app.extensions.setdefault("mspboard_static", {})
    if not current_app.debug and filename in known:
        return known[filename]
    found: StaticFile | None = None
    path = safe_join(str(current_app.static_folder), filename)
    if path is not None and Path(path).is_file():
        plain = minified(filename, Path(path).read_bytes())
        found = StaticFile(hashlib.sha256(plain).hexdigest()[:12], plain, {})
    known[filename] = found
    return found


def static_version(filename: str) -> str | None:
    found = _static_file(filename)
    return found.version if found else None


def _encoded(found: StaticFile, algorithm: str) -> bytes:
    if algorithm not in found.encoded:
        if algorithm == "br":
            found.encoded["br"] = brotli.compress(found.plain, quality=11)
        else:
            found.encoded["gzip"] = gzip.compress(found.plain, compresslevel=9, mtime=0)
    return found.encoded[algorithm]


def _accepted(algorithm: str) -> bool:
    return request.accept_encodings[algorithm] > 0


def _add_version(endpoint: str, values: dict[str, Any]) -> None:
    if endpoint == "static" and "v" not in values and "filename" in values:
        version = static_version(values["filename"])
        if version:
            values["v"] = version


def _static_answer(response: Response) -> Response:
    """The cache lifetime an address deserves, and the file compressed ahead of time."""
    filename = (request.view_args or {}).get("filename", "")
    found = _static_file(filename)
    versioned = found is not None and request.args.get("v") == found.version
    response.headers["Cache-Control"] = IMMUTABLE if versioned else REVALIDATE
    response.headers.pop("Expires", None)
    response.vary.add("Accept-Encoding")
    if found is None or response.status_code != 200:
        return response
    if response.mimetype not in COMPRESSED_TYPES:
        return response
    response.close()  # the file send_file opened; what is sent is already in memory
    response.direct_passthrough = False
    # The ETag does the work of Last-Modified; ranges of an in-memory answer are not offered.
    for name in ("Content-Disposition", "Last-Modified", "Accept-Ranges"):
        response.headers.pop(name, None)
    big_enough = len(found.plain) >= COMPRESSION["COMPRESS_MIN_SIZE"]
    algorithm = next((a for a in ("br", "gzip") if big_enough and _accepted(a)), None)
    if algorithm:
        response.set_data(_encoded(found, algorithm))
        response.headers["Content-Encoding"] = algorithm
        response.set_etag(f"{found.version}-{algorithm}")
    else:
        response.set_data(found.plain)
        response.set_etag(found.version)
    response.make_conditional(request)
    return response


class _SessionInterface(SecureCookieSessionInterface):
    """A static file neither depends on the session nor changes it, yet Flask-Login looks at
    the session after every answer, and Flask then says the answer varies on the cookie: a
    browser whose cookie changed since (it signed in) asks again for files it already has."""

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if request.endpoint == "static" and not session.modified:
            return
        super().save_session(app, session, response)


STEADY_TOKEN_SECONDS = 300


def _steady_signer(step: int) -> type[TimestampSigner]:
    class SteadySigner(TimestampSigner):
        def get_timestamp(self) -> int:
            now = super().get_timestamp()
            return now - now % step

    return SteadySigner


def _steady_csrf_token() -> None:
    """Flask-WTF signs the session's token afresh each second, and a page carrying it would
    never be the same twice; it takes the signed token from `g` when there is one. The step
    is at most a twelfth of the token's time limit, so a token is never issued stale. A
    signed-in person's first page after signing in (a new session) is signed the same way,
    so it matches the pages after it."""
    field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    if request.method != "GET" or request.endpoint == "static":
        return
    limit = current_app.config.get("WTF_CSRF_TIME_LIMIT", 3600)
    step = STEADY_TOKEN_SECONDS if limit is None else min(STEADY_TOKEN_SECONDS, limit // 12)
    if step < 1 or field in g:
        return
    if field not in session:
        if not current_user.is_authenticated:
            return  # a sign-in page makes its own; no session is started for a screen or feed
        # As Flask-WTF makes it (signing in starts a new session), but signed steadily from
        # this first page on.
        session[field] = hashlib.sha1(os.urandom(64)).hexdigest()
    secret = current_app.config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
    signer = _steady_signer(step)
    signed = URLSafeTimedSerializer(secret, salt="wtf-csrf-token", signer=signer)
    setattr(g, field, signed.dumps(session[field]))


def _is_page(response: Response) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and response.status_code == 200
        and response.mimetype == "text/html"
        and not response.is_streamed
        and "ETag" not in response.headers
        and "no-store" not in (response.headers.get("Cache-Control") or "")
    )


def _conditional_page(response: Response) -> Response:
    if request.endpoint == "static":
        return _static_answer(response)
    if _is_page(response):
        if "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = "private, no-cache"
        response.add_etag()
        response.make_conditional(request)
    return response


def register(app: Flask) -> None:
    """Call after the security headers are registered: Flask runs after_request hooks in
    reverse order, so an answer gets its tag, then is compressed, then gets the headers
    every answer carries."""
    for key, value in COMPRESSION.items():
        app.config.setdefault(key, value)
    compress.init_app(app)
    if type(app.session_interface) is SecureCookieSessionInterface:
        app.session_interface = _SessionInterface()
    app.url_defaults(_add_version)
    app.before_request(_steady_csrf_token)
    app.after_request(_conditional_page)
