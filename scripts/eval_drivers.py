#!/usr/bin/env python
"""Held-out check of `textlens drivers`: fit on one store, score another that shaped nothing.

    .venv/bin/python scripts/eval_drivers.py --train train.db --test dev.db [--score rating]

Prints (1) the top negative drivers of the training store with their 95% intervals (the meaning check:
do they read as what makes reviews bad?); (2) the key-driver model fitted on the training store's aspect x
polarity indicators, scored on the test store: R2 and MAE against the plain baseline that predicts the
training mean; (3) whether each significant impact of the training store keeps its sign, and its
significance, on the test store. Aspects only: topic ids are discovered per store and do not transfer.
Build the stores with e.g. `textlens run train_sample.csv --db train.db` (metadata column `rating`).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(argv: list[str] | None = None) -> int:
    import numpy as np

    from textlens.dynamics.dimensions import load_rows
    from textlens.dynamics.impact import drivers, indicator_matrix
    from textlens.store import Corpus

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train", type=Path, required=True)
    ap.add_argument("--test", type=Path, required=True)
    ap.add_argument("--score", default=None)
    ap.add_argument("--top", type=int, default=5)
    args = ap.parse_args(argv)
    with Corpus.open(args.train, readonly=True) as train, Corpus.open(args.test, readonly=True) as test:
        fit = drivers(train, score=args.score, dimensions=["aspect"], seed=0)
        print(f"train {args.train}: {fit.n_docs} documents, mean {fit.score} {fit.mean_score:.3f} "
              f"[{fit.mean_low:.3f}, {fit.mean_high:.3f}]")
        print(f"\ntop {args.top} negative drivers (effect on the mean, 95% bootstrap CI; impact = with - without):")
        negative = [i for i in fit.impacts if i.significant and i.effect_on_mean < 0][: args.top]
        for i in negative:
            print(f"  {i.label:<42} docs {i.docs:>5}  effect {i.effect_on_mean:+.3f} [{i.effect_low:+.3f}, "
                  f"{i.effect_high:+.3f}]  impact {i.impact:+.2f} [{i.ci_low:+.2f}, {i.ci_high:+.2f}]  "
                  f"q {i.q_value:.1e}")
        print("\nkey drivers (ridge coefficients, 95% bootstrap CI), most negative first:")
        for c in [c for c in fit.coefficients if c.stable and c.coef < 0][: args.top]:
            print(f"  {c.label + ' (' + (c.polarity or '') + ')':<54} coef {c.coef:+.2f} [{c.ci_low:+.2f}, "
                  f"{c.ci_high:+.2f}]")
        print(f"  in-sample 5-fold CV R2 {fit.model['r2']:.3f} +- {fit.model['r2_std']:.3f} "
              f"(baseline {fit.model['baseline_r2']:.3f})")

        held = drivers(test, score=fit.score, dimensions=["aspect"], seed=0, model=False)
        coef = {c.feature: c.coef for c in fit.coefficients}
        features = list(coef)
        loaded = load_rows(test, ["aspect"])
        held_scores = _scored_ids(test, fit.score)
        X, _ = indicator_matrix(test, loaded, list(held_scores), features=features)
        y = np.array(list(held_scores.values()))
        predicted = X @ np.array([coef[f] for f in features]) + fit.model["intercept"]
        baseline = np.full_like(y, fit.mean_score)
        print(f"\nheld-out {args.test}: {len(y)} documents, mean {fit.score} {y.mean():.3f}")
        print(f"  key-driver model   R2 {_r2(y, predicted):.3f}  MAE {np.abs(y - predicted).mean():.3f}")
        print(f"  baseline (train mean {fit.mean_score:.3f})  R2 {_r2(y, baseline):.3f}  "
              f"MAE {np.abs(y - baseline).mean():.3f}")
        test_impacts = {i.item: i for i in held.impacts}
        significant = [i for i in fit.impacts if i.significant]
        same_sign = [i for i in significant if i.item in test_impacts
                     and np.sign(test_impacts[i.item].impact) == np.sign(i.impact)]
        replicated = [i for i in same_sign if test_impacts[i.item].significant]
        print(f"  significant train impacts keeping their sign on held-out: {len(same_sign)}/{len(significant)}, "
              f"also significant there: {len(replicated)}/{len(significant)}")
        for i in significant:
            h = test_impacts.get(i.item)
            if h is not None:
                print(f"    {i.label:<42} train {i.impact:+.2f} [{i.ci_low:+.2f}, {i.ci_high:+.2f}]   held-out "
                      f"{h.impact:+.2f} [{h.ci_low:+.2f}, {h.ci_high:+.2f}]")
    return 0


def _scored_ids(corpus, score: str) -> dict[str, float]:
    from textlens.dynamics.columns import score_values

    values = score_values(corpus, score).values
    return dict(zip(values.index.tolist(), values.tolist()))


def _r2(y, predicted) -> float:
    return float(1 - ((y - predicted) ** 2).sum() / ((y - y.mean()) ** 2).sum())


if __name__ == "__main__":
    sys.exit(main())
