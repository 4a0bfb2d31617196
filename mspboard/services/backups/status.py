"""What the settings page says about backups: the last one's time and size, and whether it
is too old. Too old means more than 24 hours before now: a backup exactly 24 hours old is
still today's nightly backup, a second later it is not."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from mspboard.models import BackupRecord
from mspboard.services.backups.snapshot import last_backup

TOO_OLD_AFTER = timedelta(hours=24)


@dataclass(frozen=True)
class BackupStatus:
    last: BackupRecord
    too_old: bool


def size_in_words(size: int) -> str:
    """1234567 -> "1.2 MB" (binary units, as file managers count)."""
    amount = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if amount < 1024 or unit == "GB":
            return f"{size} bytes" if unit == "bytes" else f"{amount:.1f} {unit}"
        amount /= 1024
    return f"{size} bytes"


def is_too_old(taken_at: datetime, now: datetime) -> bool:
    return now - taken_at > TOO_OLD_AFTER


def last_backup_status(now: datetime) -> BackupStatus | None:
    """None when no backup was ever taken."""
    last = last_backup()
    if last is None:
        return None
    return BackupStatus(last, is_too_old(last.taken_at, now))
