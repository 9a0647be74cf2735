"""``bridgectl reconcile``: ``--once`` output and exit codes, and the long-running process stopping on SIGTERM."""

from __future__ import annotations

import signal
import sys

from broker.topology import entity_queue
from ops.reconcile_cmd import reconcile
from store.positions import Watermarks
from tests import support
from tests.ops.conftest import MAGENTO_TOKEN
from tests.ops.helpers import depth, invoke


def test_once_prints_a_line_per_entity(settings, magento, amqp_channel):
    magento.generate_products(3)
    result = invoke(reconcile, ["--once", "product", "customer"], settings)
    assert result.exit_code == 0, result.output
    header, product, customer = result.stdout.splitlines()
    assert header.split() == ["ENTITY", "STATUS", "PUBLISHED", "KNOWN", "SINCE", "WATERMARK"]
    assert product.split()[:4] == ["product", "done", "3", "0"]
    assert customer.split()[:4] == ["customer", "done", "0", "0"]
    assert depth(amqp_channel, entity_queue("product")) == 3


def test_once_without_entities_polls_all_of_them_and_fails_when_one_failed(settings, magento):
    magento.admin("POST", "/faults/errors", {"count": 50, "status": 503, "prefix": "/V1/orders"})
    result = invoke(reconcile, ["--once"], settings)
    assert result.exit_code == 1
    statuses = {line.split()[0]: line.split()[1] for line in result.stdout.splitlines()[1:9]}
    assert statuses["order"] == "failed" and statuses["stock"] == "done" and len(statuses) == 8
    assert "order: " in result.stdout and "503" in result.stdout


def test_bad_durations_are_refused(settings):
    assert invoke(reconcile, ["--once", "--interval", "soon"], settings).exit_code == 2
    assert invoke(reconcile, ["--once", "--interval", "0"], settings).exit_code == 2


def test_the_reconciler_process_polls_on_its_interval_and_stops_on_sigterm(settings, magento, engine):
    env = {"AMQP_URL": settings.amqp_url, "MAGENTO_BASE_URL": settings.magento_base_url,
           "MAGENTO_ACCESS_TOKEN": MAGENTO_TOKEN, "DATABASE_URL": settings.database_url, "LOG_LEVEL": "INFO"}
    args = [sys.executable, "-m", "ops.cli", "reconcile", "--interval", "0.2", "customer"]
    with support.running(args, env=env) as proc:
        marks = Watermarks(engine)
        first = support.wait_for(lambda: _last_run(marks), timeout=30, message="a first poll")
        support.wait_for(lambda: (_last_run(marks) or first) > first, timeout=30, message="a second poll")
        code = support.stop(proc, signal.SIGTERM)
        log = proc.log_path.read_text()
    assert code == 0, log
    assert "reconciler started: customer every 0.2 s" in log and "reconciler stopped" in log


def _last_run(marks: Watermarks):
    try:
        mark = marks.load("customer")
    except Exception:  # the child has not created the tables yet
        return None
    return mark.last_run_at if mark else None
