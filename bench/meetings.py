"""The Monday Morning Meeting's agenda at a large shop's size: the demo shop grown to 40
technicians and 2,000 open SRs, each bench tech with a note for the meeting; the agenda
page (every generated section read live) is fetched as its manager sees it.

    python -m bench.meetings                  # this figure alone, PostgreSQL if reachable
    python -m bench.meetings --db sqlite --runs 10
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench import pages, shop
from mspboard.models import User, db, utcnow
from mspboard.services.meetings import agenda, notes

TECHS = 40
OPEN_SRS = 2000


@dataclass
class AgendaFigures:
    timing: pages.Timing
    items: int


def agenda_figures(kind: str, runs: int) -> AgendaFigures:
    with tempfile.TemporaryDirectory() as folder, shop.database(kind, Path(folder)) as url:
        app = shop.bench_app(url, Path(folder), WTF_CSRF_ENABLED=False)
        shop.build(app, open_srs=OPEN_SRS, techs=TECHS - 6, managers=0, tvs=0)
        with app.app_context():
            now = utcnow()
            techs = db.session.scalars(db.select(User).where(User.email.like("tech%@bench.test")))
            for tech in techs:
                notes.add_note(tech, f"A note from {tech.name} for Monday", now)
            db.session.commit()
            monday = agenda.current_meeting_day(now)
            items = len(agenda.agenda_items(monday)[0])
            db.engine.dispose()
        client = app.test_client()
        client.post("/login", data={"email": "manager@demo.test", "password": shop.PASSWORD})
        path = f"/manage/monday/{monday.isoformat()}"
        timing = pages.measure(app, lambda: client.get(path), runs)
        with app.app_context():
            db.engine.dispose()
        return AgendaFigures(timing, items)


def main() -> None:
    from bench.run import agenda_rows, run_alone

    run_alone(
        __doc__,
        "the Monday meeting's agenda",
        30,
        lambda kind, runs: agenda_rows(agenda_figures(kind, runs)),
    )


if __name__ == "__main__":
    main()
