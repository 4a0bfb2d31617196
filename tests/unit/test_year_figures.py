"""The year in figures: each month counted on the shop's clocks, time cards judged against
their deadline to the second, ages at close, maintenance and goals, in a fixed number of
queries, and the manager's written review saved like every desk record."""

from contextlib import contextmanager
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import event, func, select

from mspboard.models import (
    AuditEvent,
    ChecklistRun,
    ChecklistRunItem,
    Goal,
    MaintenanceMonth,
    YearSummary,
    db,
)
from mspboard.services.edits import EditConflict
from mspboard.services.errors import RuleViolation
from mspboard.services.figures import summaries
from mspboard.services.figures.year import month_bounds, nearest_rank, year_figures
from mspboard.services.time_cards import submission_deadline
from tests.factories import make_client, make_sr, make_user
from tests.field_factories import make_card, make_entry, make_schedule_item
from tests.shop_time import at_local

YEAR = 2025


@pytest.fixture
def spring(stopped):
    """The clock held in March of the year after, so every week of YEAR has passed."""
    stopped.move_to(datetime(YEAR + 1, 3, 4, 15, 0).astimezone())
    return stopped


def test_time_counts_in_the_month_it_starts_in_on_the_shops_clocks(spring):
    tech = make_user(name="Uma")
    make_entry(tech, at_local(date(YEAR, 1, 31), 23, 30), minutes=60)
    make_entry(tech, at_local(date(YEAR, 2, 1), 0, 0), minutes=30, billable=False)
    make_schedule_item(tech, at_local(date(YEAR, 1, 30), 9), hours=2)
    figures = year_figures(YEAR)
    january, february = figures.months[:2]
    assert (january.logged, january.billable, january.scheduled) == (1.0, 1.0, 2.0)
    assert (january.billable_share, january.utilisation) == (100, 50)
    assert (february.logged, february.billable, february.billable_share) == (0.5, 0, 0)
    assert february.utilisation is None  # nothing scheduled: no share to take
    [uma] = figures.techs
    assert uma.tech.name == "Uma" and uma.months[0].logged_share == 50
    assert uma.months[2] is None and uma.logged == 1.5 and uma.billable_share == 67


def test_time_before_and_after_the_year_is_left_out(spring):
    tech = make_user()
    make_entry(tech, at_local(date(YEAR - 1, 12, 31), 23, 0), minutes=90)
    make_entry(tech, at_local(date(YEAR + 1, 1, 1), 0, 0), minutes=45)
    assert year_figures(YEAR).whole.logged == 0


@pytest.mark.parametrize("shop_zone_name", ["America/New_York"])
def test_months_start_at_local_midnight_across_a_clock_change(spring, shop_zone_name):
    bounds = month_bounds(YEAR)
    assert len(bounds) == 13
    assert bounds[2] - bounds[1] == timedelta(days=28)
    assert bounds[3] - bounds[2] == timedelta(days=31, hours=-1)  # the clocks jump forward
    assert bounds[11] - bounds[10] == timedelta(days=30, hours=1)  # and go back
    assert all(moment.astimezone().tzinfo for moment in bounds)


def test_srs_opened_and_closed_with_their_age_at_close(spring):
    client = make_client()
    for days in (1, 2, 3, 4, 10):
        sr = make_sr(client, created_at=at_local(date(YEAR, 3, 25), 9))
        sr.status, sr.closed_at = "done", at_local(date(YEAR, 3, 25), 9) + timedelta(days=days)
    carried = make_sr(client, created_at=at_local(date(YEAR - 1, 12, 31), 23, 59))
    carried.status, carried.closed_at = "done", at_local(date(YEAR, 1, 1), 0, 1)
    make_sr(client, created_at=at_local(date(YEAR, 12, 31), 23, 59))  # still open
    db.session.flush()
    figures = year_figures(YEAR)
    january, march = figures.months[0], figures.months[2]
    assert (january.srs_opened, january.srs_closed) == (0, 1)
    assert (march.srs_opened, march.srs_closed) == (5, 4)
    assert march.age_median == pytest.approx(2.5)
    assert march.age_p90 == pytest.approx(4)
    assert figures.months[3].srs_closed == 1 and figures.months[3].age_p90 == pytest.approx(10)
    assert figures.months[11].srs_opened == 1
    assert (figures.whole.srs_opened, figures.whole.srs_closed) == (6, 6)


