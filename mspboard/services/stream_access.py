"""Who an open live stream was opened for, and whether they may still see it.

A stream outlives the request that opened it, so the sign-in check at the door is not
enough: an open stream asks `may_still_watch` every few seconds and ends once it says no.
This is the one place that decides; a new reason to end streams is one more line here.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from mspboard.models import SignIn, TvLink, db
from mspboard.services import sign_ins


@dataclass(frozen=True)
class Viewer:
    """A signed-in person, as of one sign-in (it ends when they sign out, their password
    changes or they are deactivated), or a wall-TV link."""

    user_id: int | None = None
    sign_in_id: int | None = None
    tv_link_id: int | None = None

    @classmethod
    def person(cls, sign_in: SignIn | None) -> Viewer:
        if sign_in is None:
            return cls()
        return cls(user_id=sign_in.user_id, sign_in_id=sign_in.id)

    @classmethod
    def wall_tv(cls, link: TvLink) -> Viewer:
        return cls(tv_link_id=link.id)

    @property
    def key(self) -> str:
        """What the cap on open streams counts by: one person, or one TV link."""
        return f"tv:{self.tv_link_id}" if self.tv_link_id is not None else f"user:{self.user_id}"


def may_still_watch(viewer: Viewer) -> bool:
    """Whether the stream opened for `viewer` may go on: the person's sign-in is still live
    (not ended, not expired, the person active), or the TV link is not revoked. One indexed
    query."""
    if viewer.tv_link_id is not None:
        return (
            db.session.scalar(
                select(TvLink.id).where(TvLink.id == viewer.tv_link_id, TvLink.revoked_at.is_(None))
            )
            is not None
        )
    if viewer.sign_in_id is None:
        return False
    return sign_ins.is_live(viewer.sign_in_id)
