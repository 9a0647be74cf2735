"""The reconciler: catch the changes whose webhook Magento never sent (CSV imports, mass actions, MSI updates).

Each poll of an entity lists the records with ``updated_at >= watermark - RECONCILE_OVERLAP`` (the first poll,
with no watermark, looks back ``RECONCILE_LOOKBACK``), key-paged like the backfill, and publishes a ``save``
notification (``source`` = ``reconcile``) for each record whose version is new to the bridge. The event id is
``reconcile-<entity>-<key>-<updated_at>``: the same version always gets the same id.

What is not published again: a record whose ``updated_at`` the ERP already has (``sync_state`` of the
configured ERP backend holds that version or a newer one), and a version this process published in an
earlier poll (remembered while it is inside the overlap window). So the overlap re-reads recent records
every poll but re-publishes only what the consumers have not synced yet; a ``--once`` run has no memory of
earlier polls and relies on ``sync_state`` alone.

The watermark moves only after every page of the poll was published and confirmed (pages are in key order,
not time order, so an earlier move could skip a record on a later page after a crash). It becomes the newest
``updated_at`` seen, but never later than the poll's start on this machine's clock: a record changed during
the poll, on a page already passed, has an ``updated_at`` after that start and is read by the next poll.
Magento's ``updated_at`` has one-second resolution; the filter is inclusive (``gteq``), so records sharing
the boundary second are read again rather than missed. This is safe while this machine's clock and
Magento's differ by less than ``RECONCILE_OVERLAP``.

Stock has no ``updated_at`` anywhere in Magento's lists (an MSI source update touches nothing a list can
filter on): a stock reconcile is a full pass over the products list, one ``stock`` notification per SKU,
run at most every ``full_pass_every`` seconds (1 h by default); its "watermark" is the time of the last pass.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from core import parsing
from core.entities import ListEndpoint
from core.errors import BrokerUnavailable, MagentoError, MagentoNotFound
from magento.paging import iterate
from magento.records import list_endpoint
from magento.search_criteria import SearchCriteria
from ops.publishing import Publishing, listed_key, occurred_at, publish_all, reconcile_event_id
from ops.rounds import DONE, FAILED, INTERRUPTED
from schemas.notification import Notification
from store.db import Engine
from store.positions import Watermark, Watermarks
from store.sync_state import synced_versions

if TYPE_CHECKING:
    from core.settings import Settings
    from magento.client import MagentoClient

log = logging.getLogger(__name__)

SKIPPED, NOT_DUE = "skipped", "not due"  # besides ops.rounds' DONE, FAILED and INTERRUPTED
FULL_PASS_EVERY = 3600.0


@dataclasses.dataclass
class PollResult:
    """One entity's poll: what was published, what was known already, and the watermark after it."""

    entity: str
    status: str
    published: int = 0
    known: int = 0  # versions the ERP already has, or this process published before
    window_from: str | None = None
    watermark: str | None = None
    reason: str | None = None
    broker_failed: bool = False


@dataclasses.dataclass(frozen=True)
class Timing:
    """The reconcile windows, in seconds."""

    lookback: float = 86400.0
    overlap: float = 120.0
    full_pass_every: float = FULL_PASS_EVERY

    @classmethod
    def from_settings(cls, settings: Settings, full_pass_every: float = FULL_PASS_EVERY) -> Timing:
        return cls(settings.reconcile_lookback, settings.reconcile_overlap, full_pass_every)


