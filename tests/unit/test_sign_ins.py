from datetime import timedelta

import pytest
from sqlalchemy import select

from mspboard.models import AuditEvent, EndReason, db, utcnow
from mspboard.models.tv_links import hash_token
from mspboard.services import accounts, sign_ins
from mspboard.services.errors import RuleViolation
from tests.factories import PASSWORD, make_user

NEW_PASSWORD = "a fresh river stone"


def test_a_sign_in_stores_only_the_hash_of_a_256_bit_token():
    tech = make_user()
    started = sign_ins.start(tech, False, "Mozilla/5.0 (Linux; Android 14) Chrome/131", "10.1.2.3")
    assert len(started.token) >= 43  # 32 random bytes, URL-safe base64
    assert started.sign_in.token_hash == hash_token(started.token)
    assert started.token not in {started.sign_in.token_hash, started.sign_in.device}
    assert sign_ins.find_live(started.token) is started.sign_in


def test_device_and_address_are_bounded_and_printable():
    tech = make_user()
    started = sign_ins.start(tech, False, "Agent\x00\n" + "x" * 500, "10.0.0.1\r\n" + "9" * 99)
    assert started.sign_in.device == ("Agent" + "x" * 500)[:200]
    assert len(started.sign_in.address) == 45 and "\r" not in started.sign_in.address


def test_every_sign_in_expires_exactly_thirty_days_after_it_began(app):
    assert app.config["REMEMBER_DAYS"] == 30
    tech = make_user()
    now = utcnow()
    started = sign_ins.start(tech, True, "phone", "10.0.0.1", now=now)
    last_moment = now + timedelta(days=30) - timedelta(microseconds=1)
    assert sign_ins.find_live(started.token, now=last_moment) is started.sign_in
    assert sign_ins.is_live(started.sign_in.id, now=last_moment)
    assert sign_ins.find_live(started.token, now=now + timedelta(days=30)) is None
    assert not sign_ins.is_live(started.sign_in.id, now=now + timedelta(days=30))


def test_the_lifetime_is_a_setting(app):
    app.config["REMEMBER_DAYS"] = 2
    tech = make_user()
    now = utcnow()
    started = sign_ins.start(tech, True, "phone", "10.0.0.1", now=now)
    assert started.sign_in.expires_at == now + timedelta(days=2)


def test_the_setting_is_read_from_the_environment_and_bounded(monkeypatch, tmp_path):
    from mspboard.config import from_environment

    monkeypatch.setenv("MSPBOARD_REMEMBER_DAYS", "7")
    assert from_environment(str(tmp_path))["REMEMBER_DAYS"] == 7
    monkeypatch.setenv("MSPBOARD_REMEMBER_DAYS", "100000")
    assert from_environment(str(tmp_path))["REMEMBER_DAYS"] == 365
    monkeypatch.setenv("MSPBOARD_REMEMBER_DAYS", "0")
    assert from_environment(str(tmp_path))["REMEMBER_DAYS"] == 1
    monkeypatch.setenv("MSPBOARD_REMEMBER_DAYS", "soon")
    assert from_environment(str(tmp_path))["REMEMBER_DAYS"] == 30


def test_signing_out_ends_the_sign_in():
    tech = make_user()
    started = sign_ins.start(tech, True, "phone", "10.0.0.1")
    assert sign_ins.end(tech, started.sign_in, EndReason.SIGNED_OUT)
    assert sign_ins.find_live(started.token) is None
    assert not sign_ins.is_live(started.sign_in.id)
    assert started.sign_in.end_reason == "signed_out"
    assert not sign_ins.end(tech, started.sign_in, EndReason.SIGNED_OUT)  # once only
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "sign_in.ended")).one()
    assert event.actor_id == tech.id and event.after["why"] == "signed_out"


def test_a_deactivated_persons_sign_in_is_not_live_even_before_it_is_ended():
    tech = make_user()
    started = sign_ins.start(tech, False, "phone", "10.0.0.1")
    tech.active = False
    db.session.flush()
    assert sign_ins.find_live(started.token) is None
    assert not sign_ins.is_live(started.sign_in.id)


