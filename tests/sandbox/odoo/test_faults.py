"""The fault plan: validation of settings and the order in which faults apply to calls."""

from __future__ import annotations

import pytest

from sandbox.odoo.faults import Faults


def test_no_fault_by_default():
    assert Faults().take().action is None


def test_counters_apply_one_call_each_in_order_drop_then_status_then_error():
    faults = Faults()
    faults.configure({"drop_next": 1, "fail_next": 1, "fail_status": 502, "error_next": 1, "latency_ms": 5})

    taken = [faults.take() for _ in range(4)]

    assert [fault.action for fault in taken] == ["drop", "status", "error", None]
    assert taken[1].status == 502
    assert all(fault.latency == 0.005 for fault in taken)


def test_unavailable_applies_until_cleared_and_revoked_is_reported():
    faults = Faults()
    faults.configure({"unavailable": True, "revoked": True})

    assert [faults.take().action for _ in range(3)] == ["unavailable"] * 3
    assert faults.revoked
    faults.clear()
    assert faults.take().action is None and not faults.revoked


@pytest.mark.parametrize(("changes", "message"), [
    ({"bogus": 1}, "unknown fault setting"), ({"drop_next": "1"}, "drop_next must be of type int"),
    ({"revoked": 1}, "revoked must be of type bool"), ({"latency_ms": -5}, "latency_ms must be 0 or more"),
    ({"fail_status": 302}, "fail_status must be an HTTP error status"), ([], "JSON object"),
])
def test_bad_settings_are_refused_and_change_nothing(changes, message):
    faults = Faults()

    with pytest.raises(ValueError, match=message):
        faults.configure(changes)
    assert faults.take().action is None


def test_serialization_failures_count_down_per_model_and_spare_reads():
    faults = Faults()
    faults.configure({"serialization_failures": {"stock.quant": 2}})
    faults.configure({"serialization_failures": {"account.move": 1}})

    assert not faults.take_serialization_failure("stock.quant", "search_read")
    assert [faults.take_serialization_failure("stock.quant", "create") for _ in range(3)] == [True, True, False]
    assert faults.take_serialization_failure("account.move", "action_post")
    assert not faults.take_serialization_failure("res.partner", "write")


@pytest.mark.parametrize("value", [{"stock.quant": -1}, {"stock.quant": True}, {"stock.quant": "2"}, [1]])
def test_bad_serialization_failure_settings_are_refused(value):
    with pytest.raises(ValueError, match="serialization_failures"):
        Faults().configure({"serialization_failures": value})


def test_slow_commits_apply_once_per_setting_method_first_and_spare_reads():
    faults = Faults()
    faults.configure({"slow_commits": {"stock.quant": 2, "stock.quant.action_apply_inventory": 5}})
    faults.configure({"slow_commits": {"res.partner": 1.5}})

    assert faults.take_slow_commit("stock.quant", "search_read") == 0.0
    assert faults.take_slow_commit("stock.quant", "action_apply_inventory") == 5.0
    assert faults.take_slow_commit("stock.quant", "action_apply_inventory") == 2.0
    assert faults.take_slow_commit("stock.quant", "create") == 0.0
    assert faults.take_slow_commit("res.partner", "write") == 1.5


@pytest.mark.parametrize("value", [{"stock.quant": -1}, {"stock.quant": True}, {"stock.quant": 601}, [1]])
def test_bad_slow_commit_settings_are_refused(value):
    with pytest.raises(ValueError, match="slow_commits"):
        Faults().configure({"slow_commits": value})
