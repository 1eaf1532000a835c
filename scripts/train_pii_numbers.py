"""Train the cue-less number model of the personal-data masker (issue #18) on the TUNE part of the annotated reviews.

Candidates: every run of 5+ digits the masker's number pattern finds (URLs aside) in the tune reviews of
`scripts/data/pii_gold.jsonl`; label: it overlaps an annotated structured value. A logistic regression over
`textlens.ingest.pii_numbers.number_features` (format and context, no values) is scored out of fold (5 folds grouped
by review) and the veto threshold is fixed by a rule written before any figure was read: half the lowest
out-of-fold probability of a true value among the numbers the rules mask without a cue (so that no true value of
the tune part is vetoed, with a margin). The test part is never read here. The shipped weights were trained before
annotation round 7 joined the tune part (rounds 1-6: 1,583 reviews, 846 candidates); a rerun now reads round 7 too.

    python scripts/train_pii_numbers.py                    # report only
    python scripts/train_pii_numbers.py --write            # write models/pii_numbers/number_model.json
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
OUT = REPO / "models" / "pii_numbers" / "number_model.json"
C = 1.0  # fixed, not tuned: ~30 binary features, ~850 candidates
FOLDS = 5


def candidates(gold: list[dict]) -> list[dict]:
    """Every 5+-digit number candidate of the reviews, with its label and the rules' decision (no veto)."""
    from textlens.ingest import pii
    from textlens.ingest.pii_numbers import number_features

    rows = []
    for g in gold:
        text = g["text"]
        urls = [(u.start(), u.end()) for u in pii._URL.finditer(text)]
        for m in pii._NUMBER.finditer(text):
            if any(a <= m.start() < b for a, b in urls):
                continue
            raw = m.group().rstrip("./- ")
            if len(re.sub(r"\D", "", raw)) < 5:
                continue
            start, end = m.start(), m.start() + len(raw)
            span = pii._classify_number(text, m, veto=False)
            rows.append({
                "id": g["id"],
                "label": int(any(s["start"] < end and start < s["end"] and s["type"] != "PERSON" for s in g["spans"])),
                "rule": span.rule if span else "",
                "features": number_features(text, start, end),
            })
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    import numpy as np
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import GroupKFold

    import eval_pii

    gold = eval_pii.load_gold("tune")
    rows = candidates(gold)
    vec = DictVectorizer(sparse=False)
    X = vec.fit_transform([r["features"] for r in rows])
    y = np.array([r["label"] for r in rows])
    groups = np.array([r["id"] for r in rows])
    oof = np.zeros(len(rows))
    for train, held in GroupKFold(n_splits=FOLDS).split(X, y, groups):
        model = LogisticRegression(C=C, max_iter=2000).fit(X[train], y[train])
        oof[held] = model.predict_proba(X[held])[:, 1]
    print(f"{len(rows)} candidates in {len(gold)} tune reviews, {int(y.sum())} personal; "
          f"out-of-fold AUC {roc_auc_score(y, oof):.3f}")
    cueless = [i for i, r in enumerate(rows) if r["rule"] == "number"]
    true_probs = [oof[i] for i in cueless if y[i]]
    threshold = min(true_probs) / 2 if true_probs else 0.5
    vetoed = [i for i in cueless if oof[i] < threshold]
    print(f"numbers the rules mask without a cue: {len(cueless)} ({len(true_probs)} personal); "
          f"threshold {threshold:.4f}: out of fold it vetoes {sum(1 - y[i] for i in vetoed)} false alarms "
          f"and {sum(y[i] for i in vetoed)} personal values")
    for t in (0.05, 0.1, 0.2, 0.3, 0.5):
        v = [i for i in cueless if oof[i] < t]
        print(f"  (for comparison) threshold {t:.2f}: vetoes {sum(1 - y[i] for i in v)} false, {sum(y[i] for i in v)} true")
    final = LogisticRegression(C=C, max_iter=2000).fit(X, y)
    weights = {name: round(float(w), 5) for name, w in zip(vec.feature_names_, final.coef_[0])}
    weights["bias"] = round(weights.get("bias", 0.0) + float(final.intercept_[0]), 5)
    for name, w in sorted(weights.items(), key=lambda kv: -abs(kv[1]))[:12]:
        print(f"  weight {name:<24} {w:+.3f}")
    if args.write:
        OUT.parent.mkdir(parents=True, exist_ok=True)
        OUT.write_text(json.dumps({"weights": weights, "threshold": round(threshold, 5), "trained": str(date.today()),
                                   "candidates": len(rows), "personal": int(y.sum())}, indent=1) + "\n",
                       encoding="utf-8")
        print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
