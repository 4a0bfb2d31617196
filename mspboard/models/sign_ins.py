from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mspboard.models.base import UTCDateTime, db, one_of, utcnow
from mspboard.models.people import User

# What the sign-in record keeps of the browser's User-Agent and of the client address.
DEVICE_LENGTH = 200
ADDRESS_LENGTH = 45  # the longest text form of an IPv6 address


class EndReason(StrEnum):
    SIGNED_OUT = "signed_out"
    PASSWORD_CHANGED = "password_changed"
    DEACTIVATED = "deactivated"
    ENDED_BY_USER = "ended_by_user"  # from another of the person's devices
    PASSWORD_RESET = "password_reset"  # by an admin

    @property
    def label(self) -> str:
        return {
            "signed_out": "signed out",
            "password_changed": "password changed",
            "deactivated": "account deactivated",
            "ended_by_user": "ended from another device",
            "password_reset": "password reset by an admin",
        }[self.value]


class SignIn(db.Model):
    """One sign-in of one person on one device: what the session cookie and the remember-me
    cookie refer to, so that it can be ended on the server at once.

    Only a hash of its token is stored; the cookie holds the token itself."""

    __tablename__ = "sign_ins"
    __table_args__ = (
        one_of("end_reason", [reason.value for reason in EndReason]),
        CheckConstraint("(ended_at IS NULL) = (end_reason IS NULL)", name="ended_with_a_reason"),
        CheckConstraint("expires_at > created_at", name="expires_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Bookkeeping for the "signed-in devices" list, written at most every few minutes.
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    device: Mapped[str] = mapped_column(String(DEVICE_LENGTH), default="")
    address: Mapped[str] = mapped_column(String(ADDRESS_LENGTH), default="")
    remember: Mapped[bool] = mapped_column(Boolean, default=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(20))

    user: Mapped[User] = relationship()

    def is_live(self, now: datetime) -> bool:
        return self.ended_at is None and now < self.expires_at
