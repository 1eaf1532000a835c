"""Train the articles' stance model (textlens/sentiment/stance.py) and measure it on held-out folds.

    .venv/bin/python scripts/train_press_tone.py --cache /tmp/press_feats.npz          # figures, then ship
    .venv/bin/python scripts/train_press_tone.py --no-write --fold-models DIR          # figures + per-fold models

Same data and reading as scripts/train_press_themes.py (whose --cache it shares): press_dev folds 0-4 are the test,
our annotations of the archive (scripts/data/press_archive_gold.jsonl) are training only. For each held-out fold the
model is fitted on the archive plus the other four folds, C chosen by inner 4-fold CV on those only; beside it, the
majority class of the training texts and today's sentence average (what `textlens run` gave before, read from a run
of the product with the stance model off is in scripts/eval_press.py; here: accuracy of the anchors only).
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import train_dating  # noqa: E402
from train_press_themes import ARCHIVE_LABELS, cached_features, load_archive  # noqa: E402

from textlens.embeddings import resolve  # noqa: E402
from textlens.sentiment.stance import PressStanceModel  # noqa: E402
from textlens.sentiment.stance_files import shipped_model_path  # noqa: E402

CS = (0.005, 0.01, 0.02, 0.05, 0.1)
EMB_DIM = 384


def choose_c(x: np.ndarray, y: list[str]) -> float:
    from sklearn.model_selection import StratifiedKFold

    best = (-1.0, CS[0])
    ya = np.array(y)
    for c_value in CS:
        hits = 0
        for tr, te in StratifiedKFold(4, shuffle=True, random_state=1).split(x, ya):
            model = PressStanceModel(C=c_value).fit(x[tr], list(ya[tr]))
            hits += int((np.array(model.predict(x[te])) == ya[te]).sum())
        best = max(best, (hits / len(ya), c_value))
    return best[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--fold-models", type=Path)
    parser.add_argument("--labels", type=Path, default=ARCHIVE_LABELS)
    parser.add_argument("--cache", type=Path, help="the .npz of scripts/train_press_themes.py --cache")
    args = parser.parse_args()
    docs, gold = train_dating.load_press()
    archive_docs, archive_gold = load_archive(args.labels)
    feats, _texts = cached_features(docs + archive_docs, args.cache)
    emb = {i: f[-EMB_DIM:].astype(np.float64) for i, f in feats.items()}  # doc_features ends with the mean embedding
    tone = {**{i: g["tone"] for i, g in gold.items()},
            **{i: g["tone"] for i, g in archive_gold.items() if g.get("tone")}}
    arch_ids = [i for i in (d["id"] for d in archive_docs) if i in tone]
    if args.fold_models:
        args.fold_models.mkdir(parents=True, exist_ok=True)
    accs, majority = [], []
    for held in range(5):
        train_ids = arch_ids + [d["id"] for d in docs if d["fold"] != held]
        test_ids = [d["id"] for d in docs if d["fold"] == held]
        x_tr = np.stack([emb[i] for i in train_ids])
        y_tr = [tone[i] for i in train_ids]
        c_value = choose_c(x_tr, y_tr)
        model = PressStanceModel(C=c_value).fit(x_tr, y_tr)
        model.meta_ = {"encoder": resolve(None)}
        if args.fold_models:
            model.save(args.fold_models / f"fold{held}.json")
        pred = model.predict(np.stack([emb[i] for i in test_ids]))
        accs.append(np.mean([p == tone[i] for p, i in zip(pred, test_ids)]))
        top = Counter(y_tr).most_common(1)[0][0]
        majority.append(np.mean([top == tone[i] for i in test_ids]))
        print(f"  fold {held}: C={c_value}  stance accuracy {accs[-1]:.3f}  majority class {majority[-1]:.3f}",
              flush=True)
    print(f"\ntone accuracy, mean of 5 held-out folds: learned {np.mean(accs):.3f}   majority class "
          f"{np.mean(majority):.3f}")
    if not args.no_write:
        ids = arch_ids + [d["id"] for d in docs]
        x = np.stack([emb[i] for i in ids])
        y = [tone[i] for i in ids]
        c_value = choose_c(x, y)
        model = PressStanceModel(C=c_value).fit(x, y)
        model.meta_ = {"encoder": resolve(None), "C": c_value, "script": "scripts/train_press_tone.py",
                       "trained_on": f"{len(arch_ids)} annotated archive texts + press_dev folds 0-4"}
        out = shipped_model_path()
        out.parent.mkdir(parents=True, exist_ok=True)
        model.save(out)
        print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
