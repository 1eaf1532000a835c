"""Scale guarantees: workers and Dask give the local results, killed runs resume exactly, re-runs skip work."""
from __future__ import annotations

import csv
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from textlens.analysis.base import Analyzer, register
from textlens.pipeline import run
from textlens.store import Corpus

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "corpora" / "demo"
HERE = Path(__file__).resolve().parent
# Analyses whose results do not depend on the embedding model: entities (KB path for verbatims) and
# lexical-only themes. The properties tested here are the pipeline's, not the models'.
LIGHT = ["entities", "themes"]
LIGHT_OPTIONS = {"themes": {"encoder": "none"}}
RESULT_TABLES = ("mentions", "figures", "studies", "quotes", "doc_themes", "passage_themes")


class CountWords(Analyzer):
    """A real analysis (word counts) that also adds rows to a side table, as the embedding cache does,
    and can be slowed down so a test can kill the run mid-way."""

    name = "countwords"
    tables = ("doc_themes",)
    side_tables = ("corpus_stats",)
    delay = float(os.environ.get("TEXTLENS_TEST_DELAY", "0"))

    def analyze(self, batch, store):
        time.sleep(self.delay)
        store.add_side_rows("corpus_stats", [{"name": f"words:{b.doc_id}", "value": str(len(b.text.split())),
                                              "at": 0} for b in batch])
        return {"doc_themes": [{"doc_id": b.doc_id, "theme_id": "words", "taxonomy": "test",
                                "score": float(len(b.text.split()))} for b in batch]}


class ReadsThemes(Analyzer):
    """Reads what `themes` stored for its documents (as sentiment reads aspects)."""

    name = "readsthemes"
    tables = ("doc_aspects",)
    requires = ("themes",)

    def analyze(self, batch, store):
        rows = []
        for b in batch:
            themes = [r[0] for r in store.conn.execute(
                "SELECT theme_id FROM doc_themes WHERE doc_id=? ORDER BY theme_id", (b.doc_id,))]
            rows.append({"doc_id": b.doc_id, "aspect_id": "seen", "polarity": ",".join(themes) or None,
                         "score": float(len(themes))})
        return {"doc_aspects": rows}


register("countwords", f"{__name__}:CountWords")
register("readsthemes", f"{__name__}:ReadsThemes")


