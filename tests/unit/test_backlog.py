from datetime import timedelta

import pytest

from mspboard.models import ScheduleItem, db, utcnow
from mspboard.services.backlog import BacklogList, backlog, backlog_counts
from tests.factories import make_client, make_sr, make_user
from tests.field_factories import make_entry


def test_each_list_catches_what_needs_a_decision():
    now = utcnow()
    client = make_client()
    tech = make_user()
    unassigned = make_sr(client, "unassigned", priority=3)
    stale = make_sr(client, "stale", priority=3, assignee=tech)
    stale.updated_at = now - timedelta(days=30)
    overdue = make_sr(client, "overdue", priority=4, assignee=tech)
    overdue.due_at = now - timedelta(hours=1)
    urgent = make_sr(client, "urgent not started", priority=1, status="scheduled", assignee=tech)
    make_sr(client, "P1 waiting on the client", priority=1, status="waiting", assignee=tech)
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
        "urgent not started",
        "P1 waiting on the client",
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


STALE_AFTER = 14  # the shop's default


def stale_titles(now) -> list[str]:
    return [sr.title for sr in backlog(now).lists[BacklogList.STALE]]


@pytest.fixture
def now():
    return utcnow().replace(microsecond=0)


def test_stale_from_exactly_stale_after_days_without_a_change_not_a_second_sooner(now):
    sr = make_sr(title="quiet")
    sr.updated_at = now - timedelta(days=STALE_AFTER)
    db.session.flush()
    assert stale_titles(now) == ["quiet"]
    assert stale_titles(now - timedelta(seconds=1)) == []


def test_time_logged_within_stale_after_days_keeps_an_sr_off_the_stale_list(now):
    tech = make_user()
    sr = make_sr(title="worked on", assignee=tech)
    sr.updated_at = now - timedelta(days=60)
    entry = make_entry(tech, now - timedelta(days=STALE_AFTER, hours=1), minutes=60, sr=sr)
    db.session.flush()
    # The entry ended exactly stale_after days ago: nothing logged since, so it is stale.
    assert entry.ended_at == now - timedelta(days=STALE_AFTER)
    assert stale_titles(now) == ["worked on"]
    # One second less: the time was logged within the window.
    assert stale_titles(now - timedelta(seconds=1)) == []
    make_entry(tech, now - timedelta(hours=1), minutes=None, sr=sr)  # a timer running now
    assert stale_titles(now + timedelta(days=STALE_AFTER)) == []


def test_a_closed_sr_is_never_stale(now):
    sr = make_sr(title="closed", status="done")
    sr.updated_at = now - timedelta(days=90)
    db.session.flush()
    assert stale_titles(now) == []


@pytest.mark.parametrize(
    ("status", "listed"),
    [("new", True), ("scheduled", True), ("in_progress", False), ("waiting", False)],
)
def test_p1_p2_not_started_is_new_or_scheduled_only(status, listed):
    make_sr(title="P1", priority=1, status=status)
    make_sr(title="P2", priority=2, status=status)
    make_sr(title="P3", priority=3, status="new")
    titles = [sr.title for sr in backlog().lists[BacklogList.URGENT_NOT_STARTED]]
    assert titles == (["P1", "P2"] if listed else [])


def test_every_list_is_defined_in_one_sentence():
    assert BacklogList.STALE.definition(14) == (
        "Open SRs with no change and no time logged for 14 days or more."
    )
    assert "not In progress, and not Waiting" in BacklogList.URGENT_NOT_STARTED.definition(14)
    assert all(name.definition(1).endswith(".") for name in BacklogList)
