"""`make bench`: the issue's figures in one table, with each bar and a pass/miss mark.

    make bench                       # PostgreSQL when reachable, else SQLite
    make bench ARGS="--db sqlite"    # server-side figures only (HTTP needs PostgreSQL)
    make bench ARGS="--no-http"      # server-side figures only

Server-side, with the Flask test client: the board at 200 and 2,000 open SRs (median and p95
ms, queries, cards drawn, HTML bytes per card, and the cost of one rendered card: the board
full minus the board filtered to nothing, over the cards drawn), the wall TV, and a phone
tech with 30 SRs (page bytes raw and gzipped, the first visit with the service worker's
precache, and a repeat visit), and opening a maintenance month for 400 clients x 15 items
(bench/maintenance.py, which also runs alone: python -m bench.maintenance), and importing
400 clients and 2,000 SRs from sheets (bench/imports.py, also alone: python -m
bench.imports), and the year in figures of a 40-tech shop (bench/year.py, also alone:
python -m bench.year). Then over HTTP against the production processes (bench/servers.py) on
PostgreSQL and Redis: the board's requests per second with 8 keep-alive connections, whether
both pages workers carried that load, and card moves and timer starts/stops from 8 clients
at once."""

from __future__ import annotations

import argparse
import math
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench import imports, loadgen, maintenance, meetings, pages, shop, throughput, year
from bench.servers import Production
from mspboard.models import Client, Role, ServiceRequest, db
from mspboard.services import tv_links

PHONE_PAGES = ["/m/", "/m/queue", "/m/week", "/m/timecard"]


@dataclass
class Row:
    measure: str
    value: float
    unit: str
    bar: float | None = None
    higher_is_better: bool = False
    note: str = ""

    def mark(self) -> str:
        if self.bar is None or math.isnan(self.value):
            return ""
        good = self.value >= self.bar if self.higher_is_better else self.value <= self.bar
        return "pass" if good else "MISS"

    def bar_text(self) -> str:
        if self.bar is None:
            return ""
        return f"{'>=' if self.higher_is_better else '<='} {self.bar:g} {self.unit}"

    def line(self) -> str:
        if float(self.value).is_integer():
            value = f"{self.value:,.0f}"
        else:
            value = f"{self.value:.3f}" if abs(self.value) < 1 else f"{self.value:,.1f}"
        return (
            f"{self.measure:<46} {value:>10} {self.unit:<6} {self.bar_text():>14} "
            f"{self.mark():>5}  {self.note}"
        )


def add_phone_tech(srs: int) -> str:
    """A technician with `srs` open SRs of their own, for the phone figures."""
    tech = shop.add_people(Role.TECHNICIAN.value, 1, "phone")[0]
    client = db.session.scalars(db.select(Client).order_by(Client.id)).first()
    for n in range(srs):
        db.session.add(
            ServiceRequest(
                client=client,
                title=f"Phone request {n}",
                priority=n % 4 + 1,
                status=shop.OPEN_STATUSES[n % 4].value,
                assignee=tech,
            )
        )
    db.session.commit()
    return tech.email


def server_side(app, size: int, runs: int, tv_token: str) -> list[Row]:
    client = app.test_client()
    client.post("/login", data={"email": "manager@demo.test", "password": shop.PASSWORD})
    board = pages.board(app, client, runs)
    tv = pages.measure(app, lambda: client.get(f"/tv/{tv_token}"), runs)
    big = size >= 2000
    rows = [
        Row(
            f"board {size} open: single request median",
            board.full.median,
            "ms",
            20 if big else 8,
            note=f"p95 {board.full.p95:.1f} ms",
        ),
        Row(f"board {size} open: queries", board.full.queries, "", 8 if big else None),
        Row(f"board {size} open: cards shown", board.cards, ""),
        Row(f"board {size} open: HTML per card", board.bytes_per_card, "B", 600 if big else None),
        Row(f"board {size} open: HTML", board.full.size / 1024, "KB"),
        Row(
            f"board {size} open: cost per rendered card",
            board.ms_per_card,
            "ms",
            0.03,
            note=f"({board.full.median:.1f} - {board.empty.median:.1f} ms) / {board.cards}",
        ),
        Row(
            f"wall TV {size} open: single request median",
            tv.median,
            "ms",
            note=f"p95 {tv.p95:.1f} ms, {tv.queries} queries, {tv.size / 1024:.0f} KB",
        ),
    ]
    client.get("/logout")
    return rows


