"""The per-record dispatcher: coalescing, one group per record at a time, the concurrency limit, fairness."""

from __future__ import annotations

import pytest

from consumers.dispatch import AckLedger, Acks, Dispatcher, Outcome

A, B, C = ("product", "A"), ("product", "B"), ("customer", "7")


def test_items_waiting_for_one_record_form_one_group() -> None:
    dispatcher: Dispatcher[str] = Dispatcher(limit=4)
    for item in ("a1", "a2", "a3"):
        dispatcher.add(A, item)
    assert dispatcher.next_group() == (A, ["a1", "a2", "a3"])
    assert dispatcher.next_group() is None


def test_a_record_in_flight_is_not_handed_out_again_and_its_new_items_wait() -> None:
    dispatcher: Dispatcher[str] = Dispatcher(limit=4)
    dispatcher.add(A, "a1")
    assert dispatcher.next_group() == (A, ["a1"])
    dispatcher.add(A, "a2")
    dispatcher.add(A, "a3")
    assert dispatcher.next_group() is None
    assert dispatcher.waiting == 2
    dispatcher.finish(A)
    assert dispatcher.next_group() == (A, ["a2", "a3"])


def test_no_more_than_limit_records_are_in_flight() -> None:
    dispatcher: Dispatcher[str] = Dispatcher(limit=2)
    for record, item in ((A, "a"), (B, "b"), (C, "c")):
        dispatcher.add(record, item)
    assert [dispatcher.next_group(), dispatcher.next_group(), dispatcher.next_group()] == [
        (A, ["a"]), (B, ["b"]), None]
    assert dispatcher.in_flight == 2
    dispatcher.finish(B)
    assert dispatcher.next_group() == (C, ["c"])


def test_records_are_served_in_arrival_order_and_a_hot_record_goes_to_the_back() -> None:
    dispatcher: Dispatcher[str] = Dispatcher(limit=1)
    dispatcher.add(A, "a1")
    assert dispatcher.next_group() == (A, ["a1"])
    dispatcher.add(A, "a2")
    dispatcher.add(B, "b1")
    dispatcher.add(A, "a3")
    dispatcher.add(C, "c1")
    dispatcher.finish(A)
    served = []
    for _ in range(3):
        group = dispatcher.next_group()
        served.append(group)
        dispatcher.add(A, f"a-again-{len(served)}")  # A keeps getting notifications
        dispatcher.finish(group[0])
    # B and C, waiting since before A finished, go first; A is not starved either.
    assert served == [(B, ["b1"]), (C, ["c1"]), (A, ["a2", "a3", "a-again-1", "a-again-2"])]


def test_take_waiting_empties_what_was_not_started_and_keeps_in_flight_records() -> None:
    dispatcher: Dispatcher[str] = Dispatcher(limit=1)
    dispatcher.add(A, "a1")
    dispatcher.next_group()
    dispatcher.add(A, "a2")
    dispatcher.add(B, "b1")
    assert sorted(dispatcher.take_waiting()) == ["a2", "b1"]
    assert dispatcher.next_group() is None
    assert (dispatcher.waiting, dispatcher.in_flight, dispatcher.idle) == (0, 1, False)
    dispatcher.finish(A)
    assert dispatcher.idle
    assert dispatcher.next_group() is None


def test_a_finished_record_with_nothing_waiting_is_not_handed_out() -> None:
    dispatcher: Dispatcher[str] = Dispatcher(limit=2)
    dispatcher.add(A, "a1")
    dispatcher.next_group()
    dispatcher.finish(A)
    assert dispatcher.next_group() is None
    assert not dispatcher.is_in_flight(A)


def test_the_limit_must_be_positive() -> None:
    with pytest.raises(ValueError):
        Dispatcher(limit=0)


def test_an_outcome_is_synced_or_skipped() -> None:
    assert Outcome() == Outcome("synced", None)
    assert Outcome("skipped", "unchanged").detail == "unchanged"
    with pytest.raises(ValueError, match="synced"):
        Outcome("done")


# --- the ack ledger -------------------------------------------------------------------------------------------

def ledger_with(tags: range, hold: int = 10, max_wait: float = 1.0) -> AckLedger:
    ledger = AckLedger(hold, max_wait)
    for tag in tags:
        ledger.received(tag)
    return ledger


def test_finished_deliveries_at_the_front_are_acked_with_one_multiple_ack() -> None:
    ledger = ledger_with(range(1, 6))
    for tag in (2, 1, 3):
        ledger.finished(tag, now=0)
    assert ledger.take(now=0) == Acks(multiple=3, count=3)
    assert ledger.take(now=0) == Acks()


def test_a_multiple_ack_never_covers_a_delivery_still_being_worked_on() -> None:
    ledger = ledger_with(range(1, 6))
    for tag in (2, 3, 5):
        ledger.finished(tag, now=0)
    assert ledger.take(now=0) == Acks()  # 1 is unfinished: nothing may be acked with multiple=True yet
    ledger.finished(1, now=0)
    assert ledger.take(now=0) == Acks(multiple=3, count=3)  # 4 is unfinished
    ledger.finished(4, now=0)
    assert ledger.take(now=0) == Acks(multiple=5, count=2)


def test_a_nacked_delivery_does_not_block_the_front_and_is_not_acked() -> None:
    ledger = ledger_with(range(1, 5))
    ledger.settled(2)  # nacked (requeued) on its own
    ledger.finished(1, now=0)
    ledger.finished(3, now=0)
    assert ledger.take(now=0) == Acks(multiple=3, count=2)
    ledger.settled(4)
    assert ledger.take(now=0) == Acks()  # the front is all settled: nothing left to ack


def test_the_multiple_ack_names_a_due_tag_even_when_settled_ones_follow_it() -> None:
    ledger = ledger_with(range(1, 4))
    ledger.finished(1, now=0)
    ledger.settled(2)
    ledger.settled(3)
    assert ledger.take(now=0) == Acks(multiple=1, count=1)  # never a tag the broker no longer holds


def test_acks_held_behind_a_slow_delivery_go_one_by_one_beyond_the_hold() -> None:
    ledger = ledger_with(range(1, 8), hold=3)
    for tag in (2, 3, 4):
        ledger.finished(tag, now=0)
    assert ledger.take(now=0) == Acks()  # 3 held: within the hold
    ledger.finished(5, now=0)
    assert ledger.take(now=0) == Acks(singles=(2, 3, 4, 5), count=4)
    ledger.finished(1, now=0)
    ledger.finished(6, now=0)
    assert ledger.take(now=0) == Acks(multiple=6, count=2)  # 2-5 are acked already: 1 and 6 remain


def test_acks_held_too_long_go_one_by_one() -> None:
    ledger = ledger_with(range(1, 4), hold=10, max_wait=1.0)
    ledger.finished(2, now=100.0)
    ledger.finished(3, now=100.5)
    assert ledger.take(now=100.9) == Acks()
    assert ledger.take(now=101.0) == Acks(singles=(2, 3), count=2)
    assert ledger.due == 0


def test_everything_due_goes_out_before_the_channel_closes() -> None:
    ledger = ledger_with(range(1, 4))
    ledger.finished(1, now=0)
    ledger.finished(3, now=0)
    assert ledger.take(now=0, everything=True) == Acks(multiple=1, singles=(3,), count=2)
