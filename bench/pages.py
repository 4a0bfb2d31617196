"""Server-side figures with the Flask test client: render times, queries, bytes per card,
the cost of one rendered card, and what a phone downloads on its first and repeat visits."""

from __future__ import annotations

import gzip
import json
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import brotli
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from mspboard.models import db

# Every card's root element carries its SR's id (DESIGN.md: fragments).
CARD = re.compile(r'\bid="sr-\d+"')
ASSET = re.compile(r'<(?:script[^>]*\bsrc|link[^>]*\bhref)="(/[^"]+)"')
# A filter that matches no SR: the board then draws its frame and no card.
NO_CARD = "/board?q=zzzz-no-such-request-zzzz"


@dataclass
class Timing:
    median: float
    p95: float
    queries: int
    size: int


def measure(app: Flask, fetch: Callable[[], object], runs: int) -> Timing:
    """Median and p95 ms of `fetch` over `runs` (after one warm-up), its queries and bytes."""
    answer = fetch()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        answer = fetch()
        times.append((time.perf_counter() - start) * 1000)
        assert answer.status_code == 200, answer.status_code
    times.sort()
    return Timing(
        statistics.median(times),
        times[max(0, int(len(times) * 0.95) - 1)],
        count_queries(app, fetch),
        len(answer.get_data()),
    )


def count_queries(app: Flask, fetch: Callable[[], object]) -> int:
    seen = []
    with app.app_context():
        engine = db.engine

    def count(*_args: object) -> None:
        seen.append(1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        fetch()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


@dataclass
class BoardFigures:
    full: Timing
    empty: Timing
    cards: int

    @property
    def ms_per_card(self) -> float:
        return (self.full.median - self.empty.median) / max(1, self.cards)

    @property
    def bytes_per_card(self) -> float:
        return (self.full.size - self.empty.size) / max(1, self.cards)


def board(app: Flask, client: FlaskClient, runs: int) -> BoardFigures:
    """The board full and filtered to nothing: their difference over the cards drawn is what
    one card costs, in time and in bytes."""
    html = client.get("/board").get_data(as_text=True)
    full = measure(app, lambda: client.get("/board"), runs)
    empty = measure(app, lambda: client.get(NO_CARD), runs)
    return BoardFigures(full, empty, len(CARD.findall(html)))


@dataclass
class Download:
    url: str
    raw: int
    gzipped: int
    wire: int  # the body as the server sent it (compressed if it compressed)
    cache_control: str
    validator: dict[str, str]


def download(client: FlaskClient, url: str, **headers: str) -> Download:
    answer = client.get(url, headers={"Accept-Encoding": "gzip, br", **headers})
    sent = answer.get_data()
    encoding = answer.headers.get("Content-Encoding", "")
    raw = {"gzip": gzip.decompress, "br": brotli.decompress}.get(encoding, bytes)(sent)
    validator = {}
    if answer.headers.get("ETag"):
        validator["If-None-Match"] = answer.headers["ETag"]
    if answer.headers.get("Last-Modified"):
        validator["If-Modified-Since"] = answer.headers["Last-Modified"]
    answer.close()
    return Download(
        url,
        len(raw),
        len(gzip.compress(raw, 6)),
        len(sent),
        answer.headers.get("Cache-Control", ""),
        validator,
    )


def first_visit_urls(client: FlaskClient, page: str) -> list[str]:
    """What a phone fetches on its first visit to `page`: the page, its scripts, styles and
    links, the service worker, what the worker precaches and the pages it keeps offline."""
    html = client.get(page).get_data(as_text=True)
    urls = [page, *ASSET.findall(html)]
    worker = client.get("/sw.js").get_data(as_text=True)
    urls.append("/sw.js")
    found = re.search(r"const CONFIG\s*=\s*", worker)  # the worker is sent minified
    if found:
        config, _end = json.JSONDecoder().raw_decode(worker, found.end())
        urls += config.get("precache", [])
        if not config.get("offlineHtml"):  # else the worker carries it
            urls.append(config.get("offlinePage", ""))
        pages_url = config.get("pagesUrl")
        if pages_url:
            urls.append(pages_url)  # one answer that holds every kept page
    return list(dict.fromkeys(u.split("#")[0] for u in urls if u))


def fresh(cache_control: str) -> bool:
    """Whether a browser reuses the file without asking (immutable or a max-age)."""
    words = [w.strip() for w in cache_control.lower().split(",")]
    if "no-cache" in words or "no-store" in words:
        return False
    return "immutable" in words or any(
        w.startswith("max-age=") and w[8:].isdigit() and int(w[8:]) > 0 for w in words
    )


@dataclass
class PhoneVisit:
    pages: list[Download]
    first_wire: int
    first_gzipped: int
    first_requests: int
    repeat_wire: int
    repeat_requests: int


def phone_visit(client: FlaskClient, pages: list[str]) -> PhoneVisit:
    """Bytes (bodies only) of a phone's first visit to /m/, precache included, and of a repeat
    visit: the navigation and the worker asked again (conditionally when they carry a
    validator), static files asked again only when not cacheable."""
    first = [download(client, url) for url in first_visit_urls(client, "/m/")]
    repeat_wire = repeat_requests = 0
    for item in first:
        asked_again = item.url in ("/m/", "/sw.js") or (
            item.url.startswith("/static/") and not fresh(item.cache_control)
        )
        if not asked_again:
            continue
        repeat_requests += 1
        repeat_wire += download(client, item.url, **item.validator).wire
    return PhoneVisit(
        pages=[download(client, url) for url in pages],
        first_wire=sum(d.wire for d in first),
        first_gzipped=sum(min(d.wire, d.gzipped) for d in first),
        first_requests=len(first),
        repeat_wire=repeat_wire,
        repeat_requests=repeat_requests,
    )
