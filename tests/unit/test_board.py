from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from mspboard.models import SRStatus, TimeEntry, db, utcnow
from mspboard.services.board import (
    BoardFilter,
    Card,
    Column,
    board_columns,
    is_overdue,
    make_card,
    place_move,
)
from tests.factories import make_client, make_sr, make_user
from tests.field_factories import make_entry


def column(status: SRStatus, board_filter: BoardFilter | None = None, now=None):
    """The titles of the cards in one column, in order."""
    columns = {c.status: c for c in board_columns(board_filter, now=now)}
    return [card.sr.title for card in columns[status].cards]


def test_cards_are_ordered_by_priority_then_oldest_first():
    client = make_client()
    now = utcnow()
    newer_p1 = make_sr(client, "newer P1", priority=1, created_at=now - timedelta(hours=1))
    older_p3 = make_sr(client, "older P3", priority=3, created_at=now - timedelta(days=9))
    older_p1 = make_sr(client, "older P1", priority=1, created_at=now - timedelta(days=2))
    assert column(SRStatus.NEW, now=now) == [older_p1.title, newer_p1.title, older_p3.title]


def test_done_shows_only_the_last_seven_days():
    client = make_client()
    recent = make_sr(client, "closed yesterday", status="done")
    old = make_sr(client, "closed last month", status="done")
    old.closed_at = utcnow() - timedelta(days=30)
    done = column(SRStatus.DONE)
    assert recent.title in done and old.title not in done


def test_a_card_is_stale_by_the_backlogs_rule_time_logged_included():
    now = utcnow()
    quiet, worked = make_sr(title="quiet"), make_sr(title="worked")
    quiet.updated_at = worked.updated_at = now - timedelta(days=15)
    make_entry(make_user(), now - timedelta(days=2), minutes=60, sr=worked)
    cards = {c.title: c for col in board_columns(now=now) for c in col.cards}
    assert cards["quiet"].stale and "stale" in cards["quiet"].classes
    assert not cards["worked"].stale


def test_an_open_sr_past_its_due_time_is_overdue():
    now = utcnow()
    sr = make_sr()
    assert not is_overdue(sr, now)
    sr.due_at = now - timedelta(minutes=1)
    assert is_overdue(sr, now)
    sr.due_at = now + timedelta(days=1)
    assert not is_overdue(sr, now)


def test_filters_narrow_the_board():
    tech, other = make_user(), make_user()
    client, other_client = make_client(), make_client()
    mine = make_sr(client, "Firewall update", priority=2, assignee=tech)
    theirs = make_sr(other_client, "Printer jam", priority=4, assignee=other)
    nobodys = make_sr(client, "New laptop", priority=2)
    assert column(SRStatus.NEW, BoardFilter(mine_of=tech.id)) == [mine.title]
    assert column(SRStatus.NEW, BoardFilter(assignee_id=0)) == [nobodys.title]
    assert column(SRStatus.NEW, BoardFilter(client_id=other_client.id)) == [theirs.title]
    assert set(column(SRStatus.NEW, BoardFilter(priority=2))) == {mine.title, nobodys.title}
    assert column(SRStatus.NEW, BoardFilter(text="printer")) == [theirs.title]
    assert column(SRStatus.NEW, BoardFilter(text=theirs.number)) == [theirs.title]
    assert column(SRStatus.NEW, BoardFilter(text="100%_")) == []


def test_cards_carry_hours_logged_from_finished_entries():
    tech = make_user()
    sr = make_sr()
    start = utcnow() - timedelta(hours=5)
    db.session.add_all(
        [
            TimeEntry(
                uuid="a" * 36,
                tech=tech,
                service_request=sr,
                client=sr.client,
                started_at=start,
                ended_at=start + timedelta(minutes=90),
            ),
            TimeEntry(
                uuid="b" * 36,
                tech=tech,
                service_request=sr,
                client=sr.client,
                started_at=start + timedelta(hours=2),
            ),
        ]
    )
    db.session.flush()
    card = next(c for c in board_columns() if c.status == SRStatus.NEW).cards[0]
    assert card.logged_seconds == 90 * 60
    assert card.logged_label == "1.5 h"


def test_a_full_column_shows_its_most_urgent_cards_and_counts_them_all():
    client = make_client()
    now = utcnow()
    for n in range(6):
        make_sr(client, f"P3 #{n}", priority=3, created_at=now - timedelta(days=n))
    urgent = make_sr(client, "P1", priority=1, created_at=now)
    new = next(c for c in board_columns(now=now, limit=3) if c.status == SRStatus.NEW)
    assert [card.sr.title for card in new.cards] == [urgent.title, "P3 #5", "P3 #4"]
    assert (new.count, new.hidden) == (7, 4)


