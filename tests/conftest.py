"""Fixtures for every suite: an app per test on a fresh, migrated database.

The schema is made only by the migrations: once per test session into a template
database. On SQLite each test gets a copy of its file; on PostgreSQL each test process makes
one database from it and empties it again for every test (a test marked own_database, which
changes the schema, gets a database of its own).
"""

from __future__ import annotations

import functools
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import flask_migrate
import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import settings as hypothesis_settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool
from werkzeug.routing.rules import Rule

from mspboard import create_app
from mspboard.models import db
from tests.factories import PASSWORD, make_user

POSTGRES_URL = os.environ.get(
    "MSPBOARD_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
CHROMIUM = os.environ.get("MSPBOARD_TEST_CHROMIUM", "/usr/bin/chromium")
REDIS_URL = os.environ.get("MSPBOARD_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
E2E_DIR = Path(__file__).parent / "e2e"


def _reuse_compiled_url_builders() -> None:
    """The suite builds an app per test, and Werkzeug compiles Python source for two URL
    builders of each of its rules every time: three quarters of building an app. A builder
    depends only on its rule's parsed parts, defaults and converters (the rule itself is
    passed in when it runs), so one compiled for an equal rule in an earlier app is reused."""
    compile_builder = Rule._compile_builder
    compiled: dict[tuple, object] = {}

    def reused(self: Rule, append_unknown: bool = True):
        key = (
            tuple(self._trace),
            repr(sorted((self.defaults or {}).items())),
            tuple((name, type(c), c.regex) for name, c in self._converters.items()),
            append_unknown,
        )
        if key not in compiled:
            compiled[key] = compile_builder(self, append_unknown)
        return compiled[key]

    Rule._compile_builder = reused


_reuse_compiled_url_builders()

# Property tests: a short run in every `make test`, a long one in `make properties`.
hypothesis_settings.register_profile("default", max_examples=100)
hypothesis_settings.register_profile("long", max_examples=3000)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

# An ordinary Wednesday mid-morning: the instant every test starts at unless --at says otherwise.
DEFAULT_INSTANT = "2026-11-25T10:30:00+00:00"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        choices=["sqlite", "postgresql"],
        default="sqlite",
        help="database the unit and web suites run on (the browser suite always uses SQLite)",
    )
    parser.addoption(
        "--at",
        default=DEFAULT_INSTANT,
        type=_instant,
        help="the instant every test starts at, ISO 8601 with its UTC offset, e.g. "
        "2026-11-29T23:59:00-05:00; the clock then runs on from there",
    )
    parser.addoption(
        "--zone",
        default="UTC",
        type=_zone,
        help="the shop's time zone in every test that does not set its own, e.g. America/New_York",
    )


def _instant(text: str) -> datetime:
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        raise pytest.UsageError(f"--at {text!r} is not an ISO 8601 date and time") from None
    if instant.tzinfo is None:
        raise pytest.UsageError(f"--at {text!r} needs its UTC offset, e.g. -05:00")
    return instant


def _zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise pytest.UsageError(f"--zone {name!r} is not an IANA time zone") from None
    return name


def _postgres_problem() -> str | None:
    try:
        engine = create_engine(POSTGRES_URL)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as error:
        where = make_url(POSTGRES_URL).render_as_string()
        return f"PostgreSQL at {where} is unreachable ({type(error).__name__})"
    return None


def _chromium_problem() -> str | None:
    if not os.access(CHROMIUM, os.X_OK):
        return f"Chromium not found at {CHROMIUM}"
    return None


def _redis_problem() -> str | None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        return f"Redis at {REDIS_URL} is unreachable ({type(error).__name__})"
    return None


def pytest_configure(config: pytest.Config) -> None:
    """Decide up front what cannot run here. In CI that is an error; elsewhere the tests
    are left out with a loud line saying so and how to enable them."""
    missing: dict[str, str] = {}
    if config.getoption("--db") == "postgresql":
        problem = _postgres_problem()
        if problem:
            missing["postgresql"] = (
                f"{problem}: the PostgreSQL run was LEFT OUT. Start PostgreSQL "
                "(or set MSPBOARD_TEST_POSTGRES_URL) and run make test again."
            )
    selected = [Path(arg.split("::")[0]).resolve() for arg in config.args]
    if any(
        path == E2E_DIR or E2E_DIR in path.parents or path in E2E_DIR.parents for path in selected
    ):
        problem = _chromium_problem()
        if problem:
            missing["browser"] = (
                f"{problem}: the browser tests were LEFT OUT. Install it with "
                "`apt-get install -y chromium` and run make test again."
            )
    problem = _redis_problem()
    if problem:
        missing["redis"] = (
            f"{problem}: the tests marked redis were LEFT OUT. Start Redis "
            "(or set MSPBOARD_TEST_REDIS_URL) and run make test again."
        )
    if missing and in_ci():
        raise pytest.UsageError("CI must run every suite; " + " ".join(missing.values()))
    config.stash[MISSING] = missing


MISSING = pytest.StashKey[dict[str, str]]()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--db") != "postgresql":
        # Tests of PostgreSQL's own tools belong to the PostgreSQL run, which CI always makes.
        elsewhere = [item for item in items if item.get_closest_marker("postgresql_only")]
        if elsewhere:
            config.hook.pytest_deselected(items=elsewhere)
            items[:] = [item for item in items if item not in elsewhere]
    missing = config.stash[MISSING]
    if not missing:
        return
    left_out = [
        item
        for item in items
        if "postgresql" in missing
        or ("browser" in missing and E2E_DIR in Path(item.path).parents)
        or ("redis" in missing and item.get_closest_marker("redis"))
    ]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if item not in left_out]


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    # Lines a test leaves with record_property("summary", ...): e.g. the hostile-input counts.
    summaries = [
        value
        for report in terminalreporter.stats.get("passed", [])
        + terminalreporter.stats.get("failed", [])
        if report.when == "call"
        for name, value in report.user_properties
        if name == "summary"
    ]
    for line in sorted(summaries):
        terminalreporter.write_line(line)
    for message in config.stash[MISSING].values():
        terminalreporter.write_line("")
        terminalreporter.write_line("!" * 78, red=True, bold=True)
        terminalreporter.write_line(f"!!! {message}", red=True, bold=True)
        terminalreporter.write_line("!" * 78, red=True, bold=True)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if session.config.stash[MISSING] and exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
        session.exitstatus = pytest.ExitCode.OK


