from datetime import timedelta

from mspboard.models import ScheduleItem, db, utcnow
from mspboard.services.backlog import BacklogList, backlog, backlog_counts
from tests.factories import make_client, make_sr, make_user


def test_each_list_catches_what_needs_a_decision():
    now = utcnow()
    client = make_client()
    tech = make_user()
    unassigned = make_sr(client, "unassigned", priority=3)
    stale = make_sr(client, "stale", priority=3, assignee=tech)
    stale.updated_at = now - timedelta(days=30)
    overdue = make_sr(client, "overdue", priority=4, assignee=tech)
    overdue.due_at = now - timedelta(hours=1)
    urgent = make_sr(client, "urgent waiting", priority=1, status="waiting", assignee=tech)
    working = make_sr(client, "P1 being worked", priority=1, status="in_progress", assignee=tech)
    db.session.add(
        ScheduleItem(
            tech=tech,
            service_request=working,
            title="on it",
            starts_at=now + timedelta(days=1),
            ends_at=now + timedelta(days=1, hours=2),
        )
    )
    make_sr(client, "closed", priority=1, status="done")
    db.session.flush()
    review = backlog(now)
    titles = {name: [sr.title for sr in srs] for name, srs in review.lists.items()}
    assert titles[BacklogList.UNASSIGNED] == [unassigned.title]
    assert titles[BacklogList.STALE] == [stale.title]
    assert titles[BacklogList.OVERDUE] == [overdue.title]
    assert titles[BacklogList.URGENT_NOT_STARTED] == [urgent.title]
    assert working.title not in titles[BacklogList.UNSCHEDULED]
    assert set(titles[BacklogList.UNSCHEDULED]) == {
        "unassigned",
        "stale",
        "overdue",
        "urgent waiting",
    }
    assert backlog_counts(now) == {name: len(srs) for name, srs in review.lists.items()}


def test_long_lists_show_the_most_urgent_and_count_the_rest():
    client = make_client()
    for n in range(5):
        make_sr(client, f"P{n % 4 + 1} #{n}", priority=n % 4 + 1)
    review = backlog(limit=2)
    assert [sr.priority for sr in review.lists[BacklogList.UNASSIGNED]] == [1, 1]
    assert review.count(BacklogList.UNASSIGNED) == 5
    assert review.hidden(BacklogList.UNASSIGNED) == 3
