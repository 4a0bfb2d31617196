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

pytestmark = [pytest.mark.redis, pytest.mark.instant_free]


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


def test_shops_on_one_redis_server_do_not_hear_each_other(app, tmp_path):
    """This test's app listens on its database's channel; another process runs an app on
    another database, then one on this test's database, each announcing a change. Redis
    delivers in the order it was told, so by the time this app hears its own shop's
    change it would already have heard the other shop's, had that reached it."""
    database = app.config["SQLALCHEMY_DATABASE_URI"]
    other = f"sqlite:///{tmp_path / 'other-shop.db'}"
    events.configure(REDIS_URL, events.redis_channel(database))
    assert events._bridge is not None and events._bridge.wait_until_listening(5)
    try:
        with events.subscribe([events.BOARD, events.TIMERS]) as listener:
            script = (
                "from mspboard import create_app, events\n"
                "def announce(url, topic):\n"
                "    create_app({'SQLALCHEMY_DATABASE_URI': url, 'SECRET_KEY': 'x',"
                f" 'INSTANCE_PATH': {str(tmp_path / 'instance')!r}, 'REDIS_URL': {REDIS_URL!r}}})\n"
                "    events.publish(topic)\n"
                f"announce({other!r}, 'board')\n"
                f"announce({database!r}, 'timers')\n"
                "events.configure(None)\n"
            )
            subprocess.run([sys.executable, "-c", script], check=True, timeout=60)
            assert listener.next(timeout=10) == events.TIMERS
            assert listener.drain() == set()
    finally:
        events.configure(None)


def test_the_channel_is_named_for_the_database_without_its_password():
    channel = events.redis_channel
    shop = "postgresql+psycopg://shop:secret@db.example/mspboard"
    assert channel(shop) == channel("postgresql+psycopg://shop:rotated@db.example/mspboard")
    assert channel(shop) != channel("postgresql+psycopg://shop:secret@db.example/other_shop")
    assert channel(shop) != channel("postgresql+psycopg://shop:secret@db2.example/mspboard")
    assert "secret" not in channel(shop) and channel(shop).startswith("mspboard:events:")
