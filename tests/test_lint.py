"""Code habits checked on the whole repository: ruff with the rules of pyproject.toml, and a library that leaves
logging to the application (it never configures handlers or the root logger's level)."""
from __future__ import annotations

import ast
import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# The CLI is the application: it alone configures logging (textlens/cli/errors.py).
LOGGING_OWNERS = {"textlens/cli/errors.py"}


def _ruff() -> list[str]:
    if importlib.util.find_spec("ruff") is not None:
        return [sys.executable, "-m", "ruff"]
    found = shutil.which("ruff")
    if found is None:
        pytest.skip("ruff is not installed (pip install -e '.[dev]')")
    return [found]


def test_ruff_passes_on_the_whole_repository():
    proc = subprocess.run([*_ruff(), "check", "--no-cache", "--output-format", "concise", str(ROOT)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _root_logging_calls(tree: ast.AST) -> list[tuple[int, str]]:
    """`logging.basicConfig(...)` and `logging.getLogger().setLevel(...)` / `.addHandler(...)` (the root logger)."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        func = node.func
        if func.attr == "basicConfig":
            found.append((node.lineno, "logging.basicConfig"))
        elif (func.attr in {"setLevel", "addHandler"} and isinstance(func.value, ast.Call)
              and isinstance(func.value.func, ast.Attribute) and func.value.func.attr == "getLogger"
              and not func.value.args):
            found.append((node.lineno, f"logging.getLogger().{func.attr}"))
    return found


def test_the_library_never_configures_the_root_logger():
    offenders = []
    for path in sorted((ROOT / "textlens").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel in LOGGING_OWNERS:
            continue
        offenders += [f"{rel}:{line}: {what}" for line, what in _root_logging_calls(ast.parse(path.read_text()))]
    assert not offenders, offenders


def test_the_root_logger_check_finds_what_it_looks_for():
    """The check above would pass on anything if it recognised nothing: it must see the forms it forbids."""
    code = ("import logging\nlogging.getLogger().setLevel(logging.ERROR)\nlogging.basicConfig()\n"
            "logging.getLogger(__name__).setLevel(logging.DEBUG)\n")
    assert _root_logging_calls(ast.parse(code)) == [(2, "logging.getLogger().setLevel"), (3, "logging.basicConfig")]
