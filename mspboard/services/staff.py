"""Who can be given work."""

from __future__ import annotations

from sqlalchemy import select

from mspboard.models import Role, User, db


def active_technicians() -> list[User]:
    """The technicians who can be given work, by name."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.active, User.role == Role.TECHNICIAN.value)
            .order_by(User.name, User.id)
        )
    )
