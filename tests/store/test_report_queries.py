"""The reads over the sync reports that status, dlq, the demo and the benchmarks use, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from store import report_queries
from store.db import make_engine
from store.report_queries import (
    count_reports,
    last_successful_syncs,
    latest_statuses,
    report_history,
    retrying_by_entity,
)
from store.reports import ReportStore

NOW = dt.datetime.now(dt.UTC)
T0 = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)


def report(store: ReportStore, event_id: str, entity: str, status: str, at: dt.datetime, key: str = "1",
           detail: str | None = None) -> None:
    store.record(event_id=event_id, entity=entity, key=key, action="save", status=status, attempts=1,
                 duration_ms=5, detail=detail, at=at)


def ago(minutes: int) -> dt.datetime:
    return NOW - dt.timedelta(minutes=minutes)


def test_retrying_counts_events_whose_latest_report_is_retrying(engine):
    store = ReportStore(engine)
    report(store, "a", "order", "retrying", ago(20))
    report(store, "a", "order", "synced", ago(10))  # retried, then synced
    report(store, "b", "order", "retrying", ago(5))
    report(store, "c", "product", "retrying", ago(3))
    report(store, "d", "product", "retrying", ago(200))  # too old to still be in a tier
    assert retrying_by_entity(engine, NOW - dt.timedelta(minutes=40)) == {"order": 1, "product": 1}


def test_last_syncs_reads_synced_and_skipped_reports_but_not_unavailable_skips(engine):
    store = ReportStore(engine)
    rows = [("order", "7", "synced", None, 1), ("order", "7", "skipped", "unchanged", 4),
            ("order", "8", "skipped", "entity unavailable: magento answered 503", 9),
            ("order", "9", "dead", None, 9), ("product", "7", "synced", None, 2)]
    for entity, key, status, detail, minutes in rows:
        report(store, f"e-{entity}-{key}-{minutes}", entity, status, T0 + dt.timedelta(minutes=minutes), key, detail)
    found = last_successful_syncs(engine, {("order", "7"), ("order", "8"), ("order", "9"), ("order", None)})
    assert found == {("order", "7"): T0 + dt.timedelta(minutes=4)}
    assert found[("order", "7")].utcoffset() == dt.timedelta(0)


def test_last_syncs_asks_in_batches_of_keys_and_finds_every_record(engine, monkeypatch):
    monkeypatch.setattr(report_queries, "KEYS_PER_QUERY", 2)
    store = ReportStore(engine)
    for number in range(5):
        report(store, f"e{number}", "product", "synced", T0 + dt.timedelta(minutes=number), key=f"SKU-{number}")
    found = last_successful_syncs(engine, [("product", f"SKU-{number}") for number in range(6)])
    assert found == {("product", f"SKU-{number}"): T0 + dt.timedelta(minutes=number) for number in range(5)}
    assert last_successful_syncs(engine, []) == {}


def test_report_history_is_every_report_oldest_recorded_first(engine):
    store = ReportStore(engine)
    report(store, "b", "order", "retrying", T0)
    report(store, "a", "order", "synced", T0 - dt.timedelta(hours=1))  # recorded later, though earlier in time
    report(store, "b", "order", "dead", T0)
    assert report_history(engine) == [("b", "retrying"), ("a", "synced"), ("b", "dead")]


def test_latest_statuses_keep_each_events_last_report(engine):
    store = ReportStore(engine)
    for event_id, status in [("a", "retrying"), ("b", "synced"), ("a", "dead"), ("c", "retrying")]:
        report(store, event_id, "order", status, T0)
    assert latest_statuses(engine) == {"a": "dead", "b": "synced", "c": "retrying"}


def test_latest_statuses_are_empty_before_the_tables_exist(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'new.sqlite3'}")
    try:
        assert latest_statuses(engine) == {}
    finally:
        engine.dispose()


def test_count_reports_counts_all_or_all_but_one_status(engine):
    assert count_reports(engine) == 0
    store = ReportStore(engine)
    for number, status in enumerate(["synced", "synced", "dead", "skipped"]):
        report(store, f"e{number}", "order", status, T0)
    assert count_reports(engine) == 4
    assert count_reports(engine, except_status="synced") == 2
