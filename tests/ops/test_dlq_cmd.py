"""``bridgectl dlq``: what the operator sees and what each selector and safety flag does, on the real broker."""

from __future__ import annotations

import datetime as dt
import json

from broker.topology import dead_queue, entity_queue
from core import parsing
from ops.dlq_cmd import dlq
from store.reports import ReportStore
from tests.ops.helpers import bodies, depth, drain, ids, invoke, peek
from tests.support import free_port

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
TOKEN_ERROR = ("magento answered 401: The consumer isn't authorized to access Magento_Catalog::products. "
               "(the access token may have expired or lacks the resource permission)")


def test_list_prints_one_line_per_record_with_its_error(settings, put_dead):
    put_dead("product", "WB-RED", attempts=1, error_class="MagentoAuthError", error=TOKEN_ERROR)
    put_dead("order", "17", attempts=8, error_class="ErpUnavailable", error="erp answered 503: maintenance")
    result = invoke(dlq, ["list"], settings)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["ENTITY", "KEY", "STATE", "LETTERS", "NEWEST", "ID", "ATTEMPTS", "LAST", "ATTEMPT",
                                "ERROR", "CLASS"]
    assert lines[1].split()[:6] == ["product", "WB-RED", "open", "1", "evt-product-WB-RED", "1"]
    assert lines[2] == f"    error: {TOKEN_ERROR}"
    assert lines[3].split()[:6] == ["order", "17", "open", "1", "evt-order-17", "8"] and "ErpUnavailable" in lines[3]
    assert lines[-1] == "2 dead letters of 2 records: product 1, order 1"


def test_a_newer_dead_letter_supersedes_the_older_one_of_the_same_record(settings, put_dead):
    put_dead("order", "17", event_id="evt-old", error_class="ErpRejected", error="erp answered 422: old",
             dead_at=NOW - dt.timedelta(minutes=10))
    put_dead("order", "17", event_id="evt-new", error_class="ErpRejected", error="erp answered 422: new",
             dead_at=NOW - dt.timedelta(minutes=1))
    put_dead("order", "18", error_class="ErpUnavailable", error="erp answered 503: maintenance")
    lines = invoke(dlq, ["list"], settings).stdout.splitlines()
    assert lines[1].split()[:5] == ["order", "17", "open", "2", "evt-new"]
    assert lines[2] == "    error: erp answered 422: new" and lines[3] == "    older, settled: evt-old"
    assert lines[-1].startswith("1 dead letter settled")
    states = {item["id"]: (item["state"], item["settled_by"])
              for item in json.loads(invoke(dlq, ["list", "--json"], settings).stdout)}
    assert states == {"evt-old": ("superseded", "evt-new"), "evt-new": ("open", None),
                      "evt-order-18": ("open", None)}


def test_a_later_sync_resolves_the_records_dead_letters_and_purge_settled_removes_them(settings, put_dead,
                                                                                       amqp_channel, engine):
    put_dead("order", "17", event_id="evt-old", dead_at=NOW - dt.timedelta(minutes=10))
    put_dead("order", "18", event_id="evt-open", dead_at=NOW - dt.timedelta(minutes=10))
    ReportStore(engine).record(event_id="evt-reconcile", entity="order", key="17", action="save", status="synced",
                               attempts=1, duration_ms=5, at=NOW - dt.timedelta(minutes=2))
    listed = invoke(dlq, ["list"], settings).stdout.splitlines()
    rows = {line.split()[1]: line.split()[2] for line in listed[1:] if line.startswith("order")}
    assert rows == {"17": "resolved", "18": "open"}
    assert f"    resolved: synced {parsing.iso(NOW - dt.timedelta(minutes=2))}" in listed
    only_open = invoke(dlq, ["list", "--state", "open", "--json"], settings).stdout
    assert [item["id"] for item in json.loads(only_open)] == ["evt-open"]
    result = invoke(dlq, ["purge", "--settled", "--yes"], settings)
    assert result.exit_code == 0 and "removed 1 dead letter" in result.stdout
    assert ids(peek(amqp_channel, dead_queue("order"))) == ["evt-open"]


