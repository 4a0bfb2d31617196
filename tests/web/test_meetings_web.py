"""The Monday Morning Meeting at the desk, over HTTP: drafting the agenda (add, reorder,
take off), running it (discussed with a note, an SR made, an item given to someone),
closing it and what carries over, with the 403, 409 and 422 answers."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from mspboard.models import AgendaItem, AuditEvent, Meeting, ServiceRequest, User, db
from mspboard.services.meetings import notes
from tests.conftest import count_queries
from tests.factories import make_client, make_sr, make_user
from tests.shop_time import at_local

FRIDAY = date(2026, 12, 4)
MONDAY = date(2026, 12, 7)
PAGE = f"/manage/monday/{MONDAY.isoformat()}"


@pytest.fixture
def friday(app, stopped):
    """Friday morning before the meeting of Monday 7 December, on the shop's clocks."""
    with app.app_context():
        stopped.move_to(at_local(FRIDAY, 10))
    return stopped


@pytest.fixture
def notes_in(app, people, friday) -> dict[str, int]:
    """Two techs' notes for Monday, added from their phones during the week."""
    with app.app_context():
        tech = db.session.scalar(select(User).where(User.email == people["technician"]))
        elena = make_user(name="Elena Ortiz")
        first = notes.add_note(tech, "Vendor call about the new backup tool", at_local(FRIDAY, 8))
        second = notes.add_note(elena, "Ladder for the Birch Law ceiling APs", at_local(FRIDAY, 9))
        client = make_client("Acme Dental")
        db.session.commit()
        return {"first": first.id, "second": second.id, "client": client.id, "elena": elena.id}


def _texts(html: str, *texts: str) -> list[int]:
    return [html.index(text) for text in texts]


def _version(app) -> int:
    with app.app_context():
        meeting = db.session.scalar(select(Meeting).where(Meeting.monday == MONDAY))
        return meeting.version if meeting else 0


def test_techs_never_reach_the_meeting_pages(app, login_as, notes_in):
    tech = login_as("technician")
    assert tech.get("/manage/monday").status_code == 403
    assert tech.get(PAGE).status_code == 403
    assert tech.post(f"{PAGE}/items", data={"text": "Mine", "version": 0}).status_code == 403
    outcome = f"{PAGE}/items/{notes_in['first']}/outcome"
    assert tech.post(outcome, data={"action": "note", "version": 1}).status_code == 403


def test_signed_out_people_are_sent_to_sign_in(client, notes_in):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_desk_opens_on_the_next_meeting_with_the_techs_notes_and_who(login_as, notes_in):
    manager = login_as("service_manager")
    response = manager.get("/manage/monday")
    assert response.status_code == 302 and response.headers["Location"].endswith(PAGE)
    html = manager.get(PAGE).get_data(as_text=True)
    assert "Monday meeting · Mon 07 Dec 2026" in html
    first, second = _texts(html, "Vendor call about", "Ladder for the Birch")
    assert first < second
    assert "from Elena Ortiz" in html
    for title in ("Stale SRs", "Overdue SRs", "Urgent SRs not started", "Open check-in issues"):
        assert title in html


def test_adding_reordering_and_taking_off_items(app, login_as, notes_in):
    manager = login_as("service_manager")
    added = manager.post(f"{PAGE}/items", data={"text": "Holiday rota", "version": 0})
    assert added.status_code == 303
    html = manager.get(PAGE).get_data(as_text=True)
    assert _texts(html, "Vendor call", "Ladder for", "Holiday rota") == sorted(
        _texts(html, "Vendor call", "Ladder for", "Holiday rota")
    )
    with app.app_context():
        holiday = db.session.scalar(select(AgendaItem).where(AgendaItem.text == "Holiday rota"))
    move = manager.post(
        f"{PAGE}/items/{holiday.id}/move", data={"direction": "up", "version": _version(app)}
    )
    assert move.status_code == 303
    html = manager.get(PAGE).get_data(as_text=True)
    ladder, rota = _texts(html, "Ladder for", "Holiday rota")
    assert rota < ladder

    gone = manager.post(f"{PAGE}/items/{notes_in['first']}/remove", data={"version": _version(app)})
    assert gone.status_code == 303
    html = manager.get(PAGE).get_data(as_text=True)
    to_discuss = html[html.index("To discuss") : html.index("Taken off")]
    assert "Vendor call" not in to_discuss
    assert "Vendor call" in html[html.index("Taken off") :]
    with app.app_context():
        kept = db.session.get(AgendaItem, notes_in["first"])
        assert kept.removed_on == MONDAY and kept.text.startswith("Vendor call")


