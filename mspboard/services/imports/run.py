"""The dry run and the real run: one code path.

`make_plan` reads the sheet with a mapping and says, row by row, what would happen; it
writes nothing. `run_import` makes the same plan and applies it: every create and update in
the caller's one transaction, flushed in batches, then one AuditEvent "import.<kind>" with
the counts, attributed to the admin. Any refusal at apply time (a row refused, or the
database refusing a batch) raises RuleViolation: the caller rolls back and nothing of the
sheet is kept. It never commits.

Refused rows: the run goes ahead only when the dry run refused nothing, or when the admin
asked to import the others and skip the refused ones (and the sheet still refuses exactly
the rows the dry run showed).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy.exc import IntegrityError

from mspboard import events
from mspboard.models import User, db
from mspboard.services.audit import record_about
from mspboard.services.errors import RuleViolation
from mspboard.services.imports import mapping
from mspboard.services.imports.kinds import (
    ACTIONS,
    CREATE,
    PLANNERS,
    REFUSED,
    UPDATE,
    Outcome,
    Planner,
    Refused,
)
from mspboard.services.imports.sheets import Sheet

BATCH = 500
LISTED_MAX = 500


@dataclass
class Plan:
    kind: str
    outcomes: list[Outcome]
    planner: Planner
    counts: Counter = field(default_factory=Counter)

    @property
    def refused(self) -> int:
        return self.counts[REFUSED]

    @property
    def to_write(self) -> int:
        return self.counts[CREATE] + self.counts[UPDATE]

    def listed(self, limit: int = LISTED_MAX) -> list[Outcome]:
        """Refused rows first, then the rest, each in sheet order; at most `limit`."""
        return sorted(self.outcomes, key=lambda o: (o.action != REFUSED, o.row))[:limit]

    @property
    def summary(self) -> dict[str, int]:
        return {action: self.counts[action] for action in ACTIONS}


@dataclass
class Result:
    plan: Plan
    # (person, token) for each person the import invited.
    links: list[tuple[User, str]] = field(default_factory=list)


def make_plan(
    actor: User, kind: str, sheet: Sheet, columns: dict[str, str | None], value_maps: dict
) -> Plan:
    """What importing the sheet would do, row by row (RuleViolation for a mapping that
    leaves a required field without a column). Reads only."""
    mapping.checked_columns(kind, columns, sheet.headers)
    planner = PLANNERS[kind](actor, sheet, columns, value_maps)
    outcomes = []
    for number, cells in sheet.rows:
        try:
            outcome = planner.plan(number, cells)
        except Refused as refused:
            outcome = Outcome(number, REFUSED, refused.reason, key=_key(sheet, columns, cells))
        outcomes.append(outcome)
    return Plan(kind, outcomes, planner, Counter(o.action for o in outcomes))


def _key(sheet: Sheet, columns: dict[str, str | None], cells: list[str]) -> str:
    """What a refused row shows to be recognised: its first mapped non-blank value."""
    for header in columns.values():
        index = sheet.column(header)
        if index is not None and cells[index].strip():
            return cells[index].strip()[:80]
    return ""


def run_import(
    actor: User,
    kind: str,
    sheet: Sheet,
    columns: dict[str, str | None],
    value_maps: dict,
    *,
    skip_refused: bool = False,
    refused_seen: int | None = None,
) -> Result:
    """Apply the plan in the caller's transaction; RuleViolation (roll back) on any refusal."""
    plan = make_plan(actor, kind, sheet, columns, value_maps)
    if plan.refused and not skip_refused:
        raise RuleViolation(
            f"{plan.refused:,} {'row is' if plan.refused == 1 else 'rows are'} refused; fix them "
            "in the sheet, or import the others "
            "and skip the refused ones. Nothing was imported."
        )
    if skip_refused and refused_seen is not None and plan.refused != refused_seen:
        raise RuleViolation(
            "The rows refused are not the ones the dry run showed; run the dry run again. "
            "Nothing was imported."
        )
    planner = plan.planner
    pending: list[Outcome] = []
    for outcome in plan.outcomes:
        if outcome.action not in (CREATE, UPDATE):
            continue
        try:
            planner.apply(outcome)
        except Refused as refused:
            raise RuleViolation(
                f"Row {outcome.row}: {refused.reason} Nothing was imported."
            ) from None
        pending.append(outcome)
        if len(pending) >= BATCH:
            _flush(pending)
            pending = []
    _flush(pending)
    planner.finish()
    record_about(actor, f"import.{kind}", "imports", None, None, plan.summary)
    if kind == "service_requests" and plan.to_write:
        events.announce(db.session, events.BOARD)
    db.session.flush()
    return Result(plan, getattr(planner, "links", []))


def _flush(outcomes: list[Outcome]) -> None:
    if not outcomes:
        return
    try:
        db.session.flush()
    except IntegrityError:
        rows = f"{outcomes[0].row} to {outcomes[-1].row}"
        raise RuleViolation(
            f"The database refused one of rows {rows} (someone may have added the same record "
            "meanwhile); run the dry run again. Nothing was imported."
        ) from None
