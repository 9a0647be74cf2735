"""``bridgectl backfill``: the summary the operator reads, and a real process killed half-way then resumed."""

from __future__ import annotations

import collections
import signal
import sys

from broker.topology import entity_queue
from ops.backfill_cmd import backfill
from store.db import make_engine
from store.positions import BackfillPositions
from tests import support
from tests.ops.conftest import MAGENTO_TOKEN
from tests.ops.helpers import bodies, drain, invoke


def child_env(settings, **extra):
    return {"AMQP_URL": settings.amqp_url, "MAGENTO_BASE_URL": settings.magento_base_url,
            "MAGENTO_ACCESS_TOKEN": MAGENTO_TOKEN, "DATABASE_URL": settings.database_url, "LOG_LEVEL": "INFO",
            **extra}


def test_the_summary_says_what_was_published_skipped_and_how_to_resume(settings, magento, amqp_channel):
    magento.generate_products(12)
    magento.admin("POST", "/modules/Magento_Customer/disable")
    result = invoke(backfill, ["product", "customer", "--batch-size", "5"], settings)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].split()[:4] == ["product", "finished", "12", "notifications"]
    assert lines[1].split()[:2] == ["customer", "skipped"]
    assert "its Magento endpoint does not exist" in result.stdout
    assert "not published: the records from the start; when the cause is fixed: " \
           "bridgectl backfill customer --resume" in result.stdout
    assert len(drain(amqp_channel, entity_queue("product"))) == 12


def test_a_complete_backfill_exits_zero_and_resume_then_has_nothing_to_do(settings, magento, amqp_channel):
    magento.generate_products(3)
    assert invoke(backfill, ["product"], settings).exit_code == 0
    again = invoke(backfill, ["product", "--resume"], settings)
    assert again.exit_code == 0 and "already finished" in again.stdout


def test_until_before_since_is_refused(settings):
    result = invoke(backfill, ["product", "--since", "2024-05-02T00:00:00Z", "--until", "2024-05-01T00:00:00Z"],
                    settings)
    assert result.exit_code == 2 and "--until is before --since" in result.stderr


def test_unknown_entities_and_missing_magento_settings_are_refused(make_settings, settings):
    assert invoke(backfill, ["widget"], settings).exit_code == 2
    result = invoke(backfill, ["product"], make_settings(AMQP_URL=settings.amqp_url))
    assert result.exit_code == 78 and "MAGENTO_BASE_URL, MAGENTO_ACCESS_TOKEN must be set" in result.stderr


def run_child_until(settings, pages: int, sig: int) -> tuple[int, str]:
    """Run ``bridgectl backfill product`` as a child, send ``sig`` once ``pages`` pages are saved."""
    command = [sys.executable, "-m", "ops.cli", "backfill", "product", "--batch-size", "50", "--delay", "0.05"]
    positions = BackfillPositions(make_engine(settings.database_url))
    with support.running(command, env=child_env(settings)) as proc:
        support.wait_for(lambda: proc.poll() is not None or _pages_done(positions) >= pages, timeout=60,
                         interval=0.01, message=f"{pages} pages")
        assert proc.poll() is None, f"the backfill ended early:\n{proc.log_path.read_text()[-3000:]}"
        code = support.stop(proc, sig)
        log = proc.log_path.read_text()
    positions.engine.dispose()
    return code, log


def _pages_done(positions: BackfillPositions) -> int:
    try:
        position = positions.load("product")
    except Exception:  # the child has not created the tables yet
        return 0
    return position.pages_done if position else 0


def test_a_backfill_killed_half_way_resumes_without_repeating_finished_pages(settings, magento, engine,
                                                                             amqp_channel):
    magento.generate_products(2500)
    all_keys = magento.keys("product")
    code, _log = run_child_until(settings, 5, signal.SIGKILL)
    assert code == -signal.SIGKILL
    saved = BackfillPositions(engine).load("product")
    first = drain(amqp_channel, entity_queue("product"))
    assert not saved.finished and saved.published >= 250
    result = invoke(backfill, ["product", "--batch-size", "97", "--resume"], settings)
    assert result.exit_code == 0, result.output
    second = drain(amqp_channel, entity_queue("product"))
    second_keys = [body["key"] for body in bodies(second)]
    assert second_keys == all_keys[saved.published:]  # the finished pages are not published again
    first_ids = {body["key"]: properties.message_id for (properties, _), body in zip(first, bodies(first))}
    assert set(first_ids) | set(second_keys) == set(all_keys)
    repeated = set(first_ids) & set(second_keys)
    assert len(repeated) <= 50  # at most the page that was in flight when the process died ...
    second_ids = {body["key"]: properties.message_id for (properties, _), body in zip(second, bodies(second))}
    assert all(first_ids[key] == second_ids[key] for key in repeated)  # ... and with the same event ids
    assert collections.Counter(second_keys).most_common(1)[0][1] == 1
    print(f"killed after {len(first_ids)} published ({saved.pages_done} pages saved); resumed with "
          f"{len(second_keys)}; {len(repeated)} published twice")


def test_sigterm_stops_after_the_current_page_and_resume_repeats_nothing(settings, magento, engine, amqp_channel):
    magento.generate_products(1500)
    all_keys = magento.keys("product")
    code, log = run_child_until(settings, 3, signal.SIGTERM)
    assert code == 1 and "interrupted: --resume continues" in log
    first = [body["key"] for body in bodies(drain(amqp_channel, entity_queue("product")))]
    assert first == all_keys[:len(first)] and len(first) % 50 == 0
    assert invoke(backfill, ["product", "--resume"], settings).exit_code == 0
    second = [body["key"] for body in bodies(drain(amqp_channel, entity_queue("product")))]
    assert first + second == all_keys


def test_records_stepped_over_are_named_with_what_happened_to_them():
    from ops.backfill import EntityReport, Unlisted
    from ops.backfill_cmd import summary

    report = EntityReport("product", "finished", published=299, published_total=299,
                          unlisted=[Unlisted(150, False, "Internal Error. Report ID: webapi-1")])
    order = EntityReport("order", "finished", published=5, published_total=5,
                         unlisted=[Unlisted(7, True, "Internal Error. Report ID: webapi-2")])
    lines = "\n".join(summary([report, order]))
    assert "record 150 cannot be listed (Internal Error. Report ID: webapi-1); not published (its key cannot " \
           "be read): fix it in Magento; saving it there sends it (webhook or reconciler)" in lines
    assert "record 7 cannot be listed (Internal Error. Report ID: webapi-2); published by its id" in lines
