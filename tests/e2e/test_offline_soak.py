"""The offline soak: three techs work their phones through offline and online cycles against
production as it runs (gunicorn with 2 workers on PostgreSQL, CSRF on), with two tabs, a
lapsed session, a sign-out, a poisoned change and the server SIGKILLed mid-sync twice.
Then the database must hold every change once, under the tech who made it, at the moment
the phone recorded.

`make test` runs the short profile (500 actions over 10 cycles); `make soak` a long one
(SOAK_ACTIONS, SOAK_CYCLES). The server and the phones run on the test's controlled clock,
as every other test does, so the soak gives the same answer at any hour of any week."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from playwright.sync_api import Browser, BrowserContext, Page
from sqlalchemy import create_engine, text

from mspboard import create_app
from mspboard.models import AgendaItem, CheckIn, CheckInIssue, IdempotencyKey, TimeEntry, db
from tests.conftest import _migrate, postgres_url, throwaway_postgres_database
from tests.e2e.conftest import PHONE, new_context, sign_in
from tests.e2e.field_helpers import outbox_items, wait_until_pages_kept
from tests.e2e.serve_at import free_port, server_clock
from tests.factories import make_sr, make_user

ROOT = Path(__file__).resolve().parents[2]
ACTIONS = int(os.environ.get("SOAK_ACTIONS", "500"))
CYCLES = int(os.environ.get("SOAK_CYCLES", "10"))
TECHS = 3
KILL_IN_CYCLES = {CYCLES // 3, (2 * CYCLES) // 3}
SECRET = "soak-secret-key"
POISON = "Poisoned\x00note"
POISON_WORDS = "Poisoned%00note"
MOMENT_TOLERANCE = timedelta(seconds=1)


# ---- production as a subprocess --------------------------------------------------------


class Production:
    """gunicorn with two workers on its own PostgreSQL database, killable with SIGKILL."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.kills = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = {
            **os.environ,
            "MSPBOARD_DATABASE_URL": self.database_url,
            "MSPBOARD_SECRET_KEY": SECRET,
            "MSPBOARD_TIMEZONE": "UTC",
        }
        env.pop("MSPBOARD_REDIS_URL", None)
        self.process = subprocess.Popen(
            # gunicorn on the test's clock, started where the test process is now.
            [
                sys.executable,
                "-m",
                "tests.e2e.serve_at",
                server_clock(),
                str(self.port),
                "gunicorn",
                "--workers",
                "2",
                "--timeout",
                "30",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: the workers die with it
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/login", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def kill(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.process = None
        self.kills += 1

    def stop(self) -> None:
        if self.process is not None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def soak_database(tmp_path: Path) -> Iterator[str]:
    with throwaway_postgres_database("soak") as name:
        url = postgres_url(name)
        _migrate(url, tmp_path / "migrate")
        yield url


@pytest.fixture
def soak_app(soak_database: str, tmp_path: Path):
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": soak_database,
            "SECRET_KEY": SECRET,
            "INSTANCE_PATH": str(tmp_path / "seed"),
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "REDIS_URL": None,
        }
    )
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def soak_engine(soak_database: str):
    """The test's own look at the database, to see changes arrive while the phones sync."""
    engine = create_engine(soak_database)
    yield engine
    engine.dispose()


@pytest.fixture
def production(soak_database: str) -> Iterator[Production]:
    server = Production(soak_database)
    server.start()
    yield server
    server.stop()


# ---- the techs' phones ------------------------------------------------------------------


@dataclass
class Phone:
    email: str
    user_id: int
    context: BrowserContext
    tabs: list[Page]
    queued: dict[str, dict] = field(default_factory=dict)  # uuid -> item, as the phone kept it

    def keep(self) -> None:
        for item in outbox_items(self.tabs[0]):
            self.queued.setdefault(item["uuid"], item)


def open_phone(browser: Browser, base: str, email: str, user_id: int, tabs: int) -> Phone:
    context = new_context(browser, viewport=PHONE)
    pages = [context.new_page() for _ in range(tabs)]
    sign_in(pages[0], base, email)
    pages[0].wait_for_url(f"{base}/m/")
    pages[0].wait_for_function(
        "() => navigator.serviceWorker && navigator.serviceWorker.controller"
    )
    wait_until_pages_kept(pages[0])
    for page in pages[1:]:
        page.goto(f"{base}/m/")
    return Phone(email, user_id, context, pages)


def note(page: Page, words: str) -> None:
    page.evaluate(
        """(words) => {
            const form = document.getElementById('agenda-quick-form');
            form.querySelector('textarea').value = words;
            form.requestSubmit();
        }""",
        words,
    )


