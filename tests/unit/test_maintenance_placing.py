from datetime import date, time, timedelta

import pytest

from mspboard.models import ScheduleItem, db
from mspboard.services import planner
from mspboard.services.errors import RuleViolation
from mspboard.services.maintenance import months, placing
from mspboard.services.planner import ItemFields
from tests.factories import make_client, make_sr, make_user
from tests.maintenance_factories import in_month, make_item, open_month
from tests.shop_time import at_local

DECEMBER = date(2026, 12, 1)
MONDAY = date(2026, 12, 7)


def now():
    """A moment when December is this month."""
    return in_month(DECEMBER)


@pytest.fixture
def manager():
    return make_user(role="service_manager", name="Mona Manager")


@pytest.fixture
def tess():
    return make_user(name="Tess Tech")


def place(manager, run, tech=None, day=MONDAY, title=""):
    fields = ItemFields(
        tech_id=(tech or run.owner).id,
        starts_at=at_local(day, 9),
        ends_at=at_local(day, 11),
        title=title,
        checklist_run_id=run.id,
    )
    return planner.add_item(manager, fields).item


def sidebar(at=None) -> list[str]:
    return [run.client_name for run in placing.runs_to_place(at or now()).runs]


@pytest.mark.parametrize(
    ("total", "booked"),
    [(None, 30), (0, 30), (1, 30), (15, 30), (16, 30), (30, 30), (31, 45), (45, 45), (46, 60)],
)
def test_a_visit_is_booked_in_quarter_hours_and_never_under_half_an_hour(total, booked):
    assert placing.visit_minutes(total) == booked


def test_the_sidebar_lists_each_runs_client_owner_due_day_and_booked_time(tess):
    make_item("Backups", estimate_minutes=20)
    make_item("Patches", estimate_minutes=16, position=1)
    make_item("UPS", estimate_minutes=None, position=2)
    make_client("Acme")
    open_month(DECEMBER)

    found = placing.runs_to_place(now())

    assert found.total == 1
    [run] = found.runs
    assert (run.client_name, run.owner_name, run.items) == ("Acme", "Tess Tech", 3)
    assert run.due_on == months.last_workday(DECEMBER) and run.month == DECEMBER
    assert run.minutes == 45  # 36 minutes rounded up to the quarter hour


def test_a_placed_run_leaves_the_sidebar_and_deleting_its_item_puts_it_back(manager, tess):
    make_item()
    make_client("Acme")
    make_client("Bolt")
    acme, _bolt = open_month(DECEMBER)
    assert sidebar() == ["Acme", "Bolt"]

    item = place(manager, acme)

    assert item.checklist_run_id == acme.id and item.tech == tess
    assert item.title == "Monthly maintenance: Acme"
    assert sidebar() == ["Bolt"]
    planner.delete_item(manager, item, expected_version=item.edit_version)
    assert sidebar() == ["Acme", "Bolt"]


def test_the_sidebar_leaves_out_finished_runs_inactive_clients_closed_and_far_months(tess):
    make_item()
    make_item("Second", position=1)
    for name in ("Done", "Gone", "Half"):
        make_client(name)
    done, gone, half = open_month(DECEMBER)
    for item in [*done.items, half.items[0]]:
        item.outcome, item.ticked_at, item.ticked_by_id = "done", now(), tess.id
    gone.client.active = False
    db.session.flush()
    assert sidebar() == ["Half"]
    # A month from now, December is last month: neither this month nor next.
    assert sidebar(in_month(date(2027, 1, 1))) == []


def test_next_months_runs_are_listed_after_this_months_by_due_day(tess):
    make_item()
    make_client("Zed")
    open_month(DECEMBER)
    make_client("Acme")
    months.open_month(None, date(2027, 1, 1), now=now())
    db.session.flush()
    names = [(run.client_name, run.month) for run in placing.runs_to_place(now()).runs]
    assert names == [("Zed", DECEMBER), ("Acme", date(2027, 1, 1)), ("Zed", date(2027, 1, 1))]


def test_the_sidebar_shows_a_limited_list_and_counts_them_all(tess):
    make_item()
    for n in range(4):
        make_client(f"C{n}")
    open_month(DECEMBER)
    found = placing.runs_to_place(now(), limit=3)
    assert (len(found.runs), found.total, found.hidden) == (3, 4, 1)


