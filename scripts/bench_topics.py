"""Benchmark: our TopicModel vs BERTopic on the same texts and the same (cached) embeddings.

    .venv/bin/python scripts/bench_topics.py --corpus reviews --limit 2000
    nice -n 10 .venv/bin/python scripts/bench_topics.py --corpus reviews --limit 0 --agreement   # all 10,286
    ... --agreement --repeats 2 --outlier-options   # + textlens without each outlier pass, other settings
    .venv/bin/python scripts/bench_topics.py --corpus demo

Prints, per model: topics found, outlier share, largest topic's share, NPMI coherence (top-10 terms, document co-occurrence,
one implementation for both: textlens.topics.quality, reference = each text's words and their lemmas),
diversity (unique share of top-10 and top-25 terms), fit time in wall and CPU seconds with the load average
(median of --repeats, models interleaved; embeddings excluded, computed once and cached in a store under the
user cache directory; what each time includes is printed under the table) and, with --agreement, ARI between seeds
and 3-seed means. Then how textlens' units got their topic (HDBSCAN, or which outlier pass) and how typical
members they are: their median percentile among their topic's members by centroid cosine and by word similarity.

Corpora: `reviews` = ../shared/data/verbatims_assurance/unlabeled.csv (real reviews, never copied into
the repository), `demo` = passages (>= 6 words) of the demo corpus's articles and editorials.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared"


def cache_db() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("textlens")) / "bench_topics.db"


def load_texts(corpus: str, limit: int | None) -> tuple[list[str], list[str]]:
    """Texts and the document each belongs to (NPMI counts co-occurrence per document)."""
    if corpus == "reviews":
        import pandas as pd

        path = SHARED / "data" / "verbatims_assurance" / "unlabeled.csv"
        if not path.exists():
            sys.exit(f"{path}: not found (the reviews corpus lives in ../shared); try --corpus demo")
        df = pd.read_csv(path)
        texts = [t.strip() for t in df["text"].astype(str) if len(t.split()) >= 3]
        texts = texts[:limit] if limit else texts
        return texts, [str(i) for i in range(len(texts))]
    from textlens.pipeline import ingest
    from textlens.store import Corpus

    with tempfile.TemporaryDirectory() as tmp, Corpus.open(Path(tmp) / "demo.db") as store:
        ingest(store, [ROOT / "corpora" / "demo"])
        rows = store.conn.execute(
            "SELECT p.text, p.doc_id FROM passages p JOIN documents d ON d.id = p.doc_id"
            " WHERE d.kind IN ('article', 'editorial') AND d.duplicate_of IS NULL ORDER BY p.doc_id, p.idx"
        ).fetchall()
    rows = [(t, d) for t, d in rows if len(t.split()) >= 6]
    rows = rows[:limit] if limit else rows
    return [t for t, _ in rows], [d for _, d in rows]


def embed(texts: list[str]):
    from textlens.embeddings import encode_cached, get_encoder
    from textlens.store import Corpus

    path = cache_db()
    with Corpus.open(path) as store:
        t0 = time.perf_counter()
        X = encode_cached(store, texts, get_encoder(), prompt="query")
        print(f"embeddings: {len(texts)} texts, {X.shape[1]} d, {time.perf_counter() - t0:.1f} s "
              f"(cached in {path})", flush=True)
    return X


def warm_up(texts, X, bertopic: bool = True) -> None:
    """Compile UMAP's numba code and import both models' libraries once, so neither pays it in its timing."""
    import numpy as np
    from umap import UMAP

    from pynndescent import NNDescent

    t0 = time.perf_counter()
    Z = np.random.default_rng(0).normal(size=(60, 8))
    for metric in ("cosine", "euclidean"):
        UMAP(n_components=5, n_neighbors=5, metric=metric, min_dist=0.0, random_state=0).fit_transform(Z)
        NNDescent(Z, n_neighbors=5, metric=metric, random_state=0)  # UMAP's search from 4,096 points on
    n = min(len(texts), 400)
    run_ours(texts[:n], X[:n], None, 0)  # spaCy's lemma table, scikit-learn, scipy
    if bertopic and n >= 100:  # --no-bertopic: runs where the bench extra (bertopic) is not installed
        run_bertopic(texts[:n], X[:n], 0)
    print(f"warm-up (numba compilation, imports; not counted): {time.perf_counter() - t0:.1f} s", flush=True)


def cpu_now() -> float:
    """CPU seconds of this process (all threads) and of its finished children."""
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


EVIDENCE: dict = {}  # (seed, params) -> quality_ of our fits: how each unit was assigned, and how well


def run_ours(texts, X, docs, seed, **params):
    """Labels, top-25 words, wall and CPU seconds of the fit less its quality report (NPMI, which
    BERTopic does not compute: compared like with like)."""
    from textlens.topics import TopicModel

    t0, c0 = time.perf_counter(), cpu_now()
    model = TopicModel(random_state=seed, agreement_seeds=0, **params).fit(texts, X, documents=docs)
    seconds, cpu = time.perf_counter() - t0, cpu_now() - c0
    seconds -= model.quality_["seconds"]["quality"]
    cpu -= model.quality_["cpu_seconds"]["quality"]
    EVIDENCE[seed, tuple(sorted(params.items()))] = model.quality_
    return model.labels_, model.topic_words_, seconds, cpu


def run_bertopic(texts, X, seed, min_topic_size=10, min_samples=None, selection="eom", reduce_outliers=False):
    from bertopic import BERTopic
    from hdbscan import HDBSCAN
    from sklearn.feature_extraction.text import CountVectorizer
    from umap import UMAP

    from spacy.lang.fr.stop_words import STOP_WORDS

    t0, c0 = time.perf_counter(), cpu_now()
    model = BERTopic(
        embedding_model=None,
        umap_model=UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=seed),
        hdbscan_model=HDBSCAN(min_cluster_size=min_topic_size, min_samples=min_samples, metric="euclidean",
                              cluster_selection_method=selection, prediction_data=True),
        vectorizer_model=CountVectorizer(stop_words=sorted(set(STOP_WORDS)), min_df=2),
        top_n_words=25, calculate_probabilities=False, verbose=False,
    )
    labels, _ = model.fit_transform(texts, embeddings=X)
    if reduce_outliers and -1 in labels:  # its documented recipe: reassign every outlier, then refresh terms
        labels = model.reduce_outliers(texts, labels, strategy="embeddings", embeddings=X)
        model.update_topics(texts, topics=labels, vectorizer_model=model.vectorizer_model, top_n_words=25)
    seconds, cpu = time.perf_counter() - t0, cpu_now() - c0
    topics = [[w for w, _ in model.get_topic(t)] for t in sorted(set(labels) - {-1})]
    return labels, topics, seconds, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", choices=("reviews", "demo"), default="reviews")
    ap.add_argument("--limit", type=int, default=2000, help="first N texts (0 = all)")
    ap.add_argument("--repeats", type=int, default=1, help="timed fits per model, interleaved (median reported)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--agreement", action="store_true", help="also fit 2 more seeds per model and report ARI")
    ap.add_argument("--no-bertopic", action="store_true")
    ap.add_argument("--outlier-options", action="store_true",
                    help="also textlens without its last outlier pass, without both reduced-space passes, "
                         "with HDBSCAN min_samples=3, and with evidence_quantile=0.01")
    ap.add_argument("--variants", action="store_true",
                    help="also PCA-only textlens and BERTopic with textlens' HDBSCAN settings (+ reduce_outliers)")
    args = ap.parse_args()

    import numpy as np

    from textlens.topics.quality import npmi_coherence, outlier_share, partition_agreement, topic_diversity
    from textlens.topics.terms import TermExtractor

    texts, docs = load_texts(args.corpus, args.limit or None)
    print(f"corpus: {args.corpus}, {len(texts)} texts, {len(set(docs))} documents", flush=True)
    X = embed(texts)
    reference = TermExtractor().surface_sets(texts)
    grouped: dict[str, set[str]] = {}
    for d, s in zip(docs, reference):
        grouped.setdefault(d, set()).update(s)
    reference = list(grouped.values())
    warm_up(texts, X, bertopic=not args.no_bertopic)

    from textlens.topics.clustering import DensityClusterer
    from textlens.topics.model import TopicModel

    contenders = {"textlens (PCA50+UMAP, HDBSCAN)": lambda seed: run_ours(texts, X, docs, seed)}
    if not args.no_bertopic:
        contenders["BERTopic 0.17 defaults (min_topic_size=10)"] = lambda seed: run_bertopic(texts, X, seed)
    if args.outlier_options:
        for label, params in {"  no last pass (evidence_quantile=None)": {"evidence_quantile": None},
                              "  centroid pass only (no vote, no last)": {"evidence_quantile": None,
                                                                          "vote_neighbors": None},
                              "  HDBSCAN min_samples=3 (default 5)": {"min_samples": 3},
                              "  evidence_quantile=0.01 (default 0.02)": {"evidence_quantile": 0.01}}.items():
            contenders[label] = lambda seed, params=params: run_ours(texts, X, docs, seed, **params)
    if args.variants:
        default_mcs = DensityClusterer().resolved_min_cluster_size(len(texts))
        ours = TopicModel(agreement_seeds=0, random_state=args.seed).fit(texts, X)
        selection = "leaf" if "leaf" in ours.quality_["method"] else "eom"
        print(f"textlens chose {ours.quality_['method']} with min_cluster_size {default_mcs}", flush=True)
        contenders["textlens (PCA only, HDBSCAN)"] = lambda seed: run_ours(texts, X, docs, seed, reduction="pca")
        if not args.no_bertopic:
            contenders[f"BERTopic, same min_cluster_size ({default_mcs})"] = (
                lambda seed: run_bertopic(texts, X, seed, default_mcs))
            contenders[f"BERTopic, same HDBSCAN as textlens ({selection})"] = (
                lambda seed: run_bertopic(texts, X, seed, default_mcs, min(default_mcs, 5), selection))
            contenders["  + reduce_outliers(embeddings), update_topics"] = (
                lambda seed: run_bertopic(texts, X, seed, default_mcs, min(default_mcs, 5), selection, True))
    results: dict[str, dict] = {name: {"times": [], "cpu": [], "loads": []} for name in contenders}
    for rep in range(max(1, args.repeats)):  # interleaved: every model sees the same machine load
        for name, fit in contenders.items():
            labels, topics, seconds, cpu = fit(args.seed)
            r = results[name]
            r["times"].append(seconds)
            r["cpu"].append(cpu)
            r["loads"].append(os.getloadavg()[0])
            r["labels"], r["topics"] = np.asarray(labels), topics
            r.setdefault("seeds", {})[args.seed] = (np.asarray(labels), topics)
            print(f"  done: {name} ({seconds:.1f} s, {cpu:.1f} s CPU, load {os.getloadavg()[0]:.1f})", flush=True)
    if args.agreement:
        for i in (1, 2):
            for name, fit in contenders.items():
                labels, topics = fit(args.seed + i)[:2]
                results[name]["seeds"][args.seed + i] = (np.asarray(labels), topics)
    rows = []
    for name, r in results.items():
        labels, topics = r["labels"], r["topics"]
        npmi, _ = npmi_coherence(topics, reference, 10)
        sizes = np.bincount(labels[labels >= 0]) if (labels >= 0).any() else np.zeros(1)
        row = {"model": name, "topics": len(topics), "outliers": outlier_share(labels),
               "largest": sizes.max() / labels.size, "npmi": npmi, "div10": topic_diversity(topics, 10),
               "diversity": topic_diversity(topics, 25), "seconds": statistics.median(r["times"]),
               "cpu": statistics.median(r["cpu"]), "load": statistics.mean(r["loads"])}
        if args.agreement:  # single fits vary a lot with the seed: the 3-seed means are the fairer comparison
            runs = list(r["seeds"].values())
            row["ari"] = partition_agreement([lab for lab, _ in runs])["ari"]
            row["out3"] = float(np.mean([outlier_share(lab) for lab, _ in runs]))
            row["npmi3"] = float(np.mean([npmi_coherence(ts, reference, 10)[0] for _, ts in runs]))
            row["div3"] = float(np.mean([topic_diversity(ts, 25) for _, ts in runs]))
        rows.append(row)

    print()
    head = (f"{'model':46} {'topics':>6} {'outliers':>8} {'largest':>7} {'NPMI':>7} {'div@10':>6} {'div@25':>6}"
            f" {'fit s':>7} {'CPU s':>7} {'load':>5}")
    head += f" {'ARI':>6} {'out/3':>6} {'NPMI/3':>6} {'div/3':>6}" if args.agreement else ""
    print(head)
    print("-" * len(head))
    for r in rows:
        line = (f"{r['model']:46} {r['topics']:6d} {r['outliers']:8.3f} {r['largest']:7.3f} {r['npmi']:7.3f}"
                f" {r['div10']:6.3f} {r['diversity']:6.3f} {r['seconds']:7.1f} {r['cpu']:7.1f} {r['load']:5.1f}")
        line += f" {r['ari']:6.3f} {r['out3']:6.3f} {r['npmi3']:6.3f} {r['div3']:6.3f}" if args.agreement else ""
        print(line)
    print("\noutliers: share of units labelled -1 in the final labels (the same count for every model); largest: "
          "share of all units in the biggest topic; ARI: mean pairwise adjusted Rand index of 3 seeds, outliers "
          "as one class; out/3, NPMI/3, div/3: means over the same 3 seeds (one seed's figures vary a lot); NPMI "
          "and diversity computed here by one implementation for every model.\n"
          "fit s / CPU s (median of --repeats; CPU = this process's threads + children, load = 1-min load average "
          "after the fit): from raw texts + precomputed embeddings to labels and top-25 words. Both include "
          "reduction (UMAP: BERTopic 200 epochs, ours 100 from 5,000 units, 200 below; ours also PCA and exact "
          "neighbours), HDBSCAN, tokenisation and c-TF-IDF; "
          "ours also lemmatisation, topic merging, the three outlier passes and representative units. Neither "
          "includes embeddings, imports, numba compilation, NPMI (our fit computes it for its report: subtracted) "
          "or seed agreement.")
    print(f"{len(texts)} texts; embeddings {X.shape[1]} d; {os.cpu_count()} cores; "
          f"load average {os.getloadavg()[0]:.1f}")
    from textlens.topics.model import ASSIGNED_BY

    print("\nhow textlens' units got their topic (seed %d): units, and their median percentile among the topic's "
          "members by centroid cosine / by c-TF-IDF word similarity (0.5 = a typical member; measured when the "
          "last pass runs, before it adds any unit)" % args.seed)
    for (seed, params), q in EVIDENCE.items():
        if seed != args.seed:
            continue
        name = ", ".join(f"{k}={v}" for k, v in params) or "defaults"
        shown = [f"{h} {q['assigned_by'][h]}" + (" (%.2f / %.2f)" % tuple(q["member_percentiles"][h])
                                                 if h in q["member_percentiles"] else "") for h in ASSIGNED_BY]
        print(f"  {name}: " + ", ".join(shown) + f", outliers {int(round(q['outlier_share'] * q['n_units']))}")


if __name__ == "__main__":
    main()
