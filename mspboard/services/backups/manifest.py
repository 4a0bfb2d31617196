"""A backup's manifest: a JSON file next to the snapshot, `<snapshot name>.json`, saying
what the snapshot holds (database kind, schema revision, rows per table) and its SHA-256, so
a restore can tell a damaged or foreign file before it touches a database."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

FORMAT = 1


class BackupError(Exception):
    """A backup or restore that cannot go ahead, with the message to show."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Manifest:
    file_name: str
    database: str  # "sqlite" or "postgresql"
    taken_at: str  # ISO 8601, UTC
    schema_revision: str
    size_bytes: int
    sha256: str
    reason: str
    tables: dict[str, int] = field(default_factory=dict)
    format: int = FORMAT

    @property
    def taken(self) -> datetime:
        return datetime.fromisoformat(self.taken_at)


def manifest_path(snapshot: Path) -> Path:
    return snapshot.with_name(snapshot.name + ".json")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def write(manifest: Manifest, snapshot: Path) -> Path:
    """Write the manifest whole or not at all (a temporary file renamed into place)."""
    path = manifest_path(snapshot)
    partial = path.with_name("." + path.name + ".partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump(asdict(manifest), handle, indent=2, sort_keys=True)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, path)
    return path


def read(snapshot: Path) -> Manifest:
    path = manifest_path(snapshot)
    try:
        data = json.loads(path.read_text())
        manifest = Manifest(**data)
    except FileNotFoundError:
        raise BackupError(
            f"{path.name} is missing: a backup is restored only with its manifest beside it."
        ) from None
    except (ValueError, TypeError):
        raise BackupError(f"{path.name} is not a manifest mspboard wrote.") from None
    if manifest.format != FORMAT or manifest.file_name != snapshot.name:
        raise BackupError(f"{path.name} does not describe {snapshot.name}.")
    return manifest


def verify(snapshot: Path, manifest: Manifest) -> None:
    """Refuse a snapshot whose bytes are not the ones the manifest's checksum was made of."""
    if sha256_of(snapshot) != manifest.sha256:
        raise BackupError(
            f"{snapshot.name} is damaged: its SHA-256 checksum does not match its manifest. "
            "Nothing was restored; use another backup."
        )
