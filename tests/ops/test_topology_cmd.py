"""``bridgectl topology`` (ops/topology_cmd.py): idempotent declaration on a real broker."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

import pika
import pytest
from click.testing import CliRunner

from broker.amqp import connection_parameters
from ops.cli import cli
from tests import support


def run(env: dict[str, str], *args: str):
    return CliRunner().invoke(cli, ["topology", *args], env=env, catch_exceptions=False)


@pytest.fixture(scope="module")
def empty_vhost():
    with support.temporary_vhost("bridge-topology") as url:
        yield url


def test_topology_declares_everything_and_is_idempotent(empty_vhost: str) -> None:
    env = {"AMQP_URL": empty_vhost, "RETRY_DELAYS": "5,60"}
    first, second = run(env), run(env)
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    assert first.output == second.output
    assert "guest:guest" not in first.output
    connection = pika.BlockingConnection(connection_parameters(empty_vhost, name="test-topology"))
    try:
        channel = connection.channel()
        for queue in ["magento.product", "magento.product.dead", "magento.stock", "magento.creditmemo.dead",
                      "magento.retry.5s", "magento.retry.60s"]:
            channel.queue_declare(queue, passive=True)
            assert f"queue    {queue} (quorum" in first.output
        channel.exchange_declare("magento.events", "topic", passive=True)
    finally:
        connection.close()
    assert "binding  magento.events -> magento.order [order.*]" in first.output


def test_dry_run_prints_the_layout_without_a_broker() -> None:
    result = run({"AMQP_URL": f"amqp://u:secret@127.0.0.1:{support.free_port()}/shop", "RETRY_DELAYS": "5"},
                 "--dry-run")
    assert result.exit_code == 0
    assert "layout for 127.0.0.1" in result.output and "vhost shop" in result.output
    assert "queue    magento.retry.5s (quorum, TTL 5 s)" in result.output
    assert "secret" not in result.output


def test_an_unreachable_broker_is_a_readable_error_without_the_password() -> None:
    result = run({"AMQP_URL": f"amqp://u:hunter2@127.0.0.1:{support.free_port()}/%2F"})
    assert result.exit_code == 1
    assert "cannot reach the broker at 127.0.0.1" in result.output
    assert "hunter2" not in result.output


def test_conflicting_arguments_are_explained(empty_vhost: str) -> None:
    connection = pika.BlockingConnection(connection_parameters(empty_vhost, name="test-topology"))
    try:
        connection.channel().queue_declare("magento.retry.7s", durable=True)  # classic, no TTL
    finally:
        connection.close()
    result = run({"AMQP_URL": empty_vhost, "RETRY_DELAYS": "5,7"})
    assert result.exit_code == 1
    assert "PRECONDITION_FAILED" in result.output and "other arguments" in result.output
    assert unquote(urlsplit(empty_vhost).path[1:]) in result.output
