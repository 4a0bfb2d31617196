"""PostgreSQL's own tools, pg_dump and pg_restore, run against the app's database.

They must be of the server's major version: an older pg_dump refuses a newer server, and a
newer one writes archives an older pg_restore cannot read, so mspboard asks for the same
major version on both sides and says so plainly when they differ."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import URL, Connection

from mspboard.services.backups.manifest import BackupError


def client_version(tool: str) -> str:
    """What `tool --version` says, e.g. "pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)"."""
    path = shutil.which(tool)
    if path is None:
        raise BackupError(
            f"{tool} is not installed: install PostgreSQL's client tools "
            "(postgresql-client) of the same major version as the server."
        )
    return subprocess.run(
        [path, "--version"], capture_output=True, text=True, check=True, timeout=30
    ).stdout.strip()


def major_of(version_text: str) -> int:
    found = re.search(r"\)\s*(\d+)", version_text) or re.search(r"(\d+)", version_text)
    if found is None:
        raise BackupError(f"Cannot read a version in {version_text!r}.")
    return int(found.group(1))


def server_major(connection: Connection) -> int:
    return int(connection.scalar(text("SHOW server_version_num"))) // 10000


def check_versions(tool: str, connection: Connection) -> None:
    """Refuse to run `tool` unless its major version is the server's."""
    said = client_version(tool)
    client, server = major_of(said), server_major(connection)
    if client != server:
        raise BackupError(
            f"{tool} is version {client} but the server is PostgreSQL {server}: the client "
            f"tools must match the server's major version. Install postgresql-client-{server} "
            f"(and put its bin folder first on PATH), then run this again."
        )


def run(tool: str, arguments: list[str], url: URL) -> None:
    """Run a client tool with the connection given through libpq's environment (the password
    never appears in the process list)."""
    env = dict(os.environ)
    for variable, value in (
        ("PGHOST", url.host),
        ("PGPORT", url.port),
        ("PGUSER", url.username),
        ("PGPASSWORD", url.password),
        ("PGDATABASE", url.database),
    ):
        if value is not None:
            env[variable] = str(value)
    done = subprocess.run(
        [shutil.which(tool) or tool, *arguments], env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise BackupError(f"{tool} failed: {done.stderr.strip() or done.returncode}")


def dump(url: URL, snapshot_id: str, target: Path) -> None:
    run(
        "pg_dump",
        ["--format=custom", f"--snapshot={snapshot_id}", "--no-password", f"--file={target}"],
        url,
    )


def restore(url: URL, archive: Path) -> None:
    run(
        "pg_restore",
        [
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            "--no-password",
            f"--dbname={url.database}",
            str(archive),
        ],
        url,
    )
