"""Suggest new aspect terms from the unlabelled vocabulary of real reviews (train split).

Each review of ../shared/data/verbatims_assurance/train.csv gets silver aspect labels from the strong
terms of the taxonomy; words and bigrams (accent-folded) are then ranked per aspect by chi2 against
those labels, and the top ones not already matched by the taxonomy are printed for a person to review.
Only terms are printed, never review text.

    .venv/bin/python scripts/mine_aspect_terms.py [--top 25] [--taxonomy aspects]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared"
if not SHARED.exists():
    SHARED = Path("/work/shared")

from textlens.analysis.segment import fold  # noqa: E402
from textlens.themes.lexicon import LexicalMatcher  # noqa: E402
from textlens.themes.taxonomy import load_taxonomy  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--taxonomy", default="aspects")
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--rows", type=int, default=20000)
    args = ap.parse_args()

    import pandas as pd
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.feature_selection import chi2

    path = SHARED / "data" / "verbatims_assurance" / "train.csv"
    if not path.exists():
        sys.exit(f"{path}: not available")
    texts = pd.read_csv(path)["text"].astype(str).head(args.rows).tolist()
    tax = load_taxonomy(args.taxonomy)
    strong_only = load_taxonomy(args.taxonomy)
    matcher = LexicalMatcher(strong_only)
    weak = {(th.id, t) for th in tax.themes for t in th.weak_terms}
    ids = tax.ids
    Y = np.zeros((len(texts), len(ids)), dtype=int)
    for i, t in enumerate(texts):
        for tid, hits in matcher.find(t).items():
            if any((tid, h.term) not in weak for h in hits):
                Y[i, ids.index(tid)] = 1
    vec = CountVectorizer(preprocessor=fold, ngram_range=(1, 2), min_df=20, binary=True,
                          token_pattern=r"(?u)\b\w\w+\b")
    X = vec.fit_transform(texts)
    vocab = np.asarray(vec.get_feature_names_out())
    print(f"{len(texts)} reviews, {len(vocab)} terms; silver label counts: "
          + ", ".join(f"{t}={int(n)}" for t, n in zip(ids, Y.sum(axis=0))))
    for j, tid in enumerate(ids):
        scores, _ = chi2(X, Y[:, j])
        pos = np.asarray(X[Y[:, j] == 1].mean(axis=0)).ravel()
        neg = np.asarray(X[Y[:, j] == 0].mean(axis=0)).ravel()
        order = [k for k in np.argsort(-np.nan_to_num(scores)) if pos[k] > neg[k]]
        fresh = [vocab[k] for k in order if tid not in matcher.find(vocab[k])][: args.top]
        print(f"\n{tid}: {', '.join(fresh)}")


if __name__ == "__main__":
    main()
