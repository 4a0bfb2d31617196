"""The pages process refuses live event streams at once: they belong to the streams process.

With STREAMS_ELSEWHERE on (MSPBOARD_STREAMS_ELSEWHERE=1, which mspboard.serving.pages sets), a
stream request that reached the pages process anyway (a proxy without the stream route, a
direct request) is answered 503 with Retry-After before anything else runs: no sign-in check,
no database, no worker held. The page then polls for the same fragments, as it does past its
stream cap (static/js/live.js), and asks for its stream again later.
"""

from __future__ import annotations

from flask import Flask, Response, request


def register(app: Flask) -> None:
    if app.config.get("STREAMS_ELSEWHERE"):
        app.before_request(_refuse_streams)


def _refuse_streams() -> Response | None:
    from mspboard.live_streams import TOPICS, refused

    if request.endpoint not in TOPICS:
        return None
    return refused("Live updates are served by the streams process")
