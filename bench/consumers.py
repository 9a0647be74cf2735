"""Consumer throughput: records/s of one ``python -m consumers`` process at several concurrencies.

The consumer is the real one (``python -m consumers product``: the real pipeline, RabbitMQ, a SQLite
database of its own per run). Magento and the ERP are the lightweight stand-ins of ``bench/standins.py``,
one process answering every call after 20 ms, so a record costs at least 40 ms of waiting (one product GET,
one ERP PUT): the ideal is concurrency / 40 ms. Every record is distinct (no coalescing) and new to the ERP
(no "unchanged" skips). Figures are taken over the steady part of a run, from the first sync report to the
last (the process's start-up is left out). Besides records/s, the table shows the consumer's CPU time per
record (utime + stime from /proc/<pid>/stat): robust on a loaded machine, unlike wall-clock rates.
Run it with ``bench/consumers`` or ``make bench-consumers`` (``--help`` lists the knobs); it exits 1 when a
record failed or the ERP stand-in did not get one PUT per record. The I/O column is the part of the CPU
spent on the consumer's I/O thread (its main thread). ``--engine`` measures the consumer engine alone: the
same process and broker, with a handler that only waits 40 ms (no HTTP, no sync state) and the real report
writer, so its CPU per record is the engine's (pika, dispatching, acks, reports). Figures and what they
mean: docs/consumers.md, "Performance".
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import requests

from bench import harness
from broker.publisher import Publisher
from broker.topology import EVENTS_EXCHANGE, topology
from consumers.dispatch import Outcome
from schemas.notification import Notification
from store.db import Engine, ensure_schema, make_engine
from store.report_queries import count_reports

if TYPE_CHECKING:
    from core.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "bench-token"
LATENCY_MS = 20
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
POLL_SECONDS = 0.02


@dataclasses.dataclass(frozen=True)
class StandIns:
    magento: str
    erp: str
    pid: int

    def stats(self) -> dict[str, int]:
        answer = requests.get(f"{self.erp}/__standin/stats", timeout=10)
        answer.raise_for_status()
        return answer.json()


@dataclasses.dataclass(frozen=True)
class Run:
    concurrency: int
    records: int
    seconds: float  # the steady window
    measured: int  # records finished within it
    cpu_seconds: float  # the consumer's CPU time within it
    io_cpu_seconds: float  # that of its I/O thread (the main thread: pika, acks, dispatching)
    standin_cpu_seconds: float
    peak_rss_kb: int
    failed: int
    erp_puts: int

    @property
    def rate(self) -> float:
        return self.measured / self.seconds if self.seconds else 0.0

    @property
    def ideal(self) -> float:
        return self.concurrency * 1000 / (2 * LATENCY_MS)

    @property
    def cpu_ms_per_record(self) -> float:
        return self.cpu_seconds * 1000 / self.measured if self.measured else 0.0

    @property
    def io_ms_per_record(self) -> float:
        return self.io_cpu_seconds * 1000 / self.measured if self.measured else 0.0

    @property
    def standin_ms_per_record(self) -> float:
        return self.standin_cpu_seconds * 1000 / self.measured if self.measured else 0.0


@contextlib.contextmanager
def stand_ins(latency_ms: float) -> Iterator[StandIns]:
    """The Magento and ERP stand-ins in one child process, answering in ``latency_ms``."""
    magento_port, erp_port = harness.free_port(), harness.free_port()
    args = [sys.executable, "-m", "bench.standins", "--magento-port", str(magento_port),
            "--erp-port", str(erp_port), "--latency-ms", str(latency_ms)]
    with harness.running(args, port=magento_port) as process:
        yield StandIns(f"http://127.0.0.1:{magento_port}", f"http://127.0.0.1:{erp_port}", process.pid)


def cpu_seconds(pid: int, thread: int | None = None) -> float:
    """The CPU time (user + system) so far of a process, or of one of its threads, from /proc's stat."""
    stat = Path(f"/proc/{pid}/stat" if thread is None else f"/proc/{pid}/task/{thread}/stat")
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime: fields 14 and 15 of stat


