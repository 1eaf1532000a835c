"""Score verbatim aspects and their polarity on held-out annotated reviews, through the user's path.

    .venv/bin/python scripts/eval_aspects.py --work /tmp/aspects-eval     # ~3 CPU minutes

Held-out sets: the "test" part of scripts/data/train_aspects_gold.jsonl (306 train.csv reviews, by sha1) and
scripts/data/dev_aspects_gold.jsonl (300 dev.csv reviews, another annotation round). Nothing here trains textlens:
the learned models were fitted on the train part only (scripts/train_aspects.py, scripts/train_aspect_polarity.py).

For each set, `textlens run FILE --kind verbatim --no-topics` then `textlens export` twice: with the shipped models
(today's build) and with both switched off (TEXTLENS_ASPECT_MODEL=off TEXTLENS_ASPECT_POLARITY=off: the taxonomy and
the polarity rule, the figures before). Printed: detection micro / macro F1 of the export's aspects, polarity
accuracy on the aspects both the export and the gold have, and beside them a TF-IDF word+char + logistic regression
baseline trained on the same train part (detection: one model per aspect on the review; polarity: on the clauses
around the gold aspect's terms, the whole review when none); and the polarity accuracy with the gold aspects
given (as scripts/eval_sentiment.py measures it), learned model against the rule.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from train_aspects import read_labels, write_reviews  # noqa: E402
from train_dating import textlens_cmd  # noqa: E402
from train_press_themes import theme_scores, themes_anchor  # noqa: E402

OFF = {"TEXTLENS_ASPECT_MODEL": "off", "TEXTLENS_ASPECT_POLARITY": "off"}


def run_and_export(src: Path, db: Path, env: dict[str, str]) -> dict[str, dict[str, str]]:
    """{review id: {aspect: polarity}} from `textlens run` + `textlens export` (JSONL)."""
    out = db.with_suffix(".jsonl")
    full_env = {**os.environ, **env}
    for cmd in (["run", str(src), "--db", str(db), "--kind", "verbatim", "--id-col", "id", "--text-col", "text",
                 "--no-topics"], ["export", "--db", str(db), "--format", "jsonl", "--out", str(out)]):
        proc = subprocess.run(textlens_cmd() + cmd, capture_output=True, text=True, env=full_env)
        if proc.returncode != 0:
            raise SystemExit(f"textlens {cmd[0]} failed:\n{proc.stderr[-3000:]}")
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {r["id"]: {a["id"]: a["polarity"] for a in r.get("aspects") or []} for r in records}


def polarity_on_found(pred: dict[str, dict[str, str]], gold: dict[str, dict[str, str]]) -> tuple[float, int]:
    same = both = 0
    for i, g in gold.items():
        for a in set(g) & set(pred.get(i, {})):
            both += 1
            same += pred[i][a] == g[a]
    return (same / both if both else float("nan")), both


def clause_texts(texts: dict[str, str], gold: dict[str, dict[str, str]]) -> tuple[list[str], list[str]]:
    """For the polarity baseline: the clauses around each gold aspect's terms (whole review when none), polarity."""
    from textlens.sentiment.aspects import aspect_units
    from textlens.themes.lexicon import LexicalMatcher
    from textlens.themes.taxonomy import load_taxonomy

    matcher = LexicalMatcher(load_taxonomy("aspects"))
    x, y = [], []
    for i, aspects in gold.items():
        hits = matcher.find(texts[i])
        for a, pol in aspects.items():
            spans = [(h.start, h.end) for h in hits.get(a, [])]
            x.append(a + " : " + " ".join(aspect_units(texts[i], spans) if spans else [texts[i]]))
            y.append(pol)
    return x, y


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", type=Path, default=Path("/tmp/aspects-eval"), help="folder for CSVs and stores")
    parser.add_argument("--store", type=Path, default=Path("/tmp/aspects2-gold.db"),
                        help="store of all annotated reviews (train_aspects.py builds it), for polarity given gold")
    args = parser.parse_args()
    import csv

    from train_aspect_polarity import pairs

    from textlens.sentiment.aspect_polarity import polarity_model_in_force

    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    from textlens.themes.taxonomy import load_taxonomy

    classes = list(load_taxonomy("aspects").ids)
    labels = read_labels()
    args.work.mkdir(parents=True, exist_ok=True)
    everything = args.work / "all.csv"
    write_reviews(set(labels), everything)
    with everything.open(encoding="utf-8", newline="") as fh:
        rows = {r["id"]: r for r in csv.DictReader(fh)}
    texts = {i: r["text"] for i, r in rows.items()}
    train = {i: r["aspects"] for i, r in labels.items() if r["part"] == "train"}
    anchor_train = [(texts[i], set(a)) for i, a in train.items()]
    pol_x, pol_y = clause_texts(texts, train)
    polarity_baseline = make_pipeline(
        make_union(TfidfVectorizer(sublinear_tf=True, min_df=2),
                   TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2)),
        LogisticRegression(C=10, max_iter=2000)).fit(pol_x, pol_y)
    for part, name in (("test", "held-out part of our labels (306 train.csv reviews)"),
                       ("dev", "dev gold (300 dev.csv reviews)")):
        gold = {i: r["aspects"] for i, r in labels.items() if r["part"] == part}
        src = args.work / f"{part}.csv"
        with src.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(next(iter(rows.values()))))
            writer.writeheader()
            writer.writerows(rows[i] for i in gold)
        ids = list(gold)
        gold_sets = [set(gold[i]) for i in ids]
        print(f"\n{name}: detection micro-F1 / macro-F1; polarity accuracy on the aspects found by both")
        for label, env, tag in (("textlens (learned models)", {}, "new"), ("textlens before (taxonomy + rule)", OFF,
                                                                           "before")):
            db = args.work / f"{part}-{tag}.db"
            db.unlink(missing_ok=True)
            pred = run_and_export(src, db, env)
            micro, macro, _ = theme_scores([set(pred.get(i, {})) for i in ids], gold_sets, classes)
            acc, both = polarity_on_found(pred, gold)
            print(f"  {label:<36} {micro:.3f} / {macro:.3f}   polarity {acc:.3f} on {both}", flush=True)
        anchor = themes_anchor(anchor_train, [texts[i] for i in ids], classes)
        micro, macro, _ = theme_scores(anchor, gold_sets, classes)
        px, py = clause_texts(texts, gold)
        acc = float(np.mean(np.array(polarity_baseline.predict(px)) == np.array(py)))
        print(f"  {'TF-IDF + LR baseline (train part)':<36} {micro:.3f} / {macro:.3f}   polarity {acc:.3f} on "
              f"{len(py)} (gold aspects given)")
        x, pol_gold, _, rule, _ = pairs(args.store, labels, part, classes)
        learned = polarity_model_in_force()
        shown = f"{np.mean(np.array(learned.predict(x)) == np.array(pol_gold)):.3f}" if learned else "(no model)"
        print(f"  polarity with the gold aspects given ({len(pol_gold)}): learned {shown}, "
              f"rule (before) {np.mean(np.array(rule) == np.array(pol_gold)):.3f}")


if __name__ == "__main__":
    main()
