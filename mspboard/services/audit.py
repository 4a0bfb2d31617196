from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from mspboard.models import AuditEvent, User, db


def jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def snapshot(record: object, fields: list[str]) -> dict[str, Any]:
    """The named attributes of a record, in a form that can be stored as JSON."""
    return {name: jsonable(getattr(record, name)) for name in fields}


def record_event(
    actor: User | None,
    action: str,
    entity: object,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    return record_about(
        actor,
        action,
        type(entity).__tablename__,  # type: ignore[attr-defined]
        getattr(entity, "id", None),
        before,
        after,
    )


def record_about(
    actor: User | None,
    action: str,
    entity_type: str,
    entity_id: int | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """An event about something that may have no row: a client address, an unknown account."""
    event = AuditEvent(
        actor_id=actor.id if actor else None,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        before=before,
        after=after,
    )
    db.session.add(event)
    return event
