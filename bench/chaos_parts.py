"""The moving parts of ``make chaos`` (see bench/chaos.py): the signed sender, the slow clients, the outages
and the end-to-end count of every accepted event id."""

from __future__ import annotations

import dataclasses
import json
import random
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import pika
import requests

from bridge.signatures import sign
from broker.amqp import connection_parameters
from broker.topology import dead_queue, entity_queue, retry_queue
from store.db import make_engine
from store.report_queries import report_history

ENTITIES = ("product", "stock")


class Outages:
    """When each fault was on: the broker windows matter for "2xx answered while the broker was down"."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.broker_down: list[list[float]] = []  # [start, end or inf]

    def broker_went_down(self) -> None:
        with self._lock:
            self.broker_down.append([time.monotonic(), float("inf")])

    def broker_came_back(self) -> None:
        with self._lock:
            self.broker_down[-1][1] = time.monotonic()

    def broker_was_down(self, sent: float, answered: float) -> bool:
        """Whether the broker was down for the whole time between sending a request and its answer."""
        with self._lock:
            return any(start <= sent and answered <= end for start, end in self.broker_down)


@dataclasses.dataclass
class Tally:
    accepted: set[str] = dataclasses.field(default_factory=set)
    duplicates: int = 0
    refused: dict[int, int] = dataclasses.field(default_factory=dict)  # status -> count (503 while down...)
    errors: int = 0  # no answer at all (connection refused, timeout)
    ok_while_broker_down: int = 0  # 202 accepted although the broker was down all the while: must stay 0
    duplicates_while_broker_down: int = 0  # 200 "duplicate" from the dedup store: needs no broker


class Sender:
    """Posts Standard-Webhooks-signed notifications at ``rate`` per second from ``threads`` threads."""

    def __init__(self, url: str, secret: str, skus: list[str], rate: float, outages: Outages,
                 threads: int = 4, resend: float = 0.03) -> None:
        self.url, self.secret, self.skus, self.rate = url, secret, skus, rate
        self.outages, self.threads, self.resend = outages, threads, resend
        self.tally = Tally()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._workers: list[threading.Thread] = []

    def start(self) -> Sender:
        for index in range(self.threads):
            worker = threading.Thread(target=self._run, args=(random.Random(index),), daemon=True,
                                      name=f"chaos-sender-{index}")
            worker.start()
            self._workers.append(worker)
        return self

    def stop(self) -> None:
        self._stop.set()
        for worker in self._workers:
            worker.join(30)

    def _run(self, rng: random.Random) -> None:
        session, pause = requests.Session(), self.threads / self.rate
        while not self._stop.wait(pause * rng.uniform(0.5, 1.5)):
            self._send(session, rng)

    def _send(self, session: requests.Session, rng: random.Random) -> None:
        with self._lock:
            resend = self.tally.accepted and rng.random() < self.resend
            event_id = rng.choice(sorted(self.tally.accepted)[-50:]) if resend else f"chaos-{uuid.uuid4().hex}"
        body = json.dumps({"id": event_id, "entity": rng.choice(ENTITIES), "action": "save",
                           "key": rng.choice(self.skus), "occurred_at": "2026-12-06T00:00:00Z"}).encode()
        message_id, stamp = f"msg_{uuid.uuid4().hex}", int(time.time())
        headers = {"webhook-id": message_id, "webhook-timestamp": str(stamp), "Content-Type": "application/json",
                   "webhook-signature": sign(self.secret, message_id, stamp, body)}
        sent = time.monotonic()
        try:
            answer = session.post(f"{self.url}/webhooks/magento", data=body, headers=headers, timeout=15)
        except requests.RequestException:
            with self._lock:
                self.tally.errors += 1
            return
        self._count(event_id, answer, sent, time.monotonic())

    def _count(self, event_id: str, answer: requests.Response, sent: float, answered: float) -> None:
        with self._lock:
            if 200 <= answer.status_code < 300 and self.outages.broker_was_down(sent, answered):
                if answer.status_code == 200:
                    self.tally.duplicates_while_broker_down += 1
                else:
                    self.tally.ok_while_broker_down += 1
            if answer.status_code == 202:
                self.tally.accepted.add(event_id)
            elif answer.status_code == 200:
                self.tally.duplicates += 1
            else:
                self.tally.refused[answer.status_code] = self.tally.refused.get(answer.status_code, 0) + 1


class SlowClients:
    """``count`` connections that send a request line, then one header every ``every`` seconds, for ever."""

    def __init__(self, port: int, count: int = 50, every: float = 5.0) -> None:
        self.port, self.count, self.every = port, count, every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="chaos-slow-clients")
        self.opened = 0

    def start(self) -> SlowClients:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)

    def _run(self) -> None:
        sockets: list[socket.socket] = []
        while not self._stop.is_set():
            while len(sockets) < self.count:
                sock = self._open()
                if sock is None:
                    break
                sockets.append(sock)
            for sock in list(sockets):
                try:
                    sock.sendall(f"X-Slow-{uuid.uuid4().hex[:6]}: 1\r\n".encode())
                except OSError:  # the receiver closed it (a read timeout): open another one next round
                    sockets.remove(sock)
                    sock.close()
            self._stop.wait(self.every)
        for sock in sockets:
            sock.close()

    def _open(self) -> socket.socket | None:
        try:
            sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
            sock.sendall(b"POST /webhooks/magento HTTP/1.1\r\nHost: chaos\r\n")
        except OSError:
            return None
        self.opened += 1
        return sock


class MagentoFaults:
    """About ``share`` of Magento's REST calls get a fault: a third time out (3 s, above the consumers' 2 s
    timeout), a third 429, a third a 500/502/503/504. The sandbox's faults are counted ("the next N calls"),
    so every ``tick`` arms ``share`` of the calls it saw since the last tick, never leaving more than a few
    armed while nobody calls (a consumer starting alone must not meet a wall of them)."""

    KINDS = (("timeout", {"seconds": 3}), ("rate-limit", {"retry_after": 1}),
             ("errors", {"status": [500, 502, 503, 504]}))

    def __init__(self, magento_url: str, share: float = 0.3, most_armed: int = 3) -> None:
        self.admin = f"{magento_url}/__sandbox"
        self.share, self.most_armed = share, most_armed
        self.calls = 0
        self.injected = 0
        self._seq = 0
        self._owed = 0.0
        self._next_kind = 0

    def tick(self) -> None:
        seen = requests.get(f"{self.admin}/requests", params={"since": self._seq}, timeout=10).json()
        rest = [entry for entry in seen["requests"] if "/V1/" in str(entry.get("path", entry))]
        self._seq = seen["last_seq"]
        self.calls += len(rest)
        self._owed += len(rest) * self.share
        armed = sum(fault["count"] for fault in requests.get(f"{self.admin}/faults", timeout=10).json()["armed"])
        while self._owed >= 1 and armed < self.most_armed:
            kind, options = self.KINDS[self._next_kind % len(self.KINDS)]
            requests.post(f"{self.admin}/faults/{kind}", json={"count": 1, **options}, timeout=10).raise_for_status()
            self._next_kind += 1
            self._owed -= 1
            armed += 1
            self.injected += 1

    def clear(self) -> None:
        """Disarm what is left (not served: not counted as injected)."""
        left = requests.delete(f"{self.admin}/faults", timeout=10)
        self.injected -= sum(fault["count"] for fault in left.json().get("armed", [])) if left.ok else 0


def rabbitmqctl(ctl: str, *args: str) -> None:
    subprocess.run([ctl, "-q", *args], check=True, capture_output=True, timeout=120)


def final_reports(database_url: str) -> tuple[dict[str, str], dict[str, int]]:
    """(event id -> its final status, event id -> how many times it was synced) from the reports."""
    engine = make_engine(database_url)
    try:
        rows = report_history(engine)
    finally:
        engine.dispose()
    final: dict[str, str] = {}
    synced: dict[str, int] = {}
    for event_id, status in rows:
        if status != "retrying":
            final[event_id] = status
        if status == "synced":
            synced[event_id] = synced.get(event_id, 0) + 1
    return final, synced


def queued(amqp_url: str, delays: tuple[int, ...]) -> dict[str, int]:
    """Messages (ready and unacked) left in the entity, retry and dead-letter queues."""
    connection = pika.BlockingConnection(connection_parameters(amqp_url, name="chaos-count"))
    counts = {"entity": 0, "retry": 0, "dead": 0}
    try:
        channel = connection.channel()
        for entity in ENTITIES:
            counts["entity"] += channel.queue_declare(entity_queue(entity), passive=True).method.message_count
            counts["dead"] += channel.queue_declare(dead_queue(entity), passive=True).method.message_count
        for delay in delays:
            counts["retry"] += channel.queue_declare(retry_queue(delay), passive=True).method.message_count
    finally:
        connection.close()
    return counts


def wait_until(predicate: Callable[[], Any], timeout: float, interval: float = 2.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)
