from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from mspboard.models import (
    AuditEvent,
    ChecklistRun,
    ChecklistRunItem,
    MaintenanceMonth,
    db,
)
from mspboard.services.edits import EditConflict
from mspboard.services.errors import RuleViolation
from mspboard.services.maintenance import months, owners, reports, sheet
from mspboard.services.maintenance.sheet import RunState
from tests.factories import make_client, make_sr, make_user
from tests.field_factories import make_entry, make_schedule_item
from tests.maintenance_factories import in_month, make_item, open_month, ticked
from tests.shop_time import at_local

NOVEMBER = date(2026, 11, 1)
DUE = date(2026, 11, 30)  # November's last workday, a Monday


@pytest.fixture
def shop():
    """Two techs, three clients with a three-item checklist each, November opened."""
    ann, ben = make_user(name="Ann"), make_user(name="Ben")
    for position, title in enumerate(["Backups verified", "AV definitions", "UPS self-test"]):
        make_item(title, position=position)
    for name in ("Cobalt", "Acme", "Birch"):
        make_client(name)
    acme, birch, cobalt = open_month(NOVEMBER)
    return {"ann": ann, "ben": ben, "acme": acme, "birch": birch, "cobalt": cobalt}


def row_of(found: sheet.Sheet, run: ChecklistRun) -> sheet.SheetRow:
    return next(row for row in found.rows if row.run.id == run.id)


def tick_all(run: ChecklistRun, by, outcome: str = "done") -> None:
    for item in run.items:
        ticked(item, by, at_local(date(2026, 11, 20), 10), outcome)


def test_a_run_is_not_started_in_progress_or_done_by_its_ticked_items(shop):
    ann = shop["ann"]
    ticked(shop["birch"].items[0], ann, at_local(date(2026, 11, 20), 10))
    tick_all(shop["cobalt"], ann)

    found = sheet.tracking_sheet(NOVEMBER, now=in_month(NOVEMBER))

    states = {row.run.client.name: (row.state, row.progress) for row in found.rows}
    assert states == {
        "Acme": (RunState.NOT_STARTED, "0/3"),
        "Birch": (RunState.IN_PROGRESS, "1/3"),
        "Cobalt": (RunState.DONE, "3/3"),
    }
    assert found.summary == sheet.Summary(runs=3, done=1, problems=0, overdue=0)


def test_not_applicable_and_problem_count_as_ticked_and_problems_and_srs_are_counted(shop):
    ann, acme = shop["ann"], shop["acme"]
    sr = make_sr(client=acme.client, title="UPS battery failing")
    at = at_local(date(2026, 11, 20), 10)
    ticked(acme.items[0], ann, at, "problem", "Nightly job failed twice")
    ticked(acme.items[1], ann, at, "not_applicable")
    ticked(acme.items[2], ann, at, "problem", "Battery at 40%", sr=sr)

    row = row_of(sheet.tracking_sheet(NOVEMBER, now=in_month(NOVEMBER)), acme)

    assert (row.state, row.problems, row.srs_raised) == (RunState.DONE, 2, 1)


@pytest.mark.parametrize(
    ("now", "overdue"),
    [
        ((DUE, 23, 59), False),  # the due day itself is on time, to its last minute
        ((DUE + timedelta(days=1), 0, 0), True),  # the day after is overdue
    ],
)
def test_a_run_is_overdue_from_the_day_after_its_due_day(shop, now, overdue):
    day, hour, minute = now
    found = sheet.tracking_sheet(NOVEMBER, now=at_local(day, hour, minute))
    assert row_of(found, shop["acme"]).overdue is overdue
    assert found.summary.overdue == (3 if overdue else 0)


def test_a_done_run_is_never_overdue(shop):
    tick_all(shop["acme"], shop["ann"])
    found = sheet.tracking_sheet(NOVEMBER, now=at_local(date(2027, 1, 5), 9))
    assert row_of(found, shop["acme"]).overdue is False
    assert found.summary.overdue == 2


def test_the_scheduled_day_is_the_runs_earliest_schedule_item(shop):
    acme, ann = shop["acme"], shop["ann"]
    later = make_schedule_item(ann, at_local(date(2026, 11, 24), 9), title="Acme maintenance")
    earlier = make_schedule_item(ann, at_local(date(2026, 11, 17), 14), title="Acme maintenance")
    make_schedule_item(ann, at_local(date(2026, 11, 3), 9), title="Not a run")
    later.checklist_run_id = earlier.checklist_run_id = acme.id
    db.session.flush()

    found = sheet.tracking_sheet(NOVEMBER, now=in_month(NOVEMBER))

    assert row_of(found, acme).scheduled_on == date(2026, 11, 17)
    assert row_of(found, shop["birch"]).scheduled_at is None


