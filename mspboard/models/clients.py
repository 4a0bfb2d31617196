from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from mspboard.models.base import UTCDateTime, db, edit_version_column, edit_versioned, utcnow


class Client(db.Model):
    """A business the shop looks after."""

    __tablename__ = "clients"
    __table_args__ = (
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint(
            "billing_rate_cents IS NULL OR billing_rate_cents >= 0", name="rate_not_negative"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = edit_version_column()
    __mapper_args__ = edit_versioned(version)
    name: Mapped[str] = mapped_column(String(160), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Hourly rate in cents; NULL means the shop's default rate applies.
    billing_rate_cents: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Who works the client's monthly maintenance checklist (empty: last month's owner, or
    # the technician with the fewest runs that month).
    maintenance_owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    def __repr__(self) -> str:
        return f"<Client {self.name}>"
