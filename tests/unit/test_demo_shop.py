from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from mspboard import demo
from mspboard.models import (
    ChecklistExclusion,
    ChecklistItem,
    ChecklistRun,
    Client,
    QuarterlyReview,
    ScheduleItem,
    ServiceRequest,
    TimeCard,
    TimeEntry,
    TimeOffRequest,
    TrainingKind,
    User,
    YearSummary,
    db,
    utcnow,
)
from mspboard.services import accounts
from mspboard.services.maintenance import months
from mspboard.services.people import training
from mspboard.services.shop_settings import shop_zone
from mspboard.services.time_weeks import local_date, local_midnight, week_start_of


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_demo_shop_is_a_believable_small_msp():
    demo.seed_demo(last_year=False)
    db.session.commit()
    assert count(YearSummary) == 0  # last year's history left out when asked
    roles = Counter(db.session.scalars(select(User.role)))
    assert roles == {"technician": 6, "service_manager": 1, "admin": 1}
    assert count(Client) == 25
    srs = db.session.scalars(select(ServiceRequest)).all()
    assert 110 <= len(srs) <= 130
    assert {sr.status for sr in srs} == {"new", "scheduled", "in_progress", "waiting", "done"}
    assert {sr.priority for sr in srs} == {1, 2, 3, 4}
    ages = [utcnow() - sr.created_at for sr in srs]
    assert min(ages) < timedelta(days=2) and max(ages) > timedelta(days=45)
    assert count(TimeEntry) > 6 * 5 * 3
    statuses = set(db.session.scalars(select(TimeCard.status)))
    assert "submitted" in statuses
    assert "pending" in set(db.session.scalars(select(TimeOffRequest.status)))


def test_demo_schedule_covers_this_week_and_next():
    now = utcnow()
    demo.seed_demo(now, last_year=False)
    reviews_items = select(QuarterlyReview.schedule_item_id).where(
        QuarterlyReview.schedule_item_id.is_not(None)
    )
    monday = week_start_of(now)  # this week as the shop counts it, in its own zone
    starts = list(
        db.session.scalars(
            select(ScheduleItem.starts_at).where(
                ScheduleItem.checklist_run_id.is_(None),
                ScheduleItem.id.not_in(reviews_items),
                ScheduleItem.training_event_id.is_(None),
                # Last year's schedule ends before last week.
                ScheduleItem.starts_at >= local_midnight(monday - timedelta(weeks=1)),
            )
        )
    )
    assert local_date(min(starts)) == monday
    assert local_date(max(starts)) == monday + timedelta(days=11)


def test_every_demo_login_works_with_the_demo_password():
    demo.seed_demo(last_year=False)
    for login in demo.DEMO_LOGINS:
        assert accounts.authenticate(login.email, demo.DEMO_PASSWORD) is not None


def test_seed_refuses_a_database_with_data_unless_forced(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    refused = runner.invoke(args=["seed-demo"])
    assert refused.exit_code != 0 and "not empty" in refused.output
    left_alone = runner.invoke(args=["seed-demo", "--if-empty"])
    assert left_alone.exit_code == 0 and "manager@demo.test" in left_alone.output
    forced = runner.invoke(args=["seed-demo", "--force"])
    assert forced.exit_code == 0
    db.session.expire_all()
    assert count(User) == 8


def test_create_user_command_asks_for_the_password(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "create-user",
            "--email",
            "New@Shop.test",
            "--name",
            "New Tech",
            "--role",
            "technician",
        ],
        input="a long enough password\na long enough password\n",
    )
    assert result.exit_code == 0, result.output
    assert accounts.authenticate("new@shop.test", "a long enough password") is not None


def test_create_user_command_reports_a_refusal(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["create-user", "--email", "x@shop.test", "--name", "X", "--role", "admin"],
        input="short\nshort\n",
    )
    assert result.exit_code != 0 and "at least 12" in result.output


def _this_and_last_month(now):
    this = months.this_month(now)
    return months.find_month(this), months.find_month(months.add_months(this, -1))


def _state(run: ChecklistRun) -> str:
    ticked = sum(1 for item in run.items if item.is_ticked)
    return "done" if ticked == len(run.items) else "in progress" if ticked else "not started"


