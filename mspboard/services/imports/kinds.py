"""What each row of a sheet would do, one planner per kind, and doing it.

A planner loads everything it matches against once (clients, contacts, users, SRs by
reference) into dicts, so planning a row runs no query. `plan` turns a row into an Outcome:
create, update, unchanged, skipped (an SR closed in the old tool) or refused, with the reason
in words. `apply` carries out a create or an update; the caller flushes in batches.

Matching (contract.md): clients by reference, else by exact name ignoring case; contacts by
(client, email), or (client, name) when the row has no email; users by email; SRs by the old
tool's ticket number, kept in `ServiceRequest.external_ref`. The second row with the same
key in one sheet is refused, naming the first ("same email as row 4").
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select, union

from mspboard.inputs import EARLIEST_DAY, LATEST_DAY, decimal_in_range, normalized_email
from mspboard.inputs import text as bounded_text
from mspboard.models import (
    Client,
    ClientContact,
    Priority,
    Role,
    ServiceRequest,
    SRActivity,
    SRNote,
    SRStatus,
    TechLevel,
    TimeEntry,
    User,
    db,
    utcnow,
)
from mspboard.models.clients import EXTERNAL_REF_MAX
from mspboard.services import client_contacts, edits, money, set_password_links
from mspboard.services.errors import RuleViolation
from mspboard.services.imports.mapping import SKIP, normal_form
from mspboard.services.imports.sheets import Sheet
from mspboard.services.local_time import at_wall
from mspboard.services.service_requests import DESCRIPTION_MAX, TITLE_MAX, log_change
from mspboard.services.shop_settings import shop_zone

CREATE = "create"
UPDATE = "update"
UNCHANGED = "unchanged"
SKIPPED = "skipped"
REFUSED = "refused"
ACTIONS = (REFUSED, CREATE, UPDATE, UNCHANGED, SKIPPED)

CLIENT_NAME_MAX = Client.__table__.c.name.type.length
USER_NAME_MAX = User.__table__.c.name.type.length
EMAIL_MAX = User.__table__.c.email.type.length
RATE_MAX = Decimal(100_000)
QUOTED_MAX = 60
DATE_TEXT_MAX = 40
DATE_FORMATS = (
    "2026-12-03T14:05:00+00:00 (ISO 8601), 2026-12-03 14:05 or 12/03/2026 14:05 "
    "(month first); times without an offset are on the shop's clock"
)
US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
YES = {"yes", "y", "true", "1", "active", "x"}
NO = {"no", "n", "false", "0", "inactive", "deactivated"}
ROLE_WORDS = {
    "technician": Role.TECHNICIAN,
    "tech": Role.TECHNICIAN,
    "": Role.TECHNICIAN,
    "servicemanager": Role.SERVICE_MANAGER,
    "manager": Role.SERVICE_MANAGER,
    "admin": Role.ADMIN,
    "administrator": Role.ADMIN,
}
LEVEL_WORDS = {
    "techi": TechLevel.TECH_I,
    "tech1": TechLevel.TECH_I,
    "i": TechLevel.TECH_I,
    "1": TechLevel.TECH_I,
    "techii": TechLevel.TECH_II,
    "tech2": TechLevel.TECH_II,
    "ii": TechLevel.TECH_II,
    "2": TechLevel.TECH_II,
    "senior": TechLevel.SENIOR,
    "techiii": TechLevel.SENIOR,
    "tech3": TechLevel.SENIOR,
    "3": TechLevel.SENIOR,
}
DIRECT_PRIORITY = re.compile(r"^p?([1-4])$", re.IGNORECASE)


class Refused(Exception):
    """A row that cannot be imported, and why, in words for the admin."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# The note on the history lines an import writes when it changes an SR it imported before.
IMPORTED_NOTE = "From a later import of the old tool's sheet."


