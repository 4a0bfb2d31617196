"""Reading an uploaded sheet and guessing its mapping: encodings, delimiters, limits, the
export's inert apostrophe, header synonyms."""

from __future__ import annotations

import time

import pytest

from mspboard.services.errors import RuleViolation
from mspboard.services.exports import csv_text
from mspboard.services.imports import mapping, sheets

pytestmark = pytest.mark.instant_free


@pytest.fixture(autouse=True)
def _held_still(stopped):
    """Nothing here reads the clock; held still like every unit module."""


def test_utf8_with_a_bom_loses_the_bom_and_says_so():
    sheet = sheets.read_sheet("\ufeffName,Email\r\nCafé Roma,a@b.test\r\n".encode())
    assert sheet.headers == ["Name", "Email"]
    assert sheet.encoding == "UTF-8 with BOM"
    assert sheet.rows == [(2, ["Café Roma", "a@b.test"])]


def test_plain_utf8_is_read_as_utf8():
    sheet = sheets.read_sheet("Name\nCafé\n".encode())
    assert (sheet.encoding, sheet.rows[0][1]) == ("UTF-8", ["Café"])


def test_windows_1252_bytes_are_read_as_windows_1252():
    sheet = sheets.read_sheet("Name;Rate\r\nCafé Noël;95,00\r\n".encode("cp1252"))
    assert sheet.encoding == "Windows-1252"
    assert sheet.delimiter == ";"
    assert sheet.rows[0][1] == ["Café Noël", "95,00"]


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ("a,b,c\n1,2,3\n", ","),
        ("a;b;c\n1;2;3\n", ";"),
        ("a\tb\tc\n1\t2\t3\n", "\t"),
        ("a|b|c\n1|2|3\n", "|"),
        ('"x;y",b,c\n1,2,3\n', ","),
        ("single\nvalue\n", ","),
    ],
)
def test_the_delimiter_is_the_one_that_splits_the_header(text, delimiter):
    assert sheets.read_sheet(text.encode()).delimiter == delimiter


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ("Name\r\nAcme\r\n".encode("utf-16"), "UTF-16"),
        (b"PK\x03\x04\x00\x00binary", "NUL bytes"),
        (b"\xef\xbb\xbfName\n\xff\xfe\n", "says it is UTF-8"),
        (b"Name\n\x81\x8d\x8f\n", "neither UTF-8 nor Windows-1252"),
        (b"", "empty"),
        (b"Name,Email\r\n", "no rows"),
    ],
)
def test_what_is_not_a_readable_sheet_is_refused_with_what_to_do(data, words):
    with pytest.raises(RuleViolation, match=words) as refused:
        sheets.read_sheet(data)
    assert refused.value.field == "file"


def test_a_hundred_thousand_rows_are_refused_whole_and_fast():
    data = ("Name\r\n" + "".join(f"Client {n}\r\n" for n in range(100_000))).encode()
    started = time.perf_counter()
    with pytest.raises(RuleViolation, match=r"more than 20,000 rows; split it"):
        sheets.read_sheet(data)
    assert time.perf_counter() - started < 2


def test_twenty_thousand_rows_are_read():
    data = ("Name\r\n" + "".join(f"Client {n}\r\n" for n in range(20_000))).encode()
    assert len(sheets.read_sheet(data).rows) == 20_000


def test_a_file_over_the_size_limit_is_refused():
    with pytest.raises(RuleViolation, match="larger than 10 MB"):
        sheets.read_sheet(b"Name\n" + b"x" * sheets.MAX_BYTES)


def test_rows_are_numbered_as_the_spreadsheet_shows_them_and_blank_rows_skipped():
    sheet = sheets.read_sheet(b'Name,Note\nA,one\n,\nB,"two\nlines"\nC\n')
    assert [number for number, _ in sheet.rows] == [2, 4, 5]
    assert sheet.rows[2][1] == ["C", ""]


def test_the_exports_inert_apostrophe_is_undone_only_where_the_export_added_it():
    exported = csv_text(["Title"], [["=SUM(A1)"], ["-5 degrees"], ["'quoted'"], ["@home"]])
    sheet = sheets.read_sheet(exported.encode())
    assert [cells[0] for _, cells in sheet.rows] == ["=SUM(A1)", "-5 degrees", "'quoted'", "@home"]