def test_list_filters_by_key_and_error_class(settings, put_dead):
    put_dead("order", "17", error_class="ErpRejected", error="erp answered 422: x")
    put_dead("order", "18", error_class="ErpUnavailable", error="erp answered 503: y")
    put_dead("product", "17", error_class="ErpRejected", error="erp answered 422: z")
    by_key = json.loads(invoke(dlq, ["list", "--json", "--key", "17"], settings).stdout)
    by_class = json.loads(invoke(dlq, ["list", "--json", "--error-class", "erpunavailable"], settings).stdout)
    both = json.loads(invoke(dlq, ["list", "--json", "--entity", "order", "--key", "17", "--error-class",
                                   "ErpRejected"], settings).stdout)
    assert sorted(item["id"] for item in by_key) == ["evt-order-17", "evt-product-17"]
    assert [item["id"] for item in by_class] == ["evt-order-18"]
    assert [item["id"] for item in both] == ["evt-order-17"]


def test_list_json_has_the_documented_fields(settings, put_dead):
    put_dead("order", "17", attempts=8, error_class="ErpUnavailable", error="erp answered 503: maintenance")
    put_dead("product", "WB-RED")
    result = invoke(dlq, ["list", "--json", "--entity", "order"], settings)
    [item] = json.loads(result.stdout)
    assert set(item) == {"id", "entity", "key", "attempts", "first_attempt_at", "last_attempt_at", "error_class",
                         "error", "state", "settled_by"}
    assert (item["id"], item["entity"], item["key"], item["attempts"]) == ("evt-order-17", "order", "17", 8)
    assert item["error_class"] == "ErpUnavailable" and item["error"] == "erp answered 503: maintenance"
    assert item["first_attempt_at"] and item["last_attempt_at"]


def test_list_says_so_when_there_is_nothing(settings):
    assert invoke(dlq, ["list"], settings).stdout == "no dead letters\n"
    assert json.loads(invoke(dlq, ["list", "--json"], settings).stdout) == []


def test_show_prints_the_whole_dead_letter(settings, put_dead):
    long_error = "erp answered 422: " + "the partner's VAT number is invalid; " * 40
    put_dead("customer", "5", error_class="ErpRejected", error=long_error)
    listed = invoke(dlq, ["list"], settings).stdout
    assert "dlq show evt-customer-5 for the whole text" in listed and long_error not in listed
    result = invoke(dlq, ["show", "evt-customer-5"], settings)
    shown = json.loads(result.stdout)
    assert shown["error"] == long_error and shown["headers"]["bridge-error"] == long_error
    assert shown["body"]["key"] == "5" and shown["queue"] == "magento.customer.dead"


def test_show_of_an_unknown_id_fails_clearly(settings):
    result = invoke(dlq, ["show", "nope"], settings)
    assert result.exit_code == 1 and "no dead letter has the id 'nope'" in result.stderr


def test_replay_needs_a_selector(settings, put_dead):
    put_dead("order", "1")
    result = invoke(dlq, ["replay"], settings)
    assert result.exit_code == 2 and "choose the dead letters" in result.stderr
    assert invoke(dlq, ["replay", "--all", "--entity", "order"], settings).exit_code == 2


def test_replay_dry_run_shows_and_changes_nothing(settings, put_dead, amqp_channel):
    put_dead("order", "1")
    result = invoke(dlq, ["replay", "--all", "--dry-run"], settings)
    assert result.exit_code == 0 and result.stdout.startswith("would replay 1 dead letter (dry run")
    assert "evt-order-1" in result.stdout
    assert depth(amqp_channel, dead_queue("order")) == 1 and depth(amqp_channel, entity_queue("order")) == 0


def test_replay_by_entity_by_id_and_all(settings, put_dead, amqp_channel):
    for key in ("1", "2", "3"):
        put_dead("order", key)
    put_dead("product", "WB-RED")
    assert invoke(dlq, ["replay", "--id", "evt-order-2", "--id", "evt-order-3"], settings).stdout == \
        "replayed 2 dead letters\n"
    assert invoke(dlq, ["replay", "--entity", "product"], settings).stdout == "replayed 1 dead letter\n"
    assert ids(peek(amqp_channel, dead_queue("order"))) == ["evt-order-1"]
    assert invoke(dlq, ["replay", "--all"], settings).exit_code == 0
    replayed = drain(amqp_channel, entity_queue("order"))
    assert ids(replayed) == ["evt-order-2", "evt-order-3", "evt-order-1"]
    assert {body["source"] for body in bodies(replayed)} == {"replay"}
    assert depth(amqp_channel, entity_queue("product")) == 1 and depth(amqp_channel, dead_queue("order")) == 0


