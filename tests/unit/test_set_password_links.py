"""One-time set-password links: a person invited without a password, or one who forgot it,
sets their own through a link an admin passes on."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from mspboard.models import AuditEvent, SetPasswordLink, User, db, utcnow
from mspboard.models.tv_links import hash_token
from mspboard.services import accounts, set_password_links, sign_ins, throttling
from mspboard.services.errors import RuleViolation
from mspboard.services.set_password_links import LINK_LIFETIME, NO_PASSWORD
from tests.factories import PASSWORD, make_user

NEW_PASSWORD = "a lantern by the harbour"
SPENT = "This link has expired or was already used; ask your admin for a new one."


@pytest.fixture(autouse=True)
def _held_still(stopped):
    """Counts the exact second a link stops working."""


@pytest.fixture
def admin():
    return make_user(role="admin", email="admin@example.test")


def invited(email: str = "nora@example.test") -> User:
    """A person as an import makes them: active, with no password yet."""
    user = make_user(email=email, name="Nora Field")
    user.password_hash = NO_PASSWORD
    db.session.flush()
    return user


def links_of(user: User) -> list[SetPasswordLink]:
    return list(
        db.session.scalars(select(SetPasswordLink).where(SetPasswordLink.user_id == user.id))
    )


def test_a_link_sets_the_password_once(admin):
    nora = invited()
    token = set_password_links.issue(nora, by=admin)
    assert set_password_links.find_usable(token).user_id == nora.id

    assert set_password_links.redeem(token, NEW_PASSWORD) is nora
    assert accounts.authenticate(nora.email, NEW_PASSWORD) is nora
    assert set_password_links.find_usable(token) is None
    with pytest.raises(RuleViolation, match="expired or was already used") as refused:
        set_password_links.redeem(token, "another harbour lantern")
    assert refused.value.message == SPENT
    assert accounts.authenticate(nora.email, "another harbour lantern") is None


def test_a_link_works_until_one_second_before_its_lifetime_ends(admin, stopped):
    assert timedelta(days=7) == LINK_LIFETIME
    nora = invited()
    token = set_password_links.issue(nora, by=admin)
    stopped.shift(LINK_LIFETIME - timedelta(seconds=1))
    assert set_password_links.find_usable(token) is not None
    set_password_links.redeem(token, NEW_PASSWORD)
    assert accounts.authenticate(nora.email, NEW_PASSWORD) is nora


def test_a_link_stops_at_exactly_its_lifetime(admin, stopped):
    nora = invited()
    token = set_password_links.issue(nora, by=admin)
    stopped.shift(LINK_LIFETIME)
    assert set_password_links.find_usable(token) is None
    with pytest.raises(RuleViolation, match="expired or was already used"):
        set_password_links.redeem(token, NEW_PASSWORD)
    assert nora.password_hash == NO_PASSWORD


def test_a_newer_link_replaces_the_older_one(admin):
    nora = invited()
    first = set_password_links.issue(nora, by=admin)
    second = set_password_links.issue(nora, by=admin)
    assert set_password_links.find_usable(first) is None
    with pytest.raises(RuleViolation, match="expired or was already used"):
        set_password_links.redeem(first, NEW_PASSWORD)
    assert set_password_links.redeem(second, NEW_PASSWORD) is nora


def test_a_link_for_someone_else_is_left_alone(admin):
    nora, omar = invited(), invited("omar@example.test")
    for_nora = set_password_links.issue(nora, by=admin)
    set_password_links.issue(omar, by=admin)
    assert set_password_links.find_usable(for_nora) is not None


def test_only_the_tokens_hash_is_stored(admin):
    nora = invited()
    token = set_password_links.issue(nora, by=admin)
    (link,) = links_of(nora)
    assert link.token_hash == hash_token(token) and token not in link.token_hash
    assert len(token) >= 43  # 32 random bytes, URL-safe base64
    stored = db.session.execute(select(SetPasswordLink.__table__)).one()
    assert all(token not in str(value) for value in stored)
    assert link.created_by_id == admin.id
    assert link.expires_at == utcnow() + LINK_LIFETIME


def test_making_a_link_is_audited_without_the_token(admin):
    nora = invited()
    token = set_password_links.issue(nora, by=admin)
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "user.set_password_link")
    )
    assert event.actor_id == admin.id and event.entity_id == nora.id
    assert token not in str(event.after)


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short words", "Use at least 12 characters"),
        ("password1234", "on a list of common passwords"),
        ("nora@example.test", "Do not use your email address"),
        (" " * 20, "cannot be only spaces"),
    ],
)
def test_redeem_refuses_a_weak_password_next_to_the_field_and_keeps_the_link(
    admin, password, message
):
    nora = invited()
    token = set_password_links.issue(nora, by=admin)
    with pytest.raises(RuleViolation, match=message) as refused:
        set_password_links.redeem(token, password)
    assert refused.value.field == "password"
    assert nora.password_hash == NO_PASSWORD
    assert set_password_links.find_usable(token) is not None


def test_an_inactive_person_cannot_redeem(admin):
    nora = invited()
    token = set_password_links.issue(nora, by=admin)
    nora.active = False
    with pytest.raises(RuleViolation, match="not active"):
        set_password_links.redeem(token, NEW_PASSWORD)
    assert nora.password_hash == NO_PASSWORD


def test_no_link_is_made_for_an_inactive_person(admin):
    nora = invited()
    nora.active = False
    with pytest.raises(RuleViolation, match="deactivated"):
        set_password_links.issue(nora, by=admin)
    assert links_of(nora) == []


def test_redeem_ends_the_persons_other_sign_ins(admin):
    omar = make_user(email="omar@example.test")
    phone = sign_ins.start(omar, True, "phone", "10.0.0.1")
    desk = sign_ins.start(omar, False, "desk", "10.0.0.2")
    token = set_password_links.issue(omar, by=admin)
    set_password_links.redeem(token, NEW_PASSWORD)
    assert sign_ins.find_live(phone.token) is None
    assert sign_ins.find_live(desk.token) is None
    assert accounts.authenticate(omar.email, PASSWORD) is None
    assert accounts.authenticate(omar.email, NEW_PASSWORD) is omar


def test_redeem_forgets_the_accounts_wrong_passwords(admin):
    """A person who forgot their password may have locked themselves out trying."""
    omar = make_user(email="omar@example.test")
    for _ in range(5):
        throttling.record_failed_sign_in(omar.email, "10.0.0.9")
    assert throttling.account_lock(omar) is not None
    set_password_links.redeem(set_password_links.issue(omar, by=admin), NEW_PASSWORD)
    assert throttling.account_lock(omar) is None


def test_redeem_is_audited_as_the_person(admin):
    nora = invited()
    set_password_links.redeem(set_password_links.issue(nora, by=admin), NEW_PASSWORD)
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "user.password_set_by_link")
    )
    assert event.actor_id == nora.id and event.entity_id == nora.id
    assert NEW_PASSWORD not in str(event.after) and NEW_PASSWORD not in str(event.before)


@pytest.mark.parametrize(
    "password", ["", PASSWORD, NO_PASSWORD, "!", "$", "pbkdf2:sha256:1000$$", NEW_PASSWORD]
)
def test_a_person_with_no_password_cannot_sign_in_with_any(password):
    nora = invited()
    assert accounts.authenticate(nora.email, password) is None


def test_a_person_with_no_password_signs_in_once_they_set_one(admin):
    nora = invited()
    set_password_links.redeem(set_password_links.issue(nora, by=admin), NEW_PASSWORD)
    assert accounts.authenticate(nora.email, NEW_PASSWORD) is nora


def test_no_password_costs_a_hash_check_like_an_unknown_email(monkeypatch):
    """Answering at once would tell a guesser the account exists and has no password yet."""
    nora = invited()
    checked = []
    real = accounts.check_password_hash
    monkeypatch.setattr(
        accounts, "check_password_hash", lambda h, p: checked.append(h) or real(h, p)
    )
    accounts.authenticate(nora.email, "anything at all here")
    assert checked and all("$" in stored for stored in checked)


@pytest.mark.parametrize(
    "token", ["", "x" * 201, "not a token", "abc/def", "\x00abc", "\ud800abc", "é" * 43]
)
def test_a_malformed_token_finds_nothing_and_raises_nothing(admin, token):
    set_password_links.issue(invited(), by=admin)
    assert set_password_links.find_usable(token) is None
    with pytest.raises(RuleViolation, match="expired or was already used"):
        set_password_links.redeem(token, NEW_PASSWORD)


def test_a_link_spent_by_another_request_meanwhile_is_refused(admin, monkeypatch):
    """Two tabs sending the form at once: the link sets one password, not two."""
    nora = invited()
    token = set_password_links.issue(nora, by=admin)
    real_find = set_password_links.find_usable

    def found_then_spent(value):
        found = real_find(value)
        db.session.execute(
            SetPasswordLink.__table__.update()
            .where(SetPasswordLink.id == found.id)
            .values(used_at=utcnow())
        )
        return found

    monkeypatch.setattr(set_password_links, "find_usable", found_then_spent)
    with pytest.raises(RuleViolation, match="expired or was already used"):
        set_password_links.redeem(token, NEW_PASSWORD)
    assert nora.password_hash == NO_PASSWORD


def test_the_waiting_link_is_the_unused_unexpired_one(admin, stopped):
    nora = invited()
    assert set_password_links.waiting_link(nora) is None
    set_password_links.issue(nora, by=admin)
    newest = set_password_links.issue(nora, by=admin)
    assert set_password_links.waiting_link(nora) is set_password_links.find_usable(newest)
    stopped.shift(LINK_LIFETIME)
    assert set_password_links.waiting_link(nora) is None
    assert db.session.scalar(select(func.count()).select_from(SetPasswordLink)) == 2


def test_has_password_tells_an_invited_person_apart():
    assert not accounts.has_password(invited())
    assert accounts.has_password(make_user())
