"""Monthly maintenance: the checklist templates (the shop's base list and each client's
additions and removals), each month's runs of them per client, and the items techs propose
while working a run."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mspboard.models.base import (
    UTCDateTime,
    db,
    edit_version_column,
    edit_versioned,
    one_of,
    utcnow,
)
from mspboard.models.clients import Client
from mspboard.models.people import User
from mspboard.models.service_requests import ServiceRequest

TITLE_MAX = 200
INSTRUCTION_MAX = 4000
NOTE_MAX = 2000
# No single check takes longer than a working day; an estimate past it is a typo.
ESTIMATE_MAX_MINUTES = 8 * 60


class Cadence(StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    YEARLY = "yearly"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Outcome(StrEnum):
    DONE = "done"
    NOT_APPLICABLE = "not_applicable"
    PROBLEM = "problem"

    @property
    def label(self) -> str:
        return {"done": "Done", "not_applicable": "Not applicable", "problem": "Problem"}[
            self.value
        ]


class ProposalStatus(StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class ChecklistItem(db.Model):
    """One check on a template: the shop's base list (no client) or one client's addition.

    A retired item stays, so last month's runs and reports still name what was checked.
    `cadence_month` is the month of the quarter (1-3) for a quarterly item, the month of
    the year (1-12) for a yearly one, and empty for a monthly one."""

    __tablename__ = "checklist_items"
    __table_args__ = (
        CheckConstraint("version >= 1", name="version_positive"),
        one_of("cadence", [c.value for c in Cadence]),
        CheckConstraint(
            "(cadence = 'monthly' AND cadence_month IS NULL)"
            " OR (cadence = 'quarterly' AND cadence_month BETWEEN 1 AND 3)"
            " OR (cadence = 'yearly' AND cadence_month BETWEEN 1 AND 12)",
            name="cadence_month_fits",
        ),
        CheckConstraint(
            f"estimate_minutes IS NULL OR estimate_minutes BETWEEN 1 AND {ESTIMATE_MAX_MINUTES}",
            name="estimate_in_range",
        ),
        Index("ix_checklist_items_client_position", "client_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = edit_version_column()
    __mapper_args__ = edit_versioned(version)
    # Empty: on every client's checklist (the base). Set: an addition for this client only.
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"))
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    instruction: Mapped[str] = mapped_column(Text, default="")
    estimate_minutes: Mapped[int | None] = mapped_column(Integer)
    billable: Mapped[bool] = mapped_column(Boolean, default=True)
    cadence: Mapped[str] = mapped_column(String(10), default=Cadence.MONTHLY.value)
    cadence_month: Mapped[int | None] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    client: Mapped[Client | None] = relationship()

    @property
    def cadence_enum(self) -> Cadence:
        return Cadence(self.cadence)

    @property
    def is_base(self) -> bool:
        return self.client_id is None


class ChecklistExclusion(db.Model):
    """A base item one client does without (a client with no UPS drops the UPS self-test)."""

    __tablename__ = "checklist_exclusions"

    client_id: Mapped[int] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True
    )
    item_id: Mapped[int] = mapped_column(
        ForeignKey("checklist_items.id", ondelete="CASCADE"), primary_key=True
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MaintenanceMonth(db.Model):
    """A month whose runs were opened; once closed, its runs are kept as they ended."""

    __tablename__ = "maintenance_months"
    __table_args__ = (
        CheckConstraint("closed_at IS NULL OR closed_at >= opened_at", "closes_after_open"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Always the first day of the month.
    month: Mapped[date] = mapped_column(Date, unique=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Empty when opened by the scheduled command.
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    opened_by: Mapped[User | None] = relationship(foreign_keys=[opened_by_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class ChecklistRun(db.Model):
    """One client's checklist for one month, worked by its owner by the due date."""

    __tablename__ = "checklist_runs"
    __table_args__ = (
        CheckConstraint("version >= 1", name="version_positive"),
        UniqueConstraint("month_id", "client_id"),
        Index("ix_checklist_runs_owner", "owner_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = edit_version_column()
    __mapper_args__ = edit_versioned(version)
    month_id: Mapped[int] = mapped_column(ForeignKey("maintenance_months.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    due_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    month: Mapped[MaintenanceMonth] = relationship()
    client: Mapped[Client] = relationship()
    owner: Mapped[User] = relationship()
    items: Mapped[list[ChecklistRunItem]] = relationship(
        back_populates="run", order_by="ChecklistRunItem.position", cascade="all, delete-orphan"
    )


class ChecklistRunItem(db.Model):
    """One check on a run, copied from its template item when the run was opened so that a
    later change to the template does not rewrite what was asked of a finished run."""

    __tablename__ = "checklist_run_items"
    __table_args__ = (
        CheckConstraint("version >= 1", name="version_positive"),
        one_of("outcome", [o.value for o in Outcome]),
        CheckConstraint(
            "(outcome IS NULL AND ticked_at IS NULL AND ticked_by_id IS NULL)"
            " OR (outcome IS NOT NULL AND ticked_at IS NOT NULL AND ticked_by_id IS NOT NULL)",
            name="ticked_with_who_and_when",
        ),
        CheckConstraint("sr_id IS NULL OR outcome = 'problem'", name="sr_only_for_problem"),
        UniqueConstraint("run_id", "item_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = edit_version_column()
    __mapper_args__ = edit_versioned(version)
    run_id: Mapped[int] = mapped_column(ForeignKey("checklist_runs.id", ondelete="CASCADE"))
    item_id: Mapped[int | None] = mapped_column(
        ForeignKey("checklist_items.id", ondelete="SET NULL")
    )
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    instruction: Mapped[str] = mapped_column(Text, default="")
    estimate_minutes: Mapped[int | None] = mapped_column(Integer)
    billable: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    outcome: Mapped[str | None] = mapped_column(String(20))
    # The evidence: "Veeam job 'Nightly' OK, 28 restore points".
    note: Mapped[str] = mapped_column(Text, default="")
    # The phone's moment of the tick, and who ticked it.
    ticked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ticked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The SR a Problem was raised as.
    sr_id: Mapped[int | None] = mapped_column(
        ForeignKey("service_requests.id", ondelete="SET NULL"), index=True
    )

    run: Mapped[ChecklistRun] = relationship(back_populates="items")
    template_item: Mapped[ChecklistItem | None] = relationship()
    ticked_by: Mapped[User | None] = relationship()
    service_request: Mapped[ServiceRequest | None] = relationship()

    @property
    def outcome_enum(self) -> Outcome | None:
        return Outcome(self.outcome) if self.outcome else None

    @property
    def is_ticked(self) -> bool:
        return self.outcome is not None


class ChecklistProposal(db.Model):
    """An item someone suggests adding from next month on, for one client or for all."""

    __tablename__ = "checklist_proposals"
    __table_args__ = (
        CheckConstraint("version >= 1", name="version_positive"),
        one_of("status", [s.value for s in ProposalStatus]),
        CheckConstraint(
            "(status = 'proposed') = (decided_at IS NULL)", name="decided_when_not_proposed"
        ),
        CheckConstraint(
            "cadence_month IS NULL OR cadence_month BETWEEN 1 AND 12", name="cadence_month_range"
        ),
        Index("ix_checklist_proposals_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = edit_version_column()
    __mapper_args__ = edit_versioned(version)
    # The run it was proposed from, if any.
    run_id: Mapped[int | None] = mapped_column(ForeignKey("checklist_runs.id", ondelete="SET NULL"))
    # Empty: for every client (the base list); set: for this client only.
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"))
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    instruction: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default=ProposalStatus.PROPOSED.value)
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The template item an accepted proposal became.
    item_id: Mapped[int | None] = mapped_column(ForeignKey("checklist_items.id"))
    # Kept for the proposal form's cadence choice.
    cadence: Mapped[str] = mapped_column(String(10), default=Cadence.MONTHLY.value)
    cadence_month: Mapped[int | None] = mapped_column(Integer)

    run: Mapped[ChecklistRun | None] = relationship()
    client: Mapped[Client | None] = relationship()
    proposed_by: Mapped[User] = relationship(foreign_keys=[proposed_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
