"""Keeping sync reports only ``REPORTS_RETENTION_DAYS``: every consumer process prunes them hourly.

``Pruner`` is the same thread for any store with a ``prune(age) -> int`` (the echo guard's fingerprints too);
``ReportPruner`` is the one for reports.

Reports hold error texts (scrubbed of secrets and personal data, see docs/operations.md "Personal data"),
record keys and event ids; they are kept for the operator's questions, not for ever. Several consumer
processes pruning at once is harmless: each deletes what is older than the cut-off, in small batches.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from typing import Protocol

import sqlalchemy as sa

log = logging.getLogger(__name__)

PRUNE_INTERVAL = 3600.0  # seconds between prunes


class Prunable(Protocol):
    def prune(self, older_than: dt.timedelta) -> int: ...


class Pruner:
    """A daemon thread deleting ``what`` older than ``days`` days now and every ``interval`` seconds."""

    what = "rows"
    thread_name = ""

    def __init__(self, store: Prunable, days: float, interval: float = PRUNE_INTERVAL,
                 what: str | None = None) -> None:
        self.store = store
        self.retention = dt.timedelta(days=days)
        self.what = what or self.what
        self._interval = interval
        self._stop = threading.Event()
        name = self.thread_name or f"{self.what.replace(' ', '-')}-pruner"
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> Pruner:
        self._thread.start()
        return self

    def prune_once(self) -> int:
        """Delete what is older than the retention; a database failure is logged (tried again later)."""
        try:
            return self.store.prune(self.retention)
        except sa.exc.SQLAlchemyError as error:
            log.warning("could not prune %s (%s); trying again in %g s",
                        self.what, getattr(error, "orig", error), self._interval)
            return 0

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        self.prune_once()
        while not self._stop.wait(self._interval):
            self.prune_once()


class ReportPruner(Pruner):
    """The pruner of sync reports (``REPORTS_RETENTION_DAYS``)."""

    what = "sync reports"
    thread_name = "report-pruner"
