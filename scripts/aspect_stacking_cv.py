"""Compare ways of combining the aspect detector's two first-stage models, by nested CV on the train part only.

    .venv/bin/python scripts/aspect_stacking_cv.py --db /tmp/aspects2-gold.db   # ~6 CPU minutes

Why a separate script: every candidate (blend weights, per-aspect weights, thresholds tuned for micro-F1, a second
stage over all aspects' scores) reads the same first-stage probabilities, so they are computed once: for each outer
fold of scripts/train_aspects.py (KFold(5, shuffle, seed 7) over the train part), the out-of-fold probabilities of
the inner folds (what AspectModel.fit sees: KFold(5, shuffle, seed 0)) and the probabilities of the outer fold's
reviews from models fitted on the whole outer training part. Each candidate is then fitted on the inner ones and
scored on the outer ones. Nothing here reads the held-out part or the dev gold.

Printed: micro-F1 over the whole train part (1,794 reviews) and over its round-1 reviews alone (1,294, the set the
shipped model's CV was computed on), plus macro-F1.
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from train_aspects import DATA, ensure_store, read_labels, review_features  # noqa: E402

Probas = dict[str, np.ndarray]  # first-stage model name -> (reviews, aspects) probabilities


def first_stage(x: np.ndarray, texts: list[str], y: np.ndarray, tr: np.ndarray, te: np.ndarray) -> Probas:
    """Probabilities on `te` of AspectModel's two first-stage models fitted on `tr` (same features, same C)."""
    from textlens.themes.aspect_model import AspectModel, HashedTfidf

    params = AspectModel().get_params()
    mean, scale = x[tr].mean(axis=0), x[tr].std(axis=0) + 1e-6
    z_tr, z_te = (x[tr] - mean) / scale, (x[te] - mean) / scale
    vec = HashedTfidf.fit([texts[i] for i in tr], params["min_df"])
    w_tr, w_te = vec.transform([texts[i] for i in tr]), vec.transform([texts[i] for i in te])
    from sklearn.linear_model import LogisticRegression

    def lr(c: float) -> LogisticRegression:  # AspectModel's first-stage regressions
        return LogisticRegression(C=c, class_weight="balanced", max_iter=3000)

    out = {"evidence": np.zeros((len(te), y.shape[1])), "words": np.zeros((len(te), y.shape[1]))}
    for j in range(y.shape[1]):
        out["evidence"][:, j] = lr(params["C_taxonomy"]).fit(z_tr, y[tr, j]).predict_proba(z_te)[:, 1]
        out["words"][:, j] = lr(params["C_words"]).fit(w_tr, y[tr, j]).predict_proba(w_te)[:, 1]
    return out


def nested_probabilities(x: np.ndarray, texts: list[str], y: np.ndarray) -> list[dict]:
    from sklearn.model_selection import KFold

    folds = []
    for k, (tr, te) in enumerate(KFold(5, shuffle=True, random_state=7).split(x)):
        inner: Probas = {}
        for itr, ite in KFold(5, shuffle=True, random_state=0).split(tr):
            for name, p in first_stage(x, texts, y, tr[itr], tr[ite]).items():
                inner.setdefault(name, np.zeros((len(tr), y.shape[1])))[ite] = p
        folds.append({"tr": tr, "te": te, "inner": inner, "outer": first_stage(x, texts, y, tr, te)})
        print(f"  outer fold {k + 1}/5 done", flush=True)
    return folds


def f1_scores(pred: np.ndarray, gold: np.ndarray) -> tuple[float, float]:
    """(micro, macro) F1 over reviews x aspects."""
    tp = (pred & (gold == 1)).sum(axis=0)
    fp = (pred & (gold == 0)).sum(axis=0)
    fn = (~pred & (gold == 1)).sum(axis=0)
    micro = 2 * tp.sum() / max(2 * tp.sum() + fp.sum() + fn.sum(), 1)
    return float(micro), float(np.mean(2 * tp / np.maximum(2 * tp + fp + fn, 1)))


Combiner = Callable[[Probas, Probas, np.ndarray], np.ndarray]  # (inner, outer, inner gold) -> outer decisions


def per_aspect_thresholds(p: np.ndarray, y: np.ndarray) -> np.ndarray:
    from textlens.themes.press_model import best_threshold

    return np.array([best_threshold(p[:, j], y[:, j]) for j in range(y.shape[1])])


