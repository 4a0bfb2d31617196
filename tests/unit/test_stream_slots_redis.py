"""The cap on open live streams, counted in a real Redis server for several processes."""

import time
from collections.abc import Iterator

import pytest
import redis

from mspboard.live_streams import RedisSlots, slots_for
from tests.conftest import REDIS_URL

pytestmark = [pytest.mark.redis, pytest.mark.instant_free]


@pytest.fixture
def database(tmp_path) -> str:
    """A database of this test's own, so tests running side by side count apart."""
    return f"sqlite:///{tmp_path / 'mspboard.db'}"


@pytest.fixture
def client(database) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(REDIS_URL)
    yield client
    client.delete(*client.keys(RedisSlots(client, database, 1).redis_key("*")) or ["-"])
    client.close()


def test_two_processes_share_one_count_per_viewer(client, database):
    worker_a = RedisSlots(client, database, lifetime=30)
    worker_b = RedisSlots(client, database, lifetime=30)
    first = worker_a.take("user:1", 2)
    second = worker_b.take("user:1", 2)
    assert first and second
    assert worker_a.take("user:1", 2) is None
    assert worker_b.take("user:1", 2) is None
    assert worker_b.take("tv:1", 2) is not None
    first.give_back()
    second.give_back()
    assert worker_a.count("user:1") == 0 == worker_b.count("user:1")


def test_another_database_on_the_same_redis_counts_apart(client, database):
    shop_a = RedisSlots(client, database, lifetime=30)
    shop_b = RedisSlots(client, database + "-other-shop", lifetime=30)
    assert shop_a.take("user:1", 1) is not None
    assert shop_b.take("user:1", 1) is not None
    assert shop_a.redis_key("user:1") != shop_b.redis_key("user:1")


def test_a_slot_nobody_renews_lapses_and_a_renewed_one_stays(client, database):
    """A worker that crashed never gives its slots back; they lapse by themselves."""
    slots = RedisSlots(client, database, lifetime=0.2)
    abandoned = slots.take("user:1", 2)
    kept = slots.take("user:1", 2)
    assert abandoned and kept
    for _ in range(4):
        time.sleep(0.1)
        kept.renew()
    assert slots.count("user:1") == 1
    assert slots.take("user:1", 2) is not None


def test_an_app_with_a_redis_url_counts_in_redis(app, client):
    app.config["REDIS_URL"] = REDIS_URL
    slots = slots_for(app)
    assert isinstance(slots, RedisSlots)
    slot = slots.take("user:1", 4)
    assert client.zcard(slots.redis_key("user:1")) == 1
    slot.give_back()
    assert client.zcard(slots.redis_key("user:1")) == 0


def test_unreachable_redis_counts_in_this_process_rather_than_refusing(database):
    nowhere = redis.Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    slots = RedisSlots(nowhere, database, lifetime=30)
    slot = slots.take("user:1", 1)
    assert slot is not None
    assert slots.take("user:1", 1) is None
    assert slots.count("user:1") == 1
    slot.give_back()
    assert slots.count("user:1") == 0
    assert slots.take("user:1", 1) is not None
