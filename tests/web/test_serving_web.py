"""The pages process's side of the split: with STREAMS_ELSEWHERE every live stream path is
refused at once (503, Retry-After, no stream), before sign-in or link checks, and every
stream route is one the reverse proxy sends to the streams process."""

import pytest

from mspboard.live_streams import TOPICS
from mspboard.serving import is_stream_path

pytestmark = pytest.mark.instant_free


@pytest.fixture
def app_config() -> dict[str, object]:
    return {"STREAMS_ELSEWHERE": True}


@pytest.mark.parametrize("path", ["/board/events", "/manage/events", "/tv/no-such-link/events"])
def test_the_pages_process_refuses_every_stream_path_at_once(login_as, path: str) -> None:
    signed_in = login_as("service_manager")
    for client in (signed_in, signed_in.application.test_client()):
        answer = client.get(path)
        assert answer.status_code == 503
        assert answer.headers["Retry-After"] == "15"
        assert answer.mimetype == "text/plain"
        assert answer.headers["Cache-Control"] == "no-store"


def test_an_unknown_tv_link_refused_here_is_not_counted_as_a_guess(client) -> None:
    # The refusal comes before the link is looked up, so it costs no guess from the
    # address's allowance (10 a minute).
    for _ in range(12):
        assert client.get("/tv/no-such-link/events").status_code == 503
    assert client.get("/tv/no-such-link").status_code != 429


def test_pages_are_still_served(login_as) -> None:
    assert login_as("service_manager").get("/board").status_code == 200


def test_every_stream_route_is_routed_to_the_streams_process(app) -> None:
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint in TOPICS]
    assert {rule.endpoint for rule in rules} == set(TOPICS)
    for rule in rules:
        example = rule.rule.replace("<token>", "AbC-123_x")
        assert is_stream_path(example), rule.rule
    streaming = {
        r.rule for r in app.url_map.iter_rules() if is_stream_path(r.rule.replace("<token>", "t"))
    }
    assert streaming == {rule.rule for rule in rules}