def _clients(found: sheet.Sheet) -> list[str]:
    return [row.run.client.name for row in found.rows]


def test_the_sheet_sorts_by_a_known_key_and_by_client_otherwise(shop):
    ann = shop["ann"]
    at = at_local(date(2026, 11, 20), 10)
    ticked(shop["cobalt"].items[0], ann, at, "problem")
    ticked(shop["cobalt"].items[1], ann, at, "problem")
    ticked(shop["acme"].items[0], ann, at, "problem")
    ticked(shop["acme"].items[1], ann, at)
    now = in_month(NOVEMBER)

    assert _clients(sheet.tracking_sheet(NOVEMBER, now=now)) == ["Acme", "Birch", "Cobalt"]
    by_problems = sheet.tracking_sheet(NOVEMBER, sort="problems", now=now)
    assert (by_problems.sort, _clients(by_problems)) == ("problems", ["Cobalt", "Acme", "Birch"])
    by_progress = sheet.tracking_sheet(NOVEMBER, sort="progress", now=now)
    assert _clients(by_progress) == ["Birch", "Acme", "Cobalt"]  # 0/3, 2/3, 2/3 by name
    unknown = sheet.tracking_sheet(NOVEMBER, sort="client_id; DROP TABLE", now=now)
    assert (unknown.sort, _clients(unknown)) == ("client", ["Acme", "Birch", "Cobalt"])


def test_the_sheet_filters_by_owner_and_state_and_ignores_unknown_filters(shop):
    ann, ben, acme = shop["ann"], shop["ben"], shop["acme"]
    tick_all(acme, ann)
    now = in_month(NOVEMBER)
    owned_by = {
        row.run.client.name: row.run.owner_id for row in sheet.tracking_sheet(NOVEMBER).rows
    }
    ann_clients = sorted(name for name, owner in owned_by.items() if owner == ann.id)

    by_owner = sheet.tracking_sheet(NOVEMBER, owner_id=ann.id, now=now)
    assert (by_owner.owner_id, _clients(by_owner)) == (ann.id, ann_clients)
    done = sheet.tracking_sheet(NOVEMBER, state="done", now=now)
    assert (_clients(done), done.filtered) == (["Acme"], True)
    assert done.summary.runs == 3  # the summary is the whole month's
    overdue = sheet.tracking_sheet(NOVEMBER, state="overdue", now=at_local(date(2026, 12, 1), 9))
    assert _clients(overdue) == ["Birch", "Cobalt"]

    stranger = make_user(name="Not an owner")
    for ignored in (
        sheet.tracking_sheet(NOVEMBER, owner_id=stranger.id, state="bogus", now=now),
        sheet.tracking_sheet(NOVEMBER, owner_id=2**31 - 1, state="DONE", now=now),
    ):
        assert (ignored.owner_id, ignored.state, ignored.filtered) == (None, None, False)
        assert _clients(ignored) == ["Acme", "Birch", "Cobalt"]
    assert {owner.name for owner in by_owner.owners} <= {ann.name, ben.name}


def test_the_buttons_a_month_offers(shop):
    now = in_month(NOVEMBER)
    december = months.add_months(NOVEMBER, 1)
    november = sheet.tracking_sheet(NOVEMBER, now=now)
    assert (november.can_open, november.can_close) == (False, False)
    assert sheet.tracking_sheet(december, now=now).can_open is True
    assert sheet.tracking_sheet(months.add_months(NOVEMBER, 2), now=now).can_open is False
    assert sheet.tracking_sheet(NOVEMBER, now=in_month(december)).can_close is True
    months.close_month(shop["ann"], months.find_month(NOVEMBER), now=in_month(december))
    closed = sheet.tracking_sheet(NOVEMBER, now=in_month(december))
    assert (closed.is_closed, closed.can_open, closed.can_close) == (True, False, False)


def test_run_detail_has_who_ticked_each_item_and_the_time_logged_against_the_run(shop):
    acme, ann = shop["acme"], shop["ann"]
    ticked(acme.items[1], ann, at_local(date(2026, 11, 20), 10, 5), note="Defs from today")
    for minutes in (25, 20):
        entry = make_entry(ann, at_local(date(2026, 11, 20), 9), minutes=minutes)
        entry.checklist_run_id = acme.id
    make_entry(ann, at_local(date(2026, 11, 20), 11), minutes=60)  # other work
    running = make_entry(ann, at_local(date(2026, 11, 21), 9), minutes=None)
    running.checklist_run_id = acme.id
    db.session.flush()

    detail = sheet.run_detail(acme, now=in_month(NOVEMBER))

    assert [item.title for item in detail.items] == [
        "Backups verified",
        "AV definitions",
        "UPS self-test",
    ]
    assert detail.items[1].ticked_by == ann and detail.items[1].note == "Defs from today"
    assert detail.minutes_logged == 45
    assert (detail.row.progress, detail.row.state) == ("1/3", RunState.IN_PROGRESS)


