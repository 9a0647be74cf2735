"""The sync-report store on SQLite and PostgreSQL: record, query, counts, prune, threads, failures."""

from __future__ import annotations

import datetime as dt
import logging
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from core.outcomes import STATUSES
from store import reports as report_store
from store.db import ensure_schema, make_engine, sync_reports
from store.reports import ReportStore, ReportWriter

NOW = dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def store(engine) -> ReportStore:
    return ReportStore(engine)


def report(store: ReportStore, **changes) -> None:
    values = {"event_id": "evt-1", "entity": "product", "key": "24-MB01", "action": "save", "status": "synced",
              "attempts": 1, "duration_ms": 12.6, "at": NOW}
    values.update(changes)
    store.record(**values)


def test_a_recorded_outcome_comes_back_with_every_field(store):
    report(store, status="dead", attempts=8, error_class="MagentoValidationError",
           error="magento answered 400: Invalid product data: Invalid attribute set entity type",
           detail="fetch", action="delete")

    (row,) = store.query()

    assert row == {"event_id": "evt-1", "entity": "product", "key": "24-MB01", "action": "delete",
                   "status": "dead", "attempts": 8, "duration_ms": 13, "error_class": "MagentoValidationError",
                   "error": "magento answered 400: Invalid product data: Invalid attribute set entity type",
                   "detail": "fetch", "at": NOW}
    assert row["at"].tzinfo is not None


def test_at_defaults_to_now_and_other_zones_are_stored_as_utc(store):
    before = dt.datetime.now(dt.UTC)
    report(store, event_id="now", at=None)
    report(store, event_id="cet", at=dt.datetime(2026, 5, 1, 14, 0, tzinfo=dt.timezone(dt.timedelta(hours=2))))
    report(store, event_id="naive", at=dt.datetime(2026, 5, 1, 11, 0))

    rows = {row["event_id"]: row["at"] for row in store.query()}

    assert rows["now"] >= before.replace(microsecond=0)
    assert rows["cet"] == NOW
    assert rows["naive"] == NOW - dt.timedelta(hours=1)


def test_the_full_error_text_is_kept(store):
    error = "magento answered 400: " + "The value of attribute \"color\" is invalid. " * 300 + "\nsecond line"

    report(store, status="dead", error=error)

    assert store.query()[0]["error"] == error


def test_overlong_short_fields_are_cut_to_fit_their_columns(store):
    report(store, detail="d" * 400, error_class="E" * 100)

    (row,) = store.query()

    assert len(row["detail"]) == 255 and row["detail"].endswith("…")
    assert len(row["error_class"]) == 64


def test_an_unknown_status_is_a_programming_error(store):
    with pytest.raises(ValueError, match="status must be one of synced, skipped, retrying, dead"):
        report(store, status="ok")


def test_query_is_newest_first_and_filters_combine(store):
    for minutes, entity, status in [(50, "product", "synced"), (40, "stock", "dead"), (30, "product", "dead"),
                                    (20, "product", "retrying"), (10, "order", "skipped")]:
        report(store, event_id=f"evt-{minutes}", entity=entity, status=status,
               at=NOW - dt.timedelta(minutes=minutes))

    def ids(**filters):
        return [row["event_id"] for row in store.query(**filters)]

    assert ids() == ["evt-10", "evt-20", "evt-30", "evt-40", "evt-50"]
    assert ids(entity="product") == ["evt-20", "evt-30", "evt-50"]
    assert ids(status="dead") == ["evt-30", "evt-40"]
    assert ids(entity="product", status="dead") == ["evt-30"]
    assert ids(since=NOW - dt.timedelta(minutes=30)) == ["evt-10", "evt-20", "evt-30"]
    assert ids(since=NOW - dt.timedelta(minutes=30), status="dead") == ["evt-30"]
    assert ids(limit=2) == ["evt-10", "evt-20"]


def test_same_moment_reports_come_newest_recorded_first(store):
    for number in range(3):
        report(store, event_id=f"evt-{number}")

    assert [row["event_id"] for row in store.query()] == ["evt-2", "evt-1", "evt-0"]


def test_counts_since_gives_every_status_per_entity(store):
    for minutes, entity, status in [(90, "product", "dead"), (30, "product", "synced"), (20, "product", "synced"),
                                    (10, "product", "dead"), (5, "stock", "retrying")]:
        report(store, entity=entity, status=status, at=NOW - dt.timedelta(minutes=minutes))

    counts = store.counts_since(NOW - dt.timedelta(hours=1))

    assert counts == {"product": {"synced": 2, "skipped": 0, "retrying": 0, "dead": 1},
                      "stock": {"synced": 0, "skipped": 0, "retrying": 1, "dead": 0}}
    assert store.counts_since(NOW + dt.timedelta(minutes=1)) == {}


def test_prune_deletes_only_older_reports_in_batches(store, monkeypatch):
    monkeypatch.setattr(report_store, "PRUNE_BATCH", 3)
    for days in range(10):
        report(store, event_id=f"old-{days}", at=NOW - dt.timedelta(days=31 + days))
    report(store, event_id="recent", at=NOW - dt.timedelta(days=29))

    deleted = store.prune(NOW - dt.timedelta(days=30))

    assert deleted == 10
    assert [row["event_id"] for row in store.query()] == ["recent"]
    assert store.prune(NOW - dt.timedelta(days=30)) == 0


