"""The backfill: page through each entity's Magento list and publish one notification per record.

Each page is ``BATCH_SIZE`` records sorted by the list's unique key (``magento.paging``, key paging,
``updated_at`` between ``--since`` and ``--until`` when given), with ``BATCH_DELAY`` seconds between pages. A
page's notifications go to ``magento.events`` as ``<entity>.save`` (the webhooks' path) with ``source`` =
``backfill`` and the event id ``backfill-<run>-<entity>-<key>``, so a page published again after a crash has
the same ids. The position (last key published and confirmed) is saved after every page; ``resume``
continues after it.

A page that fails: retried ``PAGE_ATTEMPTS`` times with backoff; if it still fails (and the failure is not
an outage), the page is narrowed (halved, down to one record) so everything before the failing record is
published. That record is then pinned down by its key (``ops.step_over``), reported, published by its id
when the id is its notification key (the consumer fetches it alone, and dead-letters it with Magento's error
if that fails too), and the backfill goes on after it. When it cannot be pinned down, the entity stops at
the exact resume point, reported, and the other entities go on. An
entity whose endpoint is missing (404 route: module disabled), forbidden or unauthorised is skipped with
its reason. Nothing is skipped silently: the report names the last key published and how many records
were not. A broker that refuses the notifications stops the whole run (every entity would fail alike).

Stock has no list with ``updated_at``: a stock backfill pages the products list and publishes one ``stock``
notification per SKU (the consumer fetches each stock item), ignoring ``--since``/``--until``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import threading
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from core import parsing
from core.entities import ListEndpoint
from core.errors import BrokerUnavailable, MagentoAuthError, MagentoError, MagentoForbidden, MagentoNotFound
from magento.paging import Batch, iterate
from magento.records import list_endpoint
from magento.search_criteria import SearchCriteria
from ops.backfill_report import (
    ALREADY_DONE,
    FINISHED,
    INTERRUPTED,
    SKIPPED,
    STOPPED,
    EntityReport,
    Progress,
    Request,
    Unlisted,
)
from ops.page_sizer import NARROW, PAGE_ATTEMPTS, RETRY, PageSizer
from ops.publishing import Publishing, backfill_event_id, listed_key, occurred_at, publish_all
from ops.step_over import unlistable_key
from schemas.notification import Notification
from store.positions import BackfillPositions, Position

if TYPE_CHECKING:
    from magento.client import MagentoClient

log = logging.getLogger(__name__)

PAGE_BACKOFF = 2.0  # seconds before the second try, doubled for the next
class Backfill:
    """Runs a backfill request; ``stop`` (set from a signal handler) ends it after the current page."""

    def __init__(self, client: MagentoClient, publisher: Publishing, positions: BackfillPositions, *,
                 progress: Progress | None = None, clock: Callable[[], dt.datetime] = parsing.utc_now,
                 sleep: Callable[[float], object] | None = None, stop: threading.Event | None = None,
                 publish_retry: dict[str, Any] | None = None) -> None:
        self.client, self.publisher, self.positions = client, publisher, positions
        self.progress = progress or Progress()
        self.stop = stop or threading.Event()
        self.clock, self.sleep = clock, self.stop.wait if sleep is None else sleep  # a stop cuts a pause short
        self.publish_retry = publish_retry

    def run(self, request: Request) -> list[EntityReport]:
        """Backfill every requested entity in turn; returns one report per entity."""
        reports: list[EntityReport] = []
        for index, entity in enumerate(request.entities):
            if self.stop.is_set():
                reports.append(EntityReport(entity, INTERRUPTED, reason="stopped before it started"))
                continue
            try:
                reports.append(self.entity(entity, request))
            except BrokerUnavailable as error:
                reports.append(self._broker_failed(entity, error))
                reports.extend(EntityReport(rest, STOPPED, reason="not started: the broker refused notifications")
                               for rest in request.entities[index + 1:])
                break
        return reports

    def entity(self, entity: str, request: Request) -> EntityReport:
        """Backfill one entity from its start (or stored position) to the end, or to where it must stop."""
        position, report = self._starting_position(entity, request)
        if position is None:
            return report
        endpoint = list_endpoint(entity)
        criteria = self._criteria(entity, endpoint, position, report)
        log.info("backfill %s: run %s from %s", entity, position.run_id,
                 f"after key {position.last_key}" if position.last_key is not None else "the start")
        try:
            return self._page_through(entity, endpoint, criteria, position, request, report)
        finally:
            self.progress.finish(entity)

    # ---- positions -----------------------------------------------------------------------------
    def _starting_position(self, entity: str, request: Request) -> tuple[Position | None, EntityReport]:
        stored = self.positions.load(entity)
        since, until = _text(request.since), _text(request.until)
        if request.resume and stored is not None:
            report = EntityReport(entity, STOPPED, stored.run_id, published_total=stored.published,
                                  last_key=stored.last_key)
            if stored.finished:
                report.status, report.reason = ALREADY_DONE, "already finished; run without --resume to backfill again"
                return None, report
            if (since, until) != (None, None) and (since, until) != (stored.since, stored.until):
                report.notes.append(f"resuming the stored range (since {stored.since}, until {stored.until}); "
                                    "the --since/--until given were ignored")
            return dataclasses.replace(stored, batch_size=request.batch_size), report
        report = EntityReport(entity, STOPPED)
        if request.resume:
            report.notes.append("no backfill to resume: starting from the beginning")
        elif stored is not None and not stored.finished:
            report.notes.append(f"an unfinished backfill (run {stored.run_id}, after key {stored.last_key}) "
                                "was replaced; --resume would have continued it")
        position = Position(entity, uuid.uuid4().hex[:12], since, until, request.batch_size)
        report.run_id = position.run_id
        self.positions.save(position, self.clock())
        return position, report

    def _criteria(self, entity: str, endpoint: ListEndpoint, position: Position,
                  report: EntityReport) -> SearchCriteria:
        projection = f"items[{_fields(endpoint)}],total_count"
        criteria = SearchCriteria().project(projection)
        if position.since is None and position.until is None:
            return criteria
        if endpoint.updated_field is None:
            report.notes.append(f"{entity} has no updated_at in Magento's lists: every record is published, "
                                "--since/--until do not apply")
            return criteria
        return criteria.between(endpoint.updated_field, position.since, position.until)

    # ---- paging ------------------------------------------------------------------------------
    def _page_through(self, entity: str, endpoint: ListEndpoint, criteria: SearchCriteria, position: Position,
                      request: Request, report: EntityReport) -> EntityReport:
        sizer, started = PageSizer(request.batch_size), False
        while True:
            try:
                for batch in iterate(self.client, endpoint, criteria, after=position.last_key, batch_size=sizer.size,
                                     batch_delay=request.delay, sleep=self.sleep):
                    if not started:
                        self.progress.start(entity, position.published, position.published + batch.total)
                        started = True
                    position = self._publish_page(entity, endpoint, batch, position, report)
                    report.remaining = batch.remaining
                    if self.stop.is_set() and batch.remaining:
                        return self._finish(report, position, INTERRUPTED, "interrupted: --resume continues")
                    if sizer.succeeded():
                        break  # the page size changed: page on with the new one
                else:
                    return self._finish(report, dataclasses.replace(position, finished=True), FINISHED)
            except MagentoError as error:
                if self._try_again(error, sizer, position):
                    continue
                alone = sizer.narrowing and sizer.size == 1
                stepped = self._step_over(entity, endpoint, criteria, position, report, error) if alone else None
                if stepped is None:
                    return self._stop(report, position, error, alone=alone)
                position, sizer = stepped, PageSizer(request.batch_size)

    def _try_again(self, error: MagentoError, sizer: PageSizer, position: Position) -> bool:
        """Whether to try the page again (after a pause, or narrower); False when the entity must stop."""
        if (isinstance(error, MagentoNotFound) and error.route_missing) or isinstance(
                error, (MagentoAuthError, MagentoForbidden)):
            return False
        action = sizer.failed(error)
        if action == RETRY:
            wait = PAGE_BACKOFF * 2 ** (sizer.failures - 1)
            log.warning("backfill %s: %s failed (try %d of %d), again in %g s: %s", position.entity,
                        _page_name(position), sizer.failures, PAGE_ATTEMPTS, wait, error.message)
            self.sleep(wait)
            return True
        if action == NARROW:
            log.warning("backfill %s: narrowing %s to %d records to find the failing one: %s",
                        position.entity, _page_name(position), sizer.size, error.message)
            return True
        return False

    def _step_over(self, entity: str, endpoint: ListEndpoint, criteria: SearchCriteria, position: Position,
                   report: EntityReport, error: MagentoError) -> Position | None:
        """Go on past the record Magento cannot list (published by id when that is its key); None: not found."""
        key = unlistable_key(self.client, endpoint, criteria, position.last_key)
        if key is None:
            return None
        position = dataclasses.replace(position, failed_pages=position.failed_pages + 1)
        report.failed_pages = position.failed_pages
        by_id = endpoint.record_key == endpoint.item_key
        report.unlisted.append(Unlisted(key, by_id, error.message))
        log.error("backfill %s: the record with %s %d cannot be listed (%s); %s", entity, endpoint.item_key, key,
                  error.message, "published by its id" if by_id else f"not published: its {endpoint.record_key} "
                  "cannot be read")
        if by_id:
            return self._publish_page(entity, endpoint, Batch([{endpoint.item_key: key}], key, 0, 0, 0), position,
                                      report)
        position = position.after_page(key, 0)
        self.positions.save(position, self.clock())
        return position

    def _publish_page(self, entity: str, endpoint: ListEndpoint, batch: Batch, position: Position,
                      report: EntityReport) -> Position:
        notes = []
        for item in batch.items:
            key = listed_key(endpoint, entity, item)
            if key is None:
                report.invalid_keys.append(str(item.get(endpoint.record_key)))
                log.warning("backfill %s: a listed record has no usable %s (%r); not published", entity,
                            endpoint.record_key, item.get(endpoint.record_key))
                continue
            notes.append(Notification(id=backfill_event_id(position.run_id, entity, key), entity=entity,
                                      action="save", key=key, occurred_at=occurred_at(endpoint, item),
                                      source="backfill"))
        publish_all(self.publisher, notes, self.publish_retry)
        position = position.after_page(batch.last_key, len(notes))
        self.positions.save(position, self.clock())
        report.published += len(notes)
        report.published_total, report.last_key = position.published, position.last_key
        self.progress.advance(entity, len(batch.items), None)
        return position

    # ---- endings -----------------------------------------------------------------------------
    def _finish(self, report: EntityReport, position: Position, status: str, reason: str | None = None) -> EntityReport:
        self.positions.save(position, self.clock())
        report.status, report.reason = status, reason
        report.published_total, report.last_key = position.published, position.last_key
        if status == FINISHED:
            report.remaining = 0
        log.info("backfill %s %s: %d published by this run (%d in all)%s", report.entity, status,
                 report.published, position.published, f"; {reason}" if reason else "")
        return report

    def _stop(self, report: EntityReport, position: Position, error: MagentoError, alone: bool) -> EntityReport:
        """End the entity at its last confirmed page: skipped when nothing was ever published, else stopped."""
        failed = dataclasses.replace(position, failed_pages=position.failed_pages + 1)
        report.failed_pages = failed.failed_pages
        unavailable = (isinstance(error, MagentoNotFound) and error.route_missing) or isinstance(
            error, (MagentoAuthError, MagentoForbidden))
        if unavailable:
            reason = f"{_why_unavailable(error)}: {error.message}"
        elif alone:
            reason = f"the record right after key {position.last_key} cannot be listed, even alone: {error.message}"
        elif position.last_key is None:
            reason = f"the first page cannot be listed after {PAGE_ATTEMPTS} tries: {error.message}"
        else:
            reason = f"the page after key {position.last_key} cannot be listed: {error.message}"
        status = SKIPPED if position.last_key is None else STOPPED
        log.log(logging.WARNING if status == SKIPPED else logging.ERROR, "backfill %s %s: %s", report.entity,
                status, reason)
        return self._finish(report, failed, status, reason)

    def _broker_failed(self, entity: str, error: BrokerUnavailable) -> EntityReport:
        position = self.positions.load(entity)
        log.error("backfill %s stopped: the broker refused the notifications: %s", entity, error.message)
        return EntityReport(entity, STOPPED, position.run_id if position else None,
                            published_total=position.published if position else 0,
                            last_key=position.last_key if position else None,
                            reason=f"the broker did not confirm the notifications: {error.message}")


def _fields(endpoint: ListEndpoint) -> str:
    names = dict.fromkeys([endpoint.item_key, endpoint.record_key, endpoint.updated_field])
    return ",".join(name for name in names if name)


def _text(moment: dt.datetime | None) -> str | None:
    return parsing.magento_timestamp(moment) if moment is not None else None


def _why_unavailable(error: MagentoError) -> str:
    if isinstance(error, MagentoNotFound):
        return "its Magento endpoint does not exist (module disabled or not installed)"
    if isinstance(error, MagentoForbidden):
        return "the integration may not read it (403)"
    return "Magento refused the credentials (401)"


def _page_name(position: Position) -> str:
    """The page that comes next, as a log line names it."""
    return "the first page" if position.last_key is None else f"the page after key {position.last_key}"