def test_an_empty_item_is_a_422_with_the_message_by_the_field(app, login_as, notes_in):
    manager = login_as("service_manager")
    response = manager.post(f"{PAGE}/items", data={"text": "   ", "version": 0})
    assert response.status_code == 422
    assert "Write the item." in response.get_data(as_text=True)
    too_long = manager.post(f"{PAGE}/items", data={"text": "x" * 501, "version": 0})
    assert too_long.status_code == 422
    assert "Keep the item under 500 characters." in too_long.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AgendaItem)) == 2


def test_a_move_from_an_older_agenda_is_a_409_showing_the_other_change(app, login_as, notes_in):
    manager = login_as("service_manager")
    manager.post(f"{PAGE}/items", data={"text": "Holiday rota", "version": 0})
    stale = manager.post(
        f"{PAGE}/items/{notes_in['second']}/move", data={"direction": "up", "version": 0}
    )
    assert stale.status_code == 409
    html = stale.get_data(as_text=True)
    assert "The agenda changed since you opened it" in html and "saved a change at" in html
    page = manager.get(PAGE).get_data(as_text=True)
    assert _texts(page, "Vendor call", "Ladder for") == sorted(
        _texts(page, "Vendor call", "Ladder")
    )


def test_a_move_that_changes_nothing_writes_nothing(app, login_as, notes_in):
    manager = login_as("service_manager")
    manager.post(f"{PAGE}/items", data={"text": "Holiday rota", "version": 0})
    version = _version(app)
    top = manager.post(
        f"{PAGE}/items/{notes_in['first']}/move", data={"direction": "up", "version": version}
    )
    assert top.status_code == 303
    assert _version(app) == version


def test_discussed_with_a_note_then_an_sr_made_and_an_item_given_to_someone(
    app, login_as, notes_in
):
    manager = login_as("service_manager")
    first = f"{PAGE}/items/{notes_in['first']}/outcome"
    noted = manager.post(
        first, data={"action": "note", "outcome_note": "Trial in Jan", "version": 1}
    )
    assert noted.status_code == 303
    html = manager.get(PAGE).get_data(as_text=True)
    assert "Discussed</span>: Trial in Jan" in html

    no_client = manager.post(first, data={"action": "sr", "version": 2})
    assert no_client.status_code == 422
    assert "Pick the client the SR is for." in no_client.get_data(as_text=True)
    made = manager.post(
        first,
        data={"action": "sr", "client_id": notes_in["client"], "priority": "2", "version": 2},
    )
    assert made.status_code == 303
    second = f"{PAGE}/items/{notes_in['second']}/outcome"
    given = manager.post(
        second, data={"action": "assign", "outcome_assignee_id": notes_in["elena"], "version": 1}
    )
    assert given.status_code == 303
    with app.app_context():
        sr = db.session.scalar(select(ServiceRequest))
        assert sr.title == "Vendor call about the new backup tool" and sr.priority == 2
        item = db.session.get(AgendaItem, notes_in["first"])
        assert item.outcome_sr_id == sr.id and item.discussed_on == MONDAY
        actions = set(db.session.scalars(select(AuditEvent.action)))
        assert {"agenda_item.sr_made", "agenda_item.assigned"} <= actions
    html = manager.get(PAGE).get_data(as_text=True)
    assert f'SR made: <a href="/sr/{sr.number}">{sr.number}</a>' in html
    assert "given to Elena Ortiz" in html


def test_an_outcome_from_an_older_form_is_a_409_naming_the_other_note(app, login_as, notes_in):
    manager = login_as("service_manager")
    first = f"{PAGE}/items/{notes_in['first']}/outcome"
    manager.post(first, data={"action": "note", "outcome_note": "Trial in Jan", "version": 1})
    stale = manager.post(first, data={"action": "note", "outcome_note": "Drop it", "version": 1})
    assert stale.status_code == 409
    assert "“Trial in Jan”" in stale.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(AgendaItem, notes_in["first"]).outcome_note == "Trial in Jan"


