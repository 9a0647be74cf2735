"""Intake: duplicates answered from the store, new ids published first and recorded only once confirmed."""

from __future__ import annotations

import threading

import pytest

from bridge.in_flight import InFlight
from bridge.receiver import Intake, Outcome
from bridge.rejection import Rejection
from core.errors import BrokerUnavailable, MessageUnroutable
from schemas.notification import Notification


class MemoryStore:
    def __init__(self) -> None:
        self.ids: set[str] = set()

    def seen(self, event_id: str) -> bool:
        return event_id in self.ids

    def record(self, event_id: str) -> None:
        self.ids.add(event_id)

    def close(self) -> None:
        pass


class ScriptedBroker:
    """Stands in for the broker link: records publishes, fails when told, can hold a publish until released."""

    ready = True

    def __init__(self) -> None:
        self.published: list[str] = []
        self.failure: BrokerUnavailable | None = None
        self.hold = threading.Event()
        self.hold.set()
        self.entered = threading.Event()

    def start(self) -> None:
        pass

    def health(self) -> str | None:
        return None

    def publish(self, notification: Notification) -> None:
        self.entered.set()
        self.hold.wait(5)
        if self.failure:
            raise self.failure
        self.published.append(notification.id)

    def close(self) -> None:
        pass


def note(event_id: str = "evt-1") -> Notification:
    return Notification(id=event_id, entity="product", action="save", key="MB-01")


@pytest.fixture
def parts() -> tuple[Intake, ScriptedBroker, MemoryStore]:
    broker, store = ScriptedBroker(), MemoryStore()
    return Intake(broker, store, InFlight(), wait_timeout=5), broker, store


def test_new_ids_are_published_then_recorded_and_repeats_are_duplicates(parts) -> None:
    intake, broker, store = parts
    assert intake.accept([note()]) == Outcome(("evt-1",), ())
    assert intake.accept([note()]) == Outcome((), ("evt-1",))
    assert broker.published == ["evt-1"]
    assert store.ids == {"evt-1"}


def test_a_broker_failure_is_a_503_and_nothing_is_recorded(parts) -> None:
    intake, broker, store = parts
    broker.failure = MessageUnroutable("no queue is bound for routing key 'product.save'")
    with pytest.raises(Rejection) as refused:
        intake.accept([note()])
    assert refused.value.status == 503
    assert refused.value.headers["Retry-After"].isdigit()
    assert "no queue is bound" in refused.value.details["broker"]
    assert store.ids == set()
    broker.failure = None
    assert intake.accept([note()]).accepted == ("evt-1",)  # the sender's retry goes through


def test_a_concurrent_redelivery_waits_for_the_first_and_is_a_duplicate(parts) -> None:
    intake, broker, _ = parts
    broker.hold.clear()
    outcomes: list[Outcome] = []
    first = threading.Thread(target=lambda: outcomes.append(intake.accept([note()])))
    first.start()
    assert broker.entered.wait(5)
    second = threading.Thread(target=lambda: outcomes.append(intake.accept([note()])))
    second.start()
    second.join(0.2)
    assert second.is_alive()  # waiting for the first delivery's outcome, not publishing again
    broker.hold.set()
    first.join(5)
    second.join(5)
    assert sorted(o.status for o in outcomes) == [200, 202]
    assert broker.published == ["evt-1"]


def test_a_waiting_redelivery_publishes_itself_when_the_first_failed(parts) -> None:
    intake, broker, _ = parts
    broker.hold.clear()
    broker.failure = BrokerUnavailable("the broker connection was lost")
    results: list[int] = []

    def deliver() -> None:
        try:
            results.append(intake.accept([note()]).status)
        except Rejection as rejection:
            results.append(rejection.status)
            broker.failure = None
    first = threading.Thread(target=deliver)
    first.start()
    assert broker.entered.wait(5)
    second = threading.Thread(target=deliver)
    second.start()
    broker.hold.set()
    first.join(5)
    second.join(5)
    assert sorted(results) == [202, 503]
    assert broker.published == ["evt-1"]


def test_a_batch_answers_new_and_repeated_ids_separately(parts) -> None:
    intake, broker, _ = parts
    intake.accept([note("a")])
    outcome = intake.accept([note("a"), note("b"), note("b")])
    assert outcome == Outcome(("b",), ("a",))
    assert outcome.status == 202
    assert outcome.body(batch=True) == {"accepted": ["b"], "duplicates": ["a"]}
    assert broker.published == ["a", "b"]


def test_single_answers_have_the_documented_shape() -> None:
    assert Outcome(("e",), ()).body(batch=False) == {"accepted": "e"}
    assert Outcome((), ("e",)).body(batch=False) == {"accepted": "e", "duplicate": True}
    assert Outcome((), ("e",)).status == 200
