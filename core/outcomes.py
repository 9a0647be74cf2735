"""The statuses of a sync outcome: what the consumers report and ``sync_reports.status`` holds."""

from __future__ import annotations

SYNCED = "synced"
SKIPPED = "skipped"
RETRYING = "retrying"
DEAD = "dead"
STATUSES: tuple[str, ...] = (SYNCED, SKIPPED, RETRYING, DEAD)
# What a handler's Outcome may say; retrying and dead are the worker's, after a failure.
OUTCOME_STATUSES: tuple[str, ...] = (SYNCED, SKIPPED)
# Statuses after which an event needs nothing more (a retrying one comes back).
FINAL_STATUSES: tuple[str, ...] = (SYNCED, SKIPPED, DEAD)
