"""The checklist templates: the shop's base list, each client's additions and the base items
it drops, who owns each client's runs; and the system-wide change.

An item is never deleted: retiring it keeps it, so past runs and reports still name what was
checked. Every change to the templates shows in the months opened after it. A change that
would also alter the open runs of this month (or of next month, opened early) is described
first (`open_runs_affected`), so the manager can choose: apply it to those runs too, or
leave them as they are (`apply`, `apply_now`). Applying touches only run items nobody has
ticked: a ticked item records what was asked and answered and stays as it was, even one
ticked a moment before the change lands (the statements that change run items say so).
A closed month, and a month that has ended, are never changed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import joinedload

from mspboard import events, inputs
from mspboard.models import (
    Cadence,
    ChecklistExclusion,
    ChecklistItem,
    ChecklistRun,
    ChecklistRunItem,
    Client,
    MaintenanceMonth,
    User,
    db,
    utcnow,
)
from mspboard.models.maintenance import ESTIMATE_MAX_MINUTES, INSTRUCTION_MAX, TITLE_MAX
from mspboard.services.audit import record_event, snapshot
from mspboard.services.edits import expect_version, in_words, write_changes
from mspboard.services.errors import RuleViolation
from mspboard.services.maintenance.months import (
    is_due,
    month_label,
    run_item_values,
    this_month,
)
from mspboard.services.staff import active_technician, active_technicians

ITEM_FIELDS = [
    "client_id",
    "title",
    "instruction",
    "estimate_minutes",
    "billable",
    "cadence",
    "cadence_month",
    "position",
]
# What a run's copy of an item holds of it (the cadence only decides whether it is there).
COPIED = ("title", "instruction", "estimate_minutes", "billable")
MONTH_NAMES = [date(2000, number, 1).strftime("%B") for number in range(1, 13)]
ORDINALS = {1: "1st", 2: "2nd", 3: "3rd"}
# How many client names a summary spells out before it counts the rest.
NAMED_CLIENTS = 12


def cadence_words(cadence: str, cadence_month: int | None) -> str:
    """ "Monthly", "Quarterly, 2nd month", "Yearly, in March"."""
    if cadence == Cadence.QUARTERLY and cadence_month in ORDINALS:
        return f"Quarterly, {ORDINALS[cadence_month]} month"
    if cadence == Cadence.YEARLY and cadence_month and 1 <= cadence_month <= 12:
        return f"Yearly, in {MONTH_NAMES[cadence_month - 1]}"
    return "Monthly"


# ---- the values of an item -----------------------------------------------------------------


@dataclass(frozen=True)
class ItemValues:
    """What a person sets on a template item."""

    title: str
    instruction: str = ""
    estimate_minutes: int | None = None
    billable: bool = True
    cadence: str = Cadence.MONTHLY.value
    cadence_month: int | None = None

    def copied(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in COPIED}


def check_values(values: ItemValues) -> ItemValues:
    """The values trimmed and bounded, or a RuleViolation next to the field at fault."""
    title = inputs.text(values.title, "title", TITLE_MAX, multi_line=False)
    if not title:
        raise RuleViolation("Enter a title.", "title")
    instruction = inputs.text(values.instruction, "instruction", INSTRUCTION_MAX)
    estimate = values.estimate_minutes
    if estimate is not None and not 1 <= estimate <= ESTIMATE_MAX_MINUTES:
        raise RuleViolation(
            f"An estimate is 1 to {ESTIMATE_MAX_MINUTES} minutes; leave it empty for none.",
            "estimate_minutes",
        )
    if values.cadence not in {cadence.value for cadence in Cadence}:
        raise RuleViolation("Pick monthly, quarterly or yearly.", "cadence")
    month = values.cadence_month
    if values.cadence == Cadence.MONTHLY and month is not None:
        raise RuleViolation("A monthly item has no month; leave it empty.", "cadence_month")
    if values.cadence == Cadence.QUARTERLY and month not in (1, 2, 3):
        raise RuleViolation("Month of the quarter must be 1, 2 or 3.", "cadence_month")
    if values.cadence == Cadence.YEARLY and (month is None or not 1 <= month <= 12):
        raise RuleViolation("Month of the year must be 1 to 12.", "cadence_month")
    return replace(values, title=title, instruction=instruction, billable=bool(values.billable))


def values_of(item: ChecklistItem) -> ItemValues:
    return ItemValues(
        item.title,
        item.instruction,
        item.estimate_minutes,
        item.billable,
        item.cadence,
        item.cadence_month,
    )


# ---- a change and the open runs it touches --------------------------------------------------


class ChangeKind(StrEnum):
    ADD = "add"
    EDIT = "edit"
    RETIRE = "retire"
    DROP = "drop"
    RESTORE = "restore"


@dataclass(frozen=True)
class Change:
    """One change to the templates, described before it is made. `client` is whose
    addition a new item is (None: the base), or the client that drops or restores a base
    item; `expected_version` is the item's version the form showed (edit, retire)."""

    kind: ChangeKind
    item: ChecklistItem | None = None
    client: Client | None = None
    values: ItemValues | None = None
    expected_version: int | None = None

    @classmethod
    def add(cls, values: ItemValues, client: Client | None = None) -> Change:
        return cls(ChangeKind.ADD, client=client, values=values)

    @classmethod
    def edit(cls, item: ChecklistItem, values: ItemValues, expected_version: int | None) -> Change:
        return cls(ChangeKind.EDIT, item=item, values=values, expected_version=expected_version)

    @classmethod
    def retire(cls, item: ChecklistItem, expected_version: int | None) -> Change:
        return cls(ChangeKind.RETIRE, item=item, expected_version=expected_version)

    @classmethod
    def drop(cls, client: Client, item: ChecklistItem) -> Change:
        return cls(ChangeKind.DROP, item=item, client=client)

    @classmethod
    def restore(cls, client: Client, item: ChecklistItem) -> Change:
        return cls(ChangeKind.RESTORE, item=item, client=client)


