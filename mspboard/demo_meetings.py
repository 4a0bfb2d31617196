"""The demo shop's Monday Morning Meetings: last Monday's, held, with items discussed (one
made into an SR, one given to a tech) and one not discussed, which carries over; and the
next meeting's draft with the techs' notes and a manager's item."""

from __future__ import annotations

from datetime import time, timedelta
from typing import TYPE_CHECKING

from mspboard.models import AgendaItem, Meeting, MeetingStatus, db
from mspboard.services import service_requests
from mspboard.services.meetings.agenda import generated_sections
from mspboard.services.meetings.notes import next_meeting

if TYPE_CHECKING:
    from mspboard.demo import DemoShop


def build_meetings(shop: DemoShop) -> None:
    coming = next_meeting(shop.now)
    last = coming - timedelta(weeks=1)
    techs, manager = shop.techs, shop.manager
    held_at = shop.local(last, time(9, 40))
    raised = shop.local(last - timedelta(days=3), time(15, 10))
    db.session.add(Meeting(monday=last, status=MeetingStatus.DRAFT.value, created_at=raised))
    db.session.flush()

    def item(author, text: str, monday, position: int, **outcome) -> AgendaItem:
        row = AgendaItem(
            meeting_on=monday,
            author=author,
            text=text,
            position=position,
            created_at=raised if monday == last else shop.now - timedelta(days=2 - position % 2),
            **outcome,
        )
        db.session.add(row)
        return row

    def discussed(note: str, **more) -> dict:
        return {
            "discussed_at": held_at,
            "discussed_by": manager,
            "discussed_on": last,
            "outcome_note": note,
            **more,
        }

    vpn = item(
        techs[0],
        "Oakridge Credit Union asked about a VPN for their second branch.",
        last,
        1,
        **discussed("Quote first; Sam to scope the hardware."),
    )
    sr = service_requests.create_sr(
        manager,
        service_requests.SRFields(
            client_id=shop.clients[0].id,
            title="Scope a site-to-site VPN for the second branch",
            description=f"{vpn.text}\n\nFrom the Monday meeting of {last:%a %d %b}.",
            priority=3,
            assignee_id=techs[0].id,
        ),
    )
    vpn.outcome_sr_id = sr.id
    item(
        techs[1],
        "Who covers the on-call phone over the holidays?",
        last,
        2,
        **discussed("Rota goes in the shared calendar by Friday.", outcome_assignee=techs[1]),
    )
    item(
        manager,
        "Time cards: submit by 5 pm Friday, not Monday morning.",
        last,
        3,
        **discussed("Everyone agreed; reminder on the phone stays."),
    )
    item(techs[2], "A new label printer for the bench.", last, 4)  # not reached: carries over
    db.session.flush()
    meeting = db.session.query(Meeting).filter_by(monday=last).one()
    meeting.sections = [section.jsonable() for section in generated_sections(last, held_at)]
    meeting.status, meeting.held_at, meeting.held_by = MeetingStatus.HELD.value, held_at, manager

    for position, (author, text) in enumerate(
        (
            (techs[0], "Standardise the new-hire laptop image."),
            (techs[4], "Spare parts shelf needs restocking (toner, patch cables)."),
            (manager, "Final Friday Training topic: phishing drills."),
        ),
        start=5,
    ):
        item(author, text, coming, position)
    db.session.flush()
