"""An uploaded sheet kept between the import's steps (upload, mapping, dry run, run).

It stays on the server, in the instance folder's private `imports/` folder, under a random
id: the file's bytes in `<id>.csv` and what is known about it in `<id>.json` (who uploaded
it, what it holds, its name, when, and the mapping chosen for the dry run). Only the admin
who uploaded it can open it; an id that is not one of ours is simply not found, so no path a
browser sends is ever used. The run deletes it; each new upload deletes those older than a
day.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app

from mspboard.models import User, utcnow
from mspboard.private_files import PRIVATE_FILE, make_private_folder

UPLOAD_ID = re.compile(r"^[A-Za-z0-9_-]{22}$")
STALE_AFTER = timedelta(days=1)
FILE_NAME_MAX = 120


@dataclass
class Upload:
    id: str
    owner_id: int
    kind: str
    file_name: str
    uploaded_at: str
    columns: dict[str, str | None] | None = None
    value_maps: dict = field(default_factory=dict)

    @property
    def uploaded(self) -> datetime:
        return datetime.fromisoformat(self.uploaded_at)


def folder() -> Path:
    path = Path(current_app.instance_path) / "imports"
    make_private_folder(path)
    return path


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _save_meta(upload: Upload) -> None:
    _write_private(folder() / f"{upload.id}.json", json.dumps(asdict(upload)).encode())


def store(owner: User, kind: str, file_name: str, data: bytes) -> Upload:
    """Keep an upload for its owner; stale uploads of anyone go first."""
    clean_stale()
    upload = Upload(
        id=secrets.token_urlsafe(16),
        owner_id=owner.id,
        kind=kind,
        file_name=Path(file_name or "sheet.csv").name[:FILE_NAME_MAX],
        uploaded_at=utcnow().isoformat(),
    )
    _write_private(folder() / f"{upload.id}.csv", data)
    _save_meta(upload)
    return upload


def find(upload_id: str, owner: User) -> Upload | None:
    """The upload with this id if this person uploaded it and it is still here."""
    if not UPLOAD_ID.match(upload_id or ""):
        return None
    try:
        meta = json.loads((folder() / f"{upload_id}.json").read_text())
        upload = Upload(**meta)
    except (OSError, ValueError, TypeError):
        return None
    if upload.owner_id != owner.id or upload.id != upload_id:
        return None
    return upload


def data_of(upload: Upload) -> bytes:
    return (folder() / f"{upload.id}.csv").read_bytes()


def remember_mapping(upload: Upload, columns: dict[str, str | None], value_maps: dict) -> None:
    upload.columns = columns
    upload.value_maps = value_maps
    _save_meta(upload)


def discard(upload: Upload) -> None:
    for suffix in (".csv", ".json"):
        with contextlib.suppress(FileNotFoundError):
            (folder() / f"{upload.id}{suffix}").unlink()


def clean_stale() -> int:
    """Delete uploads older than a day (and leftovers without a readable record)."""
    cutoff = utcnow() - STALE_AFTER
    removed = 0
    base = folder()
    for meta_path in base.glob("*.json"):
        try:
            uploaded = datetime.fromisoformat(json.loads(meta_path.read_text())["uploaded_at"])
        except (OSError, ValueError, KeyError, TypeError):
            uploaded = None
        if uploaded is None or uploaded < cutoff:
            for path in (meta_path, meta_path.with_suffix(".csv")):
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
            removed += 1
    for data_path in base.glob("*.csv"):
        if not data_path.with_suffix(".json").exists():
            with contextlib.suppress(FileNotFoundError):
                data_path.unlink()
    return removed