def phone_side(app, email: str) -> list[Row]:
    client = app.test_client()
    client.post("/login", data={"email": email, "password": shop.PASSWORD})
    visit = pages.phone_visit(client, PHONE_PAGES)
    rows = [
        Row(
            f"phone {d.url} (30 SRs)",
            d.raw / 1024,
            "KB",
            note=f"gzip {d.gzipped / 1024:.1f} KB, sent {d.wire / 1024:.1f} KB",
        )
        for d in visit.pages
    ]
    rows += [
        Row(
            "phone first visit on the wire, precache incl.",
            visit.first_wire / 1024,
            "KB",
            40,
            note=f"{visit.first_requests} requests; "
            f"{visit.first_gzipped / 1024:.0f} KB if all gzipped",
        ),
        Row(
            "phone repeat visit on the wire",
            visit.repeat_wire / 1024,
            "KB",
            5,
            note=f"{visit.repeat_requests} requests (bodies only)",
        ),
    ]
    return rows


def over_http(production: Production, url: str, the_shop, size: int, seconds: int) -> list[Row]:
    rate, p50, tool, shares = throughput.throughput(
        production, "/board", "manager@demo.test", seconds
    )
    big = size >= 2000
    rows = [
        Row(
            f"board {size} open over HTTP",
            rate,
            "req/s",
            65 if big else 150,
            higher_is_better=True,
            note=f"{tool}, {seconds} s, p50 {p50:.1f} ms",
        )
    ]
    if len(shares) >= 2:
        rows.append(
            Row(
                f"board {size} open: least busy pages worker's share",
                shares[-1] * 100,
                "%",
                100 / len(shares) / 2,
                higher_is_better=True,
                note="of CPU; " + " / ".join(f"{s * 100:.0f}%" for s in shares),
            )
        )
    return rows


def writes(production: Production, url: str, the_shop) -> list[Row]:
    results = throughput.concurrent_writes(production, url, the_shop)
    rows = []
    for kind in ("move a card", "timer start", "timer stop"):
        values = results.latencies[kind]
        errors = results.errors[kind]
        note = f"{len(values)} requests, {errors} errors"
        rows.append(Row(f"{kind}, 8 clients: p50", loadgen.percentile(values, 0.5), "ms", 10))
        rows.append(
            Row(f"{kind}, 8 clients: p99", loadgen.percentile(values, 0.99), "ms", 50, note=note)
        )
    once = loadgen.exactly_once(url, results)
    rows.append(
        Row(
            "timer starts stored exactly once (problems)",
            len(once),
            "",
            0,
            note="; ".join(once[:2]),
        )
    )
    return rows


def opening_rows(opening: maintenance.Opening, kind: str) -> list[Row]:
    """Opening a month for 400 clients x 15 items: its bar holds on PostgreSQL."""
    size = f"{maintenance.CLIENTS} clients x {maintenance.ITEMS} items"
    return [
        Row(
            f"open a month: {size}",
            opening.median_ms / 1000,
            "s",
            2 if kind == "postgresql" else None,
            note=f"slowest {opening.slowest_ms / 1000:.2f} s; {opening.runs_created} runs, "
            f"{opening.items_created:,} items",
        ),
        Row(f"open a month: {size}: queries", opening.queries, ""),
    ]


def agenda_rows(figures: meetings.AgendaFigures) -> list[Row]:
    """The Monday meeting's agenda for 40 techs and 2,000 open SRs: bar 150 ms."""
    size = f"{meetings.TECHS} techs, {meetings.OPEN_SRS:,} open"
    timing = figures.timing
    return [
        Row(
            f"Monday agenda {size}: median",
            timing.median,
            "ms",
            150,
            note=f"p95 {timing.p95:.1f} ms, {figures.items} items, {timing.size / 1024:.0f} KB",
        ),
        Row(f"Monday agenda {size}: queries", timing.queries, ""),
    ]


