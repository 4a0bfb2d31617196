import threading
from datetime import date, timedelta

from sqlalchemy import func, select

from mspboard.models import AuditEvent, TimeCard, TimeOffRequest, User, db, utcnow
from mspboard.services.time_weeks import week_start_of
from tests.conftest import login
from tests.factories import make_user
from tests.field_factories import make_card, make_entry, make_schedule_item, make_time_off
from tests.shop_time import at_local

HTMX = {"HX-Request": "true"}


def last_monday(app) -> date:
    """Monday of last week in the shop's zone: a week that is over, whatever the clock says."""
    with app.app_context():
        return week_start_of(utcnow()) - timedelta(days=7)


def submitted_card(app, people, full=True):
    """Last week's card, submitted: 8 hours a day from 08:00, all week or Monday and Tuesday."""
    monday = last_monday(app)
    with app.app_context():
        tech = db.session.scalar(select(User).where(User.email == people["technician"]))
        for day in range(5 if full else 2):
            entry = make_entry(tech, at_local(monday + timedelta(days=day), 8), minutes=480)
            entry.synced_at = entry.ended_at
        card = make_card(tech, monday, "submitted")
        db.session.commit()
        return card.id, card.version


def card_row(app, card_id):
    with app.app_context():
        card = db.session.get(TimeCard, card_id)
        return card.status, card.reason, card.decided_by.email if card.decided_by else None


def test_technicians_get_403_on_every_approval_route(app, login_as, people):
    card_id, version = submitted_card(app, people)
    tech = login_as("technician")
    for path in ("/manage/approvals", f"/manage/approvals/cards/{card_id}", "/manage/timecards"):
        assert tech.get(path).status_code == 403
    assert (
        tech.post(f"/manage/timecards/{card_id}/approve", data={"version": version}).status_code
        == 403
    )
    assert card_row(app, card_id)[0] == "submitted"


def test_queue_shows_the_card_with_its_figures_and_the_menu_count(app, login_as, people):
    submitted_card(app, people, full=False)
    page = login_as("service_manager").get("/manage/approvals").get_data(as_text=True)
    assert "Time card · Person" in page and "16.0 h" in page
    assert "a workday with nothing logged" in page
    assert '<span id="approvals-count" class="nav-count">1</span>' in page