def timer(page: Page) -> None:
    """Start the timer on the next SR and stop it, as two taps."""
    page.evaluate("() => document.querySelector('form[id^=start-sr-]').requestSubmit()")
    page.wait_for_selector("#stop-pending", state="attached")
    page.evaluate("() => document.getElementById('stop-pending').requestSubmit()")
    page.wait_for_selector("#stop-pending", state="detached")


def check_in(page: Page, base: str, words: str) -> None:
    page.goto(f"{base}/m/checkin")
    page.get_by_label("How did the day go?").fill("Soak day")
    page.get_by_label("Issue needing attention").fill(words)
    page.get_by_role("button", name="Send check-in").click()
    page.get_by_text("Saved on this phone").wait_for()
    page.goto(f"{base}/m/")


def settle(page: Page) -> None:
    """Wait until this tab's queue is stored (the taps before are saved in order)."""
    page.evaluate("async () => { await window.mspboardOutbox.stored(); }")


def keep_pages(page: Page) -> None:
    """With the signal back, the phone keeps its pages again before the next dead spot
    (a SIGKILL or a sign-in may have left them half kept)."""
    page.evaluate("() => navigator.serviceWorker.controller.postMessage('warm-pages')")
    wait_until_pages_kept(page)


def waiting(page: Page) -> list[dict]:
    """What the phone still has to send, or could not: anything but the poisoned note."""
    return [i for i in outbox_items(page) if POISON_WORDS not in i["body"]]


