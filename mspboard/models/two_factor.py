"""Two-factor sign-in: a user's authenticator secret and their one-time recovery codes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mspboard.models.base import UTCDateTime, db, utcnow


class TwoFactor(db.Model):
    """A user's second factor, once they have confirmed it with a code. At most one per user;
    removing it (turned off, or reset by an admin) deletes the row and its recovery codes.

    The secret is stored encrypted with a key derived from the app's SECRET_KEY
    (services.two_factor), so a database dump alone does not give the codes away.
    """

    __tablename__ = "two_factors"
    __table_args__ = (CheckConstraint("last_step IS NULL OR last_step >= 0", name="step_valid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    secret_encrypted: Mapped[str] = mapped_column(String(255))
    enabled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The 30-second step of the last code accepted: a code of that step or an earlier one is
    # refused, so a code seen over someone's shoulder cannot be used a second time.
    last_step: Mapped[int | None] = mapped_column(Integer)


class RecoveryCode(db.Model):
    """One of a user's ten one-time recovery codes; only its hash is stored."""

    __tablename__ = "recovery_codes"
    __table_args__ = (UniqueConstraint("user_id", "code_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
