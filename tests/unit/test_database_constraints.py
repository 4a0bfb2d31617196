"""The database itself refuses bad data, whatever code writes it."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError, StatementError

from mspboard.models import TimeCard, TimeEntry, db
from tests.factories import make_client, make_sr, make_user

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def entry(tech, client, started=T0, ended=None, key=None):
    return TimeEntry(
        uuid=key or f"00000000-0000-4000-8000-{id(object()):012d}"[-36:],
        tech=tech,
        client=client,
        started_at=started,
        ended_at=ended,
    )


def expect_refusal(*records):
    db.session.add_all(records)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_only_one_timer_runs_per_tech():
    tech, client = make_user(), make_client()
    db.session.add(entry(tech, client, key="a" * 36))
    db.session.flush()
    expect_refusal(entry(tech, client, started=T0 + timedelta(hours=1), key="b" * 36))


def test_finished_entries_do_not_count_as_running_timers():
    tech, client = make_user(), make_client()
    db.session.add_all(
        [
            entry(tech, client, ended=T0 + timedelta(hours=1), key="a" * 36),
            entry(tech, client, started=T0 + timedelta(hours=2), key="b" * 36),
        ]
    )
    db.session.flush()


def test_an_entry_must_end_after_it_starts():
    expect_refusal(entry(make_user(), make_client(), ended=T0 - timedelta(minutes=1)))


def test_client_made_uuid_is_stored_once():
    tech, client = make_user(), make_client()
    db.session.add(entry(tech, client, ended=T0 + timedelta(hours=1), key="c" * 36))
    db.session.flush()
    expect_refusal(entry(tech, client, ended=T0 + timedelta(hours=1), key="c" * 36))


def test_one_time_card_per_tech_per_week():
    tech = make_user()
    db.session.add(TimeCard(tech=tech, week_start=date(2026, 11, 23)))
    db.session.flush()
    expect_refusal(TimeCard(tech=tech, week_start=date(2026, 11, 23)))


def test_an_sr_is_closed_exactly_when_it_is_done():
    sr = make_sr()
    sr.status = "done"
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_priority_stays_between_p1_and_p4():
    sr = make_sr()
    sr.priority = 5
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_emails_are_stored_lowercase_only():
    make_user(email="lower@example.test")
    with pytest.raises(IntegrityError):
        db.session.execute(text("UPDATE users SET email = 'UPPER@example.test'"))
    db.session.rollback()


def test_times_come_back_in_utc_and_naive_times_are_refused():
    tech, client = make_user(), make_client()
    local = datetime(2026, 11, 23, 10, 0, tzinfo=UTC).astimezone()
    db.session.add(entry(tech, client, started=local, key="d" * 36))
    db.session.commit()
    stored = db.session.scalars(select(TimeEntry)).one()
    assert stored.started_at == local and stored.started_at.tzinfo == UTC
    db.session.add(
        entry(tech, client, started=datetime(2026, 11, 23, 10), ended=None, key="e" * 36)
    )
    with pytest.raises(StatementError):
        db.session.flush()
    db.session.rollback()


def test_time_card_versions_lock_out_a_stale_writer():
    from sqlalchemy.orm.exc import StaleDataError

    card = TimeCard(tech=make_user(), week_start=date(2026, 11, 16))
    db.session.add(card)
    db.session.flush()
    # Someone else decides the card; this session still holds version 1 in memory.
    db.session.execute(text("UPDATE time_cards SET version = version + 1"))
    card.reason = "a decision made on stale data"
    with pytest.raises(StaleDataError):
        db.session.flush()
    db.session.rollback()


def test_foreign_keys_are_enforced():
    tech = make_user()
    db.session.add(entry(tech, make_client(), key="f" * 36))
    db.session.flush()
    with pytest.raises(IntegrityError):
        db.session.execute(text("UPDATE time_entries SET client_id = 999999"))
    db.session.rollback()


def test_sqlite_connections_use_wal_and_foreign_keys(tmp_path):
    from sqlalchemy import create_engine

    engine = create_engine(f"sqlite:///{tmp_path / 'pragmas.db'}")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()
