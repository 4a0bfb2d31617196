"""A client's contacts: the people there who ask for work and whom a tech calls about it.
Each edit is versioned and audited like any other record a person edits."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from sqlalchemy import select

from mspboard.inputs import normalized_email, text
from mspboard.models import Client, ClientContact, User, db
from mspboard.models.clients import (
    CONTACT_EMAIL_MAX,
    CONTACT_NAME_MAX,
    CONTACT_PHONE_MAX,
    CONTACT_ROLE_MAX,
)
from mspboard.services import edits
from mspboard.services.audit import record_event, snapshot
from mspboard.services.errors import RuleViolation

CONTACT_FIELDS = ["client_id", "name", "role", "phone", "email"]
# Digits and what people write between them: +1 (555) 010-2030 ext. 4
PHONE = re.compile(r"^\+?[0-9 ().\-/]*(?:\s*(?:x|ext\.?)\s*[0-9]+)?$", re.IGNORECASE)


@dataclass
class ContactFields:
    name: str
    role: str = ""
    phone: str = ""
    email: str = ""


def checked(values: ContactFields) -> ContactFields:
    """A contact's fields bounded and checked, as every way in (form or import) needs them."""
    name = text(values.name, "name", CONTACT_NAME_MAX, multi_line=False)
    if not name:
        raise RuleViolation("Enter the contact's name.", "name")
    phone = text(values.phone, "phone", CONTACT_PHONE_MAX, multi_line=False)
    if phone and (not PHONE.match(phone) or not any(ch.isdigit() for ch in phone)):
        raise RuleViolation("Enter a phone number: digits, spaces, + ( ) - and ext.", "phone")
    email = text(values.email, "email", CONTACT_EMAIL_MAX, multi_line=False)
    if email:
        email = normalized_email(email)
        if email is None:
            raise RuleViolation("Enter a valid email address.", "email")
    return ContactFields(
        name=name,
        role=text(values.role, "role", CONTACT_ROLE_MAX, multi_line=False),
        phone=phone,
        email=email,
    )


def add_contact(actor: User, client: Client, values: ContactFields) -> ClientContact:
    contact = ClientContact(client=client, **asdict(checked(values)))
    db.session.add(contact)
    db.session.flush()
    record_event(actor, "client_contact.created", contact, None, snapshot(contact, CONTACT_FIELDS))
    return contact


def update_contact(
    actor: User, contact: ClientContact, values: ContactFields, expected_version: int | None
) -> dict[str, tuple[object, object]]:
    """Save the contact's form (filled from `expected_version`); returns what changed."""
    values = checked(values)
    edits.expect_version(contact, expected_version)
    changed = edits.write_changes(
        actor, contact, asdict(values), "client_contact.edited", {"client_id": contact.client_id}
    )
    db.session.flush()
    return changed


def contacts_of(client_ids: list[int]) -> list[ClientContact]:
    """The contacts of these clients, by client then name."""
    if not client_ids:
        return []
    return list(
        db.session.scalars(
            select(ClientContact)
            .where(ClientContact.client_id.in_(client_ids))
            .order_by(ClientContact.client_id, ClientContact.name, ClientContact.id)
        )
    )
