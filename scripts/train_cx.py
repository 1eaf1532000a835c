#!/usr/bin/env python
"""Train the customer-experience model (models/cx/cx.pkl.gz): emotions + intensity, effort, intents (issue #18).

Data: the annotated reviews of `--labels` (ids + labels, scheme in docs/annotation/cx_scheme.md), texts read by id
from ../shared/data/verbatims_assurance. Only part == "train" is used here; every choice (C per task, weight of the
explicit cues, C of the churn detector) is made by 5-fold cross-validation on it, and the per-class thresholds (the
churn detector's: best precision at recall >= 0.94) by a further cross-validation inside each fit. Every fold, outer
and inner, keeps each insurer's reviews together (the threshold must hold for insurers the fold has not seen). The chosen
configuration's CV figures are printed with the plain TF-IDF + logistic-regression baseline's on the same folds. The held-out part (part == "test") is scored by scripts/eval_cx.py, once, through `textlens run`.
Background texts (unannotated reviews whose id is not in the held-out part by the fixed rule) only widen the n-gram
vocabulary and its IDF.

    scripts/train_cx.py --labels scripts/data/cx_labels.jsonl [--shared ../shared] [--out models/cx/cx.pkl.gz]
    scripts/train_cx.py --params '{"C_emotion": 10, ...}'   # no grid: these parameters, CV with baseline, final fit
"""
from __future__ import annotations

import argparse
import csv
import datetime
import hashlib
import json
import logging
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from textlens.cx import EMOTIONS, INTENTS  # noqa: E402
from textlens.cx.evaluation import GOALS, Outcome, gold_outcome, scores, tfidf_baseline  # noqa: E402
from textlens.cx.labels import held_out, load_annotated  # noqa: E402
from textlens.cx.model import CxClassifier  # noqa: E402

GRID_C = (0.3, 1.0, 3.0, 10.0)
GRID_CUE = (0.25, 0.5)
GRID_CHURN_C = (0.3, 1.0, 3.0)
SHOWN = ("emotion_macro_f1", "intensity_within_one", "intensity_exact", "effort_accuracy", "intent_micro_f1",
         "churn_recall", "churn_precision")
TASKS = {"emotion": "emotion_macro_f1", "intent": "intent_micro_f1", "effort": "effort_accuracy"}


def background_texts(shared: Path, n: int, skip: set[str], seed: int = 0) -> list[str]:
    """`n` unannotated reviews of train.csv/unlabeled.csv, none of the held-out part by the fixed id rule."""
    folder = shared / "data" / "verbatims_assurance"
    pool = []
    for name in ("train.csv", "unlabeled.csv"):
        with open(folder / name, encoding="utf-8", newline="") as fh:
            pool += [r["text"] for r in csv.DictReader(fh) if r["id"] not in skip and not held_out(r["id"])]
    random.Random(seed).shuffle(pool)
    return pool[:n]


def insurer_groups(reviews: list) -> list[str]:
    """The grouping key of each review for the folds: its insurer, folded; a review without one is its own group."""
    return [(r.insurer or "").strip().lower() or f"?{r.id}" for r in reviews]


def outcome(pred) -> Outcome:
    return Outcome({lab: i for lab, i, _ in pred.emotions}, pred.effort_level, {lab for lab, _ in pred.intents})


def cross_validate(texts: list[str], labels: list, params: dict, background: list[str], folds: int,
                   seed: int = 0, with_baseline: bool = False, groups: list[str] | None = None) -> dict[str, float]:
    """Pooled out-of-fold scores of a configuration (each fold fits vocabulary, models and thresholds anew); with
    `with_baseline`, the TF-IDF + logistic regression baseline's scores on the same folds under "baseline.*" keys.
    With `groups`, folds hold whole groups (insurers) and are stratified on churn, the rarest goal class."""
    import numpy as np

    from textlens.cx.churn import stratified_folds

    preds: list = [None] * len(texts)
    base: list = [None] * len(texts)
    churn = np.array([int("churn" in y.intents) for y in labels])
    for tr, te in stratified_folds(churn, groups, folds, seed):
        model = CxClassifier(**params).fit([texts[i] for i in tr], [labels[i] for i in tr], background,
                                           None if groups is None else [groups[i] for i in tr])
        for i, p in zip(te, model.predict([texts[i] for i in te])):
            preds[i] = outcome(p)
        if with_baseline:
            for i, b in zip(te, tfidf_baseline([texts[i] for i in tr], [labels[i] for i in tr], [texts[i] for i in te])):
                base[i] = b
    gold = [gold_outcome(y) for y in labels]
    out = scores(gold, preds)
    if with_baseline:
        out.update({f"baseline.{k}": v for k, v in scores(gold, base).items()})
    return out


