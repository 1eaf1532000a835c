"""How far topics fitted on a sample agree with topics fitted on every unit (issue #21), and what each fit costs.

    nice -n 10 .venv/bin/python scripts/topic_sample_agreement.py                      # first 10k real reviews
    nice -n 10 .venv/bin/python scripts/topic_sample_agreement.py --samples 2000,5000 --limit 10000
    ... --input /tmp/scale-100k.csv --limit 0 --samples 5000,30000                      # later, on a scale corpus
    ... --cost-curve 10000,20000,40000 --samples 2000          # fit cost only, units tiled to N (no agreement)

`TopicModel(max_fit_units=m)` clusters `m` units and assigns every other unit to the nearest topic (same threshold
as outliers). For each sample size, a uniform sample and a stratified one (`fit_sample`: by period and source, the
strata `textlens run` passes: year of the date | source) are compared with the full fit (`max_fit_units=None`) on
the same units:
- ARI over all units (outliers a class of their own) and over the units both fits place in a topic;
- matched share: topics paired one to one (Hungarian matching on the units they share, scipy's
  `linear_sum_assignment`), the share of all units whose two topics are a pair (outliers in both count as agreeing);
  also the lowest matched share of any stratum (does a small period keep its topics?);
- fit time, wall and CPU seconds, with the 1-minute load average before and after (the machine is shared).
Baseline printed above them: a second full fit with another seed against the first (no sampling at all: how much
two fits of the same data agree; a sample fit cannot be expected to do better).

`--cost-curve`: is the fit's cost flat in the corpus size once the sample is bounded? The units are tiled to each N
(copies with a little seeded noise on the vectors; texts repeated) and fitted with a stratified sample of the first
`--samples` size; the clustering step should stay flat, the assignment and term steps grow linearly.

Embeddings are computed once and cached (scripts/bench_topics.py's store in the user cache directory); the fits never
embed. Texts: rows with at least 3 words, in file order (as bench_topics.py). The reviews live in ../shared and are
never copied into the repository; only figures are printed.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
DEFAULT_INPUT = ROOT.parent / "shared" / "data" / "verbatims_assurance" / "unlabeled.csv"


def load_units(path: Path, limit: int, source_col: str | None):
    """Texts (>= 3 words, file order) and their strata "year|source" (source: a column, else the file's name)."""
    import pandas as pd

    if not path.exists():
        sys.exit(f"{path}: not found (the real reviews live in ../shared; a scale corpus comes from "
                 f"scripts/make_scale_corpus.py)")
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    for col in ("text", "date", *([source_col] if source_col else [])):
        if col not in df.columns:
            sys.exit(f"{path}: no column {col!r}; columns: {', '.join(df.columns)}")
    df = df[df["text"].str.split().str.len() >= 3]
    df = df.head(limit) if limit else df
    texts = [t.strip() for t in df["text"]]
    source = df[source_col] if source_col else pd.Series(path.name, index=df.index)
    strata = (df["date"].str[:4].where(df["date"].str.len() >= 4, "None") + "|" + source).to_numpy()
    return texts, strata


def matched_share(a, b, strata=None) -> tuple[float, float | None]:
    """Share of units whose topics in `a` and `b` are paired by a one-to-one matching of topics that maximises the
    units they share (outliers, -1, in both count as agreeing); and the lowest such share over the strata."""
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    ta, tb = np.unique(a[a >= 0]), np.unique(b[b >= 0])
    ia, ib = np.searchsorted(ta, a), np.searchsorted(tb, b)
    both = (a >= 0) & (b >= 0)
    M = np.zeros((ta.size, tb.size), dtype=np.int64)
    np.add.at(M, (ia[both], ib[both]), 1)
    rows, cols = linear_sum_assignment(-M)
    partner = np.full(ta.size, -1)
    partner[rows] = cols
    agree = (a < 0) & (b < 0)
    agree[both] = partner[ia[both]] == ib[both]
    worst = None
    if strata is not None:
        worst = min(float(agree[strata == s].mean()) for s in np.unique(strata))
    return float(agree.mean()), worst


def compare(full, other, strata) -> dict[str, float]:
    from sklearn.metrics import adjusted_rand_score

    both = (full >= 0) & (other >= 0)
    share, worst = matched_share(full, other, strata)
    return {"ari_all": adjusted_rand_score(full, other), "ari_placed": adjusted_rand_score(full[both], other[both]),
            "matched": share, "worst_stratum": worst}


def timed_fit(texts, X, strata, seed: int, max_fit_units: int | None):
    from textlens.topics.model import TopicModel

    load0 = os.getloadavg()[0]
    wall, cpu = time.perf_counter(), time.process_time()
    # ctfidf labels: the partition does not depend on the representation, and keyphrases would cost time here
    model = TopicModel(random_state=seed, max_fit_units=max_fit_units, agreement_seeds=0,
                       representation="ctfidf").fit(texts, X, strata=strata)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return model, {"wall": wall, "cpu": cpu, "cluster": model.quality_["seconds"]["clustering"],
                   "load": (load0, os.getloadavg()[0])}


def cost_curve(texts, X, strata, sizes: list[int], sample: int, seed: int) -> None:
    """Time the stratified sample fit on the units tiled to each size (see the module docstring)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    print(f"\nfit cost with a stratified sample of {sample} units (units tiled to N):")
    print(f"{'N':>8} {'topics':>6} {'wall s':>7} {'CPU s':>6} {'clust. s':>8} {'terms s':>7} {'load':>11}")
    for n in sizes:
        idx = np.arange(n) % len(texts)
        Xn = X[idx] + rng.normal(scale=0.005, size=(n, X.shape[1])).astype(np.float32) * (idx != np.arange(n))[:, None]
        model, c = timed_fit([texts[i] for i in idx], Xn, strata[idx], seed, sample)
        print(f"{n:>8} {model.n_topics_:>6} {c['wall']:>7.1f} {c['cpu']:>6.1f} {c['cluster']:>8.1f} "
              f"{model.quality_['seconds']['terms']:>7.1f} {c['load'][0]:>5.1f}->{c['load'][1]:<5.1f}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--input", type=Path, default=DEFAULT_INPUT, help="CSV with text and date columns")
    ap.add_argument("--limit", type=int, default=10000, help="first N texts (0 = all)")
    ap.add_argument("--samples", default="2000,5000", help="sample sizes (max_fit_units), comma-separated")
    ap.add_argument("--source-col", default=None, help="column naming the source (default: the file's name)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--repeats", type=int, default=3,
                    help="sample fits per setting, seeds seed..seed+R-1 (sample and UMAP seed): mean and spread")
    ap.add_argument("--no-baseline", action="store_true", help="skip the second full fit (seed + 1)")
    ap.add_argument("--cost-curve", default="", help="corpus sizes (tiled units) to time the sample fit at instead")
    args = ap.parse_args()

    import numpy as np
    from bench_topics import embed

    from textlens.embeddings import get_encoder

    texts, strata = load_units(args.input, args.limit, args.source_col)
    keys, counts = np.unique(strata, return_counts=True)
    print(f"{len(texts)} units from {args.input.name}; strata (year|source): "
          + ", ".join(f"{k.split('|')[0]}: {c}" for k, c in zip(keys, counts)))
    sys.stdout.flush()
    os.system("lscpu | grep -E 'Model name|^CPU\\(s\\)'")
    print(f"encoder: {get_encoder().model_id}")
    X = embed(texts)
    sizes = [int(s) for s in args.samples.split(",") if s.strip()]
    timed_fit(texts[:600], X[:600], None, args.seed, None)  # warm-up: numba compiles UMAP/HDBSCAN once
    if args.cost_curve:
        cost_curve(texts, X, strata, [int(n) for n in args.cost_curve.split(",")], sizes[0], args.seed)
        return

    full, cost = timed_fit(texts, X, None, args.seed, None)
    print(f"\nfull fit (seed {args.seed}): {full.n_topics_} topics, outliers {(full.labels_ < 0).mean():.1%}, "
          f"{cost['wall']:.1f} s wall, {cost['cpu']:.1f} s CPU (clustering {cost['cluster']:.1f} s), "
          f"load {cost['load'][0]:.1f} -> {cost['load'][1]:.1f}", flush=True)
    settings = [] if args.no_baseline else [(f"baseline: full, seed {args.seed + 1}", None, None, [args.seed + 1])]
    seeds = [args.seed + r for r in range(args.repeats)]
    settings += [(f"{how} sample {size}", keys_, size, seeds) for size in sizes
                 for how, keys_ in (("uniform", None), ("stratified", strata))]
    print("\nagreement with the full fit (same units); mean over the seeds, (min-max) of the matched share:")
    print(f"{'fit':<26} {'runs':>4} {'topics':>6} {'outl.':>6} {'ARI all':>8} {'ARI placed':>10} "
          f"{'matched':>17} {'worst stratum':>13} {'wall s':>7} {'CPU s':>6} {'clust. s':>8} {'load':>11}")
    for name, keys_, size, run_seeds in settings:
        found = []
        for seed in run_seeds:
            model, c = timed_fit(texts, X, keys_, seed, size)
            found.append((model, compare(full.labels_, model.labels_, strata), c))

        def mean(get) -> float:
            return float(np.mean([get(*f) for f in found]))

        shares = [a["matched"] for _, a, _ in found]
        matched = f"{np.mean(shares):.1%} ({min(shares):.0%}-{max(shares):.0%})"
        print(f"{name:<26} {len(found):>4} {mean(lambda m, a, c: m.n_topics_):>6.1f} "
              f"{mean(lambda m, a, c: (m.labels_ < 0).mean()):>6.1%} {mean(lambda m, a, c: a['ari_all']):>8.3f} "
              f"{mean(lambda m, a, c: a['ari_placed']):>10.3f} {matched:>17} "
              f"{mean(lambda m, a, c: a['worst_stratum']):>13.1%} {mean(lambda m, a, c: c['wall']):>7.1f} "
              f"{mean(lambda m, a, c: c['cpu']):>6.1f} {mean(lambda m, a, c: c['cluster']):>8.1f} "
              f"{found[0][2]['load'][0]:>5.1f}->{found[-1][2]['load'][1]:<5.1f}", flush=True)
    print("\nworst stratum: the lowest matched share over the year|source strata. Times: the whole fit (terms, "
          "clustering, outlier passes, c-TF-IDF labels, no seed agreement); clust. s = TopicModel's clustering step.")


if __name__ == "__main__":
    main()
