"""Whether an open live stream's viewer may still see it: the one check every stream repeats."""

import pytest
from sqlalchemy import event

from mspboard.models import db
from mspboard.services import accounts, sign_ins, tv_links
from mspboard.services.stream_access import Viewer, may_still_watch
from tests.factories import make_user

pytestmark = pytest.mark.instant_free


def signed_in(user) -> Viewer:
    return Viewer.person(sign_ins.start(user, False, "phone", "10.0.0.1").sign_in)


def statements_run(action) -> tuple[object, int]:
    seen: list[str] = []

    def count(*_args) -> None:
        seen.append("")

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        result = action()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return result, len(seen)


def test_an_active_signed_in_person_may_watch_with_one_query(app):
    with app.app_context():
        viewer = signed_in(make_user())
        db.session.commit()
        db.session.expire_all()
        allowed, queries = statements_run(lambda: may_still_watch(viewer))
        assert allowed and queries == 1


def test_a_deactivated_person_may_not(app):
    with app.app_context():
        admin = make_user(role="admin")
        tech = make_user()
        viewer = signed_in(tech)
        accounts.set_active(admin, tech, False)
        db.session.commit()
        assert not may_still_watch(viewer)


def test_a_person_whose_sign_in_ended_may_not_even_when_active_again(app):
    """Deactivating ends the person's sign-ins; a stream of an old sign-in stays ended."""
    with app.app_context():
        admin = make_user(role="admin")
        tech = make_user()
        viewer = signed_in(tech)
        accounts.set_active(admin, tech, False)
        accounts.set_active(admin, tech, True)
        db.session.commit()
        assert not may_still_watch(viewer)
        assert may_still_watch(signed_in(tech))


def test_a_revoked_tv_link_may_not_and_a_live_one_may(app):
    with app.app_context():
        kept = tv_links.create_link(None, "Office TV").link
        revoked = tv_links.create_link(None, "Lobby TV").link
        tv_links.revoke_link(None, revoked)
        db.session.commit()
        assert may_still_watch(Viewer.wall_tv(kept))
        assert not may_still_watch(Viewer.wall_tv(revoked))


def test_a_viewer_that_names_nobody_may_not(app):
    with app.app_context():
        assert not may_still_watch(Viewer())
        assert not may_still_watch(Viewer.person(None))


def test_a_person_who_signed_out_may_not_and_their_other_sign_in_may(app):
    from mspboard.models import EndReason

    with app.app_context():
        tech = make_user()
        phone = sign_ins.start(tech, False, "phone", "10.0.0.1").sign_in
        desk = sign_ins.start(tech, False, "desk", "10.0.0.2").sign_in
        sign_ins.end(tech, phone, EndReason.SIGNED_OUT)
        db.session.commit()
        assert not may_still_watch(Viewer.person(phone))
        assert may_still_watch(Viewer.person(desk))


def test_people_and_tv_links_are_counted_apart():
    assert Viewer(user_id=7, sign_in_id=3).key == "user:7"
    assert Viewer(tv_link_id=7).key == "tv:7"
