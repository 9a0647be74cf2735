"""The sync state's atomic statements under racing consumers on two engines (SQLite and PostgreSQL): versions
never go back and one record's lease never has two holders."""

from __future__ import annotations

import random
import threading

from core.errors import RecordBusy
from store.sync_state import SyncStateStore


def run_together(work, count: int) -> None:
    """Run ``work(number)`` for each number below ``count`` on threads of their own; wait for all."""
    threads = [threading.Thread(target=work, args=(number,)) for number in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_racing_writers_end_on_the_newest_version(state_engines):
    versions = [f"2026-05-01 10:{minute:02d}:00" for minute in range(40)]
    random.Random(7).shuffle(versions)
    stores = [SyncStateStore(state_engines[number % 2], "http") for number in range(4)]
    start = threading.Barrier(len(stores))

    def write(number: int) -> None:
        start.wait()
        for version in versions[number::len(stores)]:
            stores[number].remember("product", "A", version=version, doc_hash=version, erp_id=None)

    run_together(write, len(stores))

    stored = stores[0].get("product", "A")
    assert (stored["version"], stored["doc_hash"]) == ("2026-05-01 10:39:00", "2026-05-01 10:39:00")


def test_racing_owners_on_two_engines_never_share_a_record(state_engines):
    owners = 8
    stores = [SyncStateStore(state_engines[number % 2], "http") for number in range(owners)]
    start = threading.Barrier(owners)
    inside, overlaps, acquired = [0], [0], [0]
    lock = threading.Lock()

    def contend(number: int) -> None:
        start.wait()
        for _ in range(15):
            try:
                with stores[number].lease("product", "A", f"worker-{number}", ttl=60):
                    with lock:
                        inside[0] += 1
                        overlaps[0] += inside[0] > 1
                        acquired[0] += 1
                    with lock:
                        inside[0] -= 1
            except RecordBusy:
                pass

    run_together(contend, owners)

    assert overlaps[0] == 0
    assert acquired[0] >= 1
    assert stores[0].get("product", "A")["lease_owner"] is None


def test_racing_owners_with_remember_and_release_never_share_a_record_or_go_back(state_engines):
    owners = 6
    stores = [SyncStateStore(state_engines[number % 2], "http") for number in range(owners)]
    versions = [f"2026-05-01 10:{minute:02d}:00" for minute in range(60)]
    random.Random(3).shuffle(versions)
    start = threading.Barrier(owners)
    inside, overlaps, stored_versions, lock = [0], [0], [], threading.Lock()

    def contend(number: int) -> None:
        start.wait()
        for version in versions[number::owners]:
            try:
                with stores[number].lease("product", "A", f"worker-{number}", ttl=60) as held:
                    with lock:
                        inside[0] += 1
                        overlaps[0] += inside[0] > 1
                    with lock:
                        inside[0] -= 1
                    if held.remember_and_release(version=version, doc_hash=version, erp_id=None):
                        with lock:
                            stored_versions.append(version)
            except RecordBusy:
                pass

    run_together(contend, owners)

    stored = stores[0].get("product", "A")
    assert overlaps[0] == 0 and stored["lease_owner"] is None
    assert stored["version"] == stored["doc_hash"] == max(stored_versions)  # the newest write won, whole
