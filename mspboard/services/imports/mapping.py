"""Which column of a sheet holds which of mspboard's fields, and how an SR sheet's statuses
and priorities read in mspboard.

The guess compares headers with each field's synonyms, ignoring case, spaces and
punctuation ("Client Name", "client_name" and "CLIENTNAME" are one); mspboard's own export
headers are among them, so its files import back with no re-mapping. A column serves one
field at most. A required field left without a column refuses the mapping before any row is
looked at.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select

from mspboard.inputs import text
from mspboard.models import ImportMapping, Priority, SRStatus, User, db, utcnow
from mspboard.models.shop_data import IMPORT_KINDS
from mspboard.services import edits
from mspboard.services.audit import record_event
from mspboard.services.errors import RuleViolation
from mspboard.services.imports.sheets import Sheet


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    required: bool = False
    # Headers that mean this field, in order of preference, written as `normal_form` makes them.
    synonyms: tuple[str, ...] = ()
    hint: str = ""


KIND_LABELS = {
    "clients": "Clients",
    "contacts": "Client contacts",
    "users": "Users (invited, each gets a set-password link)",
    "service_requests": "Open service requests",
}

CLIENT_WORDS = (
    "client",
    "clientname",
    "company",
    "companyname",
    "customer",
    "customername",
    "clientid",
    "clientreference",
    "clientref",
    "customerid",
)

FIELDS: dict[str, tuple[Field, ...]] = {
    "clients": (
        Field(
            "reference",
            "Reference in the old tool",
            synonyms=(
                "reference",
                "clientid",
                "clientnumber",
                "customerid",
                "customernumber",
                "accountnumber",
                "externalref",
                "ref",
                "code",
            ),
            hint="Matches the client again on the next import.",
        ),
        Field(
            "name",
            "Name",
            required=True,
            synonyms=("name", *CLIENT_WORDS, "account", "accountname", "organization"),
        ),
        Field(
            "hourly_rate",
            "Hourly rate",
            synonyms=("hourlyrate", "rate", "billingrate"),
            hint="A plain number such as 125.00; blank means the shop's default rate.",
        ),
        Field("active", "Active", synonyms=("active", "enabled"), hint="yes or no"),
    ),
    "contacts": (
        Field(
            "client",
            "Client (reference or name)",
            required=True,
            synonyms=(*CLIENT_WORDS, "account", "organization", "clientreference"),
        ),
        Field(
            "name",
            "Name",
            required=True,
            synonyms=("name", "contactname", "fullname", "contact", "person"),
        ),
        Field("role", "Role", synonyms=("role", "jobtitle", "title", "position")),
        Field(
            "phone",
            "Phone",
            synonyms=("phone", "phonenumber", "telephone", "tel", "mobile", "cell"),
        ),
        Field("email", "Email", synonyms=("email", "emailaddress", "mail")),
    ),
    "users": (
        Field(
            "name",
            "Name",
            required=True,
            synonyms=("name", "fullname", "technician", "tech", "username", "displayname"),
        ),
        Field("email", "Email", required=True, synonyms=("email", "emailaddress", "mail")),
        Field(
            "role",
            "Role",
            synonyms=("role", "position", "jobtitle"),
            hint="technician, service manager or admin; blank means technician.",
        ),
        Field(
            "tech_level",
            "Tech level",
            synonyms=("techlevel", "level"),
            hint="Tech I, Tech II or Senior.",
        ),
    ),
    "service_requests": (
        Field(
            "reference",
            "Ticket number in the old tool",
            required=True,
            synonyms=(
                "ticketnumber",
                "ticket",
                "ticketno",
                "ticketid",
                "number",
                "srnumber",
                "reference",
                "ref",
                "externalref",
                "id",
            ),
            hint="Kept on the SR; matches it again on the next import.",
        ),
        Field(
            "client",
            "Client (reference or name)",
            required=True,
            synonyms=(*CLIENT_WORDS, "account", "organization"),
        ),
        Field(
            "title",
            "Title",
            required=True,
            synonyms=("title", "subject", "summary", "shortdescription", "issue"),
        ),
        Field(
            "description",
            "Description",
            synonyms=("description", "details", "body", "notes", "problem", "summary"),
        ),
        Field("priority", "Priority", synonyms=("priority", "urgency", "severity")),
        Field("status", "Status", synonyms=("status", "state")),
        Field(
            "assignee",
            "Assigned to (email or name)",
            synonyms=(
                "assignedto",
                "assignee",
                "assigneeemail",
                "assigned",
                "technician",
                "tech",
                "owner",
                "resource",
            ),
        ),
        Field(
            "created_at",
            "Created",
            synonyms=(
                "createdat",
                "created",
                "createddate",
                "datecreated",
                "opened",
                "dateopened",
                "opendate",
                "entered",
            ),
        ),
        Field("due_at", "Due", synonyms=("dueat", "due", "duedate", "deadline")),
    ),
}

SKIP = "skip"
STATUS_TARGETS = [
    (SRStatus.NEW.value, "New"),
    (SRStatus.SCHEDULED.value, "Scheduled"),
    (SRStatus.IN_PROGRESS.value, "In progress"),
    (SRStatus.WAITING.value, "Waiting"),
    (SKIP, "Skip (closed in the old tool)"),
]
PRIORITY_TARGETS = [(str(p.value), p.label) for p in Priority]

_STATUS_WORDS = {
    SRStatus.NEW.value: ("new", "open", "opened", "unassigned", "received", "submitted"),
    SRStatus.SCHEDULED.value: ("scheduled", "assigned", "planned", "dispatched"),
    SRStatus.IN_PROGRESS.value: ("inprogress", "working", "active", "started", "workinprogress"),
    SRStatus.WAITING.value: (
        "waiting",
        "onhold",
        "hold",
        "pending",
        "waitingonclient",
        "waitingoncustomer",
        "waitingforcustomer",
        "waitingforclient",
        "waitingonparts",
        "waitingonthirdparty",
    ),
    SKIP: ("done", "closed", "resolved", "completed", "complete", "cancelled", "canceled", "void"),
}
_PRIORITY_WORDS = {
    "1": ("critical", "urgent", "emergency", "highest", "p1", "1"),
    "2": ("high", "p2", "2"),
    "3": ("normal", "medium", "moderate", "standard", "p3", "3", ""),
    "4": ("low", "lowest", "minor", "p4", "4"),
}
MAPPING_NAME_MAX = 80
TABLE_TARGETS = {"status": STATUS_TARGETS, "priority": PRIORITY_TARGETS}
VALUE_TABLE_MAX = 200


def normal_form(text: str) -> str:
    """A header or a word as the synonyms are written: lower case letters and digits only."""
    return re.sub(r"[^0-9a-z]", "", text.casefold())


def fields_of(kind: str) -> tuple[Field, ...]:
    return FIELDS[kind]


def guess(kind: str, headers: list[str]) -> dict[str, str | None]:
    """The likely column of each field (None where no header looks like it)."""
    by_normal: dict[str, str] = {}
    for header in headers:
        by_normal.setdefault(normal_form(header), header)
    taken: set[str] = set()
    columns: dict[str, str | None] = {}
    for spec in FIELDS[kind]:
        columns[spec.key] = None
        for synonym in spec.synonyms:
            header = by_normal.get(synonym)
            if header is not None and header not in taken:
                columns[spec.key] = header
                taken.add(header)
                break
    return columns


def checked_columns(kind: str, columns: dict[str, str | None], headers: list[str]) -> None:
    """Refuse a mapping with a required field left without a column, a column the sheet
    lacks, or one column for two fields (the first field named carries the message)."""
    seen: dict[str, str] = {}
    for spec in FIELDS[kind]:
        header = columns.get(spec.key)
        if not header:
            if spec.required:
                raise RuleViolation(
                    f"Pick the column that holds the {spec.label.lower()}.", spec.key
                )
            continue
        if header not in headers:
            raise RuleViolation(f"This sheet has no column “{header}”.", spec.key)
        if header in seen:
            raise RuleViolation(
                f"“{header}” is already the {seen[header].lower()}; pick another column.",
                spec.key,
            )
        seen[header] = spec.label


def guess_status(value: str) -> str:
    normal = normal_form(value)
    for target, words in _STATUS_WORDS.items():
        if normal in words:
            return target
    return SRStatus.NEW.value if not normal else ""


def guess_priority(value: str) -> str:
    normal = normal_form(value)
    for target, words in _PRIORITY_WORDS.items():
        if normal in words:
            return target
    return ""


def value_tables(
    distinct_status: list[str], distinct_priority: list[str], saved: dict | None = None
) -> dict[str, dict[str, str]]:
    """The status and priority tables for an SR sheet: every distinct value with its guessed
    (or saved) target; "" where nothing fits, which refuses the rows with that value."""
    saved = saved or {}
    status_saved = saved.get("status") or {}
    priority_saved = saved.get("priority") or {}
    return {
        "status": {
            value: status_saved.get(value, guess_status(value))
            for value in distinct_status[:VALUE_TABLE_MAX]
        },
        "priority": {
            value: priority_saved.get(value, guess_priority(value))
            for value in distinct_priority[:VALUE_TABLE_MAX]
        },
    }


def checked_value_maps(value_maps: dict) -> dict[str, dict[str, str]]:
    """The tables with only targets that exist (anything else maps to nothing)."""
    tables = value_maps if isinstance(value_maps, dict) else {}
    checked: dict[str, dict[str, str]] = {}
    for name, targets in TABLE_TARGETS.items():
        allowed = {target for target, _ in targets}
        table = tables.get(name)
        checked[name] = {
            str(k): v
            for k, v in (table if isinstance(table, dict) else {}).items()
            if isinstance(v, str) and v in allowed
        }
    return checked


# ---- saved mappings ------------------------------------------------------------------------


def saved_mappings(kind: str | None = None) -> list[ImportMapping]:
    query = select(ImportMapping).order_by(ImportMapping.kind, ImportMapping.name)
    if kind:
        query = query.where(ImportMapping.kind == kind)
    return list(db.session.scalars(query))


def loaded(mapping: ImportMapping) -> tuple[dict[str, str | None], dict[str, dict[str, str]]]:
    """A saved mapping's columns and value tables (anything unreadable reads as empty)."""
    try:
        columns = json.loads(mapping.columns or "{}")
    except ValueError:
        columns = {}
    try:
        value_maps = json.loads(mapping.value_maps or "{}")
    except ValueError:
        value_maps = {}
    keys = {spec.key for spec in FIELDS[mapping.kind]}
    columns = {k: v for k, v in (columns if isinstance(columns, dict) else {}).items() if k in keys}
    return columns, checked_value_maps(value_maps)


