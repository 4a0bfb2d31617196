"""The import's rows: what each would do in the dry run, every reason a row is refused, and
the real run: one transaction, idempotent, audited, nothing half-imported."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from mspboard.models import (
    AuditEvent,
    Client,
    ClientContact,
    ImportMapping,
    ServiceRequest,
    SetPasswordLink,
    SRActivity,
    SRStatus,
    User,
    db,
    utcnow,
)
from mspboard.services import service_requests, set_password_links, sr_notes
from mspboard.services.errors import RuleViolation
from mspboard.services.imports import kinds, mapping, sheets
from mspboard.services.imports.run import make_plan, run_import
from mspboard.services.shop_settings import shop_zone
from tests.factories import make_client, make_user

SR_TABLES = {
    "status": {"Open": "new", "On Hold": "waiting", "Closed": "skip"},
    "priority": {"High": "2", "Low": "4"},
}


# The sheets below were written on this day: their dates lie before it, whatever instant
# the suite runs at, and the clock stays put on it.
SHEETS_WRITTEN = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _held_still(stopped):
    """Dates in the sheets are judged against a clock held on the day they were written."""
    stopped.move_to(SHEETS_WRITTEN)


@pytest.fixture
def admin() -> User:
    user = make_user(role="admin", email="admin@example.test", name="Ada Admin")
    db.session.commit()
    return user


def _sheet(text: str) -> sheets.Sheet:
    return sheets.read_sheet(text.encode())


def plan(admin: User, kind: str, text: str, value_maps: dict | None = None):
    sheet = _sheet(text)
    return make_plan(admin, kind, sheet, mapping.guess(kind, sheet.headers), value_maps or {})


def run(admin: User, kind: str, text: str, value_maps: dict | None = None, **options):
    sheet = _sheet(text)
    columns = mapping.guess(kind, sheet.headers)
    return run_import(admin, kind, sheet, columns, value_maps or {}, **options)


def by_row(result) -> dict[int, tuple[str, str]]:
    return {o.row: (o.action, o.reason) for o in result.outcomes}


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# ---- clients -------------------------------------------------------------------------------

CLIENTS = (
    "Client ID,Client Name,Hourly Rate,Active\n"
    "C-1,Acme Dental,125.00,yes\n"
    "C-2,Birch Law,,no\n"
    "C-3,Cedar Farms,99.50,\n"
)


def test_clients_are_created_then_a_second_run_creates_none(admin):
    first = run(admin, "clients", CLIENTS).plan
    assert first.summary["create"] == 3
    acme = db.session.scalar(select(Client).where(Client.external_ref == "C-1"))
    assert (acme.name, acme.billing_rate_cents, acme.active) == ("Acme Dental", 12500, True)
    birch = db.session.scalar(select(Client).where(Client.name == "Birch Law"))
    assert (birch.billing_rate_cents, birch.active) == (None, False)
    second = run(admin, "clients", CLIENTS).plan
    assert (second.summary["create"], second.summary["unchanged"]) == (0, 3)
    assert count(Client) == 3


def test_a_client_is_matched_by_name_ignoring_case_and_gets_the_reference(admin):
    existing = make_client("ACME DENTAL")
    result = plan(admin, "clients", "Client ID,Client Name\nC-1,acme dental\n")
    outcome = result.outcomes[0]
    assert outcome.action == "update"
    assert outcome.record is existing
    assert "reference" in outcome.reason or "external ref" in outcome.reason


def test_a_changed_rate_is_an_update_versioned_and_audited(admin):
    run(admin, "clients", CLIENTS)
    result = run(admin, "clients", CLIENTS.replace("125.00", "140.00")).plan
    assert result.summary["update"] == 1
    acme = db.session.scalar(select(Client).where(Client.external_ref == "C-1"))
    assert (acme.billing_rate_cents, acme.version) == (14000, 2)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "client.imported"))
    assert event.after["billing_rate_cents"] == 14000
    assert event.actor_id == admin.id


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("C-9,,10", "The name is empty."),
        ("C-1,Other Name,", "Same reference as row 2."),
        ("C-9,acme dental,", "Same name as row 2."),
        ("C-9,Dune Co,12.345", "Hourly rate “12.345” is not an amount such as 125.00."),
        ("C-9,Dune Co,ten", "Hourly rate “ten” is not an amount"),
        ("C-9,Dune Co,-5", "is not an amount"),
        ("C-9,Dune\x07Co,", "control characters"),
        ("C-9," + "x" * 161 + ",", "longer than 160 characters"),
    ],
)
def test_each_client_refusal_says_why_with_the_row_number(admin, row, reason):
    result = plan(admin, "clients", f"Client ID,Client Name,Rate\nC-1,Acme Dental,\n{row}\n")
    outcome = result.outcomes[1]
    assert (outcome.row, outcome.action) == (3, "refused")
    assert reason in outcome.reason


def test_active_that_is_neither_yes_nor_no_is_refused(admin):
    result = plan(admin, "clients", "Name,Active\nAcme,maybe\n")
    assert result.outcomes[0].reason == "Active “maybe” is neither yes nor no."


def test_a_reference_naming_one_client_and_a_name_naming_another_is_refused(admin):
    first = make_client("Acme Dental")
    first.external_ref = "C-1"
    make_client("Birch Law")
    result = plan(admin, "clients", "Reference,Name\nC-1,Birch Law\n")
    assert result.outcomes[0].reason == "Another client is already called Birch Law."


def test_a_client_with_another_reference_here_is_refused(admin):
    make_client("Acme Dental").external_ref = "OLD-7"
    result = plan(admin, "clients", "Reference,Name\nC-1,Acme Dental\n")
    assert "already has the reference “OLD-7”" in result.outcomes[0].reason


# ---- contacts ------------------------------------------------------------------------------


def test_contacts_match_by_client_and_email_and_refuse_what_they_must(admin):
    acme = make_client("Acme Dental")
    acme.external_ref = "C-1"
    text = (
        "Company,Contact Name,Email,Phone\n"
        "C-1,Dana Diaz,dana@acme.test,+1 555 0100\n"
        "Acme Dental,Eli Ng,,555-0101\n"
        "acme dental,Dana Again,DANA@acme.test,\n"
        "Nowhere Inc,Fay,fay@x.test,\n"
        "C-1,Gus,not-an-email,\n"
        "C-1,Hal,,call me\n"
    )
    outcomes = by_row(plan(admin, "contacts", text))
    assert outcomes[2][0] == outcomes[3][0] == "create"
    assert outcomes[4] == ("refused", "Same email at this client as row 2.")
    assert outcomes[5][1].startswith("No client has the reference or name “Nowhere Inc”")
    assert outcomes[6] == ("refused", "Email: Enter a valid email address.")
    assert outcomes[7][1].startswith("Phone: Enter a phone number")
    run(admin, "contacts", "\n".join(text.splitlines()[:3]) + "\n")
    again = plan(admin, "contacts", "\n".join(text.splitlines()[:3]) + "\n")
    assert again.summary["unchanged"] == 2
    assert count(ClientContact) == 2


# ---- users ---------------------------------------------------------------------------------

USERS = (
    "Name,Email,Role,Tech Level\n"
    "Tom Tech,Tom@Shop.test,Technician,Tech II\n"
    "Mia Manager,mia@shop.test,Service Manager,\n"
)


def test_users_are_invited_without_a_password_and_each_gets_one_link(admin):
    result = run(admin, "users", USERS)
    assert result.plan.summary["create"] == 2
    tom = db.session.scalar(select(User).where(User.email == "tom@shop.test"))
    assert (tom.role, tom.tech_level) == ("technician", "tech_ii")
    assert tom.password_hash == set_password_links.NO_PASSWORD
    assert [user.email for user, _ in result.links] == ["tom@shop.test", "mia@shop.test"]
    token = result.links[0][1]
    assert set_password_links.find_usable(token).user_id == tom.id
    again = run(admin, "users", USERS)
    assert again.links == []
    assert again.plan.summary["unchanged"] == 2
    assert count(SetPasswordLink) == 2


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("Ann,tom@shop.test,,", "Same email as row 2."),
        ("Ann,TOM@SHOP.TEST,,", "Same email as row 2."),
        ("Ann,not an email,,", "“not an email” is not a valid email address."),
        ("Ann,,,", "The email is empty"),
        (",ann@shop.test,,", "The name is empty."),
        ("Ann,ann@shop.test,Owner,", "Role “Owner” is none of technician"),
        ("Ann,ann@shop.test,,Guru", "Tech level “Guru” is none of"),
    ],
)
def test_each_user_refusal_says_why(admin, row, reason):
    result = plan(admin, "users", f"Name,Email,Role,Level\nTom,tom@shop.test,,\n{row}\n")
    assert result.outcomes[1].action == "refused"
    assert reason in result.outcomes[1].reason


def test_an_import_does_not_change_the_admins_own_role_or_another_admins(admin):
    make_user(role="admin", email="other@shop.test", name="Otto")
    result = plan(
        admin,
        "users",
        "Name,Email,Role\nAda Admin,admin@example.test,technician\nOtto,other@shop.test,manager\n",
    )
    assert result.outcomes[0].reason.startswith("This is you")
    assert result.outcomes[1].reason.startswith("Otto is an admin")


# ---- service requests ----------------------------------------------------------------------

SRS = (
    "Ticket Number,Company,Subject,Priority,Status,Assigned To,Created\n"
    "T-1,Acme Dental,Printer offline,High,Open,tom@shop.test,2026-11-20 09:15\n"
    "T-2,Acme Dental,=SUM(A1),P1,On Hold,Tom Tech,11/21/2026\n"
    "T-3,Acme Dental,Old thing,Low,Closed,,2026-10-01T08:00:00+00:00\n"
)


@pytest.fixture
def shop(admin):
    make_client("Acme Dental")
    make_user(role="technician", email="tom@shop.test", name="Tom Tech")
    db.session.commit()


def test_open_srs_are_created_with_their_number_date_and_a_created_line(admin, shop):
    result = run(admin, "service_requests", SRS, SR_TABLES).plan
    assert result.summary == {
        "refused": 0,
        "create": 2,
        "update": 0,
        "unchanged": 0,
        "skipped": 1,
    }
    first = db.session.scalar(select(ServiceRequest).where(ServiceRequest.external_ref == "T-1"))
    assert (first.priority, first.status, first.assignee.email) == (2, "new", "tom@shop.test")
    assert first.created_at == datetime(2026, 11, 20, 9, 15, tzinfo=shop_zone())
    assert first.created_by_id == admin.id
    activity = db.session.scalar(select(SRActivity).where(SRActivity.sr_id == first.id))
    assert (activity.kind, activity.actor_id) == ("created", admin.id)
    second = db.session.scalar(select(ServiceRequest).where(ServiceRequest.external_ref == "T-2"))
    assert second.title == "=SUM(A1)"
    assert (second.priority, second.status, second.assignee.name) == (1, "waiting", "Tom Tech")
    assert second.created_at == datetime(2026, 11, 21, tzinfo=shop_zone())
    assert "Closed in the old tool" in by_row(result)[4][1]


def test_a_second_run_of_the_same_sheet_creates_nothing(admin, shop):
    run(admin, "service_requests", SRS, SR_TABLES)
    again = run(admin, "service_requests", SRS, SR_TABLES).plan
    assert (again.summary["create"], again.summary["unchanged"]) == (0, 2)
    assert count(ServiceRequest) == 2


def test_a_changed_title_updates_the_sr_with_an_activity_line(admin, shop):
    run(admin, "service_requests", SRS, SR_TABLES)
    again = run(
        admin, "service_requests", SRS.replace("Printer offline", "Printer on fire"), SR_TABLES
    ).plan
    assert again.summary["update"] == 1
    sr = db.session.scalar(select(ServiceRequest).where(ServiceRequest.external_ref == "T-1"))
    assert (sr.title, sr.version) == ("Printer on fire", 2)
    assert [a.kind for a in sr.activities] == ["created", "edit"]


def test_a_later_import_changes_an_sr_again_while_nobody_has_worked_it_here(admin, shop):
    run(admin, "service_requests", SRS, SR_TABLES)
    run(admin, "service_requests", SRS.replace("Printer offline", "Printer on fire"), SR_TABLES)
    third = run(
        admin, "service_requests", SRS.replace("Printer offline", "Printer smoking"), SR_TABLES
    ).plan
    assert third.summary["update"] == 1
    sr = db.session.scalar(select(ServiceRequest).where(ServiceRequest.external_ref == "T-1"))
    assert sr.title == "Printer smoking"


@pytest.mark.parametrize("work", ["moved", "noted"])
def test_a_later_import_leaves_an_sr_worked_here_since_as_it_is(admin, shop, work):
    """The old tool's sheet never undoes what the team has done in mspboard since."""
    run(admin, "service_requests", SRS, SR_TABLES)
    sr = db.session.scalar(select(ServiceRequest).where(ServiceRequest.external_ref == "T-1"))
    tom = db.session.scalar(select(User).where(User.email == "tom@shop.test"))
    if work == "moved":
        service_requests.change_status(tom, sr, SRStatus.IN_PROGRESS)
    else:
        sr_notes.add_note(tom, sr, "Toner replaced; waiting on a driver.")
    db.session.commit()
    changed_sheet = SRS.replace("Printer offline", "Printer on fire")
    again = run(admin, "service_requests", changed_sheet, SR_TABLES).plan
    assert again.summary["update"] == 0
    assert by_row(again)[2] == (
        "unchanged",
        f"{sr.number} has been worked here since it was imported; left as it is.",
    )
    db.session.refresh(sr)
    assert sr.title == "Printer offline"
    assert sr.status == (SRStatus.IN_PROGRESS if work == "moved" else SRStatus.NEW)


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("T-1,Acme Dental,Again,,Open,,", "Same ticket number as row 2."),
        ("t-1,Acme Dental,Again,,Open,,", "Same ticket number as row 2."),
        ("T-9,Acme Dental,X,,Triage,,", "Status “Triage” maps to nothing"),
        ("T-9,Acme Dental,X,Meh,Open,,", "Priority “Meh” maps to nothing"),
        ("T-9,Acme Dental,X,,Open,Nobody,", "No active user has the email or name “Nobody”."),
        ("T-9,Acme Dental,X,,Open,x@shop.test,", "No active user has the email or name"),
        ("T-9,Acme Dental,X,,Open,,2099-01-01 10:00", "“2099-01-01 10:00” is in the future."),
        ("T-9,Acme Dental,X,,Open,,1999-12-31", "is outside 2000 to 2099."),
        ("T-9,Acme Dental,X,,Open,,yesterday", "Created “yesterday” is not a date: use"),
        ("T-9,Acme Dental,X,,Open,,31/12/2025", "is not a date"),
        ("T-9,Nowhere,X,,Open,,", "No client has the reference or name “Nowhere”"),
        ("T-9,Acme Dental,,,Open,,", "The title is empty."),
        (",Acme Dental,X,,Open,,", "The ticket number is empty."),
        ("T-9,Acme Dental," + "y" * 201 + ",,Open,,", "longer than 200 characters"),
    ],
)
def test_each_sr_refusal_says_why(admin, shop, row, reason):
    header = "Ticket Number,Company,Subject,Priority,Status,Assigned To,Created"
    text = f"{header}\nT-1,Acme Dental,First,,Open,,\n{row}\n"
    outcome = plan(admin, "service_requests", text, SR_TABLES).outcomes[1]
    assert (outcome.row, outcome.action) == (3, "refused")
    assert reason in outcome.reason


