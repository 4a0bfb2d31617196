"""Small builders for test data. Call them inside an app context; they flush, never commit."""

from __future__ import annotations

import itertools
from datetime import datetime

from mspboard.models import Client, ServiceRequest, User, db, utcnow
from mspboard.services import accounts

PASSWORD = "correct horse battery"
_sequence = itertools.count(1)


def make_user(
    role: str = "technician",
    email: str | None = None,
    name: str | None = None,
    tech_level: str | None = None,
    password: str = PASSWORD,
    active: bool = True,
) -> User:
    number = next(_sequence)
    details = accounts.UserDetails(
        name=name or f"Person {number}",
        email=email or f"person{number}@example.test",
        role=role,
        tech_level=tech_level,
    )
    user = accounts.create_user(None, details, password)
    user.active = active
    db.session.flush()
    return user


def make_client(name: str | None = None, rate_cents: int | None = None) -> Client:
    client = Client(name=name or f"Client {next(_sequence)}", billing_rate_cents=rate_cents)
    db.session.add(client)
    db.session.flush()
    return client


def make_sr(
    client: Client | None = None,
    title: str = "Printer offline",
    priority: int = 3,
    status: str = "new",
    assignee: User | None = None,
    created_at: datetime | None = None,
) -> ServiceRequest:
    sr = ServiceRequest(
        client=client or make_client(),
        title=title,
        priority=priority,
        status=status,
        assignee=assignee,
        created_at=created_at or utcnow(),
        closed_at=utcnow() if status == "done" else None,
    )
    db.session.add(sr)
    db.session.flush()
    return sr
