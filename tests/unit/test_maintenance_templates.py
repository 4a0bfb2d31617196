from datetime import date

import pytest
from sqlalchemy import func, select

from mspboard.models import (
    AuditEvent,
    ChecklistExclusion,
    ChecklistItem,
    ChecklistRun,
    ChecklistRunItem,
    db,
)
from mspboard.services.edits import EditConflict
from mspboard.services.errors import RuleViolation
from mspboard.services.maintenance import months
from mspboard.services.maintenance import templates as rules
from mspboard.services.maintenance.templates import Change, ItemValues, RunAction
from tests.factories import make_client, make_user
from tests.maintenance_factories import exclude, in_month, make_item, open_month
from tests.shop_time import at_local

DECEMBER = date(2026, 12, 1)


def values(**changes) -> ItemValues:
    return ItemValues(
        **{
            "title": "Backups verified",
            "instruction": "Open the backup console.",
            "estimate_minutes": 15,
            **changes,
        }
    )


def titles(run: ChecklistRun) -> list[str]:
    db.session.refresh(run)
    return [item.title for item in run.items]


def tick(run_item: ChecklistRunItem, who) -> None:
    run_item.outcome = "done"
    run_item.ticked_at = in_month(DECEMBER)
    run_item.ticked_by_id = who.id
    db.session.flush()


@pytest.fixture
def manager():
    return make_user(role="service_manager", name="Morgan")


@pytest.fixture
def shop(manager):
    """December is open: Acme, Bolt and Cobalt each have a run of two base items."""
    tech = make_user(name="Tess")
    backups = make_item("Backups verified", position=0)
    ups = make_item("UPS self-test", position=1)
    clients = [make_client(name) for name in ("Acme", "Bolt", "Cobalt")]
    runs = open_month(DECEMBER)
    return {"tech": tech, "backups": backups, "ups": ups, "clients": clients, "runs": runs}


# ---- the values of an item ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cadence", "month", "refused"),
    [
        ("quarterly", 0, True),
        ("quarterly", 1, False),
        ("quarterly", 3, False),
        ("quarterly", 4, True),
        ("quarterly", None, True),
        ("yearly", 0, True),
        ("yearly", 1, False),
        ("yearly", 12, False),
        ("yearly", 13, True),
        ("yearly", None, True),
        ("monthly", None, False),
        ("monthly", 1, True),
    ],
)
def test_the_cadence_month_fits_its_cadence(cadence, month, refused):
    wanted = values(cadence=cadence, cadence_month=month)
    if not refused:
        assert rules.check_values(wanted).cadence_month == month
        return
    with pytest.raises(RuleViolation) as violation:
        rules.check_values(wanted)
    assert violation.value.field == "cadence_month"


def test_the_quarterly_refusal_says_which_months_fit():
    with pytest.raises(RuleViolation, match="Month of the quarter must be 1, 2 or 3"):
        rules.check_values(values(cadence="quarterly", cadence_month=4))


@pytest.mark.parametrize(
    ("title", "refused"), [("x" * 200, False), ("x" * 201, True), ("", True), ("   ", True)]
)
def test_a_title_is_required_and_at_most_200_characters(title, refused):
    if not refused:
        assert rules.check_values(values(title=title)).title == title
        return
    with pytest.raises(RuleViolation) as violation:
        rules.check_values(values(title=title))
    assert violation.value.field == "title"


@pytest.mark.parametrize(
    ("field", "wrong"),
    [
        ("instruction", "x" * 4001),
        ("instruction", "bell\x07"),
        ("estimate_minutes", 0),
        ("estimate_minutes", 481),
        ("estimate_minutes", -5),
        ("cadence", "weekly"),
    ],
)
def test_other_values_out_of_bounds_are_refused_next_to_their_field(field, wrong):
    with pytest.raises(RuleViolation) as violation:
        rules.check_values(values(**{field: wrong}))
    assert violation.value.field == field


def test_estimates_at_the_bounds_and_none_are_fine():
    for estimate in (1, 480, None):
        assert rules.check_values(values(estimate_minutes=estimate)).estimate_minutes == estimate


@pytest.mark.parametrize(
    ("cadence", "month", "words"),
    [
        ("monthly", None, "Monthly"),
        ("quarterly", 2, "Quarterly, 2nd month"),
        ("quarterly", 1, "Quarterly, 1st month"),
        ("yearly", 3, "Yearly, in March"),
    ],
)
def test_a_cadence_reads_in_words(cadence, month, words):
    assert rules.cadence_words(cadence, month) == words


