"""GET never writes: every page and fragment a signed-in person can GET leaves the database
exactly as it was, row for row, for every role. Derived data (proposed invoices) is made by
an explicit POST, not by looking at a page.

Left out on purpose: event streams (they never end), static files, and the token addresses
that stamp when a TV link or a calendar feed was last used (tv.screen and the parts of the
wall it fetches again, tv.part; calendar.feed), which are not pages of a signed-in person."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from mspboard.models import (
    Duty,
    GoalKind,
    GoalPeriod,
    QuarterlyReview,
    TrainingKind,
    User,
    db,
    utcnow,
)
from mspboard.services import client_contacts, set_password_links, sr_notes
from mspboard.services.maintenance import months
from mspboard.services.meetings import notes as agenda_notes
from mspboard.services.people import certifications, duties, goals, training
from mspboard.services.people.goals import quarter_start
from mspboard.services.time_weeks import week_start_of
from tests.factories import make_client, make_sr
from tests.field_factories import make_card, make_entry, make_schedule_item, make_time_off
from tests.maintenance_factories import make_item, open_month
from tests.shop_time import at_local

LEFT_OUT = {"static", "tv.screen", "tv.part", "calendar.feed"}
# Query strings pages read, each sent once on top of the bare addresses.
QUERIES = ["/manage/people?quarter=2026-Q1", "/manage/people/{user_id}?quarter=2025-Q4"]
# When a sign-in was last seen is bookkeeping for the person's devices list, written at most
# every five minutes whatever the request; the one column a GET may change.
BOOKKEEPING = {("sign_ins", "last_seen_at")}


def seed(app, people) -> dict[str, object]:
    """One of everything a page can show, including a week whose approved time has no
    proposed invoice yet (the page that used to make them)."""
    with app.app_context():
        tech = db.session.scalar(select(User).where(User.email == people["technician"]))
        this_week = week_start_of(utcnow())  # the test's controlled clock, read once
        last_week = this_week - timedelta(days=7)
        client = make_client("Harbour Dental", rate_cents=12000)
        sr = make_sr(client, "Replace the reception switch", assignee=tech, status="scheduled")
        make_entry(tech, at_local(last_week + timedelta(days=1), 9), minutes=120, sr=sr)
        make_card(tech, last_week, "approved")
        entry = make_entry(tech, at_local(this_week, 8), minutes=60, sr=sr)
        card = make_card(tech, this_week - timedelta(days=14), "submitted")
        item = make_schedule_item(tech, at_local(this_week + timedelta(days=2), 9), sr=sr)
        make_time_off(tech, this_week + timedelta(days=3), this_week + timedelta(days=3), "pending")
        make_item("Backups verified")
        (run,) = open_month(months.this_month())
        note = sr_notes.add_note(tech, sr, "Switch is on the shelf")
        contact = client_contacts.add_contact(
            tech, client, client_contacts.ContactFields("Ana Ruiz", "Owner", "555 0100")
        )
        sr.requester = contact
        link_token = set_password_links.issue(tech, by=None)  # its form is a page too
        review = QuarterlyReview(tech_id=tech.id, quarter_start=quarter_start(this_week))
        db.session.add(review)
        goal = goals.add_goal(
            tech,
            period=GoalPeriod.QUARTER,
            starts=this_week,
            title="Earn the CCNA",
            by=tech,
            kind=GoalKind.CERTIFICATION,
        )
        goals.add_note(tech, goal, "Booked the exam", utcnow())
        certifications.add_certification(
            tech,
            tech,
            certifications.CertificationFields(
                "Security+", "CompTIA", last_week, this_week + timedelta(days=30)
            ),
        )
        duties.load_standard_duties(None)
        duty = db.session.scalars(select(Duty).order_by(Duty.id)).first()
        duties.tick(tech, duty, True, utcnow())  # a ticked duty on the phone's Today
        day = this_week + timedelta(days=1)
        event = training.create_event(
            tech,
            training.TrainingFields(
                TrainingKind.SHORT_NOTICE,
                "Backups",
                at_local(day, 15),
                at_local(day, 16),
                [tech.id],
            ),
        )
        agenda_notes.add_note(tech, "Vendor call", utcnow())
        db.session.commit()
        return {
            "client_id": client.id,
            "user_id": tech.id,
            "entry_id": entry.id,
            "sr_id": sr.id,
            "number": sr.number,
            "card_id": card.id,
            "item_id": item.id,
            "week": last_week.isoformat(),
            "run_id": run.id,
            "month": run.month.month.strftime(months.MONTH_FORMAT),
            "note_id": note.id,
            "contact_id": contact.id,
            "upload_id": "A" * 22,  # an import's upload: none is kept, so a 404
            "token": link_token,
            "review_id": review.id,
            "duty_id": duty.id,
            "event_id": event.id,
            "year": this_week.year,
            "day": this_week.isoformat(),
        }


def every_row(app) -> dict[str, list[tuple]]:
    with app.app_context(), db.engine.connect() as connection:
        rows = {}
        for table in db.metadata.sorted_tables:
            columns = [c for c in table.columns if (table.name, c.name) not in BOOKKEEPING]
            query = table.select().with_only_columns(*columns)
            rows[table.name] = [
                tuple(row) for row in connection.execute(query.order_by(*table.primary_key.columns))
            ]
        return rows


def get_paths(app, values: dict[str, object]) -> list[str]:
    paths = []
    with app.test_request_context():
        from flask import url_for

        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint in LEFT_OUT:
                continue
            if rule.endpoint.endswith(".live"):
                continue
            if not set(rule.arguments) <= set(values):
                raise AssertionError(f"give {rule.endpoint} a value for {rule.arguments}")
            paths.append(url_for(rule.endpoint, **{a: values[a] for a in rule.arguments}))
    paths += [query.format(**values) for query in QUERIES]
    return sorted(paths)


def with_query(values: dict[str, object]) -> list[str]:
    """Pages whose query string fills a form: a new training, an entry on a training."""
    return [
        "/manage/training/new?kind=short_notice&day=2026-12-01",
        "/manage/training/new?day=2026-12-25",
        f"/m/entries/new?training={values['event_id']}",
    ]


@pytest.mark.parametrize("role", ["technician", "service_manager", "admin"])
def test_no_get_route_changes_a_row_for_any_role(app, login_as, people, role):
    values = seed(app, people)
    client = login_as(role)
    before = every_row(app)
    answered = {}
    for path in [*get_paths(app, values), *with_query(values)]:
        answered[path] = client.get(path).status_code
    assert every_row(app) == before
    assert all(status < 500 for status in answered.values()), answered
    assert 200 in answered.values()