def test_a_run_of_an_inactive_client_is_refused_next_to_the_field(manager, tess):
    make_item()
    make_client("Acme")
    [run] = open_month(DECEMBER)
    run.client.active = False
    with pytest.raises(RuleViolation) as refused:
        place(manager, run)
    assert refused.value.field == "checklist_run_id"
    assert refused.value.message == "Acme is inactive; its maintenance run cannot be scheduled."
    assert db.session.query(ScheduleItem).count() == 0


def test_a_run_of_a_closed_month_is_refused(manager, tess):
    make_item()
    make_client()
    [run] = open_month(DECEMBER)
    months.close_month(manager, run.month, now=in_month(date(2027, 1, 1)))
    with pytest.raises(RuleViolation) as refused:
        place(manager, run)
    assert (refused.value.field, refused.value.message) == (
        "checklist_run_id",
        "December 2026 is closed; its runs cannot be scheduled.",
    )


def test_a_run_already_on_the_planner_is_not_placed_twice(manager, tess):
    make_item()
    make_client("Acme")
    [run] = open_month(DECEMBER)
    place(manager, run)
    with pytest.raises(RuleViolation) as refused:
        place(manager, run, day=MONDAY + timedelta(days=1))
    assert refused.value.message == (
        "Acme's run is already on the planner for Tess Tech on Mon 07 Dec."
    )


def test_a_run_that_does_not_exist_is_refused(manager, tess):
    fields = ItemFields(
        tech_id=tess.id,
        starts_at=at_local(MONDAY, 9),
        ends_at=at_local(MONDAY, 10),
        checklist_run_id=2**31 - 1,
    )
    with pytest.raises(RuleViolation, match="does not exist") as refused:
        planner.add_item(manager, fields)
    assert refused.value.field == "checklist_run_id"


def test_a_visit_is_for_an_sr_or_a_run_not_both(manager, tess):
    make_item()
    make_client()
    [run] = open_month(DECEMBER)
    sr = make_sr()
    fields = ItemFields(
        tech_id=tess.id,
        starts_at=at_local(MONDAY, 9),
        ends_at=at_local(MONDAY, 10),
        sr_id=sr.id,
        checklist_run_id=run.id,
    )
    with pytest.raises(RuleViolation, match="not both"):
        planner.add_item(manager, fields)


def test_a_placed_run_moves_to_another_tech_and_day_and_keeps_its_run_after_the_month_closed(
    manager, tess
):
    other = make_user(name="Olly Other")
    make_item()
    make_client("Acme")
    [run] = open_month(DECEMBER)
    item = place(manager, run, title="Acme: monthly checks")
    assert item.title == "Acme: monthly checks"
    months.close_month(manager, run.month, now=in_month(date(2027, 1, 1)))
    planner.move_item(
        manager, item, other.id, MONDAY + timedelta(days=2), expected_version=item.edit_version
    )
    assert (item.tech, item.checklist_run_id) == (other, run.id)
    assert item.starts_at == at_local(MONDAY + timedelta(days=2), 9)


def test_an_edit_can_take_the_run_off_an_item_which_returns_it_to_the_sidebar(manager, tess):
    make_item()
    make_client("Acme")
    [run] = open_month(DECEMBER)
    item = place(manager, run)
    planner.update_item(
        manager,
        item,
        ItemFields(
            tech_id=tess.id,
            starts_at=item.starts_at,
            ends_at=item.ends_at,
            title="Documentation",
        ),
        expected_version=item.edit_version,
    )
    assert item.checklist_run_id is None and sidebar() == ["Acme"]


def test_a_suggested_visit_starts_at_the_owners_day_and_lasts_the_booked_time(tess):
    tess.day_start = time(8, 30)
    make_item(estimate_minutes=50)
    make_client()
    [run] = open_month(DECEMBER)
    assert placing.suggested_visit(run) == (time(8, 30), time(9, 30))
    tess.day_start, tess.day_end = time(23, 30), time(23, 59)
    assert placing.suggested_visit(run) == (time(23, 30), time(23, 45))


def test_backlog_counts_this_months_unplaced_runs_per_owner(manager, tess):
    ann = make_user(name="Ann Early")
    make_item()
    clients = [make_client(f"C{n}") for n in range(3)]
    clients[0].maintenance_owner_id = ann.id
    runs = open_month(DECEMBER)
    place(manager, runs[2])
    months.open_month(None, date(2027, 1, 1), now=now())  # next month is not the backlog's

    found = placing.unplaced_this_month(now())

    assert found.month == DECEMBER and found.total == 2
    assert [(o.owner_name, o.runs) for o in found.by_owner] == [("Ann Early", 1), ("Tess Tech", 1)]