# ---- adding, editing and retiring ------------------------------------------------------------


def test_an_edit_is_versioned_and_audited_and_refused_from_an_older_form(manager):
    item = make_item("Backups verified")
    rules.apply(manager, Change.edit(item, values(title="Backups restored"), 1), apply_now=False)
    db.session.flush()
    assert (item.title, item.version) == ("Backups restored", 2)
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "checklist_item.updated")
    )
    assert event.before["title"] == "Backups verified" and event.after["version"] == 2
    with pytest.raises(EditConflict):
        rules.apply(manager, Change.edit(item, values(title="Other"), 1), apply_now=False)
    assert item.title == "Backups restored"


def test_a_new_item_goes_at_the_end_of_its_list(manager):
    make_item("First", position=0)
    make_item("Second", position=4)
    added = rules.apply(manager, Change.add(values(title="Third")), apply_now=False).item
    assert (added.position, added.client_id, added.created_by_id) == (5, None, manager.id)


def test_retiring_keeps_the_item_and_no_new_run_gets_it(manager):
    make_user()
    item = make_item("Old check")
    make_item("Kept check")
    make_client("Acme")
    rules.apply(manager, Change.retire(item, 1), apply_now=False, now=in_month(DECEMBER))
    db.session.flush()
    assert db.session.get(ChecklistItem, item.id).retired_at == in_month(DECEMBER)
    [run] = open_month(DECEMBER)
    assert titles(run) == ["Kept check"]
    with pytest.raises(RuleViolation, match="retired"):
        rules.apply(manager, Change.edit(item, values(), item.version), apply_now=False)


def test_an_inactive_clients_checklist_does_not_change(manager):
    client = make_client("Gone")
    client.active = False
    with pytest.raises(RuleViolation, match="deactivated"):
        rules.apply(manager, Change.add(values(), client), apply_now=False)
    with pytest.raises(RuleViolation, match="deactivated"):
        rules.apply(manager, Change.drop(client, make_item()), apply_now=False)
    assert db.session.scalar(select(func.count()).select_from(ChecklistItem)) == 1


def test_moving_swaps_with_the_neighbour_and_stops_at_the_ends(manager):
    first, _, third = (make_item(t, position=0) for t in ("A", "B", "C"))  # ties by id
    assert rules.move(manager, third, up=True, expected_version=1)
    order = [i.title for i in rules.base_checklist().items]
    assert order == ["A", "C", "B"]
    assert not rules.move(manager, first, up=True, expected_version=first.version)
    with pytest.raises(EditConflict):
        rules.move(manager, third, up=True, expected_version=1)


def test_the_owner_is_an_active_technician_or_nobody(manager):
    tess, gone = make_user(name="Tess"), make_user(name="Gone", active=False)
    client = make_client()
    assert rules.set_owner(manager, client, tess.id, 1) == {"maintenance_owner_id": (None, tess.id)}
    for wrong in (gone.id, manager.id, 999):
        with pytest.raises(RuleViolation) as violation:
            rules.set_owner(manager, client, wrong, client.version)
        assert violation.value.field == "owner_id"
    with pytest.raises(EditConflict):
        rules.set_owner(manager, client, None, 1)
    rules.set_owner(manager, client, None, client.version)
    assert client.maintenance_owner_id is None


# ---- the system-wide change -----------------------------------------------------------------


def test_the_preview_names_the_open_runs_an_edit_changes_and_writes_nothing(manager, shop):
    backups = shop["backups"]
    change = Change.edit(backups, values(title="Backups restored"), backups.version)
    affected = rules.open_runs_affected(change, now=in_month(DECEMBER))
    assert affected.client_names == ["Acme", "Bolt", "Cobalt"]
    assert affected.summary == (
        "This changes the open December 2026 runs of 3 clients: Acme, Bolt and Cobalt."
    )
    assert db.session.get(ChecklistItem, backups.id).title == "Backups verified"
    assert not db.session.dirty