def test_an_sr_of_a_deactivated_client_or_assigned_to_a_deactivated_person_is_refused(admin, shop):
    make_client("Gone Co").active = False
    make_user(email="left@shop.test", name="Lee Left", active=False)
    text = (
        "Ticket,Client,Title,Assigned To\n"
        "T-1,Gone Co,X,\n"
        "T-2,Acme Dental,X,left@shop.test\n"
        "T-3,Acme Dental,X,Lee Left\n"
    )
    outcomes = by_row(plan(admin, "service_requests", text))
    assert outcomes[2] == ("refused", "Gone Co is deactivated; reactivate the client first.")
    assert outcomes[3] == ("refused", "Lee Left is deactivated; assign someone active.")
    assert outcomes[4][1] == "No active user has the email or name “Lee Left”."


def test_two_people_with_the_same_name_must_be_assigned_by_email(admin, shop):
    make_user(email="tom2@shop.test", name="Tom Tech")
    text = "Ticket,Client,Title,Assigned To\nT-1,Acme Dental,X,Tom Tech\n"
    assert "assign by email" in plan(admin, "service_requests", text).outcomes[0].reason


def test_priority_numbers_and_blank_values_need_no_table(admin, shop):
    text = "Ticket,Client,Title,Priority,Status\nT-1,Acme Dental,X,4,\nT-2,Acme Dental,Y,,\n"
    result = plan(admin, "service_requests", text)
    assert [o.values["priority"] for o in result.outcomes] == [4, 3]
    assert [o.values["status"] for o in result.outcomes] == ["new", "new"]


