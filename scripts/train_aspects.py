"""Would a learned aspect detector beat the aspect taxonomy? Measured on annotations it never saw.

    .venv/bin/python scripts/train_aspects.py

Not yet: on 2026-12-07 the learned model (trained on the 1,294 train-part reviews) scored 0.732 / 0.739 micro / macro
F1 on the 306 held-out reviews against 0.727 / 0.724 for the taxonomy alone and 0.716 / 0.706 for TF-IDF + LR, and
0.752 / 0.747 on the dev gold against 0.774 / 0.772: no model is shipped, the taxonomy stays the detector.

Labelled data (ids + labels in scripts/data/, texts read from ../shared at run time):
- train_aspects_gold.jsonl: 1,600 train.csv reviews we annotated; part "train" (1,294) fits the model (C by
  inner CV, thresholds by out-of-fold predictions), part "test" (306) is held out;
- dev_aspects_gold.jsonl: 300 dev.csv reviews annotated earlier by another of us: a second held-out set.
Reviews are read as a user's run reads them (`textlens ingest --kind verbatim`: cleaning, passages), and the
product's own verbatim scorer (`ThemeAnalyzer().scorer("verbatim")`: aspect taxonomy + static fast-tier
embeddings) gives each passage its parts; the model is the same per-label logistic regression as the press
themes (`textlens/themes/press_model.py`). Beside it: the taxonomy alone (today's default) and TF-IDF + LR.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
SHARED = Path(os.environ.get("TEXTLENS_SHARED", ROOT.parent / "shared"))
REVIEWS = SHARED / "data" / "verbatims_assurance"
DATA = ROOT / "scripts" / "data"

from train_dating import textlens_cmd  # noqa: E402
from train_press_themes import choose_c, theme_scores, themes_anchor  # noqa: E402

from textlens.themes.press_model import PressThemeModel, doc_features  # noqa: E402



def read_labels() -> dict[str, dict]:
    out = {}
    for name, part in (("train_aspects_gold.jsonl", None), ("dev_aspects_gold.jsonl", "dev")):
        for line in (DATA / name).open(encoding="utf-8"):
            if line.strip():
                rec = json.loads(line)
                out[rec["id"]] = {"part": part or rec["part"], "aspects": {a["id"] for a in rec["aspects"]}}
    return out


def read_texts(ids: set[str]) -> dict[str, str]:
    texts = {}
    for name in ("train.csv", "dev.csv"):
        with (REVIEWS / name).open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                if row["id"] in ids:
                    texts[row["id"]] = row["text"]
    return texts


def features(texts: dict[str, str], workdir: Path) -> dict[str, np.ndarray]:
    from textlens.store import Corpus
    from textlens.themes.analyzer import ThemeAnalyzer

    src, db = workdir / "reviews.csv", workdir / "reviews.db"
    with src.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "text"])
        writer.writerows(texts.items())
    proc = subprocess.run(textlens_cmd() + ["ingest", str(src), "--db", str(db), "--kind", "verbatim"],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(proc.stderr[-3000:])
    scorer = ThemeAnalyzer().scorer("verbatim")
    support = scorer.taxonomy.scoring.doc_support
    out = {}
    with Corpus.open(db) as corpus:
        for doc_id in texts:
            passages = [p.text for p in corpus.passages(doc_id)] or [""]
            out[doc_id] = doc_features(scorer.parts(passages, None), support)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.parse_args()
    from textlens.themes.analyzer import ThemeAnalyzer

    tax = ThemeAnalyzer().by_kind["verbatim"]
    classes = list(tax.ids)
    labels = read_labels()
    texts = read_texts(set(labels))
    with tempfile.TemporaryDirectory() as tmp:
        feats = features(texts, Path(tmp))
    train = [i for i, r in labels.items() if r["part"] == "train" and i in feats]
    x = np.stack([feats[i] for i in train])
    y = np.array([[c in labels[i]["aspects"] for c in classes] for i in train], dtype=int)
    c_value = choose_c(x, y, classes)
    model = PressThemeModel(C=c_value).fit(x, y, classes)
    print(f"{len(train)} training reviews, C={c_value}, {x.shape[1]} features")
    for part, name in (("test", "held-out part of our 1,600 (306)"), ("dev", "dev.csv gold (300, other annotator)")):
        ids = [i for i, r in labels.items() if r["part"] == part and i in feats]
        gold = [labels[i]["aspects"] for i in ids]
        xt = np.stack([feats[i] for i in ids])
        learned = [set(np.array(classes)[p]) for p in model.predict(xt)]
        block = xt[:, 5 * len(classes): 6 * len(classes)]  # the taxonomy's own document scores
        taxonomy = [set(np.array(classes)[row >= tax.scoring.doc_threshold]) for row in block]
        anchor = themes_anchor([(texts[i], labels[i]["aspects"]) for i in train], [texts[i] for i in ids], classes)
        print(f"\n{name}: detection micro-F1 / macro-F1")
        for label, pred in (("learned (textlens)", learned), ("taxonomy alone (before)", taxonomy),
                            ("TF-IDF + LR anchor", anchor)):
            micro, macro, _ = theme_scores(pred, gold, classes)
            print(f"  {label:<28} {micro:.3f} / {macro:.3f}")


if __name__ == "__main__":
    main()
