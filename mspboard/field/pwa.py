"""The installable app: the web manifest and the service worker, served from the site root so
the worker's scope covers /m/ (and the static files it precaches)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from flask import Blueprint, Response, current_app, render_template, url_for

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
        "pagesUrl": url_for("field.offline_pages"),
        "loginPath": url_for("auth.login"),
    }
    body = source.replace("/*CONFIG*/{}", json.dumps(config), 1)
    response = Response(body, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
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
