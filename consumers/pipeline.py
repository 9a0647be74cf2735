"""The per-record pipeline the runner drives: fetch from Magento, map, guard, import dependencies, upsert.

Roles (after the OCA connector): the Magento client is the adapter, ``schemas.mapping`` the mapper, the
ERP backend's ir.model.data/URL keys the binder, and ``Pipeline`` the importer. It is called with every
notification waiting for one record, and always fetches the record fresh, so the latest state wins.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from consumers import stock_keys
from consumers.dispatch import Outcome
from consumers.router import Router, StreamHandler
from core.errors import MagentoNotFound, MagentoUnavailable, MappingError, RecordBusy
from core.logs import scrub_stored
from core.outcomes import SKIPPED, SYNCED
from erp.base import ErpBackend
from erp.factory import build_backend
from magento.records import fetch_record, list_endpoint
from schemas.mapping import document_hash, document_version, map_record
from schemas.notification import Notification
from store.db import ensure_schema, make_engine
from store.reports import ReportStore, ReportWriter
from store.retention import ReportPruner
from store.sync_state import Lease, SyncStateStore

if TYPE_CHECKING:
    from core.settings import Settings
    from magento.client import MagentoClient

log = logging.getLogger(__name__)

HOST = socket.gethostname()


def lease_owner() -> str:
    """Who holds a record's lease: this host, process and thread (so a dead local holder can be recognised)."""
    return f"{HOST}:{os.getpid()}:{threading.get_ident()}"


@dataclasses.dataclass
class Pipeline:
    """Fetch → map → staleness/unchanged guard → dependencies → upsert → remember, for one record at a time."""

    client: MagentoClient
    backend: ErpBackend
    state: SyncStateStore
    noncritical: frozenset[str] = frozenset()
    lease_ttl: float = 150.0
    max_dependency_depth: int = 12  # a category tree's ancestors are imported one level at a time
    lease_wait: float = 10.0  # another worker importing the same dependency usually finishes in well under 1 s

    def handle(self, notifications: list[Notification]) -> Outcome:
        """The runner's handler: every notification is for the same record.

        A stock notification keyed by product id is first resolved to its SKU (``consumers.stock_keys``),
        then handled as the stock notification of that SKU; the outcome carries the SKU for the reports.
        """
        first = notifications[0]
        try:
            resolved = stock_keys.resolve(self.client, first)
            if resolved is None:
                log.info("skipped stock of product %s: Magento no longer has the product", first.key)
                return Outcome(SKIPPED, stock_keys.unmatched(first))
            with self._lease(resolved.entity, resolved.key) as lease:
                outcome = self.sync(resolved.entity, resolved.key, lease=lease, store_code=_store_code(notifications))
        except (MagentoUnavailable, MagentoNotFound) as error:
            if first.entity in self.noncritical and _endpoint_unavailable(error):
                log.warning("skipped %s %r: its Magento endpoint is unavailable (%s)", *first.record, error.message)
                return Outcome(SKIPPED, f"entity unavailable: {error.report_text()}")
            raise
        return outcome if resolved is first else dataclasses.replace(outcome, key=resolved.key)

    __call__ = handle

    def probe(self, entities: Sequence[str] = ("product",)) -> None:
        """The start-up check: one authenticated Magento call per list the entities need, then the ERP's
        ``preflight`` (authentication, what it depends on); raises the first error, naming what to fix."""
        paths: dict[str, list[str]] = {}
        for entity in entities:
            paths.setdefault(list_endpoint(entity).path, []).append(entity)
        for path, users in paths.items():
            try:
                self.client.request("GET", path, params=[("searchCriteria[pageSize]", "1"),
                                                         ("searchCriteria[currentPage]", "1")])
            except MagentoNotFound as error:  # a disabled module: skipped at run time when non-critical
                if not (error.route_missing and set(users) <= self.noncritical):
                    raise
                log.warning("Magento has no %s endpoint (%s): %s will be skipped", path, error.message,
                            ", ".join(users))
        self.backend.preflight()

    def sync(self, entity: str, key: str, *, lease: Lease, depth: int = 0, force: bool = False,
             store_code: str | None = None) -> Outcome:
        """Bring the ERP's copy of (entity, key) to Magento's current state under the record's ``lease``
        (``store_code``: the store view the notification named, for a product's store-view name)."""
        try:
            record = fetch_record(self.client, entity, key, store_code=store_code)
        except MagentoNotFound as error:
            if error.route_missing:
                raise
            return self._delete(entity, key, lease)
        document = map_record(entity, record)
        version, digest = document_version(entity, document), document_hash(document)
        decision = "write" if force else lease.decide(version, digest)
        if decision != "write":
            log.debug("skipped %s %r: %s", entity, key, decision)
            return Outcome(SKIPPED, decision)
        self._import_dependencies(entity, document, depth)
        erp_id = self.backend.upsert(entity, key, document)
        lease.remember_and_release(version=version, doc_hash=digest, erp_id=erp_id)
        log.debug("synced %s %r (ERP id %s)", entity, key, erp_id)
        return Outcome(SYNCED, _note(entity, document))

    def _delete(self, entity: str, key: str, lease: Lease) -> Outcome:
        self.backend.delete(entity, key)
        lease.remember_and_release(version=None, doc_hash=None, erp_id=None, deleted=True)
        log.info("deleted %s %r in the ERP: Magento no longer has it", entity, key)
        return Outcome(SYNCED, "deleted")

    def _import_dependencies(self, entity: str, document: dict[str, Any], depth: int) -> None:
        """Import what the document refers to and the ERP lacks (an order's customer and products) first."""
        for dep_entity, dep_key in self.backend.dependencies(entity, document):
            if self.backend.exists(dep_entity, dep_key):
                continue
            if depth >= self.max_dependency_depth:
                raise MappingError(f"{entity} needs {dep_entity} {dep_key!r}, which is {depth + 1} dependencies "
                                   "deep; import it first (e.g. with bridgectl backfill)")
            log.info("importing %s %r first: %s needs it", dep_entity, dep_key, entity)
            with self._lease(dep_entity, dep_key) as lease:
                self.sync(dep_entity, dep_key, lease=lease, depth=depth + 1, force=True)

    @contextlib.contextmanager
    def _lease(self, entity: str, key: str) -> Iterator[Lease]:
        """Hold the record's lease, waiting up to ``lease_wait`` s for another consumer to finish with it."""
        owner = lease_owner()
        with contextlib.ExitStack() as stack:
            yield self._acquire(stack, entity, key, owner)

    def _acquire(self, stack: contextlib.ExitStack, entity: str, key: str, owner: str) -> Lease:
        """Take the lease; a lease left by a dead process on this host is taken over at once."""
        deadline, pause = time.monotonic() + self.lease_wait, 0.02
        while True:
            try:
                return stack.enter_context(self.state.lease(entity, key, owner, self.lease_ttl))
            except RecordBusy as busy:
                if self._took_over_from_dead_holder(entity, key, owner):
                    continue
                if time.monotonic() + pause > deadline:  # retried from the first delay tier
                    raise RecordBusy(busy.message) from None
                time.sleep(pause)
                pause = min(pause * 2, 0.5)

    def _took_over_from_dead_holder(self, entity: str, key: str, owner: str) -> bool:
        holder = (self.state.get(entity, key) or {}).get("lease_owner")
        if not holder or not _is_dead_local_owner(holder):
            return False
        taken = self.state.take_over(entity, key, holder, owner, self.lease_ttl)
        if taken:
            log.warning("took over the lease of %s %r from %s, a process on this host that is gone",
                        entity, key, holder)
        return taken