def test_next_month_preview_is_what_opening_it_creates_and_writes_nothing(shop):
    make_item("Firewall firmware", cadence="yearly", cadence_month=12, position=9)
    make_client("Dune")
    make_client("Gone").active = False
    db.session.commit()
    december = months.add_months(NOVEMBER, 1)
    counts = _row_counts()

    preview = sheet.next_month_preview(now=in_month(NOVEMBER))

    assert not db.session.new and not db.session.dirty
    assert _row_counts() == counts
    assert preview.month == december and not preview.is_open
    planned = {run.client_name: (run.owner.id, run.titles) for run in preview.runs}
    assert sorted(planned) == ["Acme", "Birch", "Cobalt", "Dune"]
    assert planned["Acme"][1][-1] == "Firewall firmware"

    months.open_month(None, december, now=in_month(NOVEMBER))
    opened = {
        run.client.name: (run.owner_id, [item.title for item in run.items])
        for run in db.session.scalars(
            select(ChecklistRun).join(MaintenanceMonth).where(MaintenanceMonth.month == december)
        )
    }
    assert opened == planned
    assert sheet.next_month_preview(now=in_month(NOVEMBER)).runs == []


def test_next_month_preview_says_why_nothing_can_open_without_a_technician(shop):
    shop["ann"].active = shop["ben"].active = False
    preview = sheet.next_month_preview(now=in_month(NOVEMBER))
    assert preview.runs == [] and "no active technician" in preview.refused


def _row_counts() -> dict[str, int]:
    return {
        model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
        for model in (MaintenanceMonth, ChecklistRun, ChecklistRunItem, AuditEvent)
    }


def test_the_owner_changes_to_an_active_technician_with_an_audit(shop):
    acme, manager = shop["acme"], make_user(role="service_manager")
    other = shop["ben"] if acme.owner_id == shop["ann"].id else shop["ann"]
    was = acme.owner_id

    changed = owners.change_owner(manager, acme, other.id, expected_version=acme.version)

    assert changed == {"owner_id": (was, other.id)} and acme.version == 2
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "maintenance_run.owner_changed")
    )
    assert (event.actor, event.before["owner_id"], event.after["owner_id"]) == (
        manager,
        was,
        other.id,
    )


def test_the_owner_change_is_refused_from_a_stale_form_for_a_non_tech_or_a_closed_month(shop):
    acme, manager = shop["acme"], make_user(role="service_manager")
    with pytest.raises(EditConflict):
        owners.change_owner(manager, acme, shop["ben"].id, expected_version=acme.version - 1 or 99)
    for not_a_tech in (manager.id, make_user(active=False).id, None):
        with pytest.raises(RuleViolation) as refused:
            owners.change_owner(manager, acme, not_a_tech, expected_version=acme.version)
        assert refused.value.field == "owner_id"
    months.close_month(manager, acme.month, now=in_month(date(2026, 12, 1)))
    with pytest.raises(RuleViolation, match="closed"):
        owners.change_owner(manager, acme, shop["ben"].id, expected_version=acme.version)
    assert acme.version == 1


def test_the_month_csv_has_every_run_item_with_its_tick_in_shop_time(shop):
    acme, ann = shop["acme"], shop["ann"]
    sr = make_sr(client=acme.client, title="Backups failing")
    ticked(acme.items[0], ann, at_local(date(2026, 11, 20), 10, 5), "problem", "=1+2", sr=sr)

    lines = reports.month_csv(acme.month).splitlines()

    assert lines[0] == "Month,Client,Owner,Due,Item,Outcome,Note,TickedBy,TickedAt,SR"
    assert len(lines) == 1 + 9
    stamp = at_local(date(2026, 11, 20), 10, 5).isoformat(timespec="minutes")
    assert lines[1] == (
        f"2026-11,Acme,{acme.owner.name},2026-11-30,Backups verified,Problem,'=1+2,Ann,"
        f"{stamp},{sr.number}"
    )
    assert lines[2] == f"2026-11,Acme,{acme.owner.name},2026-11-30,AV definitions,,,,,"