def test_prune_by_age_counts_back_from_now(store):
    report(store, event_id="old", at=dt.datetime.now(dt.UTC) - dt.timedelta(days=40))
    report(store, event_id="new", at=dt.datetime.now(dt.UTC) - dt.timedelta(days=1))

    assert store.prune(dt.timedelta(days=30)) == 1
    assert [row["event_id"] for row in store.query()] == ["new"]


def test_worker_threads_record_concurrently_without_losing_any(store):
    def work(thread: int) -> None:
        for number in range(50):
            report(store, event_id=f"evt-{thread}-{number}", status=STATUSES[number % 4])

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(work, range(8)))

    assert len(store.query()) == 400
    assert store.failures == 0
    assert store.counts_since(NOW)["product"] == {"synced": 104, "skipped": 104, "retrying": 96, "dead": 96}


def test_a_database_failure_is_logged_in_full_and_not_raised(sqlite_url, caplog):
    broken = ReportStore(sa.create_engine(sqlite_url))  # no schema: every insert fails
    caplog.set_level(logging.ERROR, logger="store.reports")

    report(broken, event_id="evt-lost", status="dead", error="magento answered 404: No such entity.")

    assert broken.failures == 1
    assert "sync report not stored" in caplog.text
    assert "evt-lost" in caplog.text and "magento answered 404: No such entity." in caplog.text
    broken.engine.dispose()


# --- the batched writer the consumers use ---------------------------------------------------------

def fields(number: int, **changes) -> dict:
    values = {"event_id": f"evt-{number}", "entity": "product", "key": f"K{number}", "action": "save",
              "status": "synced", "attempts": 1, "duration_ms": 3, "at": NOW}
    values.update(changes)
    return values


def transactions(engine: Engine) -> list[int]:
    """Counts the commits on ``engine`` from now on (each ReportWriter batch is one)."""
    commits: list[int] = []
    sa.event.listen(engine, "commit", lambda connection: commits.append(1))
    return commits


def test_the_writer_stores_every_row_when_closed(store):
    writer = ReportWriter(store)

    for number in range(300):
        writer.record(**fields(number))
    writer.close()

    assert {row["event_id"] for row in store.query()} == {f"evt-{number}" for number in range(300)}
    assert store.failures == 0


def test_rows_queued_together_go_in_one_transaction_in_their_order(store, engine):
    writer = ReportWriter(store, linger=30)
    commits = transactions(engine)

    for number in range(200):
        writer.record(**fields(number))
    assert writer.flush(30) is True

    assert len(commits) == 1
    with engine.connect() as connection:
        ids = connection.execute(sa.select(sync_reports.c.event_id).order_by(sync_reports.c.id)).scalars().all()
    assert ids == [f"evt-{number}" for number in range(200)]
    writer.close()


def test_a_batch_is_never_bigger_than_asked(store, engine):
    writer = ReportWriter(store, batch=40, linger=30)
    commits = transactions(engine)

    for number in range(100):
        writer.record(**fields(number))
    writer.close()

    assert len(commits) == 3 and len(store.query()) == 100


def test_many_threads_report_through_one_writer_without_losing_any(store):
    writer = ReportWriter(store)

    def work(thread: int) -> None:
        for number in range(100):
            writer.record(**fields(thread * 1000 + number, status=STATUSES[number % 4]))

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(work, range(8)))
    writer.close()

    assert len(store.query()) == 800
    assert store.counts_since(NOW)["product"] == {"synced": 200, "skipped": 200, "retrying": 200, "dead": 200}


def test_a_bad_status_is_refused_at_once_in_the_reporting_thread(store):
    writer = ReportWriter(store)

    with pytest.raises(ValueError, match="status must be one of"):
        writer.record(**fields(1, status="ok"))
    writer.close()
    assert store.query() == []


def test_after_close_a_row_is_stored_at_once(store):
    writer = ReportWriter(store)
    writer.close()

    writer.record(**fields(7))

    assert [row["event_id"] for row in store.query()] == ["evt-7"]


def test_a_batch_the_database_refuses_is_logged_row_by_row_and_the_writer_goes_on(sqlite_url, caplog):
    engine = make_engine(sqlite_url)
    writer = ReportWriter(ReportStore(engine), linger=30)  # no schema yet: the first batch fails
    caplog.set_level(logging.ERROR, logger="store.reports")

    writer.record(**fields(1, error="magento answered 404: No such entity."))
    writer.record(**fields(2))
    writer.flush(30)
    ensure_schema(engine)
    writer.record(**fields(3))
    writer.close()

    assert writer.store.failures == 2
    assert caplog.text.count("sync report not stored") == 2 and "No such entity." in caplog.text
    assert [row["event_id"] for row in writer.store.query()] == ["evt-3"]
    engine.dispose()


def test_when_stored_calls_back_after_the_rows_before_it_without_ending_the_batch(store, engine):
    writer = ReportWriter(store, linger=30)
    commits = transactions(engine)
    seen_by_callback: list[int] = []

    for number in range(3):
        writer.record(**fields(number))
    writer.when_stored(lambda: seen_by_callback.append(len(store.query())))
    for number in range(3, 5):
        writer.record(**fields(number))
    writer.flush(30)

    assert seen_by_callback == [5] and len(commits) == 1
    writer.close()
    writer.when_stored(lambda: seen_by_callback.append(-1))  # closed: called at once
    assert seen_by_callback == [5, -1]