def test_a_local_time_is_on_the_shops_clock(admin, shop):
    from mspboard.services.shop_settings import current_settings

    current_settings().timezone = "America/New_York"
    text = "Ticket,Client,Title,Created,Due\nT-1,Acme Dental,X,2026-11-20 09:15,12/24/2026 17:00\n"
    values = plan(admin, "service_requests", text).outcomes[0].values
    assert values["created_at"] == datetime(2026, 11, 20, 14, 15, tzinfo=UTC)
    assert values["due_at"] == datetime(2026, 12, 24, 22, 0, tzinfo=UTC)


# ---- the real run --------------------------------------------------------------------------


def test_a_run_with_refused_rows_is_refused_unless_the_admin_skips_them(admin, shop):
    text = SRS + "T-4,Nowhere,X,,Open,,\n"
    with pytest.raises(RuleViolation, match="1 row is refused"):
        run(admin, "service_requests", text, SR_TABLES)
    db.session.rollback()
    assert count(ServiceRequest) == 0
    with pytest.raises(RuleViolation, match="not the ones the dry run showed"):
        run(admin, "service_requests", text, SR_TABLES, skip_refused=True, refused_seen=0)
    db.session.rollback()
    result = run(admin, "service_requests", text, SR_TABLES, skip_refused=True, refused_seen=1)
    assert result.plan.summary["create"] == 2
    assert count(ServiceRequest) == 2


