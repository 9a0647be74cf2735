"""Helpers for the contract tests against the real Magento payloads in /work/shared/magento-samples.

Every file in that folder has a check: records are mapped with ``map_record`` (``test_contract_mapping``),
request bodies, answers, errors and events are checked for the shapes the bridge's code relies on
(``test_contract_rest``), and the Magento sandbox is held to the recorded answers (``test_contract_sandbox``).
The tests take the ``samples_dir`` fixture (tests/conftest.py), so they are skipped when the folder is absent.
The folder is ``../shared/magento-samples`` next to the repository, or ``MAGENTO_SAMPLES_DIR`` (from a git
worktree: ``MAGENTO_SAMPLES_DIR=/work/shared/magento-samples``): the one way every test finds it.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from schemas.mapping import DOCUMENT_FIELDS, document_hash, map_record

Check = Callable[["Samples"], None]  # a check reads samples as JSON (``sample(name)``) or text (``sample.text``)
SAMPLES_DIR = Path(os.environ.get("MAGENTO_SAMPLES_DIR")
                   or Path(__file__).resolve().parents[2] / "shared" / "magento-samples")
SALES_ENTITIES = ("order", "invoice", "creditmemo")


class Samples:
    """``sample(name)``: a file's JSON (the text of ``.md`` files); ``sample.text(name)``: its raw text."""

    def __init__(self, samples_dir: Path) -> None:
        self.samples_dir = samples_dir

    def text(self, name: str) -> str:
        return (self.samples_dir / name).read_text()

    def __call__(self, name: str) -> Any:
        return self.text(name) if name.endswith(".md") else json.loads(self.text(name))


class Checks(dict[str, Check]):
    """A module's checks by sample file name; ``@checks.register("a.json", "b.json")`` checks both files."""

    def register(self, *names: str) -> Callable[[Check], Check]:
        def register(function: Check) -> Check:
            for name in names:
                self[name] = function
            return function
        return register

    def run(self, samples_dir: Path, name: str) -> None:
        """Run the check of ``name``; a checked file missing from the folder fails."""
        if not (samples_dir / name).is_file():
            pytest.fail(f"{name} is missing from {samples_dir}")
        self[name](Samples(samples_dir))


def mapped(entity: str, record: dict[str, Any]) -> dict[str, Any]:
    """map_record plus the invariants every document keeps."""
    document = map_record(entity, record)
    assert set(document) == set(DOCUMENT_FIELDS[entity])
    assert json.loads(json.dumps(document)) == document
    assert document_hash(document) == document_hash(map_record(entity, record))
    return document


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, abs_tol=0.005)


def sales_record_samples(samples_dir: Path) -> list[str]:
    """The order, invoice and credit memo records of the folder (not request bodies or partial answers)."""
    if not samples_dir.is_dir():
        return []
    return [path.name for path in sorted(samples_dir.glob("*.json"))
            if path.name.split(".")[0] in SALES_ENTITIES
            and not any(part in path.name for part in ("request", "response"))]
