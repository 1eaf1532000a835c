"""Helpers for the robustness tests: run the real `textlens` CLI in a subprocess and read its store."""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))  # synth.py, damage.py

ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PYTHONUNBUFFERED": "1",
       "COLUMNS": "200", "TEXTLENS_DB": "", "TEXTLENS_LANG": "en"}  # these tests read the English messages


def textlens_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "textlens.cli", *map(str, args)]


def textlens(*args: str, timeout: float = 600, check: bool = False) -> subprocess.CompletedProcess:
    """Run the CLI; a traceback on stderr is always a failure (users must get messages, not stack traces)."""
    proc = subprocess.run(textlens_cmd(*args), capture_output=True, text=True, timeout=timeout, env=ENV, cwd=ROOT)
    assert "Traceback" not in proc.stderr, proc.stderr[-4000:]
    if check:
        assert proc.returncode == 0, proc.stderr[-4000:]
    return proc


def info_json(db: Path, skipped: bool = True) -> dict:
    args = ["info", "--db", db, "--format", "json"] + (["--skipped"] if skipped else [])
    return json.loads(textlens(*args, check=True).stdout)


def integrity(db: Path) -> str:
    with sqlite3.connect(db) as con:
        return con.execute("PRAGMA integrity_check").fetchone()[0]


@pytest.fixture
def sqlite_rows():
    def rows(db: Path, sql: str, params=()) -> list[tuple]:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            return con.execute(sql, params).fetchall()
        finally:
            con.close()
    return rows
