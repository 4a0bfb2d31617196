"""The bar: a backup taken while eight people write holds every row committed before it
began, and the database restored from it passes its own integrity checks."""

import itertools
import threading
import time
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from mspboard.models import ServiceRequest, TimeEntry, db, utcnow
from mspboard.services import service_requests, time_entries
from mspboard.services.backups import restore, snapshot
from mspboard.services.backups.manifest import sha256_of
from tests.backup_support import app_on, dispose, fresh_database, orphans, sqlite_checks
from tests.factories import make_client, make_sr, make_user

# The writers' times are relative to whatever "now" is, and nothing asserted depends on the
# day, the week or the shop's zone: run once, not at every awkward instant.
pytestmark = pytest.mark.instant_free

WRITERS = 8


def write_continuously(app, tech_id, sr_id, done, stop, errors, started):
    """Timers started and stopped on the tech's SR, and the SR moved to Waiting and back,
    each change committed on its own; every commit is noted in `done` once it returned."""
    with app.app_context():
        try:
            tech = db.session.get(ServiceRequest, sr_id).assignee
            cursor = utcnow() - timedelta(hours=1)
            while not stop.is_set():
                key = str(uuid.uuid4())
                time_entries.start_timer(tech, uuid=key, at=cursor, sr_id=sr_id)
                db.session.commit()
                done.append(("started", key))
                time_entries.stop_timer(tech, at=cursor + timedelta(seconds=1))
                db.session.commit()
                done.append(("stopped", key))
                sr = db.session.get(ServiceRequest, sr_id)
                moved_to = "in_progress" if sr.status == "waiting" else "waiting"
                service_requests.change_status(tech, sr, moved_to)
                db.session.commit()
                done.append(("moved", sr_id, sr.version))
                cursor += timedelta(seconds=2)
                started.set()
        except Exception as error:  # reported by the test, with its kind
            errors.append(repr(error))
        finally:
            db.session.remove()


def test_a_backup_under_eight_writers_holds_every_earlier_commit_and_restores_whole(
    app, tmp_path, database_backend, record_property
):
    pairs = []
    for n in range(WRITERS):
        tech = make_user(tech_level="tech_i", email=f"tech{n}@example.test")
        pairs.append((tech.id, make_sr(make_client(), f"Server {n}", assignee=tech).id))
    db.session.commit()
    db.session.remove()

    stop, errors = threading.Event(), []
    done = [[] for _ in range(WRITERS)]
    started = [threading.Event() for _ in range(WRITERS)]
    threads = [
        threading.Thread(
            target=write_continuously,
            args=(app, *pairs[n], done[n], stop, errors, started[n]),
        )
        for n in range(WRITERS)
    ]
    for thread in threads:
        thread.start()
    try:
        for event in started:
            assert event.wait(30)
        time.sleep(0.2)
        before = [list(commits) for commits in done]
        began = time.perf_counter()
        written = snapshot.write_snapshot(tmp_path / "backups")
        took = time.perf_counter() - began
        during = sum(map(len, done)) - sum(map(len, before))
        time.sleep(0.1)
    finally:
        stop.set()
        for thread in threads:
            thread.join(60)
    assert errors == []
    assert sum(map(len, before)) >= WRITERS * 3

    with fresh_database(database_backend, tmp_path / "target") as url:
        target = app_on(url, tmp_path / "target")
        with target.app_context():
            restored = restore.restore(written.path)
            assert restored.counts_match, [c for c in restored.counts if not c.ok]
            assert_every_commit_is_there(before)
            assert_the_shop_holds_together(database_backend)
        dispose(target)

    size = written.path.stat().st_size
    rows = sum(written.manifest.tables.values())
    assert written.manifest.sha256 == sha256_of(written.path)
    figures = (
        f"backup under {WRITERS} writers ({database_backend}): {during} commits landed while "
        f"the {took * 1000:.0f} ms backup ran; {rows} rows, {size / 1024:.0f} KB; "
        f"{sum(map(len, before))} earlier commits all restored"
    )
    print(figures)
    record_property("summary", figures)


def assert_every_commit_is_there(before):
    entries = {e.uuid: e for e in db.session.scalars(select(TimeEntry))}
    versions = dict(db.session.execute(select(ServiceRequest.id, ServiceRequest.version)).all())
    for commits in before:
        for kind, key, *version in commits:
            if kind == "started":
                assert key in entries, key
            elif kind == "stopped":
                assert entries[key].ended_at is not None, key
            else:
                assert versions[key] >= version[0], key


def assert_the_shop_holds_together(backend):
    if backend == "sqlite":
        assert sqlite_checks(db.engine) == ([], "ok")
    assert orphans(db.engine) == []
    running = db.session.execute(
        select(TimeEntry.tech_id)
        .where(TimeEntry.ended_at.is_(None))
        .group_by(TimeEntry.tech_id)
        .having(func.count() > 1)
    ).all()
    assert running == []  # at most one running timer per tech
    entries = list(db.session.scalars(select(TimeEntry)))
    assert all(e.ended_at is None or e.ended_at > e.started_at for e in entries)
    # A tech's entries never overlap (the shop does not allow it).
    by_tech: dict[int, list[TimeEntry]] = {}
    for entry in sorted(entries, key=lambda e: e.started_at):
        by_tech.setdefault(entry.tech_id, []).append(entry)
    for own in by_tech.values():
        for earlier, later in itertools.pairwise(own):
            assert earlier.ended_at is not None and earlier.ended_at <= later.started_at
    assert db.session.scalar(text("SELECT count(*) FROM alembic_version")) == 1
