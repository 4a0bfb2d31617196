"""Every main page costs the same number of SQL statements with 2 rows of each kind it lists
as with 50: nothing is loaded once per row (no N+1), and each page stays under a stated bound.

One shop grows in steps of "rows": each row adds, for the signed-in technician, an SR, an
entry on it, a schedule item and a time-off request; a client with this month's maintenance
run, every other one placed on next week's planner; and a colleague with an SR, entries
in the last two weeks, an approved card (so an invoice) and a submitted one, a pending
time-off request, a schedule item today, a check-in with an urgent issue, an agenda note,
a calendar feed, an entry and a note on one shared SR, a note on its own SR, a contact at
its client and one at the shared SR's (whose first contact is its requester); and the
client's maintenance run of this month, with a Problem raised as the shared SR and a
schedule item; a daily duty on each role's list, ticked. The audit trail grows with all of that.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from mspboard.models import (
    ChecklistProposal,
    ChecklistRun,
    ChecklistRunItem,
    Client,
    MaintenanceMonth,
    ScheduleItem,
    ServiceRequest,
    TimeEntry,
    TrainingKind,
    User,
    db,
    utcnow,
)
from mspboard.models.service_requests import format_sr_number
from mspboard.services import (
    approvals,
    calendar_feeds,
    client_contacts,
    invoicing,
    sr_notes,
    time_cards,
    tv_links,
)
from mspboard.services.checkins import IssueNote, submit_checkin
from mspboard.services.client_contacts import ContactFields
from mspboard.services.maintenance import months
from mspboard.services.meetings import notes as agenda
from mspboard.services.people import duties, training
from mspboard.services.time_weeks import monday_of
from tests.conftest import count_queries, login
from tests.factories import make_client, make_sr, make_user
from tests.field_factories import make_entry, make_schedule_item, make_time_off
from tests.maintenance_factories import exclude, make_item, ticked
from tests.shop_time import at_local, today_local

SHARED_SR = "The shared SR"


@dataclass
class Shop:
    """What the pages' addresses need: the shared SR, the TV token, the manager's feed."""

    app: Flask
    sr_id: int = 0
    tv_token: str = ""
    feed_token: str = ""
    client_id: int = 0
    run_id: int = 0
    rows: int = 0
    runs: int = 0

    def _weeks(self) -> tuple[date, date, date]:
        this_week = monday_of(today_local())
        return this_week, this_week - timedelta(days=7), this_week - timedelta(days=14)

    def weeks(self) -> tuple[date, date, date]:
        with self.app.app_context():
            return self._weeks()

    def grow(self, to: int) -> None:
        with self.app.app_context():
            first = self.rows == 0
            tech = db.session.scalar(select(User).where(User.email == "tech@example.test"))
            manager = db.session.scalar(select(User).where(User.email == "manager@example.test"))
            if first:
                shared = make_sr(title=SHARED_SR, status="in_progress", assignee=tech)
                self.sr_id = shared.id
                shared.requester = client_contacts.add_contact(
                    manager,
                    shared.client,
                    ContactFields("Ana Ruiz", "Owner", "555 0100", "a@x.test"),
                )
                self.client_id = shared.client_id
                self.tv_token = tv_links.create_link(None, "Office TV").token
                self.feed_token = calendar_feeds.turn_on(manager).token
                make_item("Backups verified", position=0)
                make_item("UPS self-test", position=1)
                duties.load_standard_duties(None)
                month = MaintenanceMonth(month=months.this_month())
                self.run_id = _run(month, make_client(), tech, today_local()).id
            shared = db.session.get(ServiceRequest, self.sr_id)
            shared_run = db.session.get(ChecklistRun, self.run_id)
            now, today = utcnow(), today_local()
            _, last_week, two_weeks_ago = self._weeks()
            for n in range(self.rows, to):
                self._add_row(n, tech, manager, shared, now, today, last_week, two_weeks_ago)
                self._add_checks(n, tech, shared_run, now)
            self._maintenance(now)
            self._tick_new_runs(tech, shared, now)
            invoicing.regenerate(two_weeks_ago)
            db.session.commit()
            self.rows = to

    def _tick_new_runs(self, tech, shared, now) -> None:
        """A Problem on the first item of each run opened since the last growth."""
        worked = db.session.scalars(
            select(ChecklistRun).order_by(ChecklistRun.id).offset(self.runs)
        ).all()
        for run in worked:
            ticked(run.items[0], tech, now, "problem", "Backups failing", sr=shared)
        self.runs += len(worked)

    def _maintenance(self, now) -> None:
        """This month's runs for the new clients; every other one on next week's planner."""
        opened = months.open_month(None, months.this_month(now), now)
        new_runs = db.session.scalars(
            select(ChecklistRun)
            .where(ChecklistRun.month_id == opened.month.id)
            .where(
                ~ChecklistRun.id.in_(
                    select(ScheduleItem.checklist_run_id).where(
                        ScheduleItem.checklist_run_id.is_not(None)
                    )
                )
            )
            .order_by(ChecklistRun.id)
        ).all()
        next_monday = monday_of(today_local()) + timedelta(days=7)
        for run in new_runs[::2]:
            item = make_schedule_item(run.owner, at_local(next_monday, 7), title="Maintenance")
            item.checklist_run_id = run.id

    def _add_row(self, n, tech, manager, shared, now, today, last_week, two_weeks_ago) -> None:
        client = make_client(rate_cents=12_000)
        own = make_sr(client=client, assignee=tech, status="in_progress", title=f"Own {n}")
        make_entry(tech, now - timedelta(minutes=3 * n + 10), minutes=1, sr=own)
        make_schedule_item(tech, at_local(today, 8) + timedelta(minutes=10 * n), sr=own)
        off = today + timedelta(days=30 + n)
        make_time_off(tech, off, off, status="pending")

        colleague = make_user(role="technician", tech_level="tech_i")
        sr = make_sr(client=client, assignee=colleague, status="scheduled", title=f"Job {n}")
        for week in (two_weeks_ago, last_week):
            for day in range(2):
                make_entry(colleague, at_local(week + timedelta(days=day), 9), minutes=90, sr=sr)
        approved = time_cards.submit_card(colleague, two_weeks_ago, now=now)
        approvals.approve_card(manager, approved, approved.version)
        time_cards.submit_card(colleague, last_week, now=now)
        make_time_off(colleague, off, off + timedelta(days=1), status="pending")
        make_schedule_item(colleague, at_local(today, 13), sr=sr)
        make_schedule_item(colleague, at_local(today + timedelta(days=1), 9), sr=sr)
        submit_checkin(
            colleague,
            how_it_went=f"Day {n} went fine",
            plan_for_tomorrow="More of the same",
            issues=[IssueNote(f"Need a part for job {n}", urgent=True)],
            at=now,
        )
        agenda.add_note(colleague, f"Talk about job {n}", now)
        for role, doer in (("technician", tech), ("service_manager", manager)):
            duty = duties.add_duty(manager, role, duties.DutyValues(f"Duty {n}", "daily", ""))
            duties.tick(doer, duty, True, now)
        calendar_feeds.turn_on(colleague)
        tv_links.create_link(None, f"Screen {n}")
        make_entry(colleague, at_local(last_week + timedelta(days=3), 9), minutes=30, sr=shared)
        sr_notes.add_note(colleague, shared, f"Visit {n}: looked at it")
        sr_notes.add_note(tech, own, f"Own note {n}")
        client_contacts.add_contact(manager, client, ContactFields(f"Contact {n}", "IT lead"))
        client_contacts.add_contact(manager, shared.client, ContactFields(f"Shared contact {n}"))
        base = make_item(f"Check {n}", position=n)
        make_item(f"Only for client {n}", client=client)
        make_item(f"Shared client's check {n}", client=shared.client)
        exclude(client, base)
        db.session.add(
            ChecklistProposal(title=f"Proposed {n}", client=client, proposed_by_id=colleague.id)
        )
        self._add_training(n, tech, colleague, manager, last_week, today)

    def _add_training(self, n, tech, colleague, manager, last_week, today) -> None:
        """A training last week that the colleague logged time in, and one tomorrow."""
        held, _coming = (
            training.create_event(
                manager,
                training.TrainingFields(
                    TrainingKind.SHORT_NOTICE,
                    f"Training {n}",
                    at_local(day, 17),
                    at_local(day, 18),
                    [tech.id, colleague.id],
                    place_or_link=f"Room {n}",
                ),
            )
            for day in (last_week + timedelta(days=4), today + timedelta(days=1))
        )
        db.session.add(
            TimeEntry(
                uuid=str(uuid.uuid4()),
                tech_id=colleague.id,
                training_event_id=held.id,
                started_at=held.starts_at,
                ended_at=held.ends_at,
                billable=False,
            )
        )

    def _add_checks(self, n, tech, shared_run, now) -> None:
        """The row's client's run goes to the tech when the month is opened for it; the
        shared run gets a Problem ticked by the row's colleague and raised as its SR."""
        colleague = db.session.scalars(select(User).order_by(User.id.desc())).first()
        client = db.session.scalars(select(Client).order_by(Client.id.desc())).first()
        sr = db.session.scalars(select(ServiceRequest).order_by(ServiceRequest.id.desc())).first()
        client.maintenance_owner_id = tech.id
        item = _problem(shared_run, f"Shared check {n}", n)
        item.outcome, item.note, item.ticked_at = "problem", f"Found {n}", now
        item.ticked_by, item.service_request = colleague, sr


