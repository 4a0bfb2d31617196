from datetime import timedelta

from mspboard.models import SRStatus, utcnow
from mspboard.services.board import board_columns
from tests.factories import make_client, make_sr


def test_cards_are_ordered_by_priority_then_oldest_first():
    client = make_client()
    now = utcnow()
    newer_p1 = make_sr(client, "newer P1", priority=1, created_at=now - timedelta(hours=1))
    older_p3 = make_sr(client, "older P3", priority=3, created_at=now - timedelta(days=9))
    older_p1 = make_sr(client, "older P1", priority=1, created_at=now - timedelta(days=2))
    column = board_columns(now)[SRStatus.NEW]
    assert [sr.title for sr in column] == [older_p1.title, newer_p1.title, older_p3.title]


def test_done_shows_only_the_last_seven_days():
    client = make_client()
    recent = make_sr(client, "closed yesterday", status="done")
    old = make_sr(client, "closed last month", status="done")
    old.closed_at = utcnow() - timedelta(days=30)
    done = board_columns()[SRStatus.DONE]
    assert recent in done and old not in done
