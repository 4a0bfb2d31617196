from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from mspboard.models import (
    AuditEvent,
    ChecklistProposal,
    ChecklistRun,
    ServiceRequest,
    db,
)
from mspboard.models.maintenance import NOTE_MAX, TITLE_MAX
from mspboard.services.errors import RuleViolation
from mspboard.services.maintenance import months, ticks
from tests.factories import make_client, make_user
from tests.maintenance_factories import in_month, make_item, open_month

DECEMBER = date(2026, 12, 1)


def at():
    """A moment in December, when the run is worked."""
    return in_month(DECEMBER)


@pytest.fixture
def shop():
    tess = make_user(name="Tess Owner")
    make_item("Backups verified", position=0)
    make_item("UPS self-test", position=1)
    client = make_client("Acme")
    (run,) = open_month(DECEMBER)
    other = make_user(name="Otto Other")
    manager = make_user(role="service_manager", name="Mia Manager")
    return {"run": run, "owner": tess, "other": other, "manager": manager, "client": client}


def first(run: ChecklistRun):
    return run.items[0]


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_owner_ticks_an_item_with_the_phone_moment_and_is_recorded_as_ticker(shop):
    item = first(shop["run"])
    ticks.tick(shop["owner"], item, "done", "  Veeam job OK, 28 restore points ", at())
    assert (item.outcome, item.note) == ("done", "Veeam job OK, 28 restore points")
    assert item.ticked_at == at() and item.ticked_by_id == shop["owner"].id
    assert item.version == 2
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "checklist_item.ticked")
    )
    assert event.actor_id == shop["owner"].id and event.after["outcome"] == "done"


def test_a_manager_may_tick_someone_elses_run(shop):
    item = first(shop["run"])
    ticks.tick(shop["manager"], item, "not_applicable", "", at())
    assert item.ticked_by_id == shop["manager"].id


def test_another_tech_may_not_tick_and_nothing_changes(shop):
    item = first(shop["run"])
    with pytest.raises(ticks.NotYourRun, match="Tess Owner's"):
        ticks.tick(shop["other"], item, "done", "", at())
    assert item.outcome is None and item.version == 1


def test_nothing_on_a_closed_months_run_can_be_ticked(shop):
    record = shop["run"].month
    months.close_month(shop["manager"], record, now=in_month(date(2027, 1, 1)))
    with pytest.raises(RuleViolation, match="December 2026 is closed"):
        ticks.tick(shop["owner"], first(shop["run"]), "done", "", at())
    with pytest.raises(RuleViolation, match="December 2026 is closed"):
        ticks.tick(shop["manager"], first(shop["run"]), "done", "", at())
    with pytest.raises(RuleViolation, match="December 2026 is closed"):
        ticks.propose(shop["owner"], shop["run"], "Check the NAS", "", False, at())
    assert count(ChecklistProposal) == 0


def test_the_run_of_an_inactive_client_cannot_be_ticked(shop):
    shop["client"].active = False
    with pytest.raises(RuleViolation, match="no longer an active client"):
        ticks.tick(shop["owner"], first(shop["run"]), "done", "", at())


@pytest.mark.parametrize("outcome", ["", "finished", "DONE", "problem "])
def test_an_unknown_outcome_is_refused(shop, outcome):
    with pytest.raises(RuleViolation) as refused:
        ticks.tick(shop["owner"], first(shop["run"]), outcome, "x", at())
    assert refused.value.field == "outcome"


def test_a_problem_needs_a_note(shop):
    with pytest.raises(RuleViolation, match="Say what you found") as refused:
        ticks.tick(shop["owner"], first(shop["run"]), "problem", "   ", at())
    assert refused.value.field == "note"


def test_a_note_of_exactly_the_limit_is_kept_and_one_more_character_is_refused(shop):
    item = first(shop["run"])
    ticks.tick(shop["owner"], item, "done", "n" * NOTE_MAX, at())
    assert len(item.note) == NOTE_MAX
    with pytest.raises(RuleViolation, match=f"{NOTE_MAX:,} characters") as refused:
        ticks.tick(shop["owner"], item, "done", "n" * (NOTE_MAX + 1), at())
    assert refused.value.field == "note" and len(item.note) == NOTE_MAX


def test_a_later_tick_changes_the_outcome_and_an_older_one_arriving_late_is_refused(shop):
    item = first(shop["run"])
    ticks.tick(shop["owner"], item, "done", "", at())
    ticks.tick(shop["owner"], item, "problem", "Two jobs failed", at() + timedelta(minutes=5))
    with pytest.raises(RuleViolation, match="A later tick is already saved: Problem by Tess"):
        ticks.tick(shop["owner"], item, "done", "", at() + timedelta(minutes=4, seconds=59))
    assert (item.outcome, item.ticked_at) == ("problem", at() + timedelta(minutes=5))
    ticks.tick(shop["owner"], item, "problem", "Same moment, later word", item.ticked_at)
    assert item.note == "Same moment, later word"