class Reconciler:
    """Polls entities for changes; ``stop`` (set by a signal handler) ends a poll between pages."""

    def __init__(self, client: MagentoClient, publisher: Publishing, engine: Engine, *, erp_backend: str,
                 timing: Timing = Timing(), batch_size: int = 100, batch_delay: float = 0.0,
                 clock: Callable[[], dt.datetime] = parsing.utc_now, sleep: Callable[[float], object] | None = None,
                 stop: threading.Event | None = None, publish_retry: dict[str, Any] | None = None) -> None:
        self.client, self.publisher, self.engine = client, publisher, engine
        self.watermarks, self.erp_backend, self.timing = Watermarks(engine), erp_backend, timing
        self.stop = stop or threading.Event()
        self.batch_size, self.batch_delay, self.clock = batch_size, batch_delay, clock
        self.sleep = self.stop.wait if sleep is None else sleep  # a stop request cuts a pause short
        self.publish_retry = publish_retry
        self._recent: dict[str, dict[tuple[str, str], None]] = {}  # entity -> {(key, updated_at)} published
        self._poll_stamp = ""  # the running poll's start, the version of a record listed without updated_at

    def run_forever(self, entities: Iterable[str], interval: float,
                    monotonic: Callable[[], float] = time.monotonic) -> None:
        """Poll every ``interval`` seconds (from the start of one round to the next) until ``stop`` is set."""
        entities = tuple(entities)
        log.info("reconciler started: %s every %g s", ", ".join(entities), interval)
        while not self.stop.is_set():
            started = monotonic()
            self.run_once(entities)
            if self.stop.wait(max(0.0, interval - (monotonic() - started))):
                break
        log.info("reconciler stopped")

    def run_once(self, entities: Iterable[str]) -> list[PollResult]:
        """One poll of each entity; a broker failure ends the round (the others would fail alike)."""
        results: list[PollResult] = []
        for entity in entities:
            if self.stop.is_set():
                results.append(PollResult(entity, INTERRUPTED, reason="stopped before its poll"))
                continue
            result = self.poll(entity)
            results.append(result)
            if result.broker_failed:
                polled = {done.entity for done in results}
                results.extend(PollResult(rest, FAILED, reason="not polled: the broker is unavailable")
                               for rest in entities if rest not in polled)
                break
        return results

    def poll(self, entity: str) -> PollResult:
        """Publish what changed in ``entity`` since its watermark; the watermark moves once all is confirmed."""
        endpoint = list_endpoint(entity)
        try:
            if endpoint.updated_field is None:
                return self._full_pass(entity, endpoint)
            return self._changes(entity, endpoint)
        except MagentoError as error:
            return self._failed(entity, error)
        except BrokerUnavailable as error:
            log.error("reconcile %s failed: the broker did not confirm: %s", entity, error.message)
            return PollResult(entity, FAILED, reason=f"the broker did not confirm: {error.message}",
                              broker_failed=True)

    # ---- changed records -----------------------------------------------------------------------
    def _changes(self, entity: str, endpoint: ListEndpoint) -> PollResult:
        started = self.clock()
        self._poll_stamp = parsing.magento_timestamp(started)
        mark = self.watermarks.load(entity)
        window_from = (parsing.utc_datetime(mark.watermark) - dt.timedelta(seconds=self.timing.overlap) if mark
                       else started - dt.timedelta(seconds=self.timing.lookback))
        result = PollResult(entity, DONE, window_from=parsing.magento_timestamp(window_from))
        assert endpoint.updated_field is not None  # endpoints without one get a full pass instead
        criteria = _projection(endpoint).where(endpoint.updated_field, result.window_from, "gteq")
        newest: str | None = None
        for batch in iterate(self.client, endpoint, criteria, batch_size=self.batch_size,
                             batch_delay=self.batch_delay, sleep=self.sleep):
            versions = [(listed_key(endpoint, entity, item), _version(item.get(endpoint.updated_field)))
                        for item in batch.items]
            newest = max([newest or "", *(version for _key, version in versions if version)]) or None
            self._publish_new(entity, endpoint, batch.items, versions, result)
            if self.stop.is_set() and batch.remaining:
                result.status, result.reason = INTERRUPTED, "stopped between pages; the watermark did not move"
                return result
        result.watermark = self._moved_watermark(entity, mark, newest, started, result.published)
        self._forget_before(entity, result.watermark)
        log.info("reconcile %s: %d published, %d already known, since %s; watermark %s", entity, result.published,
                 result.known, result.window_from, result.watermark)
        return result

    def _publish_new(self, entity: str, endpoint: ListEndpoint, items: list[dict[str, Any]],
                     versions: list[tuple[str | None, str | None]], result: PollResult) -> None:
        synced = self._synced_versions(entity, [key for key, _version in versions if key])
        recent = self._recent.setdefault(entity, {})
        fresh: list[tuple[Notification, str | None]] = []
        for item, (key, version) in zip(items, versions):
            if key is None:
                log.warning("reconcile %s: a listed record has no usable %s (%r)", entity, endpoint.record_key,
                            item.get(endpoint.record_key))
                continue
            if version and ((key, version) in recent or (synced.get(key) or "") >= version):
                result.known += 1
                continue
            fresh.append((Notification(id=reconcile_event_id(entity, key, version or self._poll_stamp),
                                       entity=entity,
                                       action="save", key=key, occurred_at=occurred_at(endpoint, item),
                                       source="reconcile"), version))
        publish_all(self.publisher, [note for note, _version in fresh], self.publish_retry)
        recent.update(((note.key, version), None) for note, version in fresh if version)
        result.published += len(fresh)

    def _moved_watermark(self, entity: str, mark: Watermark | None, newest: str | None, started: dt.datetime,
                         published: int) -> str:
        ceiling = parsing.magento_timestamp(started)
        candidate = min(newest, ceiling) if newest else ceiling
        watermark = max(candidate, mark.watermark) if mark else candidate
        total = (mark.published if mark else 0) + published
        self.watermarks.save(Watermark(entity, watermark, self.clock(), total))
        return watermark

    def _forget_before(self, entity: str, watermark: str) -> None:
        """Drop remembered versions older than the next window: they can no longer be listed again."""
        floor = parsing.magento_timestamp(parsing.utc_datetime(watermark) - dt.timedelta(seconds=self.timing.overlap))
        recent = self._recent.get(entity, {})
        for key_version in [kv for kv in recent if kv[1] < floor]:
            del recent[key_version]

    def _synced_versions(self, entity: str, keys: list[str]) -> dict[str, str]:
        """The version the ERP holds for each of ``keys`` (records written and not deleted)."""
        return synced_versions(self.engine, self.erp_backend, entity, keys)

    # ---- stock: full passes ---------------------------------------------------------------------
    def _full_pass(self, entity: str, endpoint: ListEndpoint) -> PollResult:
        started = self.clock()
        mark = self.watermarks.load(entity)
        if mark and (started - mark.last_run_at).total_seconds() < self.timing.full_pass_every:
            return PollResult(entity, NOT_DUE, watermark=mark.watermark,
                              reason=f"full pass at most every {self.timing.full_pass_every:g} s")
        stamp = parsing.magento_timestamp(started)
        result = PollResult(entity, DONE)
        for batch in iterate(self.client, endpoint, _projection(endpoint), batch_size=self.batch_size,
                             batch_delay=self.batch_delay, sleep=self.sleep):
            keys = [listed_key(endpoint, entity, item) for item in batch.items]
            notes = [Notification(id=reconcile_event_id(entity, key, stamp), entity=entity, action="save", key=key,
                                  source="reconcile") for key in keys if key]
            publish_all(self.publisher, notes, self.publish_retry)
            result.published += len(notes)
            if self.stop.is_set() and batch.remaining:
                result.status, result.reason = INTERRUPTED, "stopped between pages; the next pass starts over"
                return result
        result.watermark = stamp
        self.watermarks.save(Watermark(entity, stamp, started, (mark.published if mark else 0) + result.published))
        log.info("reconcile %s: full pass published %d", entity, result.published)
        return result

    def _failed(self, entity: str, error: MagentoError) -> PollResult:
        if isinstance(error, MagentoNotFound) and error.route_missing:
            log.warning("reconcile %s skipped: its Magento endpoint does not exist (module disabled?): %s",
                        entity, error.message)
            return PollResult(entity, SKIPPED, reason=f"endpoint missing (module disabled?): {error.message}")
        log.error("reconcile %s failed, the watermark did not move: %s", entity, error.message)
        return PollResult(entity, FAILED, reason=error.message)


def _projection(endpoint: ListEndpoint) -> SearchCriteria:
    names = dict.fromkeys([endpoint.item_key, endpoint.record_key, endpoint.updated_field])
    return SearchCriteria().project(f"items[{','.join(name for name in names if name)}],total_count")


def _version(raw: Any) -> str | None:
    """Magento's ``updated_at`` in its sortable UTC form, or None when it is absent or unreadable."""
    try:
        return parsing.magento_timestamp(parsing.utc_datetime(str(raw))) if raw else None
    except ValueError:
        return None
