"""Live updates: services announce what changed; once the change commits, every open
board, TV and manager page hears "this changed" and fetches fresh fragments.

Services call `announce(topic)` inside their transaction. Nothing is sent unless that
transaction commits, so a rolled-back change never reaches a screen.

Every process has an in-process broker that hands topics to its own listeners (open
event streams). With MSPBOARD_REDIS_URL set, topics travel through a Redis channel instead,
so several server processes (and CLI commands) reach each other's listeners. Topics are
plain strings: "board" (an SR changed), "timers" (someone started or stopped a timer),
"tv_links" (a wall-TV link was revoked), "approvals" (a card or time off was decided),
"schedule" (a tech acknowledged schedule items).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator

import redis
from flask import Response
from sqlalchemy import event
from sqlalchemy.orm import Session

BOARD = "board"
TIMERS = "timers"
TV_LINKS = "tv_links"
APPROVALS = "approvals"
SCHEDULE = "schedule"

_PENDING_KEY = "mspboard_announced_topics"
REDIS_CHANNEL = "mspboard:events"

log = logging.getLogger(__name__)


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

    def __init__(self, url: str, local: InProcessBroker) -> None:
        self.url = url
        self._local = local
        self._client = redis.Redis.from_url(url, socket_connect_timeout=2)
        self._stopped = threading.Event()
        self._listening = threading.Event()
        self._thread = threading.Thread(target=self._listen, name="mspboard-events", daemon=True)
        self._thread.start()

    def publish(self, topic: str) -> None:
        try:
            self._client.publish(REDIS_CHANNEL, topic)
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
                pubsub.subscribe(REDIS_CHANNEL)
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


def configure(redis_url: str | None) -> None:
    """Carry topics through Redis when a URL is given, else within this process only."""
    global _bridge
    if _bridge is not None and _bridge.url == redis_url:
        return
    if _bridge is not None:
        _bridge.stop()
        _bridge = None
    if redis_url:
        _bridge = RedisBridge(redis_url, broker)


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
RETRY_MILLISECONDS = 2000


def sse_message(event_name: str, data: str = "") -> str:
    return f"event: {event_name}\ndata: {data}\n\n"


def sse_stream(
    topics: Iterable[str],
    still_allowed: Callable[[], bool] | None = None,
    recheck_on: Iterable[str] = (),
    heartbeat: float = HEARTBEAT_SECONDS,
) -> Iterator[str]:
    """An endless text/event-stream: "refresh" (data: the topics) whenever one of `topics`
    is published. Every `heartbeat` seconds, busy or quiet, `still_allowed` is asked (and a
    comment goes out as a keep-alive if nothing else did); it is also asked on `recheck_on`
    topics. Once it says no, a "revoked" event ends the stream.

    The interval is measured on time.monotonic, which the tests' controlled clock leaves alone."""
    recheck = frozenset(recheck_on)
    subscription = subscribe([*topics, *recheck])
    try:
        yield f"retry: {RETRY_MILLISECONDS}\n: connected\n\n"
        due = time.monotonic() + heartbeat
        while True:
            topic = subscription.next(max(0.0, due - time.monotonic()))
            heard = set() if topic is None else {topic} | subscription.drain()
            now = time.monotonic()
            check_due = now >= due
            if check_due:
                due = now + heartbeat
            if (check_due or heard & recheck) and still_allowed and not still_allowed():
                yield sse_message("revoked")
                return
            changed = heard - recheck
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