@dataclass(frozen=True)
class _Target:
    """Where an item will be, and as what, once the change is made."""

    item_id: int | None
    owner_client_id: int | None  # the client whose addition it is; None: a base item
    values: ItemValues | None  # None: on no checklist (retired)
    excluded: frozenset[int]  # clients that drop it
    only_client_id: int | None  # the one client whose runs it reaches; None: every client's

    def wanted(self, client_id: int, month: date) -> ItemValues | None:
        """The item as a run of this client in this month should hold it, or None."""
        values = self.values
        if values is None or client_id in self.excluded:
            return None
        if self.owner_client_id is not None and self.owner_client_id != client_id:
            return None
        return values if is_due(values.cadence, values.cadence_month, month) else None


class RunAction(StrEnum):
    ADD = "add"
    UPDATE = "update"
    REMOVE = "remove"


@dataclass
class RunChange:
    run: ChecklistRun
    action: RunAction
    copy: ChecklistRunItem | None  # the run's copy of the item (none yet when adding)


@dataclass
class Affected:
    """The open runs a change alters (by client name), and how many it leaves as they are
    because their copy of the item is already ticked."""

    changes: list[RunChange] = field(default_factory=list)
    kept: int = 0

    def __bool__(self) -> bool:
        return bool(self.changes)

    @property
    def months(self) -> list[MaintenanceMonth]:
        found = {change.run.month.id: change.run.month for change in self.changes}
        return sorted(found.values(), key=lambda record: record.month)

    @property
    def client_names(self) -> list[str]:
        return list(dict.fromkeys(change.run.client.name for change in self.changes))

    @property
    def summary(self) -> str:
        """ "This changes the open December 2026 runs of 3 clients: Acme, Bolt and Cobalt." """
        months = in_words([month_label(record.month) for record in self.months])
        names = self.client_names
        shown = names[:NAMED_CLIENTS]
        if len(names) > NAMED_CLIENTS:
            shown.append(f"{len(names) - NAMED_CLIENTS} more")
        count = f"{len(names)} client{'s' if len(names) != 1 else ''}"
        return f"This changes the open {months} runs of {count}: {in_words(shown)}."

    def count(self, action: RunAction) -> int:
        return sum(1 for change in self.changes if change.action == action)


