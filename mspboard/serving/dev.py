"""`make run`: the production process model on one machine, on one address.

    python -m mspboard.serving.dev [--port 5000]

With a Redis server (MSPBOARD_REDIS_URL, or else one answering on 127.0.0.1:6379) it starts
the pages process and the streams process, each on a free local port, and the front
(mspboard.serving.front) on 127.0.0.1:PORT routing between them, as nginx does in production.
The two processes hear each other's changes through that Redis.

With no Redis, two processes could not share live updates, so one streams process (gevent)
serves pages and streams alike on 127.0.0.1:PORT: screens still update live, and nothing
needs installing to try the app.

Ctrl-C (or SIGTERM) stops every process it started.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from urllib.parse import urlsplit

LOCAL_REDIS = "redis://127.0.0.1:6379/0"
PR_SET_PDEATHSIG = 1
# How long the processes get to stop before they are killed.
STOP_SECONDS = 8.0


def redis_answers(url: str) -> bool:
    """True when a Redis server at `url` answers PING within half a second."""
    parts = urlsplit(url)
    try:
        with socket.create_connection(
            (parts.hostname or "127.0.0.1", parts.port or 6379), timeout=0.5
        ) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(64).startswith((b"+PONG", b"-NOAUTH"))
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _end_with_parent() -> None:
    """In each child: SIGTERM when this runner dies, however it dies (Linux only)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def gunicorn(config: str, app: str, env: dict[str, str]) -> subprocess.Popen:
    # A session of its own: the terminal's Ctrl-C reaches only this runner, which then
    # stops every process with SIGTERM, the graceful stop that ends open streams at once
    # (gunicorn's gevent workers answer SIGINT with tracebacks and a kill).
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", f"python:{config}", app],
        env=env,
        start_new_session=True,
        preexec_fn=_end_with_parent,
    )


def plan(port: int, environ: dict[str, str]) -> tuple[list[tuple[str, str]], dict[str, str], str]:
    """Which processes to start, their environment, and a line saying how live updates travel."""
    env = dict(environ)
    front = f"127.0.0.1:{port}"
    redis_url = env.get("MSPBOARD_REDIS_URL")
    if not redis_url and redis_answers(LOCAL_REDIS):
        redis_url = env["MSPBOARD_REDIS_URL"] = LOCAL_REDIS
        told = f"Live updates go through the local Redis ({LOCAL_REDIS})."
    elif redis_url:
        told = "Live updates go through MSPBOARD_REDIS_URL."
    else:
        env["MSPBOARD_STREAMS_BIND"] = front
        return (
            [("mspboard.serving.streams", "app:app")],
            env,
            "No Redis answers on 127.0.0.1:6379, so one process serves pages and live updates "
            "(two processes would need Redis to share them).",
        )
    env["MSPBOARD_PAGES_BIND"] = f"127.0.0.1:{free_port()}"
    env["MSPBOARD_STREAMS_BIND"] = f"127.0.0.1:{free_port()}"
    env["MSPBOARD_FRONT_BIND"] = front
    processes = [
        ("mspboard.serving.pages", "app:app"),
        ("mspboard.serving.streams", "app:app"),
        ("mspboard.serving.front", "mspboard.serving.front:app"),
    ]
    told += (
        f" Pages: {env['MSPBOARD_PAGES_BIND']}, live streams: {env['MSPBOARD_STREAMS_BIND']}, "
        f"both behind http://{front}."
    )
    return processes, env, told


def stop(children: list[subprocess.Popen]) -> None:
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_SECONDS
    for child in children:
        try:
            child.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=5000)
    port = parser.parse_args(argv).port
    processes, env, told = plan(port, dict(os.environ))
    print(told, flush=True)
    print(f"mspboard is serving on http://127.0.0.1:{port} (Ctrl-C stops it)", flush=True)

    def on_term(_signal: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    children: list[subprocess.Popen] = []
    try:
        children = [gunicorn(config, app, env) for config, app in processes]
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        print("A server process stopped; stopping the others.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stop(children)


if __name__ == "__main__":
    sys.exit(main())
