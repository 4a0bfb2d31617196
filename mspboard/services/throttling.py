"""Throttling of guesses: wrong passwords at sign-in, and unknown TV-link and calendar-feed
tokens. Counters live in Flask-Limiter's storage (Redis when the shop has one, else memory).

Only failures count, so people who type their password right are never slowed:
- per account (the email as typed, stripped and lower-cased, known or not) on a moving
  window of ACCOUNT_LIMITS: the 6th wrong password within a minute waits for the first to
  be a minute old, the 11th within 15 minutes for the first of those, the 21st within a day
  for the first of the day; a typo costs a minute at most;
- per client address (as the app sees it, through ProxyFix when BEHIND_PROXY) on
  ADDRESS_LIMITS, wider, so one client guessing across many accounts is slowed too.
While either is locked every try is refused before the password is checked, the right one
included, and refused tries are not counted (waiting the lock out always works). The try
that locks records an audit event; a sign-in clears the account's count, and so does an
admin (`unlock`). Address locks end on their own.

A token that matches no active link counts against the client's address (TOKEN_LIMITS);
the right token is never counted nor refused, so a TV refreshing its board is never slowed.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import redis
from flask import Response, current_app, request
from flask_limiter import Limiter
from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter, RateLimiter

from mspboard import events
from mspboard.models import User, db
from mspboard.services import accounts
from mspboard.services.audit import record_about, record_event

ACCOUNT_LIMITS = parse_many("5 per minute; 10 per 15 minutes; 20 per day")
ADDRESS_LIMITS = parse_many("30 per 15 minutes")
TOKEN_LIMITS = parse_many("10 per minute; 100 per day")

ACCOUNT, ADDRESS, TOKEN = "sign-in-account", "sign-in-address", "token-guess"
EXTENSION = "mspboard.throttling"
COUNTS = "mspboard.throttling.counts"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Lock:
    """Refused until `until`; `retry_after` whole seconds from `now` is the first moment
    a try is allowed again."""

    until: datetime
    retry_after: int
    by_address: bool = False

    def in_words(self) -> str:
        return wait_in_words(self.retry_after)

    def refuse(self, body: str, mimetype: str = "text/html") -> Response:
        """The answer while locked: 429, and Retry-After in whole seconds."""
        return Response(
            body, 429, mimetype=mimetype, headers={"Retry-After": str(self.retry_after)}
        )


def wait_in_words(seconds: int) -> str:
    """A wait as a person says it, rounded up: 45 seconds, 1 minute, 14 minutes, 3 hours."""
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    if minutes < 120:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{math.ceil(minutes / 60)} hours"


def key_prefix(database_url: str) -> str:
    """Counters of one database, so two shops (or a shop and its tests) on one Redis server
    keep their own."""
    return "mspboard-" + events.database_tag(database_url)


def init_app(app) -> Limiter:
    """One limiter per app; no limit on any route unless this module applies it."""
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    app.config.setdefault("RATELIMIT_KEY_PREFIX", key_prefix(app.config["SQLALCHEMY_DATABASE_URI"]))
    app.config.setdefault("RATELIMIT_STRATEGY", "moving-window")
    limiter = Limiter(key_func=lambda: request.remote_addr or "", app=app, default_limits=[])
    app.extensions[EXTENSION] = limiter
    app.extensions[COUNTS] = _CountsHere(limiter.limiter)
    return limiter


class _CountsHere:
    """The limiter's strategy, counting in this process while its Redis cannot be reached:
    a sign-in page must not fail because the counters' store is down."""

    def __init__(self, shared: RateLimiter) -> None:
        self._shared = shared
        self._here = MovingWindowRateLimiter(MemoryStorage())

    def __getattr__(self, name: str):
        shared, here = getattr(self._shared, name), getattr(self._here, name)

        def call(*args, **kwargs):
            try:
                return shared(*args, **kwargs)
            except redis.RedisError:
                log.warning("Redis unreachable; sign-in and link counts are kept in this process")
                return here(*args, **kwargs)

        return call


def _strategy() -> RateLimiter:
    return current_app.extensions[COUNTS]


def _ids(kind: str, value: str) -> tuple[str, str, str]:
    return current_app.config["RATELIMIT_KEY_PREFIX"], kind, value


