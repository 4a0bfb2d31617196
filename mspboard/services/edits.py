"""Edits made at the desk never silently undo someone else's.

Every row a person edits carries a version (`models.base.edit_versioned`). A form shows the
version it was filled from and sends it back; `expect_version` refuses a save from an older
form with `EditConflict`, which says who changed what since, so the page can show their
change beside yours. `write_changes` writes only the attributes that really change, moves
the version on and audits each change with its before and after; a save that changes
nothing writes nothing and logs nothing. The caller flushes: the UPDATE checks the version
it read, so a save racing this one cannot land as well (StaleDataError, answered as 409).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, inspect, or_, select

from mspboard.models import AuditEvent, User, db
from mspboard.services.audit import jsonable, record_event
from mspboard.services.local_time import wall_label
from mspboard.services.money import shown
from mspboard.services.shop_settings import current_settings
from mspboard.workweek import describe as describe_days

# How a stored value reads in a sentence, where the attribute name alone says too little.
_READABLE: dict[str, Any] = {
    "priority": lambda value: f"P{value}",
    "workdays": describe_days,
    "status": lambda value: str(value).replace("_", " ").capitalize(),
}
QUOTE_MAX = 60
# Bookkeeping a person does not edit and need not read about in a conflict.
_NOT_TOLD = {"version", "acknowledged_version", "acknowledged_at", "acknowledged_snapshot"}


def version_key(record: object) -> str:
    """The name of the record's edit-version attribute."""
    column = inspect(type(record)).version_id_col
    return inspect(type(record)).get_property_by_column(column).key


def version_of(record: object) -> int:
    return getattr(record, version_key(record))


@dataclass(frozen=True)
class TheirChange:
    """One save someone else made: who, when, and the attributes it set (name -> after)."""

    who: str
    at: datetime
    values: dict[str, Any] = field(default_factory=dict)


class EditConflict(Exception):
    """The form was filled from an older version of the record than the one stored."""

    def __init__(self, record: object, changes: list[TheirChange]) -> None:
        self.record = record
        self.changes = changes
        self.version = version_of(record)
        super().__init__(self.message)

    @property
    def message(self) -> str:
        if not self.changes:
            return "Someone else saved this while you had it open."
        return " ".join(
            f"{change.who} changed {_listed(change.values, self.record)} at {_when(change.at)}."
            if change.values
            else f"{change.who} saved a change at {_when(change.at)}."
            for change in self.changes
        )


def expect_version(record: object, expected: int | None) -> None:
    """Refuse a save from a form filled from another version than the stored one."""
    if expected != version_of(record):
        raise conflict_since(record, expected)


def conflict_since(record: object, version: int | None) -> EditConflict:
    """The conflict of a form filled from `version` (None: a form that did not say)."""
    return EditConflict(record, changes_since(record, version or 0))


def changes_since(
    record: object, version: int, parts: Iterable[object] = (), tag: str = ""
) -> list[TheirChange]:
    """The audited edits that moved the record past `version`, oldest first, in one query.
    `parts` are records that belong to it (an invoice's lines) whose edits carry the
    record's version under `tag` (see write_changes)."""
    table = type(record).__tablename__  # type: ignore[attr-defined]
    conditions = [and_(AuditEvent.entity_type == table, AuditEvent.entity_id == record.id)]  # type: ignore[attr-defined]
    part_ids: dict[str, list[int]] = defaultdict(list)
    for part in parts:
        part_ids[type(part).__tablename__].append(part.id)  # type: ignore[attr-defined]
    for part_table, ids in part_ids.items():
        conditions.append(and_(AuditEvent.entity_type == part_table, AuditEvent.entity_id.in_(ids)))
    events = db.session.scalars(
        select(AuditEvent).where(or_(*conditions)).order_by(AuditEvent.at, AuditEvent.id)
    )
    own_key = version_key(record)
    changes = []
    for event in events:
        key = own_key if event.entity_type == table else tag
        after = event.after or {}
        if not isinstance(after.get(key), int) or after[key] <= version:
            continue
        who = event.actor.name if event.actor else "Someone"
        values = {k: v for k, v in after.items() if k not in {key, own_key, *_NOT_TOLD}}
        changes.append(TheirChange(who, event.at, values))
    return changes


