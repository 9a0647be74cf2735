"""Turning listed Magento records into notifications and publishing a page of them, confirmed, to the same
exchange the webhooks use (``magento.events``, routing key ``<entity>.save``), so retries, dead letters and
reports apply unchanged. Used by the backfill and the reconciler.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import logging
from collections.abc import Sequence
from typing import Any, Protocol

import tenacity

from broker.topology import events_exchange
from core import parsing
from core.entities import ListEndpoint
from core.errors import BrokerUnavailable, MessageUnroutable
from schemas.notification import MAX_ID_BYTES, Notification, key_problem, normalise_key

log = logging.getLogger(__name__)

# A page whose publishes the broker refused is published again, whole (same event ids), for up to 30 s.
PUBLISH_RETRY: dict[str, Any] = {
    "stop": tenacity.stop_after_delay(30),
    "wait": tenacity.wait_exponential(multiplier=0.25, max=5),
    "retry": tenacity.retry_if_exception_type(BrokerUnavailable)
    & tenacity.retry_if_not_exception_type(MessageUnroutable),
    "reraise": True,
}
CONFIRM_TIMEOUT = 30.0
_HASHED = "sha256-"


class Publishing(Protocol):
    """What is needed of ``broker.publisher.Publisher``."""

    def publish_async(self, exchange: str, routing_key: str, body: bytes, *, message_id: str,
                      headers: dict[str, Any] | None = None) -> concurrent.futures.Future: ...


def event_id(prefix: str, key: str, suffix: str = "") -> str:
    """``{prefix}-{key}{suffix}``, or with the key replaced by ``sha256-<hex>`` of it when the id would exceed
    an AMQP message id's 255 bytes (UTF-8): long keys still publish, under an id as stable as the key. A key
    that itself starts ``sha256-`` is hashed too, so no plain key can take a hashed key's id."""
    plain = f"{prefix}-{key}{suffix}"
    if len(plain.encode("utf-8")) <= MAX_ID_BYTES and not key.startswith(_HASHED):
        return plain
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
    return f"{prefix}-{_HASHED}{digest}{suffix}"


def backfill_event_id(run_id: str, entity: str, key: str) -> str:
    """``backfill-<run>-product-WB-RED``: one id per record and backfill run."""
    return event_id(f"backfill-{run_id}-{entity}", key)


def reconcile_event_id(entity: str, key: str, version: str) -> str:
    """``reconcile-product-WB-RED-20240501T100000Z``: one id per (entity, key, version)."""
    stamp = version.replace("-", "").replace(":", "").replace(" ", "T")
    return event_id(f"reconcile-{entity}", key, f"-{stamp}Z")


def listed_key(endpoint: ListEndpoint, entity: str, item: dict[str, Any]) -> str | None:
    """The notification key of a listed record (SKU or numeric id), or None when the item has no usable one."""
    raw = item.get(endpoint.record_key)
    try:
        key = normalise_key(entity, raw)
    except ValueError:
        return None
    return None if key_problem(entity, key) else key


def occurred_at(endpoint: ListEndpoint, item: dict[str, Any]) -> str | None:
    """The record's ``updated_at`` as ISO 8601 UTC, when the list has one and it reads as a time."""
    raw = item.get(endpoint.updated_field) if endpoint.updated_field else None
    try:
        return parsing.iso(parsing.utc_datetime(str(raw))) if raw else None
    except ValueError:
        return None


def publish_all(publisher: Publishing, notifications: Sequence[Notification],
                retry: dict[str, Any] | None = None, timeout: float = CONFIRM_TIMEOUT) -> None:
    """Publish every notification and return once the broker confirmed them all (raises BrokerUnavailable)."""
    if notifications:
        tenacity.Retrying(**(retry or PUBLISH_RETRY))(_publish_once, publisher, notifications, timeout)


def _publish_once(publisher: Publishing, notifications: Sequence[Notification], timeout: float) -> None:
    futures, refused = [], None
    for note in notifications:
        try:
            futures.append(publisher.publish_async(events_exchange(note.origin), note.routing_key, note.to_body(),
                                                   message_id=note.id))
        except BrokerUnavailable as error:  # what was handed over is still awaited, so nothing is in flight after
            refused = error
            break
    _, pending = concurrent.futures.wait(futures, timeout)
    if pending:
        raise BrokerUnavailable(f"the broker did not confirm {len(pending)} of {len(futures)} notifications "
                                f"within {timeout:g} s")
    errors = [future.exception() for future in futures if future.exception() is not None]
    failure = errors[0] if errors else refused
    if isinstance(failure, MessageUnroutable):
        raise MessageUnroutable(f"{failure.message}: declare the broker topology first (bridgectl topology)")
    if failure is not None:
        raise failure
