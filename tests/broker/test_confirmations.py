"""Confirmations: a publishing thread sees the broker's answer once, whichever thread settles it."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest

from broker.confirmations import Confirmation, FutureConfirmation, Ledger, Outgoing
from core.errors import BrokerUnavailable, MessageUnroutable


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


def outgoing(message_id: str) -> Outgoing:
    return Outgoing("magento.events", "stock.save", b"{}", SimpleNamespace(message_id=message_id), Confirmation())


def error_of(message: Outgoing) -> BrokerUnavailable | None:
    assert isinstance(message.confirmation, Confirmation)
    return message.confirmation.error


def test_the_ledger_knows_since_when_confirms_are_awaited() -> None:
    ledger, first, second, third = Ledger(), outgoing("m1"), outgoing("m2"), outgoing("m3")
    assert ledger.waiting_since is None
    ledger.sent(first)
    started = ledger.waiting_since
    ledger.sent(second)
    assert ledger.waiting_since == started is not None  # the oldest outstanding publish counts
    ledger.confirmed(1, multiple=False, acked=True)
    assert ledger.waiting_since is not None and ledger.waiting_since >= started  # a confirm came back
    ledger.sent(third)
    ledger.confirmed(3, multiple=True, acked=True)
    assert ledger.waiting_since is None
    assert [o.confirmation.done() and o.confirmation.error for o in (first, second, third)] == [None] * 3


def test_the_ledger_settles_returns_nacks_and_failures() -> None:
    ledger, returned, nacked, lost = Ledger(), outgoing("m1"), outgoing("m2"), outgoing("m3")
    for message in (returned, nacked, lost):
        ledger.sent(message)
    ledger.returned("stock.save", "m1")
    ledger.confirmed(1, multiple=False, acked=True)
    ledger.confirmed(2, multiple=False, acked=False)
    ledger.fail_all(BrokerUnavailable("the broker connection was lost"))
    assert isinstance(error_of(returned), MessageUnroutable)
    assert "nack" in error_of(nacked).message
    assert "lost" in error_of(lost).message and ledger.waiting_since is None
