"""The duplicate store at start-up: a receiver whose database does not answer starts anyway.

Duplicate detection is an optimisation (the consumers are idempotent), so a receiver that cannot create
or reach its ``seen_events`` table starts, says so once in the log and in ``/readyz`` (still ready), lets
duplicates through, and creates the schema from a background thread as soon as the database answers.
"""

from __future__ import annotations

import logging
import threading

from store.db import DatabaseError, Engine, ensure_schema
from store.seen_events import SeenEvents

log = logging.getLogger(__name__)
FIRST_RETRY_SECONDS = 0.5
MAX_RETRY_SECONDS = 30.0


def open_store(engine: Engine, window_seconds: float) -> SeenEvents:
    """A SeenEvents on ``engine``; when its schema cannot be created now, a thread keeps trying."""
    store = SeenEvents(engine, window_seconds)
    try:
        ensure_schema(engine)
    except DatabaseError as error:
        reason = _first_line(error)
        store.schema_missing(reason)
        log.error("duplicate-detection database unreachable at start-up (%s); starting without duplicate checks "
                  "(duplicates pass, the consumers absorb them) and retrying in the background", reason)
        threading.Thread(target=_retry_schema, args=(engine, store), name="seen-events-schema", daemon=True).start()
    return store


def _retry_schema(engine: Engine, store: SeenEvents) -> None:
    """Create the schema with backoff until it works, then mark the store usable."""
    delay = FIRST_RETRY_SECONDS
    while not store.closed:
        try:
            ensure_schema(engine)
        except DatabaseError:
            store.wait_closed(delay)
            delay = min(delay * 2, MAX_RETRY_SECONDS)
            continue
        store.schema_ready()
        log.info("duplicate-detection database reached; schema ready, duplicate checks on")
        return


def _first_line(error: BaseException) -> str:
    text = str(getattr(error, "orig", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__
