"""The installable app: the web manifest and the service worker, served from the site root so
the worker's scope covers /m/ (and the static files it precaches), and the one answer that
carries every page the phone keeps for offline reading.

The offline bundle: rather than one fetch per kept page (some 35 for a busy tech, each with
its own set of headers and each compressed alone), the worker asks for all of them at once.
Each page in it is made by the app exactly as a GET of that page by the same person would
be (the same session, the same access rules, the same body and ETag), so a page kept from
the bundle is the page the tech would have fetched; pages of the same shape compress
together to a tenth of their separate size.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import brotli
from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    render_template,
    request,
    session,
    url_for,
)
from flask.ctx import RequestContext

from mspboard.auth.access import card_keepers_only
from mspboard.caching import minified

bp = Blueprint("pwa", __name__)

STATIC = Path(__file__).resolve().parent.parent / "static"
SERVICE_WORKER = STATIC / "js" / "sw.js"
OFFLINE_PAGE = STATIC.parent / "templates" / "field" / "offline.html"
# What the phone pages load, under the same versioned addresses they use. The PNG icons are
# left to the browser, which fetches them when the app is installed, not on every phone.
PRECACHED = [
    "css/app.css",
    "css/field.css",
    "vendor/htmx-4.0.1/htmx.min.js",
    "js/outbox.js",
    "icons/icon.svg",
]


FAVICON = "icon-192.png"


def cache_version() -> str:
    """Changes whenever the worker or a precached file changes, so a deploy replaces the
    phone's cache instead of mixing old and new files."""
    cached = current_app.extensions.get("mspboard_sw_version")
    if cached:
        return cached
    digest = hashlib.sha256(SERVICE_WORKER.read_bytes())
    digest.update(OFFLINE_PAGE.read_bytes())
    for name in PRECACHED:
        digest.update((STATIC / name).read_bytes())
    version = digest.hexdigest()[:12]
    if not current_app.debug:
        current_app.extensions["mspboard_sw_version"] = version
    return version


@bp.get("/sw.js")
def service_worker() -> Response:
    source = SERVICE_WORKER.read_text()
    config = {
        "version": cache_version(),
        "precache": [url_for("static", filename=name) for name in PRECACHED],
        "offlinePage": url_for("pwa.offline"),
        # Carried here rather than fetched: one answer less when the worker installs.
        "offlineHtml": render_template("field/offline.html"),
        "pagesUrl": url_for("pwa.offline_bundle"),
        "loginPath": url_for("auth.login"),
    }
    script = minified("js/sw.js", source.replace("/*CONFIG*/{}", "CONFIG_FROM_SERVER", 1))
    body = script.replace("CONFIG_FROM_SERVER", json.dumps(config), 1)
    response = Response(body, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    response.add_etag()  # the browser's update check is then a 304 until a deploy
    return response.make_conditional(request)


@bp.get("/favicon.ico")
def favicon() -> Response:
    """Browsers ask for it on pages that name no icon (and for bookmarks and tabs): the app's
    small PNG icon, kept for a week."""
    response = Response((STATIC / "icons" / FAVICON).read_bytes(), mimetype="image/png")
    response.headers["Cache-Control"] = "public, max-age=604800"
    return response


@bp.get("/offline")
def offline() -> Response:
    """What the phone shows for a page it never kept: says so, and what can be done."""
    return Response(render_template("field/offline.html"), mimetype="text/html")


@bp.get("/manifest.webmanifest")
def manifest() -> Response:
    body = {
        "name": "mspboard field",
        "short_name": "mspboard",
        "description": "My day, my week, my queue and my time card, online or not.",
        "start_url": url_for("field.today"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#f4f5f7",
        "theme_color": "#14263d",
        "icons": [
            {
                "src": url_for("static", filename="icons/icon-192.png"),
                "sizes": "192x192",
                "type": "image/png",
            },
            {
                "src": url_for("static", filename="icons/icon-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "any maskable",
            },
            {
                "src": url_for("static", filename="icons/icon.svg"),
                "sizes": "any",
                "type": "image/svg+xml",
            },
        ],
    }
    return Response(json.dumps(body), mimetype="application/manifest+json")


# Request headers that belong to the bundle's own request and not to the pages made for it.
_OWN_HEADERS = (
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_HX_REQUEST",
    "HTTP_HX_REQUEST_TYPE",
    "HTTP_HX_SOURCE",
    "HTTP_HX_TARGET",
    "CONTENT_LENGTH",
    "CONTENT_TYPE",
)


def _kept_page(app: Flask, path: str) -> dict[str, str] | None:
    """The page at `path` as this request's person would get it, uncompressed, or None when
    it is not a page to keep (a redirect, a refusal, an error)."""
    environ = {k: v for k, v in request.environ.items() if k not in _OWN_HEADERS}
    route, _, query = path.partition("?")
    environ.update(
        PATH_INFO=route,
        QUERY_STRING=query,
        REQUEST_METHOD="GET",
        HTTP_ACCEPT="text/html",
        HTTP_ACCEPT_ENCODING="identity",
    )
    # A context of its own: the page gets its own `g` and database session, as a fetch would,
    # but this request's session, so a CSRF token it makes is the one the phone keeps.
    context = RequestContext(app, environ, session=session._get_current_object())  # type: ignore[attr-defined]
    with app.app_context(), context:
        try:
            response = app.full_dispatch_request()
        except Exception as error:
            response = app.handle_exception(error)  # logged, and a 500 as a fetch would get
        try:
            if response.status_code != 200 or response.mimetype != "text/html":
                return None
            data = response.get_data()
            page = {"url": path, "body": data.decode()}
            etag = response.headers.get("ETag", "")
            # Most pages' tag is the SHA-1 of their body, which the worker works out itself:
            # 40 hex digits a page that would not compress.
            if etag != f'"{hashlib.sha1(data).hexdigest()}"':
                page["etag"] = etag
            return page
        finally:
            response.close()


BUNDLE_BROTLI_QUALITY = 5


@bp.get("/m/offline-bundle")
@card_keepers_only
def offline_bundle() -> Response:
    """Every page `field.offline_pages` lists for this tech, in one answer the service worker
    splits into its cache: {"pages": [{"url", "body", "etag"?}, ...]}, "etag" only where
    the page's tag is not the SHA-1 of its body (the usual tag of a page)."""
    from mspboard.field.routes import offline_pages

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    listed = json.loads(offline_pages().get_data())["pages"]
    pages = [page for page in (_kept_page(app, path) for path in listed) if page]
    body = json.dumps({"pages": pages}, separators=(",", ":")).encode()
    response = Response(body, mimetype="application/json")
    response.headers["Cache-Control"] = "private, no-cache"
    tag = hashlib.sha1(body).hexdigest()
    if request.accept_encodings["br"] > 0:
        # A notch above the app's usual level: pages of one shape, a tenth smaller again.
        response.set_data(brotli.compress(body, quality=BUNDLE_BROTLI_QUALITY))
        response.headers["Content-Encoding"] = "br"
        tag += ":br"
    response.vary.add("Accept-Encoding")
    response.set_etag(tag)
    return response.make_conditional(request)
