"""Dead letters as data: reading both kinds, selecting, and the replay copy."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from broker.topology import DELIVERY_LIMIT, H_ATTEMPTS, H_DEAD_AT, H_ERROR, H_ERROR_CLASS, H_FIRST_ATTEMPT_AT
from consumers.retry import Decision, dead_headers
from ops import dead_letters as d
from schemas.notification import Notification

NOTE = Notification(id="evt-42", entity="order", action="save", key="42", occurred_at="2026-03-02T09:15:00Z")
ERROR = "erp answered 422: the partner is archived"


def bridge_letter(**changes) -> d.DeadLetter:
    headers = dead_headers({}, Decision("dead", 3, None, "ErpRejected", ERROR), "2026-03-02T10:00:00.000Z")
    headers[H_FIRST_ATTEMPT_AT] = "2026-03-02T09:50:00.000Z"
    headers.update(changes)
    return d.read("order", "evt-42", headers, NOTE.to_body())


def test_a_bridge_dead_letter_shows_its_attempts_times_and_error():
    letter = bridge_letter()
    assert letter.listed() == {
        "id": "evt-42", "entity": "order", "key": "42", "attempts": 3,
        "first_attempt_at": "2026-03-02T09:50:00.000Z", "last_attempt_at": "2026-03-02T10:00:00.000Z",
        "error_class": "ErpRejected", "error": ERROR}
    assert letter.replayable and letter.dead_at == "2026-03-02T10:00:00.000Z"


def test_a_broker_dead_letter_after_the_delivery_limit_is_named_and_explained():
    died = dt.datetime(2026, 3, 2, 11, 0, 5, tzinfo=dt.UTC)
    headers = {H_ATTEMPTS: 2, H_ERROR_CLASS: "MagentoUnavailable", H_ERROR: "magento answered 503: busy",
               "x-death": [{"count": 1, "reason": "delivery_limit", "queue": "magento.order", "time": died,
                            "exchange": "", "routing-keys": [b"magento.order"]}],
               "x-delivery-count": 4, "x-first-death-reason": b"delivery_limit"}
    letter = d.read("order", "evt-42", headers, NOTE.to_body())
    assert letter.error_class == d.DELIVERY_LIMIT_EXCEEDED
    assert letter.attempts == 2 + DELIVERY_LIMIT + 1
    assert letter.dead_at == letter.last_attempt_at == "2026-03-02T11:00:05.000Z"
    assert f"after {DELIVERY_LIMIT + 1} deliveries without an acknowledgement" in letter.error
    assert "magento answered 503: busy" in letter.error
    assert letter.headers["x-death"][0]["routing-keys"] == ["magento.order"]  # bytes shown as text
    json.dumps(letter.whole())  # everything show prints is JSON


def test_a_message_without_any_error_headers_says_where_it_may_come_from():
    letter = d.read("order", None, {}, NOTE.to_body())
    assert letter.id == "evt-42"  # the notification's id stands in for a missing message id
    assert letter.error_class == "Unknown" and "other than the bridge" in letter.error


def test_a_malformed_body_is_listed_but_not_replayable():
    letter = d.read("product", None, {H_DEAD_AT: "2026-03-02T10:00:00Z", H_ERROR_CLASS: "MalformedMessage"},
                    b"not json")
    assert not letter.replayable and letter.key is None
    assert letter.id.startswith("body-sha1-") and "not JSON" in letter.problem
    with pytest.raises(ValueError, match="cannot be replayed"):
        d.replay_copy(letter, dt.datetime(2026, 3, 3, tzinfo=dt.UTC))
    assert letter.whole()["body"] == "not json"


def test_the_replay_copy_starts_a_fresh_attempt_count_and_keeps_the_history():
    letter = bridge_letter(**{"x-delivery-count": 3, d.H_REPLAYS: 1})
    now = dt.datetime(2026, 3, 3, 8, 0, tzinfo=dt.UTC)
    routing_key, body, headers = d.replay_copy(letter, now)
    assert routing_key == "magento.order"
    assert Notification.from_body(body) == Notification(**{**NOTE.to_dict(), "source": "replay"})
    assert headers == {d.H_REPLAYS: 2, d.H_REPLAYED_AT: "2026-03-03T08:00:00.000Z",
                       d.H_REPLAYED_ERROR_CLASS: "ErpRejected", d.H_REPLAYED_ERROR: ERROR}


def test_a_dead_letter_of_the_erp_stream_is_replayed_into_the_erp_queue():
    note = Notification("evt-7", "stock", "save", "MB-01", source="erp-poll", origin="erp")
    headers = dead_headers({}, Decision("dead", 1, None, "MagentoValidationError", ERROR), "2026-03-02T10:00:00.000Z")
    letter = d.read("erp.stock", "evt-7", headers, note.to_body())
    routing_key, body, _headers = d.replay_copy(letter, dt.datetime(2026, 3, 3, tzinfo=dt.UTC))
    assert (letter.entity, routing_key) == ("erp.stock", "erp.stock")
    assert Notification.from_body(body) == Notification("evt-7", "stock", "save", "MB-01", source="replay",
                                                        origin="erp")


def test_the_replay_copy_keeps_only_the_start_of_a_huge_error():
    letter = bridge_letter(**{H_ERROR: "x" * 40_000})
    _key, _body, headers = d.replay_copy(letter, dt.datetime(2026, 3, 3, tzinfo=dt.UTC))
    assert len(headers[d.H_REPLAYED_ERROR]) < d.REPLAYED_ERROR_CHARS + 60
    assert headers[d.H_REPLAYED_ERROR].endswith("[cut: 38000 more characters]")


@pytest.mark.parametrize("arguments, message", [
    ({}, "choose the dead letters"),
    ({"everything": True, "entity": "order"}, "--all cannot be combined"),
    ({"entity": "widget"}, "unknown entity"),
])
def test_a_selection_must_be_explicit(arguments, message):
    with pytest.raises(ValueError, match=message):
        d.Selection.build(**arguments)


def test_selectors_combine_entity_ids_and_time():
    letter = bridge_letter()
    assert d.Selection.build(everything=True).matches(letter)
    assert d.Selection.build(entity="order").entities == ("order",)
    assert d.Selection.build(ids=["evt-42"]).matches(letter)
    assert not d.Selection.build(ids=["evt-1"]).matches(letter)
    before = dt.datetime(2026, 3, 2, 9, 59, tzinfo=dt.UTC)
    assert d.Selection.build(since=before).matches(letter)
    assert not d.Selection.build(since=before + dt.timedelta(minutes=2)).matches(letter)
    assert not d.Selection.build(ids=["evt-42"], since=before + dt.timedelta(minutes=2)).matches(letter)
