"""The instance folder, the SQLite database and its -wal/-shm files are readable by the
account running mspboard only, whatever the umask."""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from mspboard import create_app
from mspboard.models import db

pytestmark = pytest.mark.instant_free


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    """The umask most systems start with, which makes new files 0644 and folders 0755."""
    before = os.umask(0o022)
    yield
    os.umask(before)


def write_and_list_files(database: Path, instance: Path) -> dict[str, int]:
    """Open the database through the app, write to it, and report the modes of the files
    there while the connection is still open (SQLite removes -wal and -shm at the end)."""
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
            "SECRET_KEY": "x",
            "INSTANCE_PATH": str(instance),
        }
    )
    with app.app_context():
        db.session.execute(text("CREATE TABLE IF NOT EXISTS notes (body TEXT)"))
        db.session.execute(text("INSERT INTO notes VALUES ('a client password hash')"))
        db.session.commit()
        db.session.execute(text("SELECT count(*) FROM notes")).scalar()
        found = {path.name: mode(path) for path in database.parent.iterdir()}
        db.session.close()
        db.engine.dispose()
    return found


def test_a_new_database_and_its_wal_files_are_private(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    found = write_and_list_files(folder / "shop.db", tmp_path / "instance")
    assert set(found) == {"shop.db", "shop.db-wal", "shop.db-shm"}
    assert found == dict.fromkeys(found, 0o600)


def test_a_database_made_readable_by_others_is_made_private_when_opened(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    write_and_list_files(folder / "shop.db", tmp_path / "instance")
    for path in folder.iterdir():
        path.chmod(0o644)
    (folder / "shop.db-wal").touch(0o644)  # as left by a process that stopped hard
    found = write_and_list_files(folder / "shop.db", tmp_path / "instance")
    assert found["shop.db"] == 0o600 and found["shop.db-wal"] == 0o600
    assert found == dict.fromkeys(found, 0o600)


def test_a_copied_database_is_made_private_when_opened(tmp_path):
    original, folder = tmp_path / "original", tmp_path / "data"
    original.mkdir()
    folder.mkdir()
    write_and_list_files(original / "shop.db", tmp_path / "instance")
    shutil.copyfile(original / "shop.db", folder / "shop.db")
    assert mode(folder / "shop.db") == 0o644
    found = write_and_list_files(folder / "shop.db", tmp_path / "instance")
    assert found == dict.fromkeys(found, 0o600) and len(found) == 3


def test_the_instance_folder_the_app_makes_is_private(tmp_path):
    instance = tmp_path / "new" / "instance"
    create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "INSTANCE_PATH": str(instance)})
    assert mode(instance) == 0o700
    assert mode(instance / "secret_key") == 0o600


def test_an_existing_instance_folder_is_left_as_the_admin_set_it(tmp_path):
    instance = tmp_path / "shop"
    instance.mkdir(mode=0o750)
    create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "INSTANCE_PATH": str(instance)})
    assert mode(instance) == 0o750


def test_a_new_database_file_is_private_before_sqlite_first_opens_it(tmp_path):
    """No moment in which another account could open the new file and keep it open."""
    database = tmp_path / "shop.db"
    create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}", "SECRET_KEY": "x"})
    assert database.stat().st_size == 0 and mode(database) == 0o600
