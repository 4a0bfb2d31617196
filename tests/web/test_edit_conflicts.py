"""Two people editing one record never silently undo each other, in the production
configuration (CSRF on): a save from a form older than the record is refused with 409,
shows the other person's change beside the person's own, and saves again in one click."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from mspboard.models import AuditEvent, ServiceRequest, SRActivity, db
from tests.factories import make_client, make_sr, make_user
from tests.page_forms import form_data, signed_in


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


@pytest.fixture
def desk(app):
    """Priya (manager) and Sam (admin), each signed in on their own browser, and SR-1."""
    with app.app_context():
        make_user(role="service_manager", email="priya@example.test", name="Priya Shah")
        make_user(role="admin", email="sam@example.test", name="Sam Ortiz")
        sr = make_sr(title="Printer offline", priority=3)
        sr.due_at = datetime(2026, 11, 27, 16, 47, tzinfo=UTC)
        db.session.commit()
        number = sr.number
    return signed_in(app, "priya@example.test"), signed_in(app, "sam@example.test"), number


def sr_now(app, number):
    with app.app_context():
        sr = db.session.scalar(select(ServiceRequest))
        assert sr.number == number
        return sr.title, sr.priority, sr.due_at, sr.version


def open_form(client, number):
    page = client.get(f"/sr/{number}")
    assert page.status_code == 200
    return form_data(page.get_data(as_text=True))


def test_a_stale_sr_form_is_refused_and_shows_the_other_change_beside_yours(app, desk):
    priya, sam, number = desk
    priyas, sams = open_form(priya, number), open_form(sam, number)

    saved = priya.post(f"/sr/{number}", data={**priyas, "title": "Printer offline in reception"})
    assert saved.status_code == 302

    refused = sam.post(f"/sr/{number}", data={**sams, "priority": "1"})
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert "Not saved yet." in page
    assert "Priya Shah changed the title to “Printer offline in reception”" in page
    assert "Your change to priority is filled in below and not saved yet" in page
    assert sr_now(app, number)[:2] == ("Printer offline in reception", 3)

    # The form now holds Priya's title and Sam's priority: one click saves Sam's change.
    again = form_data(page)
    assert (again["title"], again["priority"]) == ("Printer offline in reception", "1")
    assert sam.post(f"/sr/{number}", data=again).status_code == 302
    assert sr_now(app, number)[:2] == ("Printer offline in reception", 1)


def test_both_changing_one_field_names_theirs_and_keeps_yours_to_save(app, desk):
    priya, sam, number = desk
    priyas, sams = open_form(priya, number), open_form(sam, number)
    assert priya.post(f"/sr/{number}", data={**priyas, "priority": "2"}).status_code == 302

    refused = sam.post(f"/sr/{number}", data={**sams, "priority": "1"})
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert "Priya Shah changed this to P2. Yours is filled in; saving keeps yours." in page
    assert form_data(page)["priority"] == "1"
    assert sr_now(app, number)[1] == 2


def test_saving_one_field_leaves_the_due_time_and_estimate_as_they_were(app, desk):
    priya, _sam, number = desk
    with app.app_context():
        db.session.scalar(select(ServiceRequest)).estimate_minutes = 50
        db.session.commit()
    form = open_form(priya, number)
    assert form["estimate_hours"] == "0.83"
    assert priya.post(f"/sr/{number}", data={**form, "title": "Toner"}).status_code == 302
    with app.app_context():
        sr = db.session.scalar(select(ServiceRequest))
        assert (sr.due_at, sr.estimate_minutes) == (datetime(2026, 11, 27, 16, 47, tzinfo=UTC), 50)
        edits = db.session.scalars(select(SRActivity).where(SRActivity.kind == "edit")).all()
        assert [line.field for line in edits] == ["title"]


def test_a_save_that_changes_nothing_writes_and_logs_nothing(app, desk):
    priya, _sam, number = desk
    before = sr_now(app, number)
    answer = priya.post(f"/sr/{number}", data=open_form(priya, number), follow_redirects=True)
    assert "Nothing changed." in answer.get_data(as_text=True)
    assert sr_now(app, number) == before
    with app.app_context():
        assert db.session.scalars(select(AuditEvent.action)).all() == ["user.created"] * 2
        assert db.session.scalar(select(func.count()).select_from(SRActivity)) == 0


def test_an_edit_is_audited_with_only_what_changed(app, desk):
    priya, _sam, number = desk
    form = open_form(priya, number)
    priya.post(f"/sr/{number}", data={**form, "title": "Toner", "priority": "2"})
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action.like("sr.%")))
        assert (event.action, event.actor.name) == ("sr.edited", "Priya Shah")
        assert event.before == {"title": "Printer offline", "priority": 3, "version": 1}
        assert event.after == {"title": "Toner", "priority": 2, "version": 2}


def test_a_form_without_its_version_is_not_saved_over_the_record(app, desk):
    priya, _sam, number = desk
    form = open_form(priya, number)
    del form["version"]
    refused = priya.post(f"/sr/{number}", data={**form, "title": "Toner"})
    assert refused.status_code == 409
    assert sr_now(app, number)[0] == "Printer offline"


@pytest.fixture
def two_admins(app):
    with app.app_context():
        make_user(role="admin", email="ana@example.test", name="Ana Lima")
        make_user(role="admin", email="sam@example.test", name="Sam Ortiz")
        tech = make_user(name="Tom Reyes", email="tom@example.test")
        client = make_client("Alder Creek Dental")
        db.session.commit()
        ids = {"user": tech.id, "client": client.id}
    return signed_in(app, "ana@example.test"), signed_in(app, "sam@example.test"), ids


@pytest.mark.parametrize(
    ("page", "theirs", "yours", "their_words"),
    [
        (
            "/admin/clients/{client}",
            {"name": "Alder Creek Dental Group"},
            {"billing_rate": "150.00"},
            "Ana Lima changed the name to “Alder Creek Dental Group”",
        ),
        (
            "/admin/users/{user}",
            {"name": "Tom Reyes Jr"},
            {"day_start": "07:30"},
            "Ana Lima changed the name to “Tom Reyes Jr”",
        ),
        (
            "/admin/settings",
            {"shop_name": "Harbor Lane IT"},
            {"stale_after_days": "21"},
            "Ana Lima changed the shop name to “Harbor Lane IT”",
        ),
    ],
)
def test_admin_forms_refuse_a_stale_save_and_reapply_it(
    app, two_admins, page, theirs, yours, their_words
):
    ana, sam, ids = two_admins
    url = page.format(**ids)
    anas, sams = (
        form_data(ana.get(url).get_data(as_text=True)),
        form_data(sam.get(url).get_data(as_text=True)),
    )
    assert ana.post(url, data={**anas, **theirs}).status_code == 302

    refused = sam.post(url, data={**sams, **yours})
    assert refused.status_code == 409
    words = refused.get_data(as_text=True)
    assert their_words in words and "Not saved yet." in words

    again = form_data(words)
    assert {key: again[key] for key in {**theirs, **yours}} == {**theirs, **yours}
    assert sam.post(url, data=again).status_code == 302
    saved = form_data(sam.get(url).get_data(as_text=True))
    assert {key: saved[key] for key in {**theirs, **yours}} == {**theirs, **yours}


@pytest.fixture
def raced_save(app):
    """A view whose save loses the version check to a save that landed after it read the
    row, as a login's UPDATE can meet an admin's edit of the same user."""
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/__test/raced-save")
    def raced():
        sr = db.session.scalar(select(ServiceRequest))
        db.session.execute(
            ServiceRequest.__table__.update().values(version=ServiceRequest.version + 1)
        )
        sr.title = "Written over"
        db.session.flush()
        return "saved"

    return "/__test/raced-save"


def test_a_raced_save_no_form_answers_is_a_409_page_and_writes_nothing(app, raced_save, desk):
    priya, _sam, number = desk
    response = priya.get(raced_save)
    assert response.status_code == 409
    assert "Someone else changed this at the same moment" in response.get_data(as_text=True)
    assert sr_now(app, number)[0] == "Printer offline"
