"""gunicorn settings for the pages process: `gunicorn -c python:mspboard.serving.pages app:app`.

It serves every page, fragment, form post and static file; the live event streams belong to
the streams process (mspboard.serving.streams), and this process refuses them at once with a
503 and Retry-After (mspboard.serving.refusal), so a misrouted stream never holds a worker.

Why sync workers, one per core (MSPBOARD_PAGES_WORKERS overrides):

- Rendering a page is CPU-bound Python: a thread more per process adds no throughput (the GIL),
  a process per core does.
- A sync worker takes a connection only when it is idle and closes it after one answer, so
  every request goes to a free worker. gthread workers keep a keep-alive connection on the
  worker that accepted it, so a client (or a proxy) with 8 connections could find most of
  them on one worker while the other sat idle. Measured with wrk -t2 -c8 on /board (demo shop,
  SQLite and PostgreSQL, 2 cores, runs interleaved on the same busy machine): gthread 2x32
  split the requests between its two workers 145/28, 92/111, 84/54, 54/27 and 73/121; sync 2
  split them 51/49, 25/25, 88/63, 42/46 and 161/164. CPU time per request was the same for
  both (32-44 ms); a third sync worker cost more CPU per request (45-53 ms) and served no
  more requests per second on 2 cores.
- Sync workers need a buffering reverse proxy in front (a slow client would hold a worker):
  nginx as in the README; make run's front (mspboard.serving.dev) does the same on one machine.

Bind with MSPBOARD_PAGES_BIND (default 127.0.0.1:8000; several addresses comma-separated).
"""

import os

from mspboard.serving import PAGES_BIND_DEFAULT, bind_from, whole_number

bind = bind_from("MSPBOARD_PAGES_BIND", PAGES_BIND_DEFAULT)
worker_class = "sync"
workers = whole_number("MSPBOARD_PAGES_WORKERS", len(os.sched_getaffinity(0)), highest=64)
# Live streams are the streams process's: this one refuses them at once (serving/refusal.py).
raw_env = ["MSPBOARD_STREAMS_ELSEWHERE=1"]
# gunicorn's control socket has one default path per user: the pages and streams processes
# would take each other's.
control_socket_disable = True
