"""Where a record is shown, its History panel tells who did what to it and when; a reopened
card keeps its first approval in view, and the tech sees why it was reopened."""

from datetime import date, timedelta

from sqlalchemy import select

from mspboard.models import TimeEntry, User, db
from mspboard.services import approvals, time_entries
from mspboard.services import time_cards as tc
from mspboard.services.audit import record_event
from mspboard.services.shop_settings import current_settings
from tests.factories import make_client, make_sr
from tests.field_factories import make_entry, make_schedule_item, make_time_off
from tests.shop_time import at_local
from tests.web.test_approvals_web import last_monday


def reopened_card(app, people) -> tuple[int, date]:
    monday = last_monday(app)
    with app.app_context():
        tech = db.session.scalar(select(User).where(User.email == people["technician"]))
        manager = db.session.scalar(select(User).where(User.email == people["service_manager"]))
        manager.name = "Priya Shah"
        for day in range(5):
            make_entry(tech, at_local(monday + timedelta(days=day), 8), 480)
        card = tc.submit_card(tech, monday)
        approvals.approve_card(manager, card, card.version)
        db.session.flush()
        approvals.reopen_card(manager, card, card.version, "Client disputes Thursday")
        db.session.commit()
        return card.id, monday


def test_a_reopened_card_keeps_its_first_approval_on_the_weeks_card_list(app, login_as, people):
    _card_id, monday = reopened_card(app, people)
    page = login_as("service_manager").get(f"/manage/timecards/{monday.isoformat()}")
    text = page.get_data(as_text=True)
    assert "Priya Shah reopened Person" in text
    assert "Priya Shah approved Person" in text  # the original approval is still shown
    assert "“Client disputes Thursday”" in text


def test_the_tech_sees_why_the_card_was_reopened_and_its_history(app, login_as, people):
    _card_id, monday = reopened_card(app, people)
    text = login_as("technician").get(f"/m/timecard/{monday.isoformat()}").get_data(as_text=True)
    assert "Status: <span" in text and ">Reopened</span>" in text
    assert "Reopened by Priya Shah" in text and "Client disputes Thursday." in text
    assert "Submit again" in text
    assert 'id="card-history"' in text and "Priya Shah approved their" not in text
    assert "Priya Shah approved Person" in text


def test_hours_changed_after_a_reopen_and_the_resubmission_show_in_the_managers_card_detail(
    app, login_as, people
):
    card_id, monday = reopened_card(app, people)
    thursday = monday + timedelta(days=3)
    with app.app_context():
        tech = db.session.scalar(select(User).where(User.email == people["technician"]))
        entry = db.session.scalars(
            select(TimeEntry).where(TimeEntry.started_at >= at_local(thursday, 0))
        ).first()
        shorter = time_entries.EntryFields(
            started_at=entry.started_at,
            ended_at=at_local(thursday, 12),
            client_id=entry.client_id,
            notes="Half day only",
        )
        time_entries.update_entry(tech, entry, shorter)
        tc.submit_card(tech, monday)
        db.session.commit()
    text = (
        login_as("service_manager").get(f"/manage/approvals/cards/{card_id}").get_data(as_text=True)
    )
    assert "changed their time entry of Thu" in text and "after the card was reopened" in text
    assert "resubmitted their time card for the week of" in text and "after reopen" in text
    assert "16:00" in text and "12:00" in text  # the end, before and after
    assert "Half day only" in text


def test_time_off_schedule_item_invoice_client_user_settings_and_sr_show_their_history(
    app, login_as, people
):
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.email == people["admin"]))
        admin.name = "Ada Admin"
        tech = db.session.scalar(select(User).where(User.email == people["technician"]))
        client = make_client("Harbour Dental")
        sr = make_sr(client, "Reception switch")
        item = make_schedule_item(tech, at_local(date(2026, 11, 27), 9), title="Switch swap")
        time_off = make_time_off(tech, date(2026, 12, 8), date(2026, 12, 8), status="pending")
        shop = current_settings()
        for record in (client, sr, item, time_off, shop, tech):
            record_event(admin, f"{record.__tablename__}.updated", record, {"x": "1"}, {"x": "2"})
        db.session.commit()
        ids = {
            "client": client.id,
            "sr": sr.number,
            "item": item.id,
            "user": tech.id,
        }
    admin_client = login_as("admin")
    pages = {
        f"/admin/clients/{ids['client']}": "client-history",
        f"/admin/users/{ids['user']}": "user-history",
        "/admin/settings": "settings-history",
        f"/sr/{ids['sr']}": "sr-history",
        f"/manage/planner/2026-11-23/items/{ids['item']}/edit": f"item-history-{ids['item']}",
        "/manage/approvals": "time-off-history-",
    }
    for path, panel in pages.items():
        text = admin_client.get(path).get_data(as_text=True)
        assert f'id="{panel}' in text, path
        assert "Ada Admin changed" in text, path
