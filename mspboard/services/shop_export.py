"""Everything a shop keeps, as one zip of CSV files an admin can download and take anywhere.

Each file is declared once, as its columns: the header, what it means, and how it is read
from a row. The CSV files and the README.txt that explains every column of every file are
both written from those declarations, so the two cannot disagree.

Rows are read in batches (`yield_per`) and written straight into the zip, which lives in a
spooled temporary file (in memory while small, on disk past `SPOOL_BYTES`), so a big shop is
never held in memory whole. The export costs the same number of queries for any number of
rows: one per file, and two for the names people and clients are written by.

What is left out on purpose: everything that signs a person in or proves who they are
(password hashes, two-factor secrets, recovery codes, sign-in tokens, set-password links,
calendar-feed and wall-TV link tokens); audit records keep no such values either, and any
key of that kind found in one is dropped.

Conventions, which the import of clients, contacts, users and SRs relies on: UTF-8 with a
byte order mark, comma-separated, CRLF line ends; a cell a spreadsheet would run as a formula
starts with an apostrophe (exports.inert); times ISO 8601 in UTC with their offset; dates
ISO 8601; yes/no for true and false; people by email beside their id, clients by name beside
their id; money as integer cents in columns named *_cents, except clients.csv's hourly_rate
(a plain decimal, as the import reads it).

Functions flush and never commit.
"""

from __future__ import annotations

import io
import json
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import IO, Any

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from mspboard.models import (
    AgendaItem,
    AuditEvent,
    CheckIn,
    CheckInIssue,
    ChecklistRun,
    ChecklistRunItem,
    Client,
    ClientContact,
    InvoiceLine,
    Meeting,
    ProposedInvoice,
    ScheduleItem,
    ServiceRequest,
    SRActivity,
    SRNote,
    TimeCard,
    TimeEntry,
    TimeOffRequest,
    TrainingEvent,
    User,
    db,
    format_sr_number,
    utcnow,
)
from mspboard.models.billing import invoice_line_entries
from mspboard.models.service_requests import Priority
from mspboard.services import money
from mspboard.services.audit import record_about
from mspboard.services.exports import write_csv
from mspboard.services.invoicing import invoice_number, line_amount
from mspboard.services.shop_settings import current_settings
from mspboard.services.worked_time import whole_minutes

# Rows fetched from the database at a time.
BATCH = 500
# The zip stays in memory up to this size, then moves to a temporary file on disk.
SPOOL_BYTES = 32 * 1024 * 1024
README = "README.txt"
ENCODING = "utf-8-sig"  # UTF-8 with a byte order mark, so spreadsheets read it as UTF-8

# Keys an audit record's before/after never carries into the export, should one ever hold it.
SECRET_KEY_PARTS = ("password", "secret", "token", "code_hash", "recovery_code")


@dataclass(frozen=True)
class Names:
    """How the export names people and clients: by email, by name (read once for all files)."""

    emails: dict[int, str]
    clients: dict[int, str]

    @classmethod
    def load(cls) -> Names:
        return cls(
            emails={row.id: row.email for row in db.session.execute(select(User.id, User.email))},
            clients={
                row.id: row.name for row in db.session.execute(select(Client.id, Client.name))
            },
        )

    def email(self, user_id: int | None) -> str:
        return self.emails.get(user_id, "") if user_id is not None else ""

    def client(self, client_id: int | None) -> str:
        return self.clients.get(client_id, "") if client_id is not None else ""


Read = Callable[[Any, Names], object]


@dataclass(frozen=True)
class Column:
    header: str
    meaning: str
    read: Read


@dataclass(frozen=True)
class ExportFile:
    """One CSV file: what it holds, its columns, and the rows it is written from (ORM rows
    of one model, or plain rows of a table)."""

    name: str
    holds: str
    columns: tuple[Column, ...]
    statement: Select
    orm: bool = True

    @property
    def header(self) -> list[str]:
        return [column.header for column in self.columns]

    def rows(self) -> Iterator[Any]:
        result = db.session.execute(self.statement.execution_options(yield_per=BATCH))
        return iter(result.scalars() if self.orm else result)

    def cells(self, names: Names) -> Iterator[list[object]]:
        for row in self.rows():
            yield [column.read(row, names) for column in self.columns]