def test_apply_now_changes_untouched_copies_bumps_versions_and_leaves_a_ticked_one(manager, shop):
    acme, bolt, cobalt = shop["runs"]
    acme_copy = acme.items[0]
    tick(acme_copy, shop["tech"])
    change = Change.edit(shop["backups"], values(title="Backups restored", billable=False), 1)
    affected = rules.open_runs_affected(change, now=in_month(DECEMBER))
    assert (affected.client_names, affected.kept) == (["Bolt", "Cobalt"], 1)

    applied = rules.apply(manager, change, apply_now=True, now=in_month(DECEMBER))
    db.session.flush()

    assert applied.affected.client_names == ["Bolt", "Cobalt"]
    assert titles(acme) == ["Backups verified", "UPS self-test"]
    assert acme.version == 1 and acme_copy.version == 1
    for run in (bolt, cobalt):
        assert titles(run) == ["Backups restored", "UPS self-test"]
        assert run.version == 2
        assert (run.items[0].version, run.items[0].billable) == (2, False)
        assert run.items[1].version == 1


def test_apply_for_next_month_only_changes_no_run_but_next_months_opening_uses_it(manager, shop):
    change = Change.edit(shop["backups"], values(title="Backups restored"), 1)
    applied = rules.apply(manager, change, apply_now=False, now=in_month(DECEMBER))
    db.session.flush()
    assert not applied.affected
    for run in shop["runs"]:
        assert titles(run) == ["Backups verified", "UPS self-test"] and run.version == 1
    january = months.add_months(DECEMBER, 1)
    assert [titles(run)[0] for run in open_month(january)] == ["Backups restored"] * 3


def test_a_new_item_joins_the_end_of_the_open_runs_of_the_clients_it_applies_to(manager, shop):
    acme, bolt, _ = shop["runs"]
    tick(bolt.items[1], shop["tech"])  # started runs get it too: it is a new check
    change = Change.add(values(title="Plotter service"), client=shop["clients"][0])
    assert rules.open_runs_affected(change, now=in_month(DECEMBER)).client_names == ["Acme"]
    rules.apply(manager, change, apply_now=True, now=in_month(DECEMBER))
    db.session.flush()
    assert titles(acme) == ["Backups verified", "UPS self-test", "Plotter service"]
    assert [i.position for i in acme.items] == [0, 1, 2]
    assert titles(bolt) == ["Backups verified", "UPS self-test"]

    base = Change.add(values(title="Firewall rules"))
    assert rules.open_runs_affected(base, now=in_month(DECEMBER)).client_names == [
        "Acme",
        "Bolt",
        "Cobalt",
    ]


def test_a_new_item_not_due_this_month_changes_no_open_run(manager, shop):
    march_only = Change.add(values(title="Fire drill", cadence="yearly", cadence_month=3))
    assert not rules.open_runs_affected(march_only, now=in_month(DECEMBER))
    december = Change.add(values(title="Licences", cadence="quarterly", cadence_month=3))
    assert len(rules.open_runs_affected(december, now=in_month(DECEMBER)).changes) == 3


def test_dropping_an_item_removes_only_an_unticked_copy(manager, shop):
    acme, bolt, _ = shop["runs"]
    ups = shop["ups"]
    for run, client in ((acme, shop["clients"][0]), (bolt, shop["clients"][1])):
        if run is bolt:
            tick(run.items[1], shop["tech"])
        affected = rules.open_runs_affected(Change.drop(client, ups), now=in_month(DECEMBER))
        rules.apply(manager, Change.drop(client, ups), apply_now=True, now=in_month(DECEMBER))
        db.session.flush()
        assert len(affected.changes) == (1 if run is acme else 0)
    assert titles(acme) == ["Backups verified"] and acme.version == 2
    assert titles(bolt) == ["Backups verified", "UPS self-test"] and bolt.version == 1
    assert db.session.scalar(select(func.count()).select_from(ChecklistExclusion)) == 2
    with pytest.raises(RuleViolation, match="already off"):
        rules.apply(manager, Change.drop(shop["clients"][0], ups), apply_now=True)


def test_restoring_puts_the_item_back_on_that_clients_open_run_only(manager, shop):
    acme = shop["runs"][0]
    acme_client = shop["clients"][0]
    ups = shop["ups"]
    rules.apply(manager, Change.drop(acme_client, ups), apply_now=True, now=in_month(DECEMBER))
    affected = rules.open_runs_affected(Change.restore(acme_client, ups), now=in_month(DECEMBER))
    assert [(c.run.client.name, c.action) for c in affected.changes] == [("Acme", RunAction.ADD)]
    rules.apply(manager, Change.restore(acme_client, ups), apply_now=True, now=in_month(DECEMBER))
    db.session.flush()
    assert titles(acme) == ["Backups verified", "UPS self-test"]
    assert [i.position for i in acme.items] == [0, 1]  # at the end again


