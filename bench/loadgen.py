"""The busy morning as a load generator: technicians' phones, managers' desks, wall TVs and
idle live streams against running pages and streams processes, over real HTTP with CSRF on.

Built on aiohttp: one event loop drives hundreds of clients and open streams with a C HTTP
parser, so on a 2-core machine shared with the server the generator costs little, and its
streaming responses read server-sent events line by line as they arrive.

Each client does what its page does:
- a tech signs in through the form, takes a token from /m/csrf as the outbox does, and loops
  /m/, /m/queue, timer start, timer stop, /m/timecard with 1-3 s between taps; the timer
  posts are the outbox's (form body, JSON answer, Idempotency-Key = the phone's UUID,
  X-Client-At, X-Made-By, X-CSRFToken), and one start in ten is sent twice, as a phone
  that lost the first answer would;
- a manager reloads /board and /manage/approvals every 5 s;
- a wall TV loads its page, holds its stream, and re-fetches its fragment (HX-Request, with
  the last ETag) on each `refresh` event, one at a time, as tv.js and htmx do;
- idle streams hold /board/events and /manage/events for managers and techs, within each
  viewer's cap.
A changer moves the marker SR between two columns through the pages process every few
seconds; each TV times how long until a re-fetch shows the card in its new column.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime

import aiohttp
from sqlalchemy import bindparam, create_engine, text

from bench.shop import PASSWORD

CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CSRF_HEADER = re.compile(r"X-CSRFToken(?:\"|&#34;|&quot;)\s*:\s*(?:\"|&#34;|&quot;)([^\"&]+)")
TV_COLUMN = re.compile(r'id="tv-col-([a-z_]+)"')
MARKER_COLUMNS = ("new", "scheduled")
BAR_MS = 250.0


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile; nan for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


def moment() -> str:
    """The phone's toISOString()."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class Plan:
    pages: str
    streams: str
    database_url: str
    techs: list[str]
    tech_srs: dict[str, list[int]]
    managers: list[str] = field(default_factory=list)
    tv_tokens: list[str] = field(default_factory=list)
    marker_sr: int = 0
    duration: float = 60.0
    think: tuple[float, float] = (1.0, 3.0)
    manager_every: float = 5.0
    change_every: float = 3.0
    streams_total: int = 300
    streams_per_viewer: int = 4
    replay_share: float = 0.1
    password: str = PASSWORD


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter = field(default_factory=Counter)
    error_samples: list[str] = field(default_factory=list)
    # Timer starts: every UUID sent, and those answered 2xx (uuid -> tech email).
    starts_sent: dict[str, str] = field(default_factory=dict)
    starts_answered: dict[str, str] = field(default_factory=dict)
    streams_open: int = 0
    streams_peak: int = 0
    streams_refused: int = 0
    stream_events: int = 0
    tv_change_ms: list[float] = field(default_factory=list)
    tv_changes_missed: int = 0
    marker_seen: bool = False
    changes: int = 0
    elapsed: float = 0.0
    exactly_once: list[str] | None = None

    def record(self, kind: str, started: float, ok: bool, why: str = "") -> None:
        self.latencies[kind].append((time.perf_counter() - started) * 1000)
        if not ok:
            self.errors[kind] += 1
            if len(self.error_samples) < 10:
                self.error_samples.append(f"{kind}: {why}")

    def morning(self) -> dict[str, list[float]]:
        """Latencies of the morning itself, without the signing in that comes before it."""
        return {k: v for k, v in self.latencies.items() if k not in BEFORE_THE_MORNING}

    @property
    def requests(self) -> int:
        return sum(len(v) for v in self.morning().values())

    @property
    def worst_p99(self) -> float:
        return max((percentile(v, 0.99) for v in self.morning().values()), default=0.0)


# Every client signs in, all at once, before the clock of the morning starts: shown, but
# neither counted in its throughput nor held to its latency bar.
BEFORE_THE_MORNING = frozenset({"sign-in form", "sign in", "phone token"})


class TimeUp(Exception):
    pass


