"""The receiver under real gunicorn (bridge/gunicorn.conf.py, 2 gthread workers, one shared SQLite file)."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from broker.topology import entity_queue
from store.db import seen_events
from tests import support
from tests.bridge.conftest import SECRET, TOKEN, drain, notification, signed_headers

GUNICORN = str(Path(sys.executable).with_name("gunicorn"))


@pytest.fixture(scope="module")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('gunicorn') / 'bridge.sqlite3'}"


@pytest.fixture(scope="module")
def receiver_url(broker_url: str, database_url: str) -> Iterator[str]:
    """One gunicorn for the module; each test's ``amqp_channel`` still starts from empty queues."""
    port = support.free_port()
    sqlite_url = database_url
    env = {"AMQP_URL": broker_url, "DATABASE_URL": sqlite_url, "WEBHOOK_SECRETS": SECRET, "WEBHOOK_TOKENS": TOKEN,
           "LOG_LEVEL": "DEBUG", "MAX_BODY_BYTES": "2048", "WEB_CONCURRENCY": "2"}
    args = [GUNICORN, "-c", "bridge/gunicorn.conf.py", "-b", f"127.0.0.1:{port}", "bridge:create_app()"]
    with support.running(args, env=env, port=port):
        yield f"http://127.0.0.1:{port}"


def post_fresh_connection(url: str, body: bytes) -> requests.Response:
    """One request on a new connection, so the kernel may hand it to either worker."""
    headers = {**signed_headers(body), "Connection": "close"}
    return requests.post(f"{url}/webhooks/magento", data=body, headers=headers, timeout=10)


def recorded(database_url: str, event_id: str) -> bool:
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            query = sa.select(seen_events.c.event_id).where(seen_events.c.event_id == event_id)
            return connection.execute(query).first() is not None
    finally:
        engine.dispose()


def test_a_duplicate_is_recognised_by_the_other_worker_and_published_once(receiver_url: str, database_url: str,
                                                                           amqp_channel) -> None:
    body = notification("evt-two-workers", "category", "save", 12)
    answers = [post_fresh_connection(receiver_url, body)]
    assert answers[0].status_code == 202
    # The accepting worker commits the id a few milliseconds after its 202; from then on every worker knows it.
    support.wait_for(lambda: recorded(database_url, "evt-two-workers"), 10, message="the id to be committed")

    def both_workers_answered() -> bool:
        answers.append(post_fresh_connection(receiver_url, body))
        return len({answer.headers["X-Receiver-Pid"] for answer in answers}) == 2
    support.wait_for(both_workers_answered, 60, interval=0.01, message="answers from both workers")

    assert [answer.status_code for answer in answers] == [202] + [200] * (len(answers) - 1)
    assert all(answer.json() == {"accepted": "evt-two-workers", "duplicate": True} for answer in answers[1:])
    assert len(drain(amqp_channel, entity_queue("category"))) == 1


def test_both_workers_become_ready(receiver_url: str) -> None:
    pids: set[str] = set()

    def ready_everywhere() -> bool:
        answer = requests.get(f"{receiver_url}/readyz", headers={"Connection": "close"}, timeout=5)
        if answer.status_code == 200:
            pids.add(answer.headers["X-Receiver-Pid"])
        return len(pids) == 2
    support.wait_for(ready_everywhere, 60, interval=0.01, message="both workers ready")


def test_a_chunked_body_over_the_limit_is_413(receiver_url: str) -> None:
    connection = http.client.HTTPConnection(receiver_url.removeprefix("http://"), timeout=10)
    try:
        connection.putrequest("POST", "/webhooks/magento")
        connection.putheader("Authorization", f"Bearer {TOKEN}")
        connection.putheader("Content-Type", "application/json")
        connection.putheader("Transfer-Encoding", "chunked")
        connection.endheaders()
        for _ in range(5):
            chunk = b"{" + b" " * 1000
            connection.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        connection.send(b"0\r\n\r\n")
        response = connection.getresponse()
        assert response.status == 413
        assert b"MAX_BODY_BYTES" in response.read()
    finally:
        connection.close()


def test_a_chunked_body_under_the_limit_is_accepted(receiver_url: str) -> None:
    body = notification("evt-chunked")
    connection = http.client.HTTPConnection(receiver_url.removeprefix("http://"), timeout=10)
    try:
        headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
        connection.request("POST", "/webhooks/magento", body=iter([body[:10], body[10:]]), headers=headers,
                           encode_chunked=True)
        assert connection.getresponse().status == 202
    finally:
        connection.close()


def test_a_bad_configuration_stops_gunicorn_with_one_clear_line_no_traceback_and_exit_code_78(broker_url: str) -> None:
    env = {**os.environ, "AMQP_URL": broker_url, "WEBHOOK_SECRETS": "", "WEBHOOK_TOKENS": "",
           "WEBHOOK_TOLERANCE_SECONDS": "soon"}
    args = [GUNICORN, "-c", "bridge/gunicorn.conf.py", "-b", f"127.0.0.1:{support.free_port()}", "bridge:create_app()"]
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 78  # EXIT_CONFIG, as consumers and bridgectl
    lines = [line for line in done.stderr.splitlines() if "invalid configuration" in line]
    assert lines == ["receiver: cannot start: invalid configuration: WEBHOOK_TOLERANCE_SECONDS: must be a whole "
                     "number (got 'soon')"]
    assert "Traceback" not in done.stderr and "Booting worker" not in done.stderr

