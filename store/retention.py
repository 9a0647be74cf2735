"""Keeping sync reports only ``REPORTS_RETENTION_DAYS``: every consumer process prunes them hourly.

Reports hold error texts (scrubbed of secrets and personal data, see docs/operations.md "Personal data"),
record keys and event ids; they are kept for the operator's questions, not for ever. Several consumer
processes pruning at once is harmless: each deletes what is older than the cut-off, in small batches.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading

import sqlalchemy as sa

from store.reports import ReportStore

log = logging.getLogger(__name__)

PRUNE_INTERVAL = 3600.0  # seconds between prunes


class ReportPruner:
    """A daemon thread deleting reports older than ``days`` days now and every ``interval`` seconds."""

    def __init__(self, store: ReportStore, days: int, interval: float = PRUNE_INTERVAL) -> None:
        self.store = store
        self.retention = dt.timedelta(days=days)
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="report-pruner", daemon=True)

    def start(self) -> ReportPruner:
        self._thread.start()
        return self

    def prune_once(self) -> int:
        """Delete the reports older than the retention; a database failure is logged (tried again later)."""
        try:
            return self.store.prune(self.retention)
        except sa.exc.SQLAlchemyError as error:
            log.warning("could not prune sync reports (%s); trying again in %g s",
                        getattr(error, "orig", error), self._interval)
            return 0

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        self.prune_once()
        while not self._stop.wait(self._interval):
            self.prune_once()
