from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mspboard.models.base import UTCDateTime, db, edit_version_column, edit_versioned, utcnow

EXTERNAL_REF_MAX = 64


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
    # The client's number or name in the tool the shop used before (set by an import, and
    # what a second import of the same sheet matches on).
    external_ref: Mapped[str | None] = mapped_column(String(EXTERNAL_REF_MAX), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Hourly rate in cents; NULL means the shop's default rate applies.
    billing_rate_cents: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Who works the client's monthly maintenance checklist (empty: last month's owner, or
    # the technician with the fewest runs that month).
    maintenance_owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    contacts: Mapped[list[ClientContact]] = relationship(
        back_populates="client", order_by="ClientContact.name", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Client {self.name}>"


# How long each of a contact's fields may be (the form and the database agree).
CONTACT_NAME_MAX = 120
CONTACT_ROLE_MAX = 80
CONTACT_PHONE_MAX = 40
CONTACT_EMAIL_MAX = 254


class ClientContact(db.Model):
    """A person at a client the shop deals with: who asks for work, who to call about it."""

    __tablename__ = "client_contacts"
    __table_args__ = (
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("length(name) > 0", name="name_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = edit_version_column()
    __mapper_args__ = edit_versioned(version)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(CONTACT_NAME_MAX))
    role: Mapped[str] = mapped_column(String(CONTACT_ROLE_MAX), default="")
    phone: Mapped[str] = mapped_column(String(CONTACT_PHONE_MAX), default="")
    email: Mapped[str] = mapped_column(String(CONTACT_EMAIL_MAX), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    client: Mapped[Client] = relationship(back_populates="contacts")

    @property
    def tel_href(self) -> str:
        """The phone number as a tel: link dials it: digits, and a leading + kept."""
        digits = "".join(ch for ch in self.phone if ch.isdigit())
        return ("+" if self.phone.strip().startswith("+") else "") + digits

    def __repr__(self) -> str:
        return f"<ClientContact {self.name}>"
