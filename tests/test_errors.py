"""One error root: every error class textlens raises on purpose is a TextlensError of a kind, and the CLI turns
any of them into one clear line and an exit code (2: the user's input or configuration, 1: anything else)."""
from __future__ import annotations

import importlib
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from textlens import errors
from textlens.cli import app

# (module, class, kind, the builtin callers caught before the root existed)
CLASSES = [
    ("textlens.locking", "StoreBusy", errors.StoreError, RuntimeError),
    ("textlens.store", "StoreError", errors.StoreError, RuntimeError),
    ("textlens.query", "QueryError", errors.InputError, ValueError),
    ("textlens.dynamics.divergence", "MappingError", errors.ConfigError, ValueError),
    ("textlens.report.browser", "BrowserError", errors.AnalysisError, RuntimeError),
    ("textlens.topics.edits", "TopicEditError", errors.InputError, ValueError),
    ("textlens.themes.classifier", "ClassifierError", errors.InputError, ValueError),
    ("textlens.themes.taxonomy", "TaxonomyError", errors.ConfigError, ValueError),
    ("textlens.ingest.tables", "TableError", errors.InputError, ValueError),
    ("textlens.ingest.clean", "DecodeError", errors.InputError, ValueError),
    ("textlens.sentiment.predict", "ModelError", errors.ModelError, RuntimeError),
    ("textlens.entities.kb", "KBError", errors.ConfigError, ValueError),
    ("textlens.parallel", "WorkerError", errors.AnalysisError, RuntimeError),
    ("textlens.embeddings.base", "EmbeddingError", errors.ModelError, RuntimeError),
    ("textlens.embeddings.convert", "ConversionError", errors.ModelError, RuntimeError),
]


@pytest.mark.parametrize("module, name, kind, builtin", CLASSES, ids=[c[1] for c in CLASSES])
def test_every_error_class_has_the_root_its_kind_and_its_old_builtin(module, name, kind, builtin):
    cls = getattr(importlib.import_module(module), name)
    assert issubclass(cls, kind) and issubclass(cls, errors.TextlensError)
    assert issubclass(cls, builtin)  # `except ValueError` / `except RuntimeError` of older callers still catch it
    exc = cls("x.toml: line 3: no name")
    restored = pickle.loads(pickle.dumps(exc))  # workers send errors to the parent
    assert type(restored) is cls and str(restored) == str(exc)
    assert exc.exit_code == (2 if issubclass(cls, errors.InputError) else 1)


def _run_cli(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    import os

    return subprocess.run([sys.executable, "-m", "textlens.cli", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env={**os.environ, "TEXTLENS_LANG": "en", **(env or {})})


def _one_text(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "avis.txt").write_text("Le conseiller m'a rappelé le lendemain et a réglé mon dossier.\n", encoding="utf-8")
    return folder


@pytest.mark.parametrize("content, says", [
    ("not = [valid\n", "invalid TOML"),
    ('[themes.price]\nlabel = "Price"\n', "theme 'price': needs 'terms' or 'examples'"),
])
def test_a_bad_taxonomy_file_ends_with_one_clear_line_and_exit_code_2(tmp_path, content, says):
    bad = tmp_path / "my_taxonomy.toml"
    bad.write_text(content, encoding="utf-8")
    proc = _run_cli(["run", str(_one_text(tmp_path)), "--db", str(tmp_path / "t.db"), "--taxonomy", str(bad),
                     "--only", "themes", "--no-topics", "--quiet"], cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    starts = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(starts) == 1 and "my_taxonomy.toml" in starts[0], proc.stderr
    assert says in proc.stderr[proc.stderr.index("error:"):]  # the reason follows (a list of problems may follow)


def test_a_bad_knowledge_base_named_by_the_environment_ends_cleanly(tmp_path):
    kb = tmp_path / "kb.yaml"
    kb.write_text("broken: [\n", encoding="utf-8")
    proc = _run_cli(["run", str(_one_text(tmp_path)), "--db", str(tmp_path / "k.db"), "--only", "entities",
                     "--no-topics", "--quiet"], cwd=tmp_path, env={"TEXTLENS_ENTITIES_KB": str(kb)})
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "kb.yaml" in proc.stderr


def test_a_missing_optional_package_names_the_extra_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if `textlens[dask]` were not installed
    db = tmp_path / "d.db"
    result = CliRunner().invoke(app, ["run", str(_one_text(tmp_path)), "--db", str(db), "--dask", "tcp://127.0.0.1:1",
                                      "--no-topics", "--quiet", "--lang", "en"])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)  # handled at the edge, not a traceback
    assert 'pip install "textlens[dask]"' in result.output and "distributed" in result.output
    assert not db.exists()  # stopped before the run was recorded or anything ingested


def test_missing_extra_error_is_an_import_error_and_crosses_processes():
    exc = errors.MissingExtraError("--dask", "distributed", "dask")
    assert isinstance(exc, ImportError)
    restored = pickle.loads(pickle.dumps(exc))
    assert restored.message("fr") != restored.message("en")
    assert "textlens[dask]" in restored.message("fr") and "textlens[dask]" in str(restored)


def test_a_python_bug_is_not_swallowed_by_the_edge(monkeypatch, tmp_path):
    """Only TextlensError is turned into a message: anything else keeps its traceback (it is a bug to fix)."""
    import textlens.pipeline

    def broken(*args, **kwargs):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(textlens.pipeline, "run", broken)
    result = CliRunner().invoke(app, ["run", str(_one_text(tmp_path)), "--db", str(tmp_path / "b.db")])
    assert isinstance(result.exception, ZeroDivisionError)
