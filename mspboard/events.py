"""Live updates: services announce what changed; once the change commits, every open
board, TV and manager page that shows it hears "this changed" and fetches fresh fragments.

Services call `announce(topic)` inside their transaction. Nothing is sent unless that
transaction commits, so a rolled-back change never reaches a screen.

Every process has an in-process broker that hands topics to its own listeners (open
event streams). With MSPBOARD_REDIS_URL set, topics travel through a Redis channel instead,
so several server processes (and CLI commands) reach each other's listeners.

Topics, who announces them, and which screens listen (live_streams.TOPICS holds the last
column; a screen is woken only by what changes what it shows):

    topic      announced when                                   heard by
    board      an SR is created, edited, moved, reassigned or   board, wall TV (columns)
               planned
    timers     a timer starts or stops (who works on what)      wall TV (who is working),
                                                                manager's Today
    hours      finished time changes: a timer stops, an entry   board (hours per card),
               is added, edited or deleted                      manager's Today
    approvals  a time card or time off is submitted or decided  manager's approval queue
    schedule   schedule items are planned or acknowledged       manager's planner,
                                                                maintenance sheet (its
                                                                scheduled days)
    tv_links   a wall-TV link is revoked                        wall TV (ends its stream)
    maintenance
               a month is opened or closed, a run's item is     maintenance sheet
               ticked, a run changes owner

A timer starting on an SR also moves the SR (board); one stopping announces timers and
hours. The board is not woken by a timer starting or stopping as such.

A stream passes on a topic it has not sent in the app's LIVE_COALESCE_SECONDS (1 s unless the
shop sets it) at once; a topic heard again sooner waits until that long after it was last
sent, and whatever is due together goes in one "refresh" (see Coalescer). So each part of a
busy shop's screens is fetched at most once a second, and a lone change is on them without
delay, even while timers tick on the same screen.
"""

from __future__ import annotations

import hashlib
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import redis
from flask import Response
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

BOARD = "board"
TIMERS = "timers"
TV_LINKS = "tv_links"
APPROVALS = "approvals"
SCHEDULE = "schedule"
HOURS = "hours"
MAINTENANCE = "maintenance"

_PENDING_KEY = "mspboard_announced_topics"
REDIS_CHANNEL_PREFIX = "mspboard:events:"

log = logging.getLogger(__name__)


def database_tag(database_url: str) -> str:
    """A short name for one shop's database, for everything it keeps on a shared Redis
    server (its event channel, its stream counts), so that shops (or a shop and its tests)
    sharing one do not meet; pub/sub ignores the Redis database number. The password is
    left out, so changing it keeps the name."""
    url = make_url(database_url)._replace(password=None)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        url = url.set(database=str(Path(url.database).resolve()))
    name = url.render_as_string(hide_password=False)
    return hashlib.sha256(name.encode()).hexdigest()[:16]


def redis_channel(database_url: str) -> str:
    """The Redis channel of one shop's live updates."""
    return REDIS_CHANNEL_PREFIX + database_tag(database_url)


class Subscription:
    def __init__(self, broker: InProcessBroker, topics: frozenset[str]) -> None:
        self._broker = broker
        self.topics = topics
        self._queue: queue.SimpleQueue[str] = queue.SimpleQueue()

    def deliver(self, topic: str) -> None:
        self._queue.put(topic)

    def next(self, timeout: float) -> str | None:
        """The next topic heard, or None after `timeout` seconds of quiet."""
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return None

    def drain(self) -> set[str]:
        heard: set[str] = set()
        while True:
            try:
                heard.add(self._queue.get_nowait())
            except queue.Empty:
                return heard

    def close(self) -> None:
        self._broker.unsubscribe(self)

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


class InProcessBroker:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscriptions: set[Subscription] = set()

    def publish(self, topic: str) -> None:
        with self._lock:
            listeners = [s for s in self._subscriptions if topic in s.topics]
        for subscription in listeners:
            subscription.deliver(topic)

    def subscribe(self, topics: Iterable[str]) -> Subscription:
        subscription = Subscription(self, frozenset(topics))
        with self._lock:
            self._subscriptions.add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        with self._lock:
            self._subscriptions.discard(subscription)


broker = InProcessBroker()


class RedisBridge:
    """Publishes topics on a Redis channel and feeds what the channel carries, from any
    process, into this process's broker. One listener thread per process."""

    def __init__(self, url: str, channel: str, local: InProcessBroker) -> None:
        self.url = url
        self.channel = channel
        self._local = local
        self._client = redis.Redis.from_url(url, socket_connect_timeout=2)
        self._stopped = threading.Event()
        self._listening = threading.Event()
        self._thread = threading.Thread(target=self._listen, name="mspboard-events", daemon=True)
        self._thread.start()

    def publish(self, topic: str) -> None:
        try:
            self._client.publish(self.channel, topic)
        except redis.RedisError:
            # Better that this process's screens update than none at all.
            log.warning("Redis unreachable; live update %r reaches this process only", topic)
            self._local.publish(topic)

    def wait_until_listening(self, timeout: float) -> bool:
        return self._listening.wait(timeout)

    def _listen(self) -> None:
        while not self._stopped.is_set():
            try:
                pubsub = self._client.pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(self.channel)
                self._listening.set()
                while not self._stopped.is_set():
                    message = pubsub.get_message(timeout=1.0)
                    if message is not None:
                        self._local.publish(message["data"].decode())
                pubsub.close()
            except redis.RedisError:
                self._listening.clear()
                log.warning("Lost the Redis event channel; retrying in a second")
                self._stopped.wait(1.0)

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=3)
        self._client.close()