def open_months(now: datetime | None = None) -> list[MaintenanceMonth]:
    """The months whose runs a change can still reach: opened, not closed, not ended."""
    return list(
        db.session.scalars(
            select(MaintenanceMonth)
            .where(MaintenanceMonth.closed_at.is_(None), MaintenanceMonth.month >= this_month(now))
            .order_by(MaintenanceMonth.month)
        )
    )


def _excluding(item: ChecklistItem) -> set[int]:
    return set(
        db.session.scalars(
            select(ChecklistExclusion.client_id).where(ChecklistExclusion.item_id == item.id)
        )
    )


def refuse_inactive(client: Client | None) -> None:
    """A deactivated client gets no runs, and its checklist stays as it was."""
    if client is not None and not client.active:
        raise RuleViolation(f"{client.name} is deactivated; its checklist cannot change.")


def _live(item: ChecklistItem) -> None:
    if item.retired_at is not None:
        raise RuleViolation(f"“{item.title}” is retired; it can no longer change.")


def _target(change: Change) -> _Target:
    """Check the change against the rules (raising RuleViolation or EditConflict) and say
    where its item will be once it is made. Writes nothing."""
    kind, item, client = change.kind, change.item, change.client
    if kind == ChangeKind.ADD:
        refuse_inactive(client)
        values = check_values(change.values)  # type: ignore[arg-type]
        client_id = client.id if client else None
        return _Target(None, client_id, values, frozenset(), client_id)
    assert item is not None
    _live(item)
    if kind in (ChangeKind.EDIT, ChangeKind.RETIRE):
        refuse_inactive(item.client)
        expect_version(item, change.expected_version)
        values = check_values(change.values) if kind == ChangeKind.EDIT else None  # type: ignore[arg-type]
        excluded = frozenset(_excluding(item)) if item.is_base else frozenset()
        return _Target(item.id, item.client_id, values, excluded, item.client_id)
    assert client is not None
    refuse_inactive(client)
    if not item.is_base:
        raise RuleViolation("Only an item of the base checklist can be dropped or restored.")
    excluded = _excluding(item)
    if kind == ChangeKind.DROP:
        if client.id in excluded:
            raise RuleViolation(f"“{item.title}” is already off {client.name}'s checklist.")
        excluded.add(client.id)
    else:
        if client.id not in excluded:
            raise RuleViolation(f"“{item.title}” is already on {client.name}'s checklist.")
        excluded.discard(client.id)
    return _Target(item.id, None, values_of(item), frozenset(excluded), client.id)


def _differs(copy: ChecklistRunItem, values: ItemValues) -> bool:
    return any(getattr(copy, name) != value for name, value in values.copied().items())


def _plan(target: _Target, now: datetime | None) -> Affected:
    """What the target means for each open run it reaches: three queries, whatever the
    number of runs."""
    month_ids = [record.id for record in open_months(now)]
    if not month_ids:
        return Affected()
    query = (
        select(ChecklistRun)
        .join(Client, ChecklistRun.client_id == Client.id)
        .where(ChecklistRun.month_id.in_(month_ids), Client.active)
        .options(joinedload(ChecklistRun.client), joinedload(ChecklistRun.month))
        .order_by(Client.name, ChecklistRun.month_id)
    )
    if target.only_client_id is not None:
        query = query.where(ChecklistRun.client_id == target.only_client_id)
    runs = list(db.session.scalars(query))
    copies: dict[int, ChecklistRunItem] = {}
    if target.item_id is not None and runs:
        copies = {
            copy.run_id: copy
            for copy in db.session.scalars(
                select(ChecklistRunItem).where(
                    ChecklistRunItem.item_id == target.item_id,
                    ChecklistRunItem.run_id.in_([run.id for run in runs]),
                )
            )
        }
    affected = Affected()
    for run in runs:
        wanted = target.wanted(run.client_id, run.month.month)
        copy = copies.get(run.id)
        if copy is None:
            action = RunAction.ADD if wanted is not None else None
        elif wanted is None:
            action = RunAction.REMOVE
        else:
            action = RunAction.UPDATE if _differs(copy, wanted) else None
        if action is None:
            continue
        if copy is not None and copy.is_ticked:
            affected.kept += 1
            continue
        affected.changes.append(RunChange(run, action, copy))
    return affected