def test_is_live_is_one_query(app):
    from sqlalchemy import event

    tech = make_user()
    started = sign_ins.start(tech, False, "phone", "10.0.0.1")
    db.session.commit()
    sign_in_id = started.sign_in.id
    db.session.expire_all()
    seen = []

    def count(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert sign_ins.is_live(sign_in_id)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(seen) == 1, seen
    assert not sign_ins.is_live(2**31 - 1)


def test_changing_ones_password_keeps_this_sign_in_and_ends_the_others():
    tech = make_user()
    here = sign_ins.start(tech, False, "laptop", "10.0.0.1")
    phone = sign_ins.start(tech, True, "phone", "10.0.0.2")
    tablet = sign_ins.start(tech, True, "tablet", "10.0.0.3")
    accounts.change_own_password(tech, PASSWORD, NEW_PASSWORD, here.sign_in)
    assert sign_ins.find_live(here.token) is here.sign_in
    assert sign_ins.find_live(phone.token) is None and sign_ins.find_live(tablet.token) is None
    assert phone.sign_in.end_reason == tablet.sign_in.end_reason == "password_changed"
    assert accounts.authenticate(tech.email, NEW_PASSWORD) is tech
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"user.password_changed", "user.signed_out_elsewhere"} <= actions


def test_changing_ones_password_needs_the_current_one():
    tech = make_user()
    phone = sign_ins.start(tech, True, "phone", "10.0.0.2")
    with pytest.raises(RuleViolation) as refused:
        accounts.change_own_password(tech, "not my password", NEW_PASSWORD, None)
    assert refused.value.field == "current_password"
    assert sign_ins.find_live(phone.token) is phone.sign_in
    assert accounts.authenticate(tech.email, PASSWORD) is tech


def test_a_new_password_meets_the_rules_and_differs_from_the_old_one():
    tech = make_user()
    for new in ("short", " " * 14, "qwerty123456", tech.email, PASSWORD):
        with pytest.raises(RuleViolation) as refused:
            accounts.change_own_password(tech, PASSWORD, new, None)
        assert refused.value.field == "new_password", new


def test_ending_all_sign_ins_ends_only_that_persons():
    tech = make_user()
    other = make_user()
    mine = [sign_ins.start(tech, False, f"device {n}", "10.0.0.1") for n in range(3)]
    theirs = sign_ins.start(other, False, "desk", "10.0.0.9")
    assert sign_ins.end_all(None, tech, EndReason.DEACTIVATED) == 3
    assert all(sign_ins.find_live(started.token) is None for started in mine)
    assert sign_ins.find_live(theirs.token) is theirs.sign_in


def test_the_devices_list_holds_live_sign_ins_most_recently_seen_first(clock):
    tech = make_user()
    old = sign_ins.start(tech, False, "old", "10.0.0.1")
    ended = sign_ins.start(tech, False, "ended", "10.0.0.1")
    sign_ins.end(tech, ended.sign_in, EndReason.SIGNED_OUT)
    clock.shift(timedelta(minutes=10))
    new = sign_ins.start(tech, False, "new", "10.0.0.1")
    assert sign_ins.live_of(tech) == [new.sign_in, old.sign_in]


def test_last_seen_is_written_at_most_every_five_minutes():
    tech = make_user()
    now = utcnow()
    started = sign_ins.start(tech, False, "phone", "10.0.0.1", now=now)
    almost = now + timedelta(minutes=5) - timedelta(microseconds=1)
    assert not sign_ins.touch(started.sign_in, now=almost)
    assert started.sign_in.last_seen_at == now
    assert sign_ins.touch(started.sign_in, now=now + timedelta(minutes=5))
    assert started.sign_in.last_seen_at == now + timedelta(minutes=5)


def test_only_ones_own_live_sign_in_can_be_picked_from_the_list():
    tech = make_user()
    other = make_user()
    mine = sign_ins.start(tech, False, "phone", "10.0.0.1")
    theirs = sign_ins.start(other, False, "desk", "10.0.0.9")
    assert sign_ins.owned_live(tech, mine.sign_in.id) is mine.sign_in
    assert sign_ins.owned_live(tech, theirs.sign_in.id) is None
    sign_ins.end(tech, mine.sign_in, EndReason.SIGNED_OUT)
    assert sign_ins.owned_live(tech, mine.sign_in.id) is None


def test_a_sign_in_must_end_with_a_reason():
    from sqlalchemy.exc import IntegrityError

    tech = make_user()
    started = sign_ins.start(tech, False, "phone", "10.0.0.1")
    started.sign_in.ended_at = utcnow()
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_device_labels_name_browser_and_system():
    ua = (
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0 Mobile Safari/537.36"
    )
    assert sign_ins.device_label(ua) == "Chrome on Android"
    iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Version/18.0 Safari/604.1"
    assert sign_ins.device_label(iphone) == "Safari on iPhone"
    assert sign_ins.device_label("") == "Unknown device"
    assert sign_ins.device_label("curl/8.5") == "curl/8.5"