@dataclass
class Outcome:
    row: int
    action: str
    reason: str = ""
    # What identifies the row to a person (a name, an email, a ticket number), and more.
    key: str = ""
    detail: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    record: Any = None


def quoted(value: str) -> str:
    shown = value if len(value) <= QUOTED_MAX else value[: QUOTED_MAX - 1] + "…"
    return f"“{shown}”"


# ---- values ------------------------------------------------------------------------------


def bounded(raw: str, label: str, max_length: int, multi_line: bool = False) -> str:
    """Trimmed text without control characters, at most max_length long."""
    try:
        return bounded_text(raw, label, max_length, multi_line=multi_line)
    except RuleViolation as violation:
        if len(raw.strip()) > max_length:
            raise Refused(f"The {label} is longer than {max_length:,} characters.") from None
        raise Refused(
            f"The {label} holds invisible control characters: {violation.message}"
        ) from None


def valid_email(raw: str, label: str = "email") -> str:
    value = bounded(raw, label, EMAIL_MAX)
    if not value:
        return ""
    normalized = normalized_email(value)
    if normalized is None:
        raise Refused(f"{quoted(value)} is not a valid email address.")
    return normalized


def yes_or_no(raw: str, label: str) -> bool | None:
    value = raw.strip().casefold()
    if not value:
        return None
    if value in YES:
        return True
    if value in NO:
        return False
    raise Refused(f"{label.capitalize()} {quoted(raw.strip())} is neither yes nor no.")


def moment(raw: str, label: str, zone, *, not_after: datetime | None = None) -> datetime | None:
    """A date and time from the sheet, as an aware UTC datetime; None when blank."""
    value = raw.strip()
    if not value:
        return None
    if len(value) > DATE_TEXT_MAX:
        raise Refused(f"{label.capitalize()} {quoted(value)} is not a date: use {DATE_FORMATS}.")
    try:
        match = US_DATE.match(value)
        if match:
            month, day, year, hour, minute, second = (int(part or 0) for part in match.groups())
            parsed = datetime(year, month, day, hour, minute, second)
        else:
            parsed = datetime.fromisoformat(value)
    except ValueError:
        raise Refused(
            f"{label.capitalize()} {quoted(value)} is not a date: use {DATE_FORMATS}."
        ) from None
    if not EARLIEST_DAY <= parsed.date() <= LATEST_DAY:
        raise Refused(
            f"{label.capitalize()} {quoted(value)} is outside "
            f"{EARLIEST_DAY.year} to {LATEST_DAY.year}."
        )
    if parsed.tzinfo is None:
        instant = at_wall(parsed.date(), parsed.time(), zone)
    else:
        instant = parsed.astimezone(UTC)
    if not_after is not None and instant > not_after:
        raise Refused(f"{label.capitalize()} {quoted(value)} is in the future.")
    return instant


class Columns:
    """A row's cells by field key; a field without a column reads as blank."""

    def __init__(self, sheet: Sheet, columns: dict[str, str | None]) -> None:
        self.index = {
            key: sheet.column(header) for key, header in columns.items() if header is not None
        }
        self.index = {key: i for key, i in self.index.items() if i is not None}

    def has(self, key: str) -> bool:
        return key in self.index

    def get(self, cells: list[str], key: str) -> str:
        index = self.index.get(key)
        return "" if index is None else cells[index]


# ---- the planners ------------------------------------------------------------------------


