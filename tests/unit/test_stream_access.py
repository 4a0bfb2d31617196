"""Whether an open live stream's viewer may still see it: the one check every stream repeats."""

from sqlalchemy import event

from mspboard.models import db
from mspboard.services import accounts, tv_links
from mspboard.services.stream_access import Viewer, may_still_watch
from tests.factories import make_user


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
        viewer = Viewer.person(make_user())
        db.session.commit()
        db.session.expire_all()
        allowed, queries = statements_run(lambda: may_still_watch(viewer))
        assert allowed and queries == 1


def test_a_deactivated_person_may_not(app):
    with app.app_context():
        admin = make_user(role="admin")
        tech = make_user()
        viewer = Viewer.person(tech)
        accounts.set_active(admin, tech, False)
        db.session.commit()
        assert not may_still_watch(viewer)


def test_a_person_whose_sign_in_ended_may_not_even_when_active_again(app):
    """Deactivating rotates the login id; a stream of the old sign-in stays ended."""
    with app.app_context():
        admin = make_user(role="admin")
        tech = make_user()
        viewer = Viewer.person(tech)
        accounts.set_active(admin, tech, False)
        accounts.set_active(admin, tech, True)
        db.session.commit()
        assert not may_still_watch(viewer)
        assert may_still_watch(Viewer.person(tech))


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


def test_people_and_tv_links_are_counted_apart():
    assert Viewer(user_id=7, login_id="x").key == "user:7"
    assert Viewer(tv_link_id=7).key == "tv:7"