# Awkward moments for a month-relative demo, on the shop's clocks: the first minutes of a
# month (its first workday still ahead), the last minutes of one, a Sunday, and the night
# the clocks go back.
SEED_MOMENTS = [
    ("America/New_York", datetime(2026, 11, 1, 1, 30, fold=1)),
    ("America/New_York", datetime(2027, 5, 1, 0, 5)),
    ("UTC", datetime(2026, 12, 31, 23, 55)),
    ("Australia/Sydney", datetime(2026, 11, 29, 12, 0)),
]


@pytest.mark.instant_free  # sets its own zone and clock
@pytest.mark.parametrize(("shop_zone_name", "wall"), SEED_MOMENTS, ids=str)
def test_the_demo_has_this_months_runs_in_every_state_and_last_month_done_and_closed(
    clock, shop_zone_name, wall
):
    assert shop_zone().key == shop_zone_name
    now = wall.replace(tzinfo=ZoneInfo(shop_zone_name))
    clock.move_to(now)
    demo.seed_demo(now, last_year=False)
    db.session.commit()
    this, last = _this_and_last_month(now)

    assert last.is_closed and not this.is_closed
    last_runs = db.session.scalars(select(ChecklistRun).where(ChecklistRun.month_id == last.id))
    last_runs = list(last_runs)
    assert len(last_runs) == 25 and {_state(run) for run in last_runs} == {"done"}
    for run in last_runs:
        for item in run.items:
            assert item.ticked_by_id == run.owner_id and item.note
            assert local_date(item.ticked_at).replace(day=1) == last.month

    runs = list(db.session.scalars(select(ChecklistRun).where(ChecklistRun.month_id == this.id)))
    states = Counter(_state(run) for run in runs)
    assert states.keys() == {"done", "in progress", "not started"}, states
    ticks = [item for run in runs for item in run.items if item.is_ticked]
    assert all(this.opened_at <= item.ticked_at <= now for item in ticks)
    problems = [item for item in ticks if item.outcome == "problem"]
    assert problems and all(item.note for item in problems)
    [raised] = [item for item in problems if item.sr_id]
    assert raised.service_request.client_id == raised.run.client_id

    visits = list(
        db.session.scalars(select(ScheduleItem).where(ScheduleItem.checklist_run_id.is_not(None)))
    )
    not_started = [run for run in runs if _state(run) == "not started"]
    assert not_started and any(not run_visits(run, visits) for run in not_started)
    for item in visits:
        run = item.checklist_run
        assert item.is_published and item.tech_id == run.owner_id
        assert item.title == f"Monthly maintenance: {run.client.name}"
        assert local_date(item.starts_at).replace(day=1) == this.month
        ticked = [entry.ticked_at for entry in run.items if entry.ticked_at]
        # A run worked on a visit was ticked during it; a visit still ahead is not ticked.
        assert all(item.starts_at <= at <= item.ends_at + timedelta(hours=2) for at in ticked)
        assert item.starts_at > now or ticked
    worked = db.session.scalars(select(TimeEntry).where(TimeEntry.checklist_run_id.is_not(None)))
    for entry in worked:
        [visit] = run_visits(entry.checklist_run, visits)
        assert entry.started_at == visit.starts_at and entry.tech_id == visit.tech_id
        assert entry.billable and entry.client_id == entry.checklist_run.client_id


def run_visits(run: ChecklistRun, visits: list[ScheduleItem]) -> list[ScheduleItem]:
    return [item for item in visits if item.checklist_run_id == run.id]


def test_the_demo_checklist_has_twelve_base_items_additions_and_a_client_without_a_ups():
    demo.seed_demo(last_year=False)
    base = db.session.scalars(select(ChecklistItem).where(ChecklistItem.client_id.is_(None)))
    base = list(base)
    assert len(base) == 12 and all(item.instruction and item.estimate_minutes for item in base)
    assert {item.cadence for item in base} == {"monthly", "quarterly", "yearly"}
    assert any(not item.billable for item in base)
    additions = db.session.scalars(
        select(ChecklistItem).where(ChecklistItem.client_id.is_not(None))
    )
    assert "Plotter service" in {item.title for item in additions}
    assert count(ChecklistExclusion) >= 1


