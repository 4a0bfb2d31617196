"""The audit trail as people read it: each event told as a sentence with the fields it
changed, a record's history, the filterable list; and the events a time card's life leaves,
including changes to its time after a reopen and a resubmission named as one."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from mspboard.models import AuditEvent, db
from mspboard.services import accounts, approvals, audit_trail, clients
from mspboard.services import time_cards as tc
from mspboard.services import time_entries as te
from mspboard.services.audit_trail import AuditQuery
from tests.factories import make_client, make_user
from tests.field_factories import make_entry, new_uuid
from tests.shop_time import at_local

MONDAY = date(2026, 11, 16)


@pytest.fixture(autouse=True)
def the_week_after(clock):
    """These stories are told the Wednesday after MONDAY's week, whatever --at says."""
    clock.move_to(datetime(2026, 11, 25, 15, 30, tzinfo=UTC))


def friday_evening():
    return at_local(MONDAY + timedelta(days=4), 17)


def approved_card(tech, manager):
    entry = make_entry(tech, at_local(MONDAY + timedelta(days=1), 9), 120)
    card = tc.submit_card(tech, MONDAY, now=friday_evening())
    approvals.approve_card(manager, card, card.version)
    db.session.flush()
    return card, entry


def fields(values, **changes):
    return te.EntryFields(
        started_at=changes.get("started_at", values.started_at),
        ended_at=changes.get("ended_at", values.ended_at),
        client_id=values.client_id,
        sr_id=values.sr_id,
        billable=values.billable,
        notes=changes.get("notes", values.notes),
    )


def test_an_approval_reads_as_who_approved_whose_card_for_which_week():
    priya, tom = make_user(role="service_manager", name="Priya"), make_user(name="Tom")
    card, _entry = approved_card(tom, priya)
    [approved, submitted] = audit_trail.card_history(card)
    assert approved.sentence == "Priya approved Tom's time card for the week of 16 Nov"
    assert submitted.sentence == "Tom submitted their time card for the week of 16 Nov"
    shown = {change.label: (change.before, change.after) for change in approved.changes}
    assert shown["Status"] == ("submitted", "approved")
    assert shown["Decided by"] == (audit_trail.NOTHING, "Priya")


def test_a_resubmission_after_a_reopen_or_a_rejection_is_named_as_one():
    priya, tom = make_user(role="service_manager", name="Priya"), make_user(name="Tom")
    card, _entry = approved_card(tom, priya)
    approvals.reopen_card(priya, card, card.version, "Client disputes Tuesday")
    tc.submit_card(tom, MONDAY)
    event = db.session.query(AuditEvent).order_by(AuditEvent.id.desc()).first()
    assert (event.action, event.after["after"]) == ("timecard.resubmitted", "reopen")
    lines = audit_trail.card_history(card)
    assert lines[0].sentence == (
        "Tom resubmitted their time card for the week of 16 Nov after reopen"
    )
    assert lines[1].sentence == "Priya reopened Tom's time card for the week of 16 Nov"
    assert ("Reason", audit_trail.NOTHING, "Client disputes Tuesday") in [
        (c.label, c.before, c.after) for c in lines[1].changes
    ]
    # The first approval is still there under the reopen.
    assert [line.event.action for line in lines] == [
        "timecard.resubmitted",
        "timecard.reopened",
        "timecard.approved",
        "timecard.submitted",
    ]
    approvals.reject_card(priya, card, card.version, "Friday is missing")
    tc.submit_card(tom, MONDAY)
    assert audit_trail.card_history(card)[0].sentence.endswith("after rejection")


def test_time_changed_after_a_reopen_is_audited_with_before_and_after():
    priya, tom = make_user(role="service_manager", name="Priya"), make_user(name="Tom")
    card, entry = approved_card(tom, priya)
    approvals.reopen_card(priya, card, card.version, "Wrong client on Tuesday")
    longer = fields(entry, ended_at=entry.ended_at + timedelta(hours=1))
    te.update_entry(tom, entry, longer)
    extra = te.add_entry(
        tom,
        te.EntryFields(
            started_at=at_local(MONDAY + timedelta(days=2), 9),
            ended_at=at_local(MONDAY + timedelta(days=2), 10),
            client_id=make_client().id,
        ),
        uuid=new_uuid(),
        at=friday_evening(),
    )
    te.delete_entry(tom, extra)
    db.session.flush()
    newest = audit_trail.card_history(card)[:3]
    assert [line.event.action for line in newest] == [
        "time_entry.deleted",
        "time_entry.created",
        "time_entry.updated",
    ]
    updated = newest[2]
    assert updated.sentence == (
        "Tom changed their time entry of Tue 17 Nov 09:00, after the card was reopened"
    )
    assert [(c.label, c.before, c.after) for c in updated.changes] == [
        ("End", "Tue 17 Nov 11:00", "Tue 17 Nov 12:00")
    ]
    assert newest[0].event.before["ended_at"] is not None and newest[0].event.after is None


