"""How large the backfill's next page is after failures (pure): retry, then narrow down to the failing record."""

from __future__ import annotations

import dataclasses

from core.errors import MagentoBadResponse, MagentoError, MagentoUnavailable

PAGE_ATTEMPTS = 3  # tries of one full page before it is narrowed or given up
RETRY, NARROW, GIVE_UP = "retry", "narrow", "give up"


@dataclasses.dataclass
class PageSizer:
    """The page size after failures: retry a failing page, then halve it until the failing record is alone.

    Once narrowing, each page that goes through doubles the size again (up to ``full``), and narrowing ends
    with a full page that goes through. An outage (``MagentoUnavailable``) is never narrowed.
    """

    full: int
    size: int = 0
    failures: int = 0
    narrowing: bool = False

    def __post_init__(self) -> None:
        self.size = self.size or self.full

    def succeeded(self) -> bool:
        """Note a page that went through; True when the size changes for the next one."""
        self.failures = 0
        if not self.narrowing:
            return False
        if self.size == self.full:
            self.narrowing = False
            return False
        self.size = min(self.size * 2, self.full)
        return True

    def failed(self, error: MagentoError) -> str:
        """RETRY the same page, NARROW it (``size`` halved), or GIVE_UP."""
        if not self.narrowing and self.failures + 1 < PAGE_ATTEMPTS and (
                error.retryable or isinstance(error, MagentoBadResponse)):
            self.failures += 1
            return RETRY
        if isinstance(error, MagentoUnavailable) or self.size == 1:
            return GIVE_UP
        self.narrowing, self.failures, self.size = True, 0, self.size // 2
        return NARROW