def peak_rss_kb(pid: int) -> int:
    """The process's peak resident set size (VmHWM), in kB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


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


def _wait_for_reports(engine: Engine, consumer: subprocess.Popen, at_least: int) -> int:
    """Poll until ``at_least`` reports exist; the count then. Exits when the consumer died."""
    while (done := count_reports(engine)) < at_least:
        if consumer.poll() is not None:
            raise SystemExit(f"the consumer exited with {consumer.returncode}:\n"
                             f"{consumer.log_path.read_text()[-3000:]}")  # type: ignore[attr-defined]
        time.sleep(POLL_SECONDS)
    return done


def waiting_pipeline(settings: Settings) -> tuple[Any, Any, Any]:
    """``--handler`` of ``--engine`` runs: a record takes 40 ms of waiting and nothing else; reports are stored."""
    from consumers.pipeline import report_to
    from store.reports import ReportStore, ReportWriter

    engine = make_engine(settings.database_url)
    ensure_schema(engine)
    reports = ReportWriter(ReportStore(engine))

    def handle(_notifications: list[Notification]) -> Outcome:
        time.sleep(2 * LATENCY_MS / 1000)
        return Outcome()

    def close() -> None:
        reports.close()
        engine.dispose()

    return handle, report_to(reports), close


def run_one(concurrency: int, size: int, standins: StandIns, amqp_url: str, database_url: str,
            engine_only: bool = False) -> Run:
    """Publish ``size`` notifications for new SKUs, consume them all with one consumer process; its figures."""
    engine = make_engine(database_url)
    ensure_schema(engine)
    notes = [Notification(f"bench-{concurrency}-{index}", "product", "save", f"BENCH-{concurrency}-{index:06d}",
                          source="backfill") for index in range(size)]
    _publish(amqp_url, notes)
    env = {"AMQP_URL": amqp_url, "MAGENTO_BASE_URL": standins.magento, "MAGENTO_ACCESS_TOKEN": TOKEN,
           "ERP_BACKEND": "http", "ERP_HTTP_URL": standins.erp, "DATABASE_URL": database_url, "LOG_LEVEL": "WARNING"}
    puts_before = standins.stats()["erp_puts"]
    args = [sys.executable, "-m", "consumers", "product", "--concurrency", str(concurrency)]
    if engine_only:
        args += ["--handler", "bench.consumers:waiting_pipeline"]
    with harness.running(args, env=env) as consumer:
        first = _wait_for_reports(engine, consumer, 1)
        started, cpu_start, standin_start = time.perf_counter(), cpu_seconds(consumer.pid), cpu_seconds(standins.pid)
        io_start = cpu_seconds(consumer.pid, consumer.pid)
        _wait_for_reports(engine, consumer, size)
        elapsed = time.perf_counter() - started
        cpu = cpu_seconds(consumer.pid) - cpu_start
        io_cpu = cpu_seconds(consumer.pid, consumer.pid) - io_start
        standin_cpu = cpu_seconds(standins.pid) - standin_start
        peak = peak_rss_kb(consumer.pid)
    failed = count_reports(engine, except_status="synced")
    engine.dispose()
    return Run(concurrency, size, elapsed, size - first, cpu, io_cpu, standin_cpu, peak, failed,
               standins.stats()["erp_puts"] - puts_before)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--seconds", type=float, default=6.0, help="about how long each run should take (at ideal)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per concurrency")
    parser.add_argument("--engine", action="store_true",
                        help="the engine alone: a handler that only waits 40 ms instead of the real pipeline")
    args = parser.parse_args(argv)
    sizes = [max(50, int(c * 1000 / (2 * LATENCY_MS) * args.seconds)) for c in args.concurrency]
    print(f"consumer benchmark: stand-ins answer in {LATENCY_MS} ms; ideal = concurrency / {2 * LATENCY_MS} ms; "
          f"{os.cpu_count()} CPUs; load average {load_average()}")
    runs = []
    with harness.temporary_vhost("bench-consumers") as amqp_url, tempfile.TemporaryDirectory() as tmp, \
            stand_ins(LATENCY_MS) as standins:
        for repeat in range(args.repeat):
            for concurrency, size in zip(args.concurrency, sizes):
                database_url = f"sqlite:///{tmp}/run-{repeat}-{concurrency}.sqlite3"
                runs.append(run_one(concurrency, size, standins, amqp_url, database_url, args.engine))
                print_row(runs[-1], header=len(runs) == 1)
    print(f"load average at the end {load_average()}")
    return 1 if any(run.failed or run.erp_puts != (0 if args.engine else run.records) for run in runs) else 0


def print_row(run: Run, header: bool = False) -> None:
    if header:
        print("CPU ms/rec: the consumer's CPU time (user + system) per record; I/O: its I/O thread's part; "
              "stand-ins: theirs per record")
        print(f"{'concurrency':>11} {'records':>8} {'records/s':>10} {'ideal/s':>8} {'of ideal':>9} "
              f"{'CPU ms/rec':>10} {'I/O':>6} {'stand-ins':>10} {'peak RSS':>9} {'failed':>6} {'ERP PUTs':>8}")
    print(f"{run.concurrency:>11} {run.records:>8} {run.rate:>10.1f} {run.ideal:>8.0f} {run.rate / run.ideal:>8.0%} "
          f"{run.cpu_ms_per_record:>10.2f} {run.io_ms_per_record:>6.2f} {run.standin_ms_per_record:>10.2f} "
          f"{run.peak_rss_kb / 1024:>7.1f}MB "
          f"{run.failed:>6} {run.erp_puts:>8}", flush=True)


if __name__ == "__main__":
    os.chdir(ROOT)
    raise SystemExit(main())
