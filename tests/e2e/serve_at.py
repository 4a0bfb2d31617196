"""Serve the app in its own process on the test's controlled clock:
`python -m tests.e2e.serve_at ISO-INSTANT PORT` starts the clock at the instant (it runs on
from there, as in the test process) and serves `app` on 127.0.0.1:PORT;
`python -m tests.e2e.serve_at ISO-INSTANT PORT gunicorn [OPTION ...]` serves it with
gunicorn as production does, its workers forked on the same clock. (gunicorn times its
workers out on the monotonic clock, which the travel leaves alone.)"""

from __future__ import annotations

import socket
import sys
from datetime import datetime

import time_machine


def free_port() -> int:
    """A port nothing listens on now, for a server process a test starts."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main(instant: str, port: str, *server: str) -> None:
    time_machine.travel(datetime.fromisoformat(instant), tick=True).start()
    if server[:1] == ("gunicorn",):
        from gunicorn.app.wsgiapp import run

        sys.argv = ["gunicorn", "--bind", f"127.0.0.1:{port}", *server[1:], "app:app"]
        run()
        return
    from werkzeug.serving import run_simple

    from app import app

    run_simple("127.0.0.1", int(port), app, threaded=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