def blend(weight: float) -> Combiner:
    """AspectModel without second stage: (1 - w) evidence + w words, a threshold per aspect."""
    def combine(inner: Probas, outer: Probas, y: np.ndarray) -> np.ndarray:
        p = (1 - weight) * inner["evidence"] + weight * inner["words"]
        return (1 - weight) * outer["evidence"] + weight * outer["words"] >= per_aspect_thresholds(p, y)
    return combine


def blend_micro_thresholds(weight: float) -> Combiner:
    """The blend with thresholds moved one aspect at a time to raise micro-F1 (not each aspect's own F1)."""
    grid = np.round(np.arange(0.1, 0.91, 0.05), 2)

    def combine(inner: Probas, outer: Probas, y: np.ndarray) -> np.ndarray:
        p = (1 - weight) * inner["evidence"] + weight * inner["words"]
        t = per_aspect_thresholds(p, y)
        for _ in range(2):
            for j in range(y.shape[1]):
                scores = []
                for g in grid:
                    t[j] = g
                    scores.append(f1_scores(p >= t, y)[0])
                t[j] = grid[int(np.argmax(scores))]
        return (1 - weight) * outer["evidence"] + weight * outer["words"] >= t
    return combine


def per_aspect_weight(grid: tuple[float, ...] = (0.3, 0.4, 0.5, 0.6, 0.7)) -> Combiner:
    """A blend weight per aspect, the one whose out-of-fold F1 is best."""
    def combine(inner: Probas, outer: Probas, y: np.ndarray) -> np.ndarray:
        from textlens.themes.press_model import best_threshold

        out = np.zeros(outer["words"].shape, dtype=bool)
        for j in range(y.shape[1]):
            best = (-1.0, 0.5, 0.5)
            for w in grid:
                p = (1 - w) * inner["evidence"][:, j] + w * inner["words"][:, j]
                t = best_threshold(p, y[:, j])
                f1 = f1_scores((p >= t)[:, None], y[:, [j]])[0]
                if f1 > best[0]:
                    best = (f1, w, t)
            _, w, t = best
            out[:, j] = (1 - w) * outer["evidence"][:, j] + w * outer["words"][:, j] >= t
        return out
    return combine


def second_stage(stacker_c: float) -> Combiner:
    """AspectModel(stacker_C=...): the second stage fitted on the inner out-of-fold probabilities."""
    from textlens.themes.aspect_model import AspectModel

    def combine(inner: Probas, outer: Probas, y: np.ndarray) -> np.ndarray:
        model = AspectModel(stacker_C=stacker_c)
        model.fit_second_stage(inner["evidence"], inner["words"], y)
        return model.combine(outer["evidence"], outer["words"]) >= model.thresholds_
    return combine


CANDIDATES: dict[str, Combiner] = {
    "evidence only": blend(0.0), "words only": blend(1.0),
    "blend 0.5 (shipped recipe)": blend(0.5), "blend 0.4": blend(0.4), "blend 0.6": blend(0.6),
    "blend 0.5, micro-F1 thresholds": blend_micro_thresholds(0.5), "blend, weight per aspect": per_aspect_weight(),
    "blend + second stage C=0.1": second_stage(0.1), "blend + second stage C=1": second_stage(1.0),
    "blend + second stage C=10": second_stage(10.0),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, default=Path("/tmp/aspects2-gold.db"), help="store of the annotated reviews")
    args = parser.parse_args()
    from textlens.themes.taxonomy import load_taxonomy

    labels = read_labels()
    ensure_store(args.db, labels)
    classes = list(load_taxonomy("aspects").ids)
    train = sorted(i for i, r in labels.items() if r["part"] == "train")
    round1 = set((DATA / "train_aspects_ids.txt").read_text().split())
    in_round1 = np.array([i in round1 for i in train])
    x, texts = review_features(args.db, train)
    y = np.array([[c in labels[i]["aspects"] for c in classes] for i in train], dtype=int)
    print(f"{len(train)} train-part reviews ({in_round1.sum()} of round 1); nested 5x5-fold CV", flush=True)
    folds = nested_probabilities(x, texts, y)
    print(f"  {'candidate':<34} micro-F1 all / round-1 part   macro-F1 all")
    for name, combine in CANDIDATES.items():
        pred = np.zeros(y.shape, dtype=bool)
        for fold in folds:
            pred[fold["te"]] = combine(fold["inner"], fold["outer"], y[fold["tr"]])
        micro, macro = f1_scores(pred, y)
        print(f"  {name:<34} {micro:.4f} / {f1_scores(pred[in_round1], y[in_round1])[0]:.4f}   {macro:.4f}",
              flush=True)


if __name__ == "__main__":
    main()
