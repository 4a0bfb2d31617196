"""Caps on open live streams, streams that keep asking whether their viewer may watch, and
at most one refresh a second however busy the shop is."""

import time
from itertools import pairwise

import pytest

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

    stream = events.sse_stream(
        [events.BOARD], still_allowed=still_allowed, heartbeat=0.05, coalesce=0.01
    )
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


def _sent_at(coalescer: events.Coalescer, heard: list[tuple[float, str]], until: float):
    """Feed `heard` (moment, topic) to `coalescer` as a stream does, waking at each moment a
    topic arrives or a refresh falls due; what it sends, with when."""
    sent: list[tuple[float, set[str]]] = []
    heard = sorted(heard)
    while True:
        due = coalescer.due
        wakes = [m for m in (heard[0][0] if heard else None, due) if m is not None]
        if not wakes or min(wakes) > until:
            return sent
        now = min(wakes)
        while heard and heard[0][0] == now:
            coalescer.heard([heard.pop(0)[1]], now)
        topics = coalescer.take_due(now)
        if topics:
            sent.append((now, topics))


def test_a_lone_change_goes_at_once_and_its_repeats_wait_out_the_second():
    sent = _sent_at(
        events.Coalescer(1.0),
        [(10.0, "board"), (10.2, "board"), (10.5, "board"), (10.999, "board")],
        until=60,
    )
    assert sent == [(10.0, {"board"}), (11.0, {"board"})]


def test_the_same_topic_exactly_one_second_apart_goes_at_once_both_times():
    assert _sent_at(events.Coalescer(1.0), [(0.0, "board"), (1.0, "board")], until=60) == [
        (0.0, {"board"}),
        (1.0, {"board"}),
    ]


def test_the_same_topic_just_inside_the_second_waits_for_its_end():
    sent = _sent_at(events.Coalescer(1.0), [(0.0, "board"), (0.999, "board")], until=60)
    assert sent == [(0.0, {"board"}), (1.0, {"board"})]


def test_the_same_topic_after_a_quiet_second_goes_at_once():
    sent = _sent_at(events.Coalescer(1.0), [(0.0, "board"), (1.001, "board")], until=60)
    assert sent == [(0.0, {"board"}), (1.001, {"board"})]


def test_topics_due_together_go_in_one_refresh():
    sent = _sent_at(events.Coalescer(1.0), [(0.0, "board"), (0.0, "timers")], until=60)
    assert sent == [(0.0, {"board", "timers"})]


def test_a_rare_change_is_not_held_behind_a_frequent_one():
    ticking = [(tick / 10, "timers") for tick in range(50)]
    sent = _sent_at(events.Coalescer(1.0), [*ticking, (2.55, "board")], until=60)
    assert (2.55, {"board"}) in sent


def test_a_burst_of_28_changes_a_second_makes_one_refresh_a_second_per_topic():
    burst = [(i / 28, "timers" if i % 2 else "board") for i in range(28 * 10)]  # 10 s of it
    sent = _sent_at(events.Coalescer(1.0), burst, until=60)
    for topic, first in (("board", 0.0), ("timers", 1 / 28)):
        moments = [moment for moment, topics in sent if topic in topics]
        assert moments == pytest.approx([first + second for second in range(11)])
        assert all(later - earlier > 1.0 - 1e-9 for earlier, later in pairwise(moments))


def test_nothing_heard_nothing_due():
    coalescer = events.Coalescer(1.0)
    coalescer.heard([], 5.0)
    assert coalescer.due is None and coalescer.take_due(100.0) == set()


def test_a_stream_sends_one_refresh_for_a_burst_naming_every_topic():
    stream = events.sse_stream([events.BOARD, events.TIMERS], heartbeat=60, coalesce=0.05)
    assert "connected" in next(stream)
    for _ in range(20):
        events.publish(events.BOARD)
        events.publish(events.TIMERS)
        events.publish(events.APPROVALS)  # not this stream's
    assert next(stream) == events.sse_message("refresh", "board timers")
    stream.close()
