from datetime import date

import pytest
from sqlalchemy import func, select

from mspboard.models import AuditEvent, ChecklistRun, ChecklistRunItem, MaintenanceMonth, db
from mspboard.services.errors import RuleViolation
from mspboard.services.maintenance import months
from tests.factories import make_client, make_user
from tests.maintenance_factories import exclude, in_month, make_item, open_month

DECEMBER = date(2026, 12, 1)


def titles(run: ChecklistRun) -> list[str]:
    return [item.title for item in run.items]


@pytest.mark.parametrize(
    ("cadence", "cadence_month", "due_in"),
    [
        ("monthly", None, list(range(1, 13))),
        ("quarterly", 1, [1, 4, 7, 10]),
        ("quarterly", 3, [3, 6, 9, 12]),
        ("yearly", 12, [12]),
        ("yearly", 1, [1]),
    ],
)
def test_an_item_falls_due_in_the_months_of_its_cadence(cadence, cadence_month, due_in):
    due = [n for n in range(1, 13) if months.is_due(cadence, cadence_month, date(2027, n, 1))]
    assert due == due_in


def test_each_active_client_gets_its_checklist_base_without_exclusions_then_additions():
    make_user(name="Tess")
    backups = make_item("Backups verified", position=0)
    ups = make_item("UPS self-test", position=1)
    make_item("Quarterly DR test", cadence="quarterly", cadence_month=1)  # Jan, Apr, Jul, Oct
    make_item("Firewall firmware", cadence="yearly", cadence_month=12, position=2)
    no_ups, plain = make_client("Acme"), make_client("Bolt")
    make_client("Gone").active = False
    exclude(no_ups, ups)
    make_item("Plotter service", client=no_ups, position=0)

    acme, bolt = open_month(DECEMBER)

    assert acme.client == no_ups and bolt.client == plain
    assert titles(acme) == ["Backups verified", "Firewall firmware", "Plotter service"]
    assert titles(bolt) == ["Backups verified", "UPS self-test", "Firewall firmware"]
    assert acme.items[0].item_id == backups.id and acme.items[0].instruction
    assert acme.due_on == date(2026, 12, 31)  # a Thursday: the month's last workday


def test_the_month_is_due_on_its_last_workday():
    assert months.last_workday(date(2027, 1, 1)) == date(2027, 1, 29)  # the 31st is a Sunday
    assert months.first_workday(date(2027, 5, 1)) == date(2027, 5, 3)  # the 1st is a Saturday


def test_opening_twice_changes_nothing_and_a_new_client_gets_its_run_the_second_time():
    make_user()
    make_item()
    make_client("Acme")
    first = months.open_month(None, DECEMBER, now=in_month(DECEMBER))
    assert (first.created, first.already_open) == (1, False)
    again = months.open_month(None, DECEMBER, now=in_month(DECEMBER))
    assert (again.created, again.already_open) == (0, True)
    make_client("Bolt")
    later = months.open_month(None, DECEMBER, now=in_month(DECEMBER))
    assert later.created == 1
    assert db.session.scalar(select(func.count()).select_from(ChecklistRun)) == 2
    assert db.session.scalar(select(func.count()).select_from(MaintenanceMonth)) == 1
    opened = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "maintenance_month.opened")
    ).all()
    assert [event.after["runs_created"] for event in opened] == [1, 1]


def test_a_client_with_nothing_due_gets_no_run():
    make_user()
    make_item(cadence="yearly", cadence_month=6)
    make_client()
    assert open_month(DECEMBER) == []


def test_owners_are_the_named_one_then_last_months_then_the_least_loaded():
    ann, bob, cy = make_user(name="Ann"), make_user(name="Bob"), make_user(name="Cy")
    make_user(name="Deactivated", active=False)
    make_user(name="Manager", role="service_manager")
    make_item()
    named = make_client("A named")
    named.maintenance_owner_id = cy.id
    carried = make_client("B carried")
    november = months.add_months(DECEMBER, -1)
    opened = months.open_month(None, november, now=in_month(november))
    db.session.flush()
    last_month = db.session.scalar(
        select(ChecklistRun).where(
            ChecklistRun.month_id == opened.month.id, ChecklistRun.client_id == carried.id
        )
    )
    last_month.owner_id = bob.id
    for n in range(3):
        make_client(f"C{n}")  # new this month

    runs = {run.client.name: run.owner.name for run in open_month(DECEMBER)}

    assert runs["A named"] == "Cy"
    assert runs["B carried"] == "Bob"
    # Cy and Bob hold one each already: Ann first, then by name on a tie.
    assert [runs[f"C{n}"] for n in range(3)] == [ann.name, ann.name, bob.name]


