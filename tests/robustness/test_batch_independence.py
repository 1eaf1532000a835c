"""Analysis results depend on the document only, never on the batch it was analysed with.

A resumed run (after a crash), an incremental re-run (only changed documents pending) and a parallel run
all group documents differently; their stores must still be identical to one uninterrupted run. Float32
matrix products summed differently for different batch shapes once flipped theme scores at the 4th
decimal (fixed: cosines in float64), and int8 activations quantised per batch moved whole themes.
"""
from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from synth import write_articles, write_verbatims_csv

from textlens.analysis.base import load_analyzer
from textlens.pipeline import analyse, available_analyses, ingest
from textlens.store import Corpus


def _tables(db: Path, tables: list[str]) -> dict[str, list[tuple]]:
    con = sqlite3.connect(db)
    try:
        out = {t: sorted(con.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in tables}
        out["analysis_state"] = sorted(con.execute("SELECT doc_id, analyzer, key FROM analysis_state").fetchall())
        return out
    finally:
        con.close()


def test_every_default_analysis_gives_the_same_rows_whatever_the_batches(tmp_path):
    write_verbatims_csv(tmp_path / "verbatims.csv", 70, seed=11)
    write_articles(tmp_path / "articles", 6, seed=11)
    base = tmp_path / "base.db"
    corpus = Corpus.open(base)
    try:
        ingest(corpus, [tmp_path / "verbatims.csv", tmp_path / "articles"])
    finally:
        corpus.close()
    names, _ = available_analyses()
    assert "themes" in names and "entities" in names
    tables = sorted({t for n in names for t in load_analyzer(n).tables})
    got = {}
    for batch_size in (64, 5):  # 64: the default; 5: what a resumed or incremental run may group
        db = tmp_path / f"b{batch_size}.db"
        shutil.copy(base, db)
        corpus = Corpus.open(db)
        try:
            summary = analyse(corpus, names, batch_size=batch_size, workers=1)
        finally:
            corpus.close()
        assert all(summary.analysed[n] == 76 for n in names), summary.analysed
        got[batch_size] = _tables(db, tables)
    for t in [*tables, "analysis_state"]:
        a, b = got[64][t], got[5][t]
        differing = sorted(set(a) ^ set(b), key=repr)
        assert a == b, f"{t}: {len(differing)} rows differ between batch sizes 64 and 5, e.g. {differing[:4]}"
    assert got[64]["doc_themes"] and got[64]["mentions"]  # the comparison is not between empty tables
    assert len(got[64]["analysis_state"]) == 76 * len(names)
