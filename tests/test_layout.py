"""The layout's rules that lint-imports cannot state: no import cycle among the product's modules, the few
imports of sandbox, bench or tests the product is allowed (ops' demo and sandbox commands) happen lazily, and
no client, backend, channel or settings parameter of the strict packages is typed ``Any``.

The one-way rules between packages are contracts in pyproject.toml, checked by ``lint-imports`` in
``make test`` (docs/architecture.md, "Rooms").
"""

from __future__ import annotations

import ast
import graphlib
import itertools
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = ("core", "schemas", "store", "broker", "magento", "erp", "bridge", "consumers", "ops")
NOT_PRODUCT = ("sandbox", "bench", "tests")


def import_cycles(packages: tuple[str, ...]) -> list[list[str]]:
    """Every import cycle among the modules of ``packages`` (function-level imports included, imports under
    ``if TYPE_CHECKING:`` left out), each as the modules in import order, first one repeated at the end."""
    graph = grimp.build_graph(*packages, exclude_type_checking_imports=True, cache_dir=None)
    imports = {module: set(graph.find_modules_directly_imported_by(module)) for module in graph.modules}
    cycles = []
    while True:
        try:
            graphlib.TopologicalSorter(imports).prepare()
        except graphlib.CycleError as error:
            cycle = list(reversed(error.args[1]))  # graphlib lists a cycle against the import direction
            cycles.append(cycle)
            imports[cycle[0]].discard(cycle[1])  # break it there and look for the next one
        else:
            return cycles


def test_no_module_of_the_product_imports_another_that_imports_it_back() -> None:
    cycles = import_cycles(PRODUCT)
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(cycle) for cycle in cycles)


def test_the_cycle_finder_names_the_modules_of_a_cycle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "loop"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from loop import b\n")
    (package / "b.py").write_text("def late():\n    from loop.c import C\n")
    (package / "c.py").write_text("import loop.a\n")
    (package / "d.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from loop import e\n")
    (package / "e.py").write_text("from loop import d\n")  # a cycle for type checkers only: not one
    monkeypatch.syspath_prepend(str(tmp_path))
    [cycle] = import_cycles(("loop",))
    assert cycle[0] == cycle[-1]
    assert set(itertools.pairwise(cycle)) == {("loop.a", "loop.b"), ("loop.b", "loop.c"), ("loop.c", "loop.a")}


def module_level_imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import in ``path`` that runs when the module is imported (not in a function)."""
    found: list[tuple[int, str]] = []
    pending: list[ast.AST] = [ast.parse(path.read_text(), str(path))]
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append((node.lineno, node.module))
        pending.extend(ast.iter_child_nodes(node))
    return found


def test_the_product_imports_sandbox_bench_or_tests_only_inside_functions() -> None:
    eager = [f"{path.relative_to(ROOT)}:{line}: {module}"
             for package in PRODUCT for path in sorted((ROOT / package).rglob("*.py"))
             for line, module in module_level_imports(path) if module.split(".")[0] in NOT_PRODUCT]
    assert not eager, "imported when the module loads (import it in the command's function):\n" + "\n".join(eager)


def test_module_level_imports_leave_out_those_in_functions(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_text("import os\nif os:\n    from sandbox import cli\n\n\ndef command():\n    import tests\n"
                      "\n\nclass C:\n    import bench.receiver\n\n    def method(self):\n        from bench import x\n")
    assert sorted(module_level_imports(source)) == [(1, "os"), (3, "sandbox"), (11, "bench.receiver")]


STRICT = ("core", "schemas", "store", "broker", "magento", "erp", "consumers")
# Parameters that hold a client, a backend, a broker channel or the settings: typed as what they are, never Any.
TYPED_ROLES = frozenset({"settings", "client", "magento", "backend", "erp", "channel", "connection", "publisher"})


def any_typed_roles(path: Path, root: Path = ROOT) -> list[str]:
    """``file:line name`` of every parameter in ``TYPED_ROLES`` annotated ``Any`` in the file at ``path``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for arg in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]:
                if arg.arg in TYPED_ROLES and isinstance(arg.annotation, ast.Name) and arg.annotation.id == "Any":
                    found.append(f"{path.relative_to(root)}:{arg.lineno} {arg.arg}")
    return found


def test_no_client_backend_channel_or_settings_parameter_is_typed_any_in_the_strict_packages() -> None:
    found = [hit for package in STRICT for path in sorted((ROOT / package).rglob("*.py"))
             for hit in any_typed_roles(path)]
    assert found == []


def test_the_any_finder_names_the_parameter(tmp_path: Path) -> None:
    module = tmp_path / "module.py"
    module.write_text("from typing import Any\n\ndef build(settings: Any, count: Any) -> None: ...\n")
    assert any_typed_roles(module, tmp_path) == ["module.py:3 settings"]
