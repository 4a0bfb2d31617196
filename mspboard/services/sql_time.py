"""Date arithmetic in SQL that works the same on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import ColumnElement, extract, func

from mspboard.models import db


def seconds_between(start: ColumnElement, end: ColumnElement) -> ColumnElement[float]:
    """`end - start` in seconds, computed by the database."""
    if db.engine.dialect.name == "sqlite":
        return (func.julianday(end) - func.julianday(start)) * 86400
    return extract("epoch", end - start)