class Client:
    """One browser or phone: its own cookies and connections."""

    def __init__(self, plan: Plan, results: Results) -> None:
        self.plan = plan
        self.results = results
        self.http = aiohttp.ClientSession(
            cookie_jar=aiohttp.CookieJar(unsafe=True),  # cookies from 127.0.0.1
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=10),
        )
        self.csrf = ""
        self.user = ""

    async def close(self) -> None:
        await self.http.close()

    async def get(self, kind: str, url: str, **headers: str) -> tuple[int, str, dict]:
        started = time.perf_counter()
        try:
            async with self.http.get(url, headers=headers, allow_redirects=False) as answer:
                body = await answer.text()
                ok = answer.status < 400
                self.results.record(kind, started, ok, f"{answer.status} {url}")
                return answer.status, body, dict(answer.headers)
        except (aiohttp.ClientError, TimeoutError) as error:
            self.results.record(kind, started, False, f"{type(error).__name__} {url}")
            return 0, "", {}

    async def sign_in(self, email: str) -> bool:
        base = self.plan.pages
        _status, page, _ = await self.get("sign-in form", f"{base}/login")
        token = CSRF_FIELD.search(page)
        if not token:
            return False
        started = time.perf_counter()
        form = {"email": email, "password": self.plan.password, "csrf_token": token.group(1)}
        async with self.http.post(f"{base}/login", data=form, allow_redirects=False) as answer:
            await answer.read()
            ok = answer.status == 302
            self.results.record("sign in", started, ok, f"{answer.status} {email}")
        return ok


class Phone(Client):
    async def fresh_token(self) -> bool:
        status, body, _ = await self.get(
            "phone token", f"{self.plan.pages}/m/csrf", Accept="application/json"
        )
        if status != 200:
            return False
        answer = json.loads(body)
        self.csrf, self.user = answer["token"], answer["user"]
        return True

    async def write(self, kind: str, path: str, key: str, form: dict[str, str]) -> int:
        headers = {
            "Accept": "application/json",
            "X-CSRFToken": self.csrf,
            "Idempotency-Key": key,
            "X-Client-At": moment(),
            "X-Made-By": self.user,
        }
        started = time.perf_counter()
        try:
            async with self.http.post(
                f"{self.plan.pages}{path}", data=form, headers=headers, allow_redirects=False
            ) as answer:
                body = await answer.text()
                why = f"{answer.status} {path} {body[:200]}"
                self.results.record(kind, started, answer.status < 300, why)
                return answer.status
        except (aiohttp.ClientError, TimeoutError) as error:
            self.results.record(kind, started, False, f"{type(error).__name__} {path}")
            return 0

    async def think(self, until: float) -> None:
        """Between taps; a phone whose time is up does not start another."""
        await asyncio.sleep(random.uniform(*self.plan.think))
        if time.monotonic() >= until:
            raise TimeUp

    async def work(self, email: str, until: float) -> None:
        srs = self.plan.tech_srs.get(email) or [None]
        try:
            # Techs come in over a few seconds, not in the same millisecond.
            await self.think(until)
            await self._loop(email, until, srs)
        except TimeUp:
            return

    async def _loop(self, email: str, until: float, srs: list[int | None]) -> None:
        base = self.plan.pages
        while time.monotonic() < until:
            await self.get("phone today /m/", f"{base}/m/")
            await self.think(until)
            await self.get("phone queue", f"{base}/m/queue")
            await self.think(until)
            start = str(uuid.uuid4())
            sr = random.choice(srs)
            form = {"sr_id": str(sr)} if sr else {}
            self.results.starts_sent[start] = email
            status = await self.write("timer start", "/m/timer/start", start, form)
            if 200 <= status < 300:
                self.results.starts_answered[start] = email
                if random.random() < self.plan.replay_share:
                    await self.write("timer start (replayed)", "/m/timer/start", start, form)
            # A started timer is always stopped, so the next run finds none running.
            await asyncio.sleep(random.uniform(*self.plan.think))
            stop = {"entry": start, "notes": "", "billable": "y"}
            await self.write("timer stop", "/m/timer/stop", str(uuid.uuid4()), stop)
            await self.think(until)
            await self.get("phone time card", f"{base}/m/timecard")
            await self.think(until)


