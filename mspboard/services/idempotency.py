"""Writes that may arrive twice: the sender's UUID is kept with the stored result, in the same
transaction as the change, so a replay gets the first answer and changes nothing."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime, timedelta
from urllib.parse import urlencode

from sqlalchemy import delete

from mspboard.models import IdempotencyKey, User, db, utcnow

# Sent with the request but not part of what it asks for: a fresh token on a retry must
# not make the same change look like a different one.
NOT_PART_OF_THE_CHANGE = frozenset({"csrf_token"})


class KeyConflict(Exception):
    """The key was already used for a different request (or by someone else)."""


def fingerprint(fields: Iterable[tuple[str, str]]) -> str:
    """sha256 of a parsed form, fields sorted by name (a field's repeated values keep their
    order), leaving out the CSRF token. Parsed, not raw: whoever read the body first (the
    CSRF check does), the same change gives the same fingerprint."""
    kept = [(k, v) for k, v in fields if k not in NOT_PART_OF_THE_CHANGE]
    canonical = urlencode(sorted(kept, key=lambda pair: pair[0]))
    return hashlib.sha256(canonical.encode()).hexdigest()


def find(key: str, user: User, fingerprint: str) -> IdempotencyKey | None:
    """The stored result for this key, None when the key is new."""
    stored = db.session.get(IdempotencyKey, key)
    if stored is None:
        return None
    if stored.user_id != user.id or stored.fingerprint != fingerprint:
        raise KeyConflict(key)
    return stored


def remember(key: str, user: User, fingerprint: str, status: int, body: str) -> IdempotencyKey:
    stored = IdempotencyKey(
        key=key,
        user_id=user.id,
        fingerprint=fingerprint,
        response_status=status,
        response_body=body,
    )
    db.session.add(stored)
    db.session.flush()
    return stored


def prune(older_than: timedelta, now: datetime | None = None) -> int:
    """Delete stored answers older than `older_than`; returns how many went. A phone's
    outbox sends within days, so old keys only take space."""
    cutoff = (now or utcnow()) - older_than
    result = db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < cutoff))
    return result.rowcount or 0
