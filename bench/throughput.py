"""Figures over HTTP against the production processes: requests per second with 8
keep-alive connections (wrk when installed, else a Python generator), how the load split
between the pages workers, and moves and timer starts/stops from 8 clients at once."""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import time
import uuid

import aiohttp
from sqlalchemy import create_engine, text

from bench import loadgen
from bench.servers import Production, worker_cpu_seconds


async def _cookie(base: str, email: str) -> str:
    plan = loadgen.Plan(pages=base, streams=base, database_url="", techs=[], tech_srs={})
    client = loadgen.Client(plan, loadgen.Results())
    try:
        if not await client.sign_in(email):
            raise RuntimeError(f"{email} could not sign in")
        return "; ".join(f"{c.key}={c.value}" for c in client.http.cookie_jar)
    finally:
        await client.close()


def cookie(base: str, email: str) -> str:
    """A signed-in session's Cookie header."""
    return asyncio.run(_cookie(base, email))


def wrk(url: str, cookie_header: str, seconds: int) -> tuple[float, float, str]:
    """(req/s, p50 ms, tool) with 8 keep-alive connections over 2 threads."""
    if shutil.which("wrk"):
        out = subprocess.run(
            [
                "wrk",
                "-t2",
                "-c8",
                f"-d{seconds}s",
                "--latency",
                "-H",
                f"Cookie: {cookie_header}",
                url,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
        non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
        if non_2xx:
            raise RuntimeError(f"wrk got {non_2xx.group(1)} error answers from {url}")
        p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
        scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p50.group(2)]
        return rate, float(p50.group(1)) * scale, "wrk -t2 -c8"
    rate, p50 = asyncio.run(_hammer(url, cookie_header, seconds))
    return rate, p50, "python, 8 connections"


async def _hammer(url: str, cookie_header: str, seconds: int) -> tuple[float, float]:
    times: list[float] = []
    until = time.monotonic() + seconds
    connector = aiohttp.TCPConnector(limit=8)
    async with aiohttp.ClientSession(
        connector=connector, headers={"Cookie": cookie_header}
    ) as http:

        async def one_connection() -> None:
            while time.monotonic() < until:
                started = time.perf_counter()
                async with http.get(url, allow_redirects=False) as answer:
                    await answer.read()
                    if answer.status != 200:
                        raise RuntimeError(f"{answer.status} from {url}")
                times.append((time.perf_counter() - started) * 1000)

        await asyncio.gather(*(one_connection() for _ in range(8)))
    return len(times) / seconds, loadgen.percentile(times, 0.5)


def throughput(
    production: Production, path: str, email: str, seconds: int
) -> tuple[float, float, str, list[float]]:
    """req/s, p50 ms, the tool, and each pages worker's share of the CPU it took."""
    cookie_header = cookie(production.pages, email)
    before = worker_cpu_seconds(production.pages_master)
    rate, p50, tool = wrk(f"{production.pages}{path}", cookie_header, seconds)
    after = worker_cpu_seconds(production.pages_master)
    used = [after[pid] - before.get(pid, 0.0) for pid in after]
    total = sum(used) or 1.0
    return rate, p50, tool, sorted((u / total for u in used), reverse=True)


async def _writes(
    production: Production,
    database_url: str,
    managers: list[str],
    techs: list[str],
    tech_srs: dict[str, list[int]],
    move_srs: list[int],
    rounds: int,
) -> loadgen.Results:
    plan = loadgen.Plan(
        pages=production.pages,
        streams=production.streams,
        database_url=database_url,
        techs=techs,
        tech_srs=tech_srs,
    )
    results = loadgen.Results()
    engine = create_engine(database_url)
    desks = [loadgen.Desk(plan, results) for _ in move_srs]
    phones = [loadgen.Phone(plan, results) for _ in techs]
    try:
        await asyncio.gather(
            *(d.sign_in(managers[n % len(managers)]) for n, d in enumerate(desks)),
            *(p.sign_in(e) for p, e in zip(phones, techs, strict=True)),
        )
        await asyncio.gather(*(p.fresh_token() for p in phones))
        tokens = []
        for desk in desks:
            _status, page, _ = await desk.get("board", f"{production.pages}/board")
            tokens.append(loadgen.CSRF_HEADER.search(page).group(1))

        async def mover(desk: loadgen.Desk, token: str, sr_id: int) -> None:
            with engine.connect() as connection:
                version, status = connection.execute(
                    text("SELECT version, status FROM service_requests WHERE id = :id"),
                    {"id": sr_id},
                ).one()
            # Every move changes the column, so each one writes.
            first = 1 if status == loadgen.MARKER_COLUMNS[0] else 0
            for turn in range(first, first + rounds):
                started = time.perf_counter()
                async with desk.http.post(
                    f"{production.pages}/board/sr/{sr_id}/move",
                    data={"status": loadgen.MARKER_COLUMNS[turn % 2], "version": str(version)},
                    headers={"X-CSRFToken": token, "HX-Request": "true"},
                    allow_redirects=False,
                ) as answer:
                    await answer.read()
                    results.record("move a card", started, answer.status < 300, str(answer.status))
                version += 1

        async def timers(phone: loadgen.Phone, email: str) -> None:
            for _ in range(rounds):
                start = str(uuid.uuid4())
                sr = tech_srs[email][0]
                results.starts_sent[start] = email
                if (
                    200
                    <= await phone.write("timer start", "/m/timer/start", start, {"sr_id": str(sr)})
                    < 300
                ):
                    results.starts_answered[start] = email
                stop = {"entry": start, "notes": "", "billable": "y"}
                await phone.write("timer stop", "/m/timer/stop", str(uuid.uuid4()), stop)

        started = time.monotonic()
        await asyncio.gather(
            *(mover(d, t, sr) for d, t, sr in zip(desks, tokens, move_srs, strict=True))
        )
        await asyncio.gather(*(timers(p, e) for p, e in zip(phones, techs, strict=True)))
        results.elapsed = time.monotonic() - started
    finally:
        await asyncio.gather(*(c.close() for c in [*desks, *phones]))
        engine.dispose()
    return results


def concurrent_writes(production: Production, database_url: str, shop, rounds: int = 40):
    """8 desks moving a card each, then 8 phones starting and stopping timers, at once."""
    techs = [t for t in shop.techs if shop.tech_srs.get(t)][:8]
    move_srs = [shop.tech_srs[t][-1] for t in techs]
    return asyncio.run(
        _writes(production, database_url, shop.managers, techs, shop.tech_srs, move_srs, rounds)
    )
