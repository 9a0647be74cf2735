"""``bridgectl reports``: filters, the --json shape, relative and absolute --since, the full error text."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from ops.cli import cli
from ops.reports_cmd import JSON_FIELDS
from store.db import ensure_schema, make_engine
from store.reports import ReportStore

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
MAGENTO_ERROR = ('MagentoValidationError', 'magento answered 400: Invalid product data: Invalid attribute set '
                 'entity type. ' + "The attribute \"color\" has no option \"teal\". " * 60 + "\nSee the store log.")


@pytest.fixture
def database(sqlite_url) -> str:
    """A database holding five reports of the last few hours; yields its URL."""
    engine = make_engine(sqlite_url)
    ensure_schema(engine)
    store = ReportStore(engine)
    rows = [
        ("evt-a", "product", "24-MB01", "synced", 1, None, None, 5 * 60),
        ("evt-b", "product", "bla/koe", "dead", 8, *MAGENTO_ERROR, 4 * 60),
        ("evt-c", "stock", "24-MB01", "retrying", 2, "ErpUnavailable", "erp answered 503: busy", 90),
        ("evt-d", "order", "1042", "skipped", 1, None, None, 30),
        ("evt-e", "product", "24-MB02", "synced", 1, None, None, 10),
    ]
    for event_id, entity, key, status, attempts, error_class, error, minutes_ago in rows:
        store.record(event_id=event_id, entity=entity, key=key, action="save", status=status, attempts=attempts,
                     duration_ms=42, error_class=error_class, error=error,
                     detail="unchanged" if status == "skipped" else None,
                     at=NOW - dt.timedelta(minutes=minutes_ago))
    engine.dispose()
    return sqlite_url


def run(database: str, *args: str):
    return CliRunner().invoke(cli, ["reports", "--database-url", database, *args])


def event_ids(result) -> list[str]:
    return [item["event_id"] for item in json.loads(result.stdout)]


def test_json_is_an_array_of_exactly_the_documented_fields(database):
    result = run(database, "--json")

    assert result.exit_code == 0, result.output
    items = json.loads(result.stdout)
    assert [item["event_id"] for item in items] == ["evt-e", "evt-d", "evt-c", "evt-b", "evt-a"]
    assert all(tuple(item) == JSON_FIELDS for item in items)
    dead = items[3]
    assert dead == {"event_id": "evt-b", "entity": "product", "key": "bla/koe", "status": "dead", "attempts": 8,
                    "duration_ms": 42, "error": MAGENTO_ERROR[1], "at": dead["at"]}
    assert dt.datetime.fromisoformat(dead["at"].replace("Z", "+00:00")) == NOW - dt.timedelta(hours=4)
    assert dead["at"].endswith("Z")


@pytest.mark.parametrize(("args", "expected"), [
    (["--entity", "product"], ["evt-e", "evt-b", "evt-a"]),
    (["--status", "synced"], ["evt-e", "evt-a"]),
    (["--entity", "product", "--status", "dead"], ["evt-b"]),
    (["--since", "1h"], ["evt-e", "evt-d"]),
    (["--since", "120m", "--entity", "stock"], ["evt-c"]),
    (["--since", "2d"], ["evt-e", "evt-d", "evt-c", "evt-b", "evt-a"]),
    (["--limit", "2"], ["evt-e", "evt-d"]),
    (["--status", "skipped", "--entity", "stock"], []),
])
def test_filters(database, args, expected):
    result = run(database, "--json", *args)

    assert result.exit_code == 0, result.output
    assert event_ids(result) == expected


def test_since_accepts_an_absolute_iso_time(database):
    since = (NOW - dt.timedelta(minutes=100)).isoformat().replace("+00:00", "Z")
    in_other_zone = (NOW - dt.timedelta(minutes=100)).astimezone(dt.timezone(dt.timedelta(hours=-5))).isoformat()

    assert event_ids(run(database, "--json", "--since", since)) == ["evt-e", "evt-d", "evt-c"]
    assert event_ids(run(database, "--json", "--since", in_other_zone)) == ["evt-e", "evt-d", "evt-c"]


def test_the_table_shows_every_report_and_the_full_error_text(database):
    result = run(database)

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["AT", "ENTITY", "KEY", "ACTION", "STATUS", "ATTEMPTS", "MS", "DETAIL", "EVENT"]
    assert [line.split()[-1] for line in lines[1:] if line.startswith("20")] == \
        ["evt-e", "evt-d", "evt-c", "evt-b", "evt-a"]
    error_lines = [line for line in lines if line.startswith("    ")]
    shown = "\n".join(line.strip() for line in error_lines)
    assert f"error: {MAGENTO_ERROR[0]}: {MAGENTO_ERROR[1].splitlines()[0].rstrip()}" in shown
    assert "See the store log." in shown
    assert "error: ErpUnavailable: erp answered 503: busy" in shown
    assert "unchanged" in result.stdout
    assert lines[-1] == "5 reports, newest first"


def test_nothing_matching_says_so(database):
    assert run(database, "--entity", "invoice").stdout.strip() == "no reports match"
    assert json.loads(run(database, "--entity", "invoice", "--json").stdout) == []


def test_hitting_the_limit_says_so_on_stderr(database):
    result = run(database, "--json", "--limit", "5")

    assert len(json.loads(result.stdout)) == 5
    assert "--limit 0 shows all" in result.stderr
    assert "--limit" not in run(database, "--json", "--limit", "0").stderr


@pytest.mark.parametrize(("args", "says"), [
    (["--since", "yesterday"], "neither an ISO 8601 time"),
    (["--since", "2026-13-01"], "neither an ISO 8601 time"),
    (["--entity", "widget"], "'widget' is not one of"),
    (["--status", "failed"], "'failed' is not one of"),
    (["--limit", "-1"], "-1 is not in the range"),
    (["--prune-older-than", "soon"], "must be a duration"),
])
def test_bad_options_are_clear_usage_errors(database, args, says):
    result = run(database, *args)

    assert result.exit_code == 2
    assert says in result.stderr


def test_a_bad_database_url_names_the_variable():
    result = CliRunner().invoke(cli, ["reports", "--database-url", "mysql://x/y"])

    assert result.exit_code == 78
    assert "DATABASE_URL" in result.stderr and "sqlite:///" in result.stderr


def test_prune_deletes_older_reports(database):
    result = run(database, "--prune-older-than", "3h")

    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "deleted 2 reports older than 3h"
    assert event_ids(run(database, "--json")) == ["evt-e", "evt-d", "evt-c"]


def test_prune_subcommand_keeps_reports_retention_days_by_default(database):
    engine = make_engine(database)
    ReportStore(engine).record(event_id="evt-old", entity="customer", key="7", action="save", status="dead",
                               attempts=8, duration_ms=1, error="erp answered 422: ***",
                               at=NOW - dt.timedelta(days=31))
    engine.dispose()

    kept = CliRunner().invoke(cli, ["reports", "--database-url", database, "prune"],
                              env={"REPORTS_RETENTION_DAYS": "40"})
    pruned = CliRunner().invoke(cli, ["reports", "prune", "--database-url", database])

    assert kept.exit_code == 0 and kept.stdout.strip() == "deleted 0 reports older than 40d"
    assert pruned.exit_code == 0 and pruned.stdout.strip() == "deleted 1 reports older than 30d"
    assert "evt-old" not in event_ids(run(database, "--json"))