def test_a_save_that_changes_nothing_and_a_draft_weeks_edits_leave_no_event():
    priya, tom = make_user(role="service_manager", name="Priya"), make_user(name="Tom")
    card, entry = approved_card(tom, priya)
    approvals.reopen_card(priya, card, card.version, "Check Tuesday")
    before = db.session.query(AuditEvent).count()
    te.update_entry(tom, entry, fields(entry))
    draft_week = make_entry(tom, at_local(MONDAY + timedelta(days=7), 9), 60)
    te.update_entry(tom, draft_week, fields(draft_week, notes="Only my draft"))
    assert db.session.query(AuditEvent).count() == before


def test_the_list_filters_by_who_what_record_and_local_date_newest_first(clock):
    priya, tom = make_user(role="service_manager", name="Priya"), make_user(name="Tom")
    clock.move_to(datetime(2026, 11, 23, 9, tzinfo=UTC))
    card, _entry = approved_card(tom, priya)
    clock.move_to(datetime(2026, 11, 25, 9, tzinfo=UTC))
    approvals.reopen_card(priya, card, card.version, "Check Tuesday")
    db.session.flush()
    everything = audit_trail.search(AuditQuery(entity_type="time_cards"))
    assert [line.event.action for line in everything.lines] == [
        "timecard.reopened",
        "timecard.approved",
        "timecard.submitted",
    ]
    by_priya = audit_trail.search(AuditQuery(actor_id=priya.id))
    assert {line.actor for line in by_priya.lines} == {"Priya"}
    one_card = audit_trail.search(AuditQuery(entity_type="time_cards", entity_id=card.id))
    assert one_card.total == 3
    monday_only = audit_trail.search(
        AuditQuery(entity_type="time_cards", since=date(2026, 11, 23), until=date(2026, 11, 23))
    )
    assert [line.event.action for line in monday_only.lines] == [
        "timecard.approved",
        "timecard.submitted",
    ]
    paged = audit_trail.search(AuditQuery(entity_type="time_cards"), page=2, per_page=2)
    assert (paged.page, paged.pages, len(paged.lines)) == (2, 2, 1)
    assert "Tom" in [user.name for user in audit_trail.actor_choices()]
    assert "timecard.reopened" in audit_trail.action_choices()


def test_an_event_of_a_kind_never_seen_before_still_reads():
    event = AuditEvent(
        actor_id=None,
        action="gizmo.frobbed",
        entity_type="gizmos",
        entity_id=7,
        before={"colour": "red"},
        after={"colour": "blue"},
    )
    db.session.add(event)
    db.session.flush()
    [line] = audit_trail.history_for("gizmos", 7)
    assert line.sentence == "The system frobbed gizmos #7"
    assert [(c.label, c.before, c.after) for c in line.changes] == [("Colour", "red", "blue")]


def test_money_work_weeks_and_clock_times_read_as_the_forms_show_them():
    priya = make_user(role="service_manager", name="Priya")
    client = make_client("Oakridge", rate_cents=12000)
    clients.update_client(priya, client, "Oakridge", 13500, expected_version=1)
    rate = audit_trail.history_for("clients", client.id)[0]
    assert [(c.label, c.before, c.after) for c in rate.changes] == [("Rate", "$120.00", "$135.00")]
    tom = make_user(name="Tom")
    accounts.update_user(
        priya,
        tom,
        accounts.UserDetails(
            name="Tom", email=tom.email, role="technician", workdays=0b0001111, day_start=time(7)
        ),
        expected_version=1,
    )
    hours = audit_trail.history_for("users", tom.id)[0]  # newest: the edit, not the creation
    assert [(c.label, c.before, c.after) for c in hours.changes] == [
        ("Workdays", "Mon-Fri", "Mon, Tue, Wed, Thu"),
        ("Day start", "08:00", "07:00"),
    ]