def open_runs_affected(change: Change, now: datetime | None = None) -> Affected:
    """The open runs the change would alter if applied to them too, by client name. Checks
    the change as `apply` would (RuleViolation, EditConflict); writes nothing."""
    return _plan(_target(change), now)


# ---- making a change ------------------------------------------------------------------------


@dataclass
class Applied:
    change: Change
    item: ChecklistItem
    affected: Affected  # what it did to open runs (nothing unless applied to them)
    apply_now: bool

    @property
    def message(self) -> str:
        title, client = self.item.title, self.change.client
        done = {
            ChangeKind.ADD: f"Added “{title}”",
            ChangeKind.EDIT: f"Saved “{title}”",
            ChangeKind.RETIRE: f"Retired “{title}”",
            ChangeKind.DROP: f"Dropped “{title}” from {client and client.name}'s checklist",
            ChangeKind.RESTORE: f"Put “{title}” back on {client and client.name}'s checklist",
        }[self.change.kind]
        if self.affected:
            months = in_words([month_label(record.month) for record in self.affected.months])
            count = len(self.affected.client_names)
            runs = f"{count} client{'s' if count != 1 else ''}"
            return f"{done}, and changed the open {months} runs of {runs} with it."
        if self.apply_now:
            return f"{done}. No open run needed changing."
        return f"{done}. Runs already open stay as they are; it shows from the next month opened."


def _next_position(client_id: int | None) -> int:
    highest = db.session.scalar(
        select(func.max(ChecklistItem.position)).where(
            ChecklistItem.client_id.is_(None)
            if client_id is None
            else ChecklistItem.client_id == client_id
        )
    )
    return 0 if highest is None else highest + 1


def _change_template(actor: User, change: Change, target: _Target, now: datetime) -> ChecklistItem:
    kind, item, client = change.kind, change.item, change.client
    if kind == ChangeKind.ADD:
        values = target.values
        assert values is not None
        item = ChecklistItem(
            client_id=target.owner_client_id,
            position=_next_position(target.owner_client_id),
            created_by_id=actor.id,
            created_at=now,
            **asdict(values),
        )
        db.session.add(item)
        db.session.flush()
        record_event(actor, "checklist_item.created", item, None, snapshot(item, ITEM_FIELDS))
        return item
    assert item is not None
    if kind == ChangeKind.EDIT:
        write_changes(actor, item, asdict(target.values), "checklist_item.updated")  # type: ignore[arg-type]
    elif kind == ChangeKind.RETIRE:
        write_changes(actor, item, {"retired_at": now}, "checklist_item.retired")
    else:
        assert client is not None
        if kind == ChangeKind.DROP:
            db.session.add(
                ChecklistExclusion(
                    client_id=client.id, item_id=item.id, created_by_id=actor.id, created_at=now
                )
            )
        else:
            db.session.execute(
                delete(ChecklistExclusion).where(
                    ChecklistExclusion.client_id == client.id,
                    ChecklistExclusion.item_id == item.id,
                )
            )
        verb = "dropped" if kind == ChangeKind.DROP else "restored"
        record_event(
            actor,
            f"client.checklist_item_{verb}",
            client,
            None,
            {"item_id": item.id, "title": item.title},
        )
    return item