def _note(entity: str, document: dict[str, Any]) -> str | None:
    """What the sync report says beside "synced": an unmanaged stock item sets no ERP quantity."""
    if entity == "stock" and document.get("manage_stock") is False:
        return "unmanaged stock: Magento does not count this item (manage_stock false), no ERP quantity set"
    return None


def _store_code(notifications: list[Notification]) -> str | None:
    """The store view the latest notification naming one named (one fetch serves the whole batch)."""
    return next((n.store_code for n in reversed(notifications) if n.store_code), None)


def _endpoint_unavailable(error: Exception) -> bool:
    """Magento could not serve the entity at all: unavailable after retries, or its route is missing."""
    return isinstance(error, MagentoUnavailable) or (isinstance(error, MagentoNotFound) and error.route_missing)


def _is_dead_local_owner(owner: str) -> bool:
    """Whether a lease owner is a process on this host that no longer runs."""
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != HOST or not pid_text.isdigit() or int(pid_text) == os.getpid():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class StoredReports:
    """The runner reporter that stores every outcome as a sync report row, at once or through a writer.

    With a ``ReportWriter`` it has ``when_stored``, so the runner acks only what is reported.
    """

    def __init__(self, sink: ReportStore | ReportWriter) -> None:
        self.sink = sink

    def __call__(self, notification: Notification, status: str, attempts: int, duration_ms: int,
                 error_class: str | None, error_text: str | None, detail: str | None) -> None:
        self.sink.record(event_id=notification.id, entity=notification.stream, key=notification.key,
                         action=notification.action, status=status, attempts=attempts, duration_ms=duration_ms,
                         error_class=error_class, error=scrub_stored(error_text), detail=scrub_stored(detail))

    def when_stored(self, callback: Callable[[], None]) -> None:
        if isinstance(self.sink, ReportWriter):
            self.sink.when_stored(callback)
        else:
            callback()


def report_to(sink: ReportStore | ReportWriter) -> StoredReports:
    """A runner reporter that stores every outcome as a sync report row (at once, or through a writer)."""
    return StoredReports(sink)


def build_handler(settings: Settings) -> tuple[Router, Callable[..., None], Callable[[], None]]:
    """(handler, reporter, close) for ``python -m consumers``: a Router holding the Magento → ERP pipeline
    (and, for streams "erp.<entity>", the ERP → Magento handler); it also has ``probe(streams)``, the
    start-up check."""
    from magento.client import MagentoClient

    engine = make_engine(settings.database_url)
    ensure_schema(engine)
    client = MagentoClient(settings)
    backend = build_backend(settings)
    state = SyncStateStore(engine, backend.name)
    pipeline = Pipeline(client, backend, state, noncritical=frozenset(settings.noncritical_entities))
    reports = ReportWriter(ReportStore(engine))
    pruner = ReportPruner(reports.store, settings.reports_retention_days).start()

    def close() -> None:
        """After the runner stopped: store the queued reports, then release every connection."""
        pruner.close()
        reports.close()
        backend.close()
        client.close()
        state.close()
        engine.dispose()

    # The ERP → Magento handlers (origin "erp") register here beside the Magento → ERP pipeline.
    handlers: dict[str | None, StreamHandler] = {None: pipeline}
    return Router(handlers), report_to(reports), close
