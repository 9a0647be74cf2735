"""Pinning down the record Magento cannot list, with a stand-in list that fails on any page holding it."""

from __future__ import annotations

import pytest

from core.entities import ListEndpoint
from core.errors import MagentoServerError, MagentoUnavailable
from magento.responses import SearchResult
from magento.search_criteria import SearchCriteria
from ops.step_over import unlistable_key

ORDERS = ListEndpoint("/V1/orders")


class BrokenList:
    """Orders with ``ids``; a page holding ``broken`` fails like Magento on a record it cannot render."""

    def __init__(self, ids: list[int], broken: int, error: Exception | None = None) -> None:
        self.ids, self.broken, self.error = sorted(ids), broken, error
        self.calls = 0

    def search(self, path: str, criteria: SearchCriteria) -> SearchResult:
        assert path == ORDERS.path and criteria.page_size == 1
        self.calls += 1
        matching = [key for key in self.ids if all(_holds(key, group) for group in criteria.filter_groups)]
        page = matching[:1]
        if self.broken in page:
            raise self.error or MagentoServerError("Internal Error. Report ID: webapi-9", status=500)
        return SearchResult([{"entity_id": key} for key in page], len(matching))


def _holds(key: int, group) -> bool:
    tests = {"gt": lambda value: key > value, "lteq": lambda value: key <= value, "eq": lambda value: key == value}
    return any(tests[condition.condition_type](int(condition.value)) for condition in group)


@pytest.mark.parametrize("after, broken", [(9, 1000), (None, 3), (1000, 1001), (3, 7)])
def test_the_first_record_after_the_last_good_key_is_found(after, broken):
    orders = BrokenList([3, 7, 9, 1000, 1001, 5000], broken)
    assert unlistable_key(orders, ORDERS, SearchCriteria(), after) == broken
    assert orders.calls <= 2 * (broken - (after or 0)).bit_length() + 2


def test_other_filters_of_the_backfill_stay_on_every_probe():
    orders = BrokenList([10, 20, 30], 20)
    criteria = SearchCriteria().where("entity_id", 15, "gt")  # stands for the backfill's updated_at range
    assert unlistable_key(orders, ORDERS, criteria, None) == 20


def test_an_outage_while_probing_gives_up():
    orders = BrokenList([3, 7], 7, error=MagentoUnavailable("could not connect to Magento"))
    assert unlistable_key(orders, ORDERS, SearchCriteria(), 3) is None


def test_a_failure_that_does_not_come_back_gives_up():
    orders = BrokenList([3, 7], broken=-1)  # every probe lists a record: nothing to step over
    assert unlistable_key(orders, ORDERS, SearchCriteria(), 3) is None
