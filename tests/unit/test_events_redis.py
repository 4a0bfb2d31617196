"""Live updates between server processes, through a real Redis server."""

import subprocess
import sys
from collections.abc import Iterator

import pytest

from mspboard import events
from mspboard.models import db
from mspboard.services.service_requests import change_status
from tests.conftest import REDIS_URL
from tests.factories import make_sr

pytestmark = pytest.mark.redis


@pytest.fixture
def bridge() -> Iterator[None]:
    events.configure(REDIS_URL)
    assert events._bridge is not None and events._bridge.wait_until_listening(5)
    yield
    events.configure(None)


def test_a_change_in_another_process_reaches_this_one(bridge):
    with events.subscribe([events.BOARD]) as listener:
        publisher = (
            "from mspboard import events; "
            f"events.configure({REDIS_URL!r}); events.publish('board'); events.configure(None)"
        )
        subprocess.run([sys.executable, "-c", publisher], check=True, timeout=30)
        assert listener.next(timeout=5) == events.BOARD


def test_a_committed_change_here_travels_through_redis(bridge):
    with events.subscribe([events.BOARD]) as listener:
        sr = make_sr()
        change_status(None, sr, "waiting")
        assert listener.drain() == set()
        db.session.commit()
        assert listener.next(timeout=5) == events.BOARD


def test_without_redis_topics_stay_in_this_process():
    events.configure(None)
    with events.subscribe([events.TIMERS]) as listener:
        events.publish(events.TIMERS)
        assert listener.next(timeout=1) == events.TIMERS
