"""Confirmations: a publishing thread sees the broker's answer once, whichever thread settles it."""

from __future__ import annotations

import threading

import pytest

from bridge.confirmations import Confirmation, FutureConfirmation
from core.errors import BrokerUnavailable


def test_a_waiting_thread_wakes_when_another_thread_settles() -> None:
    confirmation = Confirmation()
    threading.Timer(0.05, confirmation.settle, args=(None,)).start()
    assert confirmation.wait(5)
    assert confirmation.done() and confirmation.error is None


def test_an_unsettled_confirmation_times_out() -> None:
    confirmation = Confirmation()
    assert not confirmation.wait(0.01)
    assert not confirmation.done()


def test_the_first_answer_wins() -> None:
    confirmation = Confirmation()
    refused = BrokerUnavailable("nack")
    confirmation.settle(refused)
    confirmation.settle(None)  # a late ack after a failure must not turn it into a success
    assert confirmation.wait(0) and confirmation.error is refused


def test_a_future_confirmation_carries_the_error_or_the_success() -> None:
    failed, succeeded = FutureConfirmation(), FutureConfirmation()
    failed.settle(BrokerUnavailable("connection lost"))
    failed.settle(None)
    succeeded.settle(None)
    with pytest.raises(BrokerUnavailable, match="connection lost"):
        failed.future.result(0)
    assert succeeded.future.result(0) is None and succeeded.done()