def normalise_account(email: str) -> str:
    return email.strip().lower()


def _account_ids(email: str) -> tuple[str, str, str]:
    # Hashed: the store holds no email addresses, and a key's length does not depend on them.
    digest = hashlib.sha256(normalise_account(email).encode()).hexdigest()
    return _ids(ACCOUNT, digest)


def _lock(items: list[RateLimitItem], ids: tuple[str, ...], by_address: bool = False):
    """The lock these limits put on `ids` now, or None: a full window is open again once
    its oldest counted try is a window old."""
    strategy, now = _strategy(), time.time()
    ends = [
        strategy.get_window_stats(item, *ids).reset_time
        for item in items
        if not strategy.test(item, *ids)
    ]
    if not ends:
        return None
    retry_after = max(math.ceil(max(ends) - now), 1)
    return Lock(datetime.fromtimestamp(now + retry_after, UTC), retry_after, by_address)


def _hit(items: list[RateLimitItem], ids: tuple[str, ...]) -> None:
    strategy = _strategy()
    for item in items:
        strategy.hit(item, *ids)


def _failures(items: list[RateLimitItem], ids: tuple[str, ...]) -> int:
    strategy = _strategy()
    return max(item.amount - strategy.get_window_stats(item, *ids).remaining for item in items)


# ---- sign-in ---------------------------------------------------------------------------------


def sign_in_lock(email: str, address: str) -> Lock | None:
    """Whether a sign-in as `email` from `address` is refused now, and until when."""
    return _lock(ACCOUNT_LIMITS, _account_ids(email)) or _lock(
        ADDRESS_LIMITS, _ids(ADDRESS, address), by_address=True
    )


def record_failed_sign_in(email: str, address: str) -> Lock | None:
    """Count a wrong email or password; the lock it starts, if any, is audited and returned."""
    _hit(ACCOUNT_LIMITS, _account_ids(email))
    _hit(ADDRESS_LIMITS, _ids(ADDRESS, address))
    lock = sign_in_lock(email, address)
    if lock is not None:
        details = {
            "email": normalise_account(email),
            "address": address,
            "locked_until": lock.until.isoformat(),
        }
        if lock.by_address:
            record_about(None, "address.locked", "client_addresses", None, after=details)
        else:
            user = accounts.find_by_email(email)
            record_about(None, "user.locked", "users", user.id if user else None, after=details)
        db.session.flush()
    return lock


def forget_failures(email: str) -> None:
    """A sign-in as this account clears its count (not its address's)."""
    strategy, ids = _strategy(), _account_ids(email)
    for item in ACCOUNT_LIMITS:
        strategy.clear(item, *ids)


def account_failures(user: User) -> int:
    """Wrong passwords counted against this account (in the longest window)."""
    return _failures(ACCOUNT_LIMITS, _account_ids(user.email))


def account_lock(user: User) -> Lock | None:
    return _lock(ACCOUNT_LIMITS, _account_ids(user.email))


@dataclass(frozen=True)
class AccountState:
    failures: int
    lock: Lock | None


def account_state(user: User) -> AccountState:
    """What the admin's user page shows: wrong passwords counted, and the lock if any."""
    return AccountState(account_failures(user), account_lock(user))


def unlock(actor: User, user: User) -> bool:
    """An admin clears the account's count, and with it any lock; audited. False (and
    nothing written) when there was nothing to clear."""
    failures = account_failures(user)
    if not failures:
        return False
    lock = account_lock(user)
    forget_failures(user.email)
    before = {"failed_sign_ins": failures, "locked_until": lock.until.isoformat() if lock else None}
    record_event(actor, "user.unlocked", user, before, {"failed_sign_ins": 0})
    db.session.flush()
    return True


# ---- tokens ----------------------------------------------------------------------------------


def record_token_miss(address: str) -> Lock | None:
    """A token that matched nothing: refused (a Lock) while the address is over its limit,
    else counted."""
    ids = _ids(TOKEN, address)
    lock = _lock(TOKEN_LIMITS, ids, by_address=True)
    if lock is None:
        _hit(TOKEN_LIMITS, ids)
    return lock
