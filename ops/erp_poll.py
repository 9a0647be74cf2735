"""The ERP poller's decisions and its loop (``bridgectl erp-poll``): what a page of ERP changes publishes.

Odoo (``ops.erp_poll_sources.OdooSource``): each page of a watched model (``stock.quant``, done
``stock.move``s) becomes ONE ``stock`` notification per SKU (``origin="erp"``, ``source="erp-poll"``), its
event id made of the SKU and the newest ``(model, id, write_date)`` of that SKU in the page, so a page
published again after a crash carries the same ids and is deduplicated downstream. The HTTP ERP's change
feed (``HttpFeedSource``): one notification per record and page, its id made of the record and the change's
cursor; entities not yet synced from the ERP are skipped with one log line per page.

The loop (``ErpPoller``) polls every source once per round; a broker failure ends the round (the others would
fail alike). An outage (the ERP or the broker) is logged once when it starts and once when it ends, not at
every round; ``--once`` prints a line per source instead.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol

from core import parsing
from core.entities import ERP, ERP_ENTITIES
from erp.odoo.changes import product_of
from ops.publishing import event_id
from ops.rounds import DONE, FAILED, INTERRUPTED
from schemas.notification import Notification, key_problem

log = logging.getLogger(__name__)

ORIGIN = ERP
SOURCE = "erp-poll"
SYNCED_FROM_ERP: tuple[str, ...] = ERP_ENTITIES  # entities the ERP -> Magento direction syncs


@dataclasses.dataclass
class PollResult:
    """One source's poll: what it published, what it dropped as already published, its watermark after."""

    source: str
    status: str = DONE
    published: int = 0
    repeats: int = 0
    read_from: str | None = None
    watermark: str | None = None
    reason: str | None = None
    broker_failed: bool = False


class Source(Protocol):
    """One thing the poller reads (an Odoo model, the HTTP change feed)."""

    name: str

    def poll(self, stop: threading.Event) -> PollResult: ...


# ---- what a page publishes (pure) --------------------------------------------------------------
def compact(write_date: str) -> str:
    """``2026-12-06 05:00:00`` -> ``20261206T050000`` (for event ids)."""
    return write_date.replace("-", "").replace(":", "").replace(" ", "T")


def odoo_stock_notifications(model: str, rows: Sequence[Mapping[str, Any]],
                             skus: Mapping[int, str]) -> tuple[list[Notification], int]:
    """One stock notification per SKU of ``rows`` (quants or moves of one page), and how many rows had no SKU.

    The event id and ``occurred_at`` come from the SKU's newest row (by ``write_date, id``).
    """
    newest: dict[str, Mapping[str, Any]] = {}
    unknown = 0
    for row in rows:
        product = product_of(dict(row))
        sku = skus.get(product) if product is not None else None
        if sku is None or key_problem("stock", sku) is not None:
            unknown += 1
            continue
        known = newest.get(sku)
        if known is None or (row["write_date"], row["id"]) >= (known["write_date"], known["id"]):
            newest[sku] = row
    notes = [_odoo_note(model, sku, row) for sku, row in newest.items()]
    return notes, unknown


def _odoo_note(model: str, sku: str, row: Mapping[str, Any]) -> Notification:
    stamp = str(row["write_date"])
    identifier = event_id(f"{SOURCE}-stock", sku, f"-{model}-{row['id']}-{compact(stamp)}")
    return Notification(id=identifier, entity="stock", action="save", key=sku, occurred_at=_iso(stamp),
                        source=SOURCE, origin=ORIGIN)


def _iso(write_date: str) -> str | None:
    try:
        return parsing.iso(parsing.utc_datetime(write_date))
    except ValueError:
        return None


def feed_notifications(changes: Iterable[Any], synced: Sequence[str] = SYNCED_FROM_ERP
                       ) -> tuple[list[Notification], dict[str, int]]:
    """One notification per record of a change feed page (its last change), and the skipped counts by reason.

    ``changes`` are ``erp.http_changes.Change``s (``entity``, ``key``, ``cursor``).
    """
    last: dict[tuple[str, str], Any] = {}
    skipped: dict[str, int] = {}
    for change in changes:
        if change.entity not in synced:
            reason = f"{change.entity} (not yet synced from the ERP)"
            skipped[reason] = skipped.get(reason, 0) + 1
        elif key_problem(change.entity, change.key) is not None:
            reason = f"{change.entity} with an unusable key"
            skipped[reason] = skipped.get(reason, 0) + 1
        else:
            last.pop((change.entity, change.key), None)
            last[(change.entity, change.key)] = change
    notes = [Notification(id=event_id(f"{SOURCE}-{change.entity}", change.key, f"-c{change.cursor}"),
                          entity=change.entity, action="save", key=change.key, source=SOURCE, origin=ORIGIN)
             for change in last.values()]
    return notes, skipped


# ---- the loop ------------------------------------------------------------------------------
class ErpPoller:
    """Polls its sources in rounds; ``stop`` (set by a signal handler) ends a poll between pages."""

    def __init__(self, sources: Sequence[Source], *, stop: threading.Event | None = None) -> None:
        self.sources = tuple(sources)
        self.stop = stop or threading.Event()
        self._outages: dict[str, str] = {}  # source -> the reason logged when its outage began

    def run_once(self) -> list[PollResult]:
        """One poll of each source; a broker failure ends the round."""
        results: list[PollResult] = []
        for source in self.sources:
            if self.stop.is_set():
                results.append(PollResult(source.name, INTERRUPTED, reason="stopped before its poll"))
                continue
            result = source.poll(self.stop)
            results.append(result)
            self._note_outage(result)
            if result.broker_failed:
                polled = {done.source for done in results}
                results.extend(PollResult(rest.name, FAILED, reason="not polled: the broker is unavailable")
                               for rest in self.sources if rest.name not in polled)
                break
        return results

    def run_forever(self, interval: float, monotonic: Callable[[], float] = time.monotonic) -> None:
        """A round every ``interval`` seconds (start to start) until ``stop`` is set."""
        log.info("ERP poller started: %s every %g s", ", ".join(source.name for source in self.sources), interval)
        while not self.stop.is_set():
            started = monotonic()
            self.run_once()
            if self.stop.wait(max(0.0, interval - (monotonic() - started))):
                break
        log.info("ERP poller stopped")

    def _note_outage(self, result: PollResult) -> None:
        """One ERROR line when a source starts failing, one INFO line when it polls again; nothing between."""
        if result.status == FAILED:
            if result.source not in self._outages:
                self._outages[result.source] = result.reason or "failed"
                log.error("erp-poll %s failed, its watermark did not move (logged once until it recovers): %s",
                          result.source, result.reason)
            else:
                log.debug("erp-poll %s still failing: %s", result.source, result.reason)
        elif result.status == DONE and self._outages.pop(result.source, None) is not None:
            log.info("erp-poll %s recovered: %d published", result.source, result.published)