def _carry_out(affected: Affected, item: ChecklistItem, values: ItemValues | None) -> set[int]:
    """Change the untouched copies; the ids of the runs that changed. Every statement
    leaves a copy ticked meanwhile alone, and moves the version of what it changes on."""
    by_action: dict[RunAction, list[RunChange]] = defaultdict(list)
    for change in affected.changes:
        by_action[change.action].append(change)
    changed_runs: set[int] = set()
    untouched = ChecklistRunItem.outcome.is_(None)
    updates = [change.copy.id for change in by_action[RunAction.UPDATE] if change.copy]
    if updates and values is not None:
        changed_runs.update(
            db.session.execute(
                update(ChecklistRunItem)
                .where(ChecklistRunItem.id.in_(updates), untouched)
                .values(**values.copied(), version=ChecklistRunItem.version + 1)
                .returning(ChecklistRunItem.run_id),
                execution_options={"synchronize_session": False},
            ).scalars()
        )
    removals = [change.copy.id for change in by_action[RunAction.REMOVE] if change.copy]
    if removals:
        changed_runs.update(
            db.session.execute(
                delete(ChecklistRunItem)
                .where(ChecklistRunItem.id.in_(removals), untouched)
                .returning(ChecklistRunItem.run_id),
                execution_options={"synchronize_session": False},
            ).scalars()
        )
    additions = [change.run.id for change in by_action[RunAction.ADD]]
    if additions:
        last = dict(
            db.session.execute(
                select(ChecklistRunItem.run_id, func.max(ChecklistRunItem.position))
                .where(ChecklistRunItem.run_id.in_(additions))
                .group_by(ChecklistRunItem.run_id)
            ).all()
        )
        db.session.execute(
            insert(ChecklistRunItem),
            [run_item_values(run_id, item, last.get(run_id, -1) + 1) for run_id in additions],
        )
        changed_runs.update(additions)
    if changed_runs:
        db.session.execute(
            update(ChecklistRun)
            .where(ChecklistRun.id.in_(changed_runs))
            .values(version=ChecklistRun.version + 1),
            execution_options={"synchronize_session": False},
        )
    for change in affected.changes:
        db.session.expire(change.run, ["version", "items"])
        if change.copy is not None:
            db.session.expire(change.copy)
    return changed_runs


def apply(actor: User, change: Change, apply_now: bool, now: datetime | None = None) -> Applied:
    """Make the change to the templates. With `apply_now`, also make it to the open runs
    that have not ticked the item (adding a new item at the end of each run); without, every
    existing run stays as it is and the change shows from the next month opened."""
    now = now or utcnow()
    target = _target(change)
    item = _change_template(actor, change, target, now)
    db.session.flush()
    affected = Affected()
    if apply_now:
        affected = _plan(replace(target, item_id=item.id), now)
        changed = _carry_out(affected, item, target.values)
        affected.changes = [c for c in affected.changes if c.run.id in changed]
        if changed:
            record_event(
                actor,
                "checklist_item.applied_to_open_runs",
                item,
                None,
                {
                    "runs": sorted(changed),
                    **{action.value: affected.count(action) for action in RunAction},
                },
            )
    events.announce(db.session, events.MAINTENANCE)
    return Applied(change, item, affected, apply_now)


def make_change(
    actor: User, change: Change, apply_now: bool | None, now: datetime | None = None
) -> Applied | Affected:
    """A manager's change, as the pages make it. Before the manager has chosen (`apply_now`
    None), a change that would alter open runs is not made: the runs it would alter come
    back, for the manager to choose between them too and from next month only. A change
    that alters no open run is made at once."""
    if apply_now is None:
        affected = open_runs_affected(change, now)
        if affected:
            return affected
    return apply(actor, change, bool(apply_now), now)


# ---- order, and who owns a client's runs ----------------------------------------------------


def _list_of(item: ChecklistItem) -> list[ChecklistItem]:
    """The live items of the list the item is on (the base, or its client's additions)."""
    same_list = (
        ChecklistItem.client_id.is_(None)
        if item.client_id is None
        else ChecklistItem.client_id == item.client_id
    )
    return list(
        db.session.scalars(
            select(ChecklistItem)
            .where(same_list, ChecklistItem.retired_at.is_(None))
            .order_by(ChecklistItem.position, ChecklistItem.id)
        )
    )


