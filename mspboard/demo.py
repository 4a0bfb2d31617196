"""The demo shop: a believable small MSP, with every date relative to today."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import selectinload

from mspboard import demo_duties
from mspboard.demo_maintenance import DemoMaintenance
from mspboard.demo_meetings import build_meetings
from mspboard.demo_people import DemoPeople
from mspboard.demo_reviews import DemoReviews
from mspboard.demo_training import DemoTraining
from mspboard.demo_year import DemoYear
from mspboard.models import (
    CheckIn,
    CheckInIssue,
    ChecklistRun,
    Client,
    ClientContact,
    Role,
    ScheduleItem,
    ServiceRequest,
    ShopSettings,
    SRActivity,
    SRNote,
    SRNoteKind,
    SRStatus,
    TimeCard,
    TimeCardStatus,
    TimeEntry,
    TimeOffRequest,
    User,
    db,
    utcnow,
)
from mspboard.services import accounts, clients, local_time
from mspboard.services.shop_settings import current_settings, shop_zone

DEMO_PASSWORD = "demo-password"


@dataclass(frozen=True)
class DemoLogin:
    email: str
    name: str
    role: Role
    tech_level: str | None = None


DEMO_LOGINS = [
    DemoLogin("manager@demo.test", "Dana Whitfield", Role.SERVICE_MANAGER),
    DemoLogin("admin@demo.test", "Sam Okafor", Role.ADMIN),
    DemoLogin("tech1@demo.test", "Priya Raman", Role.TECHNICIAN, "senior"),
    DemoLogin("tech2@demo.test", "Marcus Bell", Role.TECHNICIAN, "tech_ii"),
    DemoLogin("tech3@demo.test", "Elena Petrova", Role.TECHNICIAN, "tech_ii"),
    DemoLogin("tech4@demo.test", "Jamal Hughes", Role.TECHNICIAN, "tech_i"),
    DemoLogin("tech5@demo.test", "Sofia Lindqvist", Role.TECHNICIAN, "tech_i"),
    DemoLogin("tech6@demo.test", "Tom Nakamura", Role.TECHNICIAN, "tech_i"),
]

CLIENTS = [
    ("Alder Creek Dental", 14500),
    ("Brightwater Accounting", 13500),
    ("Cedar & Finch Law", 16500),
    ("Dunmore Veterinary Clinic", None),
    ("Elm Street Bakery", 9500),
    ("Fairview Realty", None),
    ("Granite Peak Construction", 13500),
    ("Hollis Family Medicine", 15000),
    ("Ironwood Manufacturing", 14000),
    ("Juniper Insurance Agency", None),
    ("Kestrel Architects", 14500),
    ("Lakeside Montessori School", 11000),
    ("Maple Grove Pharmacy", None),
    ("Northgate Auto Repair", 11500),
    ("Oakridge Credit Union", 16000),
    ("Pinecrest Property Management", None),
    ("Quarry Hill Winery", 12000),
    ("Riverbend Chiropractic", None),
    ("Summit Physical Therapy", 12500),
    ("Tidewater Logistics", 14000),
    ("Union Square Florists", 9500),
    ("Valley View Community Church", 8500),
    ("Westbrook Engineering", 15500),
    ("Yarrow & Sons Plumbing", None),
    ("Zephyr Travel", 12000),
]

SR_TITLES = [
    "Outlook keeps asking for the password",
    "Replace failing UPS battery in server closet",
    "New hire laptop setup",
    "Printer on the second floor shows offline",
    "Firewall firmware update",
    "VPN drops every 30 minutes",
    "Nightly backup job failed",
    "Move the shared drive to SharePoint",
    "Wi-Fi dead zone in the conference room",
    "Set up accounts for a new employee",
    "Remove access for a departing employee",
    "QuickBooks will not open the company file",
    "Suspicious email reported by reception",
    "Replace cracked laptop screen",
    "Turn on multi-factor sign-in for all staff",
    "Server disk space warning on C:",
    "Renew the website's TLS certificate",
    "Install updates on the point-of-sale terminals",
    "Scan to email stopped working",
    "Internet slow at the front desk",
    "Add a shared mailbox for invoices",
    "Phone system voicemail not emailing",
    "Replace aging switch in the back office",
    "Domain controller time drift",
    "Install practice management software update",
    "Label printer prints blank labels",
    "Laptop will not dock properly",
    "Recover deleted folder from last week",
    "Set up a guest Wi-Fi network",
    "Quarterly review of admin accounts",
    "Camera system recorder full",
    "Teams calls drop on the conference PC",
    "Migrate old NAS to new hardware",
    "Password reset for a locked-out user",
    "Check antivirus alerts on the reception PC",
    "Plan the Windows 11 upgrade",
    "Replace toner and service the plotter",
    "Wire two new desks in the annex",
    "Card reader at checkout disconnects",
    "Set up email signature for the whole office",
]

CONTACT_NAMES = [
    "Ana Ruiz",
    "Ben Okafor",
    "Carla Mendes",
    "Dev Patel",
    "Erin Walsh",
    "Farid Haddad",
    "Grace Liu",
    "Hugo Brandt",
    "Ines Moreau",
    "Jon Park",
    "Kara Singh",
    "Leo Rossi",
]
CONTACT_ROLES = ["Office manager", "Owner", "Practice manager", "Bookkeeper", "IT contact"]
NOTES = [
    "Spoke to the requester; it started after Monday's power cut.",
    "Checked the cabling and the switch port: both fine.",
    "Vendor ticket opened, waiting for their callback.",
    "Replaced the patch lead; watching it for a day.",
    "Remote session: cleared the print queue and restarted the spooler.",
    "Parts ordered, arriving Thursday.",
]
RESOLUTIONS = [
    "Replaced the faulty part and tested with the user.",
    "Reset the account and set up a new password with the user on the phone.",
    "Updated the firmware and rebooted out of hours; no errors since.",
    "Cleaned up the profile and reinstalled the app; user confirmed it works.",
]

# status -> how many SRs; done SRs are split between this week and older.
STATUS_COUNTS = {
    SRStatus.NEW: 20,
    SRStatus.SCHEDULED: 22,
    SRStatus.IN_PROGRESS: 18,
    SRStatus.WAITING: 16,
    SRStatus.DONE: 44,
}
PRIORITY_WEIGHTS = [(1, 6), (2, 20), (3, 50), (4, 24)]


def is_empty() -> bool:
    return not db.session.scalar(select(func.count()).select_from(User)) and not db.session.scalar(
        select(func.count()).select_from(Client)
    )


def wipe() -> None:
    """Delete every row of every table, children first."""
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(delete(table))
    db.session.flush()


class DemoShop:
    def __init__(
        self, now: datetime | None = None, seed: int = 2026, last_year: bool = True
    ) -> None:
        self.now = now or utcnow()
        self.with_last_year = last_year
        self.seed = seed
        self.rng = random.Random(seed)
        self.zone = None

    def local(self, day: date, at: time) -> datetime:
        return datetime.combine(day, at, tzinfo=self.zone)

    def build(self) -> None:
        settings = ShopSettings.with_defaults(current_settings().timezone)
        settings.shop_name = "Harbor Lane IT"
        db.session.add(settings)
        db.session.flush()
        self.zone = shop_zone()
        self.today = self.now.astimezone(self.zone).date()
        self.this_monday = self.today - timedelta(days=self.today.weekday())
        self.users = self._users()
        self.manager = self.users["manager@demo.test"]
        self.techs = [u for u in self.users.values() if u.role == Role.TECHNICIAN]
        self.clients = [clients.create_client(None, name, rate) for name, rate in CLIENTS]
        last_year = DemoYear(self) if self.with_last_year else None
        if last_year:
            last_year.service_requests()
        self.srs = self._service_requests()
        maintenance = DemoMaintenance(self)
        maintenance.build()
        self._schedule(maintenance.reserved())
        maintenance.place_visits()
        self._time_entries(maintenance.worked_afternoons())
        DemoTraining(self).build()
        self._time_off()
        self._checkins()
        build_meetings(self)
        DemoPeople(self).build()
        self._working_record()
        demo_duties.build(self)
        if last_year:
            last_year.build()
        db.session.flush()
        DemoReviews(self).build()

    def _users(self) -> dict[str, User]:
        users = {}
        for login in DEMO_LOGINS:
            details = accounts.UserDetails(
                name=login.name,
                email=login.email,
                role=login.role.value,
                tech_level=login.tech_level,
            )
            users[login.email] = accounts.create_user(None, details, DEMO_PASSWORD)
        return users

    def _age(self, status: SRStatus) -> timedelta:
        """Hours to months; waiting and new work skews older, so the backlog has stale SRs."""
        scale_days = {SRStatus.NEW: 10, SRStatus.WAITING: 25, SRStatus.DONE: 20}.get(status, 12)
        days = min(self.rng.expovariate(1 / scale_days), 120)
        return timedelta(days=days, hours=self.rng.randint(1, 20))

    def _service_requests(self) -> list[ServiceRequest]:
        priorities, weights = zip(*PRIORITY_WEIGHTS, strict=True)
        srs = []
        done_index = 0
        for status, count in STATUS_COUNTS.items():
            for _ in range(count):
                created = self.now - self._age(status)
                assignee = None
                if status != SRStatus.NEW or self.rng.random() < 0.4:
                    assignee = self.rng.choice(self.techs)
                sr = ServiceRequest(
                    client=self.rng.choice(self.clients),
                    title=self.rng.choice(SR_TITLES),
                    description="Reported by the client's office manager by phone.",
                    priority=self.rng.choices(priorities, weights)[0],
                    status=status.value,
                    assignee=assignee,
                    created_by=self.manager,
                    created_at=created,
                    updated_at=created,
                    billable=self.rng.random() < 0.8,
                    estimate_minutes=self.rng.choice([None, 30, 60, 90, 120, 240]),
                )
                if self.rng.random() < 0.3:
                    sr.due_at = created + timedelta(days=self.rng.randint(2, 21))
                if status == SRStatus.DONE:
                    done_index += 1
                    # Half were closed this week (shown in Done), half earlier.
                    back = (
                        timedelta(hours=self.rng.randint(2, 150))
                        if done_index % 2
                        else timedelta(days=self.rng.randint(8, 60))
                    )
                    sr.closed_at = max(created + timedelta(hours=1), self.now - back)
                    sr.closed_by = assignee or self.manager
                    sr.updated_at = sr.closed_at
                elif status != SRStatus.NEW:
                    sr.updated_at = created + (self.now - created) * self.rng.uniform(0.2, 1.0)
                sr.activities.append(SRActivity(actor=self.manager, at=created, kind="created"))
                if status != SRStatus.NEW:
                    sr.activities.append(
                        SRActivity(
                            actor=assignee or self.manager,
                            at=sr.updated_at,
                            kind="status",
                            field="status",
                            from_value=SRStatus.NEW.value,
                            to_value=status.value,
                        )
                    )
                srs.append(sr)
        # Added oldest first, so SR numbers grow with creation time as they would in a real shop.
        srs.sort(key=lambda sr: sr.created_at)
        db.session.add_all(srs)
        db.session.flush()
        return srs

    def _working_record(self) -> None:
        """1-3 contacts per client, a requester on each open SR, a resolution on every
        closed SR and a few notes on the SRs being worked. Its own random numbers, so the
        rest of the demo comes out as it always has."""
        rng = random.Random(self.seed + 16)
        contacts: dict[int, list[ClientContact]] = {}
        for n, client in enumerate(self.clients):
            names = rng.sample(CONTACT_NAMES, rng.randint(1, 3))
            contacts[client.id] = [
                ClientContact(
                    client=client,
                    name=name,
                    role=rng.choice(CONTACT_ROLES),
                    phone=f"+1 555 01{n:02d} {k}",
                    email=f"{name.split()[0].lower()}@{client.name.split()[0].lower()}.test",
                )
                for k, name in enumerate(names)
            ]
            db.session.add_all(contacts[client.id])
        db.session.flush()
        every_sr = select(ServiceRequest).options(selectinload(ServiceRequest.activities))
        for sr in db.session.scalars(every_sr.order_by(ServiceRequest.id)):
            if sr.status != SRStatus.DONE:
                sr.requester = rng.choice(contacts[sr.client_id])
            author = sr.assignee or self.manager
            if sr.status == SRStatus.DONE:
                resolution = rng.choice(RESOLUTIONS)
                if sr.activities and sr.activities[-1].kind == "status":
                    sr.activities[-1].note = resolution
                db.session.add(
                    SRNote(
                        service_request=sr,
                        author=sr.closed_by,
                        kind=SRNoteKind.RESOLUTION.value,
                        body=resolution,
                        written_at=sr.closed_at,
                    )
                )
            elif sr.status in (SRStatus.IN_PROGRESS, SRStatus.WAITING) and rng.random() < 0.6:
                span = sr.updated_at - sr.created_at
                for k in range(rng.randint(1, 3)):
                    # Written during a working day, as a tech at the client would.
                    day = local_time.local(sr.created_at + span * ((k + 1) / 4)).date()
                    at = time(9 + 2 * k, rng.choice((5, 20, 35, 50)))
                    db.session.add(
                        SRNote(
                            service_request=sr,
                            author=author,
                            body=NOTES[(sr.id + k) % len(NOTES)],
                            written_at=max(self.local(day, at), sr.created_at),
                        )
                    )
        db.session.flush()

    def _open_srs_for(self, tech: User) -> list[ServiceRequest]:
        return [
            sr
            for sr in self.srs
            if sr.assignee is tech and sr.status in (SRStatus.SCHEDULED, SRStatus.IN_PROGRESS)
        ] or [sr for sr in self.srs if sr.assignee is tech and sr.status != SRStatus.DONE]

    def _schedule(self, maintenance_afternoons: set[tuple[int, date]]) -> None:
        for week_offset in (0, 1):
            monday = self.this_monday + timedelta(weeks=week_offset)
            published = self.local(monday - timedelta(days=3), time(15, 0))
            for tech in self.techs:
                work = self._open_srs_for(tech)
                for day_offset in range(5):
                    day = monday + timedelta(days=day_offset)
                    for start, end in ((time(9, 0), time(12, 0)), (time(13, 0), time(16, 0))):
                        if start.hour >= 12 and (tech.id, day) in maintenance_afternoons:
                            continue
                        sr = self.rng.choice(work) if work and self.rng.random() < 0.8 else None
                        item = ScheduleItem(
                            tech=tech,
                            service_request=sr,
                            title=sr.title
                            if sr
                            else self.rng.choice(
                                [
                                    "Site visit: follow-ups",
                                    "Remote monitoring review",
                                    "Documentation catch-up",
                                ]
                            ),
                            starts_at=self.local(day, start),
                            ends_at=self.local(day, end),
                            published_at=published,
                            created_by_id=self.manager.id,
                        )
                        if self.rng.random() < 0.07:
                            item.out_of_town = True
                            item.travel_notes = (
                                "Two hours' drive; leave by 7:00 and take the spare switch."
                            )
                        acknowledged = week_offset == 0 or self.rng.random() < 0.5
                        if acknowledged:
                            item.acknowledged_at = published + timedelta(
                                minutes=self.rng.randint(20, 110)
                            )
                            item.acknowledged_version = 1
                            if week_offset == 1 and self.rng.random() < 0.15:
                                item.version = 2  # edited after the tech acknowledged it
                        db.session.add(item)

    def _time_entries(self, visits: dict[tuple[int, date], tuple[ChecklistRun, datetime]]) -> None:
        last_monday = self.this_monday - timedelta(weeks=1)
        days = [last_monday + timedelta(days=n) for n in range(5)]
        days += [
            self.this_monday + timedelta(days=n)
            for n in range(5)
            if self.this_monday + timedelta(days=n) < self.today
        ]
        for tech in self.techs:
            work = [sr for sr in self.srs if sr.assignee is tech] or self.srs
            for day in days:
                cursor = self.local(day, time(8, self.rng.choice([0, 15, 30])))
                visit = visits.get((tech.id, day))
                for _ in range(self.rng.randint(3, 5)):
                    minutes = self.rng.choice([30, 45, 60, 90, 105, 120, 150])
                    if visit and cursor + timedelta(minutes=minutes) > self.local(day, time(13)):
                        break
                    sr = self.rng.choice(work) if self.rng.random() < 0.85 else None
                    client = sr.client if sr else self.rng.choice(self.clients)
                    end = cursor + timedelta(minutes=minutes)
                    db.session.add(
                        TimeEntry(
                            uuid=str(uuid.UUID(int=self.rng.getrandbits(128), version=4)),
                            tech=tech,
                            service_request=sr,
                            client=client,
                            started_at=cursor,
                            ended_at=end,
                            billable=sr.billable if sr else False,
                            notes="Worked through it with the client on site."
                            if sr
                            else "Internal: tools and documentation.",
                            created_at=end,
                            synced_at=end + timedelta(minutes=self.rng.randint(0, 20)),
                        )
                    )
                    cursor = end + timedelta(minutes=self.rng.choice([0, 0, 15, 30]))
                if visit:
                    self._visit_entry(tech, *visit)
        if self.today.weekday() < 5:
            tech = self.techs[1]
            sr = self._open_srs_for(tech)[0]
            db.session.add(
                TimeEntry(
                    uuid=str(uuid.UUID(int=self.rng.getrandbits(128), version=4)),
                    tech=tech,
                    service_request=sr,
                    client=sr.client,
                    started_at=self.now - timedelta(minutes=40),
                    billable=sr.billable,
                )
            )
        self._time_cards(last_monday)

    def _visit_entry(self, tech: User, run: ChecklistRun, last_tick: datetime) -> None:
        """The afternoon's maintenance visit, logged against its run until just after the
        last item was ticked."""
        started = last_tick.astimezone(self.zone).replace(hour=13, minute=0)
        ended = last_tick + timedelta(minutes=5)
        db.session.add(
            TimeEntry(
                uuid=str(uuid.UUID(int=self.rng.getrandbits(128), version=4)),
                tech=tech,
                client_id=run.client_id,
                checklist_run_id=run.id,
                started_at=started,
                ended_at=ended,
                billable=True,
                notes="Monthly maintenance visit.",
                created_at=ended,
                synced_at=ended + timedelta(minutes=self.rng.randint(0, 20)),
            )
        )

    def _time_cards(self, last_monday: date) -> None:
        friday_evening = self.local(last_monday + timedelta(days=4), time(16, 45))
        for index, tech in enumerate(self.techs):
            card = TimeCard(tech=tech, week_start=last_monday)
            if index in (0, 1):
                card.status = TimeCardStatus.SUBMITTED.value
                card.submitted_at = friday_evening
            elif index in (2, 3):
                card.status = TimeCardStatus.APPROVED.value
                card.submitted_at = friday_evening
                card.decided_at = friday_evening + timedelta(days=3)
                card.decided_by = self.manager
            db.session.add(card)

    def _time_off(self) -> None:
        next_monday = self.this_monday + timedelta(weeks=1)
        db.session.add_all(
            [
                TimeOffRequest(
                    tech=self.techs[2],
                    start_date=next_monday + timedelta(weeks=1, days=2),
                    end_date=next_monday + timedelta(weeks=1, days=4),
                    kind="vacation",
                    note="Family visit.",
                    created_at=self.now - timedelta(days=1),
                ),
                TimeOffRequest(
                    tech=self.techs[3],
                    start_date=next_monday + timedelta(days=4),
                    end_date=next_monday + timedelta(days=4),
                    starts_midday=True,
                    kind="personal",
                    note="Dentist in the afternoon.",
                    status="approved",
                    created_at=self.now - timedelta(days=6),
                    decided_by=self.manager,
                    decided_at=self.now - timedelta(days=5),
                ),
            ]
        )

    def _checkins(self) -> None:
        last_workday = self.today - timedelta(days=1)
        while last_workday.weekday() >= 5:
            last_workday -= timedelta(days=1)
        checked_in_at = self.local(last_workday, time(16, 50))
        for tech in self.techs[:4]:
            checkin = CheckIn(
                tech=tech,
                day=last_workday,
                how_it_went="Closed out the scheduled visits; one follow-up needed.",
                plan_for_tomorrow="Finish the open items in my queue, oldest first.",
                created_at=checked_in_at,
                updated_at=checked_in_at,
            )
            if tech is self.techs[0]:
                checkin.issues.append(
                    CheckInIssue(
                        text="Oakridge Credit Union firewall is out of support next month.",
                        urgent=True,
                        reported_at=checked_in_at,
                    )
                )
            db.session.add(checkin)


def seed_demo(now: datetime | None = None, *, last_year: bool = True) -> None:
    """The demo shop as of `now`; `last_year=False` leaves out the whole of last year's
    records (the year in figures' history), which the other pages do not need."""
    DemoShop(now, last_year=last_year).build()