class Planner(ABC):
    """One kind's rules. Subclasses load their lookups in __init__ and define plan/apply."""

    kind = ""

    def __init__(
        self, actor: User, sheet: Sheet, columns: dict[str, str | None], value_maps: dict
    ) -> None:
        self.actor = actor
        self.columns = Columns(sheet, columns)
        self.value_maps = value_maps
        self.seen: dict[tuple[str, ...], int] = {}
        self.created: list[Any] = []

    def first_row(self, number: int, what: str, *key: str) -> None:
        """Refuse the row when an earlier row of the sheet had the same key."""
        earlier = self.seen.get(key)
        if earlier is not None:
            raise Refused(f"Same {what} as row {earlier}.")

    def remember(self, number: int, *key: str) -> None:
        self.seen.setdefault(key, number)

    @abstractmethod
    def plan(self, number: int, cells: list[str]) -> Outcome:
        """What the sheet's row `number` would do; Refused when it cannot be imported."""

    @abstractmethod
    def apply(self, outcome: Outcome) -> None:
        """Carry out a create or an update the plan decided."""

    def finish(self) -> None:  # noqa: B027 (a hook: most kinds have nothing to do after)
        """After every row is applied and flushed."""


class ClientLookup:
    def __init__(self) -> None:
        clients = list(db.session.scalars(select(Client)))
        self.by_ref = {c.external_ref.casefold(): c for c in clients if c.external_ref}
        self.by_name = {c.name.casefold(): c for c in clients}

    def find(self, value: str) -> Client | None:
        key = value.strip().casefold()
        return self.by_ref.get(key) or self.by_name.get(key)

    def named(self, raw: str) -> Client:
        value = bounded(raw, "client", CLIENT_NAME_MAX)
        if not value:
            raise Refused("The client is empty.")
        client = self.find(value)
        if client is None:
            raise Refused(
                f"No client has the reference or name {quoted(value)}; import the clients first."
            )
        return client


class ClientsPlanner(Planner):
    kind = "clients"

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.lookup = ClientLookup()

    def plan(self, number: int, cells: list[str]) -> Outcome:
        get = self.columns.get
        name = bounded(get(cells, "name"), "name", CLIENT_NAME_MAX)
        ref = bounded(get(cells, "reference"), "reference", EXTERNAL_REF_MAX) or None
        if not name:
            raise Refused("The name is empty.")
        if ref:
            self.first_row(number, "reference", "ref", ref.casefold())
        self.first_row(number, "name", "name", name.casefold())
        if ref:
            self.remember(number, "ref", ref.casefold())
        self.remember(number, "name", name.casefold())
        wanted: dict[str, Any] = {"name": name}
        if ref:
            wanted["external_ref"] = ref
        if self.columns.has("hourly_rate"):
            wanted["billing_rate_cents"] = self._rate(get(cells, "hourly_rate"))
        active = yes_or_no(get(cells, "active"), "active")
        if active is not None:
            wanted["active"] = active
        existing = self.lookup.by_ref.get(ref.casefold()) if ref else None
        if existing is None:
            existing = self.lookup.by_name.get(name.casefold())
            if existing is not None and existing.external_ref and ref:
                raise Refused(
                    f"{existing.name} already has the reference {quoted(existing.external_ref)} "
                    f"here; this row says {quoted(ref)}."
                )
        other = self.lookup.by_name.get(name.casefold())
        if other is not None and other is not existing:
            raise Refused(f"Another client is already called {other.name}.")
        outcome = Outcome(number, CREATE, key=name, detail=ref or "", values=wanted)
        return _compared(outcome, existing)

    @staticmethod
    def _rate(raw: str) -> int | None:
        value = raw.strip()
        if not value:
            return None
        amount = decimal_in_range(value.lstrip("$€£").replace(",", ""), Decimal(0), RATE_MAX)
        if amount is None or amount != amount.quantize(Decimal("0.01")):
            raise Refused(f"Hourly rate {quoted(value)} is not an amount such as 125.00.")
        return money.to_cents(amount)

    def apply(self, outcome: Outcome) -> None:
        if outcome.action == UPDATE:
            edits.write_changes(self.actor, outcome.record, outcome.values, "client.imported")
            return
        client = Client(created_at=utcnow(), **{"active": True, **outcome.values})
        db.session.add(client)
        self.created.append(client)


