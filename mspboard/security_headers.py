"""The security headers: the ones every answer carries (pages, fragments, error pages, static
files, the service worker, the calendar feed and the live streams alike), and the ones that
only a document or a worker obeys, left off the answers a browser never shows as a page.

Only a document (and a worker, whose policy comes from its script's answer) obeys a
Content-Security-Policy, X-Frame-Options, a Permissions-Policy or a Cross-Origin-Opener-
Policy; on a stylesheet, a script, JSON or a PNG a browser ignores them, and they made most
of each such answer's headers. With `nosniff` (kept everywhere) such an answer is never
taken for a page either: a JSON or CSS file opened on its own is shown as text. A 204 and a
304 go without them too (nothing to show; a 304 updates a kept copy, which keeps its own
headers where the 304 is silent). Anything
else, HTML, SVG (a document when opened), calendars, downloads, streams, redirects, keeps
them all. Referrer-Policy stays everywhere too: it also governs what a stylesheet fetches.
An answer whose address is itself a secret (a set-password link) sets `no-referrer`, and
keeps it: neither its stylesheet's request nor the page it sends the browser on to learns it.

The Content-Security-Policy allows only this site's own files: no inline <script>, no
eval (htmx is set up not to need it, see templates/_htmx_config.html), no style= attributes
or <style> blocks, images from here or data: URLs, and no framing by any page at all (the
wall TV opens its link itself). HSTS is sent only behind the TLS-terminating proxy
(MSPBOARD_BEHIND_PROXY): without it the app may be served over plain HTTP on a LAN, and a
browser told to insist on HTTPS would lock everyone out.
"""

from __future__ import annotations

from flask import Flask, Response

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self'",
        "manifest-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

# Powerful browser features the app never uses, refused to it and to anything it might embed.
DENIED_FEATURES = (
    "accelerometer",
    "bluetooth",
    "camera",
    "display-capture",
    "geolocation",
    "gyroscope",
    "hid",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "serial",
    "usb",
)
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in DENIED_FEATURES)

DOCUMENT_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "Permissions-Policy": PERMISSIONS_POLICY,
    "Cross-Origin-Opener-Policy": "same-origin",
}
EVERY_ANSWER_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
HEADERS = {**DOCUMENT_HEADERS, **EVERY_ANSWER_HEADERS}
NO_REFERRER = "no-referrer"

# Types a browser never shows as a page nor runs as a worker (the service worker's script is
# the one script that is; its answer says so with Service-Worker-Allowed).
NEVER_DOCUMENTS = frozenset(
    {
        "text/css",
        "text/javascript",
        "application/javascript",
        "application/json",
        "application/manifest+json",
        "image/png",
    }
)

# One year; subdomains are left out, as the shop's other hosts are not ours to promise for.
STRICT_TRANSPORT_SECURITY = "max-age=31536000"


def headers_for(behind_proxy: bool) -> dict[str, str]:
    if behind_proxy:
        return {**EVERY_ANSWER_HEADERS, "Strict-Transport-Security": STRICT_TRANSPORT_SECURITY}
    return dict(EVERY_ANSWER_HEADERS)


def is_document(response: Response) -> bool:
    """Whether a browser might show this answer as a page or run it as a worker. A 204 has
    nothing to show, and a 304 leaves the browser the headers its kept copy came with."""
    if response.status_code in (204, 304):
        return False
    return response.mimetype not in NEVER_DOCUMENTS or "Service-Worker-Allowed" in response.headers


def register(app: Flask) -> None:
    headers = headers_for(bool(app.config.get("BEHIND_PROXY")))

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        if is_document(response):
            response.headers.update(DOCUMENT_HEADERS)
        private = response.headers.get("Referrer-Policy") == NO_REFERRER
        response.headers.update(headers)
        if private:
            response.headers["Referrer-Policy"] = NO_REFERRER
        return response