def test_approving_removes_the_row_without_a_reload(app, login_as, people):
    card_id, version = submitted_card(app, people)
    response = login_as("service_manager").post(
        f"/manage/timecards/{card_id}/approve", data={"version": version}, headers=HTMX
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'id="queue-card-{card_id}"' not in page and "Approved: Person" in page
    assert 'id="approvals-count"' in page and 'hx-swap-oob="true"' in page
    assert card_row(app, card_id) == ("approved", "", people["service_manager"])


def test_rejecting_without_a_reason_is_refused_next_to_the_field(app, login_as, people):
    card_id, version = submitted_card(app, people)
    manager = login_as("service_manager")
    refused = manager.post(
        f"/manage/timecards/{card_id}/reject", data={"version": version, "reason": ""}, headers=HTMX
    )
    assert refused.status_code == 422
    assert f'id="reason-{card_id}-error"' in refused.get_data(as_text=True)
    manager.post(
        f"/manage/timecards/{card_id}/reject",
        data={"version": version, "reason": "Friday is missing."},
        headers=HTMX,
    )
    assert card_row(app, card_id)[:2] == ("rejected", "Friday is missing.")


def test_the_second_decision_hears_who_decided_first(app, people):
    card_id, version = submitted_card(app, people)
    with app.app_context():
        make_user(role="admin", email="second@example.test", name="Sam Okafor")
        db.session.commit()
    first, second = app.test_client(), app.test_client()
    login(first, people["service_manager"])
    login(second, "second@example.test")
    first.post(f"/manage/timecards/{card_id}/approve", data={"version": version}, headers=HTMX)
    late = second.post(
        f"/manage/timecards/{card_id}/reject",
        data={"version": version, "reason": "x"},
        headers=HTMX,
    )
    assert late.status_code == 409
    assert "already approved by Person" in late.get_data(as_text=True)
    assert card_row(app, card_id)[0] == "approved"


def test_bulk_approve_takes_the_ticked_clean_cards(app, login_as, people):
    card_id, version = submitted_card(app, people)
    response = login_as("service_manager").post(
        "/manage/approvals/bulk", data={"card": f"{card_id}:{version}"}, headers=HTMX
    )
    assert "Approved 1 card: Person" in response.get_data(as_text=True)
    assert card_row(app, card_id)[0] == "approved"


def test_approved_time_off_tells_which_items_to_move(app, login_as, people):
    with app.app_context():
        tech = db.session.scalar(select(User).where(User.email == people["technician"]))
        make_schedule_item(tech, at_local(date(2026, 12, 8), 9), title="Firewall visit")
        request_id = make_time_off(tech, date(2026, 12, 8), date(2026, 12, 8), status="pending").id
        db.session.commit()
    manager = login_as("service_manager")
    assert "Firewall visit" in manager.get("/manage/approvals").get_data(as_text=True)
    response = manager.post(
        f"/manage/time-off/{request_id}/approve",
        data={"note": "Fine", "version": "1"},
        headers=HTMX,
    )
    assert "Move these schedule items" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(TimeOffRequest, request_id).status == "approved"


def test_time_off_can_be_denied(app, login_as, people):
    with app.app_context():
        tech = db.session.scalar(select(User).where(User.email == people["technician"]))
        request_id = make_time_off(tech, date(2026, 12, 8), date(2026, 12, 8), status="pending").id
        db.session.commit()
    login_as("service_manager").post(
        f"/manage/time-off/{request_id}/deny", data={"note": "", "version": "1"}
    )
    with app.app_context():
        assert db.session.get(TimeOffRequest, request_id).status == "denied"


def test_week_page_reopens_an_approved_card_with_a_reason(app, login_as, people):
    card_id, version = submitted_card(app, people)
    manager = login_as("service_manager")
    manager.post(f"/manage/timecards/{card_id}/approve", data={"version": version})
    page = manager.get(f"/manage/timecards/{last_monday(app).isoformat()}").get_data(as_text=True)
    assert "Approved" in page and "Reopen" in page
    manager.post(f"/manage/timecards/{card_id}/reopen", data={"version": version + 1, "reason": ""})
    assert card_row(app, card_id)[0] == "approved"
    manager.post(
        f"/manage/timecards/{card_id}/reopen",
        data={"version": version + 1, "reason": "Client disputes Thursday"},
    )
    assert card_row(app, card_id)[:2] == ("draft", "Client disputes Thursday")


def test_week_page_goes_to_the_monday(login_as):
    manager = login_as("service_manager")
    assert (
        manager.get("/manage/timecards/2026-11-18").headers["Location"]
        == "/manage/timecards/2026-11-16"
    )
    assert manager.get("/manage/timecards/not-a-date").status_code == 404


def test_entries_by_day_fragment(app, login_as, people):
    card_id, _version = submitted_card(app, people)
    page = (
        login_as("service_manager")
        .get(f"/manage/approvals/cards/{card_id}", headers=HTMX)
        .get_data(as_text=True)
    )
    assert f"{last_monday(app):%a %d %b} · 8.0 h" in page and "<html" not in page


def race(managers, card_id: int, version: int) -> list[int]:
    """Two managers decide the same card at the same moment: one approves, one rejects."""
    start = threading.Barrier(len(managers))
    statuses: list[int] = []

    def decide(client, decision):
        start.wait()
        data = {"version": version, "reason": "not enough detail"}
        response = client.post(f"/manage/timecards/{card_id}/{decision}", data=data, headers=HTMX)
        statuses.append(response.status_code)

    threads = [
        threading.Thread(target=decide, args=(client, decision))
        for client, decision in zip(managers, ("approve", "reject"), strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return statuses


def test_two_managers_racing_on_one_card_store_exactly_one_decision(app, people):
    """Real concurrent requests, each on its own database connection and transaction."""
    with app.app_context():
        for n in range(2):
            make_user(role="service_manager", email=f"racer{n}@example.test")
        db.session.commit()
    managers = []
    for n in range(2):
        client = app.test_client()
        login(client, f"racer{n}@example.test")
        managers.append(client)
    for round_ in range(5):
        with app.app_context():
            card = make_card(make_user(), last_monday(app) - timedelta(weeks=round_), "submitted")
            db.session.commit()
            card_id, version = card.id, card.version
        assert sorted(race(managers, card_id, version)) == [200, 409]
        with app.app_context():
            decisions = db.session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.entity_type == "time_cards", AuditEvent.entity_id == card_id)
            )
            assert decisions == 1
            assert db.session.get(TimeCard, card_id).version == version + 1


def test_a_second_time_off_decision_from_an_old_queue_names_the_first(app, login_as, people):
    with app.app_context():
        tech = db.session.scalar(select(User).where(User.email == people["technician"]))
        request_id = make_time_off(tech, date(2026, 12, 8), date(2026, 12, 8), status="pending").id
        db.session.commit()
    manager = login_as("service_manager")
    approve = f"/manage/time-off/{request_id}/approve"
    assert manager.post(approve, data={"version": "1"}, headers=HTMX).status_code == 200
    refused = manager.post(
        f"/manage/time-off/{request_id}/deny", data={"version": "1"}, headers=HTMX
    )
    assert refused.status_code == 409
    assert "This request was already approved by" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(TimeOffRequest, request_id).status == "approved"


def _draft_week(app, people, monday):
    """The tech logged 21 h 45 min that week and has not submitted it (no card saved)."""
    with app.app_context():
        tech = db.session.scalar(select(User).where(User.email == people["technician"]))
        for day in range(3):
            make_entry(tech, at_local(monday + timedelta(days=day), 8), minutes=435)
        db.session.commit()
        return tech.id


def test_week_page_shows_the_phones_state_the_hours_so_far_and_overdue(
    app, login_as, people, stopped
):
    monday = last_monday(app)
    tech_id = _draft_week(app, people, monday)
    page = login_as("service_manager").get("/manage/timecards").get_data(as_text=True)
    row = page[page.index(f'id="week-card-{tech_id}"') :].split("</tr>")[0]
    assert "Not started" not in row
    assert ">Draft<" in row and "21.8 h" in row
    assert "Overdue since Fri 17:00" in row


def test_week_page_marks_a_draft_overdue_one_second_after_the_due_moment(
    app, login_as, people, stopped
):
    with app.app_context():
        monday = week_start_of(utcnow())
        due = at_local(monday + timedelta(days=4), 17)
    tech_id = _draft_week(app, people, monday)
    stopped.move_to(due - timedelta(minutes=5))  # signed in before the deadline, at any --at
    manager = login_as("service_manager")

    def row_at(moment):
        stopped.move_to(moment)
        page = manager.get(f"/manage/timecards/{monday.isoformat()}").get_data(as_text=True)
        return page[page.index(f'id="week-card-{tech_id}"') :].split("</tr>")[0]

    assert "Overdue" not in row_at(due)
    assert "Overdue since Fri 17:00" in row_at(due + timedelta(seconds=1))