class Desk(Client):
    async def work(self, until: float) -> None:
        base = self.plan.pages
        await asyncio.sleep(random.uniform(0, self.plan.manager_every))
        while time.monotonic() < until:
            await self.get("board", f"{base}/board")
            await self.get("approvals", f"{base}/manage/approvals")
            await asyncio.sleep(min(self.plan.manager_every, max(0.0, until - time.monotonic())))


@dataclass
class Change:
    column: str
    at: float
    seen_by: set[int] = field(default_factory=set)


class Stream:
    """One open live stream; `on_refresh(topics)` runs for each refresh event it brings."""

    def __init__(self, client: Client, path: str, on_refresh=None) -> None:
        self.client = client
        self.path = path
        self.on_refresh = on_refresh

    async def hold(self, until: float) -> None:
        results = self.client.results
        url = f"{self.client.plan.streams}{self.path}"
        try:
            async with self.client.http.get(url, headers={"Accept": "text/event-stream"}) as answer:
                if answer.status != 200:
                    results.streams_refused += 1
                    results.errors[f"stream {answer.status}"] += 1
                    return
                results.streams_open += 1
                results.streams_peak = max(results.streams_peak, results.streams_open)
                try:
                    await asyncio.wait_for(self._read(answer), max(0.0, until - time.monotonic()))
                except TimeoutError:
                    pass
                finally:
                    results.streams_open -= 1
        except aiohttp.ClientError as error:
            results.errors["stream broke"] += 1
            if len(results.error_samples) < 10:
                results.error_samples.append(f"stream {self.path}: {type(error).__name__}")

    async def _read(self, answer: aiohttp.ClientResponse) -> None:
        event, data = "", ""
        async for raw in answer.content:
            line = raw.decode().rstrip("\r\n")
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                data = line[5:].strip()
            elif line == "" and event:
                self.client.results.stream_events += 1
                if event == "revoked":
                    return
                if event == "refresh" and self.on_refresh:
                    self.on_refresh(set(data.split()))
                event, data = "", ""


class WallTv(Client):
    """A TV: its page, its stream, and, as tv.js does, a re-fetch of each part of the wall
    whose topics a refresh names (the columns on "board", who is working on "timers"), one
    at a time (a refresh during a fetch makes one more fetch after it)."""

    PARTS = {"board": "columns", "timers": "techs"}

    def __init__(self, plan: Plan, results: Results, token: str, number: int, morning) -> None:
        super().__init__(plan, results)
        self.token = token
        self.number = number
        self.morning = morning
        self.wanted = asyncio.Event()
        self.parts: set[str] = set()
        self.etags: dict[str, str] = {}

    def heard(self, topics: set[str]) -> None:
        self.parts |= {part for topic, part in self.PARTS.items() if topic in topics}
        if self.parts:
            self.wanted.set()

    async def work(self, until: float) -> None:
        await asyncio.sleep(random.uniform(*self.plan.think))  # screens switch on over a while
        await self.get("wall TV page", f"{self.plan.pages}/tv/{self.token}")
        stream = Stream(self, f"/tv/{self.token}/events", self.heard)
        fetcher = asyncio.create_task(self._refetch(until))
        await stream.hold(until)
        fetcher.cancel()
        await asyncio.gather(fetcher, return_exceptions=True)

    async def _refetch(self, until: float) -> None:
        while time.monotonic() < until:
            await self.wanted.wait()
            self.wanted.clear()
            parts, self.parts = self.parts, set()
            for part in sorted(parts):
                headers = {"HX-Request": "true", "HX-Request-Type": "partial"}
                if part in self.etags:
                    headers["If-None-Match"] = self.etags[part]
                url = f"{self.plan.pages}/tv/{self.token}/{part}"
                status, body, answer = await self.get(f"wall TV {part}", url, **headers)
                if status == 200:
                    self.etags[part] = answer.get("ETag", "")
                    if part == "columns":
                        self.morning.tv_saw(self.number, body)