def test_a_formula_stays_plain_text():
    sheet = sheets.read_sheet(b'Title\n"=HYPERLINK(""http://x"")"\n')
    assert sheet.rows[0][1] == ['=HYPERLINK("http://x")']


def test_duplicated_and_empty_headers_are_made_distinct():
    sheet = sheets.read_sheet(b"Name,,Name\n1,2,3\n")
    assert sheet.headers == ["Name", "Column 2", "Name (2)"]


def test_a_cell_beyond_the_csv_limit_is_refused_not_a_crash():
    with pytest.raises(RuleViolation, match="cannot be read as CSV"):
        sheets.read_sheet(b'Name\n"' + b"x" * (sheets.MAX_CELL + 10) + b'"\n')


# ---- mapping guesses ---------------------------------------------------------------------


def test_an_old_tools_ticket_headers_are_guessed():
    headers = [
        "Ticket Number",
        "Company",
        "Subject",
        "Priority",
        "Status",
        "Assigned To",
        "Created",
        "Summary",
    ]
    assert mapping.guess("service_requests", headers) == {
        "reference": "Ticket Number",
        "client": "Company",
        "title": "Subject",
        "description": "Summary",
        "priority": "Priority",
        "status": "Status",
        "assignee": "Assigned To",
        "created_at": "Created",
        "due_at": None,
    }


def test_mspboards_own_export_headers_map_with_no_help():
    sr_headers = [
        "id",
        "number",
        "reference",
        "client",
        "title",
        "description",
        "priority",
        "status",
        "assignee_email",
        "requester",
        "billable",
        "estimate_minutes",
        "created_at",
        "due_at",
        "closed_at",
    ]
    guessed = mapping.guess("service_requests", sr_headers)
    assert guessed["reference"] == "number"
    assert guessed["assignee"] == "assignee_email"
    assert (guessed["created_at"], guessed["due_at"]) == ("created_at", "due_at")
    clients = mapping.guess(
        "clients", ["id", "reference", "name", "active", "hourly_rate", "created_at"]
    )
    assert clients == {
        "reference": "reference",
        "name": "name",
        "hourly_rate": "hourly_rate",
        "active": "active",
    }
    contacts = ["id", "client_id", "client", "name", "role", "phone", "email", "created_at"]
    assert mapping.guess("contacts", contacts) == {
        "client": "client",
        "name": "name",
        "role": "role",
        "phone": "phone",
        "email": "email",
    }
    users = "id,name,email,role,tech_level,active,keeps_time_card,created_at,last_login_at"
    assert mapping.guess("users", users.split(",")) == {
        "name": "name",
        "email": "email",
        "role": "role",
        "tech_level": "tech_level",
    }


def test_client_name_and_email_headers_in_other_spellings():
    guessed = mapping.guess("contacts", ["Client Name", "Contact Name", "E-mail", "Phone"])
    assert guessed["client"] == "Client Name"
    assert guessed["name"] == "Contact Name"
    assert guessed["email"] == "E-mail"
    assert guessed["phone"] == "Phone"


def test_a_required_field_without_a_column_is_refused_before_the_dry_run():
    with pytest.raises(RuleViolation, match="Pick the column that holds the title") as refused:
        mapping.checked_columns(
            "service_requests", {"reference": "Ticket", "client": "Company"}, ["Ticket", "Company"]
        )
    assert refused.value.field == "title"


def test_one_column_for_two_fields_is_refused():
    with pytest.raises(RuleViolation, match="already the"):
        mapping.checked_columns("users", {"name": "Email", "email": "Email"}, ["Email"])


def test_status_and_priority_words_are_guessed_and_unknown_ones_left_unmapped():
    tables = mapping.value_tables(["Open", "On Hold", "Closed", "Triage"], ["High", "P1", "Meh"])
    assert tables["status"] == {
        "Open": "new",
        "On Hold": "waiting",
        "Closed": "skip",
        "Triage": "",
    }
    assert tables["priority"] == {"High": "2", "P1": "1", "Meh": ""}