def import_rows(importing: imports.Importing, kind: str) -> list[Row]:
    """Importing 400 clients and 2,000 SRs from sheets: its bar holds on PostgreSQL."""
    return [
        Row(
            f"import {imports.CLIENTS} clients + {imports.SRS:,} SRs",
            importing.median_s,
            "s",
            10 if kind == "postgresql" else None,
            note=f"slowest {importing.slowest_s:.2f} s; {importing.clients_created} clients, "
            f"{importing.srs_created:,} SRs created",
        )
    ]


def year_rows(bench: year.YearBench, kind: str) -> list[Row]:
    """The year in figures of a 40-tech shop: the figures, and the whole page drawn."""
    size = f"{year.TECHNICIANS} techs, {bench.entries:,} entries"
    return [
        Row(
            f"year figures: {size}",
            bench.figures_ms,
            "ms",
            1000 if kind == "postgresql" else None,
        ),
        Row(
            "year page (figures, 7 charts, review form)",
            bench.page_ms,
            "ms",
            1500 if kind == "postgresql" else None,
            note=f"slowest {bench.slowest_page_ms:,.0f} ms",
        ),
        Row("year page: queries", bench.queries, ""),
    ]


def run_alone(
    description: str, what: str, default_runs: int, rows_of: Callable[[str, int], list[Row]]
) -> None:
    """One figure measured on its own (python -m bench.<module> [--db ...] [--runs N])."""
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default=None)
    parser.add_argument("--runs", type=int, default=default_runs)
    options = parser.parse_args()
    kind = options.db or ("postgresql" if shop.postgres_reachable() else "sqlite")
    rows = rows_of(kind, options.runs)
    print(f"\nmspboard bench on {kind}: {what} ({options.runs} runs)\n")
    for row in rows:
        print(row.line())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default=None)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--seconds", type=int, default=10, help="of each throughput run")
    parser.add_argument("--no-http", action="store_true")
    options = parser.parse_args()
    kind = options.db or ("postgresql" if shop.postgres_reachable() else "sqlite")
    http = not options.no_http and kind == "postgresql"

    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as folder, shop.database(kind, Path(folder)) as url:
        app = shop.bench_app(url, Path(folder), WTF_CSRF_ENABLED=False)
        the_shop = shop.build(app, open_srs=200, techs=8, managers=8, tvs=0)
        with app.app_context():
            phone_tech = add_phone_tech(30)
            tv_token = tv_links.create_link(None, "Bench TV").token
            db.session.commit()
        production = Production(url).start() if http else None
        try:
            for size in (200, 2000):
                with app.app_context():
                    shop.grow_to(size)
                    db.engine.dispose()  # the servers see the new rows in fresh connections
                rows += server_side(app, size, options.runs, tv_token)
                if production:
                    rows += over_http(production, url, the_shop, size, options.seconds)
            rows += phone_side(app, phone_tech)
            if production:
                rows += writes(production, url, the_shop)
            rows += opening_rows(maintenance.opening_figures(kind, 5), kind)
            rows += agenda_rows(meetings.agenda_figures(kind, options.runs))
            rows += import_rows(imports.import_figures(kind, 3), kind)
            rows += year_rows(year.year_figures_bench(kind, 3), kind)
        finally:
            if production:
                production.stop()
            with app.app_context():
                db.engine.dispose()

    where = kind
    if http:
        where += ", the pages and streams processes"
    print(f"\nmspboard bench on {where} (server side: {options.runs} runs each)\n")
    print(f"{'measure':<46} {'value':>10} {'unit':<6} {'bar':>14} {'mark':>5}  note")
    print("-" * 100)
    for row in rows:
        print(row.line())
    if not http:
        print("\n(over HTTP: left out; it needs PostgreSQL)")


if __name__ == "__main__":
    main()
