"""Shared fixtures: the real inputs the tests run on (../shared when present, the demo corpus)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "corpora" / "demo"
SHARED = Path(os.environ.get("TEXTLENS_SHARED", ROOT.parent / "shared"))

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TEXTLENS_QUERY_CACHE", "0")  # CLI tests compute; tests/test_drivers_speed.py turns it on


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not (SHARED / "seeds").is_dir():
        pytest.skip("../shared is absent (fresh clone): test needs the third-party development data")
    return SHARED


@pytest.fixture(scope="session")
def seeds_dir(shared_dir: Path) -> Path:
    return shared_dir / "seeds"


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo corpus through the full pipeline, built once and shared by all test workers."""
    from filelock import FileLock

    from textlens.pipeline import run

    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # common to every xdist worker of this session (and to this session only)
    db = base / "demo.db"
    with FileLock(str(base / "demo.db.build-lock")):
        done = base / "demo.db.done"
        if not done.exists():
            run([DEMO], db)
            done.write_text("ok")
    return db
