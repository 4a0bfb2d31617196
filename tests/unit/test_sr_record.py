"""The SR's working record: notes and their 15 minutes open to correction, the resolution
an SR is closed with, and the client's contacts an SR names as its requester."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from mspboard.models import AuditEvent, ServiceRequest, SRActivity, SRNote, SRStatus, db
from mspboard.services import client_contacts, sr_notes
from mspboard.services import service_requests as srs
from mspboard.services.board import board_columns
from mspboard.services.edits import EditConflict
from mspboard.services.errors import RuleViolation
from tests.factories import make_client, make_sr, make_user


@pytest.fixture(autouse=True)
def _held_still(stopped):
    """Counts exact seconds since a note was written."""


def _notes() -> int:
    return db.session.scalar(select(func.count()).select_from(SRNote))


@pytest.mark.parametrize(
    ("after", "editable"),
    [
        (timedelta(0), True),
        (timedelta(minutes=14, seconds=59), True),
        (timedelta(minutes=15), False),
        (timedelta(minutes=15, seconds=1), False),
    ],
)
def test_a_note_is_open_to_its_author_while_less_than_15_minutes_have_passed(
    app, stopped, after, editable
):
    author = make_user()
    note = sr_notes.add_note(author, make_sr(), "Cable in port 4 is loose")
    stopped.shift(after)
    assert sr_notes.editable_by(note, author) is editable
    if editable:
        assert sr_notes.edit_note(author, note, "Cable in port 5 is loose", note.version)
        assert note.body == "Cable in port 5 is loose" and note.edited_at is not None
    else:
        with pytest.raises(RuleViolation) as refused:
            sr_notes.edit_note(author, note, "Cable in port 5 is loose", note.version)
        assert refused.value.field == "body"
        assert note.body == "Cable in port 4 is loose"


def test_the_15_minutes_count_from_when_the_note_was_written_on_the_phone(app, stopped):
    author = make_user()
    from mspboard.models import utcnow

    note = sr_notes.add_note(author, make_sr(), "Rebooted", at=utcnow() - timedelta(minutes=10))
    stopped.shift(timedelta(minutes=4, seconds=59))
    assert sr_notes.editable_by(note, author)
    stopped.shift(timedelta(seconds=1))
    assert not sr_notes.editable_by(note, author)


def test_nobody_but_the_author_corrects_a_note(app):
    author, other = make_user(), make_user(role="service_manager")
    note = sr_notes.add_note(author, make_sr(), "Replaced the fan")
    assert not sr_notes.editable_by(note, other)
    with pytest.raises(sr_notes.NotYourNote):
        sr_notes.edit_note(other, note, "Replaced the PSU", note.version)
    assert note.body == "Replaced the fan"


def test_a_correction_is_audited_with_before_and_after_and_a_stale_form_is_refused(app):
    author = make_user()
    note = sr_notes.add_note(author, make_sr(), "Toner low")
    assert sr_notes.edit_note(author, note, "Toner empty", 1)
    assert not sr_notes.edit_note(author, note, "Toner empty", 2)  # nothing changes
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "sr_note.edited"))
    assert event.actor_id == author.id
    assert event.before["body"] == "Toner low" and event.after["body"] == "Toner empty"
    with pytest.raises(EditConflict):
        sr_notes.edit_note(author, note, "Toner replaced", 1)


def test_the_same_phone_change_stores_one_note(app):
    author, sr, key = make_user(), make_sr(), str(uuid.uuid4())
    first = sr_notes.add_note(author, sr, "Switch swapped", uuid=key)
    again = sr_notes.add_note(author, sr, "Switch swapped", uuid=key)
    assert again is first and _notes() == 1


@pytest.mark.parametrize("body", ["", "   ", "x" * 4001, "bell\x07"])
def test_a_note_is_not_empty_and_bounded(app, body):
    with pytest.raises(RuleViolation):
        sr_notes.add_note(make_user(), make_sr(), body)
    assert _notes() == 0


def test_notes_come_newest_first_and_the_board_counts_them_in_its_own_query(app, stopped):
    author, sr, other = make_user(), make_sr(title="Counted"), make_sr(title="Quiet")
    sr_notes.add_note(author, sr, "First")
    stopped.shift(60)
    sr_notes.add_note(author, sr, "Second")
    assert [n.body for n in sr_notes.notes_of(sr)] == ["Second", "First"]
    cards = {c.title: c for column in board_columns() for c in column.cards}
    assert (cards["Counted"].notes, cards["Quiet"].notes) == (2, 0)
    assert cards["Counted"].notes_label == "2 notes"
    del other


# ---- closing needs a resolution ---------------------------------------------------------------


def test_a_move_to_done_without_a_resolution_changes_nothing(app):
    manager, sr = make_user(role="service_manager"), make_sr(status="in_progress")
    db.session.commit()
    for resolution in ("", "   "):
        with pytest.raises(RuleViolation) as refused:
            srs.change_status(manager, sr, SRStatus.DONE, resolution=resolution)
        assert refused.value.field == "resolution"
    db.session.rollback()
    sr = db.session.get(ServiceRequest, sr.id)
    assert sr.status == "in_progress" and sr.closed_at is None and _notes() == 0


def test_closing_keeps_the_resolution_as_a_note_in_the_log_and_in_the_audit(app):
    manager, sr = make_user(role="service_manager"), make_sr(status="in_progress")
    srs.change_status(manager, sr, SRStatus.DONE, resolution="Replaced the switch")
    [note] = sr_notes.notes_of(sr)
    assert (note.kind, note.body, note.author_id) == (
        "resolution",
        "Replaced the switch",
        manager.id,
    )
    line = db.session.scalar(select(SRActivity).where(SRActivity.kind == "status"))
    assert line.note == "Replaced the switch"
    moved = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "sr.moved"))
    assert moved.after["resolution"] == "Replaced the switch"


def test_other_moves_and_a_move_within_done_need_no_resolution(app):
    manager, sr = make_user(role="service_manager"), make_sr(status="done")
    srs.change_status(manager, sr, SRStatus.DONE)
    srs.change_status(manager, sr, SRStatus.WAITING)
    assert sr.status == "waiting" and _notes() == 0


def test_the_sr_form_and_a_new_sr_closed_at_once_need_a_resolution(app):
    manager, client = make_user(role="service_manager"), make_client()
    with pytest.raises(RuleViolation):
        srs.create_sr(manager, srs.SRFields(client_id=client.id, title="x", status="done"))
    sr = srs.create_sr(manager, srs.SRFields(client_id=client.id, title="Reset password"))
    fields = srs.SRFields(client_id=client.id, title="Reset password", status="done")
    with pytest.raises(RuleViolation):
        srs.update_sr(manager, sr, fields, sr.version)
    srs.update_sr(manager, sr, fields, sr.version, resolution="Reset and told her")
    assert sr.status == "done" and [n.body for n in sr_notes.notes_of(sr)] == ["Reset and told her"]


# ---- contacts and the requester ---------------------------------------------------------------


def test_a_requester_is_one_of_the_srs_clients_contacts(app):
    manager, ours, theirs = make_user(role="service_manager"), make_client(), make_client()
    mine = client_contacts.add_contact(manager, ours, client_contacts.ContactFields("Ana Ruiz"))
    other = client_contacts.add_contact(manager, theirs, client_contacts.ContactFields("Bo Li"))
    with pytest.raises(RuleViolation) as refused:
        srs.create_sr(manager, srs.SRFields(client_id=ours.id, title="VPN", requester_id=other.id))
    assert refused.value.field == "requester_id"
    sr = srs.create_sr(manager, srs.SRFields(client_id=ours.id, title="VPN", requester_id=mine.id))
    assert sr.requester is mine


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        (client_contacts.ContactFields(" "), "name"),
        (client_contacts.ContactFields("Ana", email="ana@"), "email"),
        (client_contacts.ContactFields("Ana", email="ana at example.test"), "email"),
        (client_contacts.ContactFields("Ana", phone="call me"), "phone"),
        (client_contacts.ContactFields("A" * 121), "name"),
        (client_contacts.ContactFields("Ana", role="r" * 81), "role"),
    ],
)
def test_a_contact_is_named_and_its_email_and_phone_are_real(app, fields, field):
    with pytest.raises(RuleViolation) as refused:
        client_contacts.add_contact(make_user(role="admin"), make_client(), fields)
    assert refused.value.field == field


def test_a_contact_edit_is_versioned_and_audited(app):
    admin, client = make_user(role="admin"), make_client()
    values = client_contacts.ContactFields("Ana Ruiz", "Office manager", "+1 555 0100", "a@x.test")
    contact = client_contacts.add_contact(admin, client, values)
    assert contact.tel_href == "+15550100"
    changed = client_contacts.update_contact(
        admin,
        contact,
        client_contacts.ContactFields("Ana Ruiz", "Owner", "+1 555 0100", "a@x.test"),
        1,
    )
    assert changed == {"role": ("Office manager", "Owner")} and contact.version == 2
    with pytest.raises(EditConflict):
        client_contacts.update_contact(admin, contact, values, 1)
