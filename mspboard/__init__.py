"""mspboard: a service desk for small managed service providers."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from mspboard import config as settings_from_env
from mspboard import events
from mspboard.extensions import csrf, db, login_manager, migrate
from mspboard.inputs import BoundedIntConverter
from mspboard.private_files import (
    create_private_sqlite_file,
    make_private_folder,
    tighten_sqlite_files,
)
from mspboard.services import throttling
from mspboard.serving import refusal as serving_refusal

MIGRATIONS_DIR = str(Path(__file__).parent / "migrations")


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets the board read while a phone writes; SQLite leaves foreign keys off unless asked."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        tighten_sqlite_files(dbapi_connection)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    # Before any route exists: every <int:...> in a URL is an id in the column's range.
    app.url_map.converters["int"] = BoundedIntConverter
    overrides = dict(config or {})
    app.instance_path = overrides.pop("INSTANCE_PATH", app.instance_path)
    make_private_folder(Path(app.instance_path))

    app.config.update(settings_from_env.DEFAULTS)
    app.config.update(settings_from_env.from_environment(app.instance_path))
    app.config.update(overrides)
    app.config["SQLALCHEMY_DATABASE_URI"] = settings_from_env.normalise_database_url(
        app.config["SQLALCHEMY_DATABASE_URI"]
    )
    create_private_sqlite_file(app.config["SQLALCHEMY_DATABASE_URI"])
    app.config["REMEMBER_COOKIE_DURATION"] = timedelta(days=app.config["REMEMBER_DAYS"])
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = settings_from_env.secret_key(app.instance_path)

    if app.config.get("BEHIND_PROXY"):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]

    serving_refusal.register(app)
    events.configure(
        app.config.get("REDIS_URL"), events.redis_channel(app.config["SQLALCHEMY_DATABASE_URI"])
    )
    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    throttling.init_app(app)

    from mspboard import caching, cli, errors, security_headers, templating
    from mspboard.admin.routes import bp as admin_bp
    from mspboard.auth.routes import bp as auth_bp
    from mspboard.auth.two_factor import bp as two_factor_bp
    from mspboard.board.routes import bp as board_bp
    from mspboard.calendar.routes import bp as calendar_bp
    from mspboard.field.pwa import bp as pwa_bp
    from mspboard.field.routes import bp as field_bp
    from mspboard.imports.routes import bp as imports_bp
    from mspboard.manage import bp as manage_bp
    from mspboard.sr.routes import bp as sr_bp
    from mspboard.tv.routes import bp as tv_bp

    blueprints = (
        auth_bp,
        two_factor_bp,
        board_bp,
        sr_bp,
        manage_bp,
        tv_bp,
        field_bp,
        pwa_bp,
        admin_bp,
        imports_bp,
        calendar_bp,
    )
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    errors.register(app)
    security_headers.register(app)
    caching.register(app)
    templating.register(app)
    cli.register(app)
    return app
