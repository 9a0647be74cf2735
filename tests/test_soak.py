"""Soak: the whole bridge under a steady stream with faults, for ``SOAK_SECONDS`` (default 300; ``make soak``).

The receiver under gunicorn, a consumer process, the Magento and ERP sandboxes and the real broker. A sender
posts notifications for a few hundred products and their stock at a steady rate, resending some event ids
(duplicates); every 20 s Magento answers a burst of 503s and the ERP a few 503s; half-way the consumer is
killed with SIGKILL and started again. At the end every accepted notification has a final report, nothing
is dead, every record is in the ERP, and no record was written more often than the kill can explain.
It prints the figures (notifications, duplicates, retries, the consumer's RSS over time) instead of
asserting speed or memory.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from sandbox.erp.app import SandboxThread
from store.db import make_engine, sync_reports
from tests import support
from tests.consumers.e2e import MAGENTO_TOKEN, admin, dead_letters, magento_keys, magento_sandbox

SOAK_SECONDS = float(os.environ.get("SOAK_SECONDS", "300"))
pytestmark = [pytest.mark.soak, pytest.mark.timeout(SOAK_SECONDS + 600)]  # the stream, then the catch-up

GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
TOKEN = "soak-webhook-token"
RATE = 40  # notifications per second
CONCURRENCY = 16
FAULT_EVERY = 20.0


def rss_mb(pid: int) -> float:
    """The resident set of process ``pid`` in MB (0 once it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class Sender:
    """Posts notifications with a bearer token; remembers what was accepted and what was a duplicate."""

    def __init__(self, url: str, skus: list[str]) -> None:
        self.url, self.skus = url, skus
        self.session = requests.Session()
        self.accepted: list[str] = []
        self.duplicates = 0
        self.touched: set[tuple[str, str]] = set()

    def send_one(self, rng: random.Random) -> None:
        if self.accepted and rng.random() < 0.05:
            event_id, entity, key = rng.choice(self.accepted), "product", self.skus[0]  # a resend: same id
        else:
            event_id, entity, key = f"soak-{uuid.uuid4().hex}", rng.choice(("product", "stock")), rng.choice(self.skus)
        body = {"id": event_id, "entity": entity, "action": "save", "key": key}
        answer = self.session.post(f"{self.url}/webhooks/magento", json=body, timeout=10,
                                   headers={"Authorization": f"Bearer {TOKEN}"})
        if answer.status_code == 202:
            self.accepted.append(event_id)
            self.touched.add((entity, key))
        elif answer.status_code == 200 and answer.json().get("duplicate"):
            self.duplicates += 1
        else:
            raise AssertionError(f"the receiver answered {answer.status_code}: {answer.text}")


def final_ids(engine: sa.engine.Engine) -> set[str]:
    table = sync_reports.c
    with engine.connect() as connection:
        return set(connection.execute(sa.select(table.event_id).where(table.status != "retrying").distinct())
                   .scalars())


def count_status(engine: sa.engine.Engine, status: str) -> int:
    with engine.connect() as connection:
        return connection.execute(sa.select(sa.func.count()).select_from(sync_reports)
                                  .where(sync_reports.c.status == status)).scalar_one()


@pytest.fixture
def stack(broker: str, tmp_path: Path) -> Iterator[dict]:
    """The sandboxes, the receiver and the settings a consumer needs; yields them in a dict."""
    database_url = f"sqlite:///{tmp_path / 'bridge.sqlite3'}"
    with magento_sandbox() as magento, SandboxThread(token="erp-token") as erp:
        port = support.free_port()
        receiver_env = {"AMQP_URL": broker, "WEBHOOK_TOKENS": TOKEN, "DATABASE_URL": database_url,
                        "WEB_CONCURRENCY": "2", "LOG_LEVEL": "WARNING"}
        args = [GUNICORN, "-c", "bridge/gunicorn.conf.py", "-b", f"127.0.0.1:{port}", "bridge:create_app()"]
        with support.running(args, env=receiver_env, port=port):
            yield {"magento": magento, "erp": erp, "receiver": f"http://127.0.0.1:{port}", "broker": broker,
                   "database_url": database_url}


def consumer(stack: dict) -> contextlib.AbstractContextManager:
    """``python -m consumers product stock`` on the stack, as a context manager yielding the process."""
    env = {"AMQP_URL": stack["broker"], "RETRY_DELAYS": "1,2,5", "MAGENTO_BASE_URL": stack["magento"].url,
           "MAGENTO_ACCESS_TOKEN": MAGENTO_TOKEN, "ERP_BACKEND": "http", "ERP_HTTP_URL": stack["erp"].url,
           "ERP_HTTP_TOKEN": "erp-token", "DATABASE_URL": stack["database_url"], "LOG_LEVEL": "WARNING"}
    return support.running([sys.executable, "-m", "consumers", "product", "stock", "--concurrency",
                            str(CONCURRENCY)], env=env)


def inject_faults(stack: dict) -> None:
    admin(stack["magento"].url, "faults/errors", {"count": 3, "status": [503]})
    admin(stack["erp"].url, "fail", {"status": 503, "times": 3})


def test_a_steady_stream_with_faults_and_a_killed_consumer_loses_nothing(stack: dict) -> None:
    seconds = SOAK_SECONDS
    admin(stack["magento"].url, "generate/products", {"count": 300, "prefix": "SOAK-"})
    skus = [sku for sku in magento_keys(stack["magento"].url, "product") if sku.startswith("SOAK-")]
    sender, rng, rss = Sender(stack["receiver"], skus), random.Random(11), []
    started = time.monotonic()
    for half in (0, 1):
        with consumer(stack) as process:
            deadline, next_fault = started + seconds * (half + 1) / 2, time.monotonic()
            next_rss = time.monotonic() + 10  # after start-up
            while time.monotonic() < deadline:
                sender.send_one(rng)
                if time.monotonic() >= next_fault:
                    inject_faults(stack)
                    next_fault = time.monotonic() + FAULT_EVERY
                if time.monotonic() >= next_rss:
                    rss.append(round(rss_mb(process.pid), 1))
                    next_rss = time.monotonic() + 10
                time.sleep(1 / RATE)
            if half == 0:
                support.stop(process, signal.SIGKILL)
                continue
            engine = make_engine(stack["database_url"])
            support.wait_for(lambda: set(sender.accepted) <= final_ids(engine), 300, interval=2,  # noqa: B023
                             message="a final report for every accepted notification")
    dead = count_status(engine, "dead")
    writes = [row["writes"] for row in stack["erp"].store.counters()["records"]]
    print(f"\nsoak: {seconds:g} s, {len(sender.accepted)} accepted, {sender.duplicates} duplicates answered 200, "
          f"{count_status(engine, 'retrying')} retries, {dead} dead, {len(writes)} ERP records, "
          f"{sum(writes)} ERP writes; consumer RSS every 10 s (MB): {rss}")
    assert dead == 0 and dead_letters(stack["broker"], "product") == dead_letters(stack["broker"], "stock") == []
    assert set(stack["erp"].store.records) >= sender.touched
    assert sum(1 for count in writes if count > 1) <= CONCURRENCY  # only writes in flight at the kill repeat
