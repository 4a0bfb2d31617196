"""Date arithmetic in SQL that works the same on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from sqlalchemy import ColumnElement, and_, case, extract, func

from mspboard.models import db


def seconds_between(start: ColumnElement, end: ColumnElement) -> ColumnElement[float]:
    """`end - start` in seconds, computed by the database."""
    if db.engine.dialect.name == "sqlite":
        return (func.julianday(end) - func.julianday(start)) * 86400
    return extract("epoch", end - start)


def period_index(moment: ColumnElement, bounds: Sequence[object]) -> ColumnElement[int]:
    """Which of the consecutive periods `bounds[i] <= moment < bounds[i + 1]` a row's moment
    falls in (0 for the first), or NULL outside them all: lets one GROUP BY count every
    month of a year whatever the months' lengths and clock changes. Group by it through a
    subquery's column, since PostgreSQL does not match the expression's parameters twice."""
    return case(
        *(
            (and_(moment >= start, moment < end), index)
            for index, (start, end) in enumerate(pairwise(bounds))
        ),
        else_=None,
    )
