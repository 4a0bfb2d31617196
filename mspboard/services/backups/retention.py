"""Which backups to keep: the newest of each of the last `daily` days (today included) and
the newest of each of the `weekly` ISO weeks before those days; every other one is pruned.

Days and weeks are counted in UTC, as the backup file names are written. The rule is a pure
function of the backup times, so its boundaries are tested without files or a database.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from flask import current_app

from mspboard.models import BackupRecord, db
from mspboard.services.backups.snapshot import snapshot_paths


def kept(times: Iterable[datetime], now: datetime, daily: int, weekly: int) -> set[datetime]:
    """The backup times to keep at `now` (aware UTC). A backup dated after today is kept:
    a clock that went back must not cost the newest backups."""
    today = now.astimezone(UTC).date()
    first_daily = today - timedelta(days=daily - 1)
    # The weekly window: the ISO week holding the day before the daily window, and the
    # weekly - 1 calendar weeks before it.
    last_weekly_day = first_daily - timedelta(days=1)
    weeks = {_week(last_weekly_day - timedelta(weeks=n)) for n in range(weekly)}
    newest: dict[tuple, datetime] = {}
    keep: set[datetime] = set()
    for moment in times:
        day = moment.astimezone(UTC).date()
        if day > today:
            keep.add(moment)
            continue
        if day >= first_daily:
            bucket: tuple = ("day", day)
        elif _week(day) in weeks:
            bucket = ("week", _week(day))
        else:
            continue
        if bucket not in newest or moment > newest[bucket]:
            newest[bucket] = moment
    return keep | set(newest.values())


def _week(day: date) -> tuple[int, int]:
    year, week, _weekday = day.isocalendar()
    return (year, week)


def prune(now: datetime, daily: int, weekly: int) -> list[BackupRecord]:
    """Delete the files of the backups retention no longer keeps and mark their records
    pruned; returns them. Flushes, never commits."""
    live = list(db.session.scalars(db.select(BackupRecord).where(BackupRecord.pruned_at.is_(None))))
    keep = kept([record.taken_at for record in live], now, daily, weekly)
    pruned = [record for record in live if record.taken_at not in keep]
    for record in pruned:
        for path in snapshot_paths(record.directory, record.file_name):
            try:
                path.unlink()
            except FileNotFoundError:
                pass
            except OSError as error:
                current_app.logger.warning("could not delete %s: %s", path, error)
        record.pruned_at = now
    db.session.flush()
    return pruned
