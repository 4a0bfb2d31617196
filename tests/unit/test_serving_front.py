"""make run's front: stream paths go to the streams process, everything else to the pages
process, with the request's method, target, headers and body, and the answer's status and
headers (every Set-Cookie) coming back; an event stream is relayed as it comes."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server
from werkzeug.test import Client
from werkzeug.wrappers import Request, Response

from mspboard.serving import front

pytestmark = pytest.mark.instant_free


@Request.application
def pages(request: Request) -> Response:
    echo = "|".join(
        [
            request.method,
            request.full_path.rstrip("?"),
            request.host,
            request.headers.get("Cookie", ""),
            request.get_data(as_text=True),
        ]
    )
    answer = Response(echo, status=201)
    answer.headers.add("Set-Cookie", "a=1; Path=/")
    answer.headers.add("Set-Cookie", "b=2; Path=/")
    return answer


@Request.application
def streams(request: Request) -> Response:
    def events() -> Iterator[str]:
        yield "retry: 2000\n: connected\n\n"
        yield f"event: refresh\ndata: {request.path}\n\n"

    return Response(events(), mimetype="text/event-stream")


@pytest.fixture
def upstreams(monkeypatch) -> Iterator[None]:
    servers = [make_server("127.0.0.1", 0, app) for app in (pages, streams)]
    threads = [threading.Thread(target=server.serve_forever, daemon=True) for server in servers]
    for thread in threads:
        thread.start()
    monkeypatch.setenv("MSPBOARD_PAGES_BIND", f"127.0.0.1:{servers[0].server_port}")
    monkeypatch.setenv("MSPBOARD_STREAMS_BIND", f"127.0.0.1:{servers[1].server_port}")
    try:
        yield
    finally:
        for server, thread in zip(servers, threads, strict=True):
            server.shutdown()
            server.server_close()
            thread.join()


def test_pages_go_to_the_pages_process_with_everything_the_browser_sent(upstreams) -> None:
    client = Client(front.app)
    client.set_cookie("session", "xyz", domain="desk.test")
    answer = client.post(
        "/sr/new?from=board",
        data={"title": "Printer"},
        headers={"Host": "desk.test", "Connection": "keep-alive"},
        buffered=True,
    )
    assert answer.status_code == 201
    method, target, host, cookie, body = answer.get_data(as_text=True).split("|")
    assert (method, target, host, body) == (
        "POST",
        "/sr/new?from=board",
        "desk.test",
        "title=Printer",
    )
    assert "session=xyz" in cookie
    assert answer.headers.getlist("Set-Cookie") == ["a=1; Path=/", "b=2; Path=/"]
    assert "Connection" not in answer.headers


def test_streams_go_to_the_streams_process_and_come_back_as_a_stream(upstreams) -> None:
    answer = Client(front.app).get("/tv/Ab_1-x/events", buffered=True)
    assert answer.mimetype == "text/event-stream"
    assert answer.get_data(as_text=True) == (
        "retry: 2000\n: connected\n\nevent: refresh\ndata: /tv/Ab_1-x/events\n\n"
    )


def test_a_process_not_answering_is_a_502_to_retry(monkeypatch) -> None:
    with socket.socket() as bound_not_listening:
        bound_not_listening.bind(("127.0.0.1", 0))
        port = bound_not_listening.getsockname()[1]
        monkeypatch.setenv("MSPBOARD_PAGES_BIND", f"127.0.0.1:{port}")
        answer = Client(front.app).get("/board", buffered=True)
    assert answer.status_code == 502
    assert answer.headers["Retry-After"] == "2"