class Morning:
    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.results = Results()
        self.change: Change | None = None

    def tv_saw(self, tv: int, fragment: str) -> None:
        change = self.change
        marker = f'id="tv-sr-{self.plan.marker_sr}"'
        where = fragment.find(marker)
        if where < 0:
            return
        self.results.marker_seen = True
        columns = TV_COLUMN.findall(fragment, 0, where)
        if change and columns and columns[-1] == change.column and tv not in change.seen_by:
            change.seen_by.add(tv)
            self.results.tv_change_ms.append((time.perf_counter() - change.at) * 1000)

    async def changer(self, until: float) -> None:
        """A manager moves the marker SR back and forth through the pages process."""
        if not self.plan.marker_sr or not self.plan.managers:
            return
        desk = Desk(self.plan, self.results)
        engine = create_engine(self.plan.database_url)
        try:
            if not await desk.sign_in(self.plan.managers[0]):
                return
            _status, page, _ = await desk.get("board", f"{self.plan.pages}/board")
            token = CSRF_HEADER.search(page)
            if not token:
                return
            turn = 0
            await asyncio.sleep(self.plan.change_every)
            while time.monotonic() < until - self.plan.change_every:
                turn += 1
                column = MARKER_COLUMNS[turn % 2]
                version = await asyncio.to_thread(_version, engine, self.plan.marker_sr)
                self._close_change()
                started = time.perf_counter()
                async with desk.http.post(
                    f"{self.plan.pages}/board/sr/{self.plan.marker_sr}/move",
                    data={"status": column, "version": str(version)},
                    headers={"X-CSRFToken": token.group(1), "HX-Request": "true"},
                    allow_redirects=False,
                ) as answer:
                    await answer.read()
                    ok = answer.status < 300
                    self.results.record("move a card", started, ok, f"{answer.status} move")
                if ok:
                    self.results.changes += 1
                    self.change = Change(column, started)
                await asyncio.sleep(self.plan.change_every)
            self._close_change()
        finally:
            await desk.close()
            engine.dispose()

    def _close_change(self) -> None:
        if self.change is not None:
            self.results.tv_changes_missed += len(self.plan.tv_tokens) - len(self.change.seen_by)
            self.change = None

    def idle_streams(self, phones: list[Phone], desks: list[Desk]) -> list[Stream]:
        """Streams that only listen, spread over managers then techs, each viewer within
        its cap, until the TVs and these make streams_total."""
        wanted = max(0, self.plan.streams_total - len(self.plan.tv_tokens))
        cap = self.plan.streams_per_viewer
        streams: list[Stream] = []
        for held in range(cap):
            for desk in desks:
                if len(streams) < wanted:
                    path = "/board/events" if held % 2 == 0 else "/manage/events"
                    streams.append(Stream(desk, path))
        for _held in range(cap):
            for phone in phones:
                if len(streams) < wanted:
                    streams.append(Stream(phone, "/board/events"))
        return streams

    async def run(self) -> Results:
        plan = self.plan
        phones = [Phone(plan, self.results) for _ in plan.techs]
        desks = [Desk(plan, self.results) for _ in plan.managers]
        tvs = [WallTv(plan, self.results, token, n, self) for n, token in enumerate(plan.tv_tokens)]
        try:
            signed = await asyncio.gather(
                *(p.sign_in(e) for p, e in zip(phones, plan.techs, strict=True)),
                *(d.sign_in(e) for d, e in zip(desks, plan.managers, strict=True)),
            )
            if not all(signed):
                raise RuntimeError(f"{signed.count(False)} clients could not sign in")
            if not all(await asyncio.gather(*(p.fresh_token() for p in phones))):
                raise RuntimeError("a phone got no token from /m/csrf")
            started = time.monotonic()
            until = started + plan.duration
            streams = self.idle_streams(phones, desks)
            await asyncio.gather(
                *(p.work(e, until) for p, e in zip(phones, plan.techs, strict=True)),
                *(d.work(until) for d in desks),
                *(tv.work(until) for tv in tvs),
                *(s.hold(until) for s in streams),
                self.changer(until),
            )
            self.results.elapsed = time.monotonic() - started
        finally:
            await asyncio.gather(*(c.close() for c in [*phones, *desks, *tvs]))
        self.results.exactly_once = await asyncio.to_thread(
            exactly_once, plan.database_url, self.results
        )
        return self.results


