from datetime import timedelta

from mspboard.models import ScheduleItem, db
from tests.factories import make_client, make_sr, make_user
from tests.shop_time import at_local, today_local


def test_board_shows_open_srs_in_their_columns(app, login_as):
    with app.app_context():
        sr = make_sr(make_client("Oakridge Credit Union"), "Firewall firmware update", priority=1)
        number = sr.number
        db.session.commit()
    page = login_as("service_manager").get("/board").get_data(as_text=True)
    assert number in page and "Firewall firmware update" in page and "Oakridge Credit Union" in page


def test_phone_view_shows_todays_published_items_only(app, login_as, people):
    client = login_as("technician")
    with app.app_context():
        from mspboard.services.accounts import find_by_email

        tech = find_by_email(people["technician"])
        now = at_local(today_local(), 12)  # noon today on the shop's clocks
        db.session.add_all(
            [
                ScheduleItem(
                    tech=tech,
                    title="Published visit",
                    starts_at=now,
                    ends_at=now + timedelta(hours=1),
                    published_at=now - timedelta(days=2),
                ),
                ScheduleItem(
                    tech=tech, title="Draft visit", starts_at=now, ends_at=now + timedelta(hours=1)
                ),
            ]
        )
        make_user()
        db.session.commit()
    page = client.get("/m/").get_data(as_text=True)
    assert "Published visit" in page and "Draft visit" not in page


def test_responses_vary_on_htmx_header(login_as):
    response = login_as("service_manager").get("/board")
    assert "HX-Request" in response.headers["Vary"]
