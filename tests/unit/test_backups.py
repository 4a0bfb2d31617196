"""`flask backup` and `flask restore`: what is written, what is refused, what is put back."""

import json
from datetime import timedelta
from pathlib import Path

import flask_migrate
import pytest
from sqlalchemy import inspect, select, text

from mspboard.models import BackupRecord, ShopSettings, User, db, utcnow
from mspboard.services.backups import postgres, snapshot
from mspboard.services.backups.manifest import BackupError, manifest_path, sha256_of
from mspboard.services.backups.restore import code_head
from tests.backup_support import app_on, dispose, fresh_database
from tests.factories import make_user


@pytest.fixture(autouse=True)
def _held_still(stopped):
    pass


def backup(app, folder: Path) -> Path:
    with app.app_context():  # the command runs in the current app's context, if any
        result = app.test_cli_runner().invoke(args=["backup", "--to", str(folder)])
    assert result.exit_code == 0, result.output
    return max(folder.glob("mspboard-*[!n]"), key=lambda p: p.stat().st_mtime_ns)


def restore(app, file: Path, *extra: str):
    with app.app_context():
        return app.test_cli_runner().invoke(args=["restore", str(file), *extra])


def emails(app) -> set[str]:
    with app.app_context():
        return set(db.session.scalars(select(User.email)))


def test_a_backup_is_the_snapshot_its_manifest_and_a_record(app, tmp_path):
    make_user(email="ana@example.test")
    db.session.commit()
    file = backup(app, tmp_path / "backups")
    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    assert file.name == f"mspboard-{stamp}-{code_head()}{file.suffix}"
    assert file.suffix in {".sqlite3", ".pgdump"} and file.stat().st_mode & 0o077 == 0
    manifest = json.loads(manifest_path(file).read_text())
    assert manifest["sha256"] == sha256_of(file)
    assert manifest["size_bytes"] == file.stat().st_size
    assert manifest["schema_revision"] == code_head()
    assert manifest["tables"]["users"] == 1 and manifest["tables"]["backup_records"] == 0
    db.session.expire_all()
    record = db.session.scalars(select(BackupRecord)).one()
    assert (record.file_name, record.reason, record.size_bytes) == (
        file.name,
        "daily",
        file.stat().st_size,
    )
    assert Path(record.directory) == file.parent.resolve() and record.checksum == manifest["sha256"]


def test_each_backup_prunes_what_the_shops_retention_no_longer_keeps(app, tmp_path, stopped):
    settings = ShopSettings.with_defaults()
    settings.backup_keep_daily, settings.backup_keep_weekly = 1, 0
    db.session.add(settings)
    db.session.commit()
    folder = tmp_path / "backups"
    old = backup(app, folder)
    stopped.shift(timedelta(days=1))
    new = backup(app, folder)
    assert new.exists() and not old.exists() and not manifest_path(old).exists()
    db.session.expire_all()
    records = {r.file_name: r for r in db.session.scalars(select(BackupRecord))}
    assert records[old.name].pruned_at == utcnow() and records[new.name].pruned_at is None


@pytest.mark.own_database
def test_restore_refuses_a_database_with_data_without_force(app, tmp_path):
    make_user(email="ana@example.test")
    db.session.commit()
    file = backup(app, tmp_path / "backups")
    make_user(email="ben@example.test")
    db.session.commit()
    result = restore(app, file)
    assert result.exit_code == 1
    assert "The database is not empty" in result.output and "--force" in result.output
    assert emails(app) == {"ana@example.test", "ben@example.test"}


@pytest.mark.own_database
def test_force_backs_up_what_is_there_before_replacing_it(app, tmp_path):
    make_user(email="ana@example.test")
    db.session.commit()
    file = backup(app, tmp_path / "backups")
    make_user(email="ben@example.test")
    db.session.commit()
    result = restore(app, file, "--force")
    assert result.exit_code == 0, result.output
    assert emails(app) == {"ana@example.test"}
    safety = Path(result.output.split("Backed up what was there first: ")[1].split("\n")[0])
    manifest = json.loads(manifest_path(safety).read_text())
    assert manifest["reason"] == "before_restore" and manifest["tables"]["users"] == 2
    with app.app_context():
        reasons = {r.file_name: r.reason for r in db.session.scalars(select(BackupRecord))}
    assert reasons == {safety.name: "before_restore"}  # the restored shop knows of it
    # The safety backup holds the replaced data: restoring it brings Ben back.
    assert restore(app, safety, "--force").exit_code == 0
    assert emails(app) == {"ana@example.test", "ben@example.test"}


