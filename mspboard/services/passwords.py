"""The rules every new password meets, wherever it is set (an admin creating or resetting a
user, a person changing their own, the create-user command), after NIST SP 800-63B 5.1.1.2:

- at least MIN_LENGTH characters and at most MAX_LENGTH, counted as Unicode characters
  after NFKC normalisation (so a decomposed "é" counts once);
- not only whitespace;
- not on the list of common passwords shipped with the app (common-passwords.txt beside
  this module; compared without case and surrounding spaces);
- not the account's own email address.

No composition rules (a digit, a symbol) and no forced expiry: 800-63B advises against both.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from pathlib import Path

from mspboard.services.errors import RuleViolation

MIN_LENGTH = 12
MAX_LENGTH = 128
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common-passwords.txt")


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list; its first line says where it came from."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines[1:] if line)


def _normal(password: str) -> str:
    return unicodedata.normalize("NFKC", password)


def is_common(password: str) -> bool:
    return _normal(password).strip().casefold() in common_passwords()


def check_new_password(password: str, email: str | None = None, field: str = "password") -> None:
    """Refuse a password that breaks a rule, with the message shown next to `field`."""
    length = len(_normal(password))
    if password and not password.strip():
        raise RuleViolation("A password cannot be only spaces.", field)
    if length < MIN_LENGTH:
        raise RuleViolation(
            f"Use at least {MIN_LENGTH} characters; a few words together are easy to remember.",
            field,
        )
    if length > MAX_LENGTH:
        raise RuleViolation(f"Use at most {MAX_LENGTH} characters.", field)
    if is_common(password):
        raise RuleViolation("That password is on a list of common passwords; pick another.", field)
    if email and _normal(password).strip().casefold() == email.strip().casefold():
        raise RuleViolation("Do not use your email address as your password.", field)
