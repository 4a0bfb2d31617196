import multiprocessing
import os
import stat

import pytest

from mspboard import config

pytestmark = pytest.mark.instant_free


def test_secret_key_is_generated_once_and_kept_private(tmp_path, monkeypatch):
    monkeypatch.delenv("MSPBOARD_SECRET_KEY", raising=False)
    first = config.secret_key(str(tmp_path))
    assert len(first) >= 40
    assert config.secret_key(str(tmp_path)) == first
    mode = stat.S_IMODE(os.stat(tmp_path / config.SECRET_KEY_FILE).st_mode)
    assert mode == 0o600


def test_secret_key_from_the_environment_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("MSPBOARD_SECRET_KEY", "from-env")
    assert config.secret_key(str(tmp_path)) == "from-env"
    assert not (tmp_path / config.SECRET_KEY_FILE).exists()


def test_default_database_is_sqlite_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("MSPBOARD_DATABASE_URL", raising=False)
    assert config.database_url(str(tmp_path)) == f"sqlite:///{tmp_path / 'mspboard.db'}"


def test_plain_postgres_urls_use_psycopg_3(monkeypatch):
    monkeypatch.setenv("MSPBOARD_DATABASE_URL", "postgresql://shop@db/mspboard")
    assert config.database_url("/x") == "postgresql+psycopg://shop@db/mspboard"


def test_behind_a_proxy_cookies_are_secure_only(tmp_path, monkeypatch):
    monkeypatch.setenv("MSPBOARD_BEHIND_PROXY", "1")
    values = config.from_environment(str(tmp_path))
    assert values["SESSION_COOKIE_SECURE"] and values["REMEMBER_COOKIE_SECURE"]
    monkeypatch.delenv("MSPBOARD_BEHIND_PROXY")
    assert not config.from_environment(str(tmp_path))["SESSION_COOKIE_SECURE"]


def test_streams_per_viewer_defaults_to_four_and_stays_between_one_and_fifty(tmp_path, monkeypatch):
    monkeypatch.delenv("MSPBOARD_STREAMS_PER_VIEWER", raising=False)
    assert config.from_environment(str(tmp_path))["STREAMS_PER_VIEWER"] == 4
    for given, kept in [("0", 1), ("-3", 1), ("9", 9), ("500", 50), ("many", 4)]:
        monkeypatch.setenv("MSPBOARD_STREAMS_PER_VIEWER", given)
        assert config.from_environment(str(tmp_path))["STREAMS_PER_VIEWER"] == kept


def test_live_coalescing_defaults_to_a_second_and_stays_between_zero_and_ten(tmp_path, monkeypatch):
    monkeypatch.delenv("MSPBOARD_LIVE_COALESCE_SECONDS", raising=False)
    assert config.from_environment(str(tmp_path))["LIVE_COALESCE_SECONDS"] == 1.0
    for given, kept in [("0.5", 0.5), ("-1", 0.0), ("60", 10.0), ("nan", 1.0), ("soon", 1.0)]:
        monkeypatch.setenv("MSPBOARD_LIVE_COALESCE_SECONDS", given)
        assert config.from_environment(str(tmp_path))["LIVE_COALESCE_SECONDS"] == kept


STARTS = 24


def _start(instance: str, barrier, answers) -> None:
    """One server process starting: all wait at the barrier, then read or make the key."""
    barrier.wait()
    try:
        answers.put(("key", config.secret_key(instance)))
    except BaseException as error:
        answers.put(("raised", repr(error)))


def test_processes_starting_at_once_all_get_the_same_key(tmp_path, monkeypatch):
    monkeypatch.delenv("MSPBOARD_SECRET_KEY", raising=False)
    instance = tmp_path / "fresh" / "instance"
    processes = multiprocessing.get_context("fork")
    barrier = processes.Barrier(STARTS)
    answers = processes.Queue()
    started = [
        processes.Process(target=_start, args=(str(instance), barrier, answers))
        for _ in range(STARTS)
    ]
    for process in started:
        process.start()
    results = [answers.get(timeout=60) for _ in started]
    for process in started:
        process.join(timeout=60)
    assert [kind for kind, _ in results] == ["key"] * STARTS, results
    keys = {key for _, key in results}
    assert len(keys) == 1 and len(keys.pop()) >= 40
    assert sorted(path.name for path in instance.iterdir()) == [config.SECRET_KEY_FILE]
    assert stat.S_IMODE(os.stat(instance / config.SECRET_KEY_FILE).st_mode) == 0o600


def test_an_empty_key_file_is_reported_not_used(tmp_path, monkeypatch):
    monkeypatch.delenv("MSPBOARD_SECRET_KEY", raising=False)
    (tmp_path / config.SECRET_KEY_FILE).write_text("")
    with pytest.raises(RuntimeError, match="is empty"):
        config.secret_key(str(tmp_path))