def test_a_problem_raised_as_an_sr_stays_a_problem(shop):
    item = first(shop["run"])
    ticks.tick(shop["owner"], item, "problem", "Job failed", at())
    sr = ticks.raise_problem(shop["owner"], item, at())
    with pytest.raises(RuleViolation, match=f"raised as {sr.number}"):
        ticks.tick(shop["owner"], item, "done", "", at() + timedelta(minutes=1))
    ticks.tick(shop["owner"], item, "problem", "Job failed twice", at() + timedelta(minutes=1))
    assert (item.outcome, item.sr_id) == ("problem", sr.id)


def test_a_problem_becomes_one_sr_for_the_client_assigned_to_the_owner(shop):
    item = first(shop["run"])
    ticks.tick(shop["owner"], item, "problem", "Nightly job failed\nSee the log", at())
    sr = ticks.raise_problem(shop["manager"], item, at())
    assert sr.title == "Backups verified: Nightly job failed"
    assert sr.client_id == shop["client"].id and sr.assignee_id == shop["owner"].id
    assert sr.priority == 3 and sr.created_by_id == shop["manager"].id
    assert "Nightly job failed\nSee the log" in sr.description
    assert "December 2026 maintenance checklist for Acme" in sr.description
    assert item.sr_id == sr.id and item.version == 3
    again = ticks.raise_problem(shop["owner"], item, at() + timedelta(minutes=1))
    assert again.id == sr.id and count(ServiceRequest) == 1


def test_a_long_problem_makes_an_sr_title_within_its_limit(shop):
    item = first(shop["run"])
    ticks.tick(shop["owner"], item, "problem", "x" * 500, at())
    sr = ticks.raise_problem(shop["owner"], item, at())
    assert len(sr.title) == 200 and sr.title.endswith("…")


def test_only_a_problem_can_be_raised_and_only_by_the_owner_or_a_manager(shop):
    item = first(shop["run"])
    with pytest.raises(RuleViolation, match="as a Problem"):
        ticks.raise_problem(shop["owner"], item, at())
    ticks.tick(shop["owner"], item, "problem", "Broken", at())
    with pytest.raises(ticks.NotYourRun):
        ticks.raise_problem(shop["other"], item, at())
    assert count(ServiceRequest) == 0


def test_a_proposal_is_for_the_runs_client_or_for_everyone(shop):
    run = shop["run"]
    mine = ticks.propose(
        shop["owner"], run, " Check the plotter ", "Print a test page", False, at()
    )
    everyone = ticks.propose(shop["manager"], run, "Rotate the Wi-Fi key", "", True, at())
    assert (mine.client_id, mine.title, mine.status) == (
        run.client_id,
        "Check the plotter",
        "proposed",
    )
    assert everyone.client_id is None and everyone.proposed_by_id == shop["manager"].id
    assert mine.run_id == run.id and mine.proposed_at == at()


def test_a_proposal_needs_a_title_within_bounds_and_the_right_person(shop):
    run = shop["run"]
    with pytest.raises(RuleViolation, match="Enter a title"):
        ticks.propose(shop["owner"], run, "  ", "", False, at())
    with pytest.raises(RuleViolation) as refused:
        ticks.propose(shop["owner"], run, "t" * (TITLE_MAX + 1), "", False, at())
    assert refused.value.field == "title"
    with pytest.raises(ticks.NotYourRun):
        ticks.propose(shop["other"], run, "Mine", "", False, at())
    ticks.propose(shop["owner"], run, "t" * TITLE_MAX, "", False, at())
    assert count(ChecklistProposal) == 1


def test_progress_counts_ticked_items_and_problems(shop):
    run = shop["run"]
    assert ticks.progress(run).label == "0/2" and not ticks.progress(run).done
    ticks.tick(shop["owner"], run.items[0], "problem", "Broken", at())
    ticks.tick(shop["owner"], run.items[1], "not_applicable", "", at())
    done = ticks.progress(run)
    assert (done.ticked, done.total, done.problems, done.done) == (2, 2, 1, True)


def test_my_runs_are_the_owners_runs_of_the_month(shop):
    assert ticks.my_runs(shop["owner"], DECEMBER) == [shop["run"]]
    assert ticks.my_runs(shop["other"], DECEMBER) == []
    assert ticks.my_runs(shop["owner"], date(2027, 1, 1)) == []