def test_the_run_is_audited_once_with_the_counts_and_the_admin(admin, shop):
    run(admin, "service_requests", SRS, SR_TABLES)
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "import.service_requests")
    ).one()
    assert event.actor_id == admin.id
    assert event.after == {"refused": 0, "create": 2, "update": 0, "unchanged": 0, "skipped": 1}


def test_a_refusal_found_while_applying_leaves_nothing_imported(admin, shop, monkeypatch):
    applied = []
    original = kinds.ServiceRequestsPlanner.apply

    def refuse_the_second(self, outcome):
        applied.append(outcome.row)
        if len(applied) == 2:
            raise kinds.Refused("Refused while applying.")
        original(self, outcome)

    monkeypatch.setattr(kinds.ServiceRequestsPlanner, "apply", refuse_the_second)
    with pytest.raises(RuleViolation, match=r"Row 3: Refused while applying\. Nothing was"):
        run(admin, "service_requests", SRS, SR_TABLES)
    db.session.rollback()
    assert count(ServiceRequest) == 0
    assert count(SRActivity) == 0


def test_a_database_refusal_in_a_batch_leaves_nothing_imported(admin, shop):
    text = "Ticket,Client,Title\n" + "".join(f"T-{n},Acme Dental,X\n" for n in range(600))
    sneaky = ServiceRequest(
        client_id=db.session.scalar(select(Client.id)), title="Y", external_ref="T-599"
    )

    # Someone saves T-599 between the plan and the last batch.
    original = kinds.ServiceRequestsPlanner.apply

    def racing_apply(self, outcome):
        if outcome.row == 550:
            db.session.add(sneaky)
        original(self, outcome)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(kinds.ServiceRequestsPlanner, "apply", racing_apply)
        with pytest.raises(RuleViolation, match="The database refused one of rows"):
            run(admin, "service_requests", text)
    db.session.rollback()
    assert count(ServiceRequest) == 0


