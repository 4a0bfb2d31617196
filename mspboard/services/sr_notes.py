"""Notes on an SR: the working record of what was found and done.

A note is written by one person at one moment (on a phone, perhaps offline, long before it
reaches the server: `written_at` is when it was written). Its author may correct it while
less than EDIT_WINDOW has passed since then; after that it is read-only, so the record
others have read stays as they read it. Every note and every correction is audited.
Resolutions are notes too, written when an SR is closed (see service_requests)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from mspboard import events
from mspboard.inputs import text
from mspboard.models import ServiceRequest, SRNote, SRNoteKind, User, db, utcnow
from mspboard.models.service_requests import NOTE_MAX
from mspboard.services import edits
from mspboard.services.audit import record_event, snapshot
from mspboard.services.errors import RuleViolation

EDIT_WINDOW = timedelta(minutes=15)
NOTE_FIELDS = ["sr_id", "kind", "body", "written_at"]
READ_ONLY = (
    "Notes can be corrected for 15 minutes after they are written; this one is read-only now."
)


class NotYourNote(Exception):
    """Only a note's author may correct it."""


def checked_body(body: str | None, field: str = "body") -> str:
    """A note's text: trimmed, bounded, not empty."""
    body = text(body, field, NOTE_MAX).replace("\r\n", "\n")
    if not body:
        raise RuleViolation("Write the note first.", field)
    return body


def add_note(
    author: User | None,
    sr: ServiceRequest,
    body: str,
    *,
    at: datetime | None = None,
    uuid: str | None = None,
    kind: SRNoteKind = SRNoteKind.NOTE,
    field: str = "body",
) -> SRNote:
    """Write a note on `sr` at the moment `at` (now when not given). `uuid` is the phone's
    id for the change: a note already stored under it is that note, not a second one."""
    body = checked_body(body, field)
    if uuid is not None:
        stored = db.session.scalar(select(SRNote).where(SRNote.uuid == uuid))
        if stored is not None:
            return stored
    note = SRNote(
        service_request=sr,
        author=author,
        kind=kind.value,
        body=body,
        written_at=at or utcnow(),
        uuid=uuid,
    )
    db.session.add(note)
    sr.updated_at = utcnow()  # worked on: not stale
    db.session.flush()
    record_event(
        author,
        f"sr_note.{'resolved' if kind == SRNoteKind.RESOLUTION else 'created'}",
        note,
        None,
        snapshot(note, NOTE_FIELDS),
    )
    events.announce(db.session, events.BOARD)
    return note


def editable_by(note: SRNote, user: User, now: datetime | None = None) -> bool:
    """Its author, while less than EDIT_WINDOW has passed since it was written."""
    return note.author_id == user.id and (now or utcnow()) - note.written_at < EDIT_WINDOW


def edit_note(actor: User, note: SRNote, body: str, expected_version: int | None) -> bool:
    """Correct a note (a form filled from `expected_version`); True when it changed."""
    if note.author_id != actor.id:
        raise NotYourNote
    body = checked_body(body)
    if not editable_by(note, actor):
        raise RuleViolation(READ_ONLY, "body")
    edits.expect_version(note, expected_version)
    tag = {"sr_id": note.sr_id}
    if not edits.write_changes(actor, note, {"body": body}, "sr_note.edited", tag):
        return False
    note.edited_at = utcnow()
    db.session.flush()
    return True


def notes_of(sr: ServiceRequest) -> list[SRNote]:
    """The SR's notes and resolutions, newest first."""
    return list(
        db.session.scalars(
            select(SRNote)
            .where(SRNote.sr_id == sr.id)
            .options(joinedload(SRNote.author))
            .order_by(SRNote.written_at.desc(), SRNote.id.desc())
        )
    )


def note_count_of_sr():
    """The number of notes on the row's SR, as a correlated subquery, so the board's cards
    and their note counts come in one query."""
    return (
        select(func.count(SRNote.id))
        .where(SRNote.sr_id == ServiceRequest.id)
        .correlate(ServiceRequest)
        .scalar_subquery()
    )