class ContactsPlanner(Planner):
    kind = "contacts"

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.clients = ClientLookup()
        contacts = list(db.session.scalars(select(ClientContact)))
        self.by_email = {(c.client_id, c.email.casefold()): c for c in contacts if c.email}
        self.by_name: dict[tuple[int, str], ClientContact] = {}
        for contact in contacts:
            self.by_name.setdefault((contact.client_id, contact.name.casefold()), contact)

    def plan(self, number: int, cells: list[str]) -> Outcome:
        get = self.columns.get
        client = self.clients.named(get(cells, "client"))
        try:
            values = client_contacts.checked(
                client_contacts.ContactFields(
                    name=get(cells, "name"),
                    role=get(cells, "role"),
                    phone=get(cells, "phone"),
                    email=get(cells, "email"),
                )
            )
        except RuleViolation as violation:
            raise Refused(f"{(violation.field or '').capitalize()}: {violation.message}") from None
        if values.email:
            key = ("email", str(client.id), values.email.casefold())
            self.first_row(number, "email at this client", *key)
            existing = self.by_email.get((client.id, values.email.casefold()))
        else:
            key = ("name", str(client.id), values.name.casefold())
            self.first_row(number, "name at this client (and no email)", *key)
            existing = self.by_name.get((client.id, values.name.casefold()))
            if existing is not None and existing.email:
                existing = None
        self.remember(number, *key)
        wanted: dict[str, Any] = {"name": values.name, "email": values.email}
        for optional in ("role", "phone"):
            if self.columns.has(optional):
                wanted[optional] = getattr(values, optional)
        outcome = Outcome(
            number,
            CREATE,
            key=values.name,
            detail=" · ".join(part for part in (client.name, values.email) if part),
            values={"client_id": client.id, **wanted},
        )
        return _compared(outcome, existing)

    def apply(self, outcome: Outcome) -> None:
        if outcome.action == UPDATE:
            edits.write_changes(
                self.actor,
                outcome.record,
                outcome.values,
                "client_contact.imported",
                {"client_id": outcome.record.client_id},
            )
            return
        contact = ClientContact(created_at=utcnow(), **outcome.values)
        db.session.add(contact)
        self.created.append(contact)


class UsersPlanner(Planner):
    kind = "users"

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.by_email = {u.email: u for u in db.session.scalars(select(User))}
        self.links: list[tuple[User, str]] = []

    def plan(self, number: int, cells: list[str]) -> Outcome:
        get = self.columns.get
        email = valid_email(get(cells, "email")).lower()
        if not email:
            raise Refused("The email is empty: each person signs in with theirs.")
        name = bounded(get(cells, "name"), "name", USER_NAME_MAX)
        if not name:
            raise Refused("The name is empty.")
        self.first_row(number, "email", email)
        self.remember(number, email)
        wanted: dict[str, Any] = {"name": name}
        raw_role = get(cells, "role").strip()
        role = ROLE_WORDS.get(normal_form(raw_role))
        if role is None:
            raise Refused(
                f"Role {quoted(raw_role)} is none of technician, service manager or admin."
            )
        if self.columns.has("role") and raw_role:
            wanted["role"] = role.value
        raw_level = get(cells, "tech_level").strip()
        level = LEVEL_WORDS.get(normal_form(raw_level)) if raw_level else None
        if raw_level and level is None:
            raise Refused(f"Tech level {quoted(raw_level)} is none of Tech I, Tech II or Senior.")
        if self.columns.has("tech_level"):
            wanted["tech_level"] = level.value if level else None
        existing = self.by_email.get(email)
        if existing is not None and "role" in wanted and wanted["role"] != existing.role:
            if existing.id == self.actor.id:
                raise Refused("This is you: change your own role on your user page.")
            if existing.role == Role.ADMIN:
                raise Refused(f"{existing.name} is an admin: change an admin's role on their page.")
        outcome = Outcome(number, CREATE, key=email, detail=name, values={"email": email, **wanted})
        return _compared(outcome, existing)

    def apply(self, outcome: Outcome) -> None:
        if outcome.action == UPDATE:
            edits.write_changes(self.actor, outcome.record, outcome.values, "user.imported")
            return
        user = User(
            password_hash=set_password_links.NO_PASSWORD,
            created_at=utcnow(),
            **{"role": Role.TECHNICIAN.value, **outcome.values},
        )
        db.session.add(user)
        self.created.append(user)

    def finish(self) -> None:
        """Each new person gets their one-time link to set a password."""
        for user in self.created:
            self.links.append((user, set_password_links.issue(user, by=self.actor)))


