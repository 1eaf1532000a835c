"""Benchmark the embedding backends: speed, memory, agreement with float32 e5, effect on themes/aspects.

    nice -n 10 .venv/bin/python scripts/bench_embeddings.py                 # all backends, 10k reviews
    nice -n 10 .venv/bin/python scripts/bench_embeddings.py --limit 2000 --backends e5-small-int8,fast

Data: ../shared/data/verbatims_assurance/unlabeled.csv (real reviews, never copied into the repo).
Each backend runs in its own process (load time and peak memory are its own), encodes the reviews once
after a short warm-up (reviews/s), then the sentences of those reviews (sentences/s). Agreement: cosine of
each backend's vectors to e5 float32 on the first --sample reviews (mean and 1st percentile) and the
overlap of their 10 nearest neighbours. Downstream: micro/macro-F1 of document themes and verbatim
aspects with the shipped taxonomies (scripts/eval_themes.py data), per backend, no recalibration.
The fast tier reports two passes over a fresh copy of its vocabulary as set-up leaves it (base words only):
the first embeds the words of the reviews it has never seen (cold), the second is warm; --fast-scratch
builds the base vocabulary too, inside the timed load (the one-off set-up cost).
On a shared machine wall-clock rates vary with the load; `cpu ms/rev` (process CPU time per review while
encoding) is steadier: for the int8 backend (no spinning threads) 2 idle cores give about 2000 / cpu_ms
reviews/s. torch's threads spin while waiting, so its CPU time overstates its work.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared"
if not SHARED.exists():
    SHARED = Path("/work/shared")
REVIEWS = SHARED / "data" / "verbatims_assurance" / "unlabeled.csv"
DEFAULT_BACKENDS = "e5-small-f32,e5-small-int8,e5-small-int8tok,native,fast"
REFERENCE = "e5-small-f32-w512"  # float32, full e5 context (longer texts in 512-token windows)
SLOW = ("e5-small-f32", "native")  # timed on the first --slow-limit reviews only (tens of minutes otherwise)


def load_reviews(limit: int) -> list[str]:
    import pandas as pd

    if not REVIEWS.exists():
        sys.exit(f"{REVIEWS}: not found (the shared data folder must sit next to the repository)")
    texts = pd.read_csv(REVIEWS)["text"].dropna().astype(str).tolist()
    return texts[:limit] if limit else texts


def sentences_of(texts: list[str]) -> list[str]:
    from textlens.analysis.segment import split_passages

    return [p.text for i, t in enumerate(texts) for p in split_passages(str(i), t)]


def downstream(encoder) -> dict[str, float]:
    """Pooled micro/macro-F1 of themes and aspects on the gold sets of scripts/eval_themes.py."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("eval_themes", ROOT / "scripts" / "eval_themes.py")
    ev = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ev)  # type: ignore[union-attr]
    out: dict[str, float] = {}
    for label, sets, tax in (("themes", ev.article_sets(), "editorial"), ("aspects", ev.verbatim_sets(), "aspects")):
        if not sets:
            continue
        scorer = ev.ThemeScorer(ev.load_taxonomy(tax), encoder)
        preds, gold = [], []
        for name, docs in sets.items():
            feats = ev.Features(scorer, docs, None)
            p = ev.predict(feats, scorer)
            g = [g for *_, g in docs]
            preds += p
            gold += g
            if name == "dev_heldout":
                res = ev.evaluate(p, g, scorer.taxonomy.ids)
                out["aspects_heldout_micro"] = res["micro"][2]
        res = ev.evaluate(preds, gold, scorer.taxonomy.ids)
        out[f"{label}_micro"] = res["micro"][2]
        out[f"{label}_macro"] = res["macro_f1"]
        out[f"{label}_n"] = len(gold)
    return out


