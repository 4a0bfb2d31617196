"""Migrations are the only way the schema is made, so they must match the models exactly."""

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from mspboard.models import db

# They take the schema down and up again: on PostgreSQL, in a database of their own.
pytestmark = [pytest.mark.instant_free, pytest.mark.own_database]


def test_migrations_match_the_models():
    with db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert differences == []


def test_migrations_go_down_and_up_again():
    db.session.close()
    flask_migrate.downgrade(revision="base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    flask_migrate.upgrade()
    assert "time_entries" in inspect(db.engine).get_table_names()


def test_invoices_exported_before_line_entries_existed_keep_their_time_billed_once():
    from datetime import UTC, date, datetime

    from mspboard.services import invoicing
    from tests.factories import make_client, make_sr, make_user
    from tests.field_factories import make_card, make_entry

    monday = date(2026, 11, 16)
    tech, manager = make_user(), make_user(role="service_manager")
    sr = make_sr(make_client(rate_cents=10000), "Replace UPS battery")
    make_entry(tech, datetime(2026, 11, 17, 9, tzinfo=UTC), 60, sr=sr)
    make_card(tech, monday, "approved")
    [invoice] = invoicing.regenerate(monday)
    invoicing.mark_reviewed(manager, invoice, expected_version=invoice.version)
    invoicing.mark_exported(manager, [invoice])
    db.session.commit()
    db.session.close()
    flask_migrate.downgrade(revision="0005_billing")  # as exported before the links existed
    flask_migrate.upgrade()

    invoices = invoicing.regenerate(monday)
    assert [(i.supplement, invoicing.invoice_total(i)) for i in invoices] == [(0, 10000)]