def test_the_meeting_closes_on_its_monday_and_what_was_not_discussed_carries_over(
    app, login_as, notes_in, friday
):
    manager = login_as("service_manager")
    early = manager.post(f"{PAGE}/close", data={"version": 0})
    assert early.status_code == 422
    assert "close it on the day or after" in early.get_data(as_text=True)

    with app.app_context():
        friday.move_to(at_local(MONDAY, 0) - timedelta(seconds=1))
    assert manager.post(f"{PAGE}/close", data={"version": 0}).status_code == 422
    with app.app_context():
        friday.move_to(at_local(MONDAY, 0))
    manager.post(
        f"{PAGE}/items/{notes_in['first']}/outcome",
        data={"action": "note", "outcome_note": "Done", "version": 1},
    )
    assert manager.post(f"{PAGE}/close", data={"version": _version(app)}).status_code == 303
    held = manager.get(PAGE).get_data(as_text=True)
    assert "Held" in held and "Not discussed; carried over." in held
    assert "Add to the agenda" not in held

    refused = manager.post(f"{PAGE}/items", data={"text": "Late", "version": _version(app)})
    assert refused.status_code == 422 and "it is kept as it ended" in refused.get_data(True)

    following = f"/manage/monday/{(MONDAY + timedelta(days=7)).isoformat()}"
    assert manager.get("/manage/monday").headers["Location"].endswith(following)
    html = manager.get(following).get_data(as_text=True)
    assert "Ladder for the Birch" in html and "carried over from Mon 07 Dec" in html
    assert "Vendor call" not in html


def test_a_note_after_mondays_meeting_was_closed_goes_to_the_next_one(app, login_as, notes_in):
    manager = login_as("service_manager")
    with app.app_context():
        db.session.add(
            Meeting(
                monday=MONDAY,
                status="held",
                held_at=at_local(MONDAY, 9, 30),
                held_by_id=db.session.scalar(select(User.id).where(User.role == "admin")),
            )
        )
        tech = db.session.get(User, notes_in["elena"])
        late = notes.add_note(tech, "After the meeting", at_local(MONDAY, 10))
        assert late.meeting_on == MONDAY + timedelta(days=7)
        db.session.commit()
    assert manager.get(PAGE).status_code == 200


def test_a_past_weeks_agenda_reads_but_takes_no_changes(app, login_as, notes_in, friday):
    manager = login_as("service_manager")
    with app.app_context():
        friday.move_to(at_local(MONDAY + timedelta(days=7), 9))
    page = manager.get(PAGE)
    assert page.status_code == 200 and "Vendor call" in page.get_data(as_text=True)
    refused = manager.post(f"{PAGE}/items", data={"text": "Too late", "version": 0})
    assert refused.status_code == 422
    assert "in a past week" in refused.get_data(as_text=True)


@pytest.mark.parametrize("day", ["2026-12-08", "not-a-day", "1900-01-01", "2026-02-30"])
def test_an_address_that_is_not_a_monday_is_a_404(login_as, notes_in, day):
    assert login_as("service_manager").get(f"/manage/monday/{day}").status_code == 404


def test_the_phone_shows_the_agenda_read_only(login_as, notes_in):
    tech = login_as("technician")
    html = tech.get("/m/agenda").get_data(as_text=True)
    assert "Monday agenda · Mon 07 Dec" in html
    assert "Ladder for the Birch" in html and "from Elena Ortiz" in html
    assert "/manage/" not in html.split("<main", 1)[1]


def test_the_agenda_of_a_big_shop_costs_the_queries_of_a_small_one(app, client, people, friday):
    from tests.conftest import login

    assert login(client, people["service_manager"]).status_code == 302

    def shop_of(techs: int, srs: int) -> None:
        with app.app_context():
            tech_ids = list(db.session.scalars(select(User.id).where(User.role == "technician")))
            while len(tech_ids) < techs:
                tech = make_user()
                tech_ids.append(tech.id)
                notes.add_note(tech, f"Note from {tech.name}", at_local(FRIDAY, 8))
            clients = [make_client() for _ in range(3)]
            have = db.session.scalar(select(func.count()).select_from(ServiceRequest))
            for n in range(have, srs):
                assignee = db.session.get(User, tech_ids[n % len(tech_ids)])
                make_sr(clients[n % 3], f"Job {n}", priority=n % 4 + 1, assignee=assignee)
            db.session.commit()

    shop_of(2, 5)
    count_queries(app, client, PAGE)
    small = count_queries(app, client, PAGE)
    shop_of(40, 300)
    assert count_queries(app, client, PAGE) == small
