"""A wheel installed outside the checkout runs `make demo`'s three commands with its shipped models.

Why: models and data used to be found through paths relative to the source tree, which only an editable install
has. Here the wheel is built from a copy of the sources, installed with `pip install --target` into a folder of its
own, and run from a third folder with only that folder on PYTHONPATH (the dependencies come from this environment),
so nothing can be read from the checkout by accident: the test checks that `textlens` and its models load from the
installed folder. The demo commands run on a slice of the demo corpus to stay within two minutes of CPU.
"""
from __future__ import annotations

import csv
import importlib.util
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "corpora" / "demo"
SOURCES = ("pyproject.toml", "setup.py", "README.md", "textlens", "models")
ARTICLES = 6
VERBATIMS = 40

pytestmark = pytest.mark.packaging


def _pip(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pip", *args, "--no-index", "--disable-pip-version-check"],
                          cwd=cwd, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder the wheel was installed into (`pip install --target`)."""
    if importlib.util.find_spec("setuptools") is None:
        pytest.skip("setuptools is not installed: a wheel cannot be built offline here")
    base = tmp_path_factory.mktemp("wheel")
    src = base / "src"  # a copy, so the build leaves no build/ or egg-info in the checkout
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            src.mkdir(exist_ok=True)
            shutil.copy2(ROOT / name, src / name)
    built = _pip("wheel", "--no-deps", "--no-build-isolation", "-w", str(base / "dist"), str(src), cwd=base)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    wheels = list((base / "dist").glob("textlens-*.whl"))
    assert len(wheels) == 1, wheels
    target = base / "site"
    done = _pip("install", "--no-deps", "--target", str(target), str(wheels[0]), cwd=base)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return target


def _env(target: Path) -> dict[str, str]:
    """Only the installed folder on the path; no model override from the caller's environment."""
    keep = {"TEXTLENS_CACHE_DIR", "TEXTLENS_THREADS", "TEXTLENS_FAST_BASE_WORDS"}
    env = {k: v for k, v in os.environ.items() if not k.startswith("TEXTLENS_") or k in keep}
    env.update(PYTHONPATH=str(target), TEXTLENS_LANG="en", PYTHONDONTWRITEBYTECODE="1")
    return env


def test_the_wheel_ships_the_models_and_the_package_data(installed):
    names = {p.relative_to(installed).as_posix() for p in installed.rglob("*") if p.is_file()}
    shipped = {p.relative_to(ROOT / "models").as_posix() for p in (ROOT / "models").rglob("*")
               if p.is_file() and "__pycache__" not in p.parts}
    assert {f"textlens_models/{n}" for n in shipped} <= names
    data = {p.relative_to(ROOT).as_posix() for p in (ROOT / "textlens" / "data").rglob("*") if p.is_file()}
    assert data <= names
    code = {p.relative_to(ROOT).as_posix() for p in (ROOT / "textlens").rglob("*.py")}
    assert code <= names, sorted(code - names)  # every subpackage made it (none forgotten by the package list)


def test_the_installed_package_reads_its_models_from_where_it_is_installed(installed, tmp_path):
    probe = ("import json, sys, textlens, textlens_models\n"
             "from textlens.resources import models_dir\n"
             "from textlens.sentiment.predict import default_model_path\n"
             "print(json.dumps({'textlens': textlens.__file__, 'models': str(models_dir()), "
             "'sentiment': str(default_model_path()), 'path': sys.path}))")
    proc = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env=_env(installed), capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    seen = json.loads(proc.stdout)
    assert Path(seen["textlens"]).is_relative_to(installed)
    assert Path(seen["models"]) == installed / "textlens_models"
    assert Path(seen["sentiment"]).is_file() and Path(seen["sentiment"]).is_relative_to(installed)
    assert not any(p and Path(p).resolve() == ROOT for p in seen["path"])  # the checkout is not importable


def _demo_slice(folder: Path) -> int:
    """A few demo articles and the first demo verbatims (the same layout as corpora/demo); how many documents."""
    (folder / "articles").mkdir(parents=True)
    for path in sorted((DEMO / "articles").iterdir())[:ARTICLES]:
        shutil.copy2(path, folder / "articles" / path.name)
    with open(DEMO / "verbatims.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    with open(folder / "verbatims.csv", "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows[:VERBATIMS + 1])
    return ARTICLES + VERBATIMS


def test_make_demo_commands_run_from_another_folder_with_the_installed_wheel(installed, tmp_path):
    corpus = tmp_path / "demo"
    expected = _demo_slice(corpus)
    work = tmp_path / "elsewhere"
    work.mkdir()
    script = installed / "bin" / "textlens"  # the console script the wheel declares
    command = [sys.executable, str(script)] if script.is_file() else [sys.executable, "-m", "textlens.cli"]
    env = _env(installed)

    def textlens(*args: str) -> subprocess.CompletedProcess:
        proc = subprocess.run([*command, *args], cwd=work, env=env, capture_output=True, text=True, timeout=900)
        assert proc.returncode == 0, f"textlens {' '.join(args)}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        return proc

    run = textlens("run", str(corpus), "--db", "demo.db")
    said = run.stdout + run.stderr
    assert "not available in this install" not in said, said  # every shipped model was found
    textlens("export", "--db", "demo.db", "--format", "jsonl", "--out", "demo_export.jsonl")
    textlens("report", "--db", "demo.db", "--out", "demo_report.html")

    with sqlite3.connect(work / "demo.db") as conn:
        stored = conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
    records = [json.loads(line) for line in (work / "demo_export.jsonl").read_text(encoding="utf-8").splitlines()]
    assert stored == len(records) == expected
    assert all(r["sentiment"] and r["sentiment"]["label"] in {"positive", "negative", "neutral", "mixed"}
               for r in records)
    assert sum(bool(r["themes"] or r["aspects"]) for r in records) >= expected // 2
    html = (work / "demo_report.html").read_text(encoding="utf-8")
    assert html.lstrip().lower().startswith("<!doctype html")
    for model in ("sentiment", "cx"):  # the method section quotes the cards of the models it found (in the wheel)
        title = (ROOT / "models" / model / "MODEL_CARD.md").read_text(encoding="utf-8").splitlines()[0].lstrip("# ")
        assert title in html, title
