"""Files only the account running mspboard may read: the instance folder (0700 when the
app makes it), the SQLite database with its -wal and -shm files (0600: they hold password
hashes and every client's details), and the secret key (0600, see config.secret_key).

SQLite makes a database's -wal, -shm and -journal files with the database file's own
permissions, so it is enough that the database file is private: a new one is made 0600
before SQLite first opens it, and one made by an older version (0644) is tightened, with
its side files, whenever a connection opens it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import stat
from pathlib import Path

from sqlalchemy.engine import make_url

PRIVATE_FILE = 0o600
PRIVATE_FOLDER = 0o700
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")

log = logging.getLogger(__name__)


def make_private_folder(path: Path) -> None:
    """The folder, made readable by its owner only if it does not exist yet (a folder that
    exists is the admin's to set)."""
    if not path.is_dir():
        path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):
            path.mkdir(mode=PRIVATE_FOLDER)


def sqlite_file(database_url: str) -> Path | None:
    """The database file of an SQLite URL; None for other databases and in-memory ones."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database:
        return None
    if url.database == ":memory:" or url.database.startswith("file:"):
        return None
    return Path(url.database)


def create_private_sqlite_file(database_url: str) -> None:
    """Make an SQLite database's file, empty and 0600, before SQLite makes it world-readable
    by the usual umask. An existing file is left as it is (tightened on connect)."""
    path = sqlite_file(database_url)
    if path is None:
        return
    if not path.parent.is_dir():
        return  # SQLite says so when it is opened, as before
    with contextlib.suppress(FileExistsError, PermissionError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))


def tighten_sqlite_files(connection: sqlite3.Connection) -> None:
    """Make an open SQLite database's file and side files 0600 if others could read them."""
    for _seq, name, filename in connection.execute("PRAGMA database_list").fetchall():
        if name != "main" or not filename:
            continue
        for path in (filename, *(filename + side for side in SQLITE_SIDE_FILES)):
            _make_private(path)


def _make_private(path: str) -> None:
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
        if mode & 0o077:
            os.chmod(path, mode & 0o700)
    except FileNotFoundError:
        pass
    except PermissionError:
        log.warning("%s is readable by other accounts and is not ours to change", path)