def test_replay_since_takes_an_age_or_a_time(settings, put_dead, amqp_channel):
    import datetime as dt

    put_dead("order", "1", dead_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    put_dead("order", "2")
    assert invoke(dlq, ["replay", "--since", "1h"], settings).stdout == "replayed 1 dead letter\n"
    assert invoke(dlq, ["replay", "--since", "2025-12-31T00:00:00Z"], settings).stdout == "replayed 1 dead letter\n"
    assert ids(drain(amqp_channel, entity_queue("order"))) == ["evt-order-2", "evt-order-1"]
    assert invoke(dlq, ["replay", "--since", "yesterday"], settings).exit_code == 2


def test_replay_of_an_unknown_id_says_which(settings, put_dead, amqp_channel):
    put_dead("order", "1")
    result = invoke(dlq, ["replay", "--id", "evt-order-1", "--id", "gone"], settings)
    assert result.exit_code == 1 and "replayed 1 dead letter" in result.stdout
    assert "no dead letter has the id gone" in result.stderr


def test_replay_leaves_a_malformed_dead_letter_and_says_how_to_remove_it(settings, put_dead, amqp_channel):
    put_dead("order", "9", body=b"{oops")
    result = invoke(dlq, ["replay", "--all"], settings)
    assert result.exit_code == 1
    assert "cannot replay body-sha1-" not in result.stderr  # the message id is kept
    assert "cannot replay evt-order-9 (order): message body is not JSON" in result.stderr
    assert "bridgectl dlq purge --id evt-order-9 --yes" in result.stderr
    assert depth(amqp_channel, dead_queue("order")) == 1


def test_purge_without_yes_removes_nothing(settings, put_dead, amqp_channel):
    put_dead("order", "1")
    put_dead("order", "2")
    result = invoke(dlq, ["purge", "--entity", "order"], settings)
    assert result.exit_code == 0 and result.stdout.startswith("would remove 2 dead letters:")
    assert result.stdout.endswith("nothing removed: run again with --yes to remove these 2 dead letters\n")
    assert depth(amqp_channel, dead_queue("order")) == 2


def test_purge_with_yes_removes_what_it_printed(settings, put_dead, amqp_channel):
    put_dead("order", "1")
    put_dead("order", "2")
    put_dead("invoice", "3")
    result = invoke(dlq, ["purge", "--id", "evt-order-2", "--yes"], settings)
    assert result.stdout.startswith("removing 1 dead letter:") and "evt-order-2" in result.stdout
    assert result.stdout.endswith("removed 1 dead letter\n")
    assert ids(peek(amqp_channel, dead_queue("order"))) == ["evt-order-1"]
    assert invoke(dlq, ["purge", "--all", "--yes"], settings).stdout.endswith("removed 2 dead letters\n")
    assert depth(amqp_channel, dead_queue("order")) == depth(amqp_channel, dead_queue("invoice")) == 0
    assert invoke(dlq, ["purge", "--all", "--yes"], settings).stdout == "no dead letters match\n"


def test_an_unreachable_broker_is_a_clear_error(make_settings):
    settings = make_settings(AMQP_URL=f"amqp://guest:guest@127.0.0.1:{free_port()}/%2F")
    result = invoke(dlq, ["list"], settings)
    assert result.exit_code == 1
    port = settings.amqp_url.split(':')[-1].split('/')[0]
    assert f"cannot reach the broker at 127.0.0.1:{port}: connection refused" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_replay_of_many_draws_a_progress_bar_on_a_terminal(settings, put_many_dead, monkeypatch):
    import ops.dlq_cmd

    monkeypatch.setattr(ops.dlq_cmd, "is_terminal", lambda: True)
    put_many_dead("product", [f"P{n:04d}" for n in range(ops.dlq_cmd.PROGRESS_FROM)])
    result = invoke(dlq, ["replay", "--entity", "product"], settings)
    assert result.stdout == f"replayed {ops.dlq_cmd.PROGRESS_FROM} dead letters\n"
    assert "replayed: 100%" in result.stderr and f"{ops.dlq_cmd.PROGRESS_FROM}/{ops.dlq_cmd.PROGRESS_FROM}" in \
        result.stderr


def test_control_characters_in_dead_letters_are_printed_escaped(settings, put_dead):
    put_dead("product", "WB-RED", event_id="evt-\x1b]0;owned\x07", error="erp echoed \x1b[2J\x9b31m and left")
    for args in (["list"], ["list", "--json"], ["show", "evt-\x1b]0;owned\x07"]):
        printed = invoke(dlq, args, settings).stdout
        assert not any(char in printed for char in "\x1b\x07\x9b"), args
        assert "\\x1b" in printed or "\\u001b" in printed
    [item] = json.loads(invoke(dlq, ["list", "--json"], settings).stdout)
    assert item["error"] == "erp echoed \x1b[2J\x9b31m and left"  # the JSON still says exactly what was stored
