"""Measure the committed sentiment model: dev reviews, lexicon baselines, aspect polarity, speed.

    .venv/bin/python scripts/eval_sentiment.py                 # everything
    .venv/bin/python scripts/eval_sentiment.py --no-e2e        # skip the end-to-end aspect run (needs embeddings)

Prints, on ../shared/data/verbatims_assurance/dev.csv: binary accuracy (1-2 vs 4-5 stars, sign of the
score), 3-class macro-F1 (1-2 / 3 / 4-5 stars; mixed counts as the 3-star class) for our model and for
textblob-fr and vaderSentiment-fr (with the direction of their scores checked against the stars); aspect
polarity accuracy on scripts/data/dev_aspects_gold.jsonl (dev reviews) and corpora/demo/gold_verbatims.jsonl
with the gold aspects given; end to end (themes detect the aspects, sentiment gives their polarity) on
the same gold; document sentiment on the demo verbatims and tone of the demo articles; speed.
When models/sentiment_ft/ is there, the opt-in accurate tier's dev line follows the n-gram model's (whole
reviews: it changes nothing in the aspect lines, which stay on the n-gram model in both tiers).
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from textlens.sentiment import load_model  # noqa: E402
from textlens.sentiment.evaluation import (  # noqa: E402
    BASELINES, aspect_polarity_accuracy, baseline_metrics, class_f1, demo_articles, model_metrics, read_gold,
    read_reviews, review_metrics, tfidf_lr_metrics,
)

DATA = ROOT.parent / "shared" / "data" / "verbatims_assurance"
DEV_GOLD = ROOT / "scripts" / "data" / "dev_aspects_gold.jsonl"
DEMO = ROOT / "corpora" / "demo"


def line(name: str, m: dict) -> str:
    f1 = f"{m['macro_f1']:.4f}" if "macro_f1" in m else "   -  "
    extra = f"  (spearman with stars {m['spearman_with_stars']:+.3f})" if "spearman_with_stars" in m else ""
    if "class_f1" in m:
        extra += f"  F1 neg/neutral/pos {' / '.join(f'{v:.3f}' for v in m['class_f1'])}"
    return f"  {name:24s} binary acc {m['binary_accuracy']:.4f}   3-class macro-F1 {f1}{extra}"


def end_to_end(texts: dict[str, str], gold: dict[str, dict], name: str) -> dict:
    """Run themes + sentiment through the real pipeline on the gold reviews (temporary store) and compare
    the (aspect, polarity) pairs; polarity accuracy is also given on the aspects both sides found."""
    import csv

    from textlens.pipeline import run
    from textlens.store import Corpus

    ids = [i for i in gold if i in texts]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{name}.csv"
        with open(path, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["id", "text"])
            w.writerows([(i, texts[i]) for i in ids])
        from textlens.ingest.readers import IngestOptions

        db = Path(tmp) / "e2e.db"
        run([path], db, IngestOptions(kind="verbatim"), analyses=("themes", "sentiment"), topics=False, workers=1)
        with Corpus.open(db, readonly=True) as corpus:
            docs = corpus.conn.execute("SELECT id, metadata FROM documents").fetchall()
            by_row = {r[0]: r[0] for r in docs}
            pred: dict[str, dict[str, str]] = {}
            for doc_id, aspect, pol in corpus.conn.execute("SELECT doc_id, aspect_id, polarity FROM doc_aspects"):
                pred.setdefault(by_row.get(doc_id, doc_id), {})[aspect] = pol
    tp = fp = fn = same = both = 0
    for i in ids:
        g = {a["id"]: a["polarity"] for a in gold[i]["aspects"]}
        p = _match(pred, i)
        tp += sum(1 for a, pol in p.items() if g.get(a) == pol)
        fp += sum(1 for a, pol in p.items() if g.get(a) != pol)
        fn += sum(1 for a, pol in g.items() if p.get(a) != pol)
        common = set(g) & set(p)
        both += len(common)
        same += sum(g[a] == p[a] for a in common)
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    return {"pairs_precision": prec, "pairs_recall": rec, "pairs_f1": 2 * prec * rec / (prec + rec) if tp else 0.0,
            "polarity_accuracy_on_found": same / both if both else float("nan"), "found": both}


def accurate_tier(model, texts: list[str], stars, dev: bool = True) -> None:
    """The opt-in fine-tuned tier (whole reviews): its line as the analysis labels reviews (ensemble weight and
    offsets chosen on dev when it was trained) and, on dev, the cross-checked figures: each part of dev decided
    with the weight and offsets tuned on the other parts (2 folds: tuned on half of dev; 10 folds: on 90 %)."""
    import os

    from textlens.sentiment.evaluation import review_metrics
    from textlens.sentiment.finetuned import cross_f1, load_finetuned, unavailable_reason
    from textlens.sentiment.model import star_classes

    reason = unavailable_reason()
    if reason:
        print(f"  {'textlens accurate':24s} not measured: {reason}")
        return
    ft = load_finetuned()
    cpu = time.process_time()
    P_ft = ft.proba(texts)
    ms = 1000 * (time.process_time() - cpu) / len(texts)
    preds = ft.predict_reviews(texts, model, P_ft)
    tuned_on = "the validation part of train.csv" if "tuned_on" in ft.tuning["ensemble"] else "dev"
    print(line("textlens accurate", review_metrics([p.score for p in preds], [p.label for p in preds], stars))
          + (f"  ({ft.backend}, ensemble tuned on {tuned_on})" if dev else f"  ({ms:.0f} CPU ms/review)"))
    if not dev:
        return
    P_ng, y = model.proba(texts), star_classes(stars)
    first, mean, sd = cross_f1(P_ft, P_ng, y)
    _, mean10, sd10 = cross_f1(P_ft, P_ng, y, folds=10, repeats=3)
    print(f"  {'':24s} 3-class macro-F1 2-fold on dev {first:.4f} (5 splits: {mean:.4f} +- {sd:.4f}), "
          f"10-fold {mean10:.4f} +- {sd10:.4f} (3 splits); {ms:.0f} CPU ms/review ({ft.threads} threads, "
          f"load average {os.getloadavg()[0]:.1f})")


def _match(pred: dict[str, dict[str, str]], gold_id: str) -> dict[str, str]:
    """Predictions of the document ingested from gold row `gold_id` (ids may carry a source prefix)."""
    if gold_id in pred:
        return pred[gold_id]
    for doc_id, p in pred.items():
        if doc_id.endswith(gold_id):
            return p
    return {}


def main(argv: list[str] | None = None) -> None:
    import pandas as pd

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--model", default=None, help="model file (default: the committed one)")
    ap.add_argument("--no-baselines", action="store_true",
                    help="skip the lexicon baselines (the TF-IDF + LR baseline, trained on train.csv, is always printed)")
    ap.add_argument("--no-accurate", action="store_true", help="skip the accurate tier (~47 CPU ms per review)")
    ap.add_argument("--no-e2e", action="store_true", help="skip the end-to-end aspect runs")
    args = ap.parse_args(argv)

    t = time.time()
    model = load_model(args.model)
    print(f"model: {model.meta.get('trained_at', '?')}, loaded in {time.time() - t:.2f} s")
    dev_path = args.data / "dev.csv"
    dev = None
    if dev_path.is_file():
        dev = pd.read_csv(dev_path)
        dev["text"] = dev["text"].fillna("").astype(str)
        texts, stars = dev["text"].tolist(), dev["rating"].to_numpy(int)
        print(f"\ndev.csv: {len(dev)} reviews ({int((stars != 3).sum())} with 1-2 or 4-5 stars)")
        t = time.time()
        preds = model.predict(texts)
        secs = time.time() - t
        labels = [p.label for p in preds]
        m = {**review_metrics([p.score for p in preds], labels, stars), "class_f1": class_f1(stars, labels)}
        print(line("textlens", m))
        words = sum(len(x.split()) for x in texts)
        print(f"  {'':24s} ({len(texts) / secs:,.0f} reviews/s, {words / secs:,.0f} words/s, one process)")
        if (args.data / "train.csv").is_file():
            train = read_reviews(args.data / "train.csv", ("text", "rating"))
            b = tfidf_lr_metrics(train["text"].tolist(), train["rating"].to_numpy(int), texts, stars)
            print(line("TF-IDF + LR (train.csv)", b))
            print(f"  {'':24s} margin of textlens: binary {m['binary_accuracy'] - b['binary_accuracy']:+.4f}, "
                  f"3-class macro-F1 {m['macro_f1'] - b['macro_f1']:+.4f}")
        if not args.no_accurate:
            accurate_tier(model, texts, stars)
        if not args.no_baselines:
            for name in BASELINES:
                try:
                    print(line(name, baseline_metrics(name, texts, stars)))
                except ImportError as exc:
                    print(f"  {name:24s} not installed ({exc.name}): pip install -e '.[bench]'")
    else:
        print(f"{dev_path}: absent, dev figures skipped")

    print("\naspect polarity (gold aspects given):")
    golds = []
    if DEV_GOLD.is_file() and dev is not None:
        golds.append(("dev reviews", dict(zip(dev["id"].astype(str), dev["text"])), read_gold(DEV_GOLD)))
    demo_csv = DEMO / "verbatims.csv"
    if demo_csv.is_file() and (DEMO / "gold_verbatims.jsonl").is_file():
        demo = pd.read_csv(demo_csv)
        golds.append(("demo verbatims", dict(zip(demo["id"].astype(str), demo["text"].fillna(""))),
                      read_gold(DEMO / "gold_verbatims.jsonl")))
    for name, texts_by_id, gold in golds:
        r = aspect_polarity_accuracy(model, texts_by_id, gold)
        print(f"  {name:24s} accuracy {r['accuracy']:.4f} on {r['n']} aspects of {r['docs']} reviews; "
              f"per gold polarity {json.dumps(r['per_polarity'])}")
    if not args.no_e2e:
        print("\naspects end to end (themes detect, sentiment judges; (aspect, polarity) pairs):")
        for name, texts_by_id, gold in golds:
            r = end_to_end(texts_by_id, gold, name.replace(" ", "_"))
            print(f"  {name:24s} P {r['pairs_precision']:.4f} R {r['pairs_recall']:.4f} F1 {r['pairs_f1']:.4f}; "
                  f"polarity accuracy on the {r['found']} aspects found by both {r['polarity_accuracy_on_found']:.4f}")

    if demo_csv.is_file():
        demo = pd.read_csv(demo_csv)
        m = model_metrics(model, demo["text"].fillna("").tolist(), demo["rating"].to_numpy(int))
        print("\ndemo verbatims (our own writing, other sectors, short):")
        print(line("textlens", m))
        if not args.no_accurate:
            accurate_tier(model, demo["text"].fillna("").tolist(), demo["rating"].to_numpy(int), dev=False)
    arts = demo_articles(DEMO)
    if arts:
        from textlens.analysis.segment import split_passages

        right, labels = 0, []
        for text, gold in arts:
            preds = model.predict([p.text for p in split_passages("a", text)], "article")
            labels += [p.label for p in preds]
            right += model.tone(preds).label == gold
        share = {k: round(labels.count(k) / len(labels), 3) for k in ("neutral", "positive", "negative", "mixed")}
        print(f"\ndemo articles: tone accuracy {right}/{len(arts)}; sentence labels {json.dumps(share)}")


if __name__ == "__main__":
    main()
