"""The security headers every answer carries: pages, fragments, error pages, static files,
the service worker, the calendar feed and the live streams alike.

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

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": PERMISSIONS_POLICY,
    "Cross-Origin-Opener-Policy": "same-origin",
}

# One year; subdomains are left out, as the shop's other hosts are not ours to promise for.
STRICT_TRANSPORT_SECURITY = "max-age=31536000"


def headers_for(behind_proxy: bool) -> dict[str, str]:
    if behind_proxy:
        return {**HEADERS, "Strict-Transport-Security": STRICT_TRANSPORT_SECURITY}
    return dict(HEADERS)


def register(app: Flask) -> None:
    headers = headers_for(bool(app.config.get("BEHIND_PROXY")))

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        response.headers.update(headers)
        return response
