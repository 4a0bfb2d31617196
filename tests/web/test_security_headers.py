"""Every answer carries the security headers: every route of the URL map (so a new route is
covered without touching this file), as every role, with CSRF on as in production; the
error pages (400, 403, 404, 405, 413, 422, 500) and static files included. The ones only a
document or a worker obeys are left off stylesheets, scripts, JSON and PNGs (the service
worker's script keeps them). HTML pages also hold nothing the Content-Security-Policy would
refuse (inline scripts, style attributes, event-handler attributes, htmx code)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule
from werkzeug.test import TestResponse

from mspboard.security_headers import CONTENT_SECURITY_POLICY, HEADERS, PERMISSIONS_POLICY
from tests.factories import PASSWORD, make_user
from tests.web.test_hostile_input import ROLES, WEEKS, csrf_token_of, seed, sign_in

# A browser never shows these as a page: they carry only what every answer carries.
NOT_DOCUMENTS = {
    "text/css",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/manifest+json",
    "image/png",
}
EVERY_ANSWER = {"X-Content-Type-Options", "Referrer-Policy"}
EXPECTED = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; worker-src 'self'; manifest-src 'self'; object-src 'none'; "
        "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


class PolicyBreaches(HTMLParser):
    """What in a page the policy would refuse, or what would make htmx reach for eval."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "script" and not a.get("src"):
            self.found.append("an inline <script>")
        if tag == "style":
            self.found.append("a <style> block")
        for name, value in a.items():
            if name == "style":
                self.found.append(f"style= on <{tag}>")
            elif re.fullmatch(r"on[a-z]+", name):
                self.found.append(f"{name}= on <{tag}>")
            elif name.startswith(("hx-on", "data-hx-on")):
                self.found.append(f"{name} on <{tag}> (evaluated as code)")
            elif name.startswith("hx-trigger") and "[" in value:
                self.found.append(f"a trigger filter {value!r} (evaluated as code)")
            elif name.startswith("hx-") and value.startswith(("js:", "javascript:")):
                self.found.append(f"{name}={value!r} (evaluated as code)")
            elif name in ("href", "action", "formaction") and value.startswith("javascript:"):
                self.found.append(f"a javascript: URL on <{tag}>")


def breaches(response: TestResponse) -> list[str]:
    if "html" not in response.content_type:
        return []
    parser = PolicyBreaches()
    parser.feed(response.get_data(as_text=True))
    return parser.found


def is_document(response: TestResponse) -> bool:
    if response.status_code in (204, 304):
        return False
    return response.mimetype not in NOT_DOCUMENTS or "Service-Worker-Allowed" in response.headers


# Answers whose address is itself a secret send no Referer at all.
NO_REFERRER_ENDPOINTS = {"auth.set_password"}


def problems_with(
    response: TestResponse, behind_proxy: bool = False, endpoint: str | None = None
) -> list[str]:
    document = is_document(response)
    expected = {
        name: value if document or name in EVERY_ANSWER else None
        for name, value in {**EXPECTED, "Permissions-Policy": PERMISSIONS_POLICY}.items()
    }
    if endpoint in NO_REFERRER_ENDPOINTS:
        expected["Referrer-Policy"] = "no-referrer"
    found = [
        f"{name}: {response.headers.get(name)!r}"
        for name, value in expected.items()
        if response.headers.get(name) != value
    ]
    hsts = response.headers.get("Strict-Transport-Security")
    if behind_proxy != (hsts is not None):
        found.append(f"Strict-Transport-Security: {hsts!r}")
    return found + breaches(response)


def path_for(rule: Rule, tokens: dict[str, str]) -> str:
    """The rule with arguments that exist in the seeded shop, so most pages answer 200."""
    path = re.sub(r"<any\(([^,)]+)[^>]*>", r"\1", rule.rule)
    path = re.sub(r"<int:[a-z_]+>", "1", path)
    path = path.replace("<path:filename>", "css/app.css")
    path = path.replace("<number>", "SR-1")
    token = tokens["feed"] if rule.endpoint.startswith("calendar.") else tokens["tv"]
    path = path.replace("<token>", token)
    return re.sub(r"<[a-z_]+>", WEEKS[0], path)


def walk(app: Flask, client: FlaskClient, tokens: dict[str, str]) -> dict[str, list[str]]:
    """GET every route and POST to every writing one without a CSRF token (the 400 page);
    what each answer lacks, by request. Signing out comes last."""
    rules = sorted(app.url_map.iter_rules(), key=lambda rule: rule.endpoint == "auth.logout")
    found: dict[str, list[str]] = {}
    for rule in rules:
        path = path_for(rule, tokens)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(path, method=method, buffered=False)
            status = response.status_code
            try:
                found[f"{method} {path} ({status})"] = problems_with(
                    response, endpoint=rule.endpoint
                )
            finally:
                response.close()
    return found


