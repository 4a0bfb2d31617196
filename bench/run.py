"""The benchmark: seeds the demo shop, then a large shop, and prints how fast the main
pages render on the server (Flask test client, so no network or browser time).

    make bench                      # SQLite
    make bench ARGS="--db postgresql"
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import flask_migrate
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from mspboard import create_app, demo
from mspboard.models import Client, Role, ServiceRequest, SRStatus, User, db, utcnow
from mspboard.services import tv_links

POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
OPEN_STATUSES = [SRStatus.NEW, SRStatus.SCHEDULED, SRStatus.IN_PROGRESS, SRStatus.WAITING]


def grow_to(open_srs: int) -> None:
    """Add open SRs until the shop has `open_srs` of them."""
    clients = db.session.scalars(db.select(Client)).all()
    techs = db.session.scalars(db.select(User).where(User.role == Role.TECHNICIAN)).all()
    have = db.session.scalar(
        db.select(db.func.count())
        .select_from(ServiceRequest)
        .where(ServiceRequest.status != "done")
    )
    now = utcnow()
    for n in range(open_srs - have):
        db.session.add(
            ServiceRequest(
                client=clients[n % len(clients)],
                title=f"Generated request {n}",
                priority=n % 4 + 1,
                status=OPEN_STATUSES[n % 4].value,
                assignee=techs[n % len(techs)] if n % 5 else None,
                created_at=now - timedelta(hours=n % 2000),
                updated_at=now - timedelta(hours=n % 500),
            )
        )
    db.session.commit()


def measure(fetch: Callable[[], int], runs: int) -> tuple[float, float]:
    fetch()  # warm caches and templates
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        status = fetch()
        times.append((time.perf_counter() - start) * 1000)
        assert status == 200, status
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def count_queries(app, fetch: Callable[[], int]) -> int:
    seen = []
    with app.app_context():
        engine = db.engine
    listener = lambda *_a: seen.append(1)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    fetch()
    event.remove(engine, "before_cursor_execute", listener)
    return len(seen)


def database(kind: str, folder: Path) -> tuple[str, Callable[[], None]]:
    if kind == "sqlite":
        return f"sqlite:///{folder / 'bench.db'}", lambda: None
    name = f"mspboard_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False), drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--open-srs", type=int, default=2000)
    options = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        url, drop = database(options.db, Path(folder))
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "SECRET_KEY": "bench",
                "INSTANCE_PATH": folder,
                "WTF_CSRF_ENABLED": False,
            }
        )
        try:
            with app.app_context():
                flask_migrate.upgrade()
                demo.seed_demo()
                token = tv_links.create_link(None, "Bench TV").token
                db.session.commit()
            client = app.test_client()
            client.post(
                "/login", data={"email": "manager@demo.test", "password": demo.DEMO_PASSWORD}
            )
            pages = {
                "board": lambda: client.get("/board").status_code,
                "board, live refresh": lambda: (
                    client.get("/board", headers={"HX-Request": "true"}).status_code
                ),
                "wall TV": lambda: client.get(f"/tv/{token}").status_code,
                "backlog review": lambda: client.get("/manage/backlog").status_code,
            }
            rows = []
            for size in ("demo", options.open_srs):
                if size != "demo":
                    with app.app_context():
                        grow_to(size)
                with app.app_context():
                    open_now = db.session.scalar(
                        db.select(db.func.count())
                        .select_from(ServiceRequest)
                        .where(ServiceRequest.status != "done")
                    )
                for name, fetch in pages.items():
                    median, p95 = measure(fetch, options.runs)
                    rows.append((name, open_now, median, p95, count_queries(app, fetch)))
        finally:
            with app.app_context():
                db.engine.dispose()
            drop()

    print(f"\nServer render time on {options.db} ({options.runs} runs each)\n")
    print(f"{'page':<22} {'open SRs':>9} {'median ms':>10} {'p95 ms':>8} {'queries':>8}")
    print("-" * 61)
    for name, open_now, median, p95, queries in rows:
        print(f"{name:<22} {open_now:>9} {median:>10.1f} {p95:>8.1f} {queries:>8}")


if __name__ == "__main__":
    main()
