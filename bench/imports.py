"""Importing a shop from its old tool at a large shop's size: a sheet of 400 clients, then a
sheet of 2,000 open SRs, each assigned to one of 12 technicians, through the same plan and run
an admin's import uses (the real run, in its one transaction, committed).

    python -m bench.imports                  # this figure alone, PostgreSQL if reachable
    python -m bench.imports --db sqlite --runs 3
"""

from __future__ import annotations

import statistics
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import flask_migrate
from flask import Flask
from sqlalchemy import delete, select

from bench import shop
from mspboard.models import Client, Role, ServiceRequest, SRActivity, User, db, utcnow
from mspboard.services.imports import mapping, sheets
from mspboard.services.imports.run import run_import

CLIENTS = 400
SRS = 2000
TECHNICIANS = 12
VALUE_MAPS = {"status": {"Open": "new"}, "priority": {"High": "2"}}


@dataclass
class Importing:
    median_s: float
    slowest_s: float
    clients_created: int
    srs_created: int


def sheets_of(technicians: list[str]) -> tuple[bytes, bytes]:
    clients = "Client ID,Client Name\n" + "".join(
        f"C-{n},Bench client {n:03}\n" for n in range(CLIENTS)
    )
    created = (utcnow() - timedelta(days=3)).strftime("%Y-%m-%d %H:%M")
    srs = "Ticket Number,Client ID,Subject,Priority,Status,Assigned To,Created\n" + "".join(
        f"T-{n},C-{n % CLIENTS},Job {n},High,Open,{technicians[n % len(technicians)]},{created}\n"
        for n in range(SRS)
    )
    return clients.encode(), srs.encode()


def _import(admin: User, kind: str, data: bytes) -> int:
    sheet = sheets.read_sheet(data)
    columns = mapping.guess(kind, sheet.headers)
    result = run_import(admin, kind, sheet, columns, VALUE_MAPS if kind != "clients" else {})
    return result.plan.summary["create"]


def measure(app: Flask, runs: int) -> Importing:
    times: list[float] = []
    clients_created = srs_created = 0
    with app.app_context():
        flask_migrate.upgrade()
        admin = shop.add_people(Role.ADMIN.value, 1, "importer")[0]
        techs = shop.add_people(Role.TECHNICIAN.value, TECHNICIANS, "tech")
        db.session.commit()
        client_sheet, sr_sheet = sheets_of([t.email for t in techs])
        for _ in range(runs):
            admin = db.session.get(User, admin.id)
            start = time.perf_counter()
            clients_created = _import(admin, "clients", client_sheet)
            srs_created = _import(admin, "service_requests", sr_sheet)
            db.session.commit()
            times.append(time.perf_counter() - start)
            # The next run starts from a shop without them again.
            db.session.execute(delete(SRActivity))
            db.session.execute(delete(ServiceRequest))
            db.session.execute(delete(Client).where(Client.id.in_(select(Client.id))))
            db.session.commit()
        db.engine.dispose()
    return Importing(statistics.median(times), max(times), clients_created, srs_created)


def import_figures(kind: str, runs: int) -> Importing:
    """Import the two sheets `runs` times into a throwaway database of `kind`."""
    with tempfile.TemporaryDirectory() as folder, shop.database(kind, Path(folder)) as url:
        return measure(shop.bench_app(url, Path(folder)), runs)


def main() -> None:
    from bench.run import import_rows, run_alone

    run_alone(
        __doc__,
        "importing a shop",
        3,
        lambda kind, runs: import_rows(import_figures(kind, runs), kind),
    )


if __name__ == "__main__":
    main()