def test_a_card_carries_every_string_it_shows_made_once():
    zone = ZoneInfo("America/Chicago")
    now = datetime(2026, 3, 4, 16, 30, tzinfo=UTC)
    tech = make_user(name="Sofia Lindqvist")
    sr = make_sr(
        make_client("Oakridge Credit Union"),
        "Firewall firmware update",
        priority=1,
        assignee=tech,
        created_at=now - timedelta(days=3, hours=2),
    )
    sr.due_at = now - timedelta(days=1)
    sr.updated_at = now - timedelta(days=20)
    card = make_card(sr, now, stale=True, zone=zone, sr_link="/sr/SR-NUMBER")
    assert card.href == f"/sr/{sr.number}" and card.number == sr.number
    assert (card.id, card.version, card.priority) == (sr.id, sr.version, 1)
    assert card.priority_label == "P1 critical"
    assert card.age_label == "3 d"
    assert card.opened == "Opened Sun 01 Mar 08:30"
    assert (card.initials, card.assignee_name) == ("SL", "Sofia Lindqvist")
    assert (card.title, card.client_name) == ("Firewall firmware update", "Oakridge Credit Union")
    assert card.due_flag == "⚠ Overdue since 03 Mar"
    assert card.classes == "p1 stale overdue"


def test_a_card_says_due_only_while_open_and_shows_no_one_when_unassigned(stopped):
    zone = ZoneInfo("UTC")
    now = utcnow()
    sr = make_sr(priority=4)
    sr.due_at = now + timedelta(days=2)
    open_card = make_card(sr, now, stale=False, zone=zone)
    assert open_card.due_flag == f"Due {(now + timedelta(days=2)):%d %b}"
    assert (open_card.initials, open_card.assignee_name, open_card.classes) == ("", "", "p4")
    sr.status = "done"
    assert make_card(sr, now, stale=False, zone=zone).due_flag == ""


def cards(*ids: int) -> list[Card]:
    return [Card(sr=None, age=timedelta(), stale=False, overdue=False, id=i) for i in ids]  # type: ignore[arg-type]


def test_a_moved_card_goes_in_front_of_the_card_after_it():
    old = Column(SRStatus.NEW, cards(1, 2), count=2)
    new = Column(SRStatus.WAITING, cards(5, 9, 6), count=3)
    move = place_move(9, old, new, limit=3)
    assert (move.card.id, move.before, move.pushed_out, move.pulled_in) == (9, 6, None, None)
    assert (move.old.count, move.new.count) == (2, 3)


def test_a_card_moved_to_the_end_of_a_column_goes_last():
    move = place_move(9, Column(SRStatus.NEW), Column(SRStatus.WAITING, cards(5, 9), 2), limit=3)
    assert move.card.id == 9 and move.before is None


def test_a_card_moved_into_a_full_column_pushes_its_last_shown_card_out():
    new = Column(SRStatus.WAITING, cards(5, 9, 6, 7), count=8)
    move = place_move(9, Column(SRStatus.NEW), new, limit=3)
    assert (move.card.id, move.before, move.pushed_out) == (9, 6, 7)
    assert [card.id for card in move.new.cards] == [5, 9, 6] and move.new.hidden == 5


def test_a_card_moved_past_a_full_columns_limit_just_leaves():
    new = Column(SRStatus.WAITING, cards(5, 6, 7, 9), count=8)
    move = place_move(9, Column(SRStatus.NEW), new, limit=3)
    assert move.card is None and move.pushed_out is None
    assert move.new.hidden == 5


def test_a_card_leaving_a_full_column_lets_its_first_hidden_card_in():
    old = Column(SRStatus.NEW, cards(1, 2, 3, 4), count=6)
    move = place_move(9, old, Column(SRStatus.WAITING, cards(9), 1), limit=3)
    assert move.pulled_in.id == 3
    assert [card.id for card in move.old.cards] == [1, 2, 3] and move.old.hidden == 3
    short = place_move(9, Column(SRStatus.NEW, cards(1), 1), Column(SRStatus.WAITING), limit=3)
    assert short.pulled_in is None


def test_the_board_reads_each_card_with_its_client_and_assignee_in_one_query():
    tech = make_user(name="Marcus Reed")
    mine = make_sr(make_client("Harbor Dental"), "Printer jam", priority=2, assignee=tech)
    nobodys = make_sr(make_client("Oakridge"), "New laptop", priority=3)
    new = next(c for c in board_columns() if c.status == SRStatus.NEW)
    first, second = new.cards
    assert (first.id, first.sr.number) == (mine.id, mine.number)
    assert first.sr.client.name == first.client_name == "Harbor Dental"
    assert (first.sr.assignee.initials, first.initials, first.assignee_name) == (
        "MR",
        "MR",
        "Marcus Reed",
    )
    assert (second.id, second.sr.assignee, second.initials) == (nobodys.id, None, "")
