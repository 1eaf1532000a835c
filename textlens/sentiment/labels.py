"""Star ratings, classes and the decision rule shared by both sentiment tiers, without scikit-learn:
the pipeline imports this on every run (a no-op re-run must not pay for importing the estimators)."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from textlens.vocab import SENTIMENT_CLASSES as CLASSES  # re-exported: the models name it here


def star_classes(stars: Sequence[int] | np.ndarray) -> np.ndarray:
    """Star ratings to class indices: 1-2 negative (0), 3 neutral/mixed (1), 4-5 positive (2)."""
    s = np.asarray(stars, dtype=int)
    if s.size and (s.min() < 1 or s.max() > 5):
        raise ValueError(f"star ratings must be 1..5, got values in [{s.min()}, {s.max()}]")
    return np.where(s <= 2, 0, np.where(s == 3, 1, 2))


def collapse(P5: np.ndarray) -> np.ndarray:
    """Star probabilities (n, 5) -> (negative, neutral, positive)."""
    return np.stack([P5[:, 0] + P5[:, 1], P5[:, 2], P5[:, 3] + P5[:, 4]], axis=1)


def polarity(P5: np.ndarray) -> np.ndarray:
    """Score in [-1, 1] from star probabilities: P(4-5 stars) - P(1-2 stars)."""
    return P5[:, 3] + P5[:, 4] - P5[:, 0] - P5[:, 1]


def decide(P: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """Class index per row: argmax of log-probabilities plus per-class offsets."""
    return np.argmax(np.log(np.clip(P, 1e-9, 1.0)) + bias, axis=1)


def macro_f1(y: np.ndarray, pred: np.ndarray, n_classes: int = len(CLASSES)) -> float:
    """Macro-F1 over the classes present in `y` or `pred` (as scikit-learn's `f1_score(average="macro")`),
    from one confusion count: the offset and ensemble searches call it tens of thousands of times."""
    y, pred = np.asarray(y, dtype=int), np.asarray(pred, dtype=int)
    cm = np.bincount(y * n_classes + pred, minlength=n_classes * n_classes).reshape(n_classes, n_classes)
    both = cm.sum(axis=0) + cm.sum(axis=1)  # predicted + true: 2 tp + fp + fn
    present = both > 0
    return float((2 * np.diag(cm)[present] / both[present]).mean()) if present.any() else 0.0


def tune_bias(P: np.ndarray, y: np.ndarray, grid: np.ndarray | None = None) -> np.ndarray:
    """Offsets for the neutral and positive classes (negative fixed at 0) maximising macro-F1 on (P, y).

    The 3-star class is rare and sits between the others, so a plain argmax under-predicts it.
    """
    grid = np.arange(-1.0, 2.01, 0.1) if grid is None else grid
    logp = np.log(np.clip(P, 1e-9, 1.0))
    best, best_f1 = np.zeros(3), -1.0
    for b1 in grid:
        for b2 in np.arange(-1.0, 1.01, 0.1):
            bias = np.array([0.0, b1, b2])
            f1 = macro_f1(y, np.argmax(logp + bias, axis=1))
            if f1 > best_f1 + 1e-9:
                best, best_f1 = bias, f1
    return best
