"""Who can be given work, and who keeps a weekly time card."""

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


def active_technician(user_id: int | None) -> User | None:
    """The active technician with this id, or None (no one, someone inactive, a manager)."""
    user = db.session.get(User, user_id) if user_id is not None else None
    if user is None or not user.active or user.role != Role.TECHNICIAN.value:
        return None
    return user


def card_keepers() -> list[User]:
    """The active people who keep a weekly time card, by name: every technician, and the
    managers and admins marked as keeping one. They are scheduled on the planner, log time,
    check in and submit their card like any technician."""
    return list(
        db.session.scalars(
            select(User).where(User.active, User.has_time_card).order_by(User.name, User.id)
        )
    )


def card_keeper(user_id: int | None) -> User | None:
    """The active person with this id who keeps a time card, or None."""
    user = db.session.get(User, user_id) if user_id is not None else None
    if user is None or not user.active or not user.has_time_card:
        return None
    return user