def move(actor: User, item: ChecklistItem, up: bool, expected_version: int | None) -> bool:
    """Move the item one place up or down its list; False when it is already at that end.
    The order shows in the runs of the months opened after it."""
    _live(item)
    refuse_inactive(item.client)
    expect_version(item, expected_version)
    items = _list_of(item)
    index = items.index(item)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(items):
        return False
    items[index], items[other] = items[other], items[index]
    for position, each in enumerate(items):
        write_changes(actor, each, {"position": position}, "checklist_item.moved")
    events.announce(db.session, events.MAINTENANCE)
    return True


def set_owner(
    actor: User, client: Client, owner_id: int | None, expected_version: int | None
) -> dict[str, tuple[object, object]]:
    """Name the technician who owns the client's runs from the next month opened (None: last
    month's owner, else the least loaded). Returns what changed."""
    refuse_inactive(client)
    if owner_id is not None and active_technician(owner_id) is None:
        raise RuleViolation("Pick an active technician.", "owner_id")
    expect_version(client, expected_version)
    changed = write_changes(
        actor, client, {"maintenance_owner_id": owner_id}, "client.maintenance_owner_changed"
    )
    if changed:
        events.announce(db.session, events.MAINTENANCE)
    return changed


# ---- what the pages show --------------------------------------------------------------------


@dataclass
class ClientSummary:
    client: Client
    owner_name: str | None
    additions: int
    dropped: int


@dataclass
class BaseChecklist:
    items: list[ChecklistItem]
    retired: list[ChecklistItem]
    clients: list[ClientSummary]


def base_checklist() -> BaseChecklist:
    """The base list, its retired items, and every client with its additions and drops:
    three queries, whatever the number of items and clients."""
    items = db.session.scalars(
        select(ChecklistItem)
        .where(ChecklistItem.client_id.is_(None))
        .order_by(ChecklistItem.position, ChecklistItem.id)
    ).all()
    additions = (
        select(func.count())
        .where(ChecklistItem.client_id == Client.id, ChecklistItem.retired_at.is_(None))
        .correlate(Client)
        .scalar_subquery()
    )
    dropped = (
        select(func.count())
        .select_from(ChecklistExclusion)
        .join(ChecklistItem, ChecklistExclusion.item_id == ChecklistItem.id)
        .where(ChecklistExclusion.client_id == Client.id, ChecklistItem.retired_at.is_(None))
        .correlate(Client)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(Client, User.name, additions, dropped)
        .outerjoin(User, User.id == Client.maintenance_owner_id)
        .order_by(Client.active.desc(), Client.name)
    )
    return BaseChecklist(
        [item for item in items if item.retired_at is None],
        [item for item in items if item.retired_at is not None],
        [ClientSummary(client, owner, added, dropped) for client, owner, added, dropped in rows],
    )


@dataclass
class ClientChecklist:
    """A client's checklist as its next runs will have it: the base items (those it drops
    marked), then its own additions."""

    client: Client
    base: list[ChecklistItem]
    dropped: set[int]
    additions: list[ChecklistItem]
    retired: list[ChecklistItem]
    technicians: list[User]

    @property
    def kept_base(self) -> list[ChecklistItem]:
        return [item for item in self.base if item.id not in self.dropped]


def client_checklist(client: Client) -> ClientChecklist:
    items = db.session.scalars(
        select(ChecklistItem)
        .where((ChecklistItem.client_id.is_(None)) | (ChecklistItem.client_id == client.id))
        .order_by(ChecklistItem.position, ChecklistItem.id)
    ).all()
    dropped = set(
        db.session.scalars(
            select(ChecklistExclusion.item_id).where(ChecklistExclusion.client_id == client.id)
        )
    )
    live = [item for item in items if item.retired_at is None]
    return ClientChecklist(
        client,
        [item for item in live if item.client_id is None],
        dropped,
        [item for item in live if item.client_id is not None],
        [item for item in items if item.retired_at is not None and item.client_id is not None],
        active_technicians(),
    )
