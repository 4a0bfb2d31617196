"""The shop the benchmarks measure: a database (SQLite file or a throwaway PostgreSQL
database), the demo shop, extra technicians and managers, open SRs up to a count, wall-TV
links, and a marker SR the TVs are watched for."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import flask_migrate
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from mspboard import create_app, demo
from mspboard.models import Client, Role, ServiceRequest, SRStatus, User, db, utcnow
from mspboard.services import accounts, tv_links

POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
OPEN_STATUSES = [SRStatus.NEW, SRStatus.SCHEDULED, SRStatus.IN_PROGRESS, SRStatus.WAITING]
PASSWORD = demo.DEMO_PASSWORD
# Quick to check, so signing in hundreds of techs measures the app, not the hash.
FAST_HASH = "pbkdf2:sha256:1000"


def postgres_reachable() -> bool:
    engine = create_engine(POSTGRES_URL)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception:
        return False
    finally:
        engine.dispose()


@contextmanager
def database(kind: str, folder: Path) -> Iterator[str]:
    """A fresh database URL of `kind`, dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'bench.db'}"
        return
    name = f"mspboard_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def bench_app(url: str, folder: Path, **config: object) -> Flask:
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "INSTANCE_PATH": str(folder),
            "PASSWORD_HASH_METHOD": FAST_HASH,
            "REDIS_URL": None,
            **config,
        }
    )


@dataclass
class Shop:
    managers: list[str] = field(default_factory=list)
    techs: list[str] = field(default_factory=list)
    # Each tech's open SRs (by email), for the timers they start.
    tech_srs: dict[str, list[int]] = field(default_factory=dict)
    tv_tokens: list[str] = field(default_factory=list)
    # A P1 older than every other SR: first in its column on every board and TV.
    marker_sr: int = 0


def count_open() -> int:
    return db.session.scalar(
        db.select(db.func.count())
        .select_from(ServiceRequest)
        .where(ServiceRequest.status != SRStatus.DONE.value)
    )


def grow_to(open_srs: int, assignees: list[User] | None = None) -> None:
    """Add open SRs until the shop has `open_srs` of them, spread over clients, priorities,
    columns and `assignees` (every technician by default), one in five unassigned."""
    clients = db.session.scalars(db.select(Client)).all()
    everyone = db.select(User).where(User.role == Role.TECHNICIAN)
    techs = assignees or db.session.scalars(everyone).all()
    now = utcnow()
    for n in range(open_srs - count_open()):
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


def add_people(role: str, count: int, prefix: str) -> list[User]:
    people = [
        accounts.create_user(
            None,
            accounts.UserDetails(
                name=f"Bench {prefix.title()} {n}",
                email=f"{prefix}{n}@bench.test",
                role=role,
                tech_level="tech_i" if role == Role.TECHNICIAN else None,
            ),
            PASSWORD,
        )
        for n in range(1, count + 1)
    ]
    db.session.flush()
    return people


def build(app: Flask, *, open_srs: int, techs: int, managers: int, tvs: int) -> Shop:
    """Seed the demo shop, then `techs` technicians and `managers` managers of the bench's
    own, `tvs` wall-TV links and open SRs up to `open_srs` (assigned to the bench's techs)."""
    shop = Shop()
    with app.app_context():
        flask_migrate.upgrade()
        demo.seed_demo()
        bench_techs = add_people(Role.TECHNICIAN.value, techs, "tech")
        bench_managers = add_people(Role.SERVICE_MANAGER.value, managers, "manager")
        client = db.session.scalars(db.select(Client).order_by(Client.id)).first()
        marker = ServiceRequest(
            client=client,
            title="Bench marker",
            priority=1,
            status=SRStatus.NEW.value,
            created_at=utcnow() - timedelta(days=3000),
            updated_at=utcnow(),
        )
        db.session.add(marker)
        shop.tv_tokens = [tv_links.create_link(None, f"Bench TV {n}").token for n in range(tvs)]
        db.session.commit()
        shop.marker_sr = marker.id
        grow_to(open_srs, bench_techs or None)
        for tech in bench_techs:  # every tech has an SR to start a timer on
            if not db.session.scalar(
                db.select(db.func.count()).where(ServiceRequest.assignee_id == tech.id)
            ):
                db.session.add(
                    ServiceRequest(client=client, title="Bench visit", priority=3, assignee=tech)
                )
        db.session.commit()
        shop.managers = [m.email for m in bench_managers]
        shop.techs = [t.email for t in bench_techs]
        rows = db.session.execute(
            db.select(User.email, ServiceRequest.id)
            .join(ServiceRequest, ServiceRequest.assignee_id == User.id)
            .where(User.email.like("tech%@bench.test"))
            .where(ServiceRequest.status != SRStatus.DONE.value)
        )
        for email, sr_id in rows:
            shop.tech_srs.setdefault(email, []).append(sr_id)
    return shop
