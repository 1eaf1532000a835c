"""Crash safety and concurrency of `textlens run`, on a CSV of synthetic verbatims written by synth.py.

Crash: a full `textlens run` (every default analysis and topic discovery) is killed with SIGKILL at seven moments:
start-up, twice during ingestion, during entities, themes and sentiment, and in the corpus steps (entity spellings,
topics), chosen at random from the store's own progress. Re-run to completion, the store must hold every row once,
every analysis once, pass `PRAGMA integrity_check` and export exactly what an uninterrupted run exports.
`TEXTLENS_CRASH_SEED=N` replays the kill points of a failed run.
Concurrency: two runs on one store at once (the second waits and says so, or refuses with --no-wait), and
queries while a run writes.
"""
from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from conftest import ENV, ROOT, integrity, textlens, textlens_cmd
from synth import write_verbatims_csv

from textlens.analysis.base import load_analyzer
from textlens.pipeline import available_analyses

N_ROWS = 1500
# every default analysis (entities, themes, sentiment): measured 20 s CPU for 1,500 verbatims against 16 s for
# themes alone; topic discovery (a corpus step, ~13 s more) only in the crash test, which kills it too
ANALYSES = ["--no-topics"]
STAGES = tuple(available_analyses()[0])  # those this install can run (sentiment needs its model file)
TABLES = ("passages", *(t for stage in STAGES for t in load_analyzer(stage).tables))


def _count(db: Path, sql: str) -> int:
    if not Path(db).exists():
        return 0
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        try:
            return int(con.execute(sql).fetchone()[0])
        finally:
            con.close()
    except sqlite3.Error:
        return 0


