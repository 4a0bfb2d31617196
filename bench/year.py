"""The year in figures for a 40-tech shop: a year of time (four entries a workday each,
against a published schedule), 3,000 SRs opened and closed, every weekly card, 150 clients'
monthly maintenance runs of 10 items, and goals. Each figure set is computed, and the page
drawn, through the test client; the statements are counted.

    python -m bench.year                  # this figure alone, PostgreSQL if reachable
    python -m bench.year --db sqlite --runs 3
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import flask_migrate
from flask import Flask
from sqlalchemy import event, insert

from bench import shop
from mspboard.models import (
    ChecklistRun,
    ChecklistRunItem,
    Client,
    Goal,
    MaintenanceMonth,
    Role,
    ScheduleItem,
    ServiceRequest,
    TimeCard,
    TimeEntry,
    db,
)
from mspboard.services.figures.year import year_figures
from mspboard.services.local_time import at_wall

TECHNICIANS = 40
CLIENTS = 150
ITEMS = 10
SRS = 3000
YEAR = 2025


@dataclass
class YearBench:
    figures_ms: float
    page_ms: float
    slowest_page_ms: float
    queries: int
    entries: int


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return at_wall(day, datetime.min.time().replace(hour=hour, minute=minute))


def build(app: Flask) -> int:
    """The shop and its year, in bulk; returns how many time entries it holds."""
    rng = random.Random(YEAR)
    with app.app_context():
        flask_migrate.upgrade()
        techs = shop.add_people(Role.TECHNICIAN.value, TECHNICIANS, "tech")
        shop.add_people(Role.SERVICE_MANAGER.value, 1, "manager")
        clients = [Client(name=f"Bench client {n:03}") for n in range(CLIENTS)]
        db.session.add_all(clients)
        db.session.flush()
        days = [date(YEAR, 1, 1) + timedelta(days=n) for n in range(365)]
        workdays = [day for day in days if day.weekday() < 5]
        entries, items = [], []
        for tech in techs:
            for day in workdays:
                items.append({"tech_id": tech.id, "title": "Work", "starts_at": _at(day, 8),
                              "ends_at": _at(day, 16), "published_at": _at(day, 7)})  # fmt: skip
                for slot in range(4):
                    start = _at(day, 8 + 2 * slot)
                    entries.append(
                        {"uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                         "tech_id": tech.id, "client_id": rng.choice(clients).id,
                         "started_at": start, "ended_at": start + timedelta(minutes=100),
                         "billable": rng.random() < 0.72}
                    )  # fmt: skip
        db.session.execute(insert(ScheduleItem), items)
        db.session.execute(insert(TimeEntry), entries)
        srs = []
        for _ in range(SRS):
            opened = _at(rng.choice(workdays), rng.randint(8, 16))
            srs.append({"client_id": rng.choice(clients).id, "title": "Bench SR",
                        "status": "done", "created_at": opened, "updated_at": opened,
                        "closed_at": opened + timedelta(hours=rng.randint(1, 400))})  # fmt: skip
        db.session.execute(insert(ServiceRequest), srs)
        mondays = [day for day in workdays if day.weekday() == 0]
        db.session.execute(
            insert(TimeCard),
            [{"tech_id": tech.id, "week_start": monday, "status": "approved",
              "submitted_at": _at(monday + timedelta(days=4), rng.choice((15, 15, 15, 19))),
              "decided_at": _at(monday + timedelta(days=7), 9)}
             for tech in techs for monday in mondays],
        )  # fmt: skip
        for month in range(1, 13):
            first = date(YEAR, month, 1)
            record = MaintenanceMonth(month=first, opened_at=_at(first, 7))
            db.session.add(record)
            db.session.flush()
            run_ids = db.session.scalars(
                insert(ChecklistRun).returning(ChecklistRun.id, sort_by_parameter_order=True),
                [{"month_id": record.id, "client_id": client.id,
                  "owner_id": techs[n % TECHNICIANS].id, "due_on": first + timedelta(days=27)}
                 for n, client in enumerate(clients)],
            ).all()  # fmt: skip
            ticked = _at(first + timedelta(days=20), 13)
            db.session.execute(
                insert(ChecklistRunItem),
                [{"run_id": run_id, "title": f"Check {k}", "position": k,
                  "outcome": "done", "ticked_at": ticked, "ticked_by_id": techs[0].id}
                 for run_id in run_ids for k in range(ITEMS)],
            )  # fmt: skip
        db.session.execute(
            insert(Goal),
            [{"user_id": tech.id, "period": "quarter", "period_start": date(YEAR, 3 * q + 1, 1),
              "title": "Bench goal", "status": rng.choice(("met", "missed", "open"))}
             for tech in techs for q in range(4)],
        )  # fmt: skip
        db.session.commit()
        return len(entries)


def measure(app: Flask, runs: int, entries: int) -> YearBench:
    figure_times, page_times, queries = [], [], []
    with app.app_context():
        for _ in range(runs):
            start = time.perf_counter()
            year_figures(YEAR)
            figure_times.append((time.perf_counter() - start) * 1000)
            db.session.remove()
        engine = db.engine
    client = app.test_client()
    response = client.post(
        "/login", data={"email": "manager1@bench.test", "password": shop.PASSWORD}
    )
    assert response.status_code == 302, response.status_code

    def count(*_args: object) -> None:
        queries[-1] += 1

    event.listen(engine, "before_cursor_execute", count)
    try:
        for _ in range(runs):
            queries.append(0)
            start = time.perf_counter()
            assert client.get(f"/manage/year/{YEAR}").status_code == 200
            page_times.append((time.perf_counter() - start) * 1000)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return YearBench(
        statistics.median(figure_times),
        statistics.median(page_times),
        max(page_times),
        max(queries),
        entries,
    )


def year_figures_bench(kind: str, runs: int) -> YearBench:
    with tempfile.TemporaryDirectory() as folder, shop.database(kind, Path(folder)) as url:
        app = shop.bench_app(url, Path(folder), WTF_CSRF_ENABLED=False)
        entries = build(app)
        try:
            return measure(app, runs, entries)
        finally:
            with app.app_context():
                db.engine.dispose()


def main() -> None:
    from bench.run import run_alone, year_rows

    run_alone(
        __doc__,
        "the year in figures of a 40-tech shop",
        5,
        lambda kind, runs: year_rows(year_figures_bench(kind, runs), kind),
    )


if __name__ == "__main__":
    main()
