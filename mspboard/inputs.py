"""The one input layer: every value a client sends is bounded here before any rule,
arithmetic or query sees it, so nothing a client sends can produce a 500.

- Text: control characters are refused next to the field (line breaks and tabs are fine in
  multi-line fields; in a single-line field they become spaces), bidi overrides are removed
  from single-line fields (they reorder what others read), and every field has a length.
- Numbers: finite, inside the range the field allows, checked before any arithmetic
  (`Decimal("1e999999") * 60` is fine, turning it into an int is not; `sNaN` raises on
  comparison).
- Dates: inside a sane window (EARLIEST_DAY..LATEST_DAY), so week arithmetic never overflows.
- Ids: inside the database column's range (1..2**31-1); a URL id outside it is a 404 (the
  `int` URL converter), a form id outside it a 422 next to the field.
- Time zones: a real IANA zone name from `zoneinfo.available_timezones()`.
- Files: never read where text is expected; a file sent in a text field counts as missing.
- Size: a request body over MAX_CONTENT_LENGTH (config.py) is answered 413.

`InputForm` is the base of every form class: its Meta binds these rules to each field by
its type. Routes that read `request.form` or `request.args` directly use the parsers below.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any
from zoneinfo import available_timezones

import email_validator
from flask import request
from flask_wtf import FlaskForm
from flask_wtf.form import SUBMIT_METHODS, _Auto
from werkzeug.routing import IntegerConverter
from wtforms import (
    DateField,
    DecimalField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import StopValidation

from mspboard.services.errors import RuleViolation

# The range of the integer columns every id and version lives in (PostgreSQL `integer`).
ID_MIN = 1
ID_MAX = 2**31 - 1
INT_MIN = -(2**31)
# The days a person can mean in a URL or a form: outside them is a typo or an attack, and
# week arithmetic near date.min and date.max overflows.
EARLIEST_DAY = date(2000, 1, 1)
LATEST_DAY = date(2099, 12, 31)
# No number a person types into this app is longer than this.
NUMBER_TEXT_MAX = 32

# Characters no person types: NUL breaks PostgreSQL text, the rest break pages and exports.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
CONTROL_MESSAGE = "Remove the invisible control characters from this text."
LINE_BREAKS = re.compile(r"[\t\r\n]")
BIDI_OVERRIDES = re.compile("[\u202a-\u202e\u2066-\u2069]")
NUMBER_MESSAGE = "Enter a number."
DATE_MESSAGE = f"Pick a date between {EARLIEST_DAY.year} and {LATEST_DAY.year}."
ID_MESSAGE = "That choice does not exist; pick one from the list."
ZONE_MESSAGE = "Unknown time zone {name!r}; use a name like Europe/London."


# ---- text -----------------------------------------------------------------------------


def single_line(value: Any) -> Any:
    """Line breaks and tabs become spaces; bidi overrides go."""
    if not isinstance(value, str):
        return value
    return BIDI_OVERRIDES.sub("", LINE_BREAKS.sub(" ", value))


def has_control_characters(value: Any) -> bool:
    return isinstance(value, str) and CONTROL_CHARACTERS.search(value) is not None


def text(value: str | None, field: str, max_length: int, multi_line: bool = True) -> str:
    """A text value read straight from a request: trimmed, bounded, without control
    characters; refused next to `field` otherwise."""
    value = (value or "").strip()
    if not multi_line:
        value = single_line(value)
    if has_control_characters(value):
        raise RuleViolation(CONTROL_MESSAGE, field)
    if len(value) > max_length:
        raise RuleViolation(f"Keep this under {max_length:,} characters.", field)
    return value


# ---- numbers and ids -----------------------------------------------------------------------


def decimal_in_range(raw: str | None, low: Decimal, high: Decimal) -> Decimal | None:
    """A finite Decimal between low and high from text; None for anything else."""
    raw = (raw or "").strip()
    if not raw or len(raw) > NUMBER_TEXT_MAX:
        return None
    try:
        number = Decimal(raw)
    except InvalidOperation:
        return None
    if not number.is_finite() or not low <= number <= high:
        return None
    return number


def db_id(raw: Any) -> int:
    """An id inside the column's range from text of ASCII digits; ValueError otherwise.
    Usable as `request.args.get(name, type=db_id)`."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        number = raw
    else:
        text_value = str(raw).strip()
        if not (text_value.isascii() and text_value.isdigit()) or len(text_value) > 10:
            raise ValueError(f"not an id: {raw!r}")
        number = int(text_value)
    if not ID_MIN <= number <= ID_MAX:
        raise ValueError(f"id out of range: {raw!r}")
    return number


PAGE_MAX = 10_000


def page_number(raw: str | None) -> int:
    """A page number from a query string: anything that is not one in range means page 1
    (or the last page allowed)."""
    try:
        number = int(raw or 1)
    except ValueError:
        return 1
    return min(max(number, 1), PAGE_MAX)