def _start(csv_path: Path, db: Path, *extra: str, analyses: list[str] = ANALYSES) -> subprocess.Popen:
    return subprocess.Popen(textlens_cmd("run", csv_path, "--db", db, "--quiet", *analyses, *extra), cwd=ROOT,
                            env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def _kill_when(proc: subprocess.Popen, ready, timeout: float = 600) -> bool:
    """SIGKILL `proc` once `ready()` is true; False if it finished first."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            return False
        if ready():
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            return True
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    raise AssertionError("kill point not reached in time")


def _after(cond, wait: float):
    """A kill point `wait` seconds after `cond()` first holds (start-up and the corpus steps show no progress)."""
    since: list[float] = []

    def ready() -> bool:
        if not since and cond():
            since.append(time.monotonic())
        return bool(since) and time.monotonic() - since[0] >= wait
    return ready


def _export(db: Path, out: Path) -> list[str]:
    textlens("export", "--db", db, "--format", "jsonl", "--out", out, check=True)
    return sorted(out.read_text(encoding="utf-8").splitlines())


@pytest.fixture(scope="module")
def verbatims(tmp_path_factory) -> tuple[Path, list[str]]:
    path = tmp_path_factory.mktemp("crash") / "verbatims.csv"
    return path, write_verbatims_csv(path, N_ROWS, seed=7)


def test_sigkill_at_random_moments_then_rerun_equals_an_uninterrupted_run(verbatims, tmp_path):
    csv_path, ids = verbatims
    seed = int(os.environ.get("TEXTLENS_CRASH_SEED", "0")) or random.randrange(1, 10**6)  # printed: replayable
    rng = random.Random(seed)
    ref_db = tmp_path / "ref.db"
    proc = textlens("run", csv_path, "--db", ref_db, "--quiet")  # everything `textlens run` does, topics included
    assert proc.returncode == 0, proc.stderr[-2000:]

    db = tmp_path / "crashed.db"
    docs = "SELECT COUNT(*) FROM documents"
    kill_points = [
        ("start-up", _after(lambda: True, rng.uniform(0.2, 1.5))),
        ("ingestion", lambda k=rng.randint(50, N_ROWS // 2): _count(db, docs) >= k),
        ("late ingestion", lambda k=rng.randint(N_ROWS // 2, N_ROWS - 1): _count(db, docs) >= k),
    ]
    for stage in STAGES:  # during each analysis, after a random number of its documents
        done = f"SELECT COUNT(*) FROM analysis_state WHERE analyzer='{stage}'"
        kill_points.append((stage, lambda k=rng.randint(1, N_ROWS - 1), q=done: _count(db, q) >= k))
    analysed = f"SELECT COUNT(*) FROM analysis_state WHERE analyzer='{STAGES[-1]}'"
    kill_points.append(("corpus steps", _after(lambda: _count(db, analysed) >= N_ROWS, rng.uniform(0.1, 3.0))))
    survived = []
    for name, ready in kill_points:
        if _kill_when(_start(csv_path, db, analyses=[]), ready):
            survived.append(name)
            if db.exists():
                assert integrity(db) == "ok", name
    assert len(survived) >= 4, survived  # a point may be passed by the time the store shows it (fast stages)

    proc = textlens("run", csv_path, "--db", db, "--quiet")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert integrity(db) == "ok"
    con = sqlite3.connect(db)
    try:
        assert sorted(r[0] for r in con.execute("SELECT id FROM documents")) == sorted(ids)  # every row, once
        state = dict(con.execute("SELECT analyzer, COUNT(*) FROM analysis_state GROUP BY 1").fetchall())
        assert state == {stage: N_ROWS for stage in STAGES}, state  # every analysis of every row
        assert con.execute("SELECT COUNT(*) FROM (SELECT doc_id, analyzer FROM analysis_state GROUP BY 1, 2"
                           " HAVING COUNT(*) > 1)").fetchone()[0] == 0  # ... once
        ref = sqlite3.connect(ref_db)
        try:
            assert ref.execute("SELECT COUNT(*) FROM doc_topics").fetchone()[0] > N_ROWS // 2  # topics compared
            for table in (*TABLES, "doc_topics"):
                assert con.execute(f"SELECT COUNT(*) FROM {table}").fetchone() == \
                    ref.execute(f"SELECT COUNT(*) FROM {table}").fetchone(), f"{table}, TEXTLENS_CRASH_SEED={seed}"
        finally:
            ref.close()
        assert con.execute("SELECT COUNT(*) FROM (SELECT doc_id, theme_id FROM doc_themes GROUP BY 1, 2"
                           " HAVING COUNT(*) > 1)").fetchone()[0] == 0
    finally:
        con.close()
    got, want = _export(db, tmp_path / "a.jsonl"), _export(ref_db, tmp_path / "b.jsonl")
    differing = sorted(set(got) ^ set(want))
    assert got == want, f"TEXTLENS_CRASH_SEED={seed}: {len(differing)} export lines differ, e.g. {differing[:2]}"
    print(f"TEXTLENS_CRASH_SEED={seed}: kill points survived: {survived}")


def test_two_runs_on_one_store_and_queries_while_writing(verbatims, tmp_path):
    csv_path, ids = verbatims
    other = tmp_path / "other.csv"
    other_ids = write_verbatims_csv(other, 200, seed=99)
    other.write_text(other.read_text(encoding="utf-8").replace("\nv", "\nw"), encoding="utf-8")  # distinct ids
    db = tmp_path / "shared.db"
    first = _start(csv_path, db)
    deadline = time.monotonic() + 300
    while _count(db, "SELECT COUNT(*) FROM documents") < 1 and time.monotonic() < deadline:
        assert first.poll() is None, first.communicate()[1][-2000:]
        time.sleep(0.05)
    # refusing side: says who holds the store
    refused = textlens("run", other, "--db", db, "--quiet", "--no-wait", *ANALYSES)
    assert refused.returncode == 1 and "another textlens run" in refused.stderr, refused.stderr
    # waiting side: starts now, says it waits, finishes after the first
    second = _start(other, db)
    # readers while both are alive: never blocked into an error, never a traceback
    answers = 0
    while first.poll() is None and answers < 10:
        for args in (("info", "--db", db, "--format", "json"), ("search", "conseiller", "--db", db, "--format", "json")):
            r = textlens(*args)
            assert r.returncode in (0, 1) and "database is locked" not in r.stderr, r.stderr[-1000:]
            answers += 1
    out1, err1 = first.communicate(timeout=600)
    out2, err2 = second.communicate(timeout=600)
    assert first.returncode == 0 and second.returncode == 0, (err1[-1500:], err2[-1500:])
    assert "waiting: another textlens run" in err2, err2
    assert "Traceback" not in err1 + err2
    assert answers >= 1
    assert integrity(db) == "ok"
    con = sqlite3.connect(db)
    try:
        got = sorted(r[0] for r in con.execute("SELECT id FROM documents"))
        assert got == sorted(ids + [i.replace("v", "w", 1) for i in other_ids])  # no lost rows
        state = dict(con.execute("SELECT analyzer, COUNT(*) FROM analysis_state GROUP BY 1").fetchall())
        assert state == {stage: len(got) for stage in STAGES}, state
    finally:
        con.close()


def _group_alive(pgid: int) -> list[int]:
    """Pids still in process group `pgid` (from /proc: zombies already reaped by init are gone)."""
    alive = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":  # fields: state, ppid, pgrp, ...
            alive.append(int(stat.parent.name))
    return alive


def _kill_the_run_alone_and_expect_no_orphan(proc: subprocess.Popen) -> None:
    """SIGKILL the run process only (as the OOM killer does); every process it started must go down with it."""
    os.kill(proc.pid, signal.SIGKILL)  # the run only, not its process group
    proc.wait()
    deadline = time.monotonic() + 20
    while _group_alive(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = _group_alive(proc.pid)
    if left:
        os.killpg(proc.pid, signal.SIGKILL)
    assert not left, f"processes outlived the killed run: {left}"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_workers_and_fork_server_exit_when_the_run_is_killed(verbatims, tmp_path):
    """SIGKILL of the `textlens run` process alone (as the OOM killer does): its fork server and workers,
    which used to stay alive holding the models' memory, must go down with it."""
    csv_path, _ids = verbatims
    db = tmp_path / "orphans.db"
    proc = _start(csv_path, db, "--workers", "2")
    first_stage = f"SELECT COUNT(*) FROM analysis_state WHERE analyzer='{STAGES[0]}'"
    deadline = time.monotonic() + 300
    while _count(db, first_stage) < 1:  # the pool is up and analysing
        assert proc.poll() is None, proc.communicate()[1][-2000:]
        assert time.monotonic() < deadline, "analysis never started"
        time.sleep(0.05)
    helpers = [pid for pid in _group_alive(proc.pid) if pid != proc.pid]
    assert len(helpers) >= 2, helpers  # fork server + workers (or spawned workers) exist before the kill
    _kill_the_run_alone_and_expect_no_orphan(proc)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_the_corpus_steps_process_exits_when_the_run_is_killed(verbatims, tmp_path):
    """On two workers the corpus steps start in a process of their own next to the last analyses (forked from the
    fork server); SIGKILL of the run alone must take it down too, with the fork server and the workers."""
    csv_path, _ids = verbatims
    db = tmp_path / "steps.db"
    proc = _start(csv_path, db, "--workers", "2", analyses=[])  # topics included
    last = STAGES[-1]
    deadline = time.monotonic() + 600
    while True:  # the steps start once entities and themes are written, while the later analyses still run
        assert proc.poll() is None, proc.communicate()[1][-2000:]
        assert time.monotonic() < deadline, "the corpus steps never started next to the analyses"
        helpers = [pid for pid in _group_alive(proc.pid) if pid != proc.pid]
        if len(helpers) >= 4 and _count(db, f"SELECT COUNT(*) FROM analysis_state WHERE analyzer='{last}'") < N_ROWS:
            break  # fork server, two workers and the corpus steps
        time.sleep(0.05)
    _kill_the_run_alone_and_expect_no_orphan(proc)
