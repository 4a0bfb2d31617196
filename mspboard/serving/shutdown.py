"""Ending open event streams when a gevent worker shuts down.

gunicorn's gevent worker, told to stop, waits for every open connection until its graceful
timeout; an event stream never ends by itself, so every stop would take the whole timeout and
then cut the streams off mid-chunk. Instead, each event-stream response is tracked with the
greenlet serving it, and once the worker stops being alive (SIGTERM, max requests) every
tracked greenlet is interrupted with StreamEnded: the stream's own clean-up runs (its
subscription and its place in the viewer's count are given back) and the response ends
properly, so the browser reconnects, to a fresh worker, after the stream's retry interval.

gevent is imported inside the functions: this module is read by gunicorn's master, before any
worker patches the standard library.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable, Iterator
from typing import Any

# How often the watcher looks whether its worker is still alive.
WATCH_SECONDS = 0.25

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def _stream_ended() -> type[BaseException]:
    from gevent import GreenletExit

    # A GreenletExit, so gevent does not report the interrupted greenlet as failed.
    class StreamEnded(GreenletExit):
        """The server is shutting down: this stream ends now."""

    return StreamEnded


class TrackedStreams:
    """WSGI middleware: remembers the greenlet serving each open text/event-stream response."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app
        self.open: weakref.WeakSet[Any] = weakref.WeakSet()
        self.ended = _stream_ended()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        streaming = False

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            nonlocal streaming
            streaming = any(
                name.lower() == "content-type" and value.startswith("text/event-stream")
                for name, value in headers
            )
            return start_response(status, headers, exc_info)

        body = self.app(environ, start)
        return _Tracked(body, self) if streaming else body

    def end_all(self) -> int:
        """Interrupt every open stream; returns how many there were."""
        import gevent

        greenlets = list(self.open)
        for greenlet in greenlets:
            gevent.kill(greenlet, self.ended)
        return len(greenlets)


class _Tracked:
    def __init__(self, body: Iterable[bytes], streams: TrackedStreams) -> None:
        self._body = body
        self._iterator: Iterator[bytes] = iter(body)
        self._streams = streams

    def __iter__(self) -> Iterator[bytes]:
        import gevent

        self._streams.open.add(gevent.getcurrent())
        return self

    def __next__(self) -> bytes:
        try:
            return next(self._iterator)
        except self._streams.ended:
            raise StopIteration from None

    def close(self) -> None:
        import gevent

        self._streams.open.discard(gevent.getcurrent())
        close = getattr(self._body, "close", None)
        if close is not None:
            close()


def end_streams_on_exit(worker: Any) -> None:
    """gunicorn's post_worker_init hook: track the worker's streams and end them as it stops."""
    import gevent

    streams = TrackedStreams(worker.wsgi)
    worker.wsgi = streams

    def watch() -> None:
        while worker.alive:
            gevent.sleep(WATCH_SECONDS)
        # Until the worker exits: a stream accepted just before the listener closed ends too.
        while True:
            count = streams.end_all()
            if count:
                worker.log.info("Ended %d open event streams (pid:%s)", count, worker.pid)
            gevent.sleep(WATCH_SECONDS)

    gevent.spawn(watch)
