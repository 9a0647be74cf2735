"""Reports are kept REPORTS_RETENTION_DAYS: the consumers' pruner deletes older ones."""

from __future__ import annotations

import datetime as dt

from store.db import ensure_schema, make_engine
from store.reports import ReportStore
from store.retention import ReportPruner


def test_the_pruner_deletes_reports_older_than_the_retention(sqlite_url) -> None:
    engine = make_engine(sqlite_url)
    ensure_schema(engine)
    store = ReportStore(engine)
    now = dt.datetime.now(dt.UTC)
    for event_id, days in (("old", 8), ("recent", 6)):
        store.record(event_id=event_id, entity="product", key="A", action="save", status="synced", attempts=1,
                     duration_ms=1, at=now - dt.timedelta(days=days))

    pruner = ReportPruner(store, days=7).start()
    pruner.close()  # the thread prunes once at start, then waits for the next hour or a close

    assert [row["event_id"] for row in store.query()] == ["recent"]
    assert pruner.prune_once() == 0
    engine.dispose()
