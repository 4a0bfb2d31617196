import pytest

from mspboard.services import idempotency
from tests.factories import make_user

KEY = "4f1c2a8e-0000-4000-8000-000000000001"


def test_fingerprint_is_the_parsed_form_without_its_csrf_token():
    plain = idempotency.fingerprint([("text", "Hello"), ("uuid", "abc")])
    assert plain == idempotency.fingerprint(
        [("csrf_token", "one"), ("text", "Hello"), ("uuid", "abc")]
    )
    assert plain == idempotency.fingerprint([("uuid", "abc"), ("text", "Hello")])
    assert plain != idempotency.fingerprint([("text", "Hello there"), ("uuid", "abc")])
    assert plain != idempotency.fingerprint([])
    assert len(plain) == 64


def test_a_fields_repeated_values_keep_their_order_in_the_fingerprint():
    one = idempotency.fingerprint([("item", "1"), ("item", "2")])
    assert one != idempotency.fingerprint([("item", "2"), ("item", "1")])


def test_a_remembered_key_is_found_again_only_for_the_same_user_and_body():
    tech, other = make_user(), make_user()
    body = idempotency.fingerprint([("text", "Hello")])
    assert idempotency.find(KEY, tech, body) is None
    idempotency.remember(KEY, tech, body, 201, '{"ok": true}')
    assert idempotency.find(KEY, tech, body).response_status == 201
    with pytest.raises(idempotency.KeyConflict):
        idempotency.find(KEY, tech, idempotency.fingerprint([("text", "Other")]))
    with pytest.raises(idempotency.KeyConflict):
        idempotency.find(KEY, other, body)


def test_old_stored_answers_are_pruned_and_recent_ones_kept(app):
    from datetime import timedelta

    from mspboard.models import IdempotencyKey, db, utcnow
    from mspboard.services import idempotency
    from tests.factories import make_user

    user = make_user()
    old = idempotency.remember("old-key", user, "f" * 64, 200, "{}")
    old.created_at = utcnow() - timedelta(days=40)
    idempotency.remember("new-key", user, "f" * 64, 200, "{}")
    db.session.flush()
    assert idempotency.prune(timedelta(days=30)) == 1
    assert [k.key for k in db.session.scalars(db.select(IdempotencyKey))] == ["new-key"]
    result = app.test_cli_runner().invoke(args=["prune-idempotency-keys"])
    assert result.exit_code == 0 and "Removed 0" in result.output
