import re

import pytest
from sqlalchemy import select

from mspboard.models import ServiceRequest, TvLink, db
from mspboard.services import tv_links
from tests.factories import make_client, make_sr, make_user


@pytest.fixture
def tv_token(app):
    with app.app_context():
        token = tv_links.create_link(None, "Office TV").token
        sr = make_sr(make_client("Oakridge Credit Union"), "Firewall firmware update", priority=1)
        sr.description = "SECRET-DESCRIPTION admin password is on a sticky note"
        sr.client.billing_rate_cents = 98765
        db.session.commit()
    return token


def test_tv_page_needs_no_login_and_shows_the_board(client, tv_token):
    response = client.get(f"/tv/{tv_token}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Firewall firmware update" in page and "Oldest open P1" in page


def test_tv_page_shows_nothing_private_and_no_controls(client, tv_token):
    page = client.get(f"/tv/{tv_token}").get_data(as_text=True)
    assert "SECRET-DESCRIPTION" not in page and "987.65" not in page and "98765" not in page
    assert "<form" not in page and "<button" not in page and "hx-post" not in page


def test_unknown_or_revoked_tv_link_is_not_connected(app, client, tv_token):
    unknown = client.get("/tv/not-a-real-token")
    assert unknown.status_code == 404 and "This screen is not connected" in unknown.get_data(
        as_text=True
    )
    with app.app_context():
        tv_links.revoke_link(None, db.session.scalar(select(TvLink)))
        db.session.commit()
    revoked = client.get(f"/tv/{tv_token}", headers={"HX-Request": "true"})
    assert revoked.status_code == 404
    assert revoked.headers["HX-Refresh"] == "true"
    assert client.get(f"/tv/{tv_token}/events").status_code == 404


def test_tv_records_when_it_was_last_used(app, client, tv_token):
    client.get(f"/tv/{tv_token}")
    with app.app_context():
        assert db.session.scalar(select(TvLink.last_used_at)) is not None


# POST routes that need no sign-in: signing in, and a set-password link (its own token only).
SIGNED_OUT_WRITES = {"auth.login", "auth.set_password"}


def write_endpoints(app):
    """Every POST route that needs a sign-in, each URL parameter filled in with 1 (or its
    first allowed value, or its lowest)."""
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods and rule.endpoint not in SIGNED_OUT_WRITES:
            path = re.sub(r"<any\(([^,)]+)[^>]*>", r"\1", rule.rule)  # first choice
            path = re.sub(r"<int\(min=(\d+)[^>]*>", r"\1", path)  # lowest allowed
            yield re.sub(r"<[^>]+>", "1", path)


def test_every_write_endpoint_refuses_a_tv_screen(app, client, tv_token):
    client.get(f"/tv/{tv_token}")
    paths = list(write_endpoints(app))
    assert "/board/sr/1/move" in paths
    for path in paths:
        response = client.post(path, data={"status": "done"}, headers={"X-TV-Token": tv_token})
        assert response.status_code in (302, 401), path
        assert response.headers["Location"].startswith("/login"), path
    link = client.post(f"/auth/set-password/{tv_token}", headers={"X-TV-Token": tv_token})
    assert link.status_code in (400, 404)  # no CSRF token; and no set-password link either
    with app.app_context():
        assert db.session.scalar(select(ServiceRequest.status)) == "new"


def test_managers_make_and_revoke_screen_links(app, login_as):
    manager = login_as("service_manager")
    page = manager.post("/board/screens", data={"name": "Front office"}).get_data(as_text=True)
    url = re.search(r'value="(http://localhost/tv/[^"]+)"', page).group(1)
    assert manager.get(url.removeprefix("http://localhost")).status_code == 200
    with app.app_context():
        link_id = db.session.scalar(select(TvLink.id).where(TvLink.name == "Front office"))
    manager.post(f"/board/screens/{link_id}/revoke")
    assert manager.get(url.removeprefix("http://localhost")).status_code == 404
    listing = manager.get("/board/screens").get_data(as_text=True)
    assert "Front office" in listing and "Disconnected" in listing


def test_screen_link_needs_a_name(login_as):
    response = login_as("service_manager").post("/board/screens", data={"name": ""})
    assert response.status_code == 422
    assert 'id="name-error"' in response.get_data(as_text=True)


def test_technicians_cannot_manage_screens(login_as):
    tech = login_as("technician")
    assert tech.get("/board/screens").status_code == 403
    assert tech.post("/board/screens", data={"name": "Sneaky"}).status_code == 403


def test_tv_link_commands(app):
    runner = app.test_cli_runner()
    created = runner.invoke(
        args=["tv-link", "create", "Office TV", "--base-url", "https://desk.example"]
    )
    assert created.exit_code == 0 and created.output.startswith("https://desk.example/tv/")
    assert "Office TV" in runner.invoke(args=["tv-link", "list"]).output
    assert runner.invoke(args=["tv-link", "revoke", "Office TV"]).exit_code == 0
    assert "disconnected" in runner.invoke(args=["tv-link", "list"]).output
    assert runner.invoke(args=["tv-link", "revoke", "Nope"]).exit_code != 0


def test_the_tv_fetches_its_columns_and_who_is_working_apart(app, client, tv_token):
    with app.app_context():
        make_user(name="Dana Reyes")
        db.session.commit()
    htmx = {"HX-Request": "true"}
    columns = client.get(f"/tv/{tv_token}/columns", headers=htmx).get_data(as_text=True)
    assert columns.startswith('<div id="tv-board"') and "Firewall firmware update" in columns
    assert "Dana Reyes" not in columns
    techs = client.get(f"/tv/{tv_token}/techs", headers=htmx).get_data(as_text=True)
    assert techs.startswith('<section id="tv-techs"') and "Dana Reyes" in techs
    assert "Firewall firmware update" not in techs
    page = client.get(f"/tv/{tv_token}").get_data(as_text=True)
    assert 'data-live-refresh="board"' in page and 'data-live-refresh="timers"' in page


def test_a_revoked_link_gets_no_part_of_the_wall(app, client, tv_token):
    with app.app_context():
        tv_links.revoke_link(None, db.session.scalar(select(TvLink)))
        db.session.commit()
    for part in ("columns", "techs"):
        response = client.get(f"/tv/{tv_token}/{part}", headers={"HX-Request": "true"})
        assert response.status_code == 404 and response.headers["HX-Refresh"] == "true"
        assert "Firewall" not in response.get_data(as_text=True)


def test_a_tv_card_is_lean(app, client, tv_token):
    """Beyond its title and client, a card's markup stays small (the wall is fetched again
    on every change)."""
    with app.app_context():
        client_row = make_client("Quarry Hill Winery")
        for n in range(5):
            make_sr(client_row, f"Backup job failing on host {n}", priority=2)
        db.session.commit()
    columns = client.get(f"/tv/{tv_token}/columns", headers={"HX-Request": "true"}).get_data(
        as_text=True
    )
    cards = re.findall(r'<li class="tv-card.*?</li>', columns, re.S)
    assert len(cards) == 6
    for card in cards:
        text = re.sub(r"<[^>]+>", "", card)
        assert len(card) - len(text) <= 260, card


@pytest.fixture
def _held_still(stopped):
    return stopped


def test_office_screens_say_which_links_a_screen_shows_now(app, login_as, _held_still):
    """ "Active" is the link; whether a TV shows it is counted from its open live streams."""
    from datetime import timedelta

    from mspboard.live_streams import slots_for
    from mspboard.models import utcnow
    from mspboard.services.stream_access import Viewer

    with app.app_context():
        made = {name: tv_links.create_link(None, name).link for name in ("Hall", "Lab", "Shop")}
        made["Lab"].last_used_at = utcnow() - timedelta(hours=3, minutes=10)
        made["Shop"].last_used_at = utcnow() - timedelta(minutes=5)
        db.session.commit()
        ids = {name: link.id for name, link in made.items()}
        keys = {name: Viewer(tv_link_id=link_id).key for name, link_id in ids.items()}
    slots = slots_for(app)
    held = [slots.take(keys["Shop"], 5), slots.take(keys["Shop"], 5)]
    manager = login_as("service_manager")

    def now_text(name: str) -> str:
        page = manager.get("/board/screens").get_data(as_text=True)
        row = re.search(rf'id="tv-link-{ids[name]}".*?</tr>', page, re.S).group(0)
        return re.sub(r"\s+", " ", re.search(r'class="screen-now[^>]*>([^<]*)<', row).group(1))

    assert now_text("Hall") == "Never opened"
    assert now_text("Lab") == "Last seen 3 h ago"
    assert now_text("Shop") == "Live now (2 screens)"
    held.pop().give_back()
    assert now_text("Shop") == "Live now (1 screen)"
    held.pop().give_back()
    assert now_text("Shop") == "Last seen 5 min ago"
    manager.post(f"/board/screens/{ids['Lab']}/revoke")
    slots.take(keys["Lab"], 5)  # a stream not yet told: the link is no longer live
    assert now_text("Lab") == "Last seen 3 h ago"
