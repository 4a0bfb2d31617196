"""All models, importable from one place (Alembic reads the metadata from here)."""

from mspboard.models.agenda import AgendaItem
from mspboard.models.audit import AuditEvent
from mspboard.models.base import Base, UTCDateTime, db, utcnow
from mspboard.models.billing import CalendarFeed, InvoiceLine, InvoiceStatus, ProposedInvoice
from mspboard.models.checkins import CheckIn, CheckInIssue
from mspboard.models.clients import Client, ClientContact
from mspboard.models.duties import Duty, DutyCadence, DutyListReview, DutyRole, DutyTick
from mspboard.models.goals import (
    DECIDED_GOAL_STATUSES,
    Certification,
    Goal,
    GoalKind,
    GoalNote,
    GoalPeriod,
    GoalStatus,
)
from mspboard.models.idempotency import IdempotencyKey
from mspboard.models.maintenance import (
    Cadence,
    ChecklistExclusion,
    ChecklistItem,
    ChecklistProposal,
    ChecklistRun,
    ChecklistRunItem,
    MaintenanceMonth,
    Outcome,
    ProposalStatus,
)
from mspboard.models.meetings import Meeting, MeetingStatus
from mspboard.models.people import MANAGERS, Role, TechLevel, User
from mspboard.models.reviews import QuarterlyReview
from mspboard.models.schedule import ScheduleItem
from mspboard.models.service_requests import (
    Priority,
    ServiceRequest,
    SRActivity,
    SRNote,
    SRNoteKind,
    SRStatus,
    format_sr_number,
    parse_sr_number,
)
from mspboard.models.settings import ShopSettings
from mspboard.models.shop_data import IMPORT_KINDS, BackupRecord, ImportMapping, SetPasswordLink
from mspboard.models.sign_ins import EndReason, SignIn
from mspboard.models.time_off import TimeOffKind, TimeOffRequest, TimeOffStatus
from mspboard.models.time_tracking import TimeCard, TimeCardStatus, TimeEntry
from mspboard.models.training import TrainingEvent, TrainingKind
from mspboard.models.tv_links import TvLink
from mspboard.models.two_factor import RecoveryCode, TwoFactor
from mspboard.models.year_summaries import YearSummary

__all__ = [
    "DECIDED_GOAL_STATUSES",
    "IMPORT_KINDS",
    "MANAGERS",
    "AgendaItem",
    "AuditEvent",
    "BackupRecord",
    "Base",
    "Cadence",
    "CalendarFeed",
    "Certification",
    "CheckIn",
    "CheckInIssue",
    "ChecklistExclusion",
    "ChecklistItem",
    "ChecklistProposal",
    "ChecklistRun",
    "ChecklistRunItem",
    "Client",
    "ClientContact",
    "Duty",
    "DutyCadence",
    "DutyListReview",
    "DutyRole",
    "DutyTick",
    "EndReason",
    "Goal",
    "GoalKind",
    "GoalNote",
    "GoalPeriod",
    "GoalStatus",
    "IdempotencyKey",
    "ImportMapping",
    "InvoiceLine",
    "InvoiceStatus",
    "MaintenanceMonth",
    "Meeting",
    "MeetingStatus",
    "Outcome",
    "Priority",
    "ProposalStatus",
    "ProposedInvoice",
    "QuarterlyReview",
    "RecoveryCode",
    "Role",
    "SRActivity",
    "SRNote",
    "SRNoteKind",
    "SRStatus",
    "ScheduleItem",
    "ServiceRequest",
    "SetPasswordLink",
    "ShopSettings",
    "SignIn",
    "TechLevel",
    "TimeCard",
    "TimeCardStatus",
    "TimeEntry",
    "TimeOffKind",
    "TimeOffRequest",
    "TimeOffStatus",
    "TrainingEvent",
    "TrainingKind",
    "TvLink",
    "TwoFactor",
    "UTCDateTime",
    "User",
    "YearSummary",
    "db",
    "format_sr_number",
    "parse_sr_number",
    "utcnow",
]