def test_nearest_rank_percentiles():
    assert nearest_rank([], 0.9) is None
    assert nearest_rank([5.0], 0.9) == 5.0
    assert nearest_rank([3.0, 1.0, 5.0, 2.0, 4.0], 0.9) == 5.0  # rank 4.5 rounds up, to 5
    assert nearest_rank([3.0, 1.0, 5.0, 2.0, 4.0], 0.5) == 3.0
    assert nearest_rank([float(n) for n in range(1, 11)], 0.9) == 9.0
    assert nearest_rank([float(n) for n in range(1, 12)], 0.9) == 10.0


def test_a_card_sent_at_its_deadline_is_on_time_and_a_second_later_is_late(spring):
    week = date(YEAR, 6, 2)  # a Monday
    deadline = submission_deadline(week)
    on_time, late, unsent, sent_back = make_user(), make_user(), make_user(), make_user()
    make_card(on_time, week, "approved").submitted_at = deadline
    make_card(late, week, "submitted").submitted_at = deadline + timedelta(seconds=1)
    make_card(unsent, week, "draft")
    make_card(sent_back, week, "rejected").submitted_at = deadline - timedelta(hours=2)
    db.session.flush()
    june = year_figures(YEAR).months[5]
    assert (june.cards_on_time, june.cards_late, june.cards_unsent) == (2, 1, 1)
    assert june.on_time_share == 50


def test_a_draft_whose_deadline_has_not_passed_is_not_yet_unsent(stopped):
    week = date(YEAR, 6, 2)
    stopped.move_to(submission_deadline(week))
    make_card(make_user(), week, "draft")
    assert year_figures(YEAR).months[5].cards_unsent == 0
    stopped.shift(timedelta(seconds=1))
    assert year_figures(YEAR).months[5].cards_unsent == 1


def _month_with_runs(month: date, ticked: list[list[bool]]) -> None:
    record = MaintenanceMonth(month=month, opened_at=at_local(month, 7))
    db.session.add(record)
    db.session.flush()
    owner = make_user()
    for flags in ticked:
        run = ChecklistRun(month_id=record.id, client_id=make_client().id, owner_id=owner.id,
                           due_on=month + timedelta(days=27))  # fmt: skip
        db.session.add(run)
        db.session.flush()
        for position, done in enumerate(flags):
            db.session.add(
                ChecklistRunItem(
                    run_id=run.id, title=f"Check {position}", position=position,
                    outcome="done" if done else None, ticked_by_id=owner.id if done else None,
                    ticked_at=at_local(month, 12) if done else None,
                )
            )  # fmt: skip
    db.session.flush()


def test_maintenance_runs_done_are_those_with_every_item_ticked(spring):
    _month_with_runs(date(YEAR, 4, 1), [[True, True], [True, False], [False, False]])
    _month_with_runs(date(YEAR - 1, 12, 1), [[True]])
    figures = year_figures(YEAR)
    april = figures.months[3]
    assert (april.runs, april.runs_done, april.completion) == (3, 1, 33)
    assert figures.whole.runs == 3 and figures.months[0].completion is None


def test_goals_met_of_decided_by_quarter_and_for_the_year(spring):
    tech = make_user()

    def goal(period: str, start: date, status: str) -> None:
        db.session.add(Goal(user_id=tech.id, period=period, period_start=start,
                            title="A goal", status=status))  # fmt: skip

    goal("quarter", date(YEAR, 1, 1), "met")
    goal("quarter", date(YEAR, 1, 1), "missed")
    goal("quarter", date(YEAR, 4, 1), "on_track")
    goal("quarter", date(YEAR, 10, 1), "dropped")
    goal("year", date(YEAR, 1, 1), "met")
    goal("quarter", date(YEAR - 1, 10, 1), "met")
    db.session.flush()
    tallies = {t.label: (t.total, t.decided, t.met) for t in year_figures(YEAR).goals}
    assert tallies == {
        "Q1": (2, 2, 1),
        "Q2": (1, 0, 0),
        "Q3": (0, 0, 0),
        "Q4": (1, 1, 0),
        "Year": (1, 1, 1),
    }


