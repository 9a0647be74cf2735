"""``bridgectl erp-poll`` against the HTTP ERP sandbox's change feed and a real RabbitMQ vhost."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
import tenacity

from broker.publisher import Publisher
from core.errors import BrokerUnavailable, ErpRejected
from erp.http import HttpErpBackend
from erp.http_changes import HttpChangeFeed, parse_page
from ops.erp_poll import DONE, FAILED, INTERRUPTED, ErpPoller
from ops.erp_poll_cmd import erp_poll
from ops.erp_poll_sources import HTTP_SOURCE, HttpFeedSource
from sandbox.erp.app import SandboxThread
from schemas.notification import Notification
from store.erp_watermarks import ErpWatermarks
from store.poll_window import PollMark
from tests.ops.helpers import drain, invoke

QUEUE = "erp.stock"
ONE_TRY: dict[str, Any] = {"stop": tenacity.stop_after_attempt(1), "reraise": True,
                           "retry": tenacity.retry_if_exception_type(BrokerUnavailable)}


@pytest.fixture
def erp() -> Iterator[SandboxThread]:
    with SandboxThread() as sandbox:
        yield sandbox




@pytest.fixture
def feed(erp: SandboxThread) -> Iterator[HttpChangeFeed]:
    made = HttpChangeFeed(HttpErpBackend(erp.url, timeout=5))
    yield made
    made.close()


def edit(erp: SandboxThread, entity: str, key: str, **document: Any) -> None:
    erp.store.edit(entity, key, document or {"qty": 1})


def poll(feed: HttpChangeFeed, publisher: Any, watermarks: ErpWatermarks, limit: int = 100) -> Any:
    source = HttpFeedSource(feed, publisher, watermarks, limit=limit, publish_retry=ONE_TRY)
    return ErpPoller([source]).run_once()[0]


def published(channel: Any) -> list[Notification]:
    return [Notification.from_body(body) for _properties, body in drain(channel, QUEUE)]


def test_stock_changes_are_published_and_the_cursor_advances(erp, feed, publisher, watermarks, amqp_channel,
                                                             caplog):
    edit(erp, "stock", "SKU-1", qty=4)
    edit(erp, "product", "SKU-1", name="Box")
    edit(erp, "stock", "SKU-2", qty=1)
    edit(erp, "stock", "SKU-1", qty=3)

    with caplog.at_level(logging.INFO, logger="ops.erp_poll_sources"):
        result = poll(feed, publisher, watermarks, limit=2)

    notes = published(amqp_channel)
    assert (result.status, result.published) == (DONE, 3)  # SKU-1 once per page it is in
    assert sorted(note.key for note in notes) == ["SKU-1", "SKU-1", "SKU-2"]
    assert {(n.entity, n.origin, n.source) for n in notes} == {("stock", "erp", "erp-poll")}
    last = erp.store.changes_after(0, 1000)[-1].cursor
    assert watermarks.load(HTTP_SOURCE).cursor == str(last) == result.watermark
    assert "1 product (not yet synced from the ERP)" in caplog.text

    again = poll(feed, publisher, watermarks)
    assert (again.status, again.published) == (DONE, 0) and published(amqp_channel) == []


def test_the_cursor_does_not_move_while_the_broker_does_not_confirm(erp, feed, publisher, watermarks, amqp_channel):
    edit(erp, "stock", "SKU-1")
    gone = Publisher("amqp://guest:guest@127.0.0.1:1/%2F", name="test-nowhere").start()
    try:
        failed = poll(feed, gone, watermarks)
    finally:
        gone.close(1)

    assert failed.status == FAILED and failed.broker_failed
    assert watermarks.load(HTTP_SOURCE) is None

    healed = poll(feed, publisher, watermarks)
    assert healed.published == 1 and [note.key for note in published(amqp_channel)] == ["SKU-1"]


def test_a_poller_that_lost_the_race_for_the_cursor_stops(erp, feed, publisher, watermarks, amqp_channel):
    import datetime as dt

    edit(erp, "stock", "SKU-1")
    source = HttpFeedSource(feed, publisher, watermarks, publish_retry=ONE_TRY)
    original = feed.page

    def racing_page(after: Any, limit: int) -> Any:
        page = original(after, limit)
        watermarks.advance_cursor(PollMark(HTTP_SOURCE, cursor=page.next), after, dt.datetime.now(dt.UTC))
        return page
    feed.page = racing_page

    result = ErpPoller([source]).run_once()[0]

    assert result.status == INTERRUPTED and "another poller" in (result.reason or "")


def test_a_feed_that_is_not_the_contract_is_refused_with_the_reason():
    with pytest.raises(ErpRejected, match="changes"):
        parse_page({"items": []}, None)
    with pytest.raises(ErpRejected, match="cursor"):
        parse_page({"changes": [{"entity": "stock", "key": "A"}]}, None)
    assert parse_page({"changes": [], "next": ""}, "7").next == "7"


def test_the_command_polls_the_feed_once(erp, make_settings, broker, amqp_channel):
    edit(erp, "stock", "SKU-9")
    settings = make_settings(AMQP_URL=broker, ERP_BACKEND="http", ERP_HTTP_URL=erp.url, ERP_HTTP_CHANGES="1")

    result = invoke(erp_poll, ["--once"], settings)

    assert result.exit_code == 0, result.output
    header, line = result.stdout.splitlines()
    assert header.split() == ["SOURCE", "STATUS", "PUBLISHED", "REPEATS", "FROM", "WATERMARK"]
    assert line.split()[:3] == [HTTP_SOURCE, "done", "1"]
    assert [note.key for note in published(amqp_channel)] == ["SKU-9"]


def test_the_command_exits_1_when_the_erp_is_unreachable(make_settings, broker):
    settings = make_settings(AMQP_URL=broker, ERP_BACKEND="http", ERP_HTTP_URL="http://127.0.0.1:1",
                             ERP_HTTP_CHANGES="1", ERP_TIMEOUT="1")

    result = invoke(erp_poll, ["--once"], settings)

    assert result.exit_code == 1
    assert "failed" in result.stdout and "ErpUnavailable" in result.stdout


def test_an_http_erp_without_a_change_feed_has_nothing_to_poll(make_settings, broker):
    settings = make_settings(AMQP_URL=broker, ERP_BACKEND="http", ERP_HTTP_URL="http://127.0.0.1:1")

    result = invoke(erp_poll, ["--once"], settings)

    assert result.exit_code == 0 and "nothing to poll" in result.stdout


def test_missing_odoo_settings_exit_78(make_settings, broker):
    result = invoke(erp_poll, ["--once"], make_settings(AMQP_URL=broker, ERP_BACKEND="odoo"))

    assert result.exit_code == 78 and "ODOO_URL" in result.output


def test_the_poller_process_keeps_polling_through_an_outage_logs_it_once_and_stops_on_sigterm(
        erp, make_settings, broker, sqlite_url, watermarks, amqp_channel):
    import signal
    import sys

    from tests import support

    env = {"AMQP_URL": broker, "ERP_BACKEND": "http", "ERP_HTTP_URL": erp.url, "ERP_HTTP_CHANGES": "1",
           "DATABASE_URL": sqlite_url, "LOG_LEVEL": "INFO", "ERP_TIMEOUT": "2"}
    args = [sys.executable, "-m", "ops.cli", "erp-poll", "--interval", "0.2"]
    with support.running(args, env=env) as proc:
        requests_post(f"{erp.url}/__sandbox/fail", {"status": 503, "times": 6})
        support.wait_for(lambda: "recovered" in proc.log_path.read_text(), timeout=30, message="the recovery")
        edit(erp, "stock", "SKU-7")
        support.wait_for(lambda: _cursor(watermarks), timeout=30, message="the change published")
        code = support.stop(proc, signal.SIGTERM)
        log = proc.log_path.read_text()
    assert code == 0, log
    assert log.count("erp-poll http:changes failed") == 1, log
    assert "ERP poller started: http:changes every 0.2 s" in log and "ERP poller stopped" in log
    assert [note.key for note in published(amqp_channel)] == ["SKU-7"]


def requests_post(url: str, body: dict) -> None:
    import requests

    requests.post(url, json=body, timeout=5).raise_for_status()


def _cursor(watermarks: ErpWatermarks) -> Any:
    try:
        mark = watermarks.load(HTTP_SOURCE)
    except Exception:  # the child has not created the tables yet
        return None
    return mark.cursor if mark else None
