#!/usr/bin/env python
"""Choose the churn operating point by cross-validation grouped by insurer, on the train part only (issue #18).

Why: the churn threshold was chosen on ordinary out-of-fold scores at recall >= 0.87; CV then said recall 0.885 but
the held-out reviews gave 0.817. Here every outer fold holds out whole insurers (StratifiedGroupKFold on churn), the
full model is fitted on the other insurers (its own thresholds chosen by inner folds also grouped by insurer), and
the detector's inner out-of-fold scores are kept, so the inner recall target can be varied afterwards without
refitting: for each target, each fold's threshold is chosen on its inner scores only and applied to its outer
reviews. The pooled outer recall and precision per target are printed beside the general model alone (its own
inner threshold rule) and the keyword anchor (any churn cue). The held-out part is never read.

    scripts/train_cx_churn.py --labels scripts/data/cx_labels.jsonl [--targets 0.87 0.9 0.92 0.94] [--out f.json]
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from textlens.cx import INTENTS  # noqa: E402
from textlens.cx.churn import recall_first_threshold, stratified_folds  # noqa: E402
from textlens.cx.labels import load_annotated  # noqa: E402
from textlens.cx.model import CxClassifier  # noqa: E402

PARAMS = {"C_emotion": 10.0, "C_intent": 10.0, "C_effort": 1.0, "cue_weight": 0.5, "C_churn": 1.0}  # CV-chosen


def recall_precision(y: np.ndarray, said: np.ndarray) -> tuple[float, float]:
    tp = int((said & (y == 1)).sum())
    return tp / max(int(y.sum()), 1), tp / max(int(said.sum()), 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--labels", type=Path, default=ROOT / "scripts" / "data" / "cx_labels.jsonl")
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--background", type=int, default=3000)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--targets", type=float, nargs="+", default=[0.87, 0.90, 0.92, 0.94, 0.96])
    ap.add_argument("--out", type=Path, help="write the per-target figures as JSON here")
    ap.add_argument("--fresh", type=Path, default=ROOT / "scripts" / "data" / "cx_sample_ids_round3.txt",
                    help="ids annotated after the cue groups were written (figures also printed on them alone)")
    args = ap.parse_args()
    logging.basicConfig(level=logging.ERROR)
    from train_cx import background_texts, insurer_groups  # the same rules as the shipped training

    from textlens.cx.cues import load_cues

    started = time.time()
    reviews = load_annotated(args.labels, args.shared)
    train = [r for r in reviews if r.part == "train"]
    texts = [r.text for r in train]
    y = np.array([int("churn" in r.labels.intents) for r in train])
    groups = insurer_groups(train)
    background = background_texts(args.shared, args.background, {r.id for r in reviews})
    print(f"{len(train)} train-part reviews ({int(y.sum())} churn), {len(set(groups))} insurers; "
          f"outer folds grouped by insurer")
    j = INTENTS.index("churn")
    detector_outer = np.zeros(len(y))
    general_outer = np.zeros(len(y))
    inner: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    for k, (tr, te) in enumerate(stratified_folds(y, groups, args.folds, 0)):
        model = CxClassifier(**PARAMS).fit([texts[i] for i in tr], [train[i].labels for i in tr], background,
                                           [groups[i] for i in tr])
        test_texts = [texts[i] for i in te]
        detector_outer[te] = model.predict_proba(test_texts)[:, model.classes_.index("intent.churn")]
        detector, model.churn_ = model.churn_, None
        general_outer[te] = model.predict_proba(test_texts)[:, model.classes_.index("intent.churn")]
        model.churn_ = detector
        inner.append((te, y[tr], model.oof_["churn_detector"], model.oof_["intent"][:, j], tr))
        print(f"fold {k}: {len(tr)} fitted, {len(te)} scored ({int(y[te].sum())} churn), "
              f"{time.time() - started:.0f} s", flush=True)

    cues = load_cues()
    keyword = np.array([bool(cues.counts(t)["intent.churn"]) for t in texts])
    r_kw, p_kw = recall_precision(y, keyword)
    figures = {"n": len(y), "churn": int(y.sum()), "keyword_anchor": {"recall": r_kw, "precision": p_kw},
               "targets": {}}
    fresh_ids = {line.split("\t")[1] for line in args.fresh.read_text().splitlines() if line} \
        if args.fresh.is_file() else set()
    fresh = np.array([r.id in fresh_ids for r in train])
    print(f"{'inner target':<14}{'detector R':>11}{'P':>7}{'general R':>11}{'P':>7}   (pooled outer folds)"
          f"   fresh reviews only ({int(fresh.sum())}, {int(y[fresh].sum())} churn): detector R / P")
    for target in args.targets:
        said_det = np.zeros(len(y), dtype=bool)
        said_gen = np.zeros(len(y), dtype=bool)
        for te, y_in, det_in, gen_in, _ in inner:
            said_det[te] = detector_outer[te] >= recall_first_threshold(y_in, det_in, target)[0]
            said_gen[te] = general_outer[te] >= recall_first_threshold(y_in, gen_in, target)[0]
        rd, pd_ = recall_precision(y, said_det)
        rg, pg = recall_precision(y, said_gen)
        rf, pf = recall_precision(y[fresh], said_det[fresh])
        figures["targets"][str(target)] = {"detector": {"recall": rd, "precision": pd_},
                                           "general": {"recall": rg, "precision": pg},
                                           "detector_fresh": {"recall": rf, "precision": pf}}
        print(f"{target:<14}{rd:>11.3f}{pd_:>7.3f}{rg:>11.3f}{pg:>7.3f}   {rf:.3f} / {pf:.3f}")
    print(f"keyword anchor: recall {r_kw:.3f} precision {p_kw:.3f}; never churn: recall 0.000; "
          f"{time.time() - started:.0f} s")
    if args.out:
        args.out.write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
