"""A shop's data kept safe and brought in: the backups taken of it, the column mappings an
admin saved for importing sheets from old tools, and the one-time links that let an invited
person set their own password."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mspboard.models.base import (
    UTCDateTime,
    db,
    edit_version_column,
    edit_versioned,
    one_of,
    utcnow,
)

# What can be imported from a sheet, one kind per CSV file.
IMPORT_KINDS = ("clients", "contacts", "users", "service_requests")


class BackupRecord(db.Model):
    """One backup file written by `flask backup`: where it is, how big, and what it holds."""

    __tablename__ = "backup_records"
    __table_args__ = (
        CheckConstraint("size_bytes >= 0", name="size_not_negative"),
        one_of("reason", ("daily", "before_restore")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    file_name: Mapped[str] = mapped_column(String(255))
    directory: Mapped[str] = mapped_column(Text)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    schema_revision: Mapped[str] = mapped_column(String(64))
    # SHA-256 of the backup file, as written in its manifest.
    checksum: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(20), default="daily")
    # Set when retention deleted the file.
    pruned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ImportMapping(db.Model):
    """A saved answer to "which column of the sheet is which field", reused for the next
    sheet exported from the same old tool."""

    __tablename__ = "import_mappings"
    __table_args__ = (
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("length(name) > 0", name="name_not_empty"),
        one_of("kind", IMPORT_KINDS),
        UniqueConstraint("kind", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = edit_version_column()
    __mapper_args__ = edit_versioned(version)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(80))
    # JSON: {"field": "Sheet header", ...}; for SRs also the status and priority tables.
    columns: Mapped[str] = mapped_column(Text, default="{}")
    value_maps: Mapped[str] = mapped_column(Text, default="{}")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SetPasswordLink(db.Model):
    """A one-time link that lets a person set their password: for people invited by an
    import, or an admin's answer to a forgotten password. Only the token's hash is kept."""

    __tablename__ = "set_password_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