def test_retiring_with_apply_now_removes_untouched_copies_and_keeps_ticked_ones(manager, shop):
    acme, bolt, cobalt = shop["runs"]
    tick(acme.items[1], shop["tech"])
    rules.apply(manager, Change.retire(shop["ups"], 1), apply_now=True, now=in_month(DECEMBER))
    db.session.flush()
    assert titles(acme) == ["Backups verified", "UPS self-test"]
    assert titles(bolt) == titles(cobalt) == ["Backups verified"]
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "checklist_item.applied_to_open_runs")
    )
    assert event.after["remove"] == 2 and sorted(event.after["runs"]) == [bolt.id, cobalt.id]


def test_a_base_edit_skips_the_runs_of_clients_that_drop_the_item(manager, shop):
    exclude(shop["clients"][2], shop["ups"])
    change = Change.edit(shop["ups"], values(title="UPS battery test"), 1)
    # Cobalt's run was opened with the UPS item before it was dropped: the edit removes it.
    affected = rules.open_runs_affected(change, now=in_month(DECEMBER))
    assert [(c.run.client.name, c.action) for c in affected.changes] == [
        ("Acme", RunAction.UPDATE),
        ("Bolt", RunAction.UPDATE),
        ("Cobalt", RunAction.REMOVE),
    ]


def test_a_closed_month_and_an_ended_one_are_never_changed(manager, shop):
    january = months.add_months(DECEMBER, 1)
    in_january = in_month(january)
    january_runs = open_month(january)
    december = months.find_month(DECEMBER)
    months.close_month(manager, december, now=in_january)
    change = Change.edit(shop["backups"], values(title="Backups restored"), 1)
    affected = rules.open_runs_affected(change, now=in_january)
    assert {c.run.id for c in affected.changes} == {run.id for run in january_runs}
    rules.apply(manager, change, apply_now=True, now=in_january)
    db.session.flush()
    for run in shop["runs"]:
        assert titles(run)[0] == "Backups verified" and run.version == 1
    # A month that has ended but is not closed yet is kept as it ended, too.
    february = months.add_months(DECEMBER, 2)
    later = Change.edit(shop["backups"], values(title="Backups checked"), 2)
    assert not rules.open_runs_affected(later, now=at_local(february.replace(day=3), 9))


def test_a_copy_ticked_after_the_preview_is_left_alone_by_the_apply(manager, shop):
    acme = shop["runs"][0]
    change = Change.edit(shop["backups"], values(title="Backups restored"), 1)
    affected = rules.open_runs_affected(change, now=in_month(DECEMBER))
    tick(acme.items[0], shop["tech"])
    # The apply plans again; and even a copy ticked between its plan and its UPDATE stays.
    stale = [c for c in affected.changes if c.run is acme]
    rules._carry_out(rules.Affected(stale), shop["backups"], values(title="Backups restored"))
    db.session.flush()
    assert titles(acme)[0] == "Backups verified" and acme.version == 1


def test_the_client_page_lists_the_base_with_its_drops_then_its_additions(manager):
    client = make_client("Acme")
    backups, ups = make_item("Backups verified"), make_item("UPS self-test", position=1)
    exclude(client, ups)
    make_item("Plotter service", client=client)
    make_item("Other's item", client=make_client("Bolt"))
    checklist = rules.client_checklist(client)
    assert [i.title for i in checklist.base] == ["Backups verified", "UPS self-test"]
    assert checklist.dropped == {ups.id} and checklist.kept_base == [backups]
    assert [i.title for i in checklist.additions] == ["Plotter service"]
    summary = {s.client.name: (s.additions, s.dropped) for s in rules.base_checklist().clients}
    assert summary == {"Acme": (1, 1), "Bolt": (1, 0)}


def test_a_month_closed_early_is_not_changed_either(manager, shop):
    # Closing waits for the month's end (months.close_month); a closed row is final whatever.
    months.find_month(DECEMBER).closed_at = in_month(DECEMBER)
    change = Change.edit(shop["backups"], values(title="Backups restored"), 1)
    assert not rules.open_runs_affected(change, now=in_month(DECEMBER))
