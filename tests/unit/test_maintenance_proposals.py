from datetime import date, timedelta

import pytest
from sqlalchemy import event, func, select

from mspboard.models import AuditEvent, ChecklistItem, ChecklistProposal, db
from mspboard.services.edits import EditConflict
from mspboard.services.errors import RuleViolation
from mspboard.services.maintenance import proposals
from tests.factories import make_client, make_user
from tests.maintenance_factories import in_month, make_item, open_month

DECEMBER = date(2026, 12, 1)


def propose(by, title="Check the NAS SMART status", run=None, client=None, **more):
    proposal = ChecklistProposal(
        title=title,
        instruction="Storage Manager > Health",
        proposed_by_id=by.id,
        run=run,
        client=client,
        proposed_at=more.pop("proposed_at", in_month(DECEMBER)),
        **more,
    )
    db.session.add(proposal)
    db.session.flush()
    return proposal


@pytest.fixture
def manager():
    return make_user(role="service_manager", name="Morgan")


@pytest.fixture
def tech():
    return make_user(name="Tess")


def test_accepting_a_proposal_for_every_client_makes_a_base_item(manager, tech):
    proposal = propose(tech, cadence="quarterly", cadence_month=2)
    proposals.decide(manager, proposal, True, expected_version=1, now=in_month(DECEMBER))
    item = db.session.get(ChecklistItem, proposal.item_id)
    assert (item.title, item.client_id, item.cadence, item.cadence_month) == (
        "Check the NAS SMART status",
        None,
        "quarterly",
        2,
    )
    assert (proposal.status, proposal.decided_by_id, proposal.version) == (
        "accepted",
        manager.id,
        2,
    )
    actions = db.session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.action.like("checklist%"))
        .order_by(AuditEvent.id)
    ).all()
    assert actions == ["checklist_item.created", "checklist_proposal.accepted"]


def test_accepting_a_clients_proposal_makes_its_addition_and_changes_no_open_run(manager, tech):
    make_item("Backups verified")
    acme = make_client("Acme")
    [run] = open_month(DECEMBER)
    proposal = propose(tech, run=run, client=acme)
    proposals.decide(manager, proposal, True, expected_version=1, now=in_month(DECEMBER))
    assert db.session.get(ChecklistItem, proposal.item_id).client_id == acme.id
    db.session.refresh(run)
    assert [item.title for item in run.items] == ["Backups verified"]


def test_rejecting_keeps_the_proposal_with_the_reason_in_the_audit(manager, tech):
    proposal = propose(tech)
    proposals.decide(manager, proposal, False, 1, reason="We check it in the RMM already")
    assert (proposal.status, proposal.item_id) == ("rejected", None)
    assert db.session.scalar(select(func.count()).select_from(ChecklistItem)) == 0
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "checklist_proposal.rejected")
    )
    assert event.after["reason"] == "We check it in the RMM already"
    assert event.before["status"] == "proposed"


def test_a_decided_proposal_cannot_be_decided_again(manager, tech):
    other = make_user(role="service_manager", name="Priya")
    proposal = propose(tech)
    proposals.decide(other, proposal, False, 1)
    with pytest.raises(proposals.AlreadyDecided, match="already rejected by Priya"):
        proposals.decide(manager, proposal, True, proposal.version)
    assert db.session.scalar(select(func.count()).select_from(ChecklistItem)) == 0


def test_a_decision_from_an_older_page_is_refused(manager, tech):
    proposal = propose(tech)
    with pytest.raises(EditConflict):
        proposals.decide(manager, proposal, True, expected_version=7)
    assert proposal.status == "proposed"


def test_a_proposal_whose_values_break_the_rules_is_refused_unaccepted(manager, tech):
    proposal = propose(tech, cadence="quarterly", cadence_month=5)
    with pytest.raises(RuleViolation, match="Month of the quarter"):
        proposals.decide(manager, proposal, True, 1)
    gone = make_client("Gone")
    gone.active = False
    with pytest.raises(RuleViolation, match="deactivated"):
        proposals.decide(manager, propose(tech, client=gone), True, 1)


def test_pending_is_oldest_first_in_one_query_and_filters_by_the_runs_month(app, manager, tech):
    make_item()
    make_client("Acme")
    [run] = open_month(DECEMBER)
    later = propose(tech, "Later", run=run)
    earlier = propose(tech, "Earlier", proposed_at=in_month(DECEMBER) - timedelta(hours=1))
    november = propose(tech, "November", proposed_at=in_month(date(2026, 11, 1)))
    proposals.decide(manager, propose(tech, "Decided"), False, 1)
    ids = {p.title: p.id for p in (later, earlier, november)}
    db.session.commit()
    db.session.expunge_all()

    statements = []
    event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(1))
    waiting = proposals.pending()
    seen = [(p.title, p.proposed_by.name, p.run and p.run.client.name) for p in waiting]
    seen += [(p.run.month.month,) for p in waiting if p.run]
    assert len(statements) == 1
    assert seen[:3] == [
        ("November", "Tess", None),
        ("Earlier", "Tess", None),
        ("Later", "Tess", "Acme"),
    ]
    assert seen[3:] == [(DECEMBER,)]
    assert [p.id for p in proposals.pending(DECEMBER)] == [ids["Earlier"], ids["Later"]]
    assert [p.id for p in proposals.pending(date(2026, 11, 1))] == [ids["November"]]
