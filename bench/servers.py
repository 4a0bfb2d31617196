"""The production processes the HTTP benchmarks run against, started the way the README
deploys them: one gunicorn for pages, one for live streams, on PostgreSQL and Redis."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GUNICORN = ".venv/bin/gunicorn"
PAGES = [GUNICORN, "-c", "python:mspboard.serving.pages", "app:app"]
STREAMS = [GUNICORN, "-c", "python:mspboard.serving.streams", "app:app"]
REDIS_URL = os.environ.get("MSPBOARD_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def worker_cpu_seconds(master: int) -> dict[int, float]:
    """CPU time used so far by each worker of a gunicorn master, by pid (Linux /proc)."""
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    except OSError:
        return {}
    ticks = os.sysconf("SC_CLK_TCK")
    used = {}
    for pid in map(int, children):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used[pid] = (int(fields[11]) + int(fields[12])) / ticks  # utime + stime
    return used


@dataclass
class Production:
    """The pages and streams processes on `database_url`; `pages` and `streams` are their
    base URLs (the same one when a single process serves both)."""

    database_url: str
    secret_key: str = "bench-secret-key"
    extra_env: dict[str, str] = field(default_factory=dict)
    processes: list[subprocess.Popen] = field(default_factory=list)
    pages: str = ""
    streams: str = ""

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "MSPBOARD_DATABASE_URL": self.database_url,
            "MSPBOARD_REDIS_URL": REDIS_URL,
            "MSPBOARD_SECRET_KEY": self.secret_key,
            "MSPBOARD_TIMEZONE": "UTC",
            **self.extra_env,
        }

    def start(self) -> Production:
        env = self.env()
        pages, streams = free_port(), free_port()
        env["MSPBOARD_PAGES_BIND"] = f"127.0.0.1:{pages}"
        env["MSPBOARD_STREAMS_BIND"] = f"127.0.0.1:{streams}"
        self._spawn(PAGES, env)
        self._spawn(STREAMS, env)
        self.pages = f"http://127.0.0.1:{pages}"
        self.streams = f"http://127.0.0.1:{streams}"
        self._wait_for(f"{self.pages}/login")
        return self

    @property
    def pages_master(self) -> int:
        return self.processes[0].pid

    def _spawn(self, command: list[str], env: dict[str, str]) -> None:
        log = open(Path("/tmp") / f"mspboard-bench-{len(self.processes)}.log", "wb")  # noqa: SIM115
        try:
            process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: the workers go with it
            )
        finally:
            log.close()
        self.processes.append(process)

    def _wait_for(self, url: str) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if any(p.poll() is not None for p in self.processes):
                raise RuntimeError("a server exited at start: see /tmp/mspboard-bench-*.log")
            try:
                with urllib.request.urlopen(url, timeout=2) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{url} did not answer within a minute")

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        self.processes.clear()

    def __enter__(self) -> Production:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()