def _run(month, client, owner, due_on) -> ChecklistRun:
    run = ChecklistRun(month=month, client=client, owner=owner, due_on=due_on)
    run.items = [ChecklistRunItem(title=f"Check {k}", position=k) for k in range(3)]
    db.session.add(run)
    db.session.flush()
    return run


def _problem(run: ChecklistRun, title: str, position: int) -> ChecklistRunItem:
    item = ChecklistRunItem(title=title, position=10 + position)
    run.items.append(item)
    return item


@pytest.fixture(autouse=True)
def _held_still(stopped):
    """The SRs' ages and the pages' "now" come from one still moment, at any --at."""


@pytest.fixture
def shop(app: Flask, people: dict[str, str]) -> Shop:
    return Shop(app)


def _week(day: date) -> str:
    return day.isoformat()


# (who, address, bound): the address may name the shop's SR, TV, feed or weeks. Each bound
# is the most the page costs today at any of the suite's instants (the planner and a past
# time card read a little more at the turn of a week), so a query added anywhere shows here.
_PAGES = [
    ("technician", "/m/", 11),  # its daily and weekly duties, and their ticks
    ("technician", "/m/week", 8),
    ("technician", "/m/queue", 5),
    ("technician", "/m/timecard", 6),
    ("technician", "/m/timecard/{last_week}", 6),
    ("technician", "/m/sr/{sr_id}", 8),  # its notes with their authors, its requester
    ("technician", "/m/maintenance", 4),
    ("technician", "/m/maintenance/runs/{run_id}", 6),
    ("service_manager", "/sr/{sr_number}", 19),  # notes, contacts, requester, their audit
    # its duties, their ticks, the last review, whether the next Final Friday is planned, and
    # the certifications about to expire
    ("service_manager", "/manage/today", 28),
    ("service_manager", "/manage/training", 10),  # and which Final Friday is still to plan
    ("service_manager", "/manage/approvals", 14),
    ("service_manager", "/manage/planner", 10),
    ("service_manager", "/manage/planner/{this_week}/srs?q=Job", 12),
    ("service_manager", "/manage/backlog", 13),
    ("service_manager", "/manage/timecards/{last_week}", 9),
    ("service_manager", "/manage/invoices/{two_weeks_ago}", 25),
    ("service_manager", "/manage/audit", 19),  # a query per kind of record it names
    ("service_manager", "/manage/maintenance", 7),
    ("service_manager", "/manage/maintenance?sort=scheduled&state=in_progress", 7),
    ("service_manager", "/manage/maintenance/next", 11),
    ("service_manager", "/manage/maintenance/{this_month}.csv", 4),
    ("service_manager", "/calendar/team", 5),
    ("service_manager", "/board", 8),
    ("service_manager", "/manage/maintenance/templates", 6),
    ("service_manager", "/manage/maintenance/templates/clients/{client_id}", 7),
    ("service_manager", "/manage/maintenance/proposals", 4),
    ("admin", "/admin/users", 4),
    (None, "/calendar/{feed_token}.ics", 10),
    (None, "/tv/{tv_token}", 6),
]


