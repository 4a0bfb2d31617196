"""The checklist templates in the browser, at the office screen: a manager edits a base item,
sees which of this month's open runs it changes (and which keep it because it is ticked),
applies it to them, and finds a client's checklist; the proposed items page decides one."""

from __future__ import annotations

from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from mspboard.models import ChecklistItem, ChecklistProposal, ChecklistRun, db, utcnow
from mspboard.services.maintenance import months
from tests.e2e.conftest import serious_accessibility_violations, sign_in
from tests.e2e.field_helpers import shoot
from tests.factories import make_client, make_user
from tests.maintenance_factories import exclude, make_item

DESK = {"width": 1920, "height": 1080}
TITLES = [
    ("Backups verified", "Open the backup console; every job green, restore points counted."),
    ("Windows updates", "Patch report from the RMM: nothing failed, nothing pending a reboot."),
    ("UPS self-test", "Run the self-test from the UPS web page; note the runtime."),
    ("Firewall firmware", "Compare with the vendor's current release."),
]


def _shop(app: Flask) -> dict:
    with app.app_context():
        make_user(role="service_manager", email="priya@example.test", name="Priya Shah")
        tess = make_user(name="Tess Field")
        items = [
            make_item(title, position=n, estimate_minutes=10 + 5 * n)
            for n, (title, _) in enumerate(TITLES)
        ]
        for item, (_, instruction) in zip(items, TITLES, strict=True):
            item.instruction = instruction
        items[3].cadence, items[3].cadence_month = "quarterly", 2
        acme, bolt, cobalt = (make_client(name) for name in ("Acme Dental", "Bolt Legal", "Cobalt"))
        exclude(bolt, items[2])
        make_item("Plotter service", client=acme, billable=False)
        months.open_month(None, months.this_month())
        ticked = db.session.scalar(
            select(ChecklistRun).where(ChecklistRun.client_id == cobalt.id)
        ).items[0]
        ticked.outcome, ticked.ticked_at, ticked.ticked_by_id = "done", utcnow(), tess.id
        db.session.add(
            ChecklistProposal(
                title="Check the NAS SMART status",
                instruction="Storage Manager > Health; any warning is a Problem.",
                client=acme,
                proposed_by_id=tess.id,
                proposed_at=utcnow(),
            )
        )
        db.session.commit()
        return {"backups": items[0].id, "acme": acme.id, "month": months.this_month()}


def test_a_manager_edits_a_base_item_and_applies_it_to_this_months_open_runs(
    page: Page, live_server, app
):
    shop = _shop(app)
    month = months.month_label(shop["month"])
    page.set_viewport_size(DESK)
    sign_in(page, live_server, "priya@example.test")
    page.wait_for_url(f"{live_server}/board")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Maintenance").click()
    page.get_by_role("link", name="Checklist templates").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Checklist templates")
    expect(page.locator(f"#item-{shop['backups']}")).to_contain_text("Monthly")
    expect(page.get_by_text("Quarterly, 2nd month")).to_be_visible()
    shoot(page, "checklist-templates-desk")
    assert serious_accessibility_violations(page) == []

    page.get_by_role("link", name="Edit Backups verified").click()
    page.get_by_label("Title").fill("Backups verified, one file restored")
    page.get_by_role("button", name="Save changes").click()

    expect(page.locator(".affected-runs")).to_have_text(
        f"This changes the open {month} runs of 2 clients: Acme Dental and Bolt Legal."
    )
    expect(page.get_by_text("1 run already ticked it and keeps it as it was.")).to_be_visible()
    shoot(page, "checklist-templates-confirm-desk")
    assert serious_accessibility_violations(page) == []
    page.get_by_role("button", name="Apply to this month's open runs too").click()

    expect(page.locator(".flash-success")).to_have_text(
        f"Saved “Backups verified, one file restored”, and changed the open {month} runs "
        "of 2 clients with it."
    )
    expect(page.locator(f"#item-{shop['backups']}")).to_contain_text(
        "Backups verified, one file restored"
    )
    with app.app_context():
        firsts = {
            run.client.name: (run.items[0].title, run.version)
            for run in db.session.scalars(select(ChecklistRun))
        }
    assert firsts == {
        "Acme Dental": ("Backups verified, one file restored", 2),
        "Bolt Legal": ("Backups verified, one file restored", 2),
        "Cobalt": ("Backups verified", 1),
    }

    page.get_by_role("link", name="Acme Dental").click()
    checklist = page.get_by_role("region", name="Acme Dental's checklist")
    expect(checklist).to_contain_text("Backups verified, one file restored")
    expect(checklist).to_contain_text("Plotter service")
    shoot(page, "checklist-client-desk")
    assert serious_accessibility_violations(page) == []


def test_a_manager_accepts_a_proposed_item_for_one_client(page: Page, live_server, app):
    shop = _shop(app)
    page.set_viewport_size(DESK)
    sign_in(page, live_server, "priya@example.test")
    page.goto(f"{live_server}/manage/maintenance/templates")
    page.get_by_role("link", name="Proposed items").click()
    proposal = page.locator(".proposal", has_text="Check the NAS SMART status")
    expect(proposal).to_contain_text("Acme Dental")
    expect(proposal).to_contain_text("proposed by Tess Field")
    shoot(page, "checklist-proposals-desk")
    assert serious_accessibility_violations(page) == []
    proposal.get_by_role("button", name="Accept").click()
    expect(page.locator(".flash-success")).to_contain_text("Accepted “Check the NAS SMART status”")
    expect(page.get_by_text("No proposed item waits for a decision.")).to_be_visible()
    with app.app_context():
        item = db.session.scalar(
            select(ChecklistItem).where(ChecklistItem.title == "Check the NAS SMART status")
        )
        assert item.client_id == shop["acme"]