def fast_vocabulary(scratch: bool, target: Path) -> None:
    """A private copy of the fast tier's vocabulary as set-up leaves it (nothing with --fast-scratch)."""
    import shutil

    from textlens.embeddings.convert import cache_root
    from textlens.embeddings.static import BASE_FILE, VERSION

    target.mkdir()
    if scratch:
        return
    shipped = cache_root() / "models" / f"e5-static-v{VERSION}"
    if not (shipped / BASE_FILE).exists():  # set-up not run yet: run it now, untimed, in its own process
        subprocess.run([sys.executable, "-m", "textlens.embeddings.static"], check=True, cwd=ROOT)
    for f in (BASE_FILE, "center.npy"):
        shutil.copy(shipped / f, target / f)


def worker(name: str, limit: int, sample: int, outdir: Path, with_downstream: bool, scratch: bool,
           slow_limit: int) -> None:
    from textlens.embeddings import get_encoder

    texts = load_reviews(limit)
    if name.startswith(SLOW) and slow_limit:
        texts = texts[: max(slow_limit, sample)]
    sents = sentences_of(texts)
    if name == "fast":
        fast_vocabulary(scratch, outdir / "fast-vocab")
    t0 = time.perf_counter()
    if name == "fast":
        from textlens.embeddings.static import StaticEncoder

        enc = StaticEncoder(folder=outdir / "fast-vocab")
    else:
        enc = get_encoder(name)
    result: dict = {"backend": name, "model_id": enc.model_id, "load_s": time.perf_counter() - t0,
                    "reviews": len(texts), "sentences": len(sents), "threads": os.cpu_count()}
    result["base_words"] = len(getattr(enc, "words", ()))
    enc.encode(texts[:32] if name != "fast" else ["le"])  # warm-up: first-call allocations, lazy kernels
    passes = 2 if name == "fast" else 1
    for k in range(passes):
        known = len(getattr(enc, "words", ()))
        t, cpu = time.perf_counter(), time.process_time()
        vecs = enc.encode(texts)
        dt = time.perf_counter() - t
        key = "" if k == 0 else "_warm"
        result[f"reviews_per_s{key}"] = len(texts) / dt
        result[f"cpu_ms_per_review{key}"] = 1000 * (time.process_time() - cpu) / len(texts)
        if hasattr(enc, "words"):
            result[f"new_words{key}"] = len(enc.words) - known
        t = time.perf_counter()
        enc.encode(sents)
        result[f"sentences_per_s{key}"] = len(sents) / (time.perf_counter() - t)
    np.save(outdir / f"{name}.npy", vecs[:sample])
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if with_downstream:
        try:
            result.update(downstream(enc))
        except Exception as exc:  # noqa: BLE001 - the themes module may be mid-change: report, don't die
            result["downstream_error"] = f"{type(exc).__name__}: {exc}"
    (outdir / f"{name}.json").write_text(json.dumps(result))


