"""Reading an uploaded sheet: bytes in, headers and rows of text out, or one clear refusal.

- Size: at most MAX_BYTES; at most MAX_ROWS data rows (a larger sheet is refused as a whole,
  before any row is looked at, with the advice to split it).
- Encoding: UTF-8 (a byte-order mark is dropped), else Windows-1252 when the bytes are not
  UTF-8. Anything else that is not text (NUL bytes, UTF-16, a spreadsheet's binary file) is
  refused with what to do instead.
- Delimiter: whichever of , ; TAB | splits the header line most (a comma when none does).
- Cells: the export's inert apostrophe (services.exports.inert) is taken off again, only
  where the export put it: before = + - @ TAB or CR. Nothing is ever evaluated.
- Rows: numbered as the spreadsheet shows them, the header being row 1; blank rows skipped.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from mspboard.services.errors import RuleViolation
from mspboard.services.exports import FORMULA_STARTS

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20_000
MAX_COLUMNS = 200
# csv's own limit on one cell; the kinds bound each field far below it.
MAX_CELL = 100_000
DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}
FIELD = "file"

UTF8 = "UTF-8"
UTF8_BOM = "UTF-8 with BOM"
WINDOWS_1252 = "Windows-1252"


@dataclass
class Sheet:
    """A sheet as read: its headers (made unique) and its data rows, each as long as the
    headers, with the spreadsheet's row number."""

    headers: list[str]
    rows: list[tuple[int, list[str]]] = field(default_factory=list)
    encoding: str = UTF8
    delimiter: str = ","

    @property
    def delimiter_name(self) -> str:
        return DELIMITER_NAMES[self.delimiter]

    def column(self, header: str | None) -> int | None:
        return self.headers.index(header) if header in self.headers else None

    def distinct(self, header: str | None) -> list[str]:
        """Every value of a column, trimmed, once each, in the order they first appear."""
        index = self.column(header)
        if index is None:
            return []
        return list(dict.fromkeys(cells[index].strip() for _, cells in self.rows))


def refuse(message: str) -> RuleViolation:
    return RuleViolation(message, FIELD)


def decode(data: bytes) -> tuple[str, str]:
    """The text of the file and the name of its encoding; refused when it is not text."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise refuse(
            "This file is UTF-16 text; save it again as “CSV UTF-8 (comma delimited)” and "
            "upload that."
        )
    if b"\x00" in data:
        raise refuse(
            "This is not a CSV file (it holds NUL bytes, as a spreadsheet's own file or "
            "UTF-16 text does); save the sheet as CSV and upload that."
        )
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), UTF8_BOM
        except UnicodeDecodeError:
            raise refuse(
                "This file says it is UTF-8 but is not; save it again as CSV UTF-8."
            ) from None
    try:
        return data.decode("utf-8"), UTF8
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), WINDOWS_1252
    except UnicodeDecodeError:
        raise refuse(
            "This file's text is neither UTF-8 nor Windows-1252; save it again as CSV UTF-8."
        ) from None


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the header line into the most columns (outside quotes)."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in text[:65536]:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
        elif not quoted and char in "\r\n":
            break
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def undo_inert(cell: str) -> str:
    """A cell as it was before the export made it inert: only "'" followed by a formula's
    first character loses its apostrophe."""
    if len(cell) > 1 and cell[0] == "'" and cell[1:].startswith(FORMULA_STARTS):
        return cell[1:]
    return cell


def _unique_headers(raw: list[str]) -> list[str]:
    headers: list[str] = []
    for number, header in enumerate(raw, start=1):
        name = undo_inert(header).strip() or f"Column {number}"
        name = name[:80]
        candidate, copy = name, 2
        while candidate in headers:
            candidate, copy = f"{name} ({copy})", copy + 1
        headers.append(candidate)
    return headers


def read_sheet(data: bytes) -> Sheet:
    """The sheet in an upload; RuleViolation on the "file" field when it cannot be read."""
    if len(data) > MAX_BYTES:
        raise refuse(
            f"This file is larger than {MAX_BYTES // (1024 * 1024)} MB; split it into "
            "smaller files and import them one after another."
        )
    text, encoding = decode(data)
    if not text.strip():
        raise refuse("This file is empty.")
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    previous_limit = csv.field_size_limit(MAX_CELL)
    try:
        header = next(reader, None)
        if header is None or not any(cell.strip() for cell in header):
            raise refuse("The first row must name the columns; this one is empty.")
        if len(header) > MAX_COLUMNS:
            raise refuse(f"This sheet has more than {MAX_COLUMNS} columns.")
        sheet = Sheet(_unique_headers(header), encoding=encoding, delimiter=delimiter)
        width = len(sheet.headers)
        for number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            if len(sheet.rows) >= MAX_ROWS:
                raise refuse(
                    f"This sheet has more than {MAX_ROWS:,} rows; split it into files of at "
                    f"most {MAX_ROWS:,} rows and import them one after another. Nothing was "
                    "imported."
                )
            cells = [undo_inert(cell) for cell in cells[:width]]
            cells.extend([""] * (width - len(cells)))
            sheet.rows.append((number, cells))
    except csv.Error:
        raise refuse(
            f"Row {reader.line_num} cannot be read as CSV (a cell longer than "
            f"{MAX_CELL:,} characters, or a quote that never closes)."
        ) from None
    finally:
        csv.field_size_limit(previous_limit)
    if not sheet.rows:
        raise refuse("This sheet has a header row but no rows under it.")
    return sheet
