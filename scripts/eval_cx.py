#!/usr/bin/env python
"""Score the customer-experience model on the held-out annotated reviews, through the user's path, baseline beside.

The held-out part (part == "test" of the labels file, fixed by the id rule) is written to a temporary CSV (texts
read from ../shared, never copied into the repository), analysed by `textlens run --kind verbatim --only cx` and read
back with `textlens export`; the export's `emotions`, `effort` and `intents` keys are scored against the annotation.
Beside it, trained on the same train part: the plain baseline (TF-IDF word 1-2 + char_wb 2-5 grams, one-vs-rest
logistic regression at 0.5; multinomial for effort; the train part's most frequent intensity), and for churn the
majority anchor (never churn) and the keyword anchor (any churn cue of textlens/data/cx_cues.toml).
Run it once, at the end: the held-out part shapes no choice.

    scripts/eval_cx.py --labels scripts/data/cx_labels.jsonl [--shared ../shared] [--write models/cx/heldout.json]
"""
from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from textlens.cx import EFFORT_LEVELS, EMOTIONS, INTENTS  # noqa: E402
from textlens.cx.evaluation import (GOALS, Outcome, export_outcome, gold_outcome, scores,  # noqa: E402
                                   tfidf_baseline)
from textlens.cx.labels import load_annotated  # noqa: E402

SHOWN = ("emotion_macro_f1", "intensity_within_one", "intensity_exact", "effort_accuracy", "intent_micro_f1",
         "churn_recall", "churn_precision")


def through_cli(reviews: list, workdir: Path) -> dict[str, Outcome]:
    """{id: Outcome} of `textlens run` + `textlens export` on a CSV of `reviews`."""
    table = workdir / "heldout.csv"
    with open(table, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "date", "insurer", "text"])
        for r in reviews:
            w.writerow([r.id, r.date, r.insurer, r.text])
    db, out = workdir / "heldout.db", workdir / "heldout.jsonl"
    cli = [sys.executable, "-m", "textlens.cli"]
    subprocess.run(cli + ["run", str(table), "--db", str(db), "--kind", "verbatim", "--id-col", "id", "--text-col",
                          "text", "--only", "cx", "--no-topics", "--quiet"], check=True, cwd=ROOT)
    subprocess.run(cli + ["export", "--db", str(db), "--format", "jsonl", "--out", str(out)], check=True, cwd=ROOT)
    with open(out, encoding="utf-8") as fh:
        records = [json.loads(line) for line in fh]
    return {rec["id"]: export_outcome(rec) for rec in records}


def baseline(train: list, test: list) -> list[Outcome]:
    """The plain TF-IDF + logistic regression baseline (`cx.evaluation.tfidf_baseline`) trained on `train`."""
    return tfidf_baseline([r.text for r in train], [r.labels for r in train], [r.text for r in test])


def sample_strata(path: Path) -> dict[str, str]:
    """{id: stratum} of the round-2 annotation sample ("random" or "cue"); round-1 ids are absent."""
    if not path.is_file():
        return {}
    return {i: stratum for _, i, stratum in (line.split("\t") for line in path.read_text().splitlines() if line)}


def subset_figures(test: list, strata: dict[str, str], ours: list[Outcome], base: list[Outcome]) -> dict[str, dict]:
    """Figures per annotation stratum: round 1 (the 279 reviews every earlier figure was measured on), round 2's
    random half (representative) and its cue-enriched half (selected by leaving/question words: its churn recall is
    easier than the representative one, so it is reported apart)."""
    groups = {"round1": [], "round2_random": [], "round2_cue": []}
    for k, r in enumerate(test):
        stratum = strata.get(r.id)
        groups["round1" if stratum is None else f"round2_{stratum}"].append(k)
    out = {}
    for name, idx in groups.items():
        if not idx:
            continue
        gold = [gold_outcome(test[k].labels) for k in idx]
        mine, theirs = scores(gold, [ours[k] for k in idx]), scores(gold, [base[k] for k in idx])
        out[name] = {"n": len(idx), "churn_support": int(mine["intent_support.churn"]),
                     **{k: round(mine[k], 4) for k in SHOWN}, **{f"baseline.{k}": round(theirs[k], 4) for k in SHOWN}}
    return out


