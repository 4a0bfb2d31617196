"""How mspboard is served in production: two gunicorn processes running the same app.

- the pages process (`gunicorn -c python:mspboard.serving.pages app:app`) renders pages and
  fragments on a few CPU-bound workers, and refuses the live event streams at once;
- the streams process (`gunicorn -c python:mspboard.serving.streams app:app`) holds the open
  event streams, thousands per worker, on gevent's cooperative workers.

A reverse proxy sends the stream paths (STREAM_PATH_PATTERN) to the second and everything else
to the first; both hear every change through the same Redis channel (MSPBOARD_REDIS_URL).
`make run` starts both and a small front on one address (mspboard.serving.dev).

pages, streams and front are gunicorn configuration files, read by gunicorn's master before
it forks; the app itself is created in each worker, after a gevent worker has patched the
standard library.
"""

from __future__ import annotations

import os
import re
import warnings

# Every live event stream's path: /board/events, /manage/events and /tv/<token>/events (the
# README's nginx example routes the same pattern).
STREAM_PATH_PATTERN = re.compile(r"^/(board|manage|tv/[^/]+)/events$")
PAGES_BIND_DEFAULT = "127.0.0.1:8000"
STREAMS_BIND_DEFAULT = "127.0.0.1:8001"


def is_stream_path(path: str) -> bool:
    return STREAM_PATH_PATTERN.match(path) is not None


def bind_from(variable: str, default: str) -> list[str]:
    """gunicorn's `bind`: one or more addresses, comma-separated, from the environment."""
    value = os.environ.get(variable, "").strip() or default
    return [address.strip() for address in value.split(",") if address.strip()]


def whole_number(variable: str, default: int, lowest: int = 1, highest: int = 10_000) -> int:
    try:
        number = int(os.environ.get(variable, default))
    except ValueError:
        return default
    return min(max(number, lowest), highest)


def quiet_late_ssl_patch() -> None:
    """gunicorn imports a configuration module (and so mspboard, Flask and redis-py, which
    import ssl) before a gevent worker patches the standard library; gevent then warns that
    names taken from ssl before patching stay unpatched. Only redis.asyncio takes any, and
    mspboard does not use it."""
    warnings.filterwarnings(
        "ignore", message="Monkey-patching ssl after ssl has already been imported"
    )
