"""Sending a phone write as the outbox does: signed in through the real form, with the
session's CSRF token, an idempotency key, and optionally the phone's moment and maker."""

from __future__ import annotations

import re
import uuid

from flask.testing import FlaskClient

from tests.factories import PASSWORD

JSON = {"Accept": "application/json"}


def sign_in(client: FlaskClient, email: str) -> str:
    """Sign in through the real form and return the session's CSRF token."""
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    return client.get("/m/csrf", headers=JSON).get_json()["token"]


def send(client, token, path, data, key=None, at=None, made_by=None):
    headers = {**JSON, "X-CSRFToken": token, "Idempotency-Key": key or str(uuid.uuid4())}
    if at is not None:
        headers["X-Client-At"] = at.isoformat()
    if made_by is not None:
        headers["X-Made-By"] = str(made_by)
    return client.post(path, data=data, headers=headers)