def lacking(columns: dict[str, str | None], headers: list[str]) -> list[str]:
    """The headers a saved mapping names that this sheet does not have."""
    return [h for h in columns.values() if isinstance(h, str) and h and h not in headers]


def applied(
    saved: ImportMapping, headers: list[str]
) -> tuple[dict[str, str | None], dict[str, dict[str, str]], list[str]]:
    """A saved mapping applied to a sheet: its columns the sheet has (the others left
    without one), its value tables, and the headers it names that the sheet lacks."""
    columns, value_maps = loaded(saved)
    present = {
        spec.key: columns.get(spec.key) if columns.get(spec.key) in headers else None
        for spec in FIELDS[saved.kind]
    }
    return present, value_maps, lacking(columns, headers)


def save_mapping(
    actor: User,
    kind: str,
    name: str,
    columns: dict[str, str | None],
    value_maps: dict[str, dict[str, str]],
) -> ImportMapping:
    """Save (or change, versioned and audited) the mapping called `name` for this kind."""
    if kind not in IMPORT_KINDS:
        raise RuleViolation("Pick what the file holds.", "kind")
    name = text(name, "mapping_name", MAPPING_NAME_MAX, multi_line=False)
    if not name:
        raise RuleViolation("Give the mapping a name.", "mapping_name")
    wanted = {
        "columns": json.dumps({k: v for k, v in columns.items() if v}, sort_keys=True),
        "value_maps": json.dumps(value_maps if kind == "service_requests" else {}, sort_keys=True),
    }
    existing = db.session.scalar(
        select(ImportMapping).where(ImportMapping.kind == kind, ImportMapping.name == name)
    )
    if existing is not None:
        edits.write_changes(actor, existing, wanted, "import_mapping.updated")
        db.session.flush()
        return existing
    mapping = ImportMapping(
        kind=kind, name=name, created_by_id=actor.id, created_at=utcnow(), **wanted
    )
    db.session.add(mapping)
    db.session.flush()
    record_event(actor, "import_mapping.created", mapping, None, {"kind": kind, "name": name})
    return mapping