def stored_keys(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT count(*) FROM idempotency_keys")).scalar_one()


def sync_everyone(phones: list[Phone], kill_midway: Production | None, engine) -> None:
    """Signal back for everyone; optionally SIGKILL the server once some changes are in."""
    before = stored_keys(engine)
    for phone in phones:
        phone.context.set_offline(False)
        for tab in phone.tabs:
            tab.evaluate("() => { window.dispatchEvent(new Event('online')); }")
    if kill_midway is not None:
        deadline = time.monotonic() + 30
        while stored_keys(engine) < before + 5 and time.monotonic() < deadline:
            time.sleep(0.01)
        kill_midway.kill()
        time.sleep(0.5)
        kill_midway.start()
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if all(not waiting(phone.tabs[0]) for phone in phones):
            return
        for phone in phones:
            phone.tabs[-1].evaluate("() => window.mspboardOutbox.flush()")
        time.sleep(0.3)
    left = [(i["label"], i["state"], i["reason"]) for p in phones for i in outbox_items(p.tabs[0])]
    raise AssertionError(f"the outboxes did not empty: {left}")


# ---- the soak ---------------------------------------------------------------------------


def test_offline_soak_loses_duplicates_and_misattributes_nothing(
    browser: Browser, soak_app, soak_engine, production: Production, capsys
):
    began = time.monotonic()
    began_at = datetime.now(UTC)
    with soak_app.app_context():
        techs = [
            make_user(role="technician", email=f"soak{n}@example.test", name=f"Soak Tech {n}")
            for n in range(TECHS)
        ]
        for tech in techs:
            make_sr(assignee=tech, priority=1, title=f"Soak work of {tech.name}")
        db.session.commit()
        ids = [t.id for t in techs]
    engine = soak_engine
    base = production.url
    phones = [
        open_phone(browser, base, f"soak{n}@example.test", ids[n], tabs=2 if n == 0 else 1)
        for n in range(TECHS)
    ]

    per_cycle = max(5, -(-ACTIONS // (TECHS * CYCLES)))
    actions = 0
    for cycle in range(CYCLES):
        for phone in phones:
            phone.context.set_offline(True)
        for n, phone in enumerate(phones):
            main = phone.tabs[0]
            check_in(main, base, f"soak issue t{n} c{cycle}")
            timer(main)
            done = 3
            if n == 1 and cycle == 1:
                note(main, POISON)
            while done < per_cycle:
                tab = phone.tabs[done % len(phone.tabs)]
                note(tab, f"soak note t{n} c{cycle} #{done}")
                done += 1
            for tab in phone.tabs:
                settle(tab)
            phone.keep()
            actions += done
        if cycle == 4:
            # Tech 2's session lapses while offline: the changes wait until she signs in.
            phones[2].context.clear_cookies()
            phones[2].context.set_offline(False)
            phones[2].tabs[0].evaluate("() => window.mspboardOutbox.flush()")
            phones[2].tabs[0].locator("#outbox-signin").wait_for()
            sign_in(phones[2].tabs[0], base, phones[2].email)
            phones[2].tabs[0].wait_for_url(f"{base}/m/")
        kill = production if cycle in KILL_IN_CYCLES else None
        sync_everyone(phones, kill, engine)
        if cycle == 6:
            # Tech 1 signs out and back in between cycles.
            tab = phones[1].tabs[0]
            tab.get_by_role("button", name="Sign out").click()
            tab.wait_for_url(f"{base}/login")
            sign_in(tab, base, phones[1].email)
            tab.wait_for_url(f"{base}/m/")
        for phone in phones:
            keep_pages(phone.tabs[0])

    report = check_everything(soak_app, phones)
    left = [i for i in outbox_items(phones[1].tabs[0]) if i["state"] != "pending"]
    assert [(i["state"], "control characters" in i["reason"]) for i in left] == [("refused", True)]
    with capsys.disabled():
        print(
            f"\noffline soak: {actions} actions by {TECHS} techs over {CYCLES} cycles, "
            f"{production.kills} SIGKILLs mid-sync, {report['stored']} changes stored "
            f"({report['notes']} notes, {report['entries']} timers, {report['issues']} "
            f"check-in issues), 1 poisoned change refused and kept on the phone; lost "
            f"{report['lost']}, duplicated {report['duplicated']}, misattributed "
            f"{report['misattributed']}, moments off {report['moments_off']}; "
            f"{time.monotonic() - began:.0f} s"
        )
    assert actions >= ACTIONS
    # The server stamped its keys on the test's clock, not the wall clock.
    with soak_app.app_context():
        stamped = db.session.scalars(db.select(IdempotencyKey.created_at)).all()
    assert began_at - MOMENT_TOLERANCE <= min(stamped) <= max(stamped) <= datetime.now(UTC)
    assert production.kills == len(KILL_IN_CYCLES)
    assert (report["lost"], report["duplicated"]) == (0, 0)
    assert (report["misattributed"], report["moments_off"]) == (0, 0)


def _at(item: dict) -> datetime:
    return datetime.fromisoformat(item["at"].replace("Z", "+00:00"))


def check_everything(app, phones: list[Phone]) -> dict[str, int]:
    lost = duplicated = misattributed = moments_off = 0
    with app.app_context():
        keys = {k.key: k for k in db.session.scalars(db.select(IdempotencyKey))}
        notes: dict[str, list[AgendaItem]] = {}
        for item in db.session.scalars(db.select(AgendaItem)):
            notes.setdefault(item.text, []).append(item)
        entries = {e.uuid: e for e in db.session.scalars(db.select(TimeEntry))}
        issues: dict[str, list[CheckInIssue]] = {}
        for issue in db.session.scalars(db.select(CheckInIssue).join(CheckIn)):
            issues.setdefault(issue.text, []).append(issue)
        expected_notes = expected_entries = expected_issues = 0
        for phone in phones:
            for item in phone.queued.values():
                body = {k: v[0] for k, v in parse_qs(item["body"]).items()}
                if item["kind"] == "agenda" and body.get("text") == POISON:
                    lost += item["uuid"] in keys
                    continue
                key = keys.get(item["uuid"])
                if key is None:
                    lost += 1
                    continue
                misattributed += key.user_id != phone.user_id
                if item["kind"] == "agenda":
                    expected_notes += 1
                    found = notes.get(body["text"], [])
                    lost += not found
                    duplicated += max(0, len(found) - 1)
                    misattributed += sum(n.author_id != phone.user_id for n in found)
                    moments_off += sum(
                        abs(n.created_at - _at(item)) > MOMENT_TOLERANCE for n in found
                    )
                elif item["kind"] == "timer-start":
                    expected_entries += 1
                    entry = entries.get(item["uuid"])
                    lost += entry is None
                    if entry is not None:
                        misattributed += entry.tech_id != phone.user_id
                        moments_off += abs(entry.started_at - _at(item)) > MOMENT_TOLERANCE
                elif item["kind"] == "timer-stop":
                    entry = entries.get(body.get("entry", ""))
                    lost += entry is None or entry.ended_at is None
                    if entry is not None and entry.ended_at is not None:
                        moments_off += abs(entry.ended_at - _at(item)) > MOMENT_TOLERANCE
                elif item["kind"] == "checkin":
                    expected_issues += 1
                    found = issues.get(body["issue_1"], [])
                    lost += not found
                    duplicated += max(0, len(found) - 1)
                    misattributed += sum(i.checkin.tech_id != phone.user_id for i in found)
                    moments_off += sum(
                        abs(i.reported_at - _at(item)) > MOMENT_TOLERANCE for i in found
                    )
        # Nothing stored that no phone made.
        duplicated += max(0, sum(len(v) for v in notes.values()) - expected_notes)
        duplicated += max(0, len(entries) - expected_entries)
        duplicated += max(0, sum(len(v) for v in issues.values()) - expected_issues)
        return {
            "stored": len(keys),
            "notes": expected_notes,
            "entries": expected_entries,
            "issues": expected_issues,
            "lost": lost,
            "duplicated": duplicated,
            "misattributed": misattributed,
            "moments_off": moments_off,
        }
