"""Shared command helpers: time options, tables."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
import datetime as dt

import click
import pytest

from ops.cmd_support import Moment, aligned, plural

NOW = dt.datetime(2024, 6, 1, 12, 0, tzinfo=dt.timezone.utc)


def test_a_moment_is_an_age_or_a_time():
    moment = Moment(now=lambda: NOW)
    assert moment.convert("90m", None, None) == NOW - dt.timedelta(minutes=90)
    assert moment.convert("2024-05-01T10:00:00Z", None, None) == dt.datetime(2024, 5, 1, 10, tzinfo=dt.timezone.utc)
    assert moment.convert("2024-05-01 10:00:00", None, None) == dt.datetime(2024, 5, 1, 10, tzinfo=dt.timezone.utc)
    with pytest.raises(click.BadParameter, match="neither an ISO 8601 time"):
        moment.convert("last week", None, None)


def test_aligned_columns_and_plurals():
    assert aligned(("A", "LONGER"), [("x", None), ("yyyy", 3)]) == ["A     LONGER", "x     -", "yyyy  3"]
    assert (plural(1, "record"), plural(1200, "record")) == ("1 record", "1,200 records")


def test_a_missing_queue_is_reported_once_in_bridgectls_words_without_pikas_warning(broker_url, tmp_path):
    """A vhost without the topology: the passive declares fail; only the command's own sentence is printed."""
    env = {**os.environ, "AMQP_URL": broker_url, "DATABASE_URL": f"sqlite:///{tmp_path / 'bridge.sqlite3'}",
           "LOG_LEVEL": "INFO"}
    done = subprocess.run([str(Path(sys.executable).with_name("bridgectl")), "status"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "queues missing (declare the topology: bridgectl topology): magento.product" in done.stderr
    assert "pika" not in done.stderr and "Channel.Close" not in done.stderr
