"""CPU cost of the sentiment model: load, then the 10k unlabelled reviews through the analyzer's path.

    nice -n 10 .venv/bin/python scripts/bench_sentiment.py                 # the committed model
    nice -n 10 .venv/bin/python scripts/bench_sentiment.py --model M --profile 15
    nice -n 10 .venv/bin/python scripts/bench_sentiment.py --store      # the whole analyzer, in a store

Prints CPU seconds (time.process_time, this process) to load the model, CPU seconds and reviews/s to
predict the reviews the way `SentimentAnalyzer.analyze` does (whole reviews + their passages in one
`predict` call, each scored with its clauses; then the aspect clauses), next to the load average — the
machine is shared, so wall time is not reported as the figure. `--profile N` adds the top N functions by
cumulative time. The passages are cut once (spaCy sentencizer) before the clock starts.
`--store` instead runs `textlens run` (entities, themes, sentiment; one process, a temporary store)
and prints the CPU seconds of each analysis: the sentiment analyzer's own Python (aspects, rows) included.

    .venv/bin/python scripts/bench_sentiment.py --tier accurate --limit 1000              # one line: reviews/s
    .venv/bin/python scripts/bench_sentiment.py --tier accurate --backend f32 --limit 300  # the float model

`--tier accurate` times the accurate tier's whole-review predictions (`FineTunedSentiment.predict_reviews`:
the fine-tuned members ensembled with the n-gram model) after a warm-up, and prints CPU seconds per review
(user + sys of every thread), reviews/s as cores / (CPU s per review), wall time under the current load,
and the CPU model with its int8-relevant flags (int8 kernels depend on them).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DATA = ROOT.parent / "shared" / "data" / "verbatims_assurance" / "unlabeled.csv"


def main(argv: list[str] | None = None) -> None:
    import pandas as pd

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DATA, help="CSV with a text column (default: the 10k unlabelled)")
    ap.add_argument("--model", default=None, help="model file (default: the committed one)")
    ap.add_argument("--limit", type=int, default=0, help="first N reviews only")
    ap.add_argument("--profile", type=int, default=0, metavar="N", help="print the top N functions (cumulative)")
    ap.add_argument("--store", action="store_true", help="time the analyses of a full `textlens run` instead")
    ap.add_argument("--tier", choices=("fast", "accurate"), default="fast",
                    help="accurate: time the fine-tuned tier's whole-review predictions instead")
    ap.add_argument("--backend", choices=("int8", "f32"), default=None,
                    help="accurate tier backend (default: the artifact's, or $TEXTLENS_SENTIMENT_FT_BACKEND)")
    args = ap.parse_args(argv)
    if not args.data.is_file():
        sys.exit(f"{args.data}: not found (the unlabelled reviews live in ../shared)")
    if args.store:
        return store_run(args.data, args.model)
    if args.tier == "accurate":
        return accurate_tier(args.data, args.limit or 1000, args.backend)

    from textlens.analysis.segment import split_many
    from textlens.sentiment.predict import SentimentModel
    from textlens.themes.lexicon import LexicalMatcher
    from textlens.themes.taxonomy import load_taxonomy

    texts = pd.read_csv(args.data)["text"].fillna("").astype(str).tolist()
    texts = [t for t in texts if t.strip()][: args.limit or None]
    passages = [[p.text for p in ps] for ps in split_many([(str(i), t) for i, t in enumerate(texts)])]
    matcher = LexicalMatcher(load_taxonomy("aspects"))
    mentions = [{a: [(h.start, h.end) for h in hits] for a, hits in matcher.find(t).items()} for t in texts]
    words = sum(len(t.split()) for t in texts)
    n_pass = sum(map(len, passages))
    print(f"{len(texts)} reviews, {n_pass} passages, {words} words; "
          f"{sum(map(len, mentions))} aspect mentions; load average {os.getloadavg()[0]:.1f}")

    c0, w0 = time.process_time(), time.perf_counter()
    model = SentimentModel.load(args.model)
    load_cpu, load_wall = time.process_time() - c0, time.perf_counter() - w0
    print(f"load: {load_cpu:.2f} CPU s ({load_wall:.2f} s wall), file "
          f"{Path(args.model or os.environ.get('TEXTLENS_SENTIMENT_MODEL') or '') if args.model else 'committed'}")

    def predict_all() -> None:
        from textlens.sentiment.aspects import score_aspects

        preds = model.predict(texts + [p for ps in passages for p in ps])
        jobs = [(t, m, preds[i].score) for i, (t, m) in enumerate(zip(texts, mentions)) if m]
        score_aspects(model, jobs)

    c0, w0 = time.process_time(), time.perf_counter()
    predict_all()
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    per10k = cpu * 10_000 / len(texts)
    print(f"predict: {cpu:.2f} CPU s for {len(texts)} reviews = {per10k:.1f} CPU s per 10k reviews, "
          f"{len(texts) / cpu:,.0f} reviews/CPU s, {words / cpu:,.0f} words/CPU s ({wall:.1f} s wall); "
          f"load average {os.getloadavg()[0]:.1f}")

    if args.profile:
        import cProfile
        import pstats

        model.memo.clear()  # the same work again, not answers from the first run
        prof = cProfile.Profile(time.process_time)  # CPU time: the machine is shared
        c0 = time.process_time()
        prof.enable()
        predict_all()
        prof.disable()
        cpu = time.process_time() - c0
        pstats.Stats(prof).sort_stats("cumulative").print_stats(args.profile)
        print(f"(profiled run: {cpu:.1f} CPU s, inflated by the profiler)")


def cpu_flags() -> str:
    """CPU model name and the instruction-set flags int8 kernels use (from /proc/cpuinfo, as lscpu shows)."""
    name, flags = "unknown CPU", set()
    try:
        for row in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = row.partition(":")
            if key.strip() == "model name":
                name = value.strip()
            elif key.strip() == "flags":
                flags = set(value.split())
    except OSError:
        pass
    wanted = ("avx2", "fma", "avx512f", "avx512bw", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_int8")
    return f"{name}, {os.cpu_count()} CPUs; int8 flags: {' '.join(f for f in wanted if f in flags) or 'none'}"


def accurate_tier(data: Path, limit: int, backend: str | None) -> None:
    """CPU s per review of the accurate tier's whole-review predictions on the first `limit` reviews."""
    import pandas as pd

    from textlens.sentiment import load_model
    from textlens.sentiment.finetuned import load_finetuned

    texts = pd.read_csv(data)["text"].fillna("").astype(str).tolist()
    texts = [t for t in texts if t.strip()][:limit]
    c0, w0 = time.process_time(), time.perf_counter()
    ngram, ft = load_model(), load_finetuned(backend=backend)
    print(f"{cpu_flags()}\nload: {time.process_time() - c0:.1f} CPU s ({time.perf_counter() - w0:.1f} s wall), "
          f"backend {ft.backend}, {ft.threads} threads")
    ft.predict_reviews(texts[:20], ngram)  # warm-up: sessions, thread pools, allocations
    ngram.memo.clear()
    c0, w0 = time.process_time(), time.perf_counter()
    ft.predict_reviews(texts, ngram)
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    cores = os.cpu_count() or 1
    print(f"accurate tier ({ft.backend}), {len(texts)} reviews: {1000 * cpu / len(texts):.1f} CPU ms per review "
          f"-> {cores * len(texts) / cpu:.1f} reviews/s on {cores} cores; wall {wall:.1f} s = "
          f"{len(texts) / wall:.1f} reviews/s at load average {os.getloadavg()[0]:.1f}")