def test_a_deactivated_named_owner_is_passed_over():
    gone, ann = make_user(name="Gone", active=False), make_user(name="Ann")
    make_item()
    client = make_client()
    client.maintenance_owner_id = gone.id
    [run] = open_month(DECEMBER)
    assert run.owner == ann


def test_without_an_active_technician_nothing_is_opened():
    make_item()
    make_client()
    with pytest.raises(RuleViolation, match="no active technician"):
        open_month(DECEMBER)


@pytest.mark.parametrize("offset", [-1, 2, 12])
def test_only_this_month_or_next_can_be_opened(offset):
    make_user()
    make_item()
    make_client()
    with pytest.raises(RuleViolation) as refused:
        months.open_month(None, months.add_months(DECEMBER, offset), now=in_month(DECEMBER))
    assert refused.value.field == "month"
    assert db.session.scalar(select(func.count()).select_from(MaintenanceMonth)) == 0


def test_next_month_can_be_opened_before_it_starts():
    make_user()
    make_item()
    make_client()
    opened = months.open_month(None, date(2027, 1, 1), now=in_month(DECEMBER))
    assert opened.created == 1


def test_a_month_closes_once_it_has_ended_and_a_closed_month_is_not_reopened():
    manager = make_user(role="service_manager")
    make_user()
    make_item()
    make_client()
    open_month(DECEMBER)
    record = months.find_month(DECEMBER)
    with pytest.raises(RuleViolation, match="once it has ended"):
        months.close_month(manager, record, now=in_month(DECEMBER))
    january = in_month(date(2027, 1, 1))
    months.close_month(manager, record, now=january)
    assert record.is_closed and record.closed_by == manager
    with pytest.raises(RuleViolation, match="already closed"):
        months.close_month(manager, record, now=january)
    with pytest.raises(RuleViolation, match="closed"):
        months.open_month(manager, DECEMBER, now=in_month(DECEMBER))


def test_run_items_are_copies_a_later_template_edit_does_not_rewrite():
    make_user()
    item = make_item("Backups verified")
    make_client()
    [run] = open_month(DECEMBER)
    item.title = "Backups verified and a restore tested"
    db.session.flush()
    assert db.session.get(ChecklistRunItem, run.items[0].id).title == "Backups verified"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12", DECEMBER),
        ("2027-01", date(2027, 1, 1)),
        ("2026-13", None),
        ("2026-1", None),
        ("12-2026", None),
        ("", None),
        (None, None),
        ("1999-01", None),
        ("9999-12", None),
    ],
)
def test_a_month_in_a_url_is_a_real_month_near_this_one(text, expected):
    assert months.month_from_text(text, now=in_month(DECEMBER)) == expected


def test_the_command_opens_this_month_once_and_says_so(app):
    make_user()
    make_item()
    make_client("Acme")
    make_client("Bolt")
    db.session.commit()
    runner = app.test_cli_runner()
    this_month = months.month_label(months.this_month())
    first = runner.invoke(args=["checklists", "open-month"])
    assert first.exit_code == 0 and f"Opened {this_month}: 2 runs." in first.output
    again = runner.invoke(args=["checklists", "open-month"])
    assert again.exit_code == 0 and f"{this_month} was already open; 0 new runs." in again.output
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(ChecklistRun)) == 2


@pytest.mark.parametrize("argument", ["2026-13", "last", "1990-01"])
def test_the_command_refuses_a_month_it_cannot_read(app, argument):
    result = app.test_cli_runner().invoke(args=["checklists", "open-month", argument])
    assert result.exit_code != 0 and "YYYY-MM" in result.output
