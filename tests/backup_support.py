"""A second database to restore a backup into, and the checks a restored database must pass."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from mspboard import create_app
from mspboard.models import db
from tests.conftest import postgres_url, throwaway_postgres_database


@contextmanager
def fresh_database(backend: str, folder: Path, prefix: str = "r") -> Iterator[str]:
    """The URL of a new, empty database (no tables) on `backend`."""
    if backend == "sqlite":
        folder.mkdir(parents=True, exist_ok=True)
        yield f"sqlite:///{folder / f'{prefix}.db'}"
        return
    with throwaway_postgres_database(prefix) as name:
        yield postgres_url(name)


def app_on(url: str, folder: Path, zone: str = "UTC") -> Flask:
    """An app like the test one, on another database and instance folder."""
    return create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "test-secret-key",
            "INSTANCE_PATH": str(folder / "instance"),
            "REDIS_URL": None,
            "SHOP_TIMEZONE": zone,
        }
    )


def orphans(engine: Engine) -> list[str]:
    """Every foreign key value with no parent row, on either database."""
    found = []
    inspector = inspect(engine)
    with engine.connect() as connection:
        for table in inspector.get_table_names():
            for key in inspector.get_foreign_keys(table):
                pairs = list(zip(key["constrained_columns"], key["referred_columns"], strict=True))
                present = " AND ".join(f'c."{child}" IS NOT NULL' for child, _ in pairs)
                joined = " AND ".join(f'p."{parent}" = c."{child}"' for child, parent in pairs)
                count = connection.scalar(
                    text(
                        f'SELECT count(*) FROM "{table}" c WHERE {present} AND NOT EXISTS '
                        f'(SELECT 1 FROM "{key["referred_table"]}" p WHERE {joined})'
                    )
                )
                if count:
                    found.append(f"{table}.{key['constrained_columns']}: {count}")
    return found


def sqlite_checks(engine: Engine) -> tuple[list, str]:
    """PRAGMA foreign_key_check's rows and PRAGMA integrity_check's answer."""
    with engine.connect() as connection:
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        integrity = connection.exec_driver_sql("PRAGMA integrity_check").scalar()
    return broken, integrity


def dispose(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