# ---- how a cell is read ------------------------------------------------------------------


def moment_text(value: datetime | None) -> str:
    """ISO 8601 in UTC with its offset: "2026-12-03T14:05:00+00:00"."""
    return value.astimezone(UTC).isoformat() if value is not None else ""


def _value(attr: str) -> Read:
    return lambda row, _names: getattr(row, attr)


def _moment(attr: str) -> Read:
    return lambda row, _names: moment_text(getattr(row, attr))


def _day(attr: str) -> Read:
    def read(row: Any, _names: Names) -> str:
        value: date | None = getattr(row, attr)
        return value.isoformat() if value is not None else ""

    return read


def yes_no(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


def _yes_no(attr: str) -> Read:
    return lambda row, _names: yes_no(getattr(row, attr))


def _email_of(attr: str) -> Read:
    return lambda row, names: names.email(getattr(row, attr))


def _sr_number_of(attr: str) -> Read:
    def read(row: Any, _names: Names) -> str:
        sr_id = getattr(row, attr)
        return format_sr_number(sr_id) if sr_id is not None else ""

    return read


def _without_secrets(record: dict[str, Any] | None) -> str:
    if not record:
        return ""
    kept = {
        key: value
        for key, value in record.items()
        if not any(part in key.lower() for part in SECRET_KEY_PARTS)
    }
    return json.dumps(kept, sort_keys=True, ensure_ascii=False, default=str)


def _minutes_of(entry: TimeEntry, _names: Names) -> object:
    return whole_minutes(entry.ended_at - entry.started_at) if entry.ended_at else ""


# ---- the columns many files share ----------------------------------------------------------


def _id(what: str) -> Column:
    return Column(
        "id", f"The {what}'s id in mspboard; other files refer to it by this.", _value("id")
    )


def _person(prefix: str, who: str, attr: str | None = None) -> tuple[Column, Column]:
    attr = attr or f"{prefix}_id"
    return (
        Column(f"{prefix}_id", f"{who}: the user's id (users.csv), blank when none.", _value(attr)),
        Column(f"{prefix}_email", f"{who}: the user's email, blank when none.", _email_of(attr)),
    )


def _client(what: str) -> tuple[Column, Column]:
    return (
        Column("client_id", f"The client {what}: its id (clients.csv).", _value("client_id")),
        Column(
            "client",
            f"The client {what}: its name.",
            lambda row, names: names.client(row.client_id),
        ),
    )


def _sr(what: str, attr: str = "sr_id") -> tuple[Column, Column]:
    return (
        Column(
            "sr_id", f"The SR {what}: its id (service_requests.csv), blank when none.", _value(attr)
        ),
        Column("sr_number", f"The SR {what}: its number, e.g. SR-000049.", _sr_number_of(attr)),
    )


def _created() -> Column:
    return Column("created_at", "When it was made (UTC).", _moment("created_at"))


# ---- the files -----------------------------------------------------------------------------


def _by_id(model: Any, *options: Any) -> Select:
    return select(model).options(*options).order_by(model.id)


CLIENTS = ExportFile(
    "clients.csv",
    "The businesses the shop looks after.",
    (
        _id("client"),
        Column(
            "reference",
            "The client's number or name in the tool the shop used before; blank when none.",
            _value("external_ref"),
        ),
        Column("name", "The client's name.", _value("name")),
        Column("active", "yes, or no for a deactivated client.", _yes_no("active")),
        Column(
            "hourly_rate",
            "The client's hourly rate in the shop's currency, e.g. 125.00; blank: the shop's "
            "default rate.",
            lambda row, _names: (
                money.plain(row.billing_rate_cents) if row.billing_rate_cents is not None else ""
            ),
        ),
        _created(),
    ),
    _by_id(Client),
)

CONTACTS = ExportFile(
    "contacts.csv",
    "The people at each client the shop deals with.",
    (
        _id("contact"),
        *_client("the contact works for"),
        Column("name", "The contact's name.", _value("name")),
        Column("role", "Their role at the client, e.g. Office manager.", _value("role")),
        Column("phone", "Their phone number as written.", _value("phone")),
        Column("email", "Their email address.", _value("email")),
        _created(),
    ),
    _by_id(ClientContact),
)

USERS = ExportFile(
    "users.csv",
    "The people who sign in. No password, second factor or sign-in of theirs is exported.",
    (
        _id("user"),
        Column("name", "The person's name.", _value("name")),
        Column(
            "email", "The email they sign in with; other files name people by it.", _value("email")
        ),
        Column("role", "technician, service_manager or admin.", _value("role")),
        Column(
            "tech_level", "tech_i, tech_ii or senior; blank when not set.", _value("tech_level")
        ),
        Column("active", "yes, or no for a deactivated account.", _yes_no("active")),
        Column(
            "keeps_time_card",
            "yes: a manager or admin who also keeps a weekly time card (technicians always do).",
            _yes_no("keeps_time_card"),
        ),
        _created(),
        Column(
            "last_login_at",
            "When they last signed in (UTC); blank: never.",
            _moment("last_login_at"),
        ),
    ),
    _by_id(User),
)

SERVICE_REQUESTS = ExportFile(
    "service_requests.csv",
    "Service requests (SRs, tickets), open and closed.",
    (
        _id("SR"),
        Column("number", "The SR's number as people say it, e.g. SR-000049.", _sr_number_of("id")),
        Column(
            "reference",
            "The ticket's number in the tool the shop used before; blank when none.",
            _value("external_ref"),
        ),
        Column("client", "The client's name.", lambda row, names: names.client(row.client_id)),
        Column("title", "The SR's title.", _value("title")),
        Column("description", "What was asked for.", _value("description")),
        Column(
            "priority",
            "P1 (critical), P2 (high), P3 (normal) or P4 (low).",
            lambda row, _names: Priority(row.priority).name,
        ),
        Column("status", "new, scheduled, in_progress, waiting or done.", _value("status")),
        Column(
            "assignee_email",
            "The technician it is assigned to; blank: unassigned.",
            _email_of("assignee_id"),
        ),
        Column(
            "requester",
            "The client's contact who asked for it (contacts.csv); blank when none.",
            lambda row, _names: row.requester.name if row.requester else "",
        ),
        Column("billable", "yes, or no when its time is not billed.", _yes_no("billable")),
        Column(
            "estimate_minutes",
            "The estimate in minutes; blank when none.",
            _value("estimate_minutes"),
        ),
        _created(),
        Column("due_at", "When it is due (UTC); blank when no date was set.", _moment("due_at")),
        Column("closed_at", "When it was closed (UTC); blank while open.", _moment("closed_at")),
    ),
    _by_id(ServiceRequest, joinedload(ServiceRequest.requester)),
)

SR_ACTIVITY = ExportFile(
    "sr_activity.csv",
    "Each SR's history: made, moved, reprioritised, reassigned, edited.",
    (
        _id("history line"),
        *_sr("it is about"),
        Column("at", "When it happened (UTC).", _moment("at")),
        *_person("actor", "Who did it", "actor_id"),
        Column("kind", "created, status, priority, assignee, edit or note.", _value("kind")),
        Column("field", "The field that changed, when one did.", _value("field")),
        Column("from_value", "Its value before.", _value("from_value")),
        Column("to_value", "Its value after.", _value("to_value")),
        Column("note", "Any words that came with it.", _value("note")),
    ),
    _by_id(SRActivity),
)

SR_NOTES = ExportFile(
    "sr_notes.csv",
    "Internal notes on SRs, and the resolution each closed SR was closed with.",
    (
        _id("note"),
        *_sr("it is on"),
        Column("kind", "note, or resolution: how the SR was resolved.", _value("kind")),
        *_person("author", "Who wrote it"),
        Column(
            "written_at",
            "When it was written, on the phone or the desk (UTC).",
            _moment("written_at"),
        ),
        Column(
            "edited_at",
            "When its author last corrected it (UTC); blank: never.",
            _moment("edited_at"),
        ),
        Column("body", "The note.", _value("body")),
    ),
    _by_id(SRNote),
)

SCHEDULE_ITEMS = ExportFile(
    "schedule_items.csv",
    "Blocks of technicians' time on the schedule, on an SR, a maintenance run or a task.",
    (
        _id("schedule item"),
        *_person("tech", "The technician scheduled"),
        *_sr("it is for"),
        Column(
            "maintenance_run_id",
            "The maintenance run it is for (maintenance_runs.csv); blank when none.",
            _value("checklist_run_id"),
        ),
        Column(
            "training_id",
            "The training it is an attendee's place at (training.csv); blank when none.",
            _value("training_event_id"),
        ),
        Column("title", "What it says on the schedule.", _value("title")),
        Column("starts_at", "When it starts (UTC).", _moment("starts_at")),
        Column("ends_at", "When it ends (UTC).", _moment("ends_at")),
        Column("out_of_town", "yes for out-of-town work.", _yes_no("out_of_town")),
        Column("travel_notes", "Travel notes for out-of-town work.", _value("travel_notes")),
        Column(
            "published_at",
            "When it was published to the technician (UTC); blank: a draft.",
            _moment("published_at"),
        ),
        Column("version", "Goes up by one with each change after publishing.", _value("version")),
        Column(
            "acknowledged_version",
            "The version the technician last acknowledged; blank: never acknowledged.",
            _value("acknowledged_version"),
        ),
        Column(
            "acknowledged_at",
            "When the technician last acknowledged it (UTC).",
            _moment("acknowledged_at"),
        ),
        *_person("created_by", "Who put it on the schedule"),
        _created(),
    ),
    _by_id(ScheduleItem),
)

TIME_ENTRIES = ExportFile(
    "time_entries.csv",
    "Time technicians logged, on an SR, a maintenance run, directly for a client, or in "
    "training (no client, never billable).",
    (
        _id("time entry"),
        *_person("tech", "The technician"),
        *_client("the time was for; blank for training"),
        Column(
            "training_id",
            "The training it was spent in (training.csv); blank when none.",
            _value("training_event_id"),
        ),
        *_sr("it was on"),
        Column(
            "maintenance_run_id",
            "The maintenance run it was on (maintenance_runs.csv); blank when none.",
            _value("checklist_run_id"),
        ),
        Column("started_at", "When the work started (UTC).", _moment("started_at")),
        Column(
            "ended_at", "When it ended (UTC); blank: a timer still running.", _moment("ended_at")
        ),
        Column(
            "minutes",
            "Its length in whole minutes, half a minute up; blank while running.",
            _minutes_of,
        ),
        Column("billable", "yes, or no for time not billed to the client.", _yes_no("billable")),
        Column("notes", "What was done.", _value("notes")),
        Column("created_at", "When it was made on the device (UTC).", _moment("created_at")),
        Column("synced_at", "When it reached the server (UTC).", _moment("synced_at")),
    ),
    _by_id(TimeEntry),
)

TIME_CARDS = ExportFile(
    "time_cards.csv",
    "Weekly time cards: one technician's week, from draft to approval.",
    (
        _id("time card"),
        *_person("tech", "The technician"),
        Column("week_start", "The Monday the week starts on.", _day("week_start")),
        Column("status", "draft, submitted, approved or rejected.", _value("status")),
        Column("submitted_at", "When it was last submitted (UTC).", _moment("submitted_at")),
        Column("decided_at", "When it was approved or rejected (UTC).", _moment("decided_at")),
        *_person("decided_by", "Who approved or rejected it"),
        Column(
            "reason", "Why it was rejected, or why an approved card was reopened.", _value("reason")
        ),
    ),
    _by_id(TimeCard),
)

TIME_OFF = ExportFile(
    "time_off.csv",
    "Personal time technicians asked for, and what was decided.",
    (
        _id("request"),
        *_person("tech", "The technician"),
        Column("kind", "vacation, sick, personal, training or other.", _value("kind")),
        Column("start_date", "The first day off.", _day("start_date")),
        Column("end_date", "The last day off.", _day("end_date")),
        Column("starts_midday", "yes: the first day starts at midday.", _yes_no("starts_midday")),
        Column("ends_midday", "yes: the last day ends at midday.", _yes_no("ends_midday")),
        Column("note", "The technician's note.", _value("note")),
        Column("status", "pending, approved, denied or cancelled.", _value("status")),
        _created(),
        *_person("decided_by", "Who approved or denied it"),
        Column("decided_at", "When it was decided (UTC).", _moment("decided_at")),
        Column("decision_note", "The manager's note on the decision.", _value("decision_note")),
    ),
    _by_id(TimeOffRequest),
)

INVOICES = ExportFile(
    "invoices.csv",
    "Proposed invoices: one client's billable week (a supplement for time approved after "
    "the week's invoice was exported).",
    (
        _id("invoice"),
        Column(
            "number",
            "The invoice number, e.g. INV-2026W48-0012.",
            lambda row, _names: invoice_number(row),
        ),
        *_client("billed"),
        Column("week_start", "The Monday of the week it bills.", _day("week_start")),
        Column(
            "supplement",
            "0 for the week's invoice; 1, 2... for later supplements.",
            _value("supplement"),
        ),
        Column("status", "proposed, reviewed or exported.", _value("status")),
        Column(
            "status_reason",
            "Why a reviewed invoice went back to proposed.",
            _value("status_reason"),
        ),
        Column("note", "The manager's note on the invoice.", _value("note")),
        Column(
            "reviewed_client_rate_cents",
            "The client's hourly rate in cents when it was last reviewed.",
            _value("reviewed_client_rate_cents"),
        ),
        _created(),
        Column("reviewed_at", "When it was marked reviewed (UTC).", _moment("reviewed_at")),
        *_person("reviewed_by", "Who marked it reviewed"),
        Column("exported_at", "When it was exported for accounting (UTC).", _moment("exported_at")),
        *_person("exported_by", "Who exported it"),
    ),
    _by_id(ProposedInvoice),
)

INVOICE_LINES = ExportFile(
    "invoice_lines.csv",
    "The lines of each invoice: one SR's or maintenance run's time in the week, or the "
    "client's other time.",
    (
        _id("line"),
        Column("invoice_id", "The invoice it is on (invoices.csv).", _value("invoice_id")),
        *_sr("it bills"),
        Column(
            "maintenance_run_id",
            "The maintenance run it bills (maintenance_runs.csv); blank when none.",
            _value("checklist_run_id"),
        ),
        Column("description", "What the line says.", _value("description")),
        Column(
            "logged_minutes",
            "Approved billable minutes, after the shop's rounding and minimum charge.",
            _value("logged_minutes"),
        ),
        Column(
            "billed_minutes",
            "The minutes the manager chose to bill instead; blank: the logged minutes.",
            _value("billed_minutes"),
        ),
        Column("rate_cents", "The hourly rate in cents.", _value("rate_cents")),
        Column(
            "amount_cents",
            "What the line bills in cents (0 when written off).",
            lambda row, _names: line_amount(row),
        ),
        Column("written_off", "yes when the line is written off.", _yes_no("written_off")),
        Column("write_off_reason", "Why it was written off.", _value("write_off_reason")),
        Column("note", "The manager's note on the line.", _value("note")),
    ),
    _by_id(InvoiceLine),
)

INVOICE_LINE_ENTRIES = ExportFile(
    "invoice_line_entries.csv",
    "Which time entries each invoice line bills (an entry is billed by one line at most).",
    (
        Column("line_id", "The invoice line (invoice_lines.csv).", _value("line_id")),
        Column("time_entry_id", "The time entry it bills (time_entries.csv).", _value("entry_id")),
    ),
    select(invoice_line_entries).order_by(
        invoice_line_entries.c.line_id, invoice_line_entries.c.entry_id
    ),
    orm=False,
)

CHECKINS = ExportFile(
    "checkins.csv",
    "End-of-day check-ins: one technician's report to the service manager for one day.",
    (
        _id("check-in"),
        *_person("tech", "The technician"),
        Column("day", "The day it reports on.", _day("day")),
        Column("how_it_went", "How the day went.", _value("how_it_went")),
        Column("plan_for_tomorrow", "The plan for the next day.", _value("plan_for_tomorrow")),
        Column("created_at", "When the phone made its first part (UTC).", _moment("created_at")),
        Column("updated_at", "When the phone made its last part (UTC).", _moment("updated_at")),
    ),
    _by_id(CheckIn),
)

CHECKIN_ISSUES = ExportFile(
    "checkin_issues.csv",
    "Issues raised in check-ins that need the manager's attention.",
    (
        _id("issue"),
        Column("checkin_id", "The check-in it was raised in (checkins.csv).", _value("checkin_id")),
        Column("text", "The issue.", _value("text")),
        Column("urgent", "yes when marked urgent.", _yes_no("urgent")),
        Column(
            "reported_at",
            "When the technician reported it, on the phone (UTC).",
            _moment("reported_at"),
        ),
        Column(
            "handled_at", "When a manager handled it (UTC); blank: not yet.", _moment("handled_at")
        ),
        *_person("handled_by", "Who handled it"),
        *_sr("it was turned into"),
    ),
    _by_id(CheckInIssue),
)

AGENDA_ITEMS = ExportFile(
    "agenda_items.csv",
    "Items to raise at the Monday Morning Meeting.",
    (
        _id("agenda item"),
        Column("meeting_on", "The Monday of the meeting.", _day("meeting_on")),
        *_person("author", "Who added it"),
        Column("text", "What to raise.", _value("text")),
        _created(),
        Column("position", "Its place on the agenda: lower first.", _value("position")),
        Column(
            "discussed_at",
            "When it was marked discussed (UTC); blank: not yet.",
            _moment("discussed_at"),
        ),
        *_person("discussed_by", "Who marked it discussed"),
        Column(
            "discussed_on",
            "The Monday of the meeting that discussed it (meetings.csv); blank: not yet.",
            _day("discussed_on"),
        ),
        Column("outcome_note", "What the meeting said about it.", _value("outcome_note")),
        *_sr("made from it at the meeting", "outcome_sr_id"),
        *_person("outcome_assignee", "Who the meeting gave it to"),
        Column(
            "removed_on",
            "The Monday whose agenda it was taken off (kept, not deleted); blank: it was not.",
            _day("removed_on"),
        ),
        Column("removed_at", "When it was taken off (UTC).", _moment("removed_at")),
        *_person("removed_by", "Who took it off"),
    ),
    _by_id(AgendaItem),
)

MEETINGS = ExportFile(
    "meetings.csv",
    "Monday Morning Meetings: one per Monday that anything was written for.",
    (
        _id("meeting"),
        Column("monday", "The Monday of the meeting.", _day("monday")),
        Column("status", "draft (its agenda takes changes) or held.", _value("status")),
        Column("held_at", "When it was closed (UTC); blank: not yet.", _moment("held_at")),
        *_person("held_by", "Who closed it"),
        _created(),
    ),
    _by_id(Meeting),
)

MAINTENANCE_RUNS = ExportFile(
    "maintenance_runs.csv",
    "Monthly maintenance checklist runs: one client's checklist for one month.",
    (
        _id("run"),
        Column(
            "month",
            "The month, e.g. 2026-12.",
            lambda row, _names: row.month.month.strftime("%Y-%m"),
        ),
        *_client("it is for"),
        *_person("owner", "The technician who works it"),
        Column("due_on", "The day it is due.", _day("due_on")),
        _created(),
        Column(
            "month_closed_at",
            "When its month was closed (UTC); blank while the month is open.",
            lambda row, _names: moment_text(row.month.closed_at),
        ),
    ),
    _by_id(ChecklistRun, joinedload(ChecklistRun.month)),
)

MAINTENANCE_RUN_ITEMS = ExportFile(
    "maintenance_run_items.csv",
    "The checks on each maintenance run, as they were asked and ticked.",
    (
        _id("check"),
        Column("run_id", "The run it is on (maintenance_runs.csv).", _value("run_id")),
        Column("position", "Its place on the run's checklist.", _value("position")),
        Column("title", "The check.", _value("title")),
        Column("instruction", "How to do it.", _value("instruction")),
        Column(
            "estimate_minutes",
            "Its estimate in minutes; blank when none.",
            _value("estimate_minutes"),
        ),
        Column("billable", "yes when its time is billed.", _yes_no("billable")),
        Column(
            "outcome", "done, not_applicable or problem; blank: not ticked yet.", _value("outcome")
        ),
        Column("note", "The evidence written with the tick.", _value("note")),
        Column("ticked_at", "When it was ticked, on the phone (UTC).", _moment("ticked_at")),
        *_person("ticked_by", "Who ticked it"),
        *_sr("a problem was raised as"),
    ),
    _by_id(ChecklistRunItem),
)

AUDIT_EVENTS = ExportFile(
    "audit_events.csv",
    "The audit trail: who changed what, and when, with the record before and after.",
    (
        _id("audit event"),
        Column("at", "When it happened (UTC).", _moment("at")),
        *_person("actor", "Who did it (blank: the system)"),
        Column("action", "What was done, e.g. timecard.approved.", _value("action")),
        Column(
            "entity_type",
            "The kind of record, as its table is named, e.g. time_cards.",
            _value("entity_type"),
        ),
        Column(
            "entity_id",
            "The record's id (the id column of that kind's file, where it has one).",
            _value("entity_id"),
        ),
        Column(
            "before",
            "The fields it changed as they were, in JSON.",
            lambda row, _names: _without_secrets(row.before),
        ),
        Column(
            "after",
            "The fields it changed as they became, in JSON.",
            lambda row, _names: _without_secrets(row.after),
        ),
    ),
    _by_id(AuditEvent),
)

TRAINING = ExportFile(
    "training.csv",
    "Training sessions on the schedule: Final Friday Training and short-notice training.",
    (
        _id("training"),
        Column("kind", "final_friday or short_notice.", _value("kind")),
        Column("title", "What it is called.", _value("title")),
        Column("starts_at", "When it starts (UTC).", _moment("starts_at")),
        Column("ends_at", "When it ends (UTC).", _moment("ends_at")),
        Column("place_or_link", "Where it is held, or its meeting link.", _value("place_or_link")),
        Column("materials", "What to read or bring.", _value("materials")),
        Column(
            "cancelled_at",
            "When it was cancelled (UTC); blank if it was not.",
            _moment("cancelled_at"),
        ),
        *_person("created_by", "Who planned it"),
        _created(),
    ),
    _by_id(TrainingEvent),
)

FILES: tuple[ExportFile, ...] = (
    CLIENTS,
    CONTACTS,
    USERS,
    SERVICE_REQUESTS,
    SR_ACTIVITY,
    SR_NOTES,
    SCHEDULE_ITEMS,
    TIME_ENTRIES,
    TIME_CARDS,
    TIME_OFF,
    INVOICES,
    INVOICE_LINES,
    INVOICE_LINE_ENTRIES,
    CHECKINS,
    CHECKIN_ISSUES,
    AGENDA_ITEMS,
    MEETINGS,
    MAINTENANCE_RUNS,
    MAINTENANCE_RUN_ITEMS,
    TRAINING,
    AUDIT_EVENTS,
)


# ---- the zip -------------------------------------------------------------------------------


README_OPENING = """\
Everything {shop} keeps in mspboard, exported {taken} (UTC).

Every .csv file here is UTF-8 (with a byte order mark), comma-separated, each row ending in
CRLF, its first row the column headers. A cell a spreadsheet would take for a formula (one
that starts with = + - @, a tab or a carriage return) begins with an apostrophe, which is not
part of the value.
Times are ISO 8601 in UTC with their offset (2026-12-03T14:05:00+00:00), dates ISO 8601
(2026-12-03); yes/no stand for true/false; money is in cents in columns named *_cents, but
for hourly_rate in clients.csv, which is in {currency}. People are named by their email
beside their id, clients by their name beside their id.

Not exported: passwords (not even their hashes), two-factor secrets, recovery codes,
sign-ins, set-password links, and the tokens of calendar feeds and wall-TV links.

Each file, then one line per column:
"""


def readme_text(
    files: Iterable[ExportFile], counts: dict[str, int], shop: str, taken: datetime, currency: str
) -> str:
    parts = [
        README_OPENING.format(
            shop=shop, taken=moment_text(taken.replace(microsecond=0)), currency=currency
        )
    ]
    for export in files:
        rows = counts.get(export.name, 0)
        parts.append(f"\n{export.name} ({rows} row{'' if rows == 1 else 's'}): {export.holds}\n")
        parts.extend(f"  {column.header}: {column.meaning}\n" for column in export.columns)
    return "".join(parts).replace("\n", "\r\n")


def _entry(name: str, taken: datetime) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=taken.astimezone(UTC).timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def write_zip(
    target: IO[bytes], taken: datetime, files: Iterable[ExportFile] = FILES
) -> dict[str, int]:
    """Write every file and the README into `target`; returns the rows written per file."""
    files = tuple(files)
    names = Names.load()
    settings = current_settings()
    counts: dict[str, int] = {}
    with zipfile.ZipFile(target, "w") as archive:
        for export in files:
            with io.TextIOWrapper(
                archive.open(_entry(export.name, taken), "w"), encoding=ENCODING, newline=""
            ) as stream:
                counts[export.name] = write_csv(stream, export.header, export.cells(names))
        archive.writestr(
            _entry(README, taken),
            readme_text(files, counts, settings.shop_name, taken, settings.currency).encode(
                ENCODING
            ),
        )
    return counts


def file_name(shop_name: str, taken: datetime) -> str:
    """mspboard-export-<shop>-<UTC time>.zip, the shop's name in plain letters and digits."""
    plain = unicodedata.normalize("NFKD", shop_name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:60].strip("-") or "shop"
    return f"mspboard-export-{slug}-{taken.astimezone(UTC):%Y%m%dT%H%M%SZ}.zip"


@dataclass
class ShopExport:
    """The zip, rewound and ready to send; closing it removes any temporary file."""

    file: IO[bytes]
    name: str
    counts: dict[str, int] = field(default_factory=dict)


def export_shop(actor: User, now: datetime | None = None) -> ShopExport:
    """Everything the shop keeps, as a zip; audited as "shop.exported" with each file's rows."""
    taken = now or utcnow()
    spooled = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 (sent, then closed)
    try:
        counts = write_zip(spooled, taken)
    except BaseException:
        spooled.close()
        raise
    spooled.seek(0)
    record_about(
        actor,
        "shop.exported",
        "shop",
        None,
        None,
        {"files": len(counts) + 1, "rows": sum(counts.values()), **counts},
    )
    db.session.flush()
    return ShopExport(spooled, file_name(current_settings().shop_name, taken), counts)
