"""Approved time on a maintenance run is billed as one line per run, named by the checks
made; it sits beside the client's SR lines and other work without changing them."""

from datetime import UTC, date, datetime

from mspboard.models import ChecklistRun, db
from mspboard.services import exports, invoicing
from mspboard.services.maintenance import ticks
from tests.factories import make_client, make_sr, make_user
from tests.field_factories import make_card
from tests.field_factories import make_entry as make_field_entry
from tests.maintenance_factories import make_item, open_month
from tests.unit.test_invoicing import shop

MONDAY = date(2026, 11, 16)
NOVEMBER = date(2026, 11, 1)


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 11, 16 + day, hour, tzinfo=UTC)


def make_entry(tech, started, minutes, **kwargs):
    entry = make_field_entry(tech, started, minutes, **kwargs)
    entry.synced_at = entry.ended_at
    return entry


def worked_run(titles=("Backups verified", "Patches applied", "UPS self-test")):
    shop(rounding=0)
    tech = make_user(name="Tess")
    for position, title in enumerate(titles):
        make_item(title, position=position)
    client = make_client("Acme", rate_cents=12000)
    (run,) = open_month(NOVEMBER)
    return tech, client, run


def bill(tech, run: ChecklistRun, *entries) -> None:
    for day, minutes in entries:
        make_entry(tech, at(day, 9), minutes, client=run.client).checklist_run_id = run.id
    make_card(tech, MONDAY, "approved")
    db.session.flush()


def test_time_on_a_run_is_one_line_naming_the_items_ticked_done_or_problem_in_order():
    tech, client, run = worked_run()
    backups, patches, ups = run.items
    ticks.tick(tech, ups, "done", "", at(0, 10))
    ticks.tick(tech, patches, "not_applicable", "", at(0, 10))
    ticks.tick(tech, backups, "problem", "Job failed", at(0, 10))
    sr = make_sr(client, "Printer offline")
    make_entry(tech, at(1, 14), 30, sr=sr)
    make_entry(tech, at(1, 15), 15, client=client)
    bill(tech, run, (0, 40), (1, 20))

    [invoice] = invoicing.regenerate(MONDAY)

    by_work = {(line.sr_id, line.checklist_run_id): line for line in invoice.lines}
    assert set(by_work) == {(sr.id, None), (None, None), (None, run.id)}
    line = by_work[(None, run.id)]
    assert line.description == "Monthly maintenance, November 2026: Backups verified; UPS self-test"
    assert line.logged_minutes == 60 and len(line.entries) == 2
    assert by_work[(None, None)].description == "Other work"
    assert by_work[(sr.id, None)].logged_minutes == 30
    assert invoicing.regenerate(MONDAY) == [invoice]
    assert invoicing.proposal_state(MONDAY) == invoicing.ProposalState.CURRENT
    rows = exports.invoices_csv([invoice], MONDAY).splitlines()
    assert any(',Maintenance,"Monthly maintenance, November 2026:' in row for row in rows)


def test_a_run_line_follows_later_ticks_when_regenerated():
    tech, _client, run = worked_run()
    bill(tech, run, (0, 30))
    [invoice] = invoicing.regenerate(MONDAY)
    (line,) = invoice.lines
    assert line.description == "Monthly maintenance, November 2026"
    ticks.tick(tech, run.items[1], "done", "", at(0, 10))
    assert invoicing.proposal_state(MONDAY) == invoicing.ProposalState.OUT_OF_DATE
    invoicing.regenerate(MONDAY)
    assert line.description == "Monthly maintenance, November 2026: Patches applied"


def test_a_long_list_of_checks_is_cut_to_the_line_with_an_ellipsis():
    titles = [f"Check number {n} of the monthly list" for n in range(12)]
    tech, _client, run = worked_run(titles)
    for item in run.items:
        ticks.tick(tech, item, "done", "", at(0, 10))
    bill(tech, run, (0, 30))
    [invoice] = invoicing.regenerate(MONDAY)
    (line,) = invoice.lines
    assert len(line.description) == invoicing.DESCRIPTION_MAX
    assert line.description.endswith("…")
    assert line.description.startswith("Monthly maintenance, November 2026: Check number 0")


def test_two_runs_of_one_client_in_a_week_are_two_lines():
    tech, client, run = worked_run()
    december = open_month(date(2026, 12, 1))[0]
    assert december.client_id == client.id
    bill(tech, run, (0, 30))
    make_entry(tech, at(2, 9), 15, client=client).checklist_run_id = december.id
    db.session.flush()
    [invoice] = invoicing.regenerate(MONDAY)
    assert sorted(line.checklist_run_id for line in invoice.lines) == sorted([run.id, december.id])
