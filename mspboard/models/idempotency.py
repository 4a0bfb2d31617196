from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from mspboard.models.base import UTCDateTime, db, utcnow


class IdempotencyKey(db.Model):
    """A write the server has already carried out, keyed by the UUID its sender made.

    Stored in the same transaction as the write, so a replay finds it and gets the
    stored response instead of doing the work twice. The fingerprint (a hash of the
    request) tells a true replay from a different request reusing the key.
    """

    __tablename__ = "idempotency_keys"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    response_status: Mapped[int] = mapped_column(Integer)
    response_body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
