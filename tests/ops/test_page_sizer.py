"""The backfill's page size after failures: retried, narrowed to the failing record, grown back."""

from __future__ import annotations

import pytest

from core.errors import MagentoBadResponse, MagentoServerError, MagentoUnavailable
from ops.page_sizer import PageSizer


@pytest.mark.parametrize("outcomes, sizes", [
    ("ok ok", [8, 8]),
    ("fail fail ok", [8, 8, 8]),  # retried twice at full size
    ("fail fail fail ok ok ok ok", [8, 8, 8, 4, 8, 8, 8]),  # narrowed, then back to full
    ("fail fail fail fail fail ok fail fail", [8, 8, 8, 4, 2, 1, 2, 1]),  # alone and still failing: give up
])
def test_the_page_size_narrows_to_the_failing_record_and_grows_back(outcomes, sizes):
    sizer, seen = PageSizer(8), []
    error = MagentoServerError("boom", status=500)
    for outcome in outcomes.split():
        seen.append(sizer.size)
        if outcome == "ok":
            sizer.succeeded()
        else:
            action = sizer.failed(error)
    assert seen == sizes
    if outcomes.endswith("fail fail"):
        assert action == "give up"


def test_an_outage_is_never_narrowed():
    sizer = PageSizer(8)
    actions = [sizer.failed(MagentoUnavailable("down")) for _ in range(3)]
    assert actions == ["retry", "retry", "give up"] and sizer.size == 8


def test_a_bad_answer_is_retried_then_narrowed():
    sizer = PageSizer(4)
    actions = [sizer.failed(MagentoBadResponse("not JSON")) for _ in range(4)]
    assert actions == ["retry", "retry", "narrow", "narrow"] and sizer.size == 1