def test_a_year_with_nothing_in_it_is_all_zeros(spring):
    figures = year_figures(YEAR)
    assert not figures.has_data and len(figures.months) == 12
    assert figures.whole.logged == 0 and figures.whole.age_median is None
    assert figures.techs == []


@contextmanager
def counted():
    seen = []

    def count(*_args):
        seen.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def _shop_of(techs: int, clients: int, runs_in: int) -> None:
    people = [make_user() for _ in range(techs)]
    for n in range(clients):
        client = make_client()
        opened = at_local(date(YEAR, 1 + n % 12, 1), 9)
        sr = make_sr(client, created_at=opened)
        sr.status, sr.closed_at = "done", opened + timedelta(days=n % 5 + 1)
    for n, tech in enumerate(people):
        for month in range(1, 13):
            make_entry(tech, at_local(date(YEAR, month, 3 + n % 5), 10), minutes=60)
            make_schedule_item(tech, at_local(date(YEAR, month, 10), 9))
        make_card(tech, date(YEAR, 3, 3), "approved")
        db.session.add(Goal(user_id=tech.id, period="year", period_start=date(YEAR, 1, 1),
                            title="Goal", status="met"))  # fmt: skip
    _month_with_runs(date(YEAR, runs_in, 1), [[True]] * clients)
    db.session.flush()


def test_the_figures_cost_the_same_queries_for_a_small_and_a_large_shop(spring):
    _shop_of(techs=1, clients=1, runs_in=2)
    db.session.commit()
    db.session.expire_all()
    with counted() as small:
        year_figures(YEAR)
    _shop_of(techs=12, clients=30, runs_in=5)
    db.session.commit()
    db.session.expire_all()
    with counted() as large:
        figures = year_figures(YEAR)
    assert len(figures.techs) == 13
    assert (figures.months[1].runs, figures.months[4].runs) == (1, 30)
    assert len(large) == len(small) <= 10


# ---- the written review --------------------------------------------------------------------


def test_the_first_save_creates_the_review_and_audits_it(spring):
    manager = make_user(role="service_manager", name="Dana")
    summary = summaries.summary_of(YEAR)
    assert summary.id is None and summary.version == 1
    changed = summaries.save_summary(
        manager, summary, successes="Closed more than we opened.", fails="", next_year_goals="",
        expected_version=1,
    )  # fmt: skip
    assert set(changed) == {"successes"}
    stored = summaries.stored_summary(YEAR)
    assert stored.version == 2 and stored.updated_by_id == manager.id
    [audit] = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "year_summary.updated")
    )
    assert (
        audit.actor_id == manager.id and audit.after["successes"] == "Closed more than we opened."
    )


def test_a_save_that_changes_nothing_writes_nothing(spring):
    manager = make_user(role="service_manager")
    audited = db.session.scalar(select(func.count()).select_from(AuditEvent))
    assert summaries.save_summary(
        manager, summaries.summary_of(YEAR), successes=" ", fails="", next_year_goals="",
        expected_version=1,
    ) == {}  # fmt: skip
    assert db.session.scalar(select(func.count()).select_from(YearSummary)) == 0
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == audited


def test_a_save_from_an_older_form_is_refused_naming_the_other_change(spring):
    first, second = make_user(role="service_manager", name="Dana"), make_user(role="admin")
    summaries.save_summary(first, summaries.summary_of(YEAR), successes="A", fails="",
                           next_year_goals="", expected_version=1)  # fmt: skip
    with pytest.raises(EditConflict) as refused:
        summaries.save_summary(second, summaries.summary_of(YEAR), successes="B", fails="",
                               next_year_goals="", expected_version=1)  # fmt: skip
    assert "Dana changed the successes" in refused.value.message


def test_control_characters_are_refused_next_to_their_field(spring):
    with pytest.raises(RuleViolation) as refused:
        summaries.save_summary(make_user(role="service_manager"), summaries.summary_of(YEAR),
                               successes="", fails="bad\x00", next_year_goals="",
                               expected_version=1)  # fmt: skip
    assert refused.value.field == "fails"