def store_run(data: Path, model: str | None) -> None:
    """CPU seconds of the sentiment analysis in a one-process `textlens run` on `data` (temporary store):
    `SentimentAnalyzer.analyze` is timed with process_time (works on older checkouts too)."""
    import tempfile

    from textlens.ingest.readers import IngestOptions
    from textlens.pipeline import run
    from textlens.sentiment.analyzer import SentimentAnalyzer

    if model:
        os.environ["TEXTLENS_SENTIMENT_MODEL"] = str(Path(model).resolve())
    spent = {"analyze": 0.0, "setup": 0.0}
    analyze, setup = SentimentAnalyzer.analyze, SentimentAnalyzer.setup

    def timed_analyze(self, batch, store):  # type: ignore[no-untyped-def]
        c = time.process_time()
        try:
            return analyze(self, batch, store)
        finally:
            spent["analyze"] += time.process_time() - c

    def timed_setup(self):  # type: ignore[no-untyped-def]
        c = time.process_time()
        try:
            return setup(self)
        finally:
            spent["setup"] += time.process_time() - c

    SentimentAnalyzer.analyze, SentimentAnalyzer.setup = timed_analyze, timed_setup  # type: ignore[method-assign]
    with tempfile.TemporaryDirectory() as tmp:
        summary = run([data], Path(tmp) / "bench.db", IngestOptions(kind="verbatim"),
                      analyses=("entities", "themes", "sentiment"), topics=False, workers=1)
    cpu = {k: round(v, 1) for k, v in getattr(summary, "cpu", {}).items()}
    print(f"textlens run, one process: CPU s per stage {cpu}; load average {os.getloadavg()[0]:.1f}")
    print(f"sentiment analysis: {spent['analyze']:.1f} CPU s in analyze() (model load included on first use: "
          f"{spent['setup']:.1f} CPU s in setup()) for {summary.stored + summary.updated} documents")

if __name__ == "__main__":
    main()
