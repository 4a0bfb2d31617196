"""Who owns a run: the manager hands a month's run to another technician.

The change is made from the run as the manager saw it (its version), audited with before
and after, and refused once the month is closed: a closed month's runs are kept as they
ended.
"""

from __future__ import annotations

from mspboard import events
from mspboard.models import ChecklistRun, User, db
from mspboard.services import edits
from mspboard.services.errors import RuleViolation
from mspboard.services.maintenance.months import refuse_closed
from mspboard.services.staff import active_technician


def change_owner(
    actor: User, run: ChecklistRun, owner_id: int | None, *, expected_version: int | None
) -> dict[str, tuple[object, object]]:
    """Give the run to the active technician `owner_id`; returns what changed (nothing when
    the run already is theirs)."""
    refuse_closed(run.month)
    owner = active_technician(owner_id)
    if owner is None:
        raise RuleViolation("Pick an active technician to own this run.", "owner_id")
    edits.expect_version(run, expected_version)
    changed = edits.write_changes(
        actor, run, {"owner_id": owner.id}, "maintenance_run.owner_changed"
    )
    if changed:
        events.announce(db.session, events.MAINTENANCE)
    db.session.flush()
    return changed