def _this_month(shop: Shop) -> str:
    with shop.app.app_context():
        return months.this_month().strftime(months.MONTH_FORMAT)


def _address(shop: Shop, template: str) -> str:
    this_week, last_week, two_weeks_ago = shop.weeks()
    return template.format(
        sr_id=shop.sr_id,
        client_id=shop.client_id,
        sr_number=format_sr_number(shop.sr_id),
        tv_token=shop.tv_token,
        feed_token=shop.feed_token,
        run_id=shop.run_id,
        this_week=_week(this_week),
        last_week=_week(last_week),
        two_weeks_ago=_week(two_weeks_ago),
        this_month=_this_month(shop),
    )


def test_every_page_costs_the_same_queries_with_2_rows_as_with_50(app, people, shop):
    """One shop for every page (building it is what takes the time): each page is counted
    at 2 rows, the shop grows to 50, and each is counted again."""
    clients = {}
    for who in {who for who, _, _ in _PAGES}:
        clients[who] = app.test_client()
        if who is not None:
            assert login(clients[who], people[who]).status_code == 302
    shop.grow(2)
    pages = [(who, _address(shop, template), bound) for who, template, bound in _PAGES]
    with_2 = {}
    for who, path, _ in pages:
        # The first visit may do once what later ones do not (a link's last-used time).
        count_queries(app, clients[who], path)
        with_2[path] = count_queries(app, clients[who], path)
    shop.grow(50)
    wrong = []
    for who, path, bound in pages:
        with_50 = count_queries(app, clients[who], path)
        if with_50 != with_2[path]:
            wrong.append(f"{path}: {with_2[path]} queries, then {with_50}")
        elif with_50 > bound:
            wrong.append(f"{path}: {with_50} queries, bound {bound}")
    assert wrong == [], wrong


