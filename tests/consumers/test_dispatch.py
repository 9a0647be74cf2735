"""The per-record dispatcher: coalescing, one group per record at a time, the concurrency limit, fairness."""

from __future__ import annotations

import pytest

from consumers.dispatch import Dispatcher, Outcome

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
