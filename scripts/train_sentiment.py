"""Train the sentiment model on ../shared/data/verbatims_assurance and write models/sentiment/.

    nice -n 10 .venv/bin/python scripts/train_sentiment.py            # the chosen configuration
    nice -n 10 .venv/bin/python scripts/train_sentiment.py --search   # compare base configurations on dev first

Steps: (1) optionally compare base configurations on dev.csv; (2) hash train.csv's texts and clauses once
(`features.HashedNgrams.raw`), fit the base n-gram model on those counts in k folds of train.csv, the clause stacker and its class offsets on the out-of-fold predictions, then the base
model on all of train.csv; (3) the mixed-review settings on the same out-of-fold predictions (dev.csv
stays unseen by everything but the --search choice); (4) the neutral band and tone thresholds of press
sentences on the demo articles' gold tones (our own corpus); (5) save the artifact and metrics.json;
the dev figures and baselines are printed by scripts/eval_sentiment.py.
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import itertools
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from textlens.sentiment.evaluation import LABEL_CLASS, demo_articles, review_metrics  # noqa: E402
from textlens.sentiment.model import NgramStars, SentimentClassifier, collapse, decide, star_classes  # noqa: E402
from textlens.sentiment.predict import (  # noqa: E402
    ARTICLE, DEFAULT_SETTINGS, MODEL_FILE, SentimentModel, review_label,
)

DATA = ROOT.parent / "shared" / "data" / "verbatims_assurance"
CANDIDATES = [  # base configurations compared by --search (argmax of the base model alone)
    ("C=10 word 1-3 char 2-5 flip", {}),
    ("C=10 no flip", {"flip": False}),
    ("C=4", {"C": 4.0}),
    ("C=20 word 1-2", {"C": 20.0, "word_ngrams": (1, 2)}),
]


def load(split: str, data: Path):
    import pandas as pd

    path = data / f"{split}.csv"
    if not path.is_file():
        sys.exit(f"{path}: not found (the training data lives in ../shared, see models/sentiment/MODEL_CARD.md)")
    df = pd.read_csv(path)
    missing = {"text", "rating"} - set(df.columns)
    if missing:
        sys.exit(f"{path}: missing columns {sorted(missing)}")
    df["text"] = df["text"].fillna("").astype(str)
    return df


def search(tr_texts: list[str], tr_stars: np.ndarray, dv_texts: list[str], dv_stars: np.ndarray) -> tuple[dict, list]:
    best, chosen, rows = -1.0, {}, []
    for name, params in CANDIDATES:
        t = time.time()
        P = collapse(NgramStars(**params).fit(tr_texts, tr_stars).predict_star_proba(dv_texts))
        m = review_metrics(P[:, 2] - P[:, 0], [("negative", "neutral", "positive")[k] for k in P.argmax(1)], dv_stars)
        rows.append({"name": name, **m})
        print(f"  {name:30s} binary {m['binary_accuracy']:.4f}  macro-F1 (argmax) {m['macro_f1']:.4f}"
              f"  {time.time() - t:.0f} s", flush=True)
        if m["binary_accuracy"] + m["macro_f1"] > best:
            best, chosen = m["binary_accuracy"] + m["macro_f1"], params
    return chosen, rows


def tune_mixed(clf: SentimentClassifier, stars: np.ndarray) -> dict[str, float]:
    """clause_min / mixed_max maximising out-of-fold macro-F1 on train (mixed counts as the 3-star class)."""
    from sklearn.metrics import f1_score

    P, M, y = clf.oof_proba_, clf.oof_meta_, star_classes(stars)
    k, score = decide(P, clf.bias_), P[:, 2] - P[:, 0]
    n_clauses = np.rint(np.exp(M[:, 10])).astype(int)
    best, best_f1 = {}, -1.0
    for cmin, mmax in itertools.product((0.3, 0.4, 0.5, 0.6, 0.7, 0.8), (0.0, 0.2, 0.35, 0.5)):
        split = (n_clauses > 1) & (M[:, 6] >= cmin) & (M[:, 7] <= -cmin)
        labels = [review_label(int(a), float(b), bool(c), mmax) for a, b, c in zip(k, score, split)]
        f1 = f1_score(y, [LABEL_CLASS[x] for x in labels], average="macro")
        if f1 > best_f1 + 1e-9:
            best, best_f1 = {"clause_min": cmin, "mixed_max": mmax}, f1
    print(f"  out-of-fold macro-F1 with mixed: {best_f1:.4f}")
    return best


def tune_articles(model: SentimentModel) -> dict[str, float]:
    """Neutral band and tone thresholds for press prose, chosen on the demo articles' gold tones.

    Among settings within 1 article of the best tone accuracy, the widest neutral band wins:
    factual sentences of articles should come out neutral, not echo review vocabulary.
    """
    from textlens.analysis.segment import split_passages

    arts = demo_articles(ROOT / "corpora" / "demo")
    if not arts:
        print("  no demo articles with gold tone: article settings left at their defaults")
        return {}
    sents = [[p.text for p in split_passages("a", text)] for text, _ in arts]
    flat = [s for ss in sents for s in ss]
    P, clause_scores = model.detail(flat)
    # Press sentences are mostly factual; the review model scores them around a domain offset, not 0.
    center = round(float(np.median(P[:, 2] - P[:, 0])), 3)
    model.settings["article_center"] = center
    grid = []
    for band in (0.1, 0.2, 0.3, 0.4, 0.5, 0.6):
        model.settings["article_band"] = band
        preds = [model.label(p, cs, ARTICLE) for p, cs in zip(P, clause_scores)]
        neutral = float(np.mean([p.label == "neutral" for p in preds]))
        for polar_share, mixed_ratio in itertools.product((0.05, 0.1, 0.2, 0.3), (0.2, 0.3, 0.4, 0.5, 0.6)):
            model.settings.update(tone_polar_share=polar_share, tone_mixed_ratio=mixed_ratio)
            at, right = 0, 0
            for ss, (_, gold) in zip(sents, arts):
                right += model.tone(preds[at : at + len(ss)]).label == gold
                at += len(ss)
            grid.append((right, band, polar_share, mixed_ratio, neutral))
    top = max(g[0] for g in grid)
    right, band, polar_share, mixed_ratio, neutral = max((g for g in grid if g[0] >= top - 1),
                                                         key=lambda g: (g[1], g[0], g[2]))
    chosen = {"article_band": band, "tone_polar_share": polar_share, "tone_mixed_ratio": mixed_ratio}
    model.settings.update(chosen)
    print(f"  demo articles: score centre {center:+.3f}, band {band}, tone accuracy {right}/{len(arts)},"
          f" neutral sentences {neutral:.0%}")
    return {"demo_tone_accuracy": right / len(arts), "demo_articles": len(arts), "demo_sentences": len(flat),
            "demo_neutral_sentence_share": neutral}


def sha1_file(path: Path) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()[:12]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DATA, help="folder with train.csv and dev.csv")
    ap.add_argument("--out", type=Path, default=ROOT / "models" / "sentiment")
    ap.add_argument("--search", action="store_true", help="compare base configurations on dev first")
    ap.add_argument("--folds", type=int, default=3, help="folds for the out-of-fold stacker training")
    ap.add_argument("--limit", type=int, default=0, help="train on the first N rows only (smoke runs)")
    ap.add_argument("--retune", type=Path, default=None, metavar="MODEL",
                    help="keep the fitted estimator of MODEL and redo only the article settings (seconds, not minutes)")
    args = ap.parse_args(argv)
    if args.retune:
        return retune(args.retune, args.data, args.out)

    train, dev = load("train", args.data), load("dev", args.data)
    if args.limit:
        train = train.head(args.limit)
    tr_texts, tr_stars = train["text"].tolist(), train["rating"].to_numpy(int)
    dv_texts, dv_stars = dev["text"].tolist(), dev["rating"].to_numpy(int)
    print(f"train {len(train)} reviews, dev {len(dev)} reviews", flush=True)

    params, searched = {}, []
    if args.search:
        params, searched = search(tr_texts, tr_stars, dv_texts, dv_stars)
    print(f"base configuration: {NgramStars(**params).get_params()}")

    t = time.time()
    clf = SentimentClassifier(NgramStars(**params), folds=args.folds).fit(
        tr_texts, tr_stars, log=lambda m: print(m, flush=True))
    fit_s = time.time() - t
    print(f"class offsets (negative, neutral, positive): {np.round(clf.bias_, 2).tolist()}; fit {fit_s:.0f} s")
    model = SentimentModel(clf, dict(DEFAULT_SETTINGS))
    model.settings.update(tune_mixed(clf, tr_stars))
    print(f"mixed settings: clause_min={model.settings['clause_min']}, mixed_max={model.settings['mixed_max']}")
    del clf.oof_proba_, clf.oof_meta_
    articles = tune_articles(model)

    preds = model.predict(dv_texts)
    metrics = review_metrics([p.score for p in preds], [p.label for p in preds], dv_stars)
    print(f"dev: binary accuracy {metrics['binary_accuracy']:.4f}, 3-class macro-F1 {metrics['macro_f1']:.4f}")

    model.meta = {
        "trained_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "data": {split: {"file": f"verbatims_assurance/{split}.csv", "rows": len(df),
                         "sha1": sha1_file(args.data / f"{split}.csv")} for split, df in (("train", train), ("dev", dev))},
        "base": {k: list(v) if isinstance(v, tuple) else v for k, v in NgramStars(**params).get_params().items()},
        "folds": args.folds, "bias": clf.bias_.tolist(), "settings": dict(model.settings),
        "dev_metrics": metrics, "search": searched, "articles": articles, "fit_seconds": round(fit_s),
    }
    save(model, args.out)


def retune(path: Path, data: Path, out: Path) -> None:
    """Re-choose the decision settings that need no refit (press sentences, tone) of a trained model."""
    model = SentimentModel.load(path)
    model.meta["articles"] = tune_articles(model)
    model.meta["settings"] = dict(model.settings)
    dev = load("dev", data)
    preds = model.predict(dev["text"].tolist())
    model.meta["dev_metrics"] = review_metrics([p.score for p in preds], [p.label for p in preds],
                                               dev["rating"].to_numpy(int))
    model.meta["retuned_at"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    save(model, out)


def save(model: SentimentModel, out: Path) -> None:
    path = model.save(out / MODEL_FILE)
    info = {**model.meta, "file": path.name, "size_bytes": path.stat().st_size, "sha1": sha1_file(path)}
    (out / "metrics.json").write_text(json.dumps(info, indent=2, ensure_ascii=False) + "\n")
    print(f"saved {path} ({path.stat().st_size / 1e6:.1f} MB) and {out / 'metrics.json'}")


if __name__ == "__main__":
    main()