def neighbours_overlap(a: np.ndarray, b: np.ndarray, k: int = 10) -> float:
    sa, sb = a @ a.T, b @ b.T
    np.fill_diagonal(sa, -np.inf)
    np.fill_diagonal(sb, -np.inf)
    ta, tb = np.argsort(-sa, axis=1)[:, :k], np.argsort(-sb, axis=1)[:, :k]
    return float(np.mean([len(set(x) & set(y)) / k for x, y in zip(ta, tb)]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--limit", type=int, default=0, help="first N reviews only (default: all ~10k)")
    ap.add_argument("--backends", default=DEFAULT_BACKENDS, help=f"comma-separated (default {DEFAULT_BACKENDS})")
    ap.add_argument("--sample", type=int, default=1000, help="reviews compared with the float32 reference")
    ap.add_argument("--no-downstream", action="store_true", help="skip the theme/aspect F1 per backend")
    ap.add_argument("--fast-scratch", action="store_true", help="fast tier: build its base vocabulary in the timed load")
    ap.add_argument("--slow-limit", type=int, default=1000,
                    help=f"time {', '.join(SLOW)} on this many reviews only (0: all; at least --sample)")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--outdir", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(args.worker, args.limit, args.sample, Path(args.outdir), not args.no_downstream, args.fast_scratch,
               args.slow_limit)
        return

    names = [n.strip() for n in args.backends.split(",") if n.strip()]
    if REFERENCE not in names:
        names.insert(0, REFERENCE)
    load = os.getloadavg()[0]
    print(f"{len(load_reviews(args.limit))} reviews, {os.cpu_count()} cores, load average {load:.1f} at start")
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            cmd = [sys.executable, __file__, "--worker", name, "--outdir", tmp, "--limit", str(args.limit),
                   "--sample", str(args.sample)] + (["--no-downstream"] if args.no_downstream else []) \
                + (["--fast-scratch"] if args.fast_scratch else []) + ["--slow-limit", str(args.slow_limit)]
            t = time.perf_counter()
            proc = subprocess.run(cmd, capture_output=True, text=True)
            if proc.returncode != 0:
                print(f"{name}: failed\n{proc.stderr[-1500:]}")
                continue
            results[name] = json.loads((Path(tmp) / f"{name}.json").read_text())
            results[name]["vectors"] = np.load(Path(tmp) / f"{name}.npy")
            print(f"  {name}: done in {time.perf_counter() - t:.0f} s", flush=True)
    if REFERENCE not in results:
        sys.exit("the float32 reference failed: no agreement figures")
    ref = results[REFERENCE]["vectors"]
    print(f"\nload average {os.getloadavg()[0]:.1f} at end (the machine is shared: compare backends within a run)\n")
    head = (f"{'backend':<17} {'model id':<18} {'reviews':>7} {'load s':>6} {'rev/s':>7} {'sent/s':>7} {'peak MB':>7} "
            f"{'cpu ms/rev':>10} {'cos mean':>8} {'cos p1':>7} {'nn@10':>6} {'themes µ/M':>11} {'aspects µ/M':>11} "
            f"{'held-out':>8}")
    print(head)
    print("-" * len(head))
    for name, r in results.items():
        v = r["vectors"]
        n = min(len(v), len(ref))
        cos = (v[:n] * ref[:n]).sum(axis=1)
        nn = neighbours_overlap(v[:n], ref[:n])
        th = f"{r['themes_micro']:.3f}/{r['themes_macro']:.3f}" if "themes_micro" in r else "-"
        asp = f"{r['aspects_micro']:.3f}/{r['aspects_macro']:.3f}" if "aspects_micro" in r else "-"
        held = f"{r['aspects_heldout_micro']:.3f}" if "aspects_heldout_micro" in r else "-"
        print(f"{name:<17} {r['model_id']:<18} {r['reviews']:>7} {r['load_s']:>6.1f} {r['reviews_per_s']:>7.1f} "
              f"{r['sentences_per_s']:>7.1f} {r['peak_mb']:>7.0f} {r.get('cpu_ms_per_review', 0):>10.2f} {cos.mean():>8.4f} {np.percentile(cos, 1):>7.4f} "
              f"{nn:>6.3f} {th:>11} {asp:>11} {held:>8}")
        if "reviews_per_s_warm" in r:
            print(f"{'  (warm)':<17} {'':<18} {'':>7} {'':>6} {r['reviews_per_s_warm']:>7.1f} {r['sentences_per_s_warm']:>7.1f}"
                  f"   first pass embedded {r.get('new_words', 0)} new words (vocabulary at load: "
                  f"{r.get('base_words', 0):,} words)")
        if "downstream_error" in r:
            print(f"  downstream unavailable: {r['downstream_error']}")
    print(f"\nsentences: those of each backend's reviews; agreement on the first {len(ref)} reviews vs {REFERENCE}; "
          f"{', '.join(SLOW)} timed on the first {args.slow_limit or 'all'} reviews")


if __name__ == "__main__":
    main()
