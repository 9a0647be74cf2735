"""``python -m consumers`` as a child process: graceful SIGTERM, SIGKILL and restart, configuration errors."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pika
import pytest

from broker.amqp import connection_parameters
from broker.topology import dead_queue, entity_queue, retry_queue
from consumers.__main__ import load_factory, parse_args, preflight
from core.errors import ConfigError
from tests import support
from tests.consumers.handlers import connect
from tests.consumers.helpers import consumers_of, depth, notification, publish

PRODUCTS = entity_queue("product")
HANDLER = "tests.consumers.handlers:sqlite_store"


def consumer_args(*options: str) -> list[str]:
    return [sys.executable, "-m", "consumers", "product", *options, "--handler", HANDLER]


def consumer_env(broker: str, store: Path, delay: float) -> dict[str, str]:
    return {"AMQP_URL": broker, "RETRY_DELAYS": "1,2", "BRIDGE_TEST_STORE": str(store),
            "BRIDGE_TEST_DELAY": str(delay), "LOG_LEVEL": "INFO"}


def rows(store: Path, sql: str) -> list[tuple]:
    connection = sqlite3.connect(store, timeout=30)
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


def count(store: Path, table: str) -> int:
    return rows(store, f"SELECT COUNT(*) FROM {table}")[0][0]


def wait_consuming(channel, proc: Any) -> None:  # a support.running child
    support.wait_for(lambda: consumers_of(channel, PRODUCTS) == 1 or proc.poll() is not None, 20,
                     message="the consumer to start")
    assert proc.poll() is None, Path(proc.log_path).read_text()


def signal_and_wait(proc: subprocess.Popen, sig: int) -> int:
    os.killpg(proc.pid, sig)
    return proc.wait(30)


def test_sigterm_finishes_work_in_flight_requeues_the_rest_and_exits_0(short_broker, amqp_channel,
                                                                         tmp_path) -> None:
    store = tmp_path / "store.sqlite3"
    connect(str(store)).close()
    with support.running(consumer_args("--concurrency", "2", "--prefetch", "10"),
                         env=consumer_env(short_broker, store, delay=0.5)) as proc:
        wait_consuming(amqp_channel, proc)
        for index in range(10):
            publish(amqp_channel, notification(f"SKU-{index}", f"t{index}"))
        support.wait_for(lambda: count(store, "started") == 2, message="two records in flight")
        code = signal_and_wait(proc, signal.SIGTERM)
        log = Path(proc.log_path).read_text()
    assert code == 0, log
    started = {row[0] for row in rows(store, "SELECT event_id FROM started")}
    applied = {row[0] for row in rows(store, "SELECT event_id FROM applied")}
    assert 2 <= len(started) < 10 and applied == started, log
    assert depth(amqp_channel, PRODUCTS) == 10 - len(applied)
    assert "stopping: requeued" in log


def publish_stream(url: str, events: list[tuple[str, str]], pause: float) -> threading.Thread:
    """Publish ``events`` (key, event id) from a thread of its own, ``pause`` seconds apart."""
    def stream() -> None:
        connection = pika.BlockingConnection(connection_parameters(url, name="test-stream"))
        channel = connection.channel()
        for key, event in events:
            publish(channel, notification(key, event))
            time.sleep(pause)
        connection.close()
    thread = threading.Thread(target=stream, daemon=True)
    thread.start()
    return thread


def test_sigkill_mid_stream_then_restart_applies_every_event_exactly_once(short_broker, amqp_channel,
                                                                           tmp_path) -> None:
    store = tmp_path / "store.sqlite3"
    connect(str(store)).close()
    events = [(f"SKU-{index % 60}", f"k{index}") for index in range(300)]
    env = consumer_env(short_broker, store, delay=0.02)
    args = consumer_args("--concurrency", "4")
    with support.running(args, env=env) as proc:
        wait_consuming(amqp_channel, proc)
        stream = publish_stream(short_broker, events, pause=0.003)
        support.wait_for(lambda: count(store, "applied") >= 60, message="a fifth of the stream applied")
        assert signal_and_wait(proc, signal.SIGKILL) == -signal.SIGKILL
        applied_before_restart = count(store, "applied")
    assert applied_before_restart < len(events), "the kill came after the stream was done"
    with support.running(args, env=env) as proc:
        stream.join(30)
        support.wait_for(lambda: count(store, "applied") >= len(events), 60, message="every event applied")
        code = signal_and_wait(proc, signal.SIGTERM)
        log = Path(proc.log_path).read_text()
    assert code == 0, log
    per_event = dict(rows(store, "SELECT event_id, COUNT(*) FROM applied GROUP BY event_id"))
    assert sorted(per_event) == sorted(event for _, event in events)
    assert set(per_event.values()) == {1}
    assert count(store, "records") == 60
    for queue in (PRODUCTS, dead_queue("product"), retry_queue(1), retry_queue(2)):
        assert depth(amqp_channel, queue) == 0, queue
    assert consumers_of(amqp_channel, PRODUCTS) == 0


def run_cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {key: value for key, value in os.environ.items()
             if not key.startswith(("MAGENTO_", "ODOO_", "ERP_", "CONSUMER_", "AMQP_"))}
    return subprocess.run([sys.executable, "-m", "consumers", *args], env={**clean, **env}, cwd=support.ROOT,
                          capture_output=True, text=True, timeout=60)


def test_missing_magento_settings_exit_78_naming_them(broker) -> None:
    result = run_cli(["product"], {"AMQP_URL": broker, "ERP_BACKEND": "http", "ERP_HTTP_URL": "http://127.0.0.1:9"})
    assert result.returncode == 78
    assert "MAGENTO_BASE_URL, MAGENTO_ACCESS_TOKEN must be set" in result.stderr


def test_a_bad_setting_exits_78_naming_it(broker) -> None:
    result = run_cli(["product", "--handler", HANDLER], {"AMQP_URL": broker, "MAX_ATTEMPTS": "many"})
    assert result.returncode == 78
    assert "MAX_ATTEMPTS" in result.stderr


def test_arguments_are_checked() -> None:
    args = parse_args(["product", "stock", "--concurrency", "3"])
    assert (args.entities, args.concurrency, args.prefetch, args.handler) == (["product", "stock"], 3, None, None)
    for bad in (["nothing"], ["product", "--concurrency", "0"], ["product", "--prefetch", "-1"], []):
        with pytest.raises(SystemExit) as raised:
            parse_args(bad)
        assert raised.value.code == 2


def test_a_missing_handler_factory_is_a_clear_configuration_error() -> None:
    with pytest.raises(ConfigError, match="no module named 'tests.consumers.absent'"):
        load_factory("tests.consumers.absent:build")
    with pytest.raises(ConfigError, match="has no function 'absent'"):
        load_factory("tests.consumers.handlers:absent")
    assert callable(load_factory(HANDLER))


def test_a_second_signal_exits_at_once_and_the_broker_keeps_the_message(short_broker, amqp_channel,
                                                                       tmp_path) -> None:
    store = tmp_path / "store.sqlite3"
    connect(str(store)).close()
    with support.running(consumer_args(), env=consumer_env(short_broker, store, delay=60)) as proc:
        wait_consuming(amqp_channel, proc)
        publish(amqp_channel, notification("SKU-STUCK", "stuck"))
        support.wait_for(lambda: count(store, "started") == 1, message="the stuck call")
        os.killpg(proc.pid, signal.SIGTERM)
        support.wait_for(lambda: "stop requested" in Path(proc.log_path).read_text(), message="the first signal")
        code = signal_and_wait(proc, signal.SIGTERM)
    assert code == 1
    support.wait_for(lambda: depth(amqp_channel, PRODUCTS) == 1, message="the message back in its queue")


def test_a_token_magento_refuses_stops_the_start_with_one_line_and_exit_78(broker, sqlite_url) -> None:
    from tests.consumers.e2e import magento_sandbox

    with magento_sandbox() as magento:
        result = run_cli(["product"], {"AMQP_URL": broker, "MAGENTO_BASE_URL": magento.url,
                                       "MAGENTO_ACCESS_TOKEN": "not-the-token", "ERP_BACKEND": "http",
                                       "ERP_HTTP_URL": "http://127.0.0.1:9", "DATABASE_URL": sqlite_url})
    assert result.returncode == 78, result.stderr
    [line] = [line for line in result.stderr.splitlines() if line.startswith("consumers:")]
    assert line.startswith("consumers: cannot start: magento answered 401") and "MAGENTO_ACCESS_TOKEN" in line
    assert "not-the-token" not in result.stderr and "Traceback" not in result.stderr


def test_magento_unavailable_at_start_up_is_tried_again_then_exits_1(capsys) -> None:
    import tenacity

    from core.errors import MagentoUnavailable

    calls: list[int] = []

    def flaky() -> None:
        calls.append(1)
        if len(calls) < 3:
            raise MagentoUnavailable("Too Many Requests [GET /rest/default/V1/products]", status=429)

    def down() -> None:
        raise MagentoUnavailable("connection refused [GET /rest/default/V1/products]")

    assert preflight(flaky, wait=tenacity.wait_none()) is None and len(calls) == 3
    assert preflight(down, wait=tenacity.wait_none()) == 1
    assert capsys.readouterr().err == ("consumers: cannot start: magento: connection refused "
                                       "[GET /rest/default/V1/products]\n")


def test_a_broker_refusing_the_amqp_credentials_is_a_configuration_error(broker, tmp_path) -> None:
    from urllib.parse import urlsplit, urlunsplit

    url = urlsplit(broker)
    wrong = urlunsplit(url._replace(netloc=f"{url.username}:not-the-password@{url.hostname}:{url.port or 5672}"))
    result = run_cli(["product", "--handler", HANDLER], {"AMQP_URL": wrong, "BRIDGE_TEST_STORE": str(tmp_path / "s")})
    assert result.returncode == 78, result.stderr
    assert f"consumers: the broker at {url.hostname}:{url.port or 5672} refused the user, password or vhost of " \
           "AMQP_URL" in result.stderr
    assert "not-the-password" not in result.stderr and "Traceback" not in result.stderr