@pytest.mark.parametrize("role", ROLES)
def test_every_route_answers_with_the_security_headers(app, role):
    tokens = seed(app)
    client = app.test_client()
    sign_in(client, role)
    answers = walk(app, client, tokens)
    statuses = {int(re.search(r"\((\d+)\)$", key).group(1)) for key in answers}
    # The walk reached pages, redirects and refusals, not only one kind of answer.
    assert {200, 400} <= statuses and statuses & {302, 403}
    assert {key: found for key, found in answers.items() if found} == {}


def test_error_pages_carry_the_headers(app, client, people):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/_broken")
    def broken():
        raise RuntimeError("a bug")

    answers = {
        404: client.get("/no/such/page"),
        405: client.open("/board/events", method="POST"),
        413: client.post("/login", data={"email": "x" * (1024 * 1024 + 10)}),
        500: client.get("/_broken"),
    }
    token = csrf_token_of(client, "/login")
    answers[422] = client.post("/login", data={"email": "", "password": "", "csrf_token": token})
    assert (
        client.post(
            "/login",
            data={"email": people["technician"], "password": PASSWORD, "csrf_token": token},
        ).status_code
        == 302
    )
    answers[403] = client.get("/admin/users")
    answers[400] = client.post("/sr/new", data={"title": "no token"})
    assert {status: response.status_code for status, response in answers.items()} == {
        status: status for status in answers
    }
    assert {status: problems_with(r) for status, r in answers.items()} == {
        status: [] for status in answers
    }


def test_the_json_error_answer_for_the_phone_carries_them_too(client):
    response = client.get("/no/such/page", headers={"Accept": "application/json"})
    assert response.status_code == 404 and response.is_json
    assert problems_with(response) == []


def test_static_files_the_service_worker_and_the_feed_keep_their_types(app, client):
    tokens = seed(app)
    answers = {
        "text/css": client.get("/static/css/app.css"),
        "text/javascript": client.get("/sw.js"),
        "text/calendar": client.get(f"/calendar/{tokens['feed']}.ics"),
        "application/manifest+json": client.get("/manifest.webmanifest"),
    }
    for kind, response in answers.items():
        assert response.status_code == 200, kind
        assert response.mimetype == kind
        assert problems_with(response) == [], kind
        response.close()
    assert answers["text/javascript"].headers["Service-Worker-Allowed"] == "/"


def test_a_worker_keeps_the_policy_and_files_no_browser_shows_as_a_page_drop_it(app, client):
    """A worker's Content-Security-Policy is the one its script came with; a stylesheet,
    script, JSON answer or PNG is never a page, so the page-only headers would only weigh."""
    seed(app)
    worker = client.get("/sw.js")
    assert worker.headers["Content-Security-Policy"] == EXPECTED["Content-Security-Policy"]
    for path in (
        "/static/css/app.css",
        "/static/js/outbox.js",
        "/static/icons/icon-192.png",
        "/manifest.webmanifest",
    ):
        response = client.get(path)
        assert response.headers["X-Content-Type-Options"] == "nosniff", path
        assert response.headers["Referrer-Policy"] == "same-origin", path
        for name in ("Content-Security-Policy", "X-Frame-Options", "Permissions-Policy"):
            assert name not in response.headers, (path, name)
        response.close()
    svg = client.get("/static/icons/icon.svg")  # an SVG opened on its own is a document
    assert svg.headers["Content-Security-Policy"] == EXPECTED["Content-Security-Policy"]
    svg.close()


@pytest.mark.parametrize(
    ("app_config", "behind_proxy"),
    [({"WTF_CSRF_ENABLED": True, "BEHIND_PROXY": True}, True), ({}, False)],
)
def test_hsts_only_behind_the_tls_proxy(app, client, behind_proxy):
    with app.app_context():
        make_user(role="technician", email="tech@example.test")
    response = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert problems_with(response, behind_proxy=behind_proxy) == []
    assert response.headers.get("Strict-Transport-Security") == (
        "max-age=31536000" if behind_proxy else None
    )
    # Not behind the proxy, the app may be served over plain HTTP: nothing sends it to HTTPS.
    assert client.get("/login").status_code == 200


def test_the_policy_allows_no_inline_script_eval_or_framing():
    directives = {
        name: value
        for name, _, value in (part.partition(" ") for part in CONTENT_SECURITY_POLICY.split("; "))
    }
    assert "unsafe" not in CONTENT_SECURITY_POLICY
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert HEADERS["X-Frame-Options"] == "DENY"
    for feature in ("camera", "microphone", "geolocation", "payment"):
        assert f"{feature}=()" in PERMISSIONS_POLICY
