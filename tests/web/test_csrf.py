"""CSRF protection stays on here, as in production."""

import re

import pytest

from tests.factories import PASSWORD

pytestmark = pytest.mark.instant_free


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def token_from(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def test_login_without_a_token_is_refused(client, people):
    response = client.post("/login", data={"email": people["admin"], "password": PASSWORD})
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)


def test_login_with_the_form_token_works(client, people):
    token = token_from(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login", data={"email": people["admin"], "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302


def signed_in(client, email):
    token = token_from(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})


def test_htmx_requests_carry_the_token_from_body_in_a_header(client, people):
    signed_in(client, people["admin"])
    page = client.get("/board").get_data(as_text=True)
    header_token = re.search(
        r"hx-headers:inherited='\{\"X-CSRFToken\": \"([^\"]+)\"\}'", page
    ).group(1)
    refused = client.post("/logout", headers={"HX-Request": "true"})
    assert refused.status_code == 400
    accepted = client.post("/logout", headers={"HX-Request": "true", "X-CSRFToken": header_token})
    assert accepted.status_code == 302


def test_admin_write_without_a_token_changes_nothing(client, people, app):
    signed_in(client, people["admin"])
    response = client.post("/admin/clients/new", data={"name": "Forged Co"})
    assert response.status_code == 400
    assert "Forged Co" not in client.get("/admin/clients").get_data(as_text=True)
