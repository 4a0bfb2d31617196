"""Put a backup back: into an empty database, or (forced) over one whose data is first
backed up itself, reason "before_restore".

Before anything is touched the snapshot's checksum is checked against its manifest, and its
schema revision against the code's: a backup from an older revision is restored and then
migrated forward; one from a revision this code does not know (a newer mspboard) is refused.
After the restore each table's rows are counted against the manifest.

SQLite: the backup API copies the snapshot over the target file. PostgreSQL: pg_restore
--no-owner --single-transaction into the database, whose public schema is dropped and made
again first when it holds tables (only ever after the safety backup when it holds rows).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

import flask_migrate
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import inspect, text

from mspboard.models import BackupRecord, db
from mspboard.private_files import sqlite_file
from mspboard.services.backups import manifest as manifests
from mspboard.services.backups import postgres, snapshot
from mspboard.services.backups.manifest import BackupError, Manifest


@dataclass
class TableCount:
    table: str
    manifest: int | None
    restored: int | None

    @property
    def ok(self) -> bool:
        return self.manifest == self.restored


@dataclass
class Restored:
    manifest: Manifest
    counts: list[TableCount]
    migrated_to: str | None = None
    safety: BackupRecord | None = None
    safety_path: Path | None = None

    @property
    def counts_match(self) -> bool:
        return all(count.ok for count in self.counts)


def open_backup(path: Path) -> Manifest:
    """The snapshot's manifest once its checksum and kind are checked."""
    if path.name.endswith(".json"):
        path = path.with_name(path.name.removesuffix(".json"))
    if not path.is_file():
        raise BackupError(f"{path} is not a backup file.")
    manifest = manifests.read(path)
    manifests.verify(path, manifest)
    kind = snapshot.database_kind()
    if manifest.database != kind:
        raise BackupError(f"{path.name} is a {manifest.database} backup; this database is {kind}.")
    return manifest


def code_head() -> str:
    return _scripts().get_current_head()


def needs_migrating(revision: str) -> bool:
    """False for the code's own revision, True for an older one; refuses any other."""
    scripts, head = _scripts(), code_head()
    if revision == head:
        return False
    known = {script.revision for script in scripts.walk_revisions()}
    if revision not in known:
        raise BackupError(
            f"The backup's schema revision {revision} is newer than this mspboard knows "
            f"(its newest is {head}): restore it with the version of mspboard that made it, "
            "or upgrade mspboard first."
        )
    return True


def _scripts() -> ScriptDirectory:
    config = current_app.extensions["migrate"].migrate.get_config()
    return ScriptDirectory.from_config(config)


def is_empty() -> bool:
    """True when no table but alembic_version holds a row."""
    names = [n for n in inspect(db.engine).get_table_names() if n != "alembic_version"]
    with db.engine.connect() as connection:
        return not any(
            connection.scalar(text(f'SELECT EXISTS (SELECT 1 FROM "{name}")')) for name in names
        )


def restore(path: Path, force: bool = False, backups_to: Path | None = None) -> Restored:
    """Restore the backup at `path` into the app's database. Commits: the database is
    replaced as a whole, so there is no transaction of the caller's to join."""
    path = Path(path)
    manifest = open_backup(path)
    if path.name.endswith(".json"):
        path = path.with_name(path.name.removesuffix(".json"))
    migrate = needs_migrating(manifest.schema_revision)
    safety = None
    if not is_empty():
        if not force:
            raise BackupError(
                "The database is not empty: restore into an empty database, or use --force "
                "to back up what is there first and then replace it."
            )
        safety = snapshot.write_snapshot(backups_to, reason="before_restore")
    db.session.remove()
    db.engine.dispose()
    put_back = _restore_sqlite if manifest.database == "sqlite" else _restore_postgres
    restored = put_back(path)
    db.engine.dispose()
    counts = [
        TableCount(name, manifest.tables.get(name), restored.get(name))
        for name in sorted(set(manifest.tables) | set(restored))
    ]
    result = Restored(manifest, counts)
    if migrate:
        flask_migrate.upgrade()
        db.engine.dispose()
        result.migrated_to = code_head()
    if safety is not None:
        result.safety = snapshot.record(safety)
        result.safety_path = safety.path
        db.session.commit()
    return result


def _restore_sqlite(path: Path) -> dict[str, int]:
    target = sqlite_file(str(db.engine.url))
    if target is None:
        raise BackupError("Only an SQLite database in a file can be restored into.")
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    destination = sqlite3.connect(target, timeout=30)
    try:
        source.backup(destination)
        return snapshot.sqlite_counts(destination)
    finally:
        destination.close()
        source.close()


def _restore_postgres(path: Path) -> dict[str, int]:
    engine = db.engine
    with engine.connect() as connection:
        postgres.check_versions("pg_restore", connection)
        if connection.scalar(text(f"SELECT EXISTS ({snapshot.PUBLIC_TABLES})")):
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        connection.commit()
    engine.dispose()
    postgres.restore(engine.url, path)
    with engine.connect() as connection:
        names = list(connection.scalars(text(snapshot.PUBLIC_TABLES)))
        return {name: connection.scalar(text(f'SELECT count(*) FROM "{name}"')) for name in names}
