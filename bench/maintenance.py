"""Opening a maintenance month at a large shop's size: 400 active clients, a base checklist of
15 monthly checks, 12 technicians. Each opening creates every run and run item, is timed up
to its last statement, and is rolled back before the next, so every one starts from the
same unopened month.

    python -m bench.maintenance                  # this figure alone, PostgreSQL if reachable
    python -m bench.maintenance --db sqlite --runs 3
"""

from __future__ import annotations

import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import flask_migrate
from flask import Flask
from sqlalchemy import event

from bench import shop
from mspboard.models import ChecklistItem, Client, Role, db, utcnow
from mspboard.services.maintenance import months

CLIENTS = 400
ITEMS = 15
TECHNICIANS = 12


@dataclass
class Opening:
    median_ms: float
    slowest_ms: float
    queries: int
    runs_created: int
    items_created: int


def build(app: Flask) -> None:
    """The shop to open a month for (no demo: only what the opening reads)."""
    with app.app_context():
        flask_migrate.upgrade()
        shop.add_people(Role.TECHNICIAN.value, TECHNICIANS, "tech")
        db.session.add_all(Client(name=f"Bench client {n:03}") for n in range(CLIENTS))
        db.session.add_all(
            ChecklistItem(
                title=f"Bench check {n}",
                instruction="Check it and note what you found.",
                estimate_minutes=10,
                position=n,
            )
            for n in range(ITEMS)
        )
        db.session.commit()


def measure(app: Flask, runs: int) -> Opening:
    times, queries = [], []
    created = 0
    with app.app_context():
        engine = db.engine

        def count(*_args: object) -> None:
            queries[-1] += 1

        event.listen(engine, "before_cursor_execute", count)
        try:
            for _ in range(runs):
                now = utcnow()
                queries.append(0)
                start = time.perf_counter()
                opened = months.open_month(None, months.this_month(now), now)
                db.session.flush()
                times.append((time.perf_counter() - start) * 1000)
                created = opened.created
                db.session.rollback()
        finally:
            event.remove(engine, "before_cursor_execute", count)
        db.engine.dispose()
    return Opening(statistics.median(times), max(times), max(queries), created, created * ITEMS)


def opening_figures(kind: str, runs: int) -> Opening:
    """Build the shop in a throwaway database of `kind` and time `runs` openings."""
    with tempfile.TemporaryDirectory() as folder, shop.database(kind, Path(folder)) as url:
        app = shop.bench_app(url, Path(folder))
        build(app)
        return measure(app, runs)


def main() -> None:
    from bench.run import opening_rows, run_alone

    run_alone(
        __doc__,
        "opening a maintenance month",
        5,
        lambda kind, runs: opening_rows(opening_figures(kind, runs), kind),
    )


if __name__ == "__main__":
    main()
