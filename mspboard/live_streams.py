"""Open live-update streams within limits, and ended when their viewer loses access.

Each open stream holds a connection of the streams process (mspboard.serving.streams), so
one person or one wall-TV link may hold at most STREAMS_PER_VIEWER of them at once (the
board, the manager pages and every tab count together). Past the cap the answer is a 503
with Retry-After and no stream; the page then polls for the same fragments every 15
seconds and tries its stream again later (static/js/live.js).

The count holds across server processes: with MSPBOARD_REDIS_URL set it is kept in Redis,
one sorted set per viewer and database whose members are the open streams, each with an
expiry that its stream renews at every re-check, so the streams of a worker that crashed
lapse on their own. Without Redis it is kept in this process. If Redis cannot be reached,
streams are counted in this process rather than refused.

An open stream asks `stream_access.may_still_watch` every STREAM_RECHECK_SECONDS, in an app
context of its own that is closed again at once (no database connection is held while the
stream idles), and ends with a "revoked" event once the answer is no.
"""

from __future__ import annotations

import logging
import math
import secrets
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol

import redis
from flask import Flask, Response, current_app, request

from mspboard import events
from mspboard.services.stream_access import Viewer, may_still_watch

# What each live endpoint may stream (the topic map is in events' docstring); a page whose
# stream is refused polls for the same (templates read this through the live_stream macro).
# A page that shows less asks for less: ?topics=schedule streams only that.
TOPICS: dict[str, tuple[str, ...]] = {
    "board.live": (events.BOARD, events.HOURS),
    "manage.live": (
        events.APPROVALS,
        events.TIMERS,
        events.HOURS,
        events.SCHEDULE,
        events.MAINTENANCE,
    ),
    "tv.live": (events.BOARD, events.TIMERS),
}
RETRY_AFTER_SECONDS = 15
# A stream renews its slot at every re-check; an unrenewed slot lapses after this long.
SLOT_LIFETIME_FLOOR_SECONDS = 30.0

log = logging.getLogger(__name__)


class Slots(Protocol):
    def take(self, key: str, cap: int) -> Slot | None: ...
    def renew(self, slot: Slot) -> None: ...
    def give_back(self, slot: Slot) -> None: ...
    def count(self, key: str) -> int: ...


@dataclass
class Slot:
    """One open stream's place in its viewer's count."""

    key: str
    id: str
    holder: Slots
    given_back: bool = False

    def renew(self) -> None:
        if not self.given_back:
            self.holder.renew(self)

    def give_back(self) -> None:
        if not self.given_back:
            self.given_back = True
            self.holder.give_back(self)


class LocalSlots:
    """Open streams counted in this process (one server process, or Redis unreachable)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: dict[str, set[str]] = {}

    def take(self, key: str, cap: int) -> Slot | None:
        with self._lock:
            held = self._open.setdefault(key, set())
            if len(held) >= cap:
                return None
            slot = Slot(key, secrets.token_hex(8), self)
            held.add(slot.id)
            return slot

    def renew(self, slot: Slot) -> None:
        return None

    def give_back(self, slot: Slot) -> None:
        with self._lock:
            held = self._open.get(slot.key)
            if held is not None:
                held.discard(slot.id)
                if not held:
                    del self._open[slot.key]

    def count(self, key: str) -> int:
        with self._lock:
            return len(self._open.get(key, ()))


# Redis's own clock decides expiry, so server processes whose clocks differ agree.
_NOW = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
"""
_TAKE = (
    _NOW
    + """
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[2])
redis.call('EXPIRE', KEYS[1], math.ceil(tonumber(ARGV[3])))
return 1
"""
)
_RENEW = (
    _NOW
    + """
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('EXPIRE', KEYS[1], math.ceil(tonumber(ARGV[2])))
return 1
"""
)
_COUNT = _NOW + "return redis.call('ZCARD', KEYS[1])"


