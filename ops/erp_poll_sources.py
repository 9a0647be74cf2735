"""The ERP poller's sources: one Odoo model from its ``write_date`` watermark, or the HTTP ERP's change feed.

Both publish a page, wait for the broker's confirms of all of it, and only then save the source's state in
``erp_watermarks`` (``store.erp_watermarks``, compare-and-set): a crash or a broker that does not confirm
leaves the watermark where it was, and the next poll publishes the page again under the same event ids.
Failures are returned as a FAILED ``PollResult`` (the loop logs them once per outage), never raised.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any

from core import parsing
from core.errors import BrokerUnavailable, ErpError
from erp.http_changes import HttpChangeFeed
from erp.odoo.changes import EPOCH, FROM_NEWEST, OdooChanges, Position, first_position, product_of
from ops.erp_poll import (
    DONE,
    FAILED,
    INTERRUPTED,
    SYNCED_FROM_ERP,
    PollResult,
    feed_notifications,
    odoo_stock_notifications,
)
from ops.publishing import Publishing, publish_all
from schemas.notification import Notification
from store.erp_watermarks import ErpWatermarks
from store.poll_window import DEFAULT_OVERLAP, PollMark, fresh_rows, read_from

log = logging.getLogger(__name__)
HTTP_SOURCE = "http:changes"
DEFAULT_LIMIT = 100


class _Publishing:
    """What both sources share: the publisher, its retry, the watermarks and the clock."""

    def __init__(self, publisher: Publishing, watermarks: ErpWatermarks, *, limit: int = DEFAULT_LIMIT,
                 publish_retry: dict[str, Any] | None = None,
                 clock: Callable[[], dt.datetime] = parsing.utc_now) -> None:
        if limit < 1:
            raise ValueError("the page size must be 1 or more")
        self.publisher, self.watermarks, self.limit = publisher, watermarks, limit
        self.publish_retry, self.clock = publish_retry, clock

    def publish(self, notes: Sequence[Notification]) -> None:
        """Publish and return once the broker confirmed every one (raises BrokerUnavailable)."""
        publish_all(self.publisher, notes, self.publish_retry)

    def guarded(self, name: str, poll: Callable[[PollResult], PollResult]) -> PollResult:
        result = PollResult(name)
        try:
            return poll(result)
        except BrokerUnavailable as error:
            result.status, result.broker_failed = FAILED, True
            result.reason = f"the broker did not confirm: {error.message}"
        except ErpError as error:
            result.status, result.reason = FAILED, f"{type(error).__name__}: {error.message}"
        return result


class OdooSource(_Publishing):
    """One watched Odoo model (``odoo:<model>``), read from its watermark minus ODOO_POLL_OVERLAP."""

    def __init__(self, changes: OdooChanges, model: str, publisher: Publishing, watermarks: ErpWatermarks, *,
                 overlap: float = DEFAULT_OVERLAP, **options: Any) -> None:
        super().__init__(publisher, watermarks, **options)
        self.changes, self.model, self.overlap = changes, model, overlap
        self.name = f"odoo:{model}"

    def poll(self, stop: threading.Event) -> PollResult:
        return self.guarded(self.name, lambda result: self._poll(result, stop))

    def _poll(self, result: PollResult, stop: threading.Event) -> PollResult:
        mark = self.watermarks.load(self.name) or PollMark(self.name)
        if mark.write_date is None and self.model in FROM_NEWEST:
            return self._start_at_newest(result)
        since = read_from(mark, self.overlap)
        result.read_from, result.watermark = since, mark.write_date
        position: Position | None = first_position(since)
        while True:
            rows = self.changes.page(self.model, since, position, self.limit)
            mark = self._publish_page(mark, rows, result)
            result.watermark = mark.write_date
            if len(rows) < self.limit:
                return result
            position = (position or Position(rows[-1]["write_date"], frozenset())).after(rows)
            if stop.is_set():
                result.status, result.reason = INTERRUPTED, "stopped between pages (watermark: the last confirmed page)"
                return result

    def _start_at_newest(self, result: PollResult) -> PollResult:
        """A first poll that skips the model's history: the watermark starts at its newest row."""
        newest = self.changes.newest_write_date(self.model) or EPOCH
        self.watermarks.advance(PollMark(self.name, write_date=newest), self.clock())
        result.watermark = newest
        result.reason = "first poll: started at the newest row (the quants announce the stock on hand)"
        return result

    def _publish_page(self, mark: PollMark, rows: list[dict[str, Any]], result: PollResult) -> PollMark:
        """Publish the page's fresh rows, one notification per SKU; the state is saved once confirmed."""
        page = fresh_rows(mark, self.model, rows, self.overlap)
        result.repeats += page.repeats
        skus = self.changes.skus(product for row in page.rows if (product := product_of(row)) is not None)
        notes, unknown = odoo_stock_notifications(self.model, page.rows, skus)
        if unknown:
            log.warning("erp-poll %s: %d changed row(s) of products without an Internal Reference "
                        "(default_code, the Magento SKU) skipped", self.name, unknown)
        self.publish(notes)
        if page.rows and not self.watermarks.advance(page.mark, self.clock()):
            log.info("erp-poll %s: another poller saved a newer watermark; keeping it", self.name)
        result.published += len(notes)
        return page.mark


class HttpFeedSource(_Publishing):
    """The HTTP ERP's change feed (``http:changes``), read from its stored cursor."""

    name = HTTP_SOURCE

    def __init__(self, feed: HttpChangeFeed, publisher: Publishing, watermarks: ErpWatermarks, *,
                 entities: Sequence[str] = SYNCED_FROM_ERP, **options: Any) -> None:
        super().__init__(publisher, watermarks, **options)
        self.feed, self.entities = feed, tuple(entities)

    def poll(self, stop: threading.Event) -> PollResult:
        return self.guarded(self.name, lambda result: self._poll(result, stop))

    def _poll(self, result: PollResult, stop: threading.Event) -> PollResult:
        mark = self.watermarks.load(self.name) or PollMark(self.name)
        result.read_from = result.watermark = mark.cursor
        while True:
            page = self.feed.page(mark.cursor, self.limit)
            notes, skipped = feed_notifications(page.changes, self.entities)
            if skipped:
                log.info("erp-poll %s: skipped %s", self.name,
                         ", ".join(f"{count} {reason}" for reason, count in sorted(skipped.items())))
            self.publish(notes)
            result.published += len(notes)
            if not page.next or page.next == mark.cursor:  # nothing new (or a feed that did not move on)
                return result
            moved = PollMark(self.name, cursor=page.next, published=mark.published + len(notes))
            if not self.watermarks.advance_cursor(moved, mark.cursor, self.clock()):
                result.status, result.reason = INTERRUPTED, "another poller moved the cursor first"
                return result
            mark = moved
            result.watermark = mark.cursor
            if len(page.changes) < self.limit:
                return result
            if stop.is_set():
                result.status, result.reason = INTERRUPTED, "stopped between pages"
                return result


__all__ = ["DONE", "HTTP_SOURCE", "HttpFeedSource", "OdooSource"]