def test_saved_mappings_are_versioned_and_report_headers_a_sheet_lacks(admin):
    saved = mapping.save_mapping(
        admin, "service_requests", "Old PSA", {"reference": "Ticket #", "title": "Subj"}, SR_TABLES
    )
    assert saved.version == 1
    again = mapping.save_mapping(
        admin, "service_requests", "Old PSA", {"reference": "Ticket #", "title": "Subject"}, {}
    )
    assert again is saved
    assert saved.version == 2
    columns, tables = mapping.loaded(saved)
    assert columns == {"reference": "Ticket #", "title": "Subject"}
    assert tables == {"status": {}, "priority": {}}
    assert mapping.lacking(columns, ["Ticket #", "Client"]) == ["Subject"]
    assert count(ImportMapping) == 1
    with pytest.raises(RuleViolation, match="Give the mapping a name"):
        mapping.save_mapping(admin, "clients", "  ", {}, {})


def test_a_sheet_bigger_than_one_flush_batch_imports_every_row(admin):
    """2,000 SRs span four of the run's batches; how fast they go is bench/imports.py's."""
    clients = "Client ID,Client Name\n" + "".join(f"C-{n},Client {n}\n" for n in range(400))
    tom = make_user(email="tom@shop.test", name="Tom Tech")
    created = (utcnow() - timedelta(days=3)).strftime("%Y-%m-%d %H:%M")
    srs = "Ticket Number,Client ID,Subject,Priority,Status,Assigned To,Created\n" + "".join(
        f"T-{n},C-{n % 400},Job {n},High,Open,{tom.email},{created}\n" for n in range(2000)
    )
    run(admin, "clients", clients)
    result = run(admin, "service_requests", srs, SR_TABLES)
    db.session.commit()
    assert result.plan.summary["create"] == 2000
    assert count(ServiceRequest) == 2000
