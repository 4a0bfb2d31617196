"""Reading the audit log: the filterable list of every event, the history of one record,
and each event told as a sentence with the fields it changed.

Events are read generically (the record type is the table name, the snapshots are plain
JSON), so an event type this module has never heard of still shows, with a plainer
sentence. Nothing here writes."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from mspboard.models import AuditEvent, TimeCard, User, db
from mspboard.services import money
from mspboard.services.local_time import wall_label
from mspboard.services.shop_settings import current_settings
from mspboard.services.time_weeks import local_midnight
from mspboard.workweek import describe as describe_days

PER_PAGE = 50
NOTHING = "\N{EN DASH}"  # an empty value, as the pages show it
HIDDEN_FIELDS = frozenset(
    {"version", "edit_version", "card_id", "card_status", "after", "acknowledged_snapshot"}
)

# The verb for the last part of an action ("timecard.approved" -> "approved").
VERBS = {
    "created": "created",
    "updated": "changed",
    "edited": "changed",
    "changed": "changed",
    "moved": "moved",
    "assigned": "assigned",
    "reassigned": "gave to another technician",
    "priority_changed": "changed the priority of",
    "rate_changed": "changed the rate of",
    "password_reset": "reset the password of",
    "deleted": "deleted",
    "approved": "approved",
    "rejected": "sent back",
    "reopened": "reopened",
    "submitted": "submitted",
    "resubmitted": "resubmitted",
    "denied": "denied",
    "pending": "asked for",
    "requested": "asked for",
    "published": "published",
    "activated": "activated",
    "deactivated": "deactivated",
    "reviewed": "marked reviewed",
    "review_reopened": "sent back to Proposed",
    "exported": "exported",
    "annotated": "annotated",
    "adjusted": "adjusted",
    "written_off": "wrote off",
    "restored": "restored",
    "rate_applied": "applied today's rate to",
    "revoked": "revoked",
    "handled": "handled",
    "two_factor_enabled": "turned on two-factor sign-in for",
    "two_factor_disabled": "turned off two-factor sign-in for",
    "two_factor_reset": "reset the second factor of",
    "recovery_codes_renewed": "made new recovery codes for",
    "recovery_code_used": "signed in with a recovery code to",
    "locked": "locked sign-in to",
    "unlocked": "unlocked sign-in to",
    "retired": "retired",
    "accepted": "accepted",
    "applied_to_open_runs": "brought the open runs in line with",
    "checklist_item_dropped": "dropped a checklist item for",
    "checklist_item_restored": "put a checklist item back for",
    "maintenance_owner_changed": "changed the maintenance owner of",
    "owner_changed": "changed the owner of",
    "opened": "opened",
    "closed": "closed",
    "resolved": "wrote the resolution of",
    "added": "added",
    "loaded": "loaded",
}

RECORD_TYPES = {
    "time_cards": "Time card",
    "time_entries": "Time entry",
    "time_off_requests": "Time off",
    "schedule_items": "Schedule item",
    "service_requests": "Service request",
    "proposed_invoices": "Invoice",
    "invoice_lines": "Invoice line",
    "clients": "Client",
    "users": "User",
    "shop_settings": "Settings",
    "shop": "Shop's data",
    "tv_links": "TV link",
    "calendar_feeds": "Calendar feed",
    "checkin_issues": "Check-in issue",
    "client_addresses": "Client address",
    "checklist_items": "Checklist item",
    "checklist_proposals": "Proposed checklist item",
    "maintenance_months": "Maintenance month",
    "checklist_runs": "Maintenance run",
    "sr_notes": "SR note",
    "client_contacts": "Client contact",
    "duties": "Duty",
    "duty_list_reviews": "Duty lists",
}

# Wall-clock times of day, stored as "HH:MM:SS".
CLOCK_FIELDS = frozenset({"day_start", "day_end", "close_of_business"})

FIELD_LABELS = {
    "billing_rate_cents": "Rate",
    "default_rate_cents": "Default rate",
    "rate_cents": "Rate",
    "reviewed_client_rate_cents": "Client's rate when reviewed",
    "status": "Status",
    "reason": "Reason",
    "decided_by_id": "Decided by",
    "decided_at": "Decided",
    "submitted_at": "Submitted",
    "started_at": "Start",
    "ended_at": "End",
    "sr_id": "Service request",
    "client_id": "Client",
    "billable": "Billable",
    "notes": "Notes",
    "tech_id": "Technician",
    "assignee_id": "Assignee",
    "decision_note": "Note",
    "total_minutes": "Time logged",
    "body": "Note",
    "resolution": "Resolution",
    "requester_id": "Requester",
    "written_at": "Written",
}


def record_type_label(entity_type: str) -> str:
    return RECORD_TYPES.get(entity_type, entity_type.replace("_", " ").capitalize())


@dataclass
class AuditQuery:
    """What the audit page is filtered by; None means any."""

    actor_id: int | None = None
    action: str | None = None
    entity_type: str | None = None
    entity_id: int | None = None
    since: date | None = None
    until: date | None = None


@dataclass
class Change:
    label: str
    before: str
    after: str


@dataclass
class AuditLine:
    event: AuditEvent
    actor: str
    sentence: str
    changes: list[Change] = field(default_factory=list)

    @property
    def at(self) -> datetime:
        return self.event.at

    @property
    def record(self) -> str:
        event = self.event
        label = record_type_label(event.entity_type)
        return f"{label} #{event.entity_id}" if event.entity_id is not None else label


@dataclass
class AuditPage:
    lines: list[AuditLine]
    page: int
    pages: int
    total: int


def _where(query: AuditQuery) -> list:
    conditions = []
    if query.actor_id is not None:
        conditions.append(AuditEvent.actor_id == query.actor_id)
    if query.action:
        conditions.append(AuditEvent.action == query.action)
    if query.entity_type:
        conditions.append(AuditEvent.entity_type == query.entity_type)
    if query.entity_id is not None:
        conditions.append(AuditEvent.entity_id == query.entity_id)
    if query.since is not None:
        conditions.append(AuditEvent.at >= local_midnight(query.since))
    if query.until is not None:
        conditions.append(AuditEvent.at < local_midnight(query.until + timedelta(days=1)))
    return conditions


def search(query: AuditQuery, page: int = 1, per_page: int = PER_PAGE) -> AuditPage:
    """One page of the events that match, newest first."""
    conditions = _where(query)
    total = db.session.scalar(select(func.count()).select_from(AuditEvent).where(*conditions))
    pages = max(1, math.ceil((total or 0) / per_page))
    page = min(max(page, 1), pages)
    events = db.session.scalars(
        select(AuditEvent)
        .where(*conditions)
        .options(selectinload(AuditEvent.actor))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return AuditPage(explain(events), page, pages, total or 0)


def _newest_first(*conditions) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(or_(*conditions))
            .options(selectinload(AuditEvent.actor))
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        )
    )


def histories(
    entity_type: str, ids: Iterable[int], parts: dict[str, dict[int, int]] | None = None
) -> dict[int, list[AuditLine]]:
    """The history of each of several records (a page that lists them) in one query: every
    event on the record and on the records that belong to it, newest first. `parts` maps
    another record type to {its id: the id of the record it belongs to} (an invoice's
    lines)."""
    parts = parts or {}
    ids = list(ids)
    conditions = [and_(AuditEvent.entity_type == entity_type, AuditEvent.entity_id.in_(ids))]
    for other_type, owner_of in parts.items():
        if owner_of:
            conditions.append(
                and_(AuditEvent.entity_type == other_type, AuditEvent.entity_id.in_(owner_of))
            )
    found: dict[int, list[AuditLine]] = {record_id: [] for record_id in ids}
    if not ids:
        return found
    for line in explain(_newest_first(*conditions)):
        event = line.event
        owner = (
            event.entity_id
            if event.entity_type == entity_type
            else parts[event.entity_type][event.entity_id]  # type: ignore[index]
        )
        found[owner].append(line)  # type: ignore[index]
    return found


def history_for(entity_type: str, entity_id: int) -> list[AuditLine]:
    """Every event on one record, newest first."""
    return histories(entity_type, [entity_id])[entity_id]


def invoice_histories(invoices: Iterable[Any]) -> dict[int, list[AuditLine]]:
    """Each invoice's history with its lines', for a page of invoices."""
    invoices = list(invoices)
    lines = {line.id: invoice.id for invoice in invoices for line in invoice.lines}
    return histories("proposed_invoices", [i.id for i in invoices], {"invoice_lines": lines})


def _entry_of_card(card_id: int):
    return and_(
        AuditEvent.entity_type == "time_entries",
        or_(
            AuditEvent.after["card_id"].as_integer() == card_id,
            AuditEvent.before["card_id"].as_integer() == card_id,
        ),
    )


def card_history(card: TimeCard) -> list[AuditLine]:
    """A time card's decisions and submissions, and the changes to its time made after it
    first left draft (after a reopen or a rejection), newest first."""
    return explain(
        _newest_first(
            and_(AuditEvent.entity_type == "time_cards", AuditEvent.entity_id == card.id),
            _entry_of_card(card.id),
        )
    )


def actor_choices() -> list[User]:
    """Everyone who ever did something on record."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.id.in_(select(AuditEvent.actor_id).distinct()))
            .order_by(User.name)
        )
    )