def test_the_tracking_sheet_of_400_clients_costs_what_2_clients_cost(app, client, people):
    """The issue's bar: a shop of 400 clients and as many technicians, each client with a
    run of fifteen items, some ticked, raised as SRs and scheduled, renders in the queries of
    a shop of 2."""
    assert login(client, people["service_manager"]).status_code == 302

    def shop_of(clients: int) -> None:
        with app.app_context():
            tech = db.session.scalar(select(User).where(User.email == "tech@example.test"))
            if not db.session.scalar(select(ChecklistRun.id).limit(1)):
                for position in range(15):
                    make_item(f"Check {position}", position=position)
            while db.session.scalar(select(func.count()).select_from(Client)) < clients:
                make_client()
                make_user(role="technician")  # the runs go round many owners
            now, today = utcnow(), today_local()
            months.open_month(None, months.this_month(now), now=now)
            for run in db.session.scalars(select(ChecklistRun)):
                if run.items[0].outcome is None:
                    ticked(run.items[0], tech, now, "problem", sr=make_sr(client=run.client))
                    ticked(run.items[1], tech, now)
                    item = make_schedule_item(tech, at_local(today, 7), title="Maintenance")
                    item.checklist_run_id = run.id
            db.session.commit()

    shop_of(2)
    count_queries(app, client, "/manage/maintenance")
    with_2 = count_queries(app, client, "/manage/maintenance")
    shop_of(400)
    assert count_queries(app, client, "/manage/maintenance?sort=progress") == with_2
