"""make run's front: one address for both processes, as the reverse proxy is in production.

A WSGI app that passes each request on to the streams process when its path is a live
stream's (STREAM_PATH_PATTERN) and to the pages process otherwise, and passes the answer back
as it comes (an event stream chunk by chunk). It runs on gunicorn's gevent worker, so an open
stream costs it a greenlet, and it is also its own gunicorn configuration:

    gunicorn -c python:mspboard.serving.front mspboard.serving.front:app

with MSPBOARD_FRONT_BIND (its address), MSPBOARD_PAGES_BIND and MSPBOARD_STREAMS_BIND (where
the two processes listen; mspboard.serving.dev sets all three). For development only: in
production nginx (or any proxy) does this, as the README shows.
"""

from __future__ import annotations

import http.client
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

from mspboard.serving import (
    PAGES_BIND_DEFAULT,
    STREAMS_BIND_DEFAULT,
    bind_from,
    is_stream_path,
    quiet_late_ssl_patch,
)
from mspboard.serving.shutdown import end_streams_on_exit

quiet_late_ssl_patch()

# gunicorn settings (this module is the front's configuration file too).
bind = bind_from("MSPBOARD_FRONT_BIND", "127.0.0.1:5000")
worker_class = "gevent"
workers = 1
worker_connections = 1000
graceful_timeout = 2
# Relayed streams end at once when the front stops, as the streams process's do.
post_worker_init = end_streams_on_exit
control_socket_disable = True

# Hop-by-hop headers (RFC 9110 7.6.1) are the front's own, never passed on.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
# Longer than a stream stays quiet (its keep-alive comes every few seconds).
UPSTREAM_TIMEOUT_SECONDS = 60


def _address(variable: str, default: str) -> tuple[str, int]:
    host, _, port = bind_from(variable, default)[0].rpartition(":")
    return host or "127.0.0.1", int(port)


def _request_headers(environ: dict[str, Any]) -> list[tuple[str, str]]:
    headers = []
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            name = key[5:].replace("_", "-").lower()
            if name not in HOP_BY_HOP:
                headers.append((name, value))
    for key, name in (("CONTENT_TYPE", "content-type"), ("CONTENT_LENGTH", "content-length")):
        if environ.get(key):
            headers.append((name, environ[key]))
    return headers


def _target(environ: dict[str, Any]) -> str:
    raw = environ.get("RAW_URI")
    if raw:
        return raw
    query = environ.get("QUERY_STRING")
    path = quote(environ.get("PATH_INFO", "/"), safe="/;=,:@!$&'()*+~")
    return f"{path}?{query}" if query else path


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
    streams = is_stream_path(environ.get("PATH_INFO", ""))
    host, port = (
        _address("MSPBOARD_STREAMS_BIND", STREAMS_BIND_DEFAULT)
        if streams
        else _address("MSPBOARD_PAGES_BIND", PAGES_BIND_DEFAULT)
    )
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else None
    connection = http.client.HTTPConnection(host, port, timeout=UPSTREAM_TIMEOUT_SECONDS)
    try:
        connection.putrequest(
            environ["REQUEST_METHOD"], _target(environ), skip_host=True, skip_accept_encoding=True
        )
        for name, value in _request_headers(environ):
            connection.putheader(name, value)
        connection.endheaders(body)
        answer = connection.getresponse()
    except OSError:
        connection.close()
        which = "streams" if streams else "pages"
        start_response("502 Bad Gateway", [("Content-Type", "text/plain"), ("Retry-After", "2")])
        return [f"The {which} process is not answering (yet).\n".encode()]
    headers = [(n, v) for n, v in answer.getheaders() if n.lower() not in HOP_BY_HOP]
    start_response(f"{answer.status} {answer.reason}", headers)
    return _Relay(connection, answer)


class _Relay:
    """The upstream answer's body as it arrives; closing it (the browser left) closes the
    upstream connection, so the stream behind it ends too."""

    def __init__(self, connection: http.client.HTTPConnection, answer: Any) -> None:
        self._connection = connection
        self._answer = answer

    def __iter__(self) -> Iterator[bytes]:
        while True:
            chunk = self._answer.read1(65536)
            if not chunk:
                return
            yield chunk

    def close(self) -> None:
        self._answer.close()
        self._connection.close()
