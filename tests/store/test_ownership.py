"""store/ owns the database: no other package talks SQL, and none reaches past the stores to the tables.

Every query and every write to the bridge's database goes through a store in store/. The other packages may
open an engine (``make_engine``), create the tables (``ensure_schema``), name the engine's type (``Engine``),
catch the database's failures (``DatabaseError``) and ask whether a URL is in memory (``in_memory``); they
import no SQLAlchemy and no database driver. tests/ may (its fixtures build databases), and store/ itself.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OWNER = "store"
NOT_CHECKED = {OWNER, "tests"}
DATABASE_MODULES = ("sqlalchemy", "sqlite3", "psycopg", "psycopg2")
PUBLIC_DB_NAMES = {"make_engine", "ensure_schema", "in_memory", "Engine", "DatabaseError"}
# Modules outside store/ allowed to import a database module anyway, each with its reason.
EXCEPTIONS = {
    "bench/harness.py": "creates and drops throw-away PostgreSQL databases for benchmark and test runs (server "
                        "administration on the admin database; it never touches the bridge's tables)",
    "bench/receiver.py": "catches sqlalchemy.exc.OperationalError from bench.harness.temporary_postgres_database "
                         "(a throw-away database for a benchmark run) to skip the PostgreSQL run; it runs no query",
}


def packages() -> list[str]:
    """Every top-level package of the checkout but store/ and tests/ (a new package is checked too)."""
    return sorted(path.parent.name for path in ROOT.glob("*/__init__.py") if path.parent.name not in NOT_CHECKED)


def modules() -> Iterator[tuple[str, ast.Module]]:
    for package in packages():
        for path in sorted((ROOT / package).rglob("*.py")):
            yield path.relative_to(ROOT).as_posix(), ast.parse(path.read_text(encoding="utf-8"), str(path))


def imported(tree: ast.Module) -> Iterator[tuple[str, list[str], int]]:
    """(module, names imported from it, line) for every import in the file, also inside functions."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, [], node.lineno
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module, [alias.name for alias in node.names], node.lineno


def is_database_module(module: str) -> bool:
    return any(module == name or module.startswith(name + ".") for name in DATABASE_MODULES)


def test_the_checked_packages_are_the_product_and_its_companions():
    assert {"bridge", "consumers", "ops", "core", "schemas", "broker", "magento", "erp"} <= set(packages())


def test_only_store_imports_sqlalchemy_or_a_database_driver():
    found = [f"{path}:{line} imports {module}" for path, tree in modules() for module, _names, line in imported(tree)
             if is_database_module(module) and path not in EXCEPTIONS]
    assert not found, "only store/ may talk to the database; add a store function instead:\n" + "\n".join(found)


def test_other_packages_take_only_the_engine_and_its_error_from_store_db():
    found = [f"{path}:{line} imports {module} {', '.join(sorted(set(names) - PUBLIC_DB_NAMES))}".rstrip()
             for path, tree in modules() for module, names, line in imported(tree)
             if (module == f"{OWNER}.db" and (not names or set(names) - PUBLIC_DB_NAMES))
             or (module == OWNER and "db" in names)]
    assert not found, ("the tables are store/'s own: read and write them through a store, not store.db:\n"
                       + "\n".join(found))


@pytest.mark.parametrize("path", sorted(EXCEPTIONS))
def test_every_exception_is_still_needed(path):
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    assert any(is_database_module(module) for module, _names, _line in imported(tree)), (
        f"{path} no longer imports a database module: remove it from EXCEPTIONS")
