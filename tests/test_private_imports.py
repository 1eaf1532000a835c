"""Import hygiene of the library (issue #20): no private name (`_x`) imported from another textlens module (a name
another module needs is public), and no import cycle between textlens modules (lazy imports count too)."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

def private_imports() -> set[tuple[str, str, str]]:
    found = set()
    for path in (ROOT / "textlens").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("textlens"):
                for alias in node.names:
                    if alias.name.startswith("_") and not alias.name.startswith("__"):
                        found.add((path.relative_to(ROOT).as_posix(), node.module, alias.name))
    return found


def test_no_private_import_across_modules():
    assert private_imports() == set()


def test_the_check_sees_a_private_import(tmp_path, monkeypatch):
    bad = ROOT / "textlens" / "_probe_private_import.py"
    monkeypatch.setattr(Path, "rglob", lambda self, pattern: iter([bad]))
    monkeypatch.setattr(Path, "read_text", lambda self, encoding=None: "from textlens.vocab import _fold_word\n")
    assert private_imports() == {("textlens/_probe_private_import.py", "textlens.vocab", "_fold_word")}


def import_cycles(graph) -> list[list[str]]:
    """The groups of modules that import each other, directly or not (strongly connected, Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups = []
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return groups


def test_no_import_cycle_in_textlens():
    grimp = pytest.importorskip("grimp")
    graph = grimp.build_graph("textlens", cache_dir=None)
    assert import_cycles(graph) == []
    graph.add_import(importer="textlens.errors", imported="textlens.i18n")  # the cycle this issue broke, put back
    assert import_cycles(graph) == [["textlens.errors", "textlens.i18n"]]
