"""The packages form layers: a change on the corpus side cannot break the question
side through a back door, and each package can be read without the ones above it.

Imports inside function bodies count: they hide a dependency, they do not remove it.
"""

from __future__ import annotations

import ast
import importlib

from tests.conftest import ROOT

# What each package may import (besides itself and third-party code).
ALLOWED = {
    "core": set(),
    "ingest": {"core"},
    "chat": {"core"},
    "evals": {"core", "chat"},
    "careerbot": {"core", "chat", "ingest", "evals"},
}


def _imports(package: str) -> dict[str, set[str]]:
    """Each first-party package a module of ``package`` imports, with where."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / package).glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top in ALLOWED and top != package:
                    found.setdefault(top, set()).add(f"{path.name}:{node.lineno}")
    return found


def test_each_package_imports_only_the_layers_below_it():
    wrong = {(package, other): sorted(where)
             for package in ALLOWED for other, where in _imports(package).items()
             if other not in ALLOWED[package]}
    assert not wrong


def test_the_package_graph_has_no_cycle():
    graph = {p: set(_imports(p)) for p in ALLOWED}
    done: set[str] = set()

    def visit(node: str, path: tuple[str, ...]) -> None:
        assert node not in path, " -> ".join((*path, node))
        if node not in done:
            for nxt in graph[node]:
                visit(nxt, (*path, node))
            done.add(node)

    for package in graph:
        visit(package, ())


def test_packages_use_each_other_only_through_the_public_surface():
    """A name another package imports is listed in its ``__init__`` (``_EXPORTS``),
    from the module it lives in: private helpers can change without breaking others."""
    wrong = []
    for package in ALLOWED:
        for path in sorted((ROOT / package).glob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not (isinstance(node, ast.ImportFrom) and node.level == 0 and node.module):
                    continue
                top = node.module.split(".")[0]
                if top not in ALLOWED or top == package:
                    continue
                exports = importlib.import_module(top)._EXPORTS if top != "careerbot" else {}
                for alias in node.names:
                    submodule = node.module == top and (ROOT / top / f"{alias.name}.py").exists()
                    if not submodule and exports.get(alias.name) != node.module:
                        wrong.append(f"{path.relative_to(ROOT)}:{node.lineno} "
                                     f"{node.module}.{alias.name}")
    assert not wrong


def test_app_py_uses_only_the_app_surface():
    tree = ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))
    modules = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert modules <= {"careerbot.serve", "__future__"}
