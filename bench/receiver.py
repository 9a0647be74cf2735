"""Receiver benchmark: signed 1 KB notifications over 32 connections, next to a no-op Flask endpoint.

Load comes from wrk (C, epoll; installed with apt when missing) replaying pre-signed requests from a Lua
script: signing happens before the clock starts, so the load generator costs a fraction of a core and the
figures measure the servers. Every run uses a RabbitMQ vhost and databases of its own, deleted afterwards.
Run: ``bench/receiver`` (``make bench-receiver``); ``bench/receiver --help`` lists the knobs.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pika
import requests
import sqlalchemy as sa

from bench import harness
from bridge.signatures import sign
from broker.amqp import connection_parameters
from broker.topology import entity_queue

ROOT = Path(__file__).resolve().parent.parent
LUA = Path(__file__).with_name("receiver.lua")
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
BODY_BYTES = 1024


@dataclasses.dataclass
class Result:
    label: str
    accepted: int
    other: int
    seconds: float
    p50_ms: float
    p99_ms: float
    socket_errors: int
    exhausted: bool
    queued: int | None = None
    server_cpu_ms: float | None = None
    broker_cpu_ms: float | None = None

    @property
    def rate(self) -> float:
        return self.accepted / self.seconds if self.seconds else 0.0


def ensure_wrk() -> str:
    """wrk's path, installing Debian's package first when it is missing."""
    found = shutil.which("wrk")
    if found:
        return found
    print("bench: installing wrk with apt-get", file=sys.stderr)
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if subprocess.run([*sudo, "apt-get", "install", "-y", "-q", "wrk"], env=env, capture_output=True).returncode:
        subprocess.run([*sudo, "apt-get", "update", "-q"], env=env, capture_output=True)
        subprocess.run([*sudo, "apt-get", "install", "-y", "-q", "wrk"], env=env, check=True, capture_output=True)
    return shutil.which("wrk") or sys.exit("bench: wrk could not be installed (apt-get install wrk)")


def notification_body(index: int, run: str) -> bytes:
    """A 1 KB notification with a unique id (unknown top-level fields are ignored by the receiver)."""
    data = {"id": f"bench-{run}-{index}", "entity": "product", "action": "save", "key": f"BENCH-{index % 5000}",
            "occurred_at": "2026-01-15T10:00:00Z", "store_code": "default", "padding": ""}
    size = len(json.dumps(data, separators=(",", ":")))
    data["padding"] = "x" * (BODY_BYTES - size)
    return json.dumps(data, separators=(",", ":")).encode()


def write_requests(folder: Path, secret: str, count: int, files: int, run: str) -> None:
    """``count`` signed requests split over ``files`` TSV files (one per wrk thread)."""
    folder.mkdir(parents=True, exist_ok=True)
    timestamp = int(time.time())
    handles = [open(folder / f"requests-{n}.tsv", "w") for n in range(files)]
    try:
        for index in range(count):
            body = notification_body(index, run)
            msg_id = f"msg_{uuid.uuid4().hex}"
            line = f"{msg_id}\t{timestamp}\t{sign(secret, msg_id, timestamp, body)}\t{body.decode()}\n"
            handles[index % files].write(line)
    finally:
        for handle in handles:
            handle.close()


def run_wrk(wrk: str, port: int, folder: Path, *, seconds: float, connections: int, threads: int,
            label: str) -> Result:
    command = [wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "10s", "-s", str(LUA),
               f"http://127.0.0.1:{port}", "--", str(folder), "/webhooks/magento"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    match = re.search(r"^RESULT (.*)$", output, re.MULTILINE)
    if not match:
        sys.exit(f"bench: wrk printed no result:\n{output}")
    values = {key: int(value) for key, value in (pair.split("=") for pair in match.group(1).split())}
    socket_errors = sum(values[name] for name in ("connect_errors", "read_errors", "write_errors", "timeouts"))
    return Result(label, values["accepted"], values["other"], values["duration_us"] / 1e6,
                  values["p50_us"] / 1000, values["p99_us"] / 1000, socket_errors, bool(values["exhausted"]))


@contextlib.contextmanager
def gunicorn(app: str, port: int, env: dict[str, str], extra: list[str]) -> Iterator[int]:
    """Run gunicorn for the block; yields the master's pid."""
    args = [GUNICORN, *extra, "-b", f"127.0.0.1:{port}", app]
    with harness.running(args, env=env, port=port, timeout=30) as process:
        yield process.pid


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds of ``pids`` and their children's threads so far (Linux /proc)."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            for task in os.listdir(f"/proc/{pid}/task"):
                with contextlib.suppress(OSError):
                    fields = Path(f"/proc/{pid}/task/{task}/stat").read_text().rsplit(")", 1)[1].split()
                    total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def process_tree(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [pid, *map(int, found)]


def broker_pids() -> list[int]:
    return [int(pid) for pid in subprocess.run(["pgrep", "-f", "rabbit boot"], capture_output=True,
                                               text=True).stdout.split()]


def measured(plan: Plan, port: int, master: int, folder: Path, label: str) -> Result:
    """One wrk run, with the CPU the servers and the broker spent per request during it."""
    servers, brokers = process_tree(master), broker_pids()
    server_before, broker_before = cpu_seconds(servers), cpu_seconds(brokers)
    result = plan.load(port, folder, plan.seconds, label)
    requests_done = max(1, result.accepted + result.other)
    result.server_cpu_ms = (cpu_seconds(servers) - server_before) / requests_done * 1000
    result.broker_cpu_ms = (cpu_seconds(brokers) - broker_before) / requests_done * 1000
    return result


def wait_ready(port: int) -> None:
    def ready() -> bool:
        with contextlib.suppress(requests.RequestException):
            return requests.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200
        return False
    harness.wait_for(ready, 30, message="the receiver to be ready")


def queue_depth(amqp_url: str, queue: str, purge: bool = False) -> int:
    connection = pika.BlockingConnection(connection_parameters(amqp_url, name="bench-inspector"))
    try:
        channel = connection.channel()
        depth = channel.queue_declare(queue, passive=True).method.message_count
        if purge:
            channel.queue_purge(queue)
        return depth
    finally:
        connection.close()


@dataclasses.dataclass
class Plan:
    wrk: str
    amqp_url: str
    secret: str
    scratch: Path
    seconds: float
    connections: int
    wrk_threads: int
    workers: int
    threads: int
    worker_class: str | None = None

    def receiver_env(self, database_url: str) -> dict[str, str]:
        return {"AMQP_URL": self.amqp_url, "WEBHOOK_SECRETS": self.secret, "DATABASE_URL": database_url,
                "LOG_LEVEL": "WARNING", "WEB_CONCURRENCY": str(self.workers)}

    def requests_for(self, run: str, seconds: float) -> Path:
        folder = self.scratch / run
        write_requests(folder, self.secret, int(seconds * 12000) + 1000, self.wrk_threads, run)
        return folder

    def load(self, port: int, folder: Path, seconds: float, label: str) -> Result:
        return run_wrk(self.wrk, port, folder, seconds=seconds, connections=self.connections,
                       threads=self.wrk_threads, label=label)


def bench_noop(plan: Plan) -> Result:
    port = harness.free_port()
    folder = plan.requests_for("noop", plan.seconds)
    with gunicorn("bench.noop_app:create_app()", port, {}, ["-w", "4", "-k", "sync", "--no-control-socket"]) as master:
        plan.load(port, folder, 1, "warm-up")
        return measured(plan, port, master, folder, "no-op Flask, 4 sync workers")


def bench_receiver(plan: Plan, label: str, app: str, database_url: str) -> Result:
    port = harness.free_port()
    run = uuid.uuid4().hex[:6]
    warmup, folder = plan.requests_for(f"{run}-warm", 1), plan.requests_for(run, plan.seconds)
    extra = ["-c", "bridge/gunicorn.conf.py", "--threads", str(plan.threads)]
    if plan.worker_class:
        extra += ["-k", plan.worker_class]
    worker = plan.worker_class or "gthread"
    with gunicorn(app, port, plan.receiver_env(database_url), extra) as master:
        wait_ready(port)
        plan.load(port, warmup, 1, "warm-up")
        queue_depth(plan.amqp_url, entity_queue("product"), purge=True)
        result = measured(plan, port, master, folder, f"{label}, {plan.workers}x{plan.threads} {worker}")
    result.queued = queue_depth(plan.amqp_url, entity_queue("product"), purge=True)
    return result


def print_table(results: list[Result], baseline: Result) -> None:
    print(f"\n{'endpoint':<52} {'accepted/s':>10} {'p50 ms':>7} {'p99 ms':>7} {'non-202':>7} "
          f"{'in queue':>9} {'ratio':>6} {'server CPU':>10} {'broker CPU':>10}")
    for result in results:
        queued = "-" if result.queued is None else str(result.queued)
        ratio = result.rate / baseline.rate if baseline.rate else 0.0
        print(f"{result.label:<52} {result.rate:>10.0f} {result.p50_ms:>7.2f} {result.p99_ms:>7.2f} "
              f"{result.other + result.socket_errors:>7} {queued:>9} {ratio:>6.2f} "
              f"{result.server_cpu_ms or 0:>7.3f} ms {result.broker_cpu_ms or 0:>7.3f} ms")
        if result.exhausted:
            print(f"  warning: {result.label} ran out of unique requests; raise the request count")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/receiver", description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10, help="length of each measured run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=3, help="receiver gunicorn workers")
    parser.add_argument("--threads", type=int, default=12, help="threads per receiver worker")
    parser.add_argument("--worker-class", help="gunicorn worker class instead of gthread (e.g. sync)")
    parser.add_argument("--skip-postgres", action="store_true", help="do not bench the PostgreSQL store")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    os.chdir(ROOT)
    load_before = os.getloadavg()[0]
    wrk = ensure_wrk()
    secret = "whsec_" + base64.b64encode(os.urandom(32)).decode()
    with tempfile.TemporaryDirectory(prefix="bench-receiver-") as scratch, \
            harness.temporary_vhost("bench-receiver") as amqp_url:
        plan = Plan(wrk, amqp_url, secret, Path(scratch), args.seconds, args.connections, args.wrk_threads,
                    args.workers, args.threads, args.worker_class)
        baseline = bench_noop(plan)
        results = [baseline]
        sqlite_url = f"sqlite:///{Path(scratch) / 'seen.sqlite3'}"
        results.append(bench_receiver(plan, "receiver, dedup on SQLite", "bridge:create_app()", sqlite_url))
        results.append(bench_receiver(plan, "receiver, no dedup", "bench.receiver_apps:without_dedup()",
                                      sqlite_url))
        if not args.skip_postgres:
            with contextlib.ExitStack() as stack:
                try:
                    postgres_url = stack.enter_context(harness.temporary_postgres_database(prefix="bench_receiver"))
                except sa.exc.OperationalError as error:
                    print(f"bench: skipping the PostgreSQL run: {str(error).splitlines()[0]}", file=sys.stderr)
                else:
                    results.append(bench_receiver(plan, "receiver, dedup on PostgreSQL", "bridge:create_app()",
                                                  postgres_url))
        print(f"signed {BODY_BYTES}-byte notifications, {args.connections} connections, "
              f"{args.seconds:g} s per run, wrk with {args.wrk_threads} threads, {os.cpu_count()} cores; "
              f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after")
        print_table(results, baseline)
        print("(server/broker CPU: CPU time per request of the gunicorn processes and of RabbitMQ during the run; "
              "the 'in queue' count is what reached magento.product)")


if __name__ == "__main__":
    main()