class RedisSlots:
    """Open streams counted in Redis, shared by every server process of one database."""

    def __init__(self, client: redis.Redis, database_url: str, lifetime: float) -> None:
        self._client = client
        self._prefix = f"mspboard:streams:{events.database_tag(database_url)}:"
        self._lifetime = lifetime
        self._take = client.register_script(_TAKE)
        self._renew = client.register_script(_RENEW)
        self._count = client.register_script(_COUNT)
        self._fallback = LocalSlots()

    def redis_key(self, key: str) -> str:
        return self._prefix + key

    def take(self, key: str, cap: int) -> Slot | None:
        slot = Slot(key, secrets.token_hex(8), self)
        try:
            taken = self._take(keys=[self.redis_key(key)], args=[cap, slot.id, self._lifetime])
        except redis.RedisError:
            log.warning("Redis unreachable; live streams are counted in this process only")
            return self._fallback.take(key, cap)
        return slot if taken else None

    def renew(self, slot: Slot) -> None:
        try:
            self._renew(keys=[self.redis_key(slot.key)], args=[slot.id, self._lifetime])
        except redis.RedisError:
            log.warning("Redis unreachable; could not renew a live stream's slot")

    def give_back(self, slot: Slot) -> None:
        try:
            self._client.zrem(self.redis_key(slot.key), slot.id)
        except redis.RedisError:
            log.warning("Redis unreachable; a live stream's slot lapses on its own")

    def count(self, key: str) -> int:
        try:
            return int(self._count(keys=[self.redis_key(key)]))
        except redis.RedisError:
            log.warning("Redis unreachable; counting the live streams open in this process")
            return self._fallback.count(key)


_EXTENSION = "mspboard_stream_slots"
_clients: dict[str, redis.Redis] = {}
_clients_lock = threading.Lock()


# Redis connections one process keeps for stream counts. In the streams process hundreds of
# streams (greenlets) may renew or give back their slots at once: past this many they wait
# for a free connection (up to POOL_WAIT_SECONDS) instead of failing.
POOL_CONNECTIONS = 50
POOL_WAIT_SECONDS = 5


def _redis_client(url: str) -> redis.Redis:
    with _clients_lock:
        if url not in _clients:
            pool = redis.BlockingConnectionPool.from_url(
                url,
                max_connections=POOL_CONNECTIONS,
                timeout=POOL_WAIT_SECONDS,
                socket_connect_timeout=2,
                socket_timeout=2,
            )
            _clients[url] = redis.Redis(connection_pool=pool)
        return _clients[url]


def slots_for(app: Flask) -> Slots:
    """The app's stream counter: in Redis when the app has a Redis URL, else in this process."""
    slots = app.extensions.get(_EXTENSION)
    if slots is None:
        url = app.config.get("REDIS_URL")
        if url:
            lifetime = max(SLOT_LIFETIME_FLOOR_SECONDS, 4 * app.config["STREAM_RECHECK_SECONDS"])
            slots = RedisSlots(
                _redis_client(url), app.config["SQLALCHEMY_DATABASE_URI"], math.ceil(lifetime)
            )
        else:
            slots = LocalSlots()
        slots = app.extensions.setdefault(_EXTENSION, slots)
    return slots


class _HeldStream:
    """A stream that gives its slot back when it ends or the server closes it (also when it
    was never started: a generator that never ran does not run its `finally`)."""

    def __init__(self, stream: Iterator[str], slot: Slot) -> None:
        self._stream = stream
        self._slot = slot

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        try:
            return next(self._stream)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        try:
            self._stream.close()  # type: ignore[attr-defined]
        finally:
            self._slot.give_back()


def open_streams(viewer: Viewer) -> int:
    """How many live streams are open for `viewer` right now, in every server process (with
    Redis; without it the one process serves them all)."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    return slots_for(app).count(viewer.key)


def refused(why: str = "Too many live connections are open") -> Response:
    """No stream: the page polls every RETRY_AFTER_SECONDS instead (static/js/live.js)."""
    return Response(
        f"{why}; this page checks for changes every {RETRY_AFTER_SECONDS} seconds instead.",
        status=503,
        mimetype="text/plain",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"},
    )


def topics_asked(endpoint: str, asked: str | None) -> tuple[str, ...]:
    """The endpoint's TOPICS that a page asked for (`asked`: names separated by spaces);
    all of them when it asked for none of them."""
    allowed = TOPICS[endpoint]
    wanted = set((asked or "")[:200].split())
    return tuple(topic for topic in allowed if topic in wanted) or allowed


def open_stream(viewer: Viewer, recheck_on: Iterable[str] = ()) -> Response:
    """The event stream of this endpoint's TOPICS (those the page asked for) for `viewer`
    (see events.sse_stream), or a 503 past their cap."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    slot = slots_for(app).take(viewer.key, app.config["STREAMS_PER_VIEWER"])
    if slot is None:
        return refused()

    def still_allowed() -> bool:
        slot.renew()
        with app.app_context():
            return may_still_watch(viewer)

    stream = events.sse_stream(
        topics_asked(request.endpoint or "", request.args.get("topics")),
        still_allowed=still_allowed,
        recheck_on=recheck_on,
        heartbeat=app.config["STREAM_RECHECK_SECONDS"],
        coalesce=app.config["LIVE_COALESCE_SECONDS"],
    )
    return events.sse_response(_HeldStream(stream, slot))
