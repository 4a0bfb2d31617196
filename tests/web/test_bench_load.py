"""The load generator of `make bench-load`, in a short profile against a live server in this
process (CSRF on): it signs in through the forms, drives phones, a desk, a wall TV and an idle
stream, and its exactly-once check reads the database for real."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from flask import Flask
from werkzeug.serving import make_server

from bench import loadgen
from mspboard.models import TimeEntry, db
from mspboard.services import tv_links
from tests.factories import PASSWORD, make_client, make_sr, make_user

pytestmark = pytest.mark.instant_free


@pytest.fixture
def app_config() -> dict[str, object]:
    # A stream whose client left ends at its next check, so the server stops at once.
    return {"WTF_CSRF_ENABLED": True, "STREAM_RECHECK_SECONDS": 0.2}


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    server.daemon_threads = False  # server_close() waits for every request thread
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def plan(app: Flask, live_server: str, database_url: str) -> loadgen.Plan:
    with app.app_context():
        client = make_client()
        techs = [make_user(email=f"tech{n}@example.test") for n in range(3)]
        manager = make_user(role="service_manager", email="manager@example.test")
        tech_srs = {
            tech.email: [make_sr(client=client, assignee=tech).id for _ in range(2)]
            for tech in techs
        }
        marker = make_sr(client=client, priority=1, title="Marker")
        token = tv_links.create_link(None, "Test TV").token
        db.session.commit()
        return loadgen.Plan(
            pages=live_server,
            streams=live_server,
            database_url=database_url,
            techs=[tech.email for tech in techs],
            tech_srs=tech_srs,
            managers=[manager.email],
            tv_tokens=[token],
            marker_sr=marker.id,
            duration=3.0,
            think=(0.05, 0.2),
            manager_every=1.0,
            change_every=1.0,
            streams_total=2,
            password=PASSWORD,
        )


def test_a_short_busy_morning_stores_every_answered_timer_start_once(app: Flask, plan):
    results = loadgen.run(plan)

    assert sum(results.errors.values()) == 0, results.error_samples
    assert results.starts_answered, "no timer start was answered"
    assert results.exactly_once == []
    assert results.streams_peak == 2
    for kind in ("phone today /m/", "phone queue", "timer stop", "phone time card", "board"):
        assert results.latencies[kind], kind
    assert "exactly once: pass" in loadgen.report(results, "short profile")


def test_the_exactly_once_check_finds_a_timer_start_stored_twice(app: Flask, plan, database_url):
    plan.managers, plan.tv_tokens, plan.streams_total = [], [], 0
    results = loadgen.run(plan)
    assert results.exactly_once == []
    with app.app_context():
        kept = db.session.scalars(db.select(TimeEntry).where(TimeEntry.ended_at.is_not(None)))
        first = kept.first()
        db.session.add(
            TimeEntry(
                uuid="00000000-0000-4000-8000-000000000000",
                tech_id=first.tech_id,
                client_id=first.client_id,
                sr_id=first.sr_id,
                started_at=first.started_at,
                ended_at=first.ended_at,
            )
        )
        db.session.commit()

    problems = loadgen.exactly_once(database_url, results)

    assert any("stored 2 times" in problem for problem in problems), problems
    assert any("never sent" in problem for problem in problems), problems
