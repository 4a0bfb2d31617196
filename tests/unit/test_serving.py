"""The process model's pieces that need no server: which paths are streams, the gunicorn
settings read from the environment, and what make run starts with and without Redis."""

import importlib

import pytest

from mspboard import config
from mspboard.serving import bind_from, dev, is_stream_path

pytestmark = pytest.mark.instant_free


@pytest.mark.parametrize(
    ("path", "stream"),
    [
        ("/board/events", True),
        ("/manage/events", True),
        ("/tv/Xy_9-z/events", True),
        ("/board", False),
        ("/board/events/", False),
        ("/tv/a/b/events", False),
        ("/m/events", False),
        ("/board/eventsx", False),
    ],
)
def test_stream_paths(path: str, stream: bool) -> None:
    assert is_stream_path(path) is stream


def test_bind_addresses_come_from_the_environment(monkeypatch) -> None:
    monkeypatch.delenv("MSPBOARD_PAGES_BIND", raising=False)
    assert bind_from("MSPBOARD_PAGES_BIND", "127.0.0.1:8000") == ["127.0.0.1:8000"]
    monkeypatch.setenv("MSPBOARD_PAGES_BIND", " 0.0.0.0:80 , unix:/run/pages.sock ")
    assert bind_from("MSPBOARD_PAGES_BIND", "127.0.0.1:8000") == [
        "0.0.0.0:80",
        "unix:/run/pages.sock",
    ]


def test_the_gunicorn_settings(monkeypatch) -> None:
    for name in ("MSPBOARD_PAGES_BIND", "MSPBOARD_STREAMS_BIND", "MSPBOARD_PAGES_WORKERS"):
        monkeypatch.delenv(name, raising=False)
    pages = importlib.reload(importlib.import_module("mspboard.serving.pages"))
    streams = importlib.reload(importlib.import_module("mspboard.serving.streams"))
    assert (pages.bind, pages.worker_class) == (["127.0.0.1:8000"], "sync")
    assert pages.workers >= 1
    assert "MSPBOARD_STREAMS_ELSEWHERE=1" in pages.raw_env
    assert (streams.bind, streams.worker_class) == (["127.0.0.1:8001"], "gevent")
    assert streams.worker_connections >= 300
    assert streams.keepalive == 0


def test_streams_elsewhere_is_a_flag(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("MSPBOARD_STREAMS_ELSEWHERE", raising=False)
    assert config.from_environment(str(tmp_path))["STREAMS_ELSEWHERE"] is False
    monkeypatch.setenv("MSPBOARD_STREAMS_ELSEWHERE", "1")
    assert config.from_environment(str(tmp_path))["STREAMS_ELSEWHERE"] is True


def test_make_run_without_redis_serves_everything_from_one_gevent_process(monkeypatch) -> None:
    monkeypatch.setattr(dev, "redis_answers", lambda _url: False)
    processes, env, told = dev.plan(5000, {})
    assert processes == [("mspboard.serving.streams", "app:app")]
    assert env["MSPBOARD_STREAMS_BIND"] == "127.0.0.1:5000"
    assert "MSPBOARD_REDIS_URL" not in env
    assert "No Redis" in told


def test_make_run_with_the_local_redis_starts_both_processes_behind_the_front(monkeypatch) -> None:
    monkeypatch.setattr(dev, "redis_answers", lambda _url: True)
    processes, env, told = dev.plan(5000, {})
    assert [config for config, _app in processes] == [
        "mspboard.serving.pages",
        "mspboard.serving.streams",
        "mspboard.serving.front",
    ]
    assert env["MSPBOARD_REDIS_URL"] == dev.LOCAL_REDIS
    assert env["MSPBOARD_FRONT_BIND"] == "127.0.0.1:5000"
    assert env["MSPBOARD_PAGES_BIND"] != env["MSPBOARD_STREAMS_BIND"]
    assert "local Redis" in told


def test_make_run_uses_the_redis_it_is_given(monkeypatch) -> None:
    monkeypatch.setattr(dev, "redis_answers", lambda _url: pytest.fail("no probe needed"))
    processes, env, _told = dev.plan(5000, {"MSPBOARD_REDIS_URL": "redis://cache:6379/2"})
    assert len(processes) == 3
    assert env["MSPBOARD_REDIS_URL"] == "redis://cache:6379/2"
