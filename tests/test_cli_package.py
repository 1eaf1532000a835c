"""The CLI package stays thin (issue #20), checked mechanically so the rules stay true as commands are added:
no private name imported from another module, no command module importing the package
(the old cli <-> cli_* cycle), `--format` a fixed choice everywhere, the shared filters on every query command.
No SQL in the CLI: tests/test_architecture.py checks the whole package."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CLI = ROOT / "textlens" / "cli"
def _private_imports(tree: ast.AST) -> list[tuple[int, str]]:
    """`from textlens... import _name` (a module's private helper used by another module)."""
    return [(n.lineno, f"{n.module}.{a.name}") for n in ast.walk(tree)
            if isinstance(n, ast.ImportFrom) and (n.module or "").startswith("textlens")
            for a in n.names if a.name.startswith("_")]


def _package_imports(tree: ast.AST) -> list[int]:
    """Imports of the package `textlens.cli` itself (its __init__ imports every command module: a cycle)."""
    lines = [n.lineno for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module == "textlens.cli"]
    lines += [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Import)
              for a in n.names if a.name == "textlens.cli"]
    return lines


def _modules() -> list[tuple[str, ast.AST]]:
    return [(p.relative_to(ROOT).as_posix(), ast.parse(p.read_text(encoding="utf-8"))) for p in sorted(CLI.glob("*.py"))]


def test_the_checks_find_what_they_look_for():
    """Checks that recognised nothing would pass on anything."""
    code = ast.parse("from textlens.export import _records\nfrom textlens.cli import fail\nimport textlens.cli\n"
                     "label = 'Select the theme from the list'\n")
    assert _private_imports(code) == [(1, "textlens.export._records")]
    assert _package_imports(code) == [2, 3]


def test_no_private_name_imported_by_the_cli():
    offenders = [f"{path}:{line}: {name}" for path, tree in _modules() for line, name in _private_imports(tree)]
    assert not offenders, offenders


def test_command_modules_never_import_the_package():
    offenders = [f"{path}:{line}" for path, tree in _modules()
                 if not path.endswith(("__init__.py", "__main__.py")) for line in _package_imports(tree)]
    assert not offenders, offenders


def test_no_import_cycle_in_the_cli_package():
    grimp = pytest.importorskip("grimp")
    graph = grimp.build_graph("textlens")
    modules = sorted(m for m in graph.modules if m.startswith("textlens.cli."))
    cycles = [(a, b) for a in modules for b in modules if a < b
              and graph.find_shortest_chain(importer=a, imported=b) and graph.find_shortest_chain(importer=b, imported=a)]
    assert not cycles, cycles


def _commands():
    """Every click command of the app, sub-commands included, with its full name."""
    import typer

    from textlens.cli import app

    stack = [("textlens", typer.main.get_command(app))]
    while stack:
        name, command = stack.pop()
        yield name, command
        stack += [(f"{name} {sub}", c) for sub, c in getattr(command, "commands", {}).items()]


def _is_enum(annotation) -> bool:
    """An Enum, or an Optional Enum."""
    import enum
    import typing

    options = typing.get_args(annotation) or (annotation,)
    return any(isinstance(a, type) and issubclass(a, enum.Enum) for a in options)


def test_every_format_option_is_a_fixed_choice():
    formats = {name: p for name, c in _commands() for p in c.params if "--format" in getattr(p, "opts", [])}
    assert {"textlens export", "textlens info", "textlens show", "textlens report", "textlens trends",
            "textlens drivers", "textlens topics"} <= set(formats)
    loose = [name for name, p in formats.items() if not _is_enum(p.type_descriptor.annotation)]
    assert not loose, loose


def test_shared_filters_are_declared_once_and_reach_every_query_command():
    from textlens.cli.options import FilterCommand, QueryCommand, QueryGroup, declared_params, filter_options
    from textlens.query import Filters

    filter_names = [p.name for p in declared_params(filter_options)]
    assert filter_names == [f for f in Filters.__dataclass_fields__]  # one option per field, same names
    shared = {name: c for name, c in _commands() if isinstance(c, (FilterCommand, QueryCommand, QueryGroup))}
    assert {"textlens search", "textlens trends", "textlens themes", "textlens topics", "textlens sentiment",
            "textlens signals", "textlens drivers", "textlens compare", "textlens emotions", "textlens churn",
            "textlens report"} <= set(shared)
    for name, command in shared.items():
        opts = {o for p in command.params for o in getattr(p, "opts", [])}
        assert {"--year", "--from", "--to", "--theme", "--source", "--limit"} <= opts, name
