from __future__ import annotations

from datetime import datetime, time
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ColumnElement, Integer, String, Time, false, or_
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, validates

from mspboard.models.base import (
    UTCDateTime,
    db,
    edit_version_column,
    edit_versioned,
    one_of,
    utcnow,
)
from mspboard.workweek import ALL_DAYS, MONDAY_TO_FRIDAY


class Role(StrEnum):
    TECHNICIAN = "technician"
    SERVICE_MANAGER = "service_manager"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return {"technician": "Technician", "service_manager": "Service manager"}.get(
            self.value, "Admin"
        )


class TechLevel(StrEnum):
    TECH_I = "tech_i"
    TECH_II = "tech_ii"
    SENIOR = "senior"

    @property
    def label(self) -> str:
        return {"tech_i": "Tech I", "tech_ii": "Tech II", "senior": "Senior"}[self.value]


MANAGERS = frozenset({Role.SERVICE_MANAGER, Role.ADMIN})


def initials_of(name: str) -> str:
    """A person's initials as a card or a wall TV shows them: "Sofia Lindqvist" is "SL"."""
    parts = name.split()
    return "".join(part[0] for part in parts[:2]).upper() or "?"


class User(UserMixin, db.Model):
    """Someone who signs in: a technician, a service manager or an admin."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("email = lower(email)", name="email_lowercase"),
        one_of("role", [r.value for r in Role]),
        CheckConstraint(
            "tech_level IS NULL OR tech_level IN ('tech_i', 'tech_ii', 'senior')",
            name="tech_level_valid",
        ),
        CheckConstraint(f"workdays BETWEEN 0 AND {ALL_DAYS}", name="workdays_mask"),
        CheckConstraint("day_end > day_start", name="day_ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = edit_version_column()
    __mapper_args__ = edit_versioned(version)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default=Role.TECHNICIAN.value)
    tech_level: Mapped[str | None] = mapped_column(String(10))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # A manager or admin who also works SRs: they use the phone view for their own timer,
    # entries and weekly time card (technicians always keep one).
    keeps_time_card: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    workdays: Mapped[int] = mapped_column(Integer, default=MONDAY_TO_FRIDAY)
    day_start: Mapped[time] = mapped_column(Time, default=time(8, 0))
    day_end: Mapped[time] = mapped_column(Time, default=time(17, 0))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @validates("email")
    def _normalise_email(self, _key: str, value: str) -> str:
        return value.strip().lower()

    # The token of the sign-in this request came with (set by the user loader, or when the
    # person signs in): what Flask-Login keeps in the session and the remember-me cookie,
    # so that ending the sign-in on the server ends both.
    sign_in_token = None

    def get_id(self) -> str | None:
        return self.sign_in_token

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    @property
    def tech_level_label(self) -> str:
        return TechLevel(self.tech_level).label if self.tech_level else ""

    @property
    def is_manager(self) -> bool:
        return self.role_enum in MANAGERS

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_technician(self) -> bool:
        return self.role == Role.TECHNICIAN

    @hybrid_property
    def has_time_card(self) -> bool:
        """Keeps a weekly time card and uses the phone view for it: every technician, and a
        manager or admin marked as keeping one (in a query too)."""
        return self.is_technician or self.keeps_time_card

    @has_time_card.inplace.expression
    @classmethod
    def _has_time_card_expression(cls) -> ColumnElement[bool]:
        return or_(cls.role == Role.TECHNICIAN.value, cls.keeps_time_card.is_(True))

    @property
    def initials(self) -> str:
        return initials_of(self.name)

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"