def test_restore_into_an_empty_database_prints_each_tables_rows(app, tmp_path, database_backend):
    make_user(email="ana@example.test")
    db.session.commit()
    file = backup(app, tmp_path / "backups")
    with fresh_database(database_backend, tmp_path / "target") as url:
        target = app_on(url, tmp_path / "target")
        result = restore(target, file)
        assert result.exit_code == 0, result.output
        assert "users" in result.output
        line = next(li for li in result.output.splitlines() if li.split()[:1] == ["users"])
        assert line.split() == ["users", "1", "1", "ok"]
        assert "MISMATCH" not in result.output
        assert emails(target) == {"ana@example.test"}
        dispose(target)


def test_a_damaged_backup_is_refused_and_nothing_is_restored(app, tmp_path, database_backend):
    file = backup(app, tmp_path / "backups")
    data = bytearray(file.read_bytes())
    data[len(data) // 2] ^= 0xFF
    file.write_bytes(bytes(data))
    with fresh_database(database_backend, tmp_path / "target") as url:
        target = app_on(url, tmp_path / "target")
        result = restore(target, file)
        assert result.exit_code == 1
        assert "is damaged: its SHA-256 checksum does not match its manifest" in result.output
        with target.app_context():
            assert inspect(db.engine).get_table_names() == []
        dispose(target)


def test_a_backup_from_a_newer_mspboard_is_refused(app, tmp_path, database_backend):
    file = backup(app, tmp_path / "backups")
    manifest = json.loads(manifest_path(file).read_text())
    manifest["schema_revision"] = "0099_from_the_future"
    manifest_path(file).write_text(json.dumps(manifest))
    with fresh_database(database_backend, tmp_path / "target") as url:
        target = app_on(url, tmp_path / "target")
        result = restore(target, file)
        assert result.exit_code == 1
        assert "0099_from_the_future is newer than this mspboard knows" in result.output
        dispose(target)


def test_a_backup_from_an_older_revision_is_restored_then_migrated(tmp_path, database_backend):
    older = "0013_sr_record"
    with (
        fresh_database(database_backend, tmp_path / "old", "o") as old_url,
        fresh_database(database_backend, tmp_path / "new", "n") as new_url,
    ):
        old_app = app_on(old_url, tmp_path / "old")
        with old_app.app_context():
            flask_migrate.upgrade(revision=older)
            with db.engine.begin() as connection:
                connection.execute(
                    text(
                        "INSERT INTO clients (name, active, created_at) "
                        "VALUES ('Acme Dental', :yes, :now)"
                    ),
                    {"yes": True, "now": utcnow()},
                )
            written = snapshot.write_snapshot(tmp_path / "backups")
            db.engine.dispose()
        assert written.manifest.schema_revision == older
        assert f"-{older}." in written.path.name
        new_app = app_on(new_url, tmp_path / "new")
        result = restore(new_app, written.path)
        assert result.exit_code == 0, result.output
        assert f"Migrated from {older} to {code_head()}." in result.output
        with new_app.app_context():
            assert db.session.scalar(text("SELECT version_num FROM alembic_version")) == code_head()
            assert db.session.scalar(text("SELECT name FROM clients")) == "Acme Dental"
            assert "backup_records" in inspect(db.engine).get_table_names()
        dispose(new_app)


@pytest.mark.postgresql_only
def test_pg_dump_of_another_major_version_than_the_server_is_refused(app, tmp_path, monkeypatch):
    monkeypatch.setattr(postgres, "client_version", lambda tool: f"{tool} (PostgreSQL) 13.16")
    folder = tmp_path / "backups"
    with pytest.raises(BackupError) as refused:
        snapshot.write_snapshot(folder)
    server = postgres.major_of(db.session.scalar(text("SHOW server_version")))
    assert refused.value.message.startswith(
        f"pg_dump is version 13 but the server is PostgreSQL {server}: the client tools must "
        "match the server's major version."
    )
    assert list(folder.iterdir()) == []  # no half-written file left behind


def test_client_versions_are_read_as_their_major_number():
    assert postgres.major_of("pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)") == 15
    assert postgres.major_of("pg_restore (PostgreSQL) 9.6.24") == 9
    assert postgres.major_of("pg_dump (PostgreSQL) 17devel") == 17
