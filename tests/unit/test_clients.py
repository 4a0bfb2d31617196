import pytest
from sqlalchemy import select

from mspboard.models import AuditEvent, db
from mspboard.services import clients
from mspboard.services.errors import RuleViolation
from tests.factories import make_user

pytestmark = pytest.mark.instant_free


def test_client_names_are_unique_ignoring_case():
    clients.create_client(None, "Alder Creek Dental", None)
    with pytest.raises(RuleViolation) as refused:
        clients.create_client(None, "alder creek dental", 10000)
    assert refused.value.field == "name"


@pytest.mark.parametrize("name", ["Ýmir Café", "Łódź Dental", "Ünal & Öztürk"])
def test_a_name_beyond_ascii_is_refused_a_second_time_not_a_server_error(name):
    clients.create_client(None, name, None)
    with pytest.raises(RuleViolation, match="already exists"):
        clients.create_client(None, name, None)


def test_negative_rate_is_refused():
    with pytest.raises(RuleViolation) as refused:
        clients.create_client(None, "Elm Street Bakery", -1)
    assert refused.value.field == "billing_rate"


def test_rate_change_is_audited_as_a_rate_change():
    manager = make_user(role="service_manager")
    client = clients.create_client(manager, "Zephyr Travel", 12000)
    clients.update_client(manager, client, "Zephyr Travel", 13500, expected_version=1)
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "client.rate_changed")
    ).one()
    assert (event.before["billing_rate_cents"], event.after["billing_rate_cents"]) == (12000, 13500)


def test_deactivating_a_client_keeps_it_listed_after_the_active_ones():
    manager = make_user(role="service_manager")
    old = clients.create_client(None, "Aardvark Old Co", None)
    clients.create_client(None, "Zebra Current Co", None)
    clients.set_active(manager, old, False)
    assert [c.name for c in clients.list_clients()] == ["Zebra Current Co", "Aardvark Old Co"]