def churn_anchors(test: list) -> dict[str, dict[str, float]]:
    from textlens.cx.cues import load_cues

    cues = load_cues()
    gold = [gold_outcome(r.labels) for r in test]
    keyword = [Outcome({}, "neutral", {"churn"} if cues.counts(r.text)["intent.churn"] else set()) for r in test]
    never = [Outcome({}, "neutral", set()) for _ in test]
    return {name: {k: scores(gold, pred)[k] for k in ("churn_recall", "churn_precision")}
            for name, pred in (("keyword", keyword), ("majority", never))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--labels", type=Path, default=ROOT / "scripts" / "data" / "cx_labels.jsonl")
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--write", type=Path, help="write the figures here (models/cx/heldout.json)")
    ap.add_argument("--strata", type=Path, default=ROOT / "scripts" / "data" / "cx_sample_ids_round2.txt",
                    help="round-2 sample ids with their stratum (figures per stratum)")
    args = ap.parse_args()

    reviews = load_annotated(args.labels, args.shared)
    train = [r for r in reviews if r.part == "train"]
    test = [r for r in reviews if r.part == "test"]
    print(f"{len(test)} held-out reviews (baseline trained on the {len(train)} of the train part)")
    started = time.time()
    with tempfile.TemporaryDirectory(prefix="cx-eval-") as tmp:
        by_id = through_cli(test, Path(tmp))
    missing = [r.id for r in test if r.id not in by_id]
    if missing:
        raise SystemExit(f"export lacks {len(missing)} held-out reviews, e.g. {missing[:3]}")
    gold = [gold_outcome(r.labels) for r in test]
    base_outcomes = baseline(train, test)
    ours = scores(gold, [by_id[r.id] for r in test])
    base = scores(gold, base_outcomes)
    subsets = subset_figures(test, sample_strata(args.strata), [by_id[r.id] for r in test], base_outcomes)
    anchors = churn_anchors(test)
    print(f"{'figure':<24}{'model':>8}{'baseline':>10}{'goal':>7}")
    for key in SHOWN:
        goal = GOALS.get(key)
        print(f"{key:<24}{ours[key]:>8.3f}{base[key]:>10.3f}{goal if goal else '':>7}"
              + ("" if goal is None else "  reached" if ours[key] >= goal else "  NOT reached"))
    for name, figs in anchors.items():
        print(f"churn anchor {name:<10} recall {figs['churn_recall']:.3f} precision {figs['churn_precision']:.3f}")
    print("per class F1 (model / baseline, support):")
    for lab in EMOTIONS:
        print(f"  emotion {lab:<12}{ours[f'emotion_f1.{lab}']:.3f} / {base[f'emotion_f1.{lab}']:.3f}"
              f"  ({int(ours[f'emotion_support.{lab}'])})")
    for lab in INTENTS:
        print(f"  intent  {lab:<12}{ours[f'intent_f1.{lab}']:.3f} / {base[f'intent_f1.{lab}']:.3f}"
              f"  ({int(ours[f'intent_support.{lab}'])})")
    print("per annotation stratum (model / baseline):")
    for name, figs in subsets.items():
        print(f"  {name:<14} n={figs['n']:<4} churn {figs['churn_support']:<3} " + "  ".join(
            f"{k} {figs[k]:.3f}/{figs['baseline.' + k]:.3f}" for k in ("intent_micro_f1", "churn_recall",
                                                                         "churn_precision", "emotion_macro_f1",
                                                                         "effort_accuracy")))
    print(f"effort levels in the held-out part: {dict(Counter(g.effort_level for g in gold))} "
          f"(of {', '.join(EFFORT_LEVELS)}); {time.time() - started:.0f} s")
    if args.write:
        args.write.write_text(json.dumps({
            "ids": [r.id for r in test], "model": {k: round(v, 4) for k, v in ours.items()},
            "baseline": {k: round(v, 4) for k, v in base.items()}, "churn_anchors": anchors,
            "subsets": subsets,
            "command": "scripts/eval_cx.py --labels scripts/data/cx_labels.jsonl --write models/cx/heldout.json",
        }, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {args.write}")


if __name__ == "__main__":
    main()