def action_choices() -> list[str]:
    return sorted(db.session.scalars(select(AuditEvent.action).distinct()))


def record_type_choices() -> list[str]:
    return sorted(db.session.scalars(select(AuditEvent.entity_type).distinct()))


# ---- telling an event ----------------------------------------------------------------------


def _models_by_table() -> dict[str, type]:
    return {
        mapper.class_.__tablename__: mapper.class_
        for mapper in db.Model.registry.mappers
        if hasattr(mapper.class_, "__tablename__")
    }


def _load(events: list[AuditEvent]) -> dict[tuple[str, int], Any]:
    """The records the events are about, that still exist, a query per record type; and
    every user a snapshot names."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for event in events:
        if event.entity_id is not None:
            wanted[event.entity_type].add(event.entity_id)
        if event.entity_type == "sr_notes" and isinstance(_snap(event).get("sr_id"), int):
            wanted["service_requests"].add(_snap(event)["sr_id"])  # a note is told by its SR
        for snap in (event.before or {}, event.after or {}):
            for key, value in snap.items():
                if _is_person_field(key) and isinstance(value, int):
                    wanted["users"].add(value)
    models = _models_by_table()
    found: dict[tuple[str, int], Any] = {}
    for table, ids in wanted.items():
        model = models.get(table)
        if model is None:
            continue
        for record in db.session.scalars(select(model).where(model.id.in_(ids))):
            found[(table, record.id)] = record
    return found


def _is_person_field(key: str) -> bool:
    return key in {"tech_id", "assignee_id", "actor_id"} or key.endswith("_by_id")


def _day(value: Any, fmt: str = "%d %b") -> str:
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    return value.strftime(fmt) if isinstance(value, date) else str(value)


def _moment(value: Any) -> str:
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        if moment.tzinfo is not None:
            return wall_label(moment, "%a %d %b %H:%M")
    return str(value)


def _snap(event: AuditEvent) -> dict[str, Any]:
    return {**(event.before or {}), **(event.after or {})}


def _whose(user: User | None, actor: User | None) -> str:
    if user is None:
        return "a"
    return "their" if actor is not None and actor.id == user.id else f"{user.name}'s"


def _subject(event: AuditEvent, records: dict[tuple[str, int], Any]) -> str:
    """The record an event is about, in words."""
    record = records.get((event.entity_type, event.entity_id))  # type: ignore[arg-type]
    snap = _snap(event)
    actor = event.actor
    kind = event.entity_type
    if kind == "time_cards":
        tech = record.tech if record else records.get(("users", snap.get("tech_id")))
        week = record.week_start if record else snap.get("week_start")
        words = f"{_whose(tech, actor)} time card"
        return f"{words} for the week of {_day(week)}" if week else words
    if kind == "time_entries":
        tech = records.get(("users", snap.get("tech_id")))
        started = (event.before or event.after or {}).get("started_at")
        words = f"{_whose(tech, actor)} time entry"
        return f"{words} of {_moment(started)}" if started else words
    if kind == "time_off_requests":
        tech = record.tech if record else None
        start = record.start_date if record else snap.get("start_date")
        words = f"{_whose(tech, actor)} time off"
        return f"{words} from {_day(start, '%a %d %b')}" if start else words
    if kind == "schedule_items":
        title = record.title if record else snap.get("title")
        return f"the schedule item “{title}”" if title else "a schedule item"
    if kind == "service_requests" and record is not None:
        return f"{record.number} {record.title}"
    if kind == "proposed_invoices" and record is not None:
        return f"the invoice for {record.client.name} (week of {_day(record.week_start)})"
    if kind == "invoice_lines" and record is not None:
        return f"the line “{record.description}” on {record.invoice.client.name}'s invoice"
    if kind == "clients":
        name = record.name if record else snap.get("name")
        return f"the client {name}" if name else "a client"
    if kind == "users":
        name = record.name if record else snap.get("name")
        if name:
            return f"the account of {name}"
        return f"the account {snap['email']}" if snap.get("email") else "an account"
    if kind == "shop_settings":
        return "the shop settings"
    if kind == "shop":
        return "the shop's data"
    if kind == "sr_notes":
        sr = records.get(("service_requests", snap.get("sr_id")))  # type: ignore[arg-type]
        return f"a note on {sr.number if sr else 'an SR'}"
    if kind == "client_contacts":
        name = record.name if record else snap.get("name")
        return f"the contact {name}" if name else "a contact"
    if kind == "client_addresses":
        return f"the address {snap.get('address')}"
    if kind == "duties":
        title = record.title if record else snap.get("title")
        return f"the duty “{title}”" if title else "the standard duties"
    if kind == "duty_list_reviews":
        return "the duty lists"
    if kind in ("checklist_items", "checklist_proposals"):
        title = record.title if record else snap.get("title")
        return f"the {record_type_label(kind).lower()} “{title}”"
    return f"{record_type_label(kind).lower()} #{event.entity_id}"


def _suffix(event: AuditEvent) -> str:
    after = event.after or {}
    if event.action == "timecard.resubmitted" and after.get("after"):
        return f" after {after['after']}"
    card_status = _snap(event).get("card_status")
    if event.entity_type == "time_entries" and card_status:
        return f", after the card was {card_status}"
    return ""


def sentence(event: AuditEvent, records: dict[tuple[str, int], Any]) -> str:
    who = event.actor.name if event.actor else "The system"
    verb = VERBS.get(event.action.rsplit(".", 1)[-1], event.action.rsplit(".", 1)[-1])
    return f"{who} {verb} {_subject(event, records)}{_suffix(event)}"


def _shown(key: str, value: Any, records: dict[tuple[str, int], Any]) -> str:
    if value is None or value == "":
        return NOTHING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if _is_person_field(key) and isinstance(value, int):
        user = records.get(("users", value))
        return user.name if user else f"user #{value}"
    if key.endswith("minutes") and isinstance(value, int):
        return f"{value / 60:.2f} h"
    if key.endswith("_at"):
        return _moment(value)
    if key.endswith("_cents") and isinstance(value, int):
        return money.shown(value, current_settings().currency)
    if key == "workdays" and isinstance(value, int):
        return describe_days(value)
    if key in CLOCK_FIELDS and isinstance(value, str):
        return value[:5]  # "08:00:00" as the forms show it, "08:00"
    return str(value)


def changes(event: AuditEvent, records: dict[tuple[str, int], Any]) -> list[Change]:
    """The fields an event changed, before and after; for a record made or deleted, what
    it held."""
    before, after = event.before or {}, event.after or {}
    found = []
    for key in [*before, *(k for k in after if k not in before)]:
        if key in HIDDEN_FIELDS or before.get(key) == after.get(key):
            continue
        label = FIELD_LABELS.get(key, key.replace("_", " ").capitalize())
        found.append(
            Change(
                label,
                _shown(key, before.get(key), records) if key in before else NOTHING,
                _shown(key, after.get(key), records) if key in after else NOTHING,
            )
        )
    return found


def explain(events: list[AuditEvent]) -> list[AuditLine]:
    records = _load(events)
    return [
        AuditLine(
            event,
            event.actor.name if event.actor else "The system",
            sentence(event, records),
            changes(event, records),
        )
        for event in events
    ]
