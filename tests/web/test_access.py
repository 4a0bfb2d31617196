"""Each role reaches its own pages and gets 403 everywhere else."""

import pytest

pytestmark = pytest.mark.instant_free

EVERYONE = {"/board", "/sr/new"}
MANAGERS = {"/manage/backlog", "/board/screens", "/admin/clients", "/admin/clients/new"}
ADMINS = {"/admin/users", "/admin/users/new", "/admin/settings"}
TECHNICIANS = {"/m/"}
PAGES = sorted(EVERYONE | MANAGERS | ADMINS | TECHNICIANS)

ALLOWED = {
    "technician": EVERYONE | TECHNICIANS,
    "service_manager": EVERYONE | MANAGERS,
    "admin": EVERYONE | MANAGERS | ADMINS,
}


@pytest.mark.parametrize("role", sorted(ALLOWED))
def test_each_role_gets_exactly_its_pages(login_as, role):
    client = login_as(role)
    for path in PAGES:
        expected = 200 if path in ALLOWED[role] else 403
        assert client.get(path).status_code == expected, f"{role} {path}"


def test_forbidden_page_is_friendly(login_as):
    response = login_as("technician").get("/admin/users")
    page = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "You do not have access to this page" in page


def test_technician_cannot_write_through_admin_routes(login_as):
    client = login_as("technician")
    response = client.post("/admin/clients/new", data={"name": "Sneaky Co"})
    assert response.status_code == 403


def test_manager_cannot_create_users(login_as):
    client = login_as("service_manager")
    response = client.post(
        "/admin/users/new",
        data={
            "name": "X",
            "email": "x@example.test",
            "role": "admin",
            "password": "long enough pw",
        },
    )
    assert response.status_code == 403


def test_unknown_page_is_a_friendly_404(login_as):
    response = login_as("admin").get("/no/such/page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_unexpected_error_is_a_friendly_500(app, people):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/explode")
    def explode():
        raise RuntimeError("boom")

    response = app.test_client().get("/explode")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.get_data(as_text=True)
    assert "boom" not in response.get_data(as_text=True)