# ---- the mapping step's form ------------------------------------------------------------------


def columns_from_form(kind: str, headers: list[str], form: Mapping[str, str]) -> dict:
    """The columns the admin picked: each a header of this sheet or none."""
    columns: dict[str, str | None] = {}
    for spec in FIELDS[kind]:
        header = form.get(f"col-{spec.key}", "")
        if header and header not in headers:
            raise RuleViolation(
                "That column is not in this sheet; pick one from the list.", spec.key
            )
        columns[spec.key] = header or None
    return columns


def tables_from_form(
    sheet: Sheet, columns: dict[str, str | None], form: Mapping[str, str]
) -> tuple[dict[str, dict[str, str]], list[str]]:
    """The status and priority tables as the admin confirmed them, read by position in the
    list of the column's distinct values (no value a browser sends becomes a key). A table
    shown for another column than the one now picked is guessed afresh for the new one and
    named in the second result, so the admin sees it before the dry run."""
    tables: dict[str, dict[str, str]] = {}
    changed: list[str] = []
    for name, targets in TABLE_TARGETS.items():
        allowed = {target for target, _ in targets}
        values = sheet.distinct(columns.get(name))[:VALUE_TABLE_MAX]
        if (columns.get(name) or "") != form.get(f"{name}_for", ""):
            guesser = guess_status if name == "status" else guess_priority
            tables[name] = {value: guesser(value) for value in values}
            if values:
                changed.append(name)
            continue
        table = {}
        for index, value in enumerate(values):
            target = form.get(f"{name}-{index}", "")
            table[value] = target if target in allowed else ""
        tables[name] = table
    return tables, changed
