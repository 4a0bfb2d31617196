from __future__ import annotations

from sqlalchemy import func, or_, select

from mspboard.models import Client, User, db
from mspboard.services import edits
from mspboard.services.audit import record_event, snapshot
from mspboard.services.errors import RuleViolation

CLIENT_FIELDS = ["name", "active", "billing_rate_cents"]


def _check(name: str, rate_cents: int | None, existing: Client | None = None) -> str:
    name = name.strip()
    if not name:
        raise RuleViolation("Enter the client's name.", "name")
    # The exact name too: SQLite's lower() folds only ASCII, so "Ý" would slip past it.
    other = db.session.scalar(
        select(Client).where(or_(Client.name == name, func.lower(Client.name) == name.lower()))
    )
    if other is not None and other is not existing:
        raise RuleViolation("A client with this name already exists.", "name")
    if rate_cents is not None and rate_cents < 0:
        raise RuleViolation("The rate cannot be negative.", "billing_rate")
    return name


def create_client(actor: User | None, name: str, billing_rate_cents: int | None) -> Client:
    client = Client(name=_check(name, billing_rate_cents), billing_rate_cents=billing_rate_cents)
    db.session.add(client)
    db.session.flush()
    record_event(actor, "client.created", client, None, snapshot(client, CLIENT_FIELDS))
    return client


def update_client(
    actor: User,
    client: Client,
    name: str,
    billing_rate_cents: int | None,
    *,
    expected_version: int | None,
) -> dict[str, tuple[object, object]]:
    """Save the client's form (filled from `expected_version`); returns what changed."""
    name = _check(name, billing_rate_cents, existing=client)
    edits.expect_version(client, expected_version)
    rate_changes = client.billing_rate_cents != billing_rate_cents
    changed = edits.write_changes(
        actor,
        client,
        {"name": name, "billing_rate_cents": billing_rate_cents},
        "client.rate_changed" if rate_changes else "client.updated",
    )
    db.session.flush()
    return changed


def set_active(actor: User, client: Client, active: bool) -> Client:
    edits.write_changes(
        actor, client, {"active": active}, "client.activated" if active else "client.deactivated"
    )
    db.session.flush()
    return client


def list_clients() -> list[Client]:
    return list(db.session.scalars(select(Client).order_by(Client.active.desc(), Client.name)))
