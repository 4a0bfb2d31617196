from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select

from mspboard import demo
from mspboard.models import (
    Client,
    ScheduleItem,
    ServiceRequest,
    TimeCard,
    TimeEntry,
    TimeOffRequest,
    User,
    db,
    utcnow,
)
from mspboard.services import accounts
from mspboard.services.time_weeks import local_date, week_start_of


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_demo_shop_is_a_believable_small_msp():
    demo.seed_demo()
    db.session.commit()
    roles = Counter(db.session.scalars(select(User.role)))
    assert roles == {"technician": 6, "service_manager": 1, "admin": 1}
    assert count(Client) == 25
    srs = db.session.scalars(select(ServiceRequest)).all()
    assert 110 <= len(srs) <= 130
    assert {sr.status for sr in srs} == {"new", "scheduled", "in_progress", "waiting", "done"}
    assert {sr.priority for sr in srs} == {1, 2, 3, 4}
    ages = [utcnow() - sr.created_at for sr in srs]
    assert min(ages) < timedelta(days=2) and max(ages) > timedelta(days=45)
    assert count(TimeEntry) > 6 * 5 * 3
    statuses = set(db.session.scalars(select(TimeCard.status)))
    assert "submitted" in statuses
    assert "pending" in set(db.session.scalars(select(TimeOffRequest.status)))


def test_demo_schedule_covers_this_week_and_next():
    now = utcnow()
    demo.seed_demo(now)
    starts = list(db.session.scalars(select(ScheduleItem.starts_at)))
    monday = week_start_of(now)  # this week as the shop counts it, in its own zone
    assert local_date(min(starts)) == monday
    assert local_date(max(starts)) == monday + timedelta(days=11)


def test_every_demo_login_works_with_the_demo_password():
    demo.seed_demo()
    for login in demo.DEMO_LOGINS:
        assert accounts.authenticate(login.email, demo.DEMO_PASSWORD) is not None


def test_seed_refuses_a_database_with_data_unless_forced(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    refused = runner.invoke(args=["seed-demo"])
    assert refused.exit_code != 0 and "not empty" in refused.output
    left_alone = runner.invoke(args=["seed-demo", "--if-empty"])
    assert left_alone.exit_code == 0 and "manager@demo.test" in left_alone.output
    forced = runner.invoke(args=["seed-demo", "--force"])
    assert forced.exit_code == 0
    db.session.expire_all()
    assert count(User) == 8


def test_create_user_command_asks_for_the_password(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "create-user",
            "--email",
            "New@Shop.test",
            "--name",
            "New Tech",
            "--role",
            "technician",
        ],
        input="a long enough password\na long enough password\n",
    )
    assert result.exit_code == 0, result.output
    assert accounts.authenticate("new@shop.test", "a long enough password") is not None


def test_create_user_command_reports_a_refusal(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["create-user", "--email", "x@shop.test", "--name", "X", "--role", "admin"],
        input="short\nshort\n",
    )
    assert result.exit_code != 0 and "at least 12" in result.output