def pytest_report_header(config: pytest.Config) -> str:
    return f"clock: tests start at {config.getoption('--at').isoformat()}, shop zone " + (
        config.getoption("--zone")
    )


# ---- the clock -----------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def clock(request: pytest.FixtureRequest) -> Iterator[time_machine.Traveller]:
    """Every test runs on a controlled clock: it starts at --at and runs on in real time.
    A test moves it with `clock.move_to(...)` or `clock.shift(...)`; nothing reads the wall
    clock, so the suite gives the same answer at any hour of any week."""
    with time_machine.travel(request.config.getoption("--at"), tick=True) as traveller:
        yield traveller


@pytest.fixture
def stopped(clock: time_machine.Traveller, request: pytest.FixtureRequest):
    """The controlled clock held still at --at, moved only by the test (`stopped.shift`): for
    rules that count exact seconds (a lock's Retry-After, a two-factor code's 30-second step),
    however long the test itself takes."""
    with time_machine.travel(request.config.getoption("--at"), tick=False) as traveller:
        yield traveller


# ---- databases -------------------------------------------------------------------------


def _admin_engine():
    return create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")


def _as_admin(statement: str) -> None:
    engine = _admin_engine()
    try:
        with engine.connect() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


def _database_name(prefix: str) -> str:
    return f"mspboard_test_{prefix}_{uuid.uuid4().hex[:12]}"


def postgres_url(name: str) -> str:
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


@contextmanager
def throwaway_postgres_database(prefix: str, template: str | None = None) -> Iterator[str]:
    """A new PostgreSQL database (empty, or a copy of `template`), dropped afterwards even
    if connections are still open; yields its name."""
    name = _database_name(prefix)
    engine = _admin_engine()
    copy_of = f' TEMPLATE "{template}"' if template else ""
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"{copy_of}'))
    try:
        yield name
    finally:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


def _migrate(url: str, instance: Path) -> None:
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x", "INSTANCE_PATH": str(instance)}
    )
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def database_backend(request: pytest.FixtureRequest) -> str:
    return request.config.getoption("--db")


@pytest.fixture(scope="session")
def template_database(
    tmp_path_factory: pytest.TempPathFactory, database_backend: str
) -> Iterator[str]:
    instance = tmp_path_factory.mktemp("template-instance")
    if database_backend == "sqlite":
        path = tmp_path_factory.mktemp("template") / "template.db"
        _migrate(f"sqlite:///{path}", instance)
        yield str(path)
        return
    with throwaway_postgres_database("tpl") as name:
        _migrate(postgres_url(name), instance)
        yield name


