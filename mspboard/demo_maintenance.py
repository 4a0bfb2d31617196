"""The demo shop's monthly maintenance: a base checklist of twelve checks, a few clients'
additions and removals, last month worked through and closed, and this month's runs in every
state (not started, in progress with problems, done), most of them visits on the planner.

Every moment is relative to the demo's "now" and stays inside its month, so the shop seeds
the same way on the 1st at midnight, on the last day of a month, or on a Sunday."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from mspboard.models import (
    Cadence,
    ChecklistExclusion,
    ChecklistItem,
    ChecklistProposal,
    ChecklistRun,
    ChecklistRunItem,
    Outcome,
    ScheduleItem,
    ServiceRequest,
    SRActivity,
    SRStatus,
    db,
)
from mspboard.services import planner
from mspboard.services import schedule_acknowledgements as acknowledgements
from mspboard.services.maintenance import months, placing
from mspboard.services.time_weeks import local_date, local_midnight, week_start_of

if TYPE_CHECKING:
    from mspboard.demo import DemoShop


@dataclass(frozen=True)
class Check:
    title: str
    instruction: str
    minutes: int
    done_notes: tuple[str, ...]
    billable: bool = True
    cadence: Cadence = Cadence.MONTHLY
    cadence_month: int | None = None
    not_applicable: str = ""
    problem: str = ""


BASE = [
    Check(
        "Backups verified with a restore test",
        "Open the backup console, check every job ran each night this month, then restore one "
        "file from the newest restore point to a scratch folder and open it.",
        20,
        (
            "Veeam job 'Nightly' OK, 28 restore points; restored last Tuesday's invoice folder.",
            "All 3 jobs green; test restore of a 40 MB PDF from yesterday opened fine.",
        ),
        problem="Offsite copy job failed 4 nights running: the cloud repository is full.",
    ),
    Check(
        "Windows and macOS patches",
        "In the RMM, confirm every workstation and server has this month's updates; reboot "
        "what is pending after hours or book it.",
        15,
        (
            "14 of 14 workstations on this month's cumulative update; server patched Sunday.",
            "All Macs on the latest point release; one pending reboot done remotely.",
        ),
    ),
    Check(
        "Third-party application patches",
        "Check browsers, PDF readers, Java, Zoom and the line-of-business apps against the "
        "RMM's patch report; push what is behind.",
        10,
        ("Chrome, Edge, Acrobat Reader and Zoom current everywhere.",),
    ),
    Check(
        "Antivirus and EDR: definitions and alerts",
        "Confirm definitions are current on every device and read this month's alerts; every "
        "alert has been quarantined or explained.",
        10,
        ("Definitions current on 16/16; 2 alerts, both potentially unwanted apps, quarantined.",),
        problem="Reception PC has not reported to the EDR console for 9 days.",
    ),
    Check(
        "Disk space, SMART health and event logs",
        "On each server and NAS: free space above 20 %, no SMART warnings, and no repeating "
        "errors in the system and application logs.",
        15,
        (
            "C: 41 % free, D: 58 % free; SMART OK on all 4 disks; logs clean.",
            "NAS volume 63 % used; no SMART warnings; one benign DCOM warning.",
        ),
        problem="Disk 2 in the file server reports 8 reallocated sectors, up from 0.",
    ),
    Check(
        "Firewall logs and alerts",
        "Review the firewall's threat and VPN logs for the month: blocked intrusions, failed VPN "
        "sign-ins from abroad, anything unusual.",
        10,
        ("Nothing unusual; 212 blocked scans, no failed VPN sign-ins.",),
    ),
    Check(
        "Firewall and switch firmware",
        "Compare firewall and switch firmware with the vendor's current release; schedule the "
        "update if a security fix is out.",
        20,
        ("Firewall on the current release; switch firmware updated, config backed up first.",),
        cadence=Cadence.QUARTERLY,
        cadence_month=1,
    ),
    Check(
        "UPS self-test and battery date",
        "Run the UPS self-test from its web page or front panel, note the runtime and the "
        "battery's install date; batteries older than 4 years get a replacement quote.",
        10,
        ("Self-test passed, 22 min runtime, battery installed 2023.",),
        problem="UPS failed its self-test: 4 min runtime at 35 % load, battery from 2019.",
    ),
    Check(
        "Admin accounts review",
        "List every account with admin rights (domain, Microsoft 365, firewall); anyone who "
        "left or should not have them is removed with the client's say-so.",
        10,
        ("5 admin accounts, all expected; removed the old vendor account with approval.",),
        billable=False,
    ),
    Check(
        "Expiring certificates and domains",
        "Check the renewal dates of the client's domains and TLS certificates for the coming "
        "year and put every renewal on the calendar.",
        10,
        ("Domain renews in August (auto-renew on); certificate auto-renews every 90 days.",),
        cadence=Cadence.YEARLY,
        cadence_month=1,
    ),
    Check(
        "Microsoft 365 licences and MFA report",
        "Compare licences with active staff and confirm every user has multi-factor sign-in "
        "registered; note unused licences for the client.",
        10,
        (
            "18 licences, 17 staff: one spare Business Standard flagged to the office manager.",
            "MFA registered for all 12 users; licences match.",
        ),
        billable=False,
        problem="Two new staff have no multi-factor sign-in registered.",
    ),
    Check(
        "Printer supplies and page counts",
        "Read toner levels and page counts from each printer's web page; order what is under 20 %.",
        5,
        ("Toner 45-80 % on both printers; page counts logged.",),
        billable=False,
        not_applicable="No printers on site any more; they print at the print shop.",
    ),
]

ADDITIONS = {
    "Kestrel Architects": Check(
        "Plotter service",
        "Run the plotter's head cleaning and calibration, check ink and paper rolls, and order "
        "what is under 25 %.",
        30,
        ("Heads cleaned, calibration print good; ordered cyan and a 36-inch roll.",),
    ),
    "Alder Creek Dental": Check(
        "Imaging server and X-ray sensors",
        "Confirm the imaging server's nightly database backup and take a test image with each "
        "sensor with the front desk.",
        20,
        ("Imaging DB backup OK; test images from both sensors clear.",),
    ),
    "Maple Grove Pharmacy": Check(
        "Point-of-sale terminals",
        "Check the card readers are paired and the terminals' updates installed; run a test "
        "sale and void it.",
        15,
        ("Both terminals updated; test sale and void fine.",),
    ),
}
# Clients with no UPS to test.
WITHOUT_UPS = ["Zephyr Travel", "Union Square Florists"]

DONE_THIS_MONTH = 6
IN_PROGRESS = 6
LEFT_UNPLACED = 2
# Visits are afternoons; next week's Friday afternoon is a tech's time off, so the last
# day a visit is planned on is next week's Thursday.
VISIT_HOUR = 13


class DemoMaintenance:
    def __init__(self, shop: DemoShop) -> None:
        self.shop = shop
        # A generator of its own, so the rest of the demo comes out as it always has.
        self.rng = random.Random(f"maintenance-{shop.seed}")
        self.this_month = months.month_start(shop.today)
        self.last_month = months.add_months(self.this_month, -1)
        self.checks: dict[int, Check] = {}
        self.visits: list[tuple[ChecklistRun, date]] = []

    def build(self) -> None:
        """Templates, last month done and closed, this month opened and partly worked."""
        self._templates()
        last = self._open(self.last_month, self._at(months.first_workday(self.last_month), 7))
        for run in last:
            self._tick_all(run, self._visit_in(self.last_month))
        opening = max(
            local_midnight(self.this_month),
            min(self.shop.now - timedelta(hours=1), self._first_workday_at(7)),
        )
        record = months.find_month(self.last_month)
        months.close_month(
            self.shop.manager, record, now=min(self.shop.now, self._first_workday_at(9))
        )
        runs = self._open(self.this_month, opening)
        done, working, waiting = (
            runs[:DONE_THIS_MONTH],
            runs[DONE_THIS_MONTH : DONE_THIS_MONTH + IN_PROGRESS],
            runs[DONE_THIS_MONTH + IN_PROGRESS :],
        )
        for run in done:
            self._tick_all(run, self._worked_visit(run, opening))
        for index, run in enumerate(working):
            start = self._worked_visit(run, opening)
            self._tick_some(run, start, problem=index % 2 == 1, sr=index == 1)
        self._plan_visits(waiting[:-LEFT_UNPLACED])
        self._proposals(working)

    def _proposals(self, working: list[ChecklistRun]) -> None:
        """What two techs proposed while working their runs: one check for their client, one
        for every client."""
        for run, for_everyone, title, instruction in (
            (
                working[0],
                False,
                "Wi-Fi controller firmware",
                "Compare the access points' firmware with the vendor's current release.",
            ),
            (
                working[-1],
                True,
                "Test a mailbox restore",
                "Restore one mailbox folder from the Microsoft 365 backup to prove it works.",
            ),
        ):
            ticks = [item.ticked_at for item in run.items if item.ticked_at]
            db.session.add(
                ChecklistProposal(
                    run_id=run.id,
                    client_id=None if for_everyone else run.client_id,
                    title=title,
                    instruction=instruction,
                    proposed_by_id=run.owner_id,
                    proposed_at=max(ticks) if ticks else self.shop.now,
                )
            )

    def reserved(self) -> set[tuple[int, date]]:
        """(tech, day) afternoons that hold a maintenance visit."""
        return {(run.owner_id, local_date(start)) for run, start in self.visits}

    def worked_afternoons(self) -> dict[tuple[int, date], tuple[ChecklistRun, datetime]]:
        """(tech, day) -> the run worked on a visit that afternoon and when its last item
        was ticked: the demo's time sheets log the visit as time on the run."""
        worked = {}
        for run, start in self.visits:
            ticks = [item.ticked_at for item in run.items if item.ticked_at]
            if ticks and start < self.shop.now:
                worked[(run.owner_id, local_date(start))] = (run, max(ticks))
        return worked

    # ---- templates and months --------------------------------------------------------------

    def _templates(self) -> None:
        manager = self.shop.manager
        by_name = {client.name: client for client in self.shop.clients}
        items = []
        for position, check in enumerate(BASE):
            items.append((self._item(check, None, position, manager.id), check))
        for name, check in ADDITIONS.items():
            items.append((self._item(check, by_name[name].id, 0, manager.id), check))
        db.session.flush()
        self.checks = {item.id: check for item, check in items}
        ups = next(item for item, check in items if check.title.startswith("UPS"))
        for name in WITHOUT_UPS:
            db.session.add(
                ChecklistExclusion(
                    client_id=by_name[name].id, item_id=ups.id, created_by_id=manager.id
                )
            )
        db.session.flush()

    @staticmethod
    def _item(check: Check, client_id: int | None, position: int, by: int) -> ChecklistItem:
        item = ChecklistItem(
            client_id=client_id,
            title=check.title,
            instruction=check.instruction,
            estimate_minutes=check.minutes,
            billable=check.billable,
            cadence=check.cadence.value,
            cadence_month=check.cadence_month,
            position=position,
            created_by_id=by,
        )
        db.session.add(item)
        return item

    def _open(self, month: date, at: datetime) -> list[ChecklistRun]:
        """Open `month` as the scheduled command does at `at`; its runs by client name."""
        opened = months.open_month(None, month, now=at)
        db.session.flush()
        return sorted(
            db.session.scalars(
                select(ChecklistRun).where(ChecklistRun.month_id == opened.month.id)
            ),
            key=lambda run: run.client.name,
        )

    # ---- ticking ----------------------------------------------------------------------------

    def _at(self, day: date, hour: int, minute: int = 0) -> datetime:
        return self.shop.local(day, time(hour, minute))

    def _first_workday_at(self, hour: int) -> datetime:
        return self._at(months.first_workday(self.this_month), hour)

    def _visit_in(self, month: date) -> datetime:
        """A working morning or early afternoon of an ended month."""
        days = [
            day
            for day in (month + timedelta(days=n) for n in range(31))
            if day.month == month.month and day.weekday() < 5
        ]
        return self._at(self.rng.choice(days), self.rng.randint(9, 14), self.rng.choice([0, 30]))

    def _worked_visit(self, run: ChecklistRun, since: datetime) -> datetime:
        """When the owner began working `run` since the month opened: an afternoon visit on
        a past workday without another visit, put on the planner; on the month's first
        morning, before any afternoon has passed, a moment between `since` and now."""
        days = [
            since.astimezone(self.shop.zone).date() + timedelta(days=n)
            for n in range((self.shop.today - since.astimezone(self.shop.zone).date()).days + 1)
        ]
        taken = self.reserved()
        free = [
            day
            for day in days
            if day.weekday() < 5
            and (run.owner_id, day) not in taken
            and since <= self._at(day, VISIT_HOUR)
            and self._at(day, VISIT_HOUR + 3) <= self.shop.now
        ]
        if not free:
            return since + (self.shop.now - since) * self.rng.uniform(0.05, 0.5)
        start = self._at(self.rng.choice(free), VISIT_HOUR)
        self.visits.append((run, start))
        return start

    def _ticks(self, start: datetime, count: int) -> list[datetime]:
        """When the first `count` items were ticked, a few minutes apart and never later
        than now."""
        moments, at = [], start
        for _ in range(count):
            at = min(at + timedelta(minutes=self.rng.randint(3, 12)), self.shop.now)
            moments.append(at)
        return moments

    def _tick(self, item: ChecklistRunItem, owner_id: int, at: datetime, outcome: Outcome) -> None:
        check = self.checks.get(item.item_id or 0)
        note = ""
        if check is not None:
            note = {
                Outcome.DONE: self.rng.choice(check.done_notes),
                Outcome.NOT_APPLICABLE: check.not_applicable,
                Outcome.PROBLEM: check.problem,
            }[outcome]
        item.outcome, item.note = outcome.value, note
        item.ticked_at, item.ticked_by_id = at, owner_id

    def _tick_all(self, run: ChecklistRun, start: datetime) -> None:
        for item, at in zip(run.items, self._ticks(start, len(run.items)), strict=True):
            check = self.checks.get(item.item_id or 0)
            outcome = Outcome.DONE
            if check and check.not_applicable and self.rng.random() < 0.3:
                outcome = Outcome.NOT_APPLICABLE
            self._tick(item, run.owner_id, at, outcome)

    def _tick_some(self, run: ChecklistRun, start: datetime, problem: bool, sr: bool) -> None:
        """Tick the first items of a run; with `problem`, the first check that can find one
        found it (and with `sr` it was raised as an SR)."""
        count = self.rng.randint(3, max(3, len(run.items) - 2))
        ticked = run.items[:count]
        can_fail = [i for i in ticked if (c := self.checks.get(i.item_id or 0)) and c.problem]
        found = self.rng.choice(can_fail) if (problem or sr) and can_fail else None
        for item, at in zip(ticked, self._ticks(start, count), strict=True):
            self._tick(item, run.owner_id, at, Outcome.PROBLEM if item is found else Outcome.DONE)
        if found is not None and sr:
            found.sr_id = self._raise(run, found).id
        db.session.flush()

    def _raise(self, run: ChecklistRun, item: ChecklistRunItem) -> ServiceRequest:
        at = item.ticked_at
        sr = ServiceRequest(
            client_id=run.client_id,
            title=item.note.split(":")[0].rstrip(".")[:200],
            description=f"Found on the monthly maintenance checklist ({item.title}): {item.note}",
            priority=2,
            status=SRStatus.NEW.value,
            assignee_id=run.owner_id,
            created_by_id=run.owner_id,
            created_at=at,
            updated_at=at,
        )
        sr.activities.append(SRActivity(actor_id=run.owner_id, at=at, kind="created"))
        db.session.add(sr)
        db.session.flush()
        return sr

    # ---- the planner ------------------------------------------------------------------------

    def _plan_visits(self, runs: list[ChecklistRun]) -> None:
        """Runs not started yet go on their owners' free afternoons from tomorrow to the end
        of next week, within the month, one a day; those that do not fit stay unplaced."""
        last_day = min(
            self.shop.this_monday + timedelta(days=10), months.last_workday(self.this_month)
        )
        days = [
            self.shop.today + timedelta(days=n)
            for n in range(1, (last_day - self.shop.today).days + 1)
            if (self.shop.today + timedelta(days=n)).weekday() < 5
        ]
        taken = self.reserved()
        for run in runs:
            free = [day for day in days if (run.owner_id, day) not in taken]
            if free:
                day = free[0]
                taken.add((run.owner_id, day))
                self.visits.append((run, self._at(day, VISIT_HOUR)))

    def place_visits(self) -> None:
        """Put the visits on the planner and publish each week on the Friday before; the
        techs have acknowledged every visit up to this week and about half of next week's."""
        manager, now = self.shop.manager, self.shop.now
        items: list[ScheduleItem] = []
        for run, starts_at in sorted(self.visits, key=lambda visit: visit[1]):
            fields = planner.ItemFields(
                tech_id=run.owner_id,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(minutes=placing.run_minutes(run)),
                checklist_run_id=run.id,
            )
            items.append(planner.add_item(manager, fields).item)
        for monday in sorted({week_start_of(item.starts_at) for item in items}):
            published = min(self._at(monday - timedelta(days=3), 15), now)
            week_items = [item for item in items if week_start_of(item.starts_at) == monday]
            if not any(item.published_at is None for item in week_items):
                continue
            planner.publish_week(manager, monday, now=published)
            for item in week_items:
                seen = published + timedelta(minutes=self.rng.randint(20, 110))
                if seen < now and (monday <= self.shop.this_monday or self.rng.random() < 0.5):
                    acknowledgements.acknowledge(item.tech, item.id, item.version, seen, now=now)
