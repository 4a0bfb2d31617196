"""Each screen hears only what changes what it shows (the topic map in mspboard.events)."""

from datetime import timedelta

import pytest

from mspboard import events
from mspboard.live_streams import TOPICS, topics_asked
from mspboard.models import db, utcnow
from mspboard.services import time_cards, time_entries
from mspboard.services.time_weeks import week_start_of
from tests.factories import make_client, make_sr, make_user
from tests.field_factories import new_uuid


@pytest.fixture(autouse=True)
def _held_still(stopped):
    """Timers start, stop and the week is taken at one still moment, at any --at."""


def heard_by(endpoint: str, change) -> set[str]:
    """What the stream of `endpoint` hears when `change` commits."""
    with events.subscribe(TOPICS[endpoint]) as listener:
        change()
        db.session.commit()
        return listener.drain()


def test_a_timer_starting_or_stopping_does_not_wake_the_board_but_logged_hours_do():
    tech, client = make_user(), make_client()
    now = utcnow()

    def start():
        time_entries.start_timer(tech, uuid=new_uuid(), at=now, now=now, client_id=client.id)

    def stop():
        later = now + timedelta(minutes=30)
        time_entries.stop_timer(tech, at=later, now=later)

    assert heard_by("board.live", start) == set()
    assert heard_by("board.live", stop) == {events.HOURS}


def test_the_tv_hears_who_is_working_but_not_logged_hours():
    tech, client = make_user(), make_client()
    now = utcnow()
    assert heard_by(
        "tv.live",
        lambda: time_entries.start_timer(
            tech, uuid=new_uuid(), at=now, now=now, client_id=client.id
        ),
    ) == {events.TIMERS}


def test_starting_work_on_a_new_sr_moves_it_on_the_board():
    tech = make_user()
    sr = make_sr(assignee=tech)
    now = utcnow()
    heard = heard_by(
        "board.live",
        lambda: time_entries.start_timer(tech, uuid=new_uuid(), at=now, now=now, sr_id=sr.id),
    )
    assert heard == {events.BOARD}


def test_a_submitted_time_card_reaches_the_approval_queue():
    tech = make_user()
    monday = week_start_of(utcnow())
    heard = heard_by("manage.live", lambda: time_cards.submit_card(tech, monday))
    assert events.APPROVALS in heard


def test_a_page_asks_for_part_of_its_streams_topics_and_nothing_else():
    assert topics_asked("manage.live", "schedule") == (events.SCHEDULE,)
    assert topics_asked("manage.live", "hours timers board") == (events.TIMERS, events.HOURS)
    assert topics_asked("manage.live", "board") == TOPICS["manage.live"]
    assert topics_asked("manage.live", None) == TOPICS["manage.live"]
    assert topics_asked("tv.live", "x" * 10_000) == TOPICS["tv.live"]
