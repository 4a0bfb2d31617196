"""The demo shop's quarterly reviews: last round held for Priya, with the manager's notes, her
goals and her review of the service manager; this round proposed for everyone, and Marcus's
already accepted onto the planner (a draft until its week is published).

Every moment is relative to the demo's "now": the rounds are those round_quarter names."""

from __future__ import annotations

from datetime import time, timedelta
from typing import TYPE_CHECKING

from mspboard.models import (
    GoalNote,
    GoalPeriod,
    GoalStatus,
    QuarterlyReview,
    ScheduleItem,
    db,
)
from mspboard.services.people import reviews
from mspboard.services.people.goals import add_goal

if TYPE_CHECKING:
    from mspboard.demo import DemoShop

MANAGER_NOTES = (
    "Strong quarter: utilisation up and every time card in on time. Took the lead on the "
    "Ironwood server move and wrote the runbook the others now use.\n"
    "Next: hand the Monday patch window to Jamal, with Priya as his backup, and sit the CCNA "
    "before the end of the quarter."
)
HELPS = (
    "Clear priorities every Monday, and you back us when a client pushes for something "
    "outside the contract."
)
HINDERS = (
    "Schedule changes on the day with no heads-up. A text before you move something would help."
)

# (title, measure, status, note) for the quarter a review looks back on.
LAST_GOALS = [
    (
        "Bring billable share to 75%",
        "Billable share over the quarter on the review page",
        GoalStatus.MET,
        "Hit 77% in the last month; logging time from the site helps.",
    ),
    (
        "Write the server-move runbook",
        "Runbook in the shared drive, used on one move",
        GoalStatus.MET,
        "Used for the Ironwood move; Elena added the NAS section.",
    ),
    (
        "Pass the CCNA exam",
        "Certificate earned",
        GoalStatus.AT_RISK,
        "Exam booked, then moved: the Cedar & Finch outage took the study week.",
    ),
]
NEW_GOALS = [
    (
        "Pass the CCNA exam",
        "Certificate earned by the end of the quarter",
        "Exam booked for the second month; two practice tests passed.",
    ),
    (
        "Mentor Jamal on the patch window",
        "Jamal runs it alone twice, with no rollbacks",
        "Jamal ran it once with me watching; no rollbacks.",
    ),
]


class DemoReviews:
    def __init__(self, shop: DemoShop) -> None:
        self.shop = shop

    def build(self) -> None:
        shop = self.shop
        priya = shop.users["tech1@demo.test"]
        marcus = shop.users["tech2@demo.test"]
        manager = shop.manager
        current = reviews.round_quarter(shop.now)
        past = reviews.previous_quarter_start(current)
        before = reviews.previous_quarter_start(past)
        for title, measure, status, note in LAST_GOALS:
            goal = add_goal(
                priya,
                period=GoalPeriod.QUARTER,
                starts=before,
                title=title,
                by=manager,
                measure=measure,
            )
            goal.status = status.value
            self._note(goal, priya, before, note)
        # Written at last round's review: this round's review looks back on them.
        for title, measure, note in NEW_GOALS:
            goal = add_goal(
                priya,
                period=GoalPeriod.QUARTER,
                starts=past,
                title=title,
                by=manager,
                measure=measure,
            )
            goal.status = GoalStatus.ON_TRACK.value
            self._note(goal, priya, past, note)
        self._held(priya, past)
        db.session.flush()
        row = next(
            r for r in reviews.review_round(current, shop.now).rows if r.tech.id == marcus.id
        )
        if row.proposal is not None:
            reviews.accept_proposal(manager, marcus.id, current, row.proposal.starts_at, shop.now)
        db.session.flush()

    def _note(self, goal, author, quarter, body) -> None:
        """A progress note from the middle of the goal's quarter (never after now)."""
        written = min(self.shop.local(quarter + timedelta(days=45), time(16, 0)), self.shop.now)
        db.session.add(
            GoalNote(goal=goal, author=author, body=body, created_at=written, stored_at=written)
        )

    def _held(self, tech, quarter) -> QuarterlyReview:
        """Tuesday 10:00 of the quarter's review week, published, acknowledged and held."""
        shop = self.shop
        day = reviews.review_week(quarter) + timedelta(days=1)
        starts = shop.local(day, time(10, 0))
        item = ScheduleItem(
            tech_id=tech.id,
            title=f"{reviews.ITEM_TITLE} ({reviews.quarter_label(quarter)})",
            starts_at=starts,
            ends_at=starts + reviews.REVIEW_LENGTH,
            published_at=starts - timedelta(days=6),
            acknowledged_at=starts - timedelta(days=5),
            acknowledged_version=1,
            version=1,
            created_by_id=shop.manager.id,
        )
        db.session.add(item)
        db.session.flush()
        review = QuarterlyReview(
            tech_id=tech.id,
            quarter_start=quarter,
            schedule_item_id=item.id,
            held_at=starts + reviews.REVIEW_LENGTH,
            held_by_id=shop.manager.id,
            manager_notes=MANAGER_NOTES,
            manager_helps=HELPS,
            manager_hinders=HINDERS,
            manager_review_at=starts - timedelta(days=1, hours=-6),
            manager_review_by_id=tech.id,
            created_by_id=shop.manager.id,
        )
        db.session.add(review)
        return review