def test_the_demo_srs_carry_notes_resolutions_contacts_and_requesters():
    from mspboard.models import ClientContact, SRNote

    demo.seed_demo(last_year=False)
    db.session.commit()
    per_client = Counter(db.session.scalars(select(ClientContact.client_id)))
    assert len(per_client) == count(Client) and set(per_client.values()) <= {1, 2, 3}
    srs = db.session.scalars(select(ServiceRequest)).all()
    resolved = {note.sr_id for note in db.session.scalars(select(SRNote)) if note.is_resolution}
    assert {sr.id for sr in srs if sr.status == "done"} == resolved
    for sr in srs:
        if sr.status != "done":
            assert sr.requester is not None and sr.requester.client_id == sr.client_id
    noted = {n.sr_id for n in db.session.scalars(select(SRNote).where(SRNote.kind == "note"))}
    assert len(noted) >= 5


@pytest.mark.instant_free  # sets its own zone and clock
@pytest.mark.parametrize(("shop_zone_name", "wall"), SEED_MOMENTS, ids=str)
def test_the_demo_has_last_rounds_review_held_and_this_rounds_due(clock, shop_zone_name, wall):
    from mspboard.services.people import reviews

    now = wall.replace(tzinfo=ZoneInfo(shop_zone_name))
    clock.move_to(now)
    demo.seed_demo(now, last_year=False)
    db.session.commit()
    current = reviews.round_quarter(now)
    (held,) = db.session.scalars(
        select(QuarterlyReview).where(QuarterlyReview.held_at.is_not(None))
    )
    assert held.quarter_start == reviews.previous_quarter_start(current)
    assert held.manager_notes and held.manager_helps and held.manager_review_by_id == held.tech_id
    assert held.schedule_item.starts_at < now
    sheet = reviews.review_sheet(held, now)
    assert len(sheet.last_goals) == 3 and len(sheet.new_goals) >= 2
    found = reviews.review_round(current, now)
    states = {row.tech.email: row.state for row in found.rows}
    assert states["tech2@demo.test"] == "scheduled"
    assert set(states.values()) == {"scheduled", "proposed"}
    week = reviews.review_week(current)
    assert week <= local_date(found.rows[0].proposal.starts_at) < week + timedelta(days=7)


def test_the_demo_has_goals_in_every_status_notes_by_both_and_certifications_to_renew():
    from mspboard.models import Certification, Goal, GoalNote
    from mspboard.services.people import certifications, goals

    demo.seed_demo(last_year=False)
    db.session.commit()
    today = local_date(utcnow())
    quarter = goals.quarter_start(today)
    techs = db.session.scalars(select(User).where(User.role == "technician")).all()
    every_status = {"open", "on_track", "at_risk", "met", "missed", "dropped"}
    for tech in techs:
        mine = goals.goals_for([tech], quarter)[tech.id]
        assert {goal.status for goal in mine} == every_status, tech.name
        assert {goal.period for goal in mine} == {"quarter", "year"}
        for goal in mine:
            end = goals.period_end(goals.GoalPeriod(goal.period), goal.period_start)
            assert goal.target_on is None or goal.period_start <= goal.target_on <= end
            assert (goal.decided_at is not None) == goal.is_decided
    authors = {note.author.role for note in db.session.scalars(select(GoalNote))}
    assert authors == {"technician", "service_manager"}
    planned = db.session.scalars(select(Goal).where(Goal.kind == "certification")).all()
    assert any(not goal.is_decided for goal in planned)
    held = db.session.scalars(select(Certification)).all()
    flags = Counter(certifications.flag(cert, today) for cert in held)
    assert flags["expiring"] == 1 and flags["expired"] == 1
    assert {cert.user_id for cert in held} == {tech.id for tech in techs}


def test_demo_duty_lists_are_ticked_and_due_for_review():
    from mspboard.models import DutyTick
    from mspboard.services.people import duties

    now = utcnow()
    demo.seed_demo(now, last_year=False)
    db.session.commit()
    manager = accounts.find_by_email("manager@demo.test")
    rows = duties.checklist(manager, duties.TODAY_AND_THIS_WEEK, now)
    ticked = [row for row in rows if row.done]
    assert {row.duty.cadence for row in ticked} == {"daily", "weekly"}
    assert all(row.tick.ticked_at <= now for row in ticked)
    assert any(not row.done for row in rows)
    assert count(DutyTick) == len(ticked) + 2  # and two techs' ticks of today
    review = duties.review_state(now)
    assert review.due and review.days == 100


