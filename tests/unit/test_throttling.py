"""The throttling rules at their boundaries, on a stopped clock (the limiter's moving windows
read time.time(), which time-machine moves)."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from mspboard import create_app, events
from mspboard.models import AuditEvent, db
from mspboard.services import throttling
from mspboard.services.throttling import (
    forget_failures,
    record_failed_sign_in,
    record_token_miss,
    sign_in_lock,
    wait_in_words,
)
from tests.conftest import REDIS_URL
from tests.factories import make_user

HERE = "203.0.113.7"
ELSEWHERE = "198.51.100.20"
EMAIL = "tom@example.test"


def fail(times: int, email: str = EMAIL, address: str = HERE):
    lock = None
    for _ in range(times):
        assert sign_in_lock(email, address) is None, "a try was refused before its turn"
        lock = record_failed_sign_in(email, address)
    return lock


def audit(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_five_wrong_passwords_are_checked_and_the_sixth_try_is_refused(stopped):
    assert fail(4) is None
    assert sign_in_lock(EMAIL, HERE) is None  # the 5th try is still checked
    lock = record_failed_sign_in(EMAIL, HERE)
    assert lock is not None and not lock.by_address
    assert sign_in_lock(EMAIL, HERE) == lock  # the 6th is refused
    assert sign_in_lock(EMAIL, ELSEWHERE) is not None  # the account is locked, wherever from
    assert sign_in_lock("someone.else@example.test", HERE) is None


def test_the_lock_ends_exactly_when_retry_after_says(stopped):
    lock = fail(5)
    assert lock.retry_after == 60
    assert lock.until.timestamp() == time.time() + 60
    stopped.shift(lock.retry_after - 0.001)
    assert sign_in_lock(EMAIL, HERE) is not None
    stopped.shift(0.001)
    assert sign_in_lock(EMAIL, HERE) is None


def test_retry_after_counts_from_the_oldest_try_in_the_window(stopped):
    fail(1)
    stopped.shift(20.5)
    lock = fail(4)
    assert lock.retry_after == 40  # the first try leaves the minute 39.5 s from now
    stopped.shift(39.499)
    assert sign_in_lock(EMAIL, HERE) is not None
    stopped.shift(0.001)
    assert sign_in_lock(EMAIL, HERE) is None
    stopped.shift(1)
    assert record_failed_sign_in(EMAIL, HERE) is not None  # the four of 20 s ago and this one


def test_locks_grow_longer_with_more_wrong_passwords(stopped):
    assert fail(5).retry_after == 60
    stopped.shift(60)
    second = fail(5)
    assert second.retry_after == 15 * 60 - 60  # the 10th within 15 minutes: from the first
    stopped.shift(second.retry_after)
    for _ in range(2):
        stopped.shift(60)
        lock = fail(5)
    assert lock.retry_after == 24 * 3600 - (15 * 60 + 2 * 60)  # the 20th within a day
    assert lock.in_words() == "24 hours"


def test_a_sign_in_clears_the_accounts_count(stopped):
    fail(4)
    forget_failures(EMAIL)
    assert fail(4) is None
    assert record_failed_sign_in(EMAIL, HERE) is not None


def test_the_account_is_the_email_as_typed_stripped_and_lower_cased(stopped):
    fail(4, "  Tom@Example.TEST ")
    assert record_failed_sign_in("TOM@example.test", ELSEWHERE) is not None
    assert sign_in_lock(EMAIL, "192.0.2.1") is not None


def test_one_address_guessing_across_accounts_is_locked_after_thirty(stopped):
    for number in range(29):
        assert record_failed_sign_in(f"user{number}@example.test", HERE) is None
    lock = record_failed_sign_in("user29@example.test", HERE)
    assert lock is not None and lock.by_address and lock.retry_after == 15 * 60
    assert sign_in_lock("nobody.tried@example.test", HERE) == lock
    assert sign_in_lock("nobody.tried@example.test", ELSEWHERE) is None
    stopped.shift(15 * 60)
    assert sign_in_lock("nobody.tried@example.test", HERE) is None


def test_locking_an_account_is_audited_once_with_who_where_and_until(stopped):
    tom = make_user(email=EMAIL)
    lock = fail(5)
    [event] = audit("user.locked")
    assert (event.entity_type, event.entity_id, event.actor_id) == ("users", tom.id, None)
    assert event.after == {
        "email": EMAIL,
        "address": HERE,
        "locked_until": lock.until.isoformat(),
    }
    assert sign_in_lock(EMAIL, HERE) is not None and len(audit("user.locked")) == 1


def test_locking_an_unknown_account_is_audited_without_a_record(stopped):
    fail(5, "nobody@example.test")
    [event] = audit("user.locked")
    assert event.entity_id is None and event.after["email"] == "nobody@example.test"


def test_locking_an_address_is_audited(stopped):
    for number in range(30):
        record_failed_sign_in(f"user{number}@example.test", HERE)
    [event] = audit("address.locked")
    assert (event.entity_type, event.entity_id) == ("client_addresses", None)
    assert event.after["address"] == HERE and event.after["email"] == "user29@example.test"


def test_an_admin_unlock_clears_the_lock_and_is_audited(stopped):
    admin = make_user(role="admin")
    tom = make_user(email=EMAIL)
    fail(5)
    assert throttling.account_state(tom).failures == 5
    assert throttling.unlock(admin, tom) is True
    assert sign_in_lock(EMAIL, HERE) is None
    assert throttling.account_state(tom) == throttling.AccountState(0, None)
    [event] = audit("user.unlocked")
    assert (event.actor_id, event.entity_id) == (admin.id, tom.id)
    assert event.before["failed_sign_ins"] == 5 and event.before["locked_until"]


def test_unlocking_an_account_with_nothing_counted_writes_nothing(stopped):
    admin = make_user(role="admin")
    tom = make_user(email=EMAIL)
    assert throttling.unlock(admin, tom) is False
    assert audit("user.unlocked") == []


def test_ten_unknown_tokens_a_minute_are_answered_the_eleventh_is_refused(stopped):
    for _ in range(10):
        assert record_token_miss(HERE) is None
    lock = record_token_miss(HERE)
    assert lock is not None and lock.retry_after == 60
    assert record_token_miss(ELSEWHERE) is None
    stopped.shift(59.999)
    assert record_token_miss(HERE) is not None
    stopped.shift(0.001)
    assert record_token_miss(HERE) is None


def test_token_misses_are_limited_to_a_hundred_a_day(stopped):
    for _ in range(10):
        for _ in range(10):
            assert record_token_miss(HERE) is None
        stopped.shift(60)
    lock = record_token_miss(HERE)
    assert lock is not None and lock.retry_after == 24 * 3600 - 10 * 60


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (1, "1 second"),
        (59, "59 seconds"),
        (60, "1 minute"),
        (61, "2 minutes"),
        (300, "5 minutes"),
        (119 * 60, "119 minutes"),
        (120 * 60, "2 hours"),
        (120 * 60 + 1, "3 hours"),
    ],
)
def test_the_wait_is_said_in_words_rounded_up(seconds, words):
    assert wait_in_words(seconds) == words


def test_each_database_has_its_own_key_prefix():
    assert throttling.key_prefix("sqlite:///a.db") != throttling.key_prefix("sqlite:///b.db")


@pytest.mark.redis
def test_two_databases_on_one_redis_keep_their_own_counts(tmp_path):
    """With MSPBOARD_REDIS_URL the counts live in Redis, per database: another shop's wrong
    passwords lock nothing here."""
    try:
        apps = [
            create_app(
                {
                    "TESTING": True,
                    "SECRET_KEY": "x",
                    "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / name}.db",
                    "INSTANCE_PATH": str(tmp_path / name),
                    "REDIS_URL": REDIS_URL,
                }
            )
            for name in ("shop_a", "shop_b")
        ]
    finally:
        events.configure(None)
    assert apps[0].config["RATELIMIT_STORAGE_URI"] == REDIS_URL
    email = f"tom-{tmp_path.name}@example.test"
    with apps[0].app_context():
        for _ in range(5):
            throttling._hit(throttling.ACCOUNT_LIMITS, throttling._account_ids(email))
        assert sign_in_lock(email, HERE) is not None
    with apps[1].app_context():
        assert sign_in_lock(email, HERE) is None
    with apps[0].app_context():
        forget_failures(email)


def test_with_its_redis_unreachable_sign_in_is_still_counted_here(tmp_path, stopped):
    """A configured Redis that is down must not turn the sign-in page into a 500: the counts
    are kept in this process until it is back."""
    try:
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "x",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'shop'}.db",
                "INSTANCE_PATH": str(tmp_path / "shop"),
                "REDIS_URL": "redis://127.0.0.1:9/0",  # the discard port: nothing listens
            }
        )
    finally:
        events.configure(None)
    with app.app_context():
        db.create_all()
        assert fail(4) is None
        assert record_failed_sign_in(EMAIL, HERE) is not None
        assert sign_in_lock(EMAIL, HERE) is not None
        forget_failures(EMAIL)
        assert sign_in_lock(EMAIL, HERE) is None
