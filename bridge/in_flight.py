"""Event ids being published by this process right now, so a concurrent redelivery waits for the first."""

from __future__ import annotations

import threading


class InFlight:
    """Event ids being published by this process right now, so a concurrent redelivery waits for the first."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: dict[str, threading.Event] = {}

    def begin(self, event_id: str) -> threading.Event | None:
        """None when the caller now owns ``event_id``; otherwise the Event the owner sets when done."""
        with self._lock:
            running = self._running.get(event_id)
            if running is None:
                self._running[event_id] = threading.Event()
            return running

    def end(self, event_id: str) -> None:
        with self._lock:
            finished = self._running.pop(event_id, None)
        if finished is not None:
            finished.set()