class ServiceRequestsPlanner(Planner):
    kind = "service_requests"

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.clients = ClientLookup()
        users = list(db.session.scalars(select(User)))
        self.users_by_email = {u.email: u for u in users}
        self.users_by_name: dict[str, list[User]] = {}
        for user in users:
            if user.active:
                self.users_by_name.setdefault(user.name.strip(), []).append(user)
        self.by_ref = {
            sr.external_ref.casefold(): sr
            for sr in db.session.scalars(
                select(ServiceRequest).where(ServiceRequest.external_ref.is_not(None))
            )
        }
        self.worked_here = _worked_here_since_import()
        self.zone = shop_zone()
        self.now = utcnow()
        self.status_map = value_maps_of(self.value_maps, "status")
        self.priority_map = value_maps_of(self.value_maps, "priority")

    def plan(self, number: int, cells: list[str]) -> Outcome:
        get = self.columns.get
        ref = bounded(get(cells, "reference"), "ticket number", EXTERNAL_REF_MAX)
        if not ref:
            raise Refused("The ticket number is empty.")
        self.first_row(number, "ticket number", ref.casefold())
        self.remember(number, ref.casefold())
        client = self.clients.named(get(cells, "client"))
        title = bounded(get(cells, "title"), "title", TITLE_MAX)
        if not title:
            raise Refused("The title is empty.")
        key, detail = ref, f"{client.name} · {title}"
        status = self._status(get(cells, "status"))
        existing = self.by_ref.get(ref.casefold())
        if status == SKIP:
            said = get(cells, "status").strip()
            where = f"; {existing.number} is left as it is" if existing else ""
            reason = f"Closed in the old tool (status {quoted(said)}){where}."
            return Outcome(number, SKIPPED, reason, key=key, detail=detail)
        if not client.active:
            raise Refused(f"{client.name} is deactivated; reactivate the client first.")
        wanted: dict[str, Any] = {"client_id": client.id, "title": title}
        if self.columns.has("description"):
            wanted["description"] = bounded(
                get(cells, "description"), "description", DESCRIPTION_MAX, multi_line=True
            )
        if self.columns.has("priority"):
            wanted["priority"] = self._priority(get(cells, "priority"))
        if self.columns.has("status"):
            wanted["status"] = status
        if self.columns.has("assignee"):
            wanted["assignee_id"] = self._assignee(get(cells, "assignee"))
        if self.columns.has("due_at"):
            wanted["due_at"] = moment(get(cells, "due_at"), "due", self.zone)
        created_at = moment(get(cells, "created_at"), "created", self.zone, not_after=self.now)
        if existing is not None:
            compared = _compared(
                Outcome(number, CREATE, key=key, detail=detail, values=wanted), existing
            )
            if compared.action == UPDATE and existing.status == SRStatus.DONE:
                compared.reason = f"{existing.number} was closed here since; left as it is."
            elif compared.action == UPDATE and existing.id in self.worked_here:
                compared.reason = (
                    f"{existing.number} has been worked here since it was imported; left as it is."
                )
            else:
                return compared
            compared.action, compared.values = UNCHANGED, {}
            return compared
        wanted["external_ref"] = ref
        wanted["created_at"] = created_at or self.now
        return Outcome(number, CREATE, key=key, detail=detail, values=wanted)

    def _status(self, raw: str) -> str:
        value = raw.strip()
        target = self.status_map.get(value)
        if target:
            return target
        if not value:
            return SRStatus.NEW.value
        raise Refused(f"Status {quoted(value)} maps to nothing; pick it in the status table.")

    def _priority(self, raw: str) -> int:
        value = raw.strip()
        target = self.priority_map.get(value)
        if target:
            return int(target)
        direct = DIRECT_PRIORITY.match(value)
        if direct:
            return int(direct.group(1))
        if not value:
            return Priority.P3.value
        raise Refused(f"Priority {quoted(value)} maps to nothing; pick it in the priority table.")

    def _assignee(self, raw: str) -> int | None:
        value = raw.strip()
        if not value:
            return None
        user = self.users_by_email.get(value.casefold()) if "@" in value else None
        if user is None:
            named = self.users_by_name.get(value, [])
            if len(named) > 1:
                raise Refused(f"Two people are called {quoted(value)}; assign by email.")
            user = named[0] if named else None
        if user is None:
            raise Refused(f"No active user has the email or name {quoted(value)}.")
        if not user.active:
            raise Refused(f"{user.name} is deactivated; assign someone active.")
        return user.id

    def apply(self, outcome: Outcome) -> None:
        if outcome.action == UPDATE:
            sr = outcome.record
            changed = edits.write_changes(self.actor, sr, outcome.values, "sr.imported")
            for name, (before, after) in changed.items():
                log_change(sr, self.actor, name, before, after, note=IMPORTED_NOTE)
            sr.updated_at = utcnow()
            return
        values = {
            "description": "",
            "priority": Priority.P3.value,
            "status": SRStatus.NEW.value,
            **outcome.values,
        }
        sr = ServiceRequest(created_by_id=self.actor.id, updated_at=values["created_at"], **values)
        sr.activities.append(
            SRActivity(
                actor_id=self.actor.id,
                at=values["created_at"],
                kind="created",
                note=f"Imported as {outcome.key} from the old tool.",
            )
        )
        db.session.add(sr)
        self.created.append(sr)


