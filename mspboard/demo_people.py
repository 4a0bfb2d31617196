"""The demo shop's people: every tech's goals of this quarter and this year in every status
(open, on track, at risk, met, missed, dropped), progress notes by the tech and by the
manager, a certification planned as a goal, and the certifications each holds, of which
exactly one expires within 60 days and one has expired.

Every date is relative to the demo's "now" and stays inside the goal's own quarter or year,
so the shop seeds the same way on the first day of a quarter or the last."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from mspboard.models import Certification, Goal, GoalKind, GoalPeriod, GoalStatus, User, db
from mspboard.services.people import goals
from mspboard.services.time_weeks import local_midnight

if TYPE_CHECKING:
    from mspboard.demo import DemoShop

# (period, title, measure, status, a note by the tech, a note by the manager)
GOALS = [
    (
        GoalPeriod.QUARTER,
        "Close 40 SRs, P1 and P2 first",
        "40 SRs closed in the PSA, none reopened within a week",
        GoalStatus.ON_TRACK,
        "28 closed so far; two reopened and fixed the same day.",
        "Good pace. Keep the reopen count at zero.",
    ),
    (
        GoalPeriod.QUARTER,
        "Document every client's backup setup",
        "A current backup page for each of my clients in the runbook",
        GoalStatus.AT_RISK,
        "Half done; the law firm's NAS needs a site visit first.",
        "",
    ),
    (
        GoalPeriod.QUARTER,
        "Shadow a firewall migration",
        "Present the cut-over plan at a Monday meeting",
        GoalStatus.OPEN,
        "",
        "",
    ),
    (
        GoalPeriod.QUARTER,
        "Keep the time card current daily",
        "No day with time entered more than a day late",
        GoalStatus.MET,
        "Every day entered on the day for the whole quarter so far.",
        "Confirmed from the time cards.",
    ),
    (
        GoalPeriod.YEAR,
        "Cut repeat printer tickets by half",
        "Printer SRs this year against last year's",
        GoalStatus.MISSED,
        "Two clients kept their old printers; the count barely moved.",
        "Not for lack of trying; we try again next year with the leases.",
    ),
    (
        GoalPeriod.YEAR,
        "Build a laptop imaging USB kit",
        "",
        GoalStatus.DROPPED,
        "",
        "Dropped: Autopilot made the kit unnecessary.",
    ),
]

PLANNED_CERTIFICATION = ("Earn the Microsoft Azure Administrator (AZ-104)", "Pass the exam")

# (name, issuer, earned days ago, valid for days or None): far from expiring.
HELD = [
    ("CompTIA A+", "CompTIA", 900, 1095 + 400),
    ("ITIL 4 Foundation", "PeopleCert", 500, None),
    ("Cisco CCNA", "Cisco", 300, 1095),
    ("CompTIA Network+", "CompTIA", 200, 1095),
]


class DemoPeople:
    def __init__(self, shop: DemoShop) -> None:
        self.shop = shop
        self.now: datetime = shop.now
        self.today: date = shop.today
        self.quarter = goals.quarter_start(self.today)
        self.year = date(self.today.year, 1, 1)

    def build(self) -> None:
        manager = self.shop.manager
        for n, tech in enumerate(self.shop.techs):
            for offset, spec in enumerate(GOALS):
                self._goal(tech, manager, n + offset, *spec)
            self._certifications(tech, manager, n)
        planner = self.shop.techs[0]
        title, measure = PLANNED_CERTIFICATION
        planned = goals.add_goal(
            planner,
            period=GoalPeriod.QUARTER,
            starts=self.today,
            title=title,
            by=manager,
            measure=measure,
            target_on=self._end(GoalPeriod.QUARTER),
            kind=GoalKind.CERTIFICATION,
        )
        planned.status = GoalStatus.ON_TRACK.value
        self._note(planned, planner, "Exam booked; two practice tests done, 780 and 820.", 3)
        db.session.flush()

    def _start(self, period: GoalPeriod) -> date:
        return self.quarter if period is GoalPeriod.QUARTER else self.year

    def _end(self, period: GoalPeriod) -> date:
        return goals.period_end(period, self._start(period))

    def _since_start(self, period: GoalPeriod, days: int) -> datetime:
        """`days` days before now, but never before the period began."""
        return max(self.now - timedelta(days=days), local_midnight(self._start(period)))

    def _goal(
        self,
        tech: User,
        manager: User,
        n: int,
        period: GoalPeriod,
        title: str,
        measure: str,
        status: GoalStatus,
        by_tech: str,
        by_manager: str,
    ) -> None:
        decided = status in (GoalStatus.MET, GoalStatus.MISSED, GoalStatus.DROPPED)
        if status is GoalStatus.MISSED:
            target = max(self._start(period), self.today - timedelta(days=1 + n % 5))
        else:
            target = self._end(period) - timedelta(days=(n * 7) % 20)
        goal = goals.add_goal(
            tech,
            period=period,
            starts=self.today,
            title=title,
            by=manager,
            measure=measure,
            target_on=target,
        )
        goal.created_at = local_midnight(self._start(period))
        goal.status = status.value
        if decided:
            goal.decided_at = self._since_start(period, 1 + n % 3)
        if by_tech:
            self._note(goal, tech, by_tech, 4 + n % 4, period)
        if by_manager:
            self._note(goal, manager, by_manager, 1 + n % 2, period)

    def _note(
        self,
        goal: Goal,
        author: User,
        body: str,
        days_ago: int,
        period: GoalPeriod = GoalPeriod.QUARTER,
    ) -> None:
        moment = self._since_start(period, days_ago)
        goals.add_note(author, goal, body, moment).stored_at = moment

    def _certifications(self, tech: User, manager: User, n: int) -> None:
        held = [HELD[n % len(HELD)], HELD[(n + 1) % len(HELD)]]
        if n == 1:
            held[0] = ("Microsoft 365 Certified: Modern Desktop", "Microsoft", 700, 700 + 25)
        if n == 2:
            held[0] = ("Fortinet NSE 4", "Fortinet", 740, 730)
        for name, issuer, earned_ago, valid_days in held:
            earned = self.today - timedelta(days=earned_ago)
            db.session.add(
                Certification(
                    user=tech,
                    name=name,
                    issuer=issuer,
                    earned_on=earned,
                    expires_on=None if valid_days is None else earned + timedelta(days=valid_days),
                    created_by_id=manager.id,
                    created_at=self.now,
                )
            )
