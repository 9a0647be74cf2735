"""Fixtures for the mapper tests: the project's own Magento-shaped records under ``fixtures/``."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

FIXTURES_DIR = Path(__file__).resolve().parent / "fixtures"
ORDER_FIXTURES = tuple(sorted(path.name for path in FIXTURES_DIR.glob("order.*.json")))


def read_fixture(name: str) -> dict[str, Any]:
    """A fresh copy of one fixture record (tests may change it freely)."""
    return json.loads((FIXTURES_DIR / name).read_text())


@pytest.fixture
def record() -> Callable[[str], dict[str, Any]]:
    """``record("order.guest.json")``: a fresh copy of that fixture."""
    return read_fixture
