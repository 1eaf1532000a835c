"""Train the sentiment model on ../shared/data/verbatims_assurance and write models/sentiment/.

    nice -n 10 .venv/bin/python scripts/train_sentiment.py            # the chosen configuration
    nice -n 10 .venv/bin/python scripts/train_sentiment.py --search   # compare base configurations on dev first
    nice -n 19 .venv/bin/python scripts/train_sentiment.py --part train --no-dev --out /tmp/sentiment-student/student
        --teacher /tmp/sentiment-student/teacher.npz      # a variant: train part only, figures on the validation part
    .venv/bin/python scripts/train_sentiment.py --finalize /tmp/sentiment-student/student/sentiment.pkl.gz --out DIR
                                                          # the chosen variant: dev scored once, saved with its figures

Distillation (issue 17): `--teacher CACHE` adds the 10,308 reviews of unlabeled.csv with the accurate tier's
star probabilities as soft labels (cache written by scripts/distil_sentiment.py teacher); `--part train`
keeps the validation part of train.csv (a fixed hash of the id, `evaluation.in_validation`) out of training
and prints its figures beside the TF-IDF + LR baseline trained on the same part, so variants are chosen there.

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

from textlens.sentiment.evaluation import (  # noqa: E402
    LABEL_CLASS, class_f1, demo_articles, in_validation, read_reviews, review_metrics, tfidf_lr_metrics,
)
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
    try:
        return read_reviews(data / f"{split}.csv", ("text", "rating"))
    except (FileNotFoundError, ValueError) as exc:
        sys.exit(str(exc))


def teacher_labels(cache: Path, data: Path, partial: bool = False) -> tuple[list[str], np.ndarray]:
    """unlabeled.csv's texts and the teacher's star probabilities for them. Every review must be cached,
    unless `partial`: then the cached ones are used and the count of the others is printed."""
    if not cache.is_file():
        sys.exit(f"{cache}: no teacher cache (run scripts/distil_sentiment.py teacher first)")
    z = np.load(cache, allow_pickle=False)
    proba = dict(zip(z["ids"].tolist(), z["proba"].astype(float)))
    path = data / "unlabeled.csv"
    unl = read_reviews(path, ("id", "text"))
    ids = unl["id"].tolist()
    missing = [i for i in ids if i not in proba]
    if missing and partial:
        print(f"  teacher cache {cache}: {len(ids) - len(missing)} of {len(ids)} unlabelled reviews labelled; "
              f"the {len(missing)} others are left out of training (--teacher-partial)")
        unl = unl[[i in proba for i in ids]]
        ids = unl["id"].astype(str).tolist()
    elif missing:
        sys.exit(f"{cache}: {len(missing)} reviews of {path} have no teacher probabilities (first: id {missing[0]});"
                 " finish scripts/distil_sentiment.py teacher")
    P = np.stack([proba[i] for i in ids])
    return unl["text"].tolist(), P / P.sum(axis=1, keepdims=True)


def validation_report(model: SentimentModel, val, train, teacher_cache: Path | None, baseline: bool = True) -> dict:
    """Figures on the validation part: the model as it labels reviews, with offsets re-tuned on the part
    (optimistic; 2-fold cross-check beside), the TF-IDF + LR baseline trained on the same train part, and the
    teacher (not held out for it: it was fine-tuned on all of train.csv)."""
    from textlens.sentiment.finetuned import cross_f1
    from textlens.sentiment.labels import macro_f1, star_classes, tune_bias

    texts, stars = val["text"].tolist(), val["rating"].to_numpy(int)
    preds = model.predict(texts)
    labels = [p.label for p in preds]
    out = {"n": len(val), "model": {**review_metrics([p.score for p in preds], labels, stars),
                                    "class_f1": class_f1(stars, labels)}}
    P, y = model.proba(texts), star_classes(stars)
    bias = tune_bias(P, y)
    _, mean, sd = cross_f1(P, None, y)
    out["offsets_tuned_on_validation"] = {"bias": bias.tolist(), "macro_f1": macro_f1(y, decide(P, bias)),
                                          "macro_f1_2fold": mean, "macro_f1_2fold_sd": sd}
    if baseline:
        out["tfidf_lr"] = tfidf_lr_metrics(train["text"].tolist(), train["rating"].to_numpy(int), texts, stars)
    if teacher_cache is not None and teacher_cache.is_file():
        z = np.load(teacher_cache, allow_pickle=False)
        proba = dict(zip(z["ids"].tolist(), z["proba"].astype(float)))
        if all(i in proba for i in val["id"]):
            P3 = collapse(np.stack([proba[i] for i in val["id"]]))
            t_labels = [("negative", "neutral", "positive")[k] for k in P3.argmax(axis=1)]
            out["teacher_not_held_out"] = {**review_metrics(P3[:, 2] - P3[:, 0], t_labels, stars),
                                           "class_f1": class_f1(stars, t_labels)}
    for name, m in (("textlens", out["model"]), ("TF-IDF + LR baseline", out.get("tfidf_lr")),
                    ("teacher (saw these rows)", out.get("teacher_not_held_out"))):
        if m:
            print(f"  {name:26s} binary {m['binary_accuracy']:.4f}  macro-F1 {m['macro_f1']:.4f}  "
                  f"F1 neg/neutral/pos {' / '.join(f'{v:.3f}' for v in m['class_f1'])}")
    o = out["offsets_tuned_on_validation"]
    print(f"  offsets re-tuned on validation {np.round(o['bias'], 2).tolist()}: macro-F1 {o['macro_f1']:.4f} "
          f"(2-fold cross-check {o['macro_f1_2fold']:.4f} +- {o['macro_f1_2fold_sd']:.4f}; no mixed labels)")
    if baseline:
        m, b = out["model"], out["tfidf_lr"]
        print(f"  margin over the baseline: binary {m['binary_accuracy'] - b['binary_accuracy']:+.4f}, "
              f"macro-F1 {m['macro_f1'] - b['macro_f1']:+.4f}")
    return out


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
    ap.add_argument("--part", choices=["all", "train"], default="all",
                    help="train on all of train.csv, or on its train part only (figures on the validation part)")
    ap.add_argument("--teacher", type=Path, default=None, metavar="CACHE",
                    help="add unlabeled.csv with these teacher star probabilities as soft labels")
    ap.add_argument("--teacher-partial", action="store_true",
                    help="use the unlabelled reviews the teacher cache has so far (the count of the others is printed)")
    ap.add_argument("--soft-weight", type=float, default=1.0, help="weight of a soft-labelled review (gold: 1)")
    ap.add_argument("--no-dev", action="store_true", help="do not score dev.csv (variants are chosen on validation)")
    ap.add_argument("--no-baseline", action="store_true",
                    help="skip the TF-IDF + LR baseline on the validation part (the same for every variant: ~1 CPU min)")
    ap.add_argument("--retune", type=Path, default=None, metavar="MODEL",
                    help="keep the fitted estimator of MODEL and redo only the article settings (seconds, not minutes)")
    ap.add_argument("--finalize", type=Path, default=None, metavar="MODEL",
                    help="score dev.csv once with the model a --no-dev run wrote, and save it with its dev figures to --out")
    ap.add_argument("--validation-offsets", action="store_true",
                    help="with --finalize: use the class offsets tuned on the validation part")
    args = ap.parse_args(argv)
    if args.retune:
        return retune(args.retune, args.data, args.out)
    if args.finalize:
        return finalize(args.finalize, args.data, args.out, args.validation_offsets)

    train, dev = load("train", args.data), load("dev", args.data)
    val = None
    if args.part == "train":
        held = train["id"].map(in_validation).to_numpy(bool)
        train, val = train[~held].reset_index(drop=True), train[held].reset_index(drop=True)
    if args.limit:
        train = train.head(args.limit)
    tr_texts, tr_stars = train["text"].tolist(), train["rating"].to_numpy(int)
    dv_texts, dv_stars = dev["text"].tolist(), dev["rating"].to_numpy(int)
    soft_texts, soft_P = teacher_labels(args.teacher, args.data, args.teacher_partial) if args.teacher else ([], None)
    print(f"train {len(train)} reviews" + (f" (validation part: {len(val)} held out)" if val is not None else "")
          + (f", {len(soft_texts)} soft-labelled (weight {args.soft_weight})" if soft_texts else "")
          + f", dev {len(dev)} reviews" + (" (not scored)" if args.no_dev else ""), flush=True)

    params, searched = {}, []
    if args.search:
        params, searched = search(tr_texts, tr_stars, dv_texts, dv_stars)
    print(f"base configuration: {NgramStars(**params).get_params()}")

    t = time.time()
    clf = SentimentClassifier(NgramStars(**params), folds=args.folds, soft_weight=args.soft_weight).fit(
        tr_texts, tr_stars, log=lambda m: print(m, flush=True), soft_texts=soft_texts, soft_star_proba=soft_P)
    fit_s = time.time() - t
    print(f"class offsets (negative, neutral, positive): {np.round(clf.bias_, 2).tolist()}; fit {fit_s:.0f} s")
    model = SentimentModel(clf, dict(DEFAULT_SETTINGS))
    model.settings.update(tune_mixed(clf, tr_stars))
    print(f"mixed settings: clause_min={model.settings['clause_min']}, mixed_max={model.settings['mixed_max']}")
    del clf.oof_proba_, clf.oof_meta_
    articles = tune_articles(model)

    validation = None
    if val is not None:
        print(f"validation part ({len(val)} reviews of train.csv, held out):")
        validation = validation_report(model, val, train, args.teacher, not args.no_baseline)
    metrics = None
    if not args.no_dev:
        preds = model.predict(dv_texts)
        labels = [p.label for p in preds]
        metrics = {**review_metrics([p.score for p in preds], labels, dv_stars), "class_f1": class_f1(dv_stars, labels)}
        print(f"dev: binary accuracy {metrics['binary_accuracy']:.4f}, 3-class macro-F1 {metrics['macro_f1']:.4f}")

    model.meta = {
        "trained_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "data": {split: {"file": f"verbatims_assurance/{split}.csv", "rows": len(df),
                         "sha1": sha1_file(args.data / f"{split}.csv")} for split, df in (("train", train), ("dev", dev))},
        "part": args.part, "validation": validation,
        "soft_labels": {"file": "verbatims_assurance/unlabeled.csv", "rows": len(soft_texts),
                        "teacher": "models/sentiment_ft members' mean star probabilities",
                        "weight": args.soft_weight} if soft_texts else None,
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


def finalize(path: Path, data: Path, out: Path, validation_offsets: bool) -> None:
    """The chosen variant, scored on dev.csv once (the test set), saved with those figures."""
    model = SentimentModel.load(path)
    validation = model.meta.get("validation") or {}
    if validation_offsets:
        if "offsets_tuned_on_validation" not in validation:
            sys.exit(f"{path}: no offsets tuned on a validation part (train it with --part train)")
        model.meta["bias_from_train_oof"] = model.estimator.bias_.tolist()
        model.estimator.bias_ = np.asarray(validation["offsets_tuned_on_validation"]["bias"], dtype=float)
        model.meta["bias"] = model.estimator.bias_.tolist()
    dev = load("dev", data)
    stars = dev["rating"].to_numpy(int)
    preds = model.predict(dev["text"].tolist())
    labels = [p.label for p in preds]
    model.meta["dev_metrics"] = {**review_metrics([p.score for p in preds], labels, stars),
                                 "class_f1": class_f1(stars, labels)}
    model.meta["finalized_at"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    m = model.meta["dev_metrics"]
    print(f"dev: binary accuracy {m['binary_accuracy']:.4f}, 3-class macro-F1 {m['macro_f1']:.4f}, "
          f"F1 neg/neutral/pos {' / '.join(f'{v:.3f}' for v in m['class_f1'])}")
    save(model, out)


def save(model: SentimentModel, out: Path) -> None:
    path = model.save(out / MODEL_FILE)
    info = {**model.meta, "file": path.name, "size_bytes": path.stat().st_size, "sha1": sha1_file(path)}
    (out / "metrics.json").write_text(json.dumps(info, indent=2, ensure_ascii=False) + "\n")
    print(f"saved {path} ({path.stat().st_size / 1e6:.1f} MB) and {out / 'metrics.json'}")


if __name__ == "__main__":
    main()
