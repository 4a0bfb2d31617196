"""Calendar feeds: who gets which feed, tokens, and the iCalendar they serve, read back with
two independent parsers (icalendar and vobject) in a shop on America/Chicago time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject
from sqlalchemy import select

from mspboard.models import AuditEvent, CalendarFeed, ChecklistRun, User, db
from mspboard.services import calendar_feeds, planner
from mspboard.services.maintenance import months
from tests.factories import make_client, make_sr, make_user
from tests.field_factories import make_schedule_item, make_time_off
from tests.maintenance_factories import make_item

CHICAGO = ZoneInfo("America/Chicago")
# A Wednesday, a few days before daylight saving time ends in Chicago (Sun 1 Nov 2026).
NOW = datetime(2026, 10, 28, 15, 0, tzinfo=UTC)


@pytest.fixture
def app_config() -> dict[str, object]:
    return {"SHOP_TIMEZONE": "America/Chicago"}


def chicago(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=CHICAGO)


def feed_for(user: User) -> CalendarFeed:
    return calendar_feeds.turn_on(user, NOW).feed


def events_of(ics: bytes) -> dict[str, icalendar.Event]:
    parsed = icalendar.Calendar.from_ical(ics)
    return {str(event["UID"]): event for event in parsed.walk("VEVENT")}


def vobject_events(ics: bytes) -> dict[str, object]:
    parsed = vobject.readOne(ics.decode("utf-8"))
    return {event.uid.value: event for event in getattr(parsed, "vevent_list", [])}


# ---- turning feeds on and off --------------------------------------------------------------


def test_a_tech_gets_their_own_feed_and_a_manager_the_teams():
    tech = make_user(role="technician")
    manager = make_user(role="service_manager")
    admin = make_user(role="admin")
    assert feed_for(tech).scope == "mine"
    assert feed_for(manager).scope == "team"
    assert feed_for(admin).scope == "team"


def test_only_the_hash_of_the_token_is_stored_and_the_token_finds_the_feed():
    tech = make_user()
    created = calendar_feeds.turn_on(tech, NOW)
    assert len(created.token) >= 40
    assert created.feed.token_hash != created.token and len(created.feed.token_hash) == 64
    assert calendar_feeds.active_feed(created.token) is created.feed
    assert calendar_feeds.active_feed("not-a-real-token") is None


def test_revoked_token_finds_nothing():
    tech = make_user()
    created = calendar_feeds.turn_on(tech, NOW)
    assert calendar_feeds.turn_off(tech, NOW) is True
    assert calendar_feeds.active_feed(created.token) is None
    assert calendar_feeds.active_feed_of(tech) is None
    assert calendar_feeds.turn_off(tech, NOW) is False


def test_a_new_link_revokes_the_old_one():
    tech = make_user()
    first = calendar_feeds.turn_on(tech, NOW)
    second = calendar_feeds.turn_on(tech, NOW + timedelta(minutes=5))
    assert calendar_feeds.active_feed(first.token) is None
    assert calendar_feeds.active_feed(second.token) is second.feed
    assert calendar_feeds.active_feed_of(tech) is second.feed
    actions = db.session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.entity_type == "calendar_feeds")
        .order_by(AuditEvent.id)
    ).all()
    assert actions == [
        "calendar_feed.created",
        "calendar_feed.revoked",
        "calendar_feed.created",
    ]


def test_a_deactivated_owners_feed_stops():
    tech = make_user()
    created = calendar_feeds.turn_on(tech, NOW)
    tech.active = False
    assert calendar_feeds.active_feed(created.token) is None


def test_a_team_feed_stops_when_its_owner_is_no_longer_a_manager():
    manager = make_user(role="service_manager")
    created = calendar_feeds.turn_on(manager, NOW)
    manager.role = "technician"
    assert calendar_feeds.active_feed(created.token) is None


def test_last_used_is_written_at_most_once_a_minute():
    feed = feed_for(make_user())
    calendar_feeds.touch(feed, NOW)
    calendar_feeds.touch(feed, NOW + timedelta(seconds=30))
    assert feed.last_used_at == NOW
    calendar_feeds.touch(feed, NOW + timedelta(minutes=1))
    assert feed.last_used_at == NOW + timedelta(minutes=1)


# ---- the calendar ----------------------------------------------------------------------------


def test_the_feed_is_valid_icalendar_with_the_shop_zone():
    tech = make_user(name="Dana Reyes")
    make_schedule_item(tech, chicago(date(2026, 10, 29), 9), title="Server patching")
    ics = calendar_feeds.feed_ics(feed_for(tech), NOW)
    assert ics.startswith(b"BEGIN:VCALENDAR\r\n") and ics.endswith(b"END:VCALENDAR\r\n")
    assert all(len(line) <= 75 for line in ics.split(b"\r\n"))
    parsed = icalendar.Calendar.from_ical(ics)
    assert str(parsed["VERSION"]) == "2.0" and str(parsed["PRODID"]).startswith("-//mspboard")
    assert parsed.decoded("REFRESH-INTERVAL") == timedelta(hours=1)
    assert str(parsed["X-PUBLISHED-TTL"]) == "PT1H"
    assert str(parsed["X-WR-TIMEZONE"]) == "America/Chicago"
    assert "Dana Reyes" in str(parsed["X-WR-CALNAME"])
    assert [str(tz["TZID"]) for tz in parsed.walk("VTIMEZONE")] == ["America/Chicago"]
    assert parsed.get_missing_tzids() == set()
    second = vobject.readOne(ics.decode())
    assert second.x_wr_timezone.value == "America/Chicago"
    assert len(second.vevent_list) == 1


def test_only_published_items_are_in_the_feed():
    tech = make_user()
    published = make_schedule_item(tech, chicago(date(2026, 10, 29), 9), title="Published job")
    make_schedule_item(tech, chicago(date(2026, 10, 30), 9), title="Draft job", published=False)
    events = events_of(calendar_feeds.feed_ics(feed_for(tech), NOW))
    assert list(events) == [f"schedule-{published.id}@mspboard"]
    assert str(events[f"schedule-{published.id}@mspboard"]["SUMMARY"]) == "Published job"


def test_a_feed_holds_only_its_owners_items():
    tech, other = make_user(), make_user()
    mine = make_schedule_item(tech, chicago(date(2026, 10, 29), 9))
    make_schedule_item(other, chicago(date(2026, 10, 29), 9))
    make_time_off(other, date(2026, 11, 2), date(2026, 11, 3))
    assert list(events_of(calendar_feeds.feed_ics(feed_for(tech), NOW))) == [
        f"schedule-{mine.id}@mspboard"
    ]


def test_sequence_follows_the_item_version_and_the_uid_stays():
    tech = make_user()
    item = make_schedule_item(tech, chicago(date(2026, 10, 29), 9))
    feed = feed_for(tech)
    uid = f"schedule-{item.id}@mspboard"
    assert int(events_of(calendar_feeds.feed_ics(feed, NOW))[uid]["SEQUENCE"]) == 1
    item.version = 3
    item.starts_at = chicago(date(2026, 10, 29), 10)
    item.ends_at = chicago(date(2026, 10, 29), 12)
    db.session.flush()
    event = events_of(calendar_feeds.feed_ics(feed, NOW))[uid]
    assert int(event["SEQUENCE"]) == 3
    assert event.decoded("DTSTART") == chicago(date(2026, 10, 29), 10)


def test_sr_items_name_the_sr_and_the_client():
    tech = make_user()
    sr = make_sr(make_client("Oakridge Dental"), title="Firewall update")
    item = make_schedule_item(tech, chicago(date(2026, 10, 29), 9), title="Firewall update", sr=sr)
    event = events_of(calendar_feeds.feed_ics(feed_for(tech), NOW))[f"schedule-{item.id}@mspboard"]
    assert str(event["SUMMARY"]) == f"{sr.number} Firewall update"
    assert str(event["LOCATION"]) == "Oakridge Dental"


def test_a_maintenance_visit_names_its_client_and_checks_and_links_nothing():
    tech = make_user(name="Tess Tech")
    manager = make_user(role="service_manager")
    for position, title in enumerate(("Backups verified", "Patches", "UPS self-test")):
        make_item(title, position=position)
    make_client("Kestrel Architects")
    months.open_month(None, date(2026, 10, 1), now=NOW)
    run = db.session.scalar(select(ChecklistRun))
    fields = planner.ItemFields(
        tech_id=tech.id,
        starts_at=chicago(date(2026, 10, 29), 9),
        ends_at=chicago(date(2026, 10, 29), 10),
        checklist_run_id=run.id,
    )
    item = planner.add_item(manager, fields).item
    item.published_at = NOW
    db.session.flush()
    ics = calendar_feeds.feed_ics(feed_for(tech), NOW)
    uid = f"schedule-{item.id}@mspboard"
    event = events_of(ics)[uid]
    assert str(event["SUMMARY"]) == "Monthly maintenance: Kestrel Architects"
    assert str(event["LOCATION"]) == "Kestrel Architects"
    assert str(event["DESCRIPTION"]) == (
        "Monthly maintenance for Kestrel Architects: 3 checks on its checklist."
    )
    assert "http" not in ics.decode() and "/m/" not in ics.decode()
    assert vobject_events(ics)[uid].description.value == str(event["DESCRIPTION"])


def test_out_of_town_work_carries_its_travel_notes():
    tech = make_user()
    sr = make_sr(make_client("Joplin Feed & Seed"), title="Switch swap")
    item = make_schedule_item(tech, chicago(date(2026, 10, 29), 7), title="Switch swap", sr=sr)
    item.out_of_town = True
    item.travel_notes = "Two hours' drive; leave by 7:00, take the spare switch, a ladder."
    db.session.flush()
    ics = calendar_feeds.feed_ics(feed_for(tech), NOW)
    uid = f"schedule-{item.id}@mspboard"
    event = events_of(ics)[uid]
    assert str(event["LOCATION"]) == "Out of town: Joplin Feed & Seed"
    assert str(event["DESCRIPTION"]) == (
        "Out of town.\nTravel: Two hours' drive; leave by 7:00, take the spare switch, a ladder."
    )
    assert vobject_events(ics)[uid].description.value == str(event["DESCRIPTION"])


def test_times_are_right_on_both_sides_of_the_dst_change():
    tech = make_user()
    before = make_schedule_item(tech, chicago(date(2026, 10, 30), 9), hours=2)  # CDT, UTC-5
    after = make_schedule_item(tech, chicago(date(2026, 11, 2), 9), hours=2)  # CST, UTC-6
    ics = calendar_feeds.feed_ics(feed_for(tech), NOW)
    assert b"DTSTART;TZID=America/Chicago:20261030T090000" in ics
    assert b"DTSTART;TZID=America/Chicago:20261102T090000" in ics
    first = events_of(ics)
    second = vobject_events(ics)
    for item, utc_start in (
        (before, datetime(2026, 10, 30, 14, 0, tzinfo=UTC)),
        (after, datetime(2026, 11, 2, 15, 0, tzinfo=UTC)),
    ):
        uid = f"schedule-{item.id}@mspboard"
        start = first[uid].decoded("DTSTART")
        assert start.tzinfo.key == "America/Chicago" and start.hour == 9
        assert start == utc_start == item.starts_at
        assert first[uid].decoded("DTEND") == item.ends_at
        # vobject builds the zone from the feed's own VTIMEZONE, not the system's database.
        assert second[uid].dtstart.value.astimezone(UTC) == utc_start
        assert second[uid].dtend.value.astimezone(UTC) == item.ends_at


def test_an_item_over_the_dst_night_keeps_its_real_length():
    tech = make_user()
    start = chicago(date(2026, 10, 31), 22).astimezone(UTC)  # so + 6 h is six real hours
    item = make_schedule_item(tech, start, hours=6)  # ends 03:00 CST after the clocks go back
    event = vobject_events(calendar_feeds.feed_ics(feed_for(tech), NOW))[
        f"schedule-{item.id}@mspboard"
    ]
    assert event.dtend.value.astimezone(UTC) - event.dtstart.value.astimezone(UTC) == timedelta(
        hours=6
    )
    assert event.dtend.value.hour == 3


def test_whole_days_off_are_all_day_events_with_an_exclusive_end():
    tech = make_user()
    off = make_time_off(tech, date(2026, 11, 2), date(2026, 11, 4), kind="vacation")
    ics = calendar_feeds.feed_ics(feed_for(tech), NOW)
    assert b"DTSTART;VALUE=DATE:20261102" in ics and b"DTEND;VALUE=DATE:20261105" in ics
    event = events_of(ics)[f"timeoff-{off.id}@mspboard"]
    assert event.decoded("DTSTART") == date(2026, 11, 2)
    assert event.decoded("DTEND") == date(2026, 11, 5)
    assert str(event["SUMMARY"]) == "Time off (vacation)"
    other = vobject_events(ics)[f"timeoff-{off.id}@mspboard"]
    assert other.dtstart.value == date(2026, 11, 2) and other.dtend.value == date(2026, 11, 5)


def test_half_days_off_are_timed_around_midday_in_the_shop_zone():
    tech = make_user()
    tech.day_start, tech.day_end = time(7, 30), time(16, 30)
    off = make_time_off(tech, date(2026, 10, 30), date(2026, 11, 4))
    off.starts_midday = True
    off.ends_midday = True
    db.session.flush()
    ics = calendar_feeds.feed_ics(feed_for(tech), NOW)
    first = events_of(ics)
    afternoon = first[f"timeoff-{off.id}-afternoon@mspboard"]
    days = first[f"timeoff-{off.id}@mspboard"]
    morning = first[f"timeoff-{off.id}-morning@mspboard"]
    assert afternoon.decoded("DTSTART") == chicago(date(2026, 10, 30), 12)
    assert afternoon.decoded("DTEND") == chicago(date(2026, 10, 30), 16, 30)
    assert (days.decoded("DTSTART"), days.decoded("DTEND")) == (
        date(2026, 10, 31),
        date(2026, 11, 4),
    )
    # The last morning falls after the clocks went back: 07:30 CST is 13:30 UTC.
    assert morning.decoded("DTSTART") == datetime(2026, 11, 4, 13, 30, tzinfo=UTC)
    assert morning.decoded("DTEND") == datetime(2026, 11, 4, 18, 0, tzinfo=UTC)
    assert str(morning["SUMMARY"]) == "Time off (vacation), morning"
    second = vobject_events(ics)
    assert second[f"timeoff-{off.id}-afternoon@mspboard"].dtstart.value.astimezone(UTC) == datetime(
        2026, 10, 30, 17, 0, tzinfo=UTC
    )


def test_a_single_afternoon_off_is_one_timed_event():
    tech = make_user()
    off = make_time_off(tech, date(2026, 11, 2), date(2026, 11, 2))
    off.starts_midday = True
    db.session.flush()
    events = events_of(calendar_feeds.feed_ics(feed_for(tech), NOW))
    assert list(events) == [f"timeoff-{off.id}-afternoon@mspboard"]
    event = events[f"timeoff-{off.id}-afternoon@mspboard"]
    assert event.decoded("DTSTART") == chicago(date(2026, 11, 2), 12)
    assert event.decoded("DTEND") == chicago(date(2026, 11, 2), 17)


def test_only_approved_time_off_is_in_the_feed():
    tech = make_user()
    approved = make_time_off(tech, date(2026, 11, 2), date(2026, 11, 2))
    make_time_off(tech, date(2026, 11, 9), date(2026, 11, 9), status="pending")
    make_time_off(tech, date(2026, 11, 16), date(2026, 11, 16), status="denied")
    make_time_off(tech, date(2026, 11, 23), date(2026, 11, 23), status="cancelled")
    assert list(events_of(calendar_feeds.feed_ics(feed_for(tech), NOW))) == [
        f"timeoff-{approved.id}@mspboard"
    ]


def test_the_feed_runs_from_four_weeks_back_to_twelve_weeks_ahead():
    tech = make_user()
    today = date(2026, 10, 28)
    too_old = make_schedule_item(tech, chicago(today - timedelta(days=30), 9))
    oldest = make_schedule_item(tech, chicago(today - timedelta(days=27), 9))
    furthest = make_schedule_item(tech, chicago(today + timedelta(days=83), 9))
    too_far = make_schedule_item(tech, chicago(today + timedelta(days=86), 9))
    uids = set(events_of(calendar_feeds.feed_ics(feed_for(tech), NOW)))
    assert f"schedule-{oldest.id}@mspboard" in uids and f"schedule-{furthest.id}@mspboard" in uids
    assert f"schedule-{too_old.id}@mspboard" not in uids
    assert f"schedule-{too_far.id}@mspboard" not in uids


def test_team_feed_covers_every_active_tech_with_their_names():
    dana = make_user(name="Dana Reyes")
    lee = make_user(name="Lee Park")
    gone = make_user(name="Former Tech", active=False)
    manager = make_user(role="service_manager", name="Morgan Hale")
    dana_item = make_schedule_item(dana, chicago(date(2026, 10, 29), 9), title="Patch servers")
    lee_item = make_schedule_item(lee, chicago(date(2026, 10, 29), 13), title="New laptops")
    make_schedule_item(gone, chicago(date(2026, 10, 29), 9), title="Old job")
    off = make_time_off(lee, date(2026, 11, 2), date(2026, 11, 3), kind="sick")
    ics = calendar_feeds.feed_ics(feed_for(manager), NOW)
    first = events_of(ics)
    assert set(first) == {
        f"schedule-{dana_item.id}@mspboard",
        f"schedule-{lee_item.id}@mspboard",
        f"timeoff-{off.id}@mspboard",
    }
    assert str(first[f"schedule-{dana_item.id}@mspboard"]["SUMMARY"]) == (
        "Dana Reyes: Patch servers"
    )
    assert str(first[f"schedule-{lee_item.id}@mspboard"]["SUMMARY"]) == "Lee Park: New laptops"
    assert str(first[f"timeoff-{off.id}@mspboard"]["SUMMARY"]) == "Lee Park: Time off (sick)"
    assert all(str(event["TRANSP"]) == "TRANSPARENT" for event in first.values())
    assert str(icalendar.Calendar.from_ical(ics)["X-WR-CALNAME"]).endswith("schedule: team")
    assert set(vobject_events(ics)) == set(first)


def test_text_with_commas_and_semicolons_survives_both_parsers():
    tech = make_user()
    title = "Backups, firewall; VPN \\ and a very long title " + "x" * 80
    item = make_schedule_item(tech, chicago(date(2026, 10, 29), 9), title=title)
    ics = calendar_feeds.feed_ics(feed_for(tech), NOW)
    uid = f"schedule-{item.id}@mspboard"
    assert str(events_of(ics)[uid]["SUMMARY"]) == title
    assert vobject_events(ics)[uid].summary.value == title
