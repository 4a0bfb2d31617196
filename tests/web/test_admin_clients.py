import pytest
from sqlalchemy import select

from mspboard.models import Client, db

pytestmark = pytest.mark.instant_free


def client_row(app, name):
    with app.app_context():
        client = db.session.scalar(select(Client).where(Client.name == name))
        return (
            None
            if client is None
            else {"id": client.id, "rate": client.billing_rate_cents, "active": client.active}
        )


def test_manager_adds_a_client_with_a_rate(app, login_as):
    manager = login_as("service_manager")
    response = manager.post(
        "/admin/clients/new", data={"name": "Quarry Hill Winery", "billing_rate": "142.50"}
    )
    assert response.status_code == 302
    assert client_row(app, "Quarry Hill Winery")["rate"] == 14250
    assert "142.50" in manager.get("/admin/clients").get_data(as_text=True)


def test_client_without_a_rate_uses_the_default(app, login_as):
    login_as("service_manager").post(
        "/admin/clients/new", data={"name": "Zephyr Travel", "billing_rate": ""}
    )
    assert client_row(app, "Zephyr Travel")["rate"] is None


def test_bad_client_input_gets_messages_and_422(login_as):
    manager = login_as("service_manager")
    empty = manager.post("/admin/clients/new", data={"name": "", "billing_rate": "abc"})
    page = empty.get_data(as_text=True)
    assert empty.status_code == 422
    assert 'id="name-error"' in page and 'id="billing_rate-error"' in page
    negative = manager.post(
        "/admin/clients/new", data={"name": "Negative Co", "billing_rate": "-5"}
    )
    assert negative.status_code == 422


def test_duplicate_client_name_is_refused(login_as):
    manager = login_as("service_manager")
    manager.post("/admin/clients/new", data={"name": "Elm Street Bakery"})
    again = manager.post("/admin/clients/new", data={"name": "elm street bakery"})
    assert again.status_code == 422
    assert "already exists" in again.get_data(as_text=True)


def test_manager_edits_and_deactivates_a_client(app, login_as):
    manager = login_as("service_manager")
    manager.post("/admin/clients/new", data={"name": "Fairview Realty", "billing_rate": "100"})
    row = client_row(app, "Fairview Realty")
    assert 'value="100.00"' in manager.get(f"/admin/clients/{row['id']}").get_data(as_text=True)
    manager.post(
        f"/admin/clients/{row['id']}",
        data={"name": "Fairview Realty", "billing_rate": "110", "version": "1"},
    )
    assert client_row(app, "Fairview Realty")["rate"] == 11000
    manager.post(f"/admin/clients/{row['id']}/active", data={"active": "0"})
    assert client_row(app, "Fairview Realty")["active"] is False
