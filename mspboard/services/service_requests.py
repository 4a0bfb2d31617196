"""Service requests: creating, editing and moving them, with an activity line for each change.

Closing an SR (to Done, from its form or the board) needs a resolution: how it was resolved,
kept as a note on the SR, on the status line of its activity log and in the audit of the
move. Without one nothing changes (RuleViolation on `resolution`)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select

from mspboard import events
from mspboard.inputs import id_or_none
from mspboard.models import (
    Client,
    ClientContact,
    Priority,
    Role,
    ServiceRequest,
    SRActivity,
    SRNoteKind,
    SRStatus,
    User,
    db,
    parse_sr_number,
    utcnow,
)
from mspboard.services import edits, sr_notes
from mspboard.services.errors import RuleViolation

TITLE_MAX = 200
DESCRIPTION_MAX = 20_000
# A search looks at this many words of what was typed; more only narrow it further.
SEARCH_WORDS_MAX = 8


@dataclass
class SRFields:
    """What a person can set on an SR from its form."""

    client_id: int
    title: str
    description: str = ""
    priority: int = Priority.P3.value
    status: str = SRStatus.NEW.value
    assignee_id: int | None = None
    due_at: datetime | None = None
    estimate_minutes: int | None = None
    billable: bool = True
    requester_id: int | None = None


def _log(
    sr: ServiceRequest,
    actor: User | None,
    kind: str,
    field: str | None = None,
    before: str | None = None,
    after: str | None = None,
    note: str = "",
) -> None:
    sr.activities.append(
        SRActivity(
            actor=actor,
            at=utcnow(),
            kind=kind,
            field=field,
            from_value=before,
            to_value=after,
            note=note,
        )
    )


def _describe(field: str, value: object) -> str | None:
    if value is None:
        return None
    if field == "priority":
        return f"P{value}"
    if field == "assignee_id":
        user = db.session.get(User, value)
        return user.name if user else None
    if field == "client_id":
        client = db.session.get(Client, value)
        return client.name if client else None
    if field == "requester_id":
        contact = db.session.get(ClientContact, value)
        return contact.name if contact else None
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)[:200]


def _validate(values: SRFields) -> None:
    values.title = values.title.strip()
    if not values.title:
        raise RuleViolation("Give the SR a title.", "title")
    if len(values.title) > TITLE_MAX:
        raise RuleViolation(f"Keep the title under {TITLE_MAX} characters.", "title")
    client = db.session.get(Client, values.client_id)
    if client is None or not client.active:
        raise RuleViolation("Pick an active client.", "client_id")
    if values.priority not in {p.value for p in Priority}:
        raise RuleViolation("Pick a priority from P1 to P4.", "priority")
    if values.status not in {s.value for s in SRStatus}:
        raise RuleViolation("Pick a status.", "status")
    if values.assignee_id is not None:
        assignee = db.session.get(User, values.assignee_id)
        if assignee is None or not assignee.active:
            raise RuleViolation("Pick an active person to assign.", "assignee_id")
    if values.estimate_minutes is not None and values.estimate_minutes < 0:
        raise RuleViolation("The estimate cannot be negative.", "estimate_minutes")
    if values.requester_id is not None:
        contact = db.session.get(ClientContact, values.requester_id)
        if contact is None or contact.client_id != values.client_id:
            raise RuleViolation("Pick one of this client's contacts.", "requester_id")


def _resolution_for(closing: bool, resolution: str) -> str:
    """The resolution an SR is closed with; refused when closing without one."""
    if not closing:
        return ""
    if not (resolution or "").strip():
        raise RuleViolation("Say how it was resolved before closing the SR.", "resolution")
    return sr_notes.checked_body(resolution, "resolution")


def _resolve(actor: User | None, sr: ServiceRequest, resolution: str) -> None:
    if resolution:
        sr_notes.add_note(actor, sr, resolution, kind=SRNoteKind.RESOLUTION, field="resolution")


def _set_closed(sr: ServiceRequest, actor: User | None, status: str) -> None:
    if status == SRStatus.DONE and sr.closed_at is None:
        sr.closed_at = utcnow()
        sr.closed_by = actor
    elif status != SRStatus.DONE:
        sr.closed_at = None
        sr.closed_by = None


def create_sr(actor: User | None, values: SRFields, resolution: str = "") -> ServiceRequest:
    _validate(values)
    resolution = _resolution_for(values.status == SRStatus.DONE, resolution)
    sr = ServiceRequest(created_by=actor)
    for field in fields(SRFields):
        setattr(sr, field.name, getattr(values, field.name))
    _set_closed(sr, actor, values.status)
    _log(sr, actor, "created", note=resolution)
    db.session.add(sr)
    db.session.flush()
    _resolve(actor, sr, resolution)
    events.announce(db.session, events.BOARD)
    return sr


def _closes(sr: ServiceRequest, status: str) -> bool:
    return status == SRStatus.DONE and sr.status != SRStatus.DONE


def update_sr(
    actor: User,
    sr: ServiceRequest,
    values: SRFields,
    expected_version: int | None,
    resolution: str = "",
) -> dict[str, tuple[object, object]]:
    """Apply a form filled from version `expected_version` of the SR. Only the fields that
    change are written, each with a line in the activity log; a form older than the SR is
    refused (EditConflict) rather than undoing the newer save. Returns what changed."""
    _validate(values)
    edits.expect_version(sr, expected_version)
    resolution = _resolution_for(_closes(sr, values.status), resolution)
    wanted = {field.name: getattr(values, field.name) for field in fields(SRFields)}
    tag = {"resolution": resolution} if resolution else None
    with db.session.no_autoflush:  # the closing fields go with the status in one UPDATE
        changed = edits.write_changes(actor, sr, wanted, "sr.edited", tag)
        if not changed:
            return changed
        if "status" in changed:
            _set_closed(sr, actor, sr.status)
        for name, (before, after) in changed.items():
            log_change(sr, actor, name, before, after, resolution if name == "status" else "")
        sr.updated_at = utcnow()
    db.session.flush()
    _resolve(actor, sr, resolution)
    events.announce(db.session, events.BOARD)
    return changed


def log_change(
    sr: ServiceRequest,
    actor: User | None,
    name: str,
    before: object,
    after: object,
    note: str = "",
):
    kind = {"status": "status", "priority": "priority", "assignee_id": "assignee"}.get(name, "edit")
    shown = (_describe(name, before), _describe(name, after))
    _log(sr, actor, kind, name.removesuffix("_id"), *shown, note=note)


def _change_field(
    actor: User | None,
    sr: ServiceRequest,
    name: str,
    value: object,
    action: str,
    resolution: str = "",
) -> bool:
    tag = {"resolution": resolution} if resolution else None
    changed = edits.write_changes(actor, sr, {name: value}, action, tag)
    if not changed:
        return False
    log_change(sr, actor, name, *changed[name], note=resolution)
    sr.updated_at = utcnow()
    return True


def assign(actor: User, srs: list[ServiceRequest], assignee_id: int | None) -> None:
    if assignee_id is not None:
        assignee = db.session.get(User, assignee_id)
        if assignee is None or not assignee.active:
            raise RuleViolation("Pick an active person to assign.", "assignee_id")
    for sr in srs:
        _change_field(actor, sr, "assignee_id", assignee_id, "sr.assigned")
    db.session.flush()
    events.announce(db.session, events.BOARD)


def set_priority(actor: User, srs: list[ServiceRequest], priority: int) -> None:
    if priority not in {p.value for p in Priority}:
        raise RuleViolation("Pick a priority from P1 to P4.", "priority")
    for sr in srs:
        _change_field(actor, sr, "priority", priority, "sr.priority_changed")
    db.session.flush()
    events.announce(db.session, events.BOARD)


def change_status(
    actor: User | None,
    sr: ServiceRequest,
    status: str | SRStatus,
    *,
    expected_version: int | None = None,
    resolution: str = "",
) -> ServiceRequest:
    """Move an SR to another column. Done records who closed it, when and its resolution
    (required); moving out of Done reopens it. A technician who starts an unassigned SR
    takes it. A person's move from the board names the version the card showed
    (`expected_version`): a card someone changed since is refused (EditConflict) instead of
    undoing their change."""
    status = SRStatus(status)
    if expected_version is not None:
        edits.expect_version(sr, expected_version)
    resolution = _resolution_for(_closes(sr, status), resolution)
    with db.session.no_autoflush:  # the closing fields go with the status in one UPDATE
        if not _change_field(actor, sr, "status", status.value, "sr.moved", resolution):
            return sr
        _set_closed(sr, actor, status)
    _resolve(actor, sr, resolution)
    if (
        status == SRStatus.IN_PROGRESS
        and sr.assignee_id is None
        and actor is not None
        and actor.role == Role.TECHNICIAN
    ):
        _change_field(actor, sr, "assignee_id", actor.id, "sr.assigned")
        sr.assignee = actor
    db.session.flush()
    events.announce(db.session, events.BOARD)
    return sr


def find_by_number(number: str) -> ServiceRequest | None:
    from mspboard.inputs import id_or_none
    from mspboard.models import parse_sr_number

    sr_id = id_or_none(parse_sr_number(number))
    return None if sr_id is None else db.session.get(ServiceRequest, sr_id)


def open_srs_for(tech: User) -> list[ServiceRequest]:
    """A tech's queue: assigned open SRs, highest priority first, then oldest first."""
    return list(
        db.session.scalars(
            select(ServiceRequest)
            .where(ServiceRequest.assignee_id == tech.id, ServiceRequest.status != SRStatus.DONE)
            .order_by(*ServiceRequest.work_order())
        )
    )


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def text_match(text: str) -> ColumnElement[bool] | None:
    """The SRs a person's search names: by number ("SR-000123" or "123"), or with every
    word (up to SEARCH_WORDS_MAX) in the SR's title or its client's name, in any case. None
    when there is nothing to search for."""
    words = text.split()[:SEARCH_WORDS_MAX]
    if not words:
        return None
    each_word = []
    for word in words:
        pattern = f"%{_escape_like(word)}%"
        clients = select(Client.id).where(Client.name.ilike(pattern, escape="\\"))
        each_word.append(
            or_(
                ServiceRequest.title.ilike(pattern, escape="\\"),
                ServiceRequest.client_id.in_(clients),
            )
        )
    match = and_(*each_word)
    number = searched_number(text)
    return or_(ServiceRequest.id == number, match) if number else match


def searched_number(text: str) -> int | None:
    """The SR id a search names ("SR-000123" or "123"), if it names one."""
    return id_or_none(parse_sr_number(text) or text.strip())