def test_the_demo_plans_the_next_final_friday_and_shows_training_time_logged():
    demo.seed_demo(last_year=False)
    db.session.commit()
    today = local_date(utcnow())
    listing = training.training_list()
    [upcoming] = listing.upcoming
    assert local_date(upcoming.event.starts_at) == training.next_final_friday(today)
    assert upcoming.event.kind == TrainingKind.FINAL_FRIDAY.value
    assert len(upcoming.items) == 6 and 0 < upcoming.acknowledged < 6
    assert training.plan_prompt() is None
    [held] = listing.past
    assert listing.logged_minutes[held.event.id] == 4 * 90
    assert held.acknowledged == 6
    entries = db.session.scalars(
        select(TimeEntry).where(TimeEntry.training_event_id == held.event.id)
    ).all()
    assert all(e.client_id is None and not e.billable for e in entries)


# The first Monday of a year, when last week was last year's: the demo's own weeks and last
# year's figures must not overlap.
YEAR_MOMENTS = [
    ("America/New_York", datetime(2027, 1, 4, 8, 0)),
    ("UTC", datetime(2026, 11, 25, 10, 30)),
]


@pytest.mark.instant_free  # sets its own zone and clock
@pytest.mark.parametrize(("shop_zone_name", "wall"), YEAR_MOMENTS, ids=str)
def test_the_demo_has_last_years_figures_in_every_month_and_its_review(clock, shop_zone_name, wall):
    from mspboard.services.figures.year import year_figures
    from mspboard.services.time_cards import card_view

    now = wall.replace(tzinfo=ZoneInfo(shop_zone_name))
    clock.move_to(now)
    demo.seed_demo(now)
    db.session.commit()
    last_year = local_date(now).year - 1
    figures = year_figures(last_year, now)
    for month in figures.months:
        assert month.logged > 0 and 0 < month.billable < month.logged
        assert month.srs_opened > 0 and month.srs_closed > 0 and month.cards > 0
        assert month.runs == 25 and month.runs_done >= 20
    assert 60 <= figures.whole.billable_share <= 80 and len(figures.techs) == 6
    assert 0 < figures.whole.cards_late < figures.whole.cards_on_time
    # Each quarter's and the year's goals, and last round's review may add its own.
    decided = [t.decided for t in figures.goals]
    assert len(decided) == 5 and min(decided[:4]) >= 12 and decided[4] >= 6
    assert 0 < sum(t.met for t in figures.goals) < sum(t.decided for t in figures.goals)
    summary = db.session.scalar(select(YearSummary).where(YearSummary.year == last_year))
    assert summary.successes and summary.fails and summary.next_year_goals
    assert summary.updated_at <= now
    # No tech's week holds overlapping time: last year stops before the demo's own weeks.
    for tech in db.session.scalars(select(User).where(User.role == "technician")):
        view = card_view(tech, week_start_of(now) - timedelta(weeks=1), now)
        assert not [w for w in view.warnings if "overlaps" in w]


def test_the_demo_has_a_held_monday_meeting_and_next_mondays_draft():
    from mspboard.models import AgendaItem, Meeting
    from mspboard.services.meetings import agenda

    demo.seed_demo(last_year=False)
    db.session.commit()
    coming = agenda.current_meeting_day()
    held = db.session.scalar(select(Meeting).where(Meeting.status == "held"))
    assert held.monday == coming - timedelta(weeks=1) and held.sections
    past = agenda.agenda_of(held.monday)
    assert len(past.discussed) == 3
    assert any(item.outcome_sr_id for item in past.discussed)
    assert any(item.outcome_assignee_id for item in past.discussed)
    draft = agenda.agenda_of(coming)
    assert not draft.held and len(draft.items) == 4
    carried = [item for item in draft.items if item.carried_from(coming)]
    assert [item.text for item in carried] == ["A new label printer for the bench."]
    assert {item.author.role for item in draft.items} == {"technician", "service_manager"}
    assert count(AgendaItem) == 7
