"""gunicorn settings for the streams process: `gunicorn -c python:mspboard.serving.streams app:app`.

It serves the live event streams (/board/events, /manage/events, /tv/<token>/events) and
nothing else once the proxy routes it so; it can serve every page too (make run does that when
no Redis answers).

- gevent workers: an open stream idles between events, so one worker holds thousands of them
  as greenlets (worker_connections), none of them a thread of the pages process. redis-py and
  psycopg 3 are cooperative under gevent's monkey-patching (psycopg 3 notices the patched
  `select` and waits through it); SQLite calls are short and simply block the worker briefly.
- One worker by default (MSPBOARD_STREAMS_WORKERS): the streams cost little CPU, and the
  pages process needs the cores.
- Shutting down does not wait on open streams: on SIGTERM each open stream is ended within a
  fraction of a second (mspboard.serving.shutdown), so the worker exits in about a second;
  browsers reconnect by themselves (the streams ask for a 2-second retry).
- Bind with MSPBOARD_STREAMS_BIND (default 127.0.0.1:8001; several addresses comma-separated).
"""

from mspboard.serving import STREAMS_BIND_DEFAULT, bind_from, quiet_late_ssl_patch, whole_number
from mspboard.serving.shutdown import end_streams_on_exit

quiet_late_ssl_patch()

bind = bind_from("MSPBOARD_STREAMS_BIND", STREAMS_BIND_DEFAULT)
worker_class = "gevent"
workers = whole_number("MSPBOARD_STREAMS_WORKERS", 1, highest=64)
# Open streams (and idle keep-alive connections) one worker holds at once.
worker_connections = whole_number("MSPBOARD_STREAMS_CONNECTIONS", 4000, highest=100_000)
# One request per connection: a stream is one long request, and a connection kept open after
# its stream ended (at shutdown) would hold the stopping worker until it timed out.
keepalive = 0
# A backstop only: open streams end at once on SIGTERM (post_worker_init below).
graceful_timeout = 5
post_worker_init = end_streams_on_exit
# gunicorn's control socket has one default path per user: the pages and streams processes
# (and make run's front) would take each other's.
control_socket_disable = True
