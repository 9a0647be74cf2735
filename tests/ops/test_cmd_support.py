"""Shared command helpers: time options, tables, Magento settings, the publisher, broker errors."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest

from broker.publisher import Publisher
from ops.cmd_support import Moment, aligned, plural, ready_publisher, require_magento
from tests.support import free_port, temporary_vhost

NOW = dt.datetime(2024, 6, 1, 12, 0, tzinfo=dt.UTC)


def test_a_moment_is_an_age_or_a_time():
    moment = Moment(now=lambda: NOW)
    assert moment.convert("90m", None, None) == NOW - dt.timedelta(minutes=90)
    assert moment.convert("2024-05-01T10:00:00Z", None, None) == dt.datetime(2024, 5, 1, 10, tzinfo=dt.UTC)
    assert moment.convert("2024-05-01 10:00:00", None, None) == dt.datetime(2024, 5, 1, 10, tzinfo=dt.UTC)
    with pytest.raises(click.BadParameter, match="neither an ISO 8601 time"):
        moment.convert("last week", None, None)


def test_aligned_columns_and_plurals():
    assert aligned(("A", "LONGER"), [("x", None), ("yyyy", 3)]) == ["A     LONGER", "x     -", "yyyy  3"]
    assert (plural(1, "record"), plural(1200, "record")) == ("1 record", "1,200 records")


def test_missing_magento_settings_end_the_command_with_the_reason(make_settings):
    with pytest.raises(click.ClickException, match="MAGENTO_BASE_URL, MAGENTO_ACCESS_TOKEN must be set"):
        require_magento(make_settings())
    require_magento(make_settings(MAGENTO_BASE_URL="http://127.0.0.1:1", MAGENTO_ACCESS_TOKEN="t"))


def test_a_ready_publisher_is_connected_and_closed_after(make_settings, broker_url):
    with ready_publisher(make_settings(AMQP_URL=broker_url), "test-cmd-support") as publisher:
        assert publisher.ready
    assert not publisher.ready


def test_a_publisher_that_cannot_reach_the_broker_ends_the_command(make_settings, monkeypatch):
    monkeypatch.setattr(Publisher, "wait_ready", lambda self, timeout: False)
    settings = make_settings(AMQP_URL=f"amqp://guest:guest@127.0.0.1:{free_port()}/%2F")
    with pytest.raises(click.ClickException, match="no broker here"):
        with ready_publisher(settings, "test-cmd-support", "no broker here"):
            pass


def test_a_missing_queue_is_reported_once_in_bridgectls_words_without_pikas_warning(tmp_path):
    """Without the topology (a fresh vhost: the run's own gets it from other tests) only bridgectl's line shows."""
    with temporary_vhost() as empty_vhost_url:
        env = {**os.environ, "AMQP_URL": empty_vhost_url, "DATABASE_URL": f"sqlite:///{tmp_path / 'bridge.sqlite3'}",
               "LOG_LEVEL": "INFO"}
        done = subprocess.run([str(Path(sys.executable).with_name("bridgectl")), "status"], env=env,
                              capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "queues missing (declare the topology: bridgectl topology): magento.product" in done.stderr
    assert "pika" not in done.stderr and "Channel.Close" not in done.stderr
