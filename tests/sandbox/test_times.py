"""The sandbox's own times: Magento's column form, ISO 8601 with milliseconds, and both read back."""

from __future__ import annotations

import datetime as dt

import pytest

from sandbox.times import iso, magento_time, utc_datetime

UTC = dt.UTC


@pytest.mark.parametrize("text", ["2024-05-01 10:00:00", "2024-05-01T10:00:00Z", "2024-05-01T12:00:00+02:00",
                                  " 2024-05-01T10:00:00.000z "])
def test_both_forms_read_as_the_same_utc_time(text):
    assert utc_datetime(text) == dt.datetime(2024, 5, 1, 10, 0, tzinfo=UTC)


def test_a_day_alone_is_midnight_utc():
    assert utc_datetime("2024-05-01") == dt.datetime(2024, 5, 1, tzinfo=UTC)


def test_what_is_not_a_time_is_refused_with_the_text():
    with pytest.raises(ValueError, match="'yesterday' is not an ISO 8601 date-time"):
        utc_datetime("yesterday")


def test_written_forms():
    at = dt.datetime(2024, 5, 1, 12, 0, 5, 123999, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert magento_time(at) == "2024-05-01 10:00:05"
    assert iso(at) == "2024-05-01T10:00:05.123Z"
