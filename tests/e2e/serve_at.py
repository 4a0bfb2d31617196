"""Serve the app in its own process on the test's controlled clock:
`python -m tests.e2e.serve_at CLOCK PORT` starts the clock where the test's clock is (CLOCK
from `server_clock()`; it runs on from there, as in the test process) and serves `app` on
127.0.0.1:PORT;
`python -m tests.e2e.serve_at ISO-INSTANT PORT gunicorn [OPTION ...]` serves it with
gunicorn as production does, its workers forked on the same clock. (gunicorn times its
workers out on the monotonic clock, which the travel leaves alone.)"""

from __future__ import annotations

import socket
import sys
import time
from datetime import UTC, datetime, timedelta

import time_machine
from time_machine import escape_hatch


def free_port() -> int:
    """A port nothing listens on now, for a server process a test starts."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_clock() -> str:
    """The test's clock now, with the real moment it read so: a server process started with
    it sets its clock to that instant plus the real time its own start took, so processes
    that start at different speeds (and sign cookies with their time) agree to the second."""
    real = escape_hatch.time.time() if escape_hatch.is_travelling() else time.time()
    return f"{datetime.now(UTC).isoformat()}@{real}"


def clock_from(argument: str) -> datetime:
    instant, _, real = argument.partition("@")
    moment = datetime.fromisoformat(instant)
    return moment + timedelta(seconds=time.time() - float(real)) if real else moment


def main(clock: str, port: str, *server: str) -> None:
    time_machine.travel(clock_from(clock), tick=True).start()
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