def changed_values(record: object, values: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """The attributes whose wanted value differs from the stored one: name -> (before, after)."""
    return {
        name: (getattr(record, name), value)
        for name, value in values.items()
        if getattr(record, name) != value
    }


def write_changes(
    actor: User | None,
    record: object,
    values: Mapping[str, Any],
    action: str,
    tag: Mapping[str, Any] | None = None,
) -> dict[str, tuple[Any, Any]]:
    """Set the attributes that change, move the version on and audit before and after
    (`tag` is added to the after, e.g. the version of the invoice a line belongs to).
    Returns what changed (name -> (before, after)); nothing at all when nothing changes."""
    changed = changed_values(record, values)
    if not changed:
        return {}
    key = version_key(record)
    was = getattr(record, key)
    for name, (_before, after) in changed.items():
        setattr(record, name, after)
    setattr(record, key, was + 1)
    record_event(
        actor,
        action,
        record,
        {**{name: jsonable(before) for name, (before, _) in changed.items()}, key: was},
        {
            **{name: jsonable(after) for name, (_, after) in changed.items()},
            key: was + 1,
            **(tag or {}),
        },
    )
    return changed


def bump_version(record: object) -> None:
    """For an edit that does not go through `write_changes` (a decision with its own audit)."""
    key = version_key(record)
    setattr(record, key, getattr(record, key) + 1)


# ---- how a change reads ------------------------------------------------------------------


def readable(record: object, name: str, value: Any) -> str:
    """A stored (or audited) value as a person reads it: names for ids, money for cents."""
    if name in _READABLE and value is not None:
        return _READABLE[name](value)
    if value is None or value == "":
        return "nothing"
    if isinstance(value, bool):
        return "yes" if value else "no"
    target = _related(record, name)
    if target is not None:
        other = db.session.get(target, value)
        label = getattr(other, "name", None) or getattr(other, "title", None)
        return str(label) if label else f"#{value}"
    if name.endswith("_cents") and isinstance(value, int):
        return shown(value, current_settings().currency)
    if name.endswith("_minutes") and isinstance(value, int):
        return f"{value} min"
    moment = _as_moment(value)
    if moment is not None:
        return wall_label(moment, "%a %d %b %H:%M")
    if isinstance(value, date | time | Decimal):
        return str(value)
    text = str(value)
    if len(text) > QUOTE_MAX:
        text = text[: QUOTE_MAX - 1] + "…"
    return f"“{text}”"


def label_of(name: str) -> str:
    """An attribute's name as words: `assignee_id` -> "assignee", `due_at` -> "due time"."""
    words = name.removesuffix("_id").removesuffix("_cents").replace("_", " ")
    return {"due at": "due time", "estimate minutes": "estimate"}.get(words, words)


def in_words(parts: list[str]) -> str:
    """Parts joined as a sentence says them: "a", "a and b", "a, b and c"; none is ""."""
    return ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else "".join(parts)


def _listed(values: dict[str, Any], record: object) -> str:
    return in_words(
        [f"the {label_of(name)} to {readable(record, name, v)}" for name, v in values.items()]
    )


def _when(moment: datetime) -> str:
    return wall_label(moment, "%H:%M on %a %d %b")


def _related(record: object, name: str) -> type | None:
    for relationship in inspect(type(record)).relationships:
        if [column.key for column in relationship.local_columns] == [name]:
            return relationship.mapper.class_
    return None


def _as_moment(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else None
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and "T" in value:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return None
        return moment if moment.tzinfo else None
    return None