def _version(engine, sr_id: int) -> int:
    with engine.connect() as connection:
        return connection.execute(
            text("SELECT version FROM service_requests WHERE id = :id"), {"id": sr_id}
        ).scalar_one()


def exactly_once(database_url: str, results: Results) -> list[str]:
    """What the database says of the timer starts: every start answered 2xx is stored exactly
    once under its UUID, no start is stored twice (two rows of one tech starting at the same
    moment), and the run's techs have no rows it did not send. Returns the problems."""
    problems = []
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            emails = sorted(set(results.starts_sent.values()))
            rows = connection.execute(
                text(
                    "SELECT e.uuid, e.tech_id, e.started_at FROM time_entries e "
                    "JOIN users u ON u.id = e.tech_id WHERE u.email IN :emails"
                ).bindparams(bindparam("emails", expanding=True)),
                {"emails": emails or [""]},
            ).all()
    finally:
        engine.dispose()
    stored = Counter(row.uuid for row in rows)
    for key in results.starts_answered:
        if stored[key] != 1:
            problems.append(f"timer start {key} answered 2xx, stored {stored[key]} times")
    moments = Counter((row.tech_id, row.started_at) for row in rows)
    for (tech, at), count in moments.items():
        if count > 1:
            problems.append(f"tech {tech}'s start at {at} stored {count} times")
    for key in stored:
        if key not in results.starts_sent:
            problems.append(f"time entry {key} stored but never sent")
    return problems


def run(plan: Plan) -> Results:
    return asyncio.run(Morning(plan).run())


def report(results: Results, title: str) -> str:
    lines = [f"\n{title}\n"]
    lines.append(
        f"{'request':<24} {'count':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}"
    )
    lines.append("-" * 67)
    for kind in sorted(results.latencies, key=lambda kind: (kind in BEFORE_THE_MORNING, kind)):
        values = results.latencies[kind]
        label = f"{kind} (before)" if kind in BEFORE_THE_MORNING else kind
        lines.append(
            f"{label:<24} {len(values):>7} {percentile(values, 0.5):>8.1f} "
            f"{percentile(values, 0.95):>8.1f} {percentile(values, 0.99):>8.1f} "
            f"{results.errors[kind]:>7}"
        )
    elapsed = results.elapsed or float("nan")
    lines.append("")
    lines.append(f"throughput: {results.requests / elapsed:.1f} req/s over {elapsed:.0f} s")
    lines.append(f"errors: {sum(results.errors.values())} {dict(results.errors) or ''}")
    for sample in results.error_samples:
        lines.append(f"  e.g. {sample}")
    lines.append(
        f"streams: {results.streams_peak} open at once, {results.streams_refused} refused, "
        f"{results.stream_events} events received"
    )
    if results.changes:
        seen = percentile(results.tv_change_ms, 0.95)
        lines.append(
            f"wall TV shows a change: p95 {seen:.0f} ms over {len(results.tv_change_ms)} "
            f"sightings of {results.changes} moves, {results.tv_changes_missed} not seen before "
            "the next move" + ("" if results.marker_seen else " (marker card not in TV markup)")
        )
    if results.exactly_once is not None:
        verdict = "pass" if not results.exactly_once else "FAIL"
        lines.append(
            f"exactly once: {verdict}: {len(results.starts_answered)} timer starts answered 2xx"
        )
        lines.extend(f"  {problem}" for problem in results.exactly_once[:10])
    return "\n".join(lines)
