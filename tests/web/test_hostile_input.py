"""Proof by generation that nothing a client sends can produce a 500.

Every route in `app.url_map` (so a new route is covered without touching this file), as
every role, with CSRF protection on as in production: Hypothesis sends hostile values (NUL
and control characters, bidi overrides, huge text, NaN/sNaN/Infinity/1e999999, ids of 0,
-1 and 2**31 and up, years 1 and 9999, folders posing as time zones, '²', emoji, files where
text is expected, ...) into the path, the query string and the form fields, on top of a
valid baseline so that one bad value at a time can reach deep into a view.

Two promises are checked after every request:
- no answer is a 5xx (an exception escaping a view counts as one);
- a checksum of every table: a 4xx leaves the whole database as it was (but for
  WRITES_WHEN_REFUSED); a 2xx or 3xx changes only tables its endpoint writes by design
  (WRITES).

Field names come from the app's form classes (every subclass of InputForm, and the board's
filter form) plus the keys routes read from request.form and request.args themselves.

FUZZ_CASES cases per database, split over the four roles (2,400 unless set): `make test`
sets 3,000 per database and 400 at each awkward instant; `make fuzz` runs the long
profile. The summary line per role is printed at the end of the run: cases, 5xx and
unexpected writes.

Only the tables an INSERT, UPDATE or DELETE named during a request have their checksum
taken again after it (WrittenTables), which keeps a case cheap; the checksum still decides
whether a table changed.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import traceback
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_wtf import FlaskForm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, select, text
from werkzeug.routing import Rule
from werkzeug.security import check_password_hash, generate_password_hash

from mspboard.board.forms import BoardFilterForm
from mspboard.models import ChecklistProposal, Client, GoalKind, GoalPeriod, TrainingKind, User, db
from mspboard.services import calendar_feeds, checkins, invoicing, tv_links
from mspboard.services.checkins import IssueNote
from mspboard.services.maintenance import months as maintenance_months
from mspboard.services.meetings import notes as agenda_notes
from mspboard.services.people import certifications, duties, training
from mspboard.services.people import goals as people_goals
from tests.factories import PASSWORD, make_client, make_sr, make_user
from tests.field_factories import make_card, make_entry, make_schedule_item, make_time_off
from tests.maintenance_factories import make_item

FUZZ_CASES = int(os.environ.get("FUZZ_CASES", "2400"))
ROLES = ("anonymous", "technician", "service_manager", "admin")

# Left out, each for a reason; everything else in the URL map is walked.
SKIPPED = {
    "static": "files from disk; the path is all it reads and werkzeug guards it",
    "board.live": "a live event stream: it holds the connection open until the client leaves",
    "manage.live": "a live event stream: it holds the connection open until the client leaves",
    "tv.live": "a live event stream: it holds the connection open until the client leaves",
}

AUDIT = "audit_events"
PHONE = {"idempotency_keys", AUDIT}
INVOICES = {"proposed_invoices", "invoice_lines", "invoice_line_entries", AUDIT}
SRS = {"service_requests", "sr_activities", "sr_notes", AUDIT}  # a close writes its resolution
TWO_FACTOR = {"two_factors", "recovery_codes", AUDIT}
# A template change, and the open runs it reaches when applied to them too.
CHECKLISTS = {
    "checklist_items",
    "checklist_exclusions",
    "checklist_runs",
    "checklist_run_items",
    AUDIT,
}
# What each endpoint may change when it answers 2xx or 3xx. A new endpoint that writes must
# be added here (test_every_writing_endpoint_declares_its_tables says so); GETs write nothing
# unless listed.
# Training events and their attendees' schedule items.
TRAINING = {"training_events", "schedule_items", AUDIT}
MEETINGS = {"meetings", "agenda_items", AUDIT}
WRITES: dict[str, set[str]] = {
    "auth.login": {"users", "sign_ins", AUDIT},
    "auth.logout": {"sign_ins", AUDIT},
    "auth.change_password": {"users", "sign_ins", AUDIT},
    "auth.end_sign_in": {"sign_ins", AUDIT},
    "auth.end_other_sign_ins": {"sign_ins", AUDIT},
    "auth.set_password": {"users", "set_password_links", "sign_ins", AUDIT},
    "admin.client_edit": {"clients", AUDIT},
    "admin.client_new": {"clients", AUDIT},
    "admin.client_set_active": {"clients", AUDIT},
    "admin.contact_add": {"client_contacts", AUDIT},
    "admin.contact_edit": {"client_contacts", AUDIT},
    "admin.settings": {"shop_settings", AUDIT},
    "admin.user_edit": {"users", "sign_ins", "calendar_feeds", AUDIT},  # a password reset
    "admin.user_new": {"users", AUDIT},
    "admin.user_set_active": {"users", "sign_ins", "calendar_feeds", AUDIT},
    "admin.user_unlock": {AUDIT},
    "imports.index": set(),  # the upload is kept as a file, not a row
    "imports.dry_run_setup": {"import_mappings", AUDIT},  # a mapping saved under a name
    "imports.run": {
        "clients",
        "client_contacts",
        "users",
        "service_requests",
        "sr_activities",
        "set_password_links",
        AUDIT,
    },
    "admin.data_export": {AUDIT},  # the export itself writes only its audit record
    "admin.user_set_password_link": {"set_password_links", AUDIT},
    "board.screens": {"tv_links", AUDIT},
    "board.revoke_screen": {"tv_links", AUDIT},
    "board.move": SRS,
    "calendar.turn_on": {"calendar_feeds", AUDIT},
    "calendar.turn_off": {"calendar_feeds", AUDIT},
    "calendar.revoke_feed": {"calendar_feeds", AUDIT},
    "calendar.feed": {"calendar_feeds"},  # when it was last read
    "tv.screen": {"tv_links"},  # when it was last seen
    "field.agenda_send": {"agenda_items", *PHONE},
    "field.sr_note_add": {"sr_notes", "service_requests", *PHONE},  # a note marks it worked on
    "field.checkin_send": {"checkins", "checkin_issues", *PHONE},
    "field.entry_add": {"time_entries", *PHONE},
    "field.entry_update": {"time_entries", *PHONE},
    "field.entry_delete": {"time_entries", *PHONE},
    "field.timecard_submit": {"time_cards", *PHONE},
    "field.timeoff_send": {"time_off_requests", *PHONE},
    "field.timer_start": {"time_entries", *SRS, *PHONE},
    "field.timer_stop": {"time_entries", *PHONE},
    "field.acknowledge": {"schedule_items", *PHONE},
    "field.acknowledge_all": {"schedule_items", *PHONE},
    "field.maintenance_tick": {"checklist_run_items", *PHONE},
    "field.maintenance_raise": {"checklist_run_items", *SRS, *PHONE},
    "field.maintenance_propose": {"checklist_proposals", *PHONE},
    "field.manager_review_send": {"quarterly_reviews", *PHONE},
    "field.goal_progress": {"goals", "goal_notes", *PHONE},
    "manage.goal_add": {"goals", AUDIT},
    "manage.goal_edit": {"goals", AUDIT},
    "manage.goal_note_add": {"goal_notes"},
    "manage.goal_earned": {"certifications", "goals", AUDIT},
    "manage.certification_add": {"certifications", AUDIT},
    "manage.certification_edit": {"certifications", AUDIT},
    "manage.certification_remove": {"certifications", AUDIT},
    "manage.bulk_approve": {"time_cards", AUDIT},
    "manage.decide_card": {"time_cards", AUDIT},
    "manage.decide_time_off": {"time_off_requests", AUDIT},
    "manage.backlog": SRS,
    "manage.invoices": INVOICES,  # the explicit step that refreshes proposed invoices
    "manage.annotate_invoice": INVOICES,
    "manage.apply_current_rate": INVOICES,
    "manage.mark_reviewed": INVOICES,
    "manage.export_invoices": INVOICES,
    "manage.propose_invoices": INVOICES,
    "manage.adjust_line": INVOICES,
    "manage.restore_line": INVOICES,
    "manage.write_off_line": INVOICES,
    "manage.issue_handled": {"checkin_issues", AUDIT},
    "manage.duty_tick": {"duty_ticks"},
    "field.duty_tick": {"duty_ticks", *PHONE},
    "admin.duty_new": {"duties", AUDIT},
    "admin.duty_edit": {"duties", AUDIT},
    "admin.duty_retire": {"duties", AUDIT},
    "admin.duty_move": {"duties", AUDIT},
    "admin.duties_reviewed": {"duty_list_reviews", AUDIT},
    "admin.duties_standard": {"duties", AUDIT},
    "manage.issue_to_sr": {"checkin_issues", *SRS},
    "manage.planner_create": {"schedule_items", *SRS},  # a new SR moves to Scheduled
    "manage.review_accept": {"schedule_items", "quarterly_reviews", AUDIT},
    "manage.review_notes": {"quarterly_reviews", AUDIT},
    "manage.review_goal": {"goals", AUDIT},
    "manage.review_held": {"quarterly_reviews", AUDIT},
    "manage.planner_update": {"schedule_items", *SRS},  # a new SR moves to Scheduled
    "manage.planner_delete": {"schedule_items", AUDIT},
    "manage.planner_move": {"schedule_items", *SRS},  # a new SR moves to Scheduled
    "manage.planner_publish": {"schedule_items", AUDIT},
    "manage.training_new": TRAINING,
    "manage.training_edit": TRAINING,
    "manage.training_cancel": TRAINING,
    "manage.checklist_item_add": CHECKLISTS,
    "manage.checklist_item_edit": CHECKLISTS,
    "manage.checklist_item_retire": CHECKLISTS,
    "manage.checklist_item_move": {"checklist_items", AUDIT},
    "manage.checklist_client_item_add": CHECKLISTS,
    "manage.checklist_client_drop": CHECKLISTS,
    "manage.checklist_client_owner": {"clients", AUDIT},
    "manage.checklist_proposal_decide": {"checklist_proposals", *CHECKLISTS},
    "manage.maintenance_open": {
        "maintenance_months",
        "checklist_runs",
        "checklist_run_items",
        AUDIT,
    },
    "manage.maintenance_close": {"maintenance_months", AUDIT},
    "manage.maintenance_run_owner": {"checklist_runs", AUDIT},
    "manage.year_summary": {"year_summaries", AUDIT},
    "manage.meeting_add": MEETINGS,
    "manage.meeting_move": MEETINGS,
    "manage.meeting_remove": MEETINGS,
    "manage.meeting_restore": MEETINGS,
    "manage.meeting_close": MEETINGS,
    "manage.meeting_outcome": {*MEETINGS, *SRS},  # an item made into an SR
    "sr.new": SRS,
    "sr.detail": SRS,
    "sr.add_note": {"sr_notes", "service_requests", AUDIT},
    "sr.edit_note": {"sr_notes", AUDIT},
    # Signing in with a second factor spends the code's step or a recovery code.
    "two_factor.sign_in_code": {"users", *TWO_FACTOR},
    "two_factor.settings": TWO_FACTOR,
    "two_factor.renew_codes": TWO_FACTOR,
    "two_factor.turn_off": TWO_FACTOR,
    "two_factor.admin_reset": TWO_FACTOR,
}
# What an endpoint may change even when it refuses (4xx): the wrong password that locks an
# account or address is refused and recorded in the audit.
WRITES_WHEN_REFUSED: dict[str, set[str]] = {"auth.login": {AUDIT}}

# Keys routes read from request.form or request.args themselves, outside a form class.
RAW_KEYS = {"active", "card", "billed_hours", "note", "reason", "confirm", "next", "sr", "tech"}
RAW_KEYS |= {"back", "apply", "sort", "owner", "state", "month", "run"}
RAW_KEYS |= {"day", "q", "assignee", "client", "priority", "mine", "items", "uuid", "at"}
# The people pages' forms carry a prefix each (several on one page): the seed's goals 1 to 3
# and certification 1.
RAW_KEYS |= {"quarter", "new-title", "new-period", "new-kind", "new-target_on", "note1-body"}
RAW_KEYS |= {"goal1-title", "goal1-status", "goal1-target_on", "goal1-version", "rm1-version"}
RAW_KEYS |= {"newcert-name", "newcert-earned_on", "newcert-expires_on", "earn3-earned_on"}
RAW_KEYS |= {"cert1-version", "cert1-expires_on", "cert1-earned_on"}
RAW_KEYS |= {"done", "step", "retired", "version"}  # duty lists
RAW_KEYS |= {"version", "kind", "training"}  # training: the cancel form, the prefills
# The query-string keys routes and forms read (the board's filters, the planner's prefill,
# the sign-in's way back); other keys are drawn too, less often.
QUERY_KEYS = sorted({"next", "q", "assignee", "client", "priority", "mine", "sr", "tech", "day"})
QUERY_KEYS = sorted({*QUERY_KEYS, "month", "sort", "owner", "state", "run"})  # maintenance
QUERY_KEYS = sorted({*QUERY_KEYS, "quarter"})  # the people pages
QUERY_KEYS = sorted({*QUERY_KEYS, "kind", "training"})  # a new training, an entry on one


def _form_classes() -> list[type]:
    """Every form class the app defines (the board's filters are a plain wtforms Form)."""
    found, todo = [BoardFilterForm], [FlaskForm]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub.__module__.startswith("mspboard."):
                found.append(sub)
            todo.append(sub)
    return found


def form_field_names() -> set[str]:
    names = set()
    for form_class in _form_classes():
        names |= {
            name
            for name in dir(form_class)
            if type(getattr(form_class, name, None)).__name__ == "UnboundField"
        }
    return names


FIELDS = sorted(form_field_names() | RAW_KEYS)

# A valid value for each field, so one hostile value at a time can get past the others.
BASELINE = {
    "title": "Mail server down",
    "name": "Harbor Dental",
    "email": "someone.new@example.test",
    "password": "",
    "role": "admin",
    "tech_level": "",
    "workdays": "1",
    "day_start": "08:00",
    "day_end": "17:00",
    "close_of_business": "17:00",
    "shop_name": "Harbor IT",
    "timezone": "America/New_York",
    "default_rate": "120",
    "billing_rate": "95.50",
    "idle_alert_minutes": "60",
    "billing_rounding_minutes": "15",
    "minimum_charge_minutes": "0",
    "currency": "USD",
    "stale_after_days": "14",
    "client_id": "1",
    "description": "Nothing prints",
    "priority": "2",
    "status": "in_progress",
    "assignee_id": "",
    "due_on": "2026-12-04",
    "estimate_hours": "1.5",
    "billable": "1",
    "tech_id": "2",
    "day": "2026-11-26",
    "start": "09:00",
    "end": "10:30",
    "sr_id": "1",
    "checklist_run_id": "",
    "travel_notes": "",
    "out_of_town": "",
    "version": "1",
    "reason": "Please fix Tuesday",
    "note": "Looks right",
    "cards": "1:1",
    "card": "1:1",
    "sr_ids": "1",
    "action": "assign",
    "start_date": "2026-12-07",
    "end_date": "2026-12-08",
    "kind": "vacation",
    "text": "Vendor call",
    "how_it_went": "Fine",
    "plan_for_tomorrow": "More of it",
    "issue_1": "Switch is dying",
    "duration": "30",
    "notes": "Replaced toner",
    "items": "1:1",
    "item": "1",
    "entry": "",
    "billed_hours": "1.25",
    "q": "printer",
    "active": "1",
    "confirm": "again",
    "instruction": "Open the backup console",
    "estimate_minutes": "15",
    "cadence": "quarterly",
    "cadence_month": "2",
    "direction": "up",
    "owner_id": "2",
    "apply": "now",
    "month": "2026-12",
    "outcome": "problem",
    "body": "Checked the cabling",
    "resolution": "Replaced the switch",
    "requester_id": "",
    "phone": "+1 555 0100",
    "target_on": "2026-12-20",
    "earned_on": "2026-06-01",
    "expires_on": "2028-06-01",
    "issuer": "CompTIA",
    "period": "quarter",
}

HOSTILE = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\x07\x1b[31mred",
    "\x7f\x85",
    "line\nbreak\ttab\r",
    "\r\n",
    "/board\r\nSet-Cookie: x=1",
    "/m/\x00",
    "//evil.example/",
    "\u202eevil.exe",
    "\u2066isolate\u2069",
    "x" * 5000,
    "²",
    "٣",
    "\uff11\uff12",  # fullwidth digits
    "😀",
    "NaN",
    "sNaN",
    "-sNaN",
    "Infinity",
    "-Infinity",
    "1e999999",
    "1e999998",
    "-1e999999",
    "-1",
    "0",
    "2147483647",
    "2147483648",
    "-2147483649",
    "9223372036854775808",
    "9" * 30,
    "1.5",
    "1e3",
    "0x10",
    "0001-01-01",
    "9999-12-31",
    "9999-12-27",
    "2026-02-30",
    "2026-03-08",
    "America",
    "Etc",
    "US",
    "Mars/Olympus",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%",
    "_",
    "\\",
    "None",
    "null",
    "02:30",
    "24:00",
    "25:61",
    "SR-999999999",
    "SR-0",
    "1:1,2:2",
    "²:1",
    "2147483648:1",
    "::",
    "approve",
    "again",
]

# Existing ids are small: the seed makes a handful of each kind of row.
PATH_INTS = ["1", "2", "3", "4", "5", "0", "2147483647", "2147483648", "9223372036854775808"]
WEEKS = ["2026-11-23", "2026-11-16", "2026-11-30", "2026-11-25", "2030-01-07"]


def hostile_text(pool: list[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(pool),
        st.text(st.characters(exclude_categories=("Cs",)), max_size=40),
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
        st.sampled_from(pool).map(lambda value: value * 2),
    )


FILE = object()  # a file sent where text is expected


class FormScraper(HTMLParser):
    """The forms of a page: where each posts to, and its fields with the values shown."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, dict[str, str]]] = []
        self._fields: dict[str, str] | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "form":
            self._fields = {}
            self.forms.append((a.get("hx-post") or a.get("action") or "", self._fields))
        elif self._fields is None or (tag != "option" and "name" not in a):
            return
        elif tag == "input" and a.get("type") not in ("submit", "button"):
            if a.get("type") not in ("checkbox", "radio") or "checked" in a:
                self._fields.setdefault(a["name"], a.get("value", ""))
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and self._select:
            if self._select not in self._fields or "selected" in a:
                self._fields[self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a["name"]
            self._fields[a["name"]] = ""

    def handle_data(self, data: str) -> None:
        if self._textarea and self._fields is not None:
            self._fields[self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._fields = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def sample_path(rule: Rule) -> str:
    path = re.sub(r"<any\(([^,)]+)[^>]*>", r"\1", rule.rule)
    path = re.sub(r"<int:[a-z_]+>", "1", path)
    path = re.sub(r"<int\(min=(\d+)[^>]*>", r"\1", path)  # a bounded number: its least
    return re.sub(r"<[a-z_]+>", WEEKS[0], path)


def scrape_forms(
    app: Flask, client: FlaskClient, rules: list[Rule]
) -> tuple[dict[str, list[dict]], set[str]]:
    """Each endpoint's forms as the app's own pages show them, found by GETting every page
    with sample arguments (a valid baseline for each, and its field names), and the
    endpoints this person reaches: pages that answered 200 and the forms on them."""
    adapter = app.url_map.bind("localhost")
    found: dict[str, list[dict]] = {}
    reached: set[str] = set()
    for rule in rules:
        if "GET" not in rule.methods or rule.endpoint == "auth.logout":
            continue
        response = client.get(sample_path(rule))
        if response.status_code != 200:
            continue
        reached.add(rule.endpoint)
        if "html" not in response.content_type:
            continue
        scraper = FormScraper()
        scraper.feed(response.get_data(as_text=True))
        for action, fields in scraper.forms:
            try:
                endpoint, _ = adapter.match(action.split("?")[0] or rule.rule, method="POST")
            except Exception:
                continue
            fields.pop("csrf_token", None)
            found.setdefault(endpoint, []).append(fields)
            reached.add(endpoint)
    return found, reached


@st.composite
def requests(
    draw, rules: list[Rule], pool: list[str], forms: dict[str, list[dict]], reached: set[str]
):
    hostile = hostile_text(pool)
    # Every route, but those this person reaches three times as often as those that only
    # answer 403 or a redirect to sign in.
    mine = [rule for rule in rules if rule.endpoint in reached] or rules
    rule = draw(st.one_of(*[st.sampled_from(mine)] * 3, st.sampled_from(rules)))
    method = draw(st.sampled_from(sorted(rule.methods - {"HEAD", "OPTIONS"})))
    path = rule.rule
    for converter, name in re.findall(r"<(?:([^:<>]+):)?([a-z_]+)>", rule.rule):
        if converter.startswith("any("):
            choices = [c.strip() for c in converter[4:-1].split(",")]
            value = draw(st.one_of(st.sampled_from(choices), hostile))
        elif converter == "int":
            value = draw(st.one_of(st.sampled_from(PATH_INTS), hostile))
        elif name in ("week", "day"):  # a week's Monday, or a Monday's meeting
            value = draw(st.one_of(st.sampled_from(WEEKS), hostile))
        elif name == "number":
            value = draw(st.one_of(st.sampled_from(["SR-1", "SR-2", "1"]), hostile))
        else:
            value = draw(hostile)
        pattern = f"<{converter}:{name}>" if converter else f"<{name}>"
        path = path.replace(pattern, quote(value, safe="") or "x", 1)
    query_keys = st.one_of(st.sampled_from(QUERY_KEYS), st.sampled_from(FIELDS))
    query = draw(st.dictionaries(query_keys, hostile, max_size=3))
    data: dict[str, object] = {}
    if method != "GET":
        own = forms.get(rule.endpoint)
        if own and draw(st.integers(0, 3)):
            # The form as the page shows it, then one to four of its fields made hostile.
            data.update(draw(st.sampled_from(own)))
            names = st.sampled_from(sorted(data) or FIELDS)
        else:
            if draw(st.booleans()):
                data.update(BASELINE)
            names = st.sampled_from(FIELDS)
        data.update(
            draw(
                st.dictionaries(
                    names,
                    st.one_of(hostile, st.just(FILE)),
                    min_size=1,
                    max_size=4,
                )
            )
        )
    csrf = draw(st.sampled_from(["form"] * 4 + ["header"] * 2 + ["none", "bogus"]))
    headers = {"Idempotency-Key": draw(st.uuids()).hex} if draw(st.booleans()) else {}
    headers |= draw(
        st.sampled_from(
            [{}, {"HX-Request": "true"}, {"Accept": "application/json"}, {"X-Made-By": "1"}]
        )
    )
    if rule.endpoint == "auth.login" and method == "POST" and draw(st.integers(0, 2)) == 0:
        # A real sign-in now and then, so what happens after it (the `next` link) is walked.
        data.update(email="tech@example.test", password=PASSWORD)
    if csrf == "bogus":
        data["csrf_token"] = draw(hostile)
    if method != "GET" and draw(st.integers(0, 199)) == 0:
        # Now and then a body over 1 MB (as a plain form: a multipart one that size would
        # spool to a temporary file in the test client).
        data = {key: value for key, value in data.items() if value is not FILE}
        data["description"] = "x" * (1024 * 1024 + 10)
    body = None
    if method != "GET" and draw(st.integers(0, 19)) == 0:
        # Now and then a JSON body instead of a form, of whatever shape.
        body = draw(st.sampled_from(["[1, 2]", '"text"', "null", "{", json.dumps(BASELINE)]))
    return Case(rule.endpoint, method, path, query, data, headers, csrf, body)


@dataclass
class Case:
    endpoint: str
    method: str
    path: str
    query: dict[str, str]
    data: dict[str, object]
    headers: dict[str, str]
    csrf: str  # how the session's token travels: form, header, none or bogus
    json_body: str | None = None

    def send(self, client: FlaskClient, token: str):
        files = any(value is FILE for value in self.data.values())
        data = {
            key: (io.BytesIO(b"%PDF-1.4 not text"), "scan.pdf") if value is FILE else value
            for key, value in self.data.items()
        }
        headers = dict(self.headers)
        if self.method != "GET" and self.csrf == "form":
            data["csrf_token"] = token
        elif self.csrf == "header":
            headers["X-CSRFToken"] = token
        if self.json_body is not None:
            return client.open(
                self.path,
                method=self.method,
                query_string=self.query,
                data=self.json_body,
                headers=headers,
                content_type="application/json",
            )
        return client.open(
            self.path,
            method=self.method,
            query_string=self.query,
            data=data or None,
            headers=headers,
            content_type="multipart/form-data" if files else None,
        )

    def describe(self) -> str:
        short = {k: (repr(v)[:60] if v is not FILE else "<file>") for k, v in self.data.items()}
        body = f" json={self.json_body[:40]!r}" if self.json_body is not None else ""
        return f"{self.method} {self.path[:120]} ?{self.query!r:.200} {short} {self.headers}{body}"


@dataclass
class Tally:
    cases: int = 0
    server_errors: list[str] = field(default_factory=list)
    unexpected_writes: list[str] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    throttled: int = 0  # 429: too many wrong passwords or unknown tokens from the walk


# ---- the shop the requests land in ---------------------------------------------------------


def seed(app: Flask) -> dict[str, str]:
    """A small shop with a row of every kind, so ids 1 to 5 mostly exist."""
    with app.app_context():
        tech = make_user(role="technician", email="tech@example.test", tech_level="tech_i")
        other = make_user(role="technician", email="tom@example.test")
        manager = make_user(role="service_manager", email="manager@example.test")
        admin = make_user(role="admin", email="admin@example.test")
        clients = [make_client(f"Client {n}", rate_cents=12000) for n in range(3)]
        srs = [make_sr(clients[n % 3], f"Job {n}", assignee=tech) for n in range(4)]
        monday = date(2026, 11, 16)
        for day in range(3):
            start = datetime(2026, 11, 17 + day, 14, tzinfo=UTC)
            make_entry(tech, start, minutes=90, sr=srs[day]).synced_at = start
        make_entry(other, datetime(2026, 11, 18, 14, tzinfo=UTC), minutes=60, sr=srs[0])
        make_card(tech, monday, "approved")
        make_card(other, monday, "submitted")
        make_card(tech, date(2026, 11, 9), "submitted")
        for day in range(3):
            make_schedule_item(tech, datetime(2026, 11, 26 + day, 14, tzinfo=UTC), sr=srs[day])
        make_schedule_item(other, datetime(2026, 11, 30, 14, tzinfo=UTC), published=False)
        make_time_off(tech, date(2026, 12, 21), date(2026, 12, 23), status="pending")
        friday = datetime(2026, 11, 27, 20, tzinfo=UTC)
        training.create_event(
            manager,
            training.TrainingFields(
                TrainingKind.SHORT_NOTICE, "Backups", friday, friday + timedelta(hours=1), [1, 2]
            ),
            now=friday - timedelta(days=3),
        )
        make_time_off(other, date(2027, 1, 4), date(2027, 1, 5), status="pending")
        checkins.submit_checkin(
            tech,
            how_it_went="Fine",
            plan_for_tomorrow="More",
            issues=[IssueNote("Switch dying", True), IssueNote("Toner low")],
            at=datetime(2026, 11, 25, 9, tzinfo=UTC),
        )
        agenda_notes.add_note(tech, "Vendor call", at=datetime(2026, 11, 25, 9, tzinfo=UTC))
        tv = tv_links.create_link(manager, "Office TV")
        feed = calendar_feeds.turn_on(tech)
        invoicing.week_review(monday)
        make_item("Backups verified")
        make_item("Plotter service", client=clients[0])
        # This month's runs, to place on the planner and tick; November's, to close.
        maintenance_months.open_month(None, maintenance_months.this_month())
        db.session.add(ChecklistProposal(title="Check the NAS", proposed_by_id=tech.id))
        for owner, kind in (
            (tech, GoalKind.WORK),
            (other, GoalKind.WORK),
            (tech, GoalKind.CERTIFICATION),
        ):
            people_goals.add_goal(
                owner,
                period=GoalPeriod.QUARTER,
                starts=date(2026, 11, 16),
                title="Goal",
                by=manager,
                kind=kind,
            )
        certifications.add_certification(
            manager,
            tech,
            certifications.CertificationFields(
                "Security+", "CompTIA", date(2026, 1, 5), date(2027, 1, 5)
            ),
        )
        duties.load_standard_duties(admin)
        maintenance_months.open_month(
            None, date(2026, 11, 1), now=datetime(2026, 11, 2, 15, tzinfo=UTC)
        )
        db.session.commit()
        assert [u.id for u in (tech, other, manager, admin)] == [1, 2, 3, 4]
        assert db.session.scalar(select(Client.id).order_by(Client.id)) == 1
        return {"tv": tv.token, "feed": feed.token}


# When a sign-in was last seen is bookkeeping, written at most every five minutes by any
# request of a signed-in person (a long walk outlasts that); left out of the checksum.
BOOKKEEPING = {("sign_ins", "last_seen_at")}


def checksum(app: Flask, only: set[str] | None = None) -> dict[str, str]:
    """A digest of every row of every table (or of the tables named), by table."""
    sums = {}
    with app.app_context(), db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            if only is not None and table.name not in only:
                continue
            digest = hashlib.sha256()
            order = ", ".join(column.name for column in table.primary_key.columns)
            names = ", ".join(
                c.name for c in table.columns if (table.name, c.name) not in BOOKKEEPING
            )
            for row in connection.execute(
                text(f"SELECT {names} FROM {table.name} ORDER BY {order}")
            ):
                digest.update(repr(tuple(row)).encode())
            sums[table.name] = digest.hexdigest()
    return sums


WRITE_STATEMENT = re.compile(r'\b(?:insert\s+into|update|delete\s+from)\s+"?(\w+)', re.IGNORECASE)


class WrittenTables:
    """The tables that INSERT, UPDATE or DELETE statements name, as the app's engine sends
    them. Only those can have changed, so only those need their checksum taken again (it is
    then the checksum that says whether they did change). Reading more than that (a "FOR
    UPDATE", say) only costs a checksum."""

    def __init__(self, app: Flask) -> None:
        self.names: set[str] = set()
        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", self._heard)

    def _heard(self, _connection, _cursor, statement: str, *_rest) -> None:
        self.names.update(WRITE_STATEMENT.findall(statement))

    def take(self) -> set[str]:
        names, self.names = self.names, set()
        return names


def csrf_token_of(client: FlaskClient, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


SEEDED_IDS = {"technician": 1, "service_manager": 3, "admin": 4}  # as seed() asserts


def _as_seeded(app: Flask, user_id: int, role: str, email: str) -> None:
    """An earlier case may have changed the person's own account (an admin saving their own
    user form with a generated email or password): put back what signing in needs."""
    with app.app_context():
        user = db.session.get(User, user_id)
        if (user.email, user.role, user.active) == (email, role, True) and check_password_hash(
            user.password_hash, PASSWORD
        ):
            return
        user.email, user.role, user.active = email, role, True
        user.password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
        db.session.commit()


def sign_in(client: FlaskClient, role: str, clock=None) -> str:
    """Sign in through the real form, CSRF and all; the session's token. The walk's wrong
    passwords lock its address now and then (a 429 is a right answer to them): with the
    test's clock, it then waits the lock out as Retry-After says, and signs in."""
    token = csrf_token_of(client, "/login")
    if role != "anonymous":
        email = {"technician": "tech", "service_manager": "manager", "admin": "admin"}[role]
        _as_seeded(client.application, SEEDED_IDS[role], role, f"{email}@example.test")
        data = {"email": f"{email}@example.test", "password": PASSWORD}
        response = client.post("/login", data={**data, "csrf_token": token})
        for _ in range(2):  # an account lock, then an address lock, may need waiting out
            if response.status_code != 429 or clock is None:
                break
            clock.shift(int(response.headers["Retry-After"]))
            token = csrf_token_of(client, "/login")
            response = client.post("/login", data={**data, "csrf_token": token})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return token


def walked_rules(app: Flask) -> list[Rule]:
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint not in SKIPPED]


# ---- the tests -----------------------------------------------------------------------------


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


@pytest.fixture
def shop_zone_name():
    return "America/New_York"


def test_every_writing_endpoint_declares_its_tables(app):
    undeclared = sorted(
        rule.endpoint
        for rule in walked_rules(app)
        if rule.methods - {"GET", "HEAD", "OPTIONS"} and rule.endpoint not in WRITES
    )
    assert undeclared == [], "add these endpoints and the tables they write to WRITES"
    assert set(SKIPPED) <= {rule.endpoint for rule in app.url_map.iter_rules()}


def test_every_form_class_is_bounded_by_the_input_layer():
    from mspboard.inputs import BoundedFields

    unbounded = [
        form_class.__qualname__
        for form_class in _form_classes()
        if not issubclass(form_class.Meta, BoundedFields)
    ]
    assert unbounded == []


@pytest.mark.parametrize("role", ROLES)
def test_hostile_input_never_gives_a_5xx_or_a_stray_write(app, role, record_property, clock):
    tokens = seed(app)
    pool = [*HOSTILE, tokens["tv"], tokens["feed"]]  # a real token now and then
    state: dict = {"client": app.test_client()}
    state["token"] = sign_in(state["client"], role)
    forms, reached = scrape_forms(app, state["client"], walked_rules(app))
    state["sums"] = checksum(app)
    written = WrittenTables(app)
    tally = Tally()

    @settings(
        max_examples=max(FUZZ_CASES // len(ROLES), 1),
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=requests(walked_rules(app), pool, forms, reached))
    def one_request(case: Case) -> None:
        tally.cases += 1
        try:
            response = case.send(state["client"], state["token"])
            status = response.status_code
            response.close()
        except Exception:
            status = 599
            tally.server_errors.append(f"{case.describe()}\n{traceback.format_exc(limit=-6)}")
        tally.statuses[status // 100 * 100] += 1
        tally.throttled += status == 429
        if 500 <= status < 599:
            tally.server_errors.append(f"{status} {case.describe()}")
        touched = written.take()
        after = {**state["sums"], **checksum(app, touched)} if touched else state["sums"]
        changed = {name for name, digest in after.items() if state["sums"][name] != digest}
        allowed = (
            WRITES.get(case.endpoint, set())
            if status < 400
            else WRITES_WHEN_REFUSED.get(case.endpoint, set())
        )
        if changed - allowed:
            tally.unexpected_writes.append(
                f"{status} {case.describe()} changed {sorted(changed - allowed)}"
            )
        state["sums"] = after
        if case.endpoint.startswith("auth.") or status == 401:
            # The session may be gone (signed out); start a new one as the same person.
            state["client"] = app.test_client()
            state["token"] = sign_in(state["client"], role, clock)
            state["sums"] = checksum(app)
            written.take()

    one_request()
    summary = (
        f"hostile input as {role}: {tally.cases} cases ({len(reached)} endpoints reached, "
        f"{len(forms)} with scraped forms), "
        f"{len(tally.server_errors)} 5xx, "
        f"{len(tally.unexpected_writes)} unexpected writes; answers by class "
        f"{dict(sorted(tally.statuses.items()))}, {tally.throttled} of them 429"
    )
    record_property("summary", summary)
    print(summary)
    problems = tally.server_errors[:5] + tally.unexpected_writes[:5]
    assert not problems, summary + "\n\n" + "\n\n".join(problems)
