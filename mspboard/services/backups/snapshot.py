"""One consistent snapshot of the live database, written while the app keeps serving.

SQLite: the online backup API copies the database in one step under one read transaction,
so writers carry on (WAL) and the copy is the database as it was at one instant; a file
copy of a live WAL database could miss committed pages still in the -wal file.
PostgreSQL: a repeatable-read transaction exports its snapshot, counts each table's rows in
it, and pg_dump --format=custom dumps that same snapshot, so the counts in the manifest are
the rows in the file.

Files: `mspboard-<UTC time, YYYYMMDDTHHMMSSZ>-<schema revision>.sqlite3` (or `.pgdump`) with
its manifest `<that name>.json` beside it, both readable by their owner only.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import text

from mspboard.models import BackupRecord, db
from mspboard.models.base import utcnow
from mspboard.private_files import make_private_folder, sqlite_file
from mspboard.services.backups import postgres
from mspboard.services.backups.manifest import (
    BackupError,
    Manifest,
    manifest_path,
    sha256_of,
)
from mspboard.services.backups.manifest import (
    write as write_manifest,
)

EXTENSIONS = {"sqlite": ".sqlite3", "postgresql": ".pgdump"}
PUBLIC_TABLES = "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
SQLITE_TABLES = (
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
)


@dataclass
class Snapshot:
    path: Path
    manifest: Manifest


def default_directory() -> Path:
    return Path(current_app.instance_path) / "backups"


def database_kind() -> str:
    name = db.engine.url.get_backend_name()
    if name not in EXTENSIONS:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {name}.")
    return name


def snapshot_paths(directory: str | Path, file_name: str) -> list[Path]:
    snapshot = Path(directory) / file_name
    return [snapshot, manifest_path(snapshot)]


def write_snapshot(directory: Path | None = None, reason: str = "daily") -> Snapshot:
    """Write a snapshot of the app's database and its manifest into `directory` (default
    instance/backups). Nothing is recorded in the database: see `record`."""
    directory = Path(directory) if directory else default_directory()
    make_private_folder(directory)
    kind = database_kind()
    taken_at = utcnow().replace(microsecond=0)
    partial = directory / f".mspboard-{taken_at:%Y%m%dT%H%M%SZ}-{os.getpid()}.partial"
    _private_empty_file(partial)
    try:
        if kind == "sqlite":
            tables, revision = _sqlite_snapshot(partial)
        else:
            tables, revision = _postgres_snapshot(partial)
        final = _free_name(directory, taken_at, revision, EXTENSIONS[kind])
        size = partial.stat().st_size
        checksum = sha256_of(partial)
        os.replace(partial, final)
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    manifest = Manifest(
        file_name=final.name,
        database=kind,
        taken_at=taken_at.isoformat(),
        schema_revision=revision,
        size_bytes=size,
        sha256=checksum,
        reason=reason,
        tables=tables,
    )
    write_manifest(manifest, final)
    return Snapshot(final, manifest)


def record(snapshot: Snapshot) -> BackupRecord:
    """The snapshot's row in the live database, once its files are written. Flushes."""
    manifest = snapshot.manifest
    row = BackupRecord(
        taken_at=manifest.taken,
        file_name=manifest.file_name,
        directory=str(snapshot.path.parent.resolve()),
        size_bytes=manifest.size_bytes,
        schema_revision=manifest.schema_revision,
        checksum=manifest.sha256,
        reason=manifest.reason,
    )
    db.session.add(row)
    db.session.flush()
    return row


def last_backup() -> BackupRecord | None:
    return db.session.scalars(
        db.select(BackupRecord).order_by(BackupRecord.taken_at.desc(), BackupRecord.id.desc())
    ).first()


def _private_empty_file(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _free_name(directory: Path, taken_at: datetime, revision: str, extension: str) -> Path:
    stem = f"mspboard-{taken_at.astimezone(UTC):%Y%m%dT%H%M%SZ}-{revision}"
    candidate, n = directory / f"{stem}{extension}", 1
    while candidate.exists():
        n += 1
        candidate = directory / f"{stem}-{n}{extension}"
    return candidate


def sqlite_counts(connection: sqlite3.Connection) -> dict[str, int]:
    names = [row[0] for row in connection.execute(SQLITE_TABLES)]
    return {
        name: connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names
    }


def sqlite_revision(connection: sqlite3.Connection) -> str:
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:
        row = None
    if row is None:
        raise BackupError("The database has no schema revision: run `flask db upgrade` first.")
    return row[0]


def _sqlite_snapshot(target: Path) -> tuple[dict[str, int], str]:
    source_path = sqlite_file(str(db.engine.url))
    if source_path is None:
        raise BackupError("Only an SQLite database in a file can be backed up.")
    source = sqlite3.connect(source_path, timeout=30)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # pages=-1: the whole database in one step, one read transaction
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        return sqlite_counts(copy), sqlite_revision(copy)
    finally:
        copy.close()
        source.close()


def _postgres_snapshot(target: Path) -> tuple[dict[str, int], str]:
    engine = db.engine
    with engine.connect() as connection:
        postgres.check_versions("pg_dump", connection)
        connection.commit()
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            connection.execute(text("SET TRANSACTION READ ONLY"))
            snapshot_id = connection.scalar(text("SELECT pg_export_snapshot()"))
            names = list(connection.scalars(text(PUBLIC_TABLES)))
            if "alembic_version" not in names:
                raise BackupError(
                    "The database has no schema revision: run `flask db upgrade` first."
                )
            revision = connection.scalar(text("SELECT version_num FROM alembic_version"))
            tables = {
                name: connection.scalar(text(f'SELECT count(*) FROM "{name}"')) for name in names
            }
            postgres.dump(engine.url, snapshot_id, target)
    return tables, revision
