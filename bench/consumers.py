"""Consumer throughput: records/s of one ``python -m consumers`` process at several concurrencies.

The Magento and ERP stand-ins are the project's sandboxes, each answering every call after 20 ms, so a
record costs at least 40 ms of waiting (one product GET, one ERP PUT): the ideal is concurrency / 40 ms.
Every record is distinct (no coalescing) and new to the ERP (no "unchanged" skips). Prints a table and
the consumer's peak RSS. Run it with ``bench/consumers`` (or ``make bench-consumers``).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import requests
import sqlalchemy as sa

from bridge.publisher import Publisher
from core.db import ensure_schema, make_engine, sync_reports
from core.notification import Notification
from core.topology import EVENTS_EXCHANGE, topology
from tests import support

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "bench-token"
LATENCY_MS = 20


@contextlib.contextmanager
def _stand_ins(products: int) -> Iterator[tuple[str, str]]:
    """The Magento sandbox with ``products`` products and the ERP sandbox, both answering in 20 ms."""
    bridgectl = str(Path(sys.executable).parent / "bridgectl")
    magento_port, erp_port = support.free_port(), support.free_port()
    with support.running([bridgectl, "sandbox", "magento", "--seed", "empty", "--token", TOKEN,
                          "--port", str(magento_port)], port=magento_port), \
            support.running([bridgectl, "sandbox", "erp", "--port", str(erp_port)], port=erp_port):
        magento, erp = f"http://127.0.0.1:{magento_port}", f"http://127.0.0.1:{erp_port}"
        _admin(f"{magento}/__sandbox/generate/products", {"count": products, "prefix": "BENCH-"})
        _admin(f"{magento}/__sandbox/faults/latency", {"ms": LATENCY_MS})
        _admin(f"{erp}/__sandbox/latency", {"ms": LATENCY_MS})
        yield magento, erp


def _admin(url: str, body: dict) -> None:
    requests.post(url, json=body, timeout=60).raise_for_status()


def _publish(amqp_url: str, notes: list[Notification]) -> None:
    publisher = Publisher(amqp_url, name="bench-publisher", layout=topology(["product"], ())).start()
    try:
        if not publisher.wait_ready(10):
            raise SystemExit("the broker did not answer")
        futures = [publisher.publish_async(EVENTS_EXCHANGE, note.routing_key, note.to_body(), message_id=note.id)
                   for note in notes]
        for future in futures:
            future.result(30)
    finally:
        publisher.close()


def _peak_rss_kb(pid: int) -> int:
    """The process's peak resident set size (VmHWM), in kB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def _skus(magento_url: str) -> list[str]:
    answer = requests.get(f"{magento_url}/__sandbox/records/product", timeout=30)
    answer.raise_for_status()
    return [str(key) for key in answer.json()["keys"]]


def _synced(engine: sa.Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(sa.select(sa.func.count()).select_from(sync_reports)).scalar_one()


def _run_one(concurrency: int, skus: list[str], env: dict[str, str], database_url: str) -> tuple[float, int, int]:
    """Publish one notification per SKU, consume them all; (records/s, peak RSS kB, failures)."""
    engine = make_engine(database_url)
    ensure_schema(engine)
    notes = [Notification(f"bench-{concurrency}-{sku}", "product", "save", sku, source="backfill") for sku in skus]
    _publish(env["AMQP_URL"], notes)
    args = [sys.executable, "-m", "consumers", "product", "--concurrency", str(concurrency)]
    with support.running(args, env=env) as consumer:
        started = time.perf_counter()
        peak = 0
        while _synced(engine) < len(notes):
            if consumer.poll() is not None:
                raise SystemExit(f"the consumer exited with {consumer.returncode}:\n"
                                 f"{consumer.log_path.read_text()[-3000:]}")
            peak = max(peak, _peak_rss_kb(consumer.pid))
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
        peak = max(peak, _peak_rss_kb(consumer.pid))
    with engine.connect() as connection:
        failed = connection.execute(sa.select(sa.func.count()).select_from(sync_reports)
                                    .where(sync_reports.c.status != "synced")).scalar_one()
    engine.dispose()
    return len(notes) / elapsed, peak, failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--seconds", type=float, default=6.0, help="about how long each run should take")
    args = parser.parse_args(argv)
    sizes = [max(50, int(c * 1000 / (2 * LATENCY_MS) * args.seconds)) for c in args.concurrency]
    print(f"consumer benchmark: stand-ins answer in {LATENCY_MS} ms; ideal = concurrency / {2 * LATENCY_MS} ms")
    rows = []
    with support.temporary_vhost("bench-consumers") as amqp_url, tempfile.TemporaryDirectory() as tmp, \
            _stand_ins(sum(sizes)) as (magento, erp):
        skus = _skus(magento)
        for index, (concurrency, size) in enumerate(zip(args.concurrency, sizes)):
            database_url = f"sqlite:///{tmp}/run{index}.sqlite3"
            env = {"AMQP_URL": amqp_url, "MAGENTO_BASE_URL": magento, "MAGENTO_ACCESS_TOKEN": TOKEN,
                   "ERP_BACKEND": "http", "ERP_HTTP_URL": erp, "DATABASE_URL": database_url,
                   "LOG_LEVEL": "WARNING"}
            start = sum(sizes[:index])
            rate, peak, failed = _run_one(concurrency, skus[start:start + size], env, database_url)
            rows.append((concurrency, size, rate, peak, failed))
    _print_table(rows)
    return 0


def _print_table(rows: list[tuple[int, int, float, int, int]]) -> None:
    print(f"{'concurrency':>11} {'records':>8} {'records/s':>10} {'ideal/s':>8} {'of ideal':>9} "
          f"{'peak RSS':>9} {'failed':>6}")
    for concurrency, size, rate, peak, failed in rows:
        ideal = concurrency * 1000 / (2 * LATENCY_MS)
        print(f"{concurrency:>11} {size:>8} {rate:>10.1f} {ideal:>8.0f} {rate / ideal:>8.0%} "
              f"{peak / 1024:>7.1f}MB {failed:>6}")


if __name__ == "__main__":
    os.chdir(ROOT)
    raise SystemExit(main())