def _worked_here_since_import() -> set[int]:
    """Imported SRs someone has worked in mspboard: a change not made by an import, a note,
    or time logged. A later import of the same sheet leaves them as they are, so a sheet
    from the old tool never undoes what the team has done here since."""
    imported = select(ServiceRequest.id).where(ServiceRequest.external_ref.is_not(None))
    changed = select(SRActivity.sr_id).where(
        SRActivity.sr_id.in_(imported),
        SRActivity.kind != "created",
        SRActivity.note != IMPORTED_NOTE,
    )
    noted = select(SRNote.sr_id).where(SRNote.sr_id.in_(imported))
    logged = select(TimeEntry.sr_id).where(TimeEntry.sr_id.in_(imported))
    return set(db.session.scalars(union(changed, noted, logged)))


def value_maps_of(value_maps: dict, name: str) -> dict[str, str]:
    table = value_maps.get(name) if isinstance(value_maps, dict) else None
    return {str(k).strip(): str(v) for k, v in (table or {}).items() if v}


def _compared(outcome: Outcome, existing: Any) -> Outcome:
    """A create when nothing matched; else an update of what differs, or unchanged."""
    if existing is None:
        return outcome
    changed = edits.changed_values(existing, outcome.values)
    outcome.record = existing
    if not changed:
        outcome.action, outcome.reason, outcome.values = UNCHANGED, "Already here as it is.", {}
        return outcome
    outcome.action = UPDATE
    outcome.values = {name: after for name, (_, after) in changed.items()}
    outcome.reason = "Changes " + edits.in_words([edits.label_of(n) for n in changed]) + "."
    return outcome


PLANNERS: dict[str, type[Planner]] = {
    planner.kind: planner
    for planner in (ClientsPlanner, ContactsPlanner, UsersPlanner, ServiceRequestsPlanner)
}
