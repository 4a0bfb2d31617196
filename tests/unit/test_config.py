import os
import stat

from mspboard import config


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