class ReusedPostgresDatabase:
    """One PostgreSQL database per test process, made from the template once and emptied
    for each test that follows: every row deleted and every sequence back at 1, so the next
    test finds it exactly as the template left it. Making and dropping a database per test
    cost more than most tests. Should emptying fail (a lock still held, the schema changed)
    it is dropped and made again from the template."""

    def __init__(self, template: str) -> None:
        self.template = template
        self.name: str | None = None
        self.used = False

    def take(self) -> str:
        if self.name is not None and self.used and not self._emptied():
            self.drop()
        if self.name is None:
            self.name = _database_name("w")
            _as_admin(f'CREATE DATABASE "{self.name}" TEMPLATE "{self.template}"')
        self.used = True
        return self.name

    def _emptied(self) -> bool:
        engine = create_engine(postgres_url(self.name), poolclass=NullPool)
        try:
            with engine.begin() as connection:
                connection.execute(text("SET LOCAL lock_timeout = '3s'"))
                tables = set(connection.scalars(text(PUBLIC_TABLES)))
                if tables != set(db.metadata.tables) | {"alembic_version"}:
                    return False
                connection.exec_driver_sql(_emptying_script())
            return True
        except DBAPIError:
            return False
        finally:
            engine.dispose()

    def drop(self) -> None:
        if self.name is None:
            return
        _as_admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self.name = None


PUBLIC_TABLES = "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"


@functools.cache
def _emptying_script() -> str:
    """Every table's DELETE (children first) and the sequences' reset, sent as one string:
    one round trip instead of one per table, a third of the time per test."""
    deletes = [f'DELETE FROM "{table.name}"' for table in reversed(db.metadata.sorted_tables)]
    return "; ".join([*deletes, RESTART_SEQUENCES])


RESTART_SEQUENCES = (
    "SELECT setval(c.oid::regclass, 1, false) FROM pg_class c "
    "JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE c.relkind = 'S' AND n.nspname = 'public'"
)


@pytest.fixture(scope="session")
def reused_postgres_database(template_database: str) -> Iterator[ReusedPostgresDatabase]:
    reused = ReusedPostgresDatabase(template_database)
    yield reused
    reused.drop()


@pytest.fixture
def database_url(
    template_database: str, database_backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[str]:
    if database_backend == "sqlite":
        copy = tmp_path / "test.db"
        shutil.copyfile(template_database, copy)
        yield f"sqlite:///{copy}"
        return
    if request.node.get_closest_marker("own_database"):
        with throwaway_postgres_database("t", template=template_database) as name:
            yield postgres_url(name)
        return
    yield postgres_url(request.getfixturevalue("reused_postgres_database").take())


# ---- the app -----------------------------------------------------------------------------


@pytest.fixture
def app_config() -> dict[str, object]:
    """Override in a module to change settings (e.g. to turn CSRF protection back on)."""
    return {}


@pytest.fixture
def shop_zone_name(request: pytest.FixtureRequest) -> str:
    """The shop's time zone for this test's app (--zone); a module may override it."""
    return request.config.getoption("--zone")


@pytest.fixture
def app(
    database_url: str, tmp_path: Path, app_config: dict[str, object], shop_zone_name: str
) -> Iterator[Flask]:
    config: dict[str, object] = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret-key",
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "WTF_CSRF_ENABLED": False,
        # Fast hashing keeps the suite quick; production uses werkzeug's scrypt default.
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "SHOP_TIMEZONE": shop_zone_name,
        "REDIS_URL": None,  # live updates stay in the test process unless a test asks
    }
    config.update(app_config)
    app = create_app(config)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def people(app: Flask) -> dict[str, str]:
    """One active user of each role; maps role name to email (the password is PASSWORD)."""
    with app.app_context():
        users = {
            "technician": make_user(
                role="technician", email="tech@example.test", tech_level="tech_i"
            ),
            "service_manager": make_user(role="service_manager", email="manager@example.test"),
            "admin": make_user(role="admin", email="admin@example.test"),
        }
        db.session.commit()
        return {role: user.email for role, user in users.items()}


def login(client: FlaskClient, email: str, password: str = PASSWORD, remember: bool = False):
    data = {"email": email, "password": password}
    if remember:
        data["remember"] = "y"
    return client.post("/login", data=data)


@pytest.fixture
def login_as(client: FlaskClient, people: dict[str, str]):
    def _login(role: str) -> FlaskClient:
        response = login(client, people[role])
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return _login


def count_queries(app: Flask, client: FlaskClient, path: str) -> int:
    """How many SQL statements one GET of `path` runs (it must answer 200)."""
    from sqlalchemy import event

    with app.app_context():
        engine = db.engine
    seen: list[int] = []

    def count(*_args: object) -> None:
        seen.append(1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)
