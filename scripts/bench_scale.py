"""Scale curve of `textlens run` on large review corpora (issue #21): time, CPU, memory and store size per stage.

    nice -n 10 .venv/bin/python scripts/bench_scale.py --rows 100000 --rows 300000 --work /tmp/textlens-scale
    .venv/bin/python scripts/bench_scale.py --rows 100000 --work /tmp/textlens-scale --dask-workers 2

For each size, a corpus is made by `scripts/make_scale_corpus.py` (sentences of different real reviews recombined,
dates spread over 2015–2024, written outside the repository and reused when already there), then measured in fresh
subprocesses, as a user runs it:
  - `textlens run CSV --kind verbatim` (the library's `run`, default analyses and topics): wall and CPU seconds per
    stage (the run's own summary), peak RSS and peak PSS of the whole process tree per stage (sampled every 0.5 s;
    PSS shares the pages forked workers have in common, so it is the fair figure with a fork server), store size;
  - the same `textlens run` again with nothing changed;
  - the query commands on the store (`trends`, `search`, `themes`, `sentiment`, `topics`, `compare --by insurer`),
    each a fresh CLI process as a user types it, and `report --format html`;
  - with `--dask-workers N`: the same run on a Dask `LocalCluster` of N worker processes into another store, and
    whether its export is identical to the local run's.
Then the growth between sizes (time ~ a * rows^b, fitted on the sizes measured) and the 1M figure it implies.
The CPU model is printed with the figures: int8 and BLAS kernels depend on it.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TEXTLENS = [str(Path(sys.executable).parent / "textlens")]  # the console script, as a user types it
QUERIES: list[tuple[str, list[str]]] = [
    ("trends --by year", ["trends", "--by", "year"]),
    ("search remboursement", ["search", "remboursement"]),
    ("themes", ["themes"]),
    ("sentiment --by year", ["sentiment", "--by", "year"]),
    ("topics", ["topics"]),
    ("compare --by insurer", ["compare", "--by", "insurer"]),
]


# ---- child: one run, its summary as JSON on the last line of stdout, its stage in a file ------------------
def child_run(args: dict[str, Any]) -> None:
    from textlens import pipeline

    stage_file = Path(args["stage_file"])

    def progress(stage: str, done: int, total: int | None) -> None:
        stage_file.write_text(stage)

    dask = None
    if args.get("dask_workers"):
        from distributed import Client, LocalCluster

        cluster = LocalCluster(n_workers=args["dask_workers"], threads_per_worker=1, processes=True)
        dask = Client(cluster)
    t = time.perf_counter()
    summary = pipeline.run([args["csv"]], args["db"], progress=progress, dask=dask,
                  dask_dir=args.get("dask_dir"), options=_verbatim_options())
    wall = time.perf_counter() - t
    if dask is not None:
        dask.close()
        cluster.close()
    print(json.dumps({"seconds": wall, "timings": summary.timings, "cpu": summary.cpu, "stored": summary.stored,
                      "unchanged": summary.unchanged, "analysed": summary.analysed, "workers": summary.workers,
                      "topics": (summary.corpus_steps.get("topics") or {}).get("status")}, default=str))


def _verbatim_options() -> Any:
    """The options `textlens run --kind verbatim` passes."""
    from textlens.ingest.readers import IngestOptions

    return IngestOptions(kind="verbatim")


# ---- parent -------------------------------------------------------------------------------------------------
def _tree_memory(pid: int) -> tuple[int, int]:
    """RSS and PSS (bytes) of a process and all its children."""
    import psutil

    rss = pss = 0
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0, 0
    for p in procs:
        try:
            info = p.memory_full_info()
            rss, pss = rss + info.rss, pss + getattr(info, "pss", info.rss)
        except psutil.Error:
            continue
    return rss, pss


def measured(cmd: list[str], stage_file: Path | None = None, interval: float = 0.5) -> dict[str, Any]:
    """Run `cmd`, sampling the tree's memory; peaks overall and per stage (as the child writes it)."""
    import resource

    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    # output to files, not pipes: a command printing more than a pipe holds would block until read
    with tempfile.TemporaryFile("w+") as out_file, tempfile.TemporaryFile("w+") as err_file:
        proc = subprocess.Popen(cmd, env=env, stdout=out_file, stderr=err_file, text=True)
        peak: dict[str, list[int]] = {}
        while proc.poll() is None:
            rss, pss = _tree_memory(proc.pid)
            stage = stage_file.read_text() if stage_file and stage_file.exists() else "start"
            now = peak.setdefault(stage, [0, 0])
            now[0], now[1] = max(now[0], rss), max(now[1], pss)
            time.sleep(interval)
        wall = time.perf_counter() - t
        out_file.seek(0), err_file.seek(0)
        out, err = out_file.read(), err_file.read()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:6])}… failed ({proc.returncode}):\n{err[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall": wall, "cpu_tree": cpu, "stdout": out, "peaks": peak,
            "peak_rss_mb": max((v[0] for v in peak.values()), default=0) / 2**20,
            "peak_pss_mb": max((v[1] for v in peak.values()), default=0) / 2**20}


def store_mb(db: Path) -> float:
    return sum(f.stat().st_size for f in db.parent.glob(db.name + "*")) / 2**20


def make_corpus(rows: int, work: Path) -> Path:
    out = work / f"scale-{rows}.csv"
    if not out.exists():
        subprocess.run([sys.executable, str(ROOT / "scripts" / "make_scale_corpus.py"), "--rows", str(rows),
                        "--out", str(out)], check=True)
    return out


def run_once(csv_path: Path, db: Path, work: Path, dask_workers: int = 0) -> dict[str, Any]:
    stage_file = work / f"{db.stem}.stage"
    stage_file.unlink(missing_ok=True)
    args = {"csv": str(csv_path), "db": str(db), "stage_file": str(stage_file), "dask_workers": dask_workers,
            "dask_dir": str(work / f"{db.stem}-parts") if dask_workers else None}
    res = measured([sys.executable, __file__, "--child", json.dumps(args)], stage_file)
    res["summary"] = json.loads(res.pop("stdout").strip().splitlines()[-1])
    res["store_mb"] = store_mb(db)
    return res


def export_digest(db: Path, work: Path) -> str:
    out = work / f"{db.stem}.export.jsonl"
    measured([*TEXTLENS, "export", "--db", str(db), "--out", str(out)])
    return hashlib.sha256(out.read_bytes()).hexdigest()


def time_queries(db: Path, work: Path) -> list[tuple[str, float]]:
    times = []
    for label, args in QUERIES:
        res = measured([*TEXTLENS, *args, "--db", str(db)], interval=0.05)
        times.append((label, res["wall"]))
    html = work / f"{db.stem}.report.html"
    res = measured([*TEXTLENS, "report", "--db", str(db), "--format", "html", "--out", str(html)])
    times.append(("report --format html", res["wall"]))
    return times


def print_run(title: str, res: dict[str, Any]) -> None:
    s = res["summary"]
    print(f"\n### {title}: {s['stored']:,} stored, {s['unchanged']:,} unchanged, workers {s['workers']},"
          f" topics {s['topics']}")
    print(f"wall {res['wall']:,.1f} s, CPU {res['cpu_tree']:,.1f} s (process tree), peak RSS {res['peak_rss_mb']:,.0f} MB,"
          f" peak PSS {res['peak_pss_mb']:,.0f} MB, store {res['store_mb']:,.1f} MB, load {os.getloadavg()[0]:.1f}")
    print(f"{'stage':<16}{'wall s':>10}{'CPU s':>10}{'share':>8}{'peak RSS MB':>13}{'peak PSS MB':>13}")
    total = sum(s["timings"].values()) or 1.0
    for stage, wall in s["timings"].items():
        key = "topics" if stage == "corpus_steps" else stage
        peak = res["peaks"].get(key, [0, 0])
        print(f"{stage:<16}{wall:>10,.1f}{s['cpu'].get(stage, float('nan')):>10,.1f}{wall / total:>8.0%}"
              f"{peak[0] / 2**20:>13,.0f}{peak[1] / 2**20:>13,.0f}")
    extra = {k: round(v, 1) for k, v in s["cpu"].items() if k not in s["timings"]}
    if extra:
        print(f"other CPU s (no wall time of their own): {extra}")


def fit_growth(points: list[tuple[int, float]]) -> tuple[float, float] | None:
    """Least squares of log(seconds) on log(rows): seconds = a * rows^b."""
    if len(points) < 2:
        return None
    xs, ys = [math.log(r) for r, _ in points], [math.log(s) for _, s in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
    return math.exp(my - b * mx), b


def cpu_model() -> str:
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            if line.startswith("Model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child_run(json.loads(sys.argv[2]))
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, action="append", required=True, help="corpus size (repeatable)")
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "textlens-scale",
                    help="folder for the corpora and stores (outside the repository)")
    ap.add_argument("--dask-workers", type=int, default=0, help="also run on a LocalCluster of N worker processes")
    ap.add_argument("--no-queries", action="store_true")
    ap.add_argument("--no-rerun", action="store_true")
    ap.add_argument("--queries-only", action="store_true", help="time the queries on the stores already in --work")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    print(f"textlens scale bench — {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores, CPU {cpu_model()},"
          f" load {os.getloadavg()[0]:.1f}")
    walls: list[tuple[int, float]] = []
    for rows in args.rows:
        db = args.work / f"scale-{rows}.db"
        if args.queries_only:
            print(f"{rows:,} reviews, query commands (fresh CLI process each, wall s): "
                  + ", ".join(f"{label} {secs:.2f}" for label, secs in time_queries(db, args.work)))
            continue
        csv_path = make_corpus(rows, args.work)
        for f in args.work.glob(db.name + "*"):
            f.unlink()
        first = run_once(csv_path, db, args.work)
        print_run(f"{rows:,} reviews: first run", first)
        walls.append((rows, first["wall"]))
        if not args.no_rerun:
            again = run_once(csv_path, db, args.work)
            print(f"unchanged re-run: {again['wall']:.1f} s wall, peak RSS {again['peak_rss_mb']:,.0f} MB")
        if not args.no_queries:
            print("query commands (fresh CLI process each, wall s): "
                  + ", ".join(f"{label} {secs:.2f}" for label, secs in time_queries(db, args.work)))
        if args.dask_workers:
            ddb = args.work / f"scale-{rows}-dask.db"
            for f in args.work.glob(ddb.name + "*"):
                f.unlink()
            dres = run_once(csv_path, ddb, args.work, dask_workers=args.dask_workers)
            print_run(f"{rows:,} reviews on a LocalCluster of {args.dask_workers} workers", dres)
            same = export_digest(db, args.work) == export_digest(ddb, args.work)
            print(f"dask export identical to the local run's: {same}")
        sys.stdout.flush()
    growth = fit_growth(walls)
    if growth:
        a, b = growth
        print(f"\ngrowth: wall s = {a:.3g} * rows^{b:.2f}; implied for 1,000,000 reviews:"
              f" {a * 1e6 ** b / 3600:.2f} h (goal < 3 h)")


if __name__ == "__main__":
    main()