_bridge: RedisBridge | None = None


def configure(redis_url: str | None, channel: str = REDIS_CHANNEL_PREFIX + "default") -> None:
    """Carry topics through Redis when a URL is given, on `channel` (the app passes
    redis_channel of its database), else within this process only."""
    global _bridge
    if _bridge is not None and (_bridge.url, _bridge.channel) == (redis_url, channel):
        return
    if _bridge is not None:
        _bridge.stop()
        _bridge = None
    if redis_url:
        _bridge = RedisBridge(redis_url, channel, broker)


def announce(session: Session, *topics: str) -> None:
    """Queue topics to publish when this session's transaction commits."""
    session.info.setdefault(_PENDING_KEY, set()).update(topics)


def publish(*topics: str) -> None:
    for topic in topics:
        if _bridge is not None:
            _bridge.publish(topic)
        else:
            broker.publish(topic)


def subscribe(topics: Iterable[str]) -> Subscription:
    return broker.subscribe(topics)


@event.listens_for(Session, "after_commit")
def _publish_after_commit(session: Session) -> None:
    publish(*session.info.pop(_PENDING_KEY, ()))


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(_PENDING_KEY, None)


# ---- server-sent events -----------------------------------------------------------------

HEARTBEAT_SECONDS = 15.0
# The app passes its LIVE_COALESCE_SECONDS setting; tests shorten it.
COALESCE_SECONDS = 1.0
RETRY_MILLISECONDS = 2000


def sse_message(event_name: str, data: str = "") -> str:
    return f"event: {event_name}\ndata: {data}\n\n"


class Coalescer:
    """At most one refresh per `interval` for each topic, with its leading and trailing
    edges: a topic not sent in the last `interval` seconds is due at once, so a lone change
    reaches the screen without waiting; a topic heard again sooner waits until `interval`
    after it was last sent, however often it is heard meanwhile, so a burst of it becomes one
    refresh per interval and its last change is never dropped. Topics due together go in one
    refresh. Each topic keeps its own pace, so a rare change (an SR moved) is never held
    behind a frequent one (timers ticking) on the same screen; each part of a page is still
    fetched at most once per interval. Times are whatever clock the caller reads."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._pending: dict[str, float] = {}  # topic: when it is due
        self._last_sent: dict[str, float] = {}

    @property
    def due(self) -> float | None:
        """When the next gathered topic is to be sent; None while nothing waits."""
        return min(self._pending.values(), default=None)

    def heard(self, topics: Iterable[str], now: float) -> None:
        for topic in topics:
            if topic not in self._pending:
                last = self._last_sent.get(topic)
                self._pending[topic] = now if last is None else max(now, last + self.interval)

    def take_due(self, now: float) -> set[str]:
        """The topics due at `now` (and forget them), else nothing."""
        sent = {topic for topic, due in self._pending.items() if due <= now}
        for topic in sent:
            del self._pending[topic]
            self._last_sent[topic] = now
        return sent


def sse_stream(
    topics: Iterable[str],
    still_allowed: Callable[[], bool] | None = None,
    recheck_on: Iterable[str] = (),
    heartbeat: float = HEARTBEAT_SECONDS,
    coalesce: float = COALESCE_SECONDS,
) -> Iterator[str]:
    """An endless text/event-stream: "refresh" (data: the topics) when one of `topics` was
    published, at most once per `coalesce` seconds (see Coalescer). Every `heartbeat`
    seconds, busy or quiet, `still_allowed` is asked (and a comment goes out as a keep-alive
    if nothing else did); it is also asked at once on `recheck_on` topics. Once it says no,
    a "revoked" event ends the stream.

    Intervals are measured on time.monotonic, which the tests' controlled clock leaves alone."""
    recheck = frozenset(recheck_on)
    subscription = subscribe([*topics, *recheck])
    gathered = Coalescer(coalesce)
    try:
        yield f"retry: {RETRY_MILLISECONDS}\n: connected\n\n"
        check_at = time.monotonic() + heartbeat
        while True:
            wake_at = check_at if gathered.due is None else min(check_at, gathered.due)
            topic = subscription.next(max(0.0, wake_at - time.monotonic()))
            now = time.monotonic()
            heard = set() if topic is None else {topic} | subscription.drain()
            check_due = now >= check_at
            if check_due:
                check_at = now + heartbeat
            if (check_due or heard & recheck) and still_allowed and not still_allowed():
                yield sse_message("revoked")
                return
            gathered.heard(heard - recheck, now)
            changed = gathered.take_due(now)
            if changed:
                yield sse_message("refresh", " ".join(sorted(changed)))
            elif check_due:
                yield ": keep-alive\n\n"
    finally:
        subscription.close()


def sse_response(stream: Iterator[str]) -> Response:
    return Response(
        stream,
        mimetype="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