def id_or_none(raw: Any) -> int | None:
    try:
        return db_id(raw)
    except ValueError:
        return None


def optional_id(value: Any) -> int | None:
    """A select's id, or None for its empty choice; ValueError (the choice is refused) for
    anything but ASCII digits. Whether the id is in range is checked next to the field."""
    if value in (None, "", "None"):
        return None
    text_value = str(value).strip()
    if not (text_value.isascii() and text_value.isdigit()) or len(text_value) > 12:
        raise ValueError(f"not an id: {value!r}")
    return int(text_value)


def id_pairs(texts: list[str]) -> dict[int, int]:
    """ "id:version" pairs a page sent back (ticked cards, seen schedule items); pairs that
    are not two ids in range are left out."""
    pairs: dict[int, int] = {}
    for part in texts:
        first, _, second = part.partition(":")
        item_id, version = id_or_none(first), id_or_none(second)
        if item_id is not None and version is not None:
            pairs[item_id] = version
    return pairs


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` in a URL: an id in the column's range, so a larger one is a 404 rather
    than a query the database refuses."""

    def __init__(self, map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min", ID_MIN)
        kwargs.setdefault("max", ID_MAX)
        super().__init__(map, *args, **kwargs)


# ---- time zones ----------------------------------------------------------------------------


@cache
def time_zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


# The demo shop's accounts live under .test, the domain reserved for exactly that (RFC 2606),
# which email-validator otherwise refuses as a special-use name (WTForms' Email() included).
if "test" in email_validator.SPECIAL_USE_DOMAIN_NAMES:
    email_validator.SPECIAL_USE_DOMAIN_NAMES.remove("test")


def normalized_email(value: str) -> str | None:
    """The address in its normal form, or None when it is not an email address."""
    try:
        return email_validator.validate_email(value, check_deliverability=False).normalized
    except email_validator.EmailNotValidError:
        return None


def real_time_zone(name: str, field: str = "timezone") -> str:
    """A real IANA zone name; "America", "Etc" or "US" (folders of zones) are not one."""
    if name not in time_zone_names():
        raise RuleViolation(ZONE_MESSAGE.format(name=name[:64]), field)
    return name


# ---- what every form field gets ------------------------------------------------------------


def _refuse_control_characters(_form: Any, field: Any) -> None:
    if has_control_characters(field.data):
        raise StopValidation(CONTROL_MESSAGE)


def _finite_number(_form: Any, field: Any) -> None:
    data = field.data
    if isinstance(data, Decimal) and not (data.is_finite() and abs(data) < 10**12):
        field.data = None
        raise StopValidation(NUMBER_MESSAGE)


def _in_column_range(_form: Any, field: Any) -> None:
    values = field.data if isinstance(field.data, list) else [field.data]
    for value in values:
        integer = isinstance(value, int) and not isinstance(value, bool)
        if integer and not INT_MIN <= value <= ID_MAX:
            field.data = None
            number = isinstance(field, IntegerField)
            raise StopValidation(NUMBER_MESSAGE if number else ID_MESSAGE)


def _sane_day(_form: Any, field: Any) -> None:
    if isinstance(field.data, date) and not EARLIEST_DAY <= field.data <= LATEST_DAY:
        field.data = None
        raise StopValidation(DATE_MESSAGE)


def _rules_for(field_class: type) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """(filters, validators to run first) for a field class."""
    if issubclass(field_class, PasswordField):
        return (), ()
    if issubclass(field_class, TextAreaField):
        return (), (_refuse_control_characters,)
    if issubclass(field_class, StringField):
        return (single_line,), (_refuse_control_characters,)
    if issubclass(field_class, DecimalField):
        return (), (_finite_number,)
    if issubclass(field_class, IntegerField | SelectField | SelectMultipleField):
        return (), (_in_column_range,)
    if issubclass(field_class, DateField):
        return (), (_sane_day,)
    return (), ()


class BoundedFields:
    """Meta mixin: binds the input rules to every field by its type."""

    def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Any:
        filters, validators = _rules_for(unbound_field.field_class)
        if filters or validators:
            kwargs = dict(unbound_field.kwargs)
            kwargs["filters"] = [*filters, *kwargs.get("filters", ())]
            kwargs["validators"] = [*validators, *(kwargs.get("validators") or ())]
            unbound_field = unbound_field.field_class(*unbound_field.args, **kwargs)
        return super().bind_field(form, unbound_field, options)  # type: ignore[misc]


class InputForm(FlaskForm):
    """The base of every form: fields bounded by type, files never read as text."""

    class Meta(BoundedFields):
        def wrap_formdata(self, form: Any, formdata: Any) -> Any:
            """Only the submitted form fields. Flask-WTF would mix in request.files (a file
            in a text field then crashes it) and a JSON body (whatever shape it has)."""
            if formdata is not _Auto:
                return formdata
            if request.method not in SUBMIT_METHODS:
                return None
            return request.form or None