def print_beside(figures: dict[str, float]) -> None:
    """The goal figures of a CV run with the baseline's beside them (and per-intent F1)."""
    print(f"{'figure':<24}{'model':>8}{'baseline':>10}")
    for key in SHOWN:
        print(f"{key:<24}{figures[key]:>8.3f}{figures.get('baseline.' + key, float('nan')):>10.3f}")
    for lab in INTENTS:
        print(f"  intent {lab:<13}{figures[f'intent_f1.{lab}']:>8.3f}{figures.get(f'baseline.intent_f1.{lab}', 0):>10.3f}"
              f"  ({int(figures[f'intent_support.{lab}'])})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--labels", type=Path, default=ROOT / "scripts" / "data" / "cx_labels.jsonl")
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--out", type=Path, default=ROOT / "models" / "cx" / "cx.pkl.gz")
    ap.add_argument("--background", type=int, default=3000, help="unannotated reviews for the vocabulary/IDF")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="no grid: the default parameters only")
    ap.add_argument("--params", type=json.loads, help="no grid: these CxClassifier parameters (a JSON object)")
    ap.add_argument("--grid-c", type=float, nargs="+", default=list(GRID_C), help="C values tried for each task")
    ap.add_argument("--grid-cues", type=float, nargs="+", default=list(GRID_CUE), help="cue weights tried")
    ap.add_argument("--grid-churn-c", type=float, nargs="+", default=list(GRID_CHURN_C),
                    help="C values tried for the churn detector (after the other choices)")
    args = ap.parse_args()
    logging.basicConfig(level=logging.ERROR)  # constant-model notes of rare classes in small folds are expected

    started = time.time()
    reviews = load_annotated(args.labels, args.shared)
    train = [r for r in reviews if r.part == "train"]
    texts, labels = [r.text for r in train], [r.labels for r in train]
    groups = insurer_groups(train)
    print(f"{len(reviews)} annotated reviews, {len(train)} in the train part (held-out part untouched)")
    background = background_texts(args.shared, args.background, {r.id for r in reviews})

    grid = [] if args.params else [(c, w) for w in args.grid_cues for c in args.grid_c] if not args.quick \
        else [(1.0, 0.5)]
    table = {}
    for c, w in grid:
        params = {"C_emotion": c, "C_intent": c, "C_effort": c, "cue_weight": w}
        table[(c, w)] = cross_validate(texts, labels, params, background, args.folds, groups=groups)
        s = table[(c, w)]
        print(f"CV C={c:<5} cues={w:<5} emotion macro-F1 {s['emotion_macro_f1']:.3f}  intensity±1 "
              f"{s['intensity_within_one']:.3f}  effort acc {s['effort_accuracy']:.3f}  intent micro-F1 "
              f"{s['intent_micro_f1']:.3f}  churn recall {s['churn_recall']:.3f}", flush=True)
    # per cue weight, the best C of each task; then the cue weight whose best tasks sum highest
    best: dict[float, dict[str, float]] = {}
    for w in {w for _, w in grid}:
        best[w] = {task: max((c for c, ww in grid if ww == w), key=lambda c: table[(c, w)][metric])
                   for task, metric in TASKS.items()}
    churn_table: dict[float, dict[str, float]] = {}
    if args.params:
        chosen = dict(args.params)
    else:
        cue_weight = max(best, key=lambda w: sum(table[(best[w][t], w)][m] for t, m in TASKS.items()))
        chosen = {"C_emotion": best[cue_weight]["emotion"], "C_intent": best[cue_weight]["intent"],
                  "C_effort": best[cue_weight]["effort"], "cue_weight": cue_weight}
        churn_table = {1.0: table[(chosen["C_intent"], cue_weight)]}  # the grid ran with the default C_churn = 1
    for c in ([] if args.quick or args.params else args.grid_churn_c):
        if c not in churn_table:
            churn_table[c] = cross_validate(texts, labels, {**chosen, "C_churn": c}, background, args.folds,
                                            groups=groups)
        s = churn_table[c]
        print(f"CV churn C={c:<5} churn recall {s['churn_recall']:.3f} precision {s['churn_precision']:.3f}  intent "
              f"micro-F1 {s['intent_micro_f1']:.3f}", flush=True)
    if churn_table:  # recall is held near the goal by the threshold rule, so the most precise detector wins
        chosen["C_churn"] = max(churn_table, key=lambda c: (churn_table[c]["churn_recall"] >= 0.85,
                                                             churn_table[c]["churn_precision"]))
    print("chosen by CV:", chosen)
    final_cv = cross_validate(texts, labels, chosen, background, args.folds, seed=1, with_baseline=True,
                              groups=groups)
    print(f"CV of the chosen configuration (fresh folds grouped by insurer, {len(train)} train-part reviews), "
          f"baseline beside:")
    print_beside(final_cv)

    model = CxClassifier(**chosen).fit(texts, labels, background, groups)
    from textlens.cx.analyzer import save_model

    meta = {
        "trained_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "labels_sha1": hashlib.sha1(args.labels.read_bytes()).hexdigest(),
        "n_annotated": len(reviews), "n_train": len(train), "n_background": len(background),
        "params": chosen, "folds": "grouped by insurer, stratified on churn", "cv": {k: round(v, 4) for k, v in final_cv.items() if not k.startswith("baseline.")},
        "cv_baseline": {k[9:]: round(v, 4) for k, v in final_cv.items() if k.startswith("baseline.")},
        "churn_grid": {str(c): {m: round(v[m], 4) for m in ("churn_recall", "churn_precision", "intent_micro_f1")}
                       for c, v in churn_table.items()},
        "grid": [{"C": c, "cue_weight": w, **{m: round(table[(c, w)][m], 4) for m in TASKS.values()}}
                 for c, w in grid],
        "support": {**{f"emotion.{e}": sum(e in y.emotions for y in labels) for e in EMOTIONS},
                    **{f"intent.{i}": sum(i in y.intents for y in labels) for i in INTENTS}},
        "thresholds": {k: round(v, 4) for k, v in model.thresholds_.items()},
        "goals": GOALS,
    }
    del model.oof_  # diagnostics of the training texts: not shipped
    save_model(model, str(args.out), meta)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB) in {time.time() - started:.0f} s")
    print(json.dumps(meta["thresholds"]))


if __name__ == "__main__":
    main()