def _verbatims(path: Path, copies: int = 1, limit: int | None = None) -> Path:
    """The demo verbatims (our own texts), replicated under distinct ids."""
    with open(DEMO / "verbatims.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))[:limit]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        for k in range(copies):
            for r in rows:
                w.writerow({**r, "id": f"{r['id']}-{k}" if copies > 1 else r["id"]})
    return path


def _dump(db: Path, tables=RESULT_TABLES) -> dict[str, list[tuple]]:
    with sqlite3.connect(db) as conn:
        out = {t: conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2, 3").fetchall() for t in tables}
        out["analysis_state"] = conn.execute("SELECT doc_id, analyzer, key FROM analysis_state ORDER BY 1, 2").fetchall()
        out["documents"] = conn.execute("SELECT id, content_hash, duplicate_of FROM documents ORDER BY id").fetchall()
    return out


def test_two_workers_store_exactly_what_one_process_stores(tmp_path):
    src = _verbatims(tmp_path / "v.csv", limit=147)
    with open(src, "a", newline="", encoding="utf-8") as fh:  # verbatims naming real actors, so entities have rows
        w = csv.writer(fh)
        w.writerow(["X1", "2021-03-02", "telephone", "Orange", "telecom", "2",
                    "Passé de SFR à Orange, le service client basé à Lille ne rappelle jamais."])
        w.writerow(["X2", "2022-05-10", "chat", "EDF", "energie", "4",
                    "Le conseiller EDF de Poitiers a été clair et rapide, merci."])
        w.writerow(["X3", "2023-01-15", "email", "La Poste", "transport", "1",
                    "Colis perdu, La Poste et Chronopost se renvoient la balle depuis Paris."])
    one, two = tmp_path / "one.db", tmp_path / "two.db"
    s1 = run([src], one, analyses=LIGHT + ["countwords"], analyzer_options=LIGHT_OPTIONS, topics=False,
             workers=1, batch_size=20)
    s2 = run([src], two, analyses=LIGHT + ["countwords"], analyzer_options=LIGHT_OPTIONS, topics=False,
             workers=2, batch_size=20)
    assert (s1.workers, s2.workers) == (1, 2)
    assert s1.analysed == s2.analysed == {"entities": 150, "themes": 150, "countwords": 150}
    a, b = _dump(one), _dump(two)
    assert a["doc_themes"] and a["mentions"]  # the comparison is not between empty tables
    assert a == b
    with sqlite3.connect(two) as conn:  # side rows made in the workers were written by the parent
        assert conn.execute("SELECT COUNT(*) FROM corpus_stats WHERE name LIKE 'words:%'").fetchone()[0] == 150


def test_unchanged_rerun_reads_nothing_and_keeps_the_log_complete(tmp_path):
    from textlens.info import corpus_info

    folder = tmp_path / "in"
    folder.mkdir()
    src = _verbatims(folder / "v.csv", limit=120)
    (folder / "empty.txt").write_text("", encoding="utf-8")
    db = tmp_path / "s.db"
    first = run([folder], db, analyses=["countwords"], topics=False)
    assert first.inputs_reread and first.stored == 120 and first.skipped == 1
    again = run([folder], db, analyses=["countwords"], topics=False)
    assert not again.inputs_reread
    assert (again.stored, again.updated, again.unchanged, again.skipped) == (0, 0, 120, 1)
    assert again.analysed == {"countwords": 0}
    info = corpus_info(db)
    assert info["last_run"]["inputs"] == 121 and info["last_run"]["unchanged"] == 120 and info["skipped"] == 1
    # one changed row: the table is read again, only that document is re-analysed
    text = src.read_text(encoding="utf-8").replace("Bon conseil pour mon prêt", "Mauvais conseil pour mon prêt")
    src.write_text(text, encoding="utf-8")
    changed = run([folder], db, analyses=["countwords"], topics=False)
    assert changed.inputs_reread and (changed.updated, changed.unchanged) == (1, 119)
    assert changed.analysed == {"countwords": 1}
    # a document updated through another input set invalidates the shortcut
    run([src], db, analyses=[], topics=False, options=_options(kind="article"))
    back = run([folder], db, analyses=[], topics=False)
    assert back.inputs_reread and back.updated == 120


def _options(**kw):
    from textlens.ingest import IngestOptions

    return IngestOptions(**kw)


def test_duplicates_from_stored_signatures_match_a_full_recheck(tmp_path):
    from textlens.incremental import StoredDuplicates
    from textlens.ingest import Deduplicator, read_inputs

    src = _verbatims(tmp_path / "v.csv")
    db = tmp_path / "s.db"
    run([src], db, analyses=[], topics=False)
    # near copies of stored reviews arrive later, in a new file
    with open(src, newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if len(r["text"].split()) >= 25][:15]
    extra = tmp_path / "w.csv"
    with open(extra, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        for r in rows:
            w.writerow({**r, "id": "N" + r["id"], "text": r["text"] + " Merci."})
    docs = [d for d in read_inputs([extra]) if hasattr(d, "text")]
    with Corpus.open(db) as corpus:
        dup = StoredDuplicates(corpus)
        dup.assign(docs)
        assert dup.primed == corpus.count() and dup.recomputed == 0  # primed from signatures, no text re-hashed
        reference = Deduplicator()
        reference.prime((r[0], r[1]) for r in corpus.conn.execute("SELECT id, text FROM documents ORDER BY rowid"))
    expected = [reference.check(d) for d in docs]
    assert [d.duplicate_of for d in docs] == expected
    assert sum(e is not None for e in expected) >= 10  # near duplicates were really found


def test_analysis_store_keeps_side_rows_and_parquet_round_trip_is_exact(tmp_path):
    from textlens.distributed import rows_to_table, table_to_rows
    from textlens.store import AnalysisStore

    db = tmp_path / "s.db"
    Corpus.open(db).close()
    store = AnalysisStore.attach(db)
    store.expect("countwords", CountWords.side_tables)
    store.add_side_rows("corpus_stats", [{"name": "a", "value": "1", "at": 0.5}])
    assert store.conn.execute("SELECT COUNT(*) FROM corpus_stats").fetchone()[0] == 0  # reads go to the store
    side = store.take_side_rows()
    with pytest.raises(sqlite3.OperationalError):  # a worker's connection is read-only
        store.conn.execute("INSERT INTO corpus_stats(name, value, at) VALUES ('b', '2', 0)")
    store.close()
    with Corpus.open(db) as corpus, corpus.transaction():
        corpus.write_analysis("countwords", (), {}, side, CountWords.side_tables)
    with Corpus.open(db, readonly=True) as corpus:
        assert corpus.stat("a") == 1
    rows = [{"doc_id": "d1", "number": 3, "value": "12 %", "meta": {"k": [1, 2]}, "blob": b"\x00\x01", "n": None},
            {"doc_id": "d2", "number": 2.5, "value": None, "meta": None, "blob": None, "n": None}]
    back = table_to_rows(rows_to_table(rows))
    assert back == [{**r, "meta": None if r["meta"] is None else '{"k": [1, 2]}'} for r in rows]
    assert type(back[0]["number"]) is int and type(back[1]["number"]) is float


def test_dask_local_cluster_gives_the_local_results(tmp_path):
    distributed = pytest.importorskip("distributed")
    src = _verbatims(tmp_path / "v.csv", limit=100)
    local, remote = tmp_path / "local.db", tmp_path / "dask.db"
    names = LIGHT + ["readsthemes", "countwords"]
    run([src], local, analyses=names, analyzer_options=LIGHT_OPTIONS, topics=False, workers=1, batch_size=20)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        client.wait_for_workers(2, timeout=60)
        shared = tmp_path / "parts"
        s = run([src], remote, analyses=names, analyzer_options=LIGHT_OPTIONS, topics=False, dask=client,
                dask_dir=shared, batch_size=20)
        used = client.run(lambda: sorted(k for k in sys.modules if k.startswith("textlens.")))
    assert s.workers == 2 and s.analysed["readsthemes"] == 100
    assert all("textlens.entities.analyzer" in mods for mods in used.values())  # both workers analysed
    tables = RESULT_TABLES + ("doc_aspects",)
    a, b = _dump(local, tables), _dump(remote, tables)
    assert any(r[2] for r in a["doc_aspects"])  # themes were visible to the dependent analysis
    assert a == b
    assert not any(shared.rglob("*.parquet"))  # partitions removed once merged


KILL_SCRIPT = textwrap.dedent("""
    import sys
    sys.path.insert(0, {here!r})
    import test_scale  # registers the test analyses
    from textlens.pipeline import run
    run([{src!r}], {db!r}, analyses=["countwords", "entities"], topics=False, workers={workers}, batch_size=20)
""")


def _run_killed(src: Path, db: Path, workers: int, when) -> None:
    code = KILL_SCRIPT.format(here=str(HERE), src=str(src), db=str(db), workers=workers)
    env = {**os.environ, "TEXTLENS_TEST_DELAY": "0.05"}
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            if db.exists() and when(db):
                break
            time.sleep(0.05)
        assert proc.poll() is None, f"run ended before it could be killed: {proc.stderr.read().decode()[-2000:]}"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # the workers, if any outlived their parent
        except ProcessLookupError:
            pass


def _count(db: Path, sql: str) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            return conn.execute(sql).fetchone()[0]
    except sqlite3.Error:
        return 0


@pytest.mark.parametrize("stage", ["ingest", "analysis"])
def test_kill_9_mid_run_then_rerun_finishes_with_nothing_missing_or_doubled(tmp_path, stage):
    src = _verbatims(tmp_path / "v.csv", copies=4)  # 2,200 rows
    n = 4 * (sum(1 for _ in open(DEMO / "verbatims.csv", encoding="utf-8")) - 1)
    db = tmp_path / "s.db"
    if stage == "ingest":
        when = lambda db: _count(db, "SELECT COUNT(*) FROM documents") >= 500  # noqa: E731
    else:
        when = lambda db: _count(db, "SELECT COUNT(*) FROM analysis_state WHERE analyzer='countwords'") >= 100  # noqa: E731
    _run_killed(src, db, workers=2, when=when)
    killed_docs = _count(db, "SELECT COUNT(*) FROM documents")
    assert 0 < killed_docs <= n
    if stage == "analysis":
        assert _count(db, "SELECT COUNT(*) FROM analysis_state WHERE analyzer='countwords'") < n
    summary = run([src], db, analyses=["countwords", "entities"], topics=False, workers=1)
    assert summary.ingested == n
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT COUNT(*), COUNT(DISTINCT id) FROM documents").fetchone() == (n, n)
        for analyzer in ("countwords", "entities"):
            assert conn.execute("SELECT COUNT(*) FROM analysis_state WHERE analyzer=?", (analyzer,)).fetchone()[0] == n
        assert conn.execute("SELECT COUNT(*), COUNT(DISTINCT doc_id) FROM doc_themes").fetchone() == (n, n)
        dup_passages = conn.execute("SELECT COUNT(*) FROM (SELECT 1 FROM passages GROUP BY doc_id, idx"
                                    " HAVING COUNT(*) > 1)").fetchone()[0]
        assert dup_passages == 0
    clean = tmp_path / "clean.db"
    run([src], clean, analyses=["countwords", "entities"], topics=False, workers=1)
    assert _dump(db, ("doc_themes",)) == _dump(clean, ("doc_themes",))
    with sqlite3.connect(db) as a, sqlite3.connect(clean) as b:
        q = "SELECT doc_id, entity, type, text, start, end FROM mentions ORDER BY 1, 5, 2"
        assert a.execute(q).fetchall() == b.execute(q).fetchall()
        q = "SELECT doc_id, idx, start, end, text, stems FROM passages ORDER BY 1, 2"
        assert a.execute(q).fetchall() == b.execute(q).fetchall()


def _cli(*args: str, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "textlens.cli", *args], cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def test_a_second_run_on_the_same_store_waits_or_refuses_clearly(tmp_path):
    from textlens.locking import RunLock

    src = _verbatims(tmp_path / "v.csv", limit=20)
    db = tmp_path / "s.db"
    with RunLock(db):
        refused = _cli("run", str(src), "--db", str(db), "--only", "entities", "--no-topics", "--no-wait",
                       cwd=tmp_path)
        out, err = refused.communicate(timeout=120)
        assert refused.returncode == 1
        assert f"another textlens run (pid {os.getpid()}) is writing" in err
        waiting = _cli("run", str(src), "--db", str(db), "--only", "entities", "--no-topics", cwd=tmp_path)
        deadline = time.monotonic() + 60
        line = ""
        while time.monotonic() < deadline and "waiting" not in line:
            line = waiting.stderr.readline()
        assert f"waiting: another textlens run (pid {os.getpid()})" in line
        time.sleep(1)
        assert waiting.poll() is None  # still waiting while the lock is held
    out, err = waiting.communicate(timeout=120)
    assert waiting.returncode == 0, err
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0] == 20


def test_corpus_steps_run_again_only_after_a_change(tmp_path):
    src = _verbatims(tmp_path / "v.csv", limit=20)
    db = tmp_path / "s.db"
    first = run([src], db, analyses=["entities"], topics=True)
    assert "entity_variants_merged" in first.corpus_steps
    assert first.corpus_steps["topics"]["status"] == "too_small"
    again = run([src], db, analyses=["entities"], topics=True)
    assert "entity_variants_merged" not in again.corpus_steps  # nothing changed: not redone
    assert again.corpus_steps["topics"]["status"] == "unchanged"
    with Corpus.open(db) as corpus, corpus.transaction():
        corpus.conn.execute("DELETE FROM analysis_state WHERE doc_id = (SELECT MIN(id) FROM documents)")
    resumed = run([src], db, analyses=["entities"], topics=True)
    assert resumed.analysed == {"entities": 1} and "entity_variants_merged" in resumed.corpus_steps


def test_corpus_steps_next_to_the_last_analyses_store_what_steps_after_them_store(tmp_path, monkeypatch):
    """On two workers the first analyses start while the run still ingests, and the corpus steps start in a process
    of their own once entities and themes are written, while countwords still runs; the store ends up exactly as
    when everything runs one after the other in one process."""
    import textlens.parallel
    import textlens.pipeline

    started, early = [], []
    drain = textlens.pipeline.EarlyAnalyses.drain
    monkeypatch.setattr(textlens.pipeline.EarlyAnalyses, "drain", lambda self: early.append(drain(self)) or early[-1])

    class CountedTask(textlens.parallel.BackgroundTask):
        def __init__(self, target, *args):
            started.append(target.__name__)
            super().__init__(target, *args)

    monkeypatch.setattr(textlens.parallel, "BackgroundTask", CountedTask)
    src = _verbatims(tmp_path / "v.csv")
    one, two = tmp_path / "one.db", tmp_path / "two.db"
    names = LIGHT + ["countwords"]
    s1 = run([src], one, analyses=names, analyzer_options=LIGHT_OPTIONS, topics=True, workers=1, batch_size=20)
    assert started == []  # one process: the steps run after the analyses, as before
    s2 = run([src], two, analyses=names, analyzer_options=LIGHT_OPTIONS, topics=True, workers=2, batch_size=20)
    assert started == ["corpus_steps_in_store"] and s2.workers == 2
    assert early[0] == {} and early[1].get("entities", 0) >= 20  # one process: nothing early; two: during ingest
    assert s1.analysed == s2.analysed and set(s1.analysed) == set(names) and min(s1.analysed.values()) > 500
    assert s1.corpus_steps["topics"]["status"] == s2.corpus_steps["topics"]["status"] == "fitted"
    assert s1.corpus_steps["entity_variants_merged"] == s2.corpus_steps["entity_variants_merged"]
    tables = RESULT_TABLES + ("topics", "doc_topics", "passage_topics", "topic_map")
    a, b = _dump(one, tables), _dump(two, tables)
    assert a["topics"] and a["doc_topics"] and a["mentions"]
    assert a == b
    with sqlite3.connect(one) as c1, sqlite3.connect(two) as c2:
        q = "SELECT value FROM corpus_stats WHERE name = 'topics'"
        stats1, stats2 = (json.loads(c.execute(q).fetchone()[0]) for c in (c1, c2))
        q = "SELECT COUNT(*) FROM corpus_stats WHERE name = 'corpus_steps_due'"
        assert c1.execute(q).fetchone()[0] == c2.execute(q).fetchone()[0] == 0  # done: not due again
    for stats in (stats1, stats2):
        stats.pop("seconds")
        for g in stats["groups"].values():
            g.pop("seconds", None), g.pop("cpu_seconds", None)
    assert stats1 == stats2
    again = run([src], two, analyses=names, analyzer_options=LIGHT_OPTIONS, topics=True, workers=2, batch_size=20)
    assert again.corpus_steps["topics"]["status"] == "unchanged" and "entity_variants_merged" not in again.corpus_steps


def test_ordered_keeps_the_window_it_is_given_at_each_submission():
    """While the corpus steps run next to the analyses, `PoolRunner` keeps one worker fewer busy (a window asked
    before each submission); results still come in submission order."""
    from concurrent.futures import Future

    from textlens.parallel import BatchResult, ordered

    submitted, yielded, in_flight = [], [], []
    wide = {"on": False}

    def submit(batch):
        submitted.append(batch)
        in_flight.append(len(submitted) - len(yielded))
        fut = Future()
        fut.set_result(BatchResult(rows={"n": batch}))
        return fut

    def window():
        return 4 if wide["on"] else 1

    for batch, res in ordered(iter(range(10)), submit, window, lambda f: f.result()):
        yielded.append(batch)
        assert res.rows == {"n": batch}
        wide["on"] = len(yielded) >= 5  # the steps finished: the full window again
    assert yielded == list(range(10))
    assert max(in_flight[:5]) == 1 and max(in_flight[5:]) == 4
