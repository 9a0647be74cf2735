"""Shared command helpers: time options, tables."""

from __future__ import annotations

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
