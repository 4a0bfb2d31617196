"""Caps on open live streams, and streams that keep asking whether their viewer may watch."""

import time

from mspboard import events
from mspboard.live_streams import LocalSlots, _HeldStream


def test_a_viewer_gets_no_more_slots_than_the_cap_and_others_are_not_affected():
    slots = LocalSlots()
    taken = [slots.take("user:1", 2), slots.take("user:1", 2)]
    assert all(taken)
    assert slots.take("user:1", 2) is None
    assert slots.take("user:2", 2) is not None
    assert slots.take("tv:1", 2) is not None
    assert slots.count("user:1") == 2


def test_a_slot_given_back_frees_its_place_once():
    slots = LocalSlots()
    first = slots.take("user:1", 1)
    first.give_back()
    first.give_back()
    second = slots.take("user:1", 1)
    assert second is not None and slots.count("user:1") == 1
    second.give_back()
    assert slots.count("user:1") == 0


def test_a_stream_gives_its_slot_back_when_closed_even_if_it_never_started():
    slots = LocalSlots()
    never_started = _HeldStream(events.sse_stream([events.BOARD]), slots.take("user:1", 2))
    never_started.close()
    stream = _HeldStream(events.sse_stream([events.BOARD]), slots.take("user:1", 2))
    assert "connected" in next(stream)
    assert slots.count("user:1") == 1
    stream.close()
    assert slots.count("user:1") == 0


def test_a_stream_that_ends_by_itself_gives_its_slot_back():
    slots = LocalSlots()
    stream = _HeldStream(
        events.sse_stream([events.BOARD], still_allowed=lambda: False, heartbeat=0.01),
        slots.take("user:1", 1),
    )
    assert list(stream)[-1] == events.sse_message("revoked")
    assert slots.count("user:1") == 0


def test_a_busy_stream_still_asks_whether_its_viewer_may_watch():
    """Changes arriving faster than the re-check interval do not put the re-check off."""
    asked: list[bool] = []

    def still_allowed() -> bool:
        asked.append(True)
        return False

    stream = events.sse_stream([events.BOARD], still_allowed=still_allowed, heartbeat=0.05)
    assert "connected" in next(stream)
    sent = []
    for _ in range(500):  # at most ~5 s; the re-check is due after 0.05 s
        events.publish(events.BOARD)
        time.sleep(0.01)
        sent.append(next(stream, None))
        if sent[-1] == events.sse_message("revoked"):
            break
    stream.close()
    assert sent[-1] == events.sse_message("revoked") and asked
    assert events.sse_message("refresh", "board") in sent[:-1]


def test_a_quiet_stream_sends_keep_alives_and_asks_each_time():
    asked: list[bool] = []

    def still_allowed() -> bool:
        asked.append(True)
        return len(asked) < 3

    stream = events.sse_stream([events.BOARD], still_allowed=still_allowed, heartbeat=0.01)
    assert list(stream)[1:] == [": keep-alive\n\n"] * 2 + [events.sse_message("revoked")]
    assert len(asked) == 3
