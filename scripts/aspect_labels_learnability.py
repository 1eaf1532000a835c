"""Learnability check of the hand-made aspect labels (issue #17): are they consistent enough to learn from, and
do they agree with the team's dev gold made by another annotator?

A plain, untuned model (TF-IDF word 1-2-grams + one-vs-rest logistic regression, fixed settings chosen before
running) is fitted on the train part of `train_aspects_gold.jsonl` only, then scored on its held-out part and on
`dev_aspects_gold.jsonl` (other reviews, other annotator). Similar scores on both mean the new labels follow the
same conventions as the dev gold; a large drop on dev would point at diverging conventions. It is not the
issue's detector (that one is built and tuned elsewhere) and nothing here was used to change a label.

    python scripts/aspect_labels_learnability.py      # ~1 CPU minute
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sample_aspects import ASPECTS, DATA_DIR, load_labels, micro_f1, plain_baselines  # noqa: E402
from sample_cx import read_rows  # noqa: E402


def texts_and_aspects(records: list[dict], rows: dict[str, dict[str, str]]) -> tuple[list[str], list[set[str]]]:
    return [rows[rec["id"]]["text"] for rec in records], [{a["id"] for a in rec["aspects"]} for rec in records]


def main() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.preprocessing import MultiLabelBinarizer

    labels = list(load_labels().values())
    train_rows, dev_rows = read_rows("train"), read_rows("dev")
    dev_gold = [json.loads(line) for line in (DATA_DIR / "dev_aspects_gold.jsonl").read_text().splitlines()]
    train_x, train_y = texts_and_aspects([r for r in labels if r["part"] == "train"], train_rows)
    sets = {
        "held-out part": texts_and_aspects([r for r in labels if r["part"] == "test"], train_rows),
        "dev gold (other annotator)": texts_and_aspects(dev_gold, dev_rows),
    }
    binarizer = MultiLabelBinarizer(classes=list(ASPECTS)).fit([set()])
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    model = OneVsRestClassifier(LogisticRegression(C=10, max_iter=2000, class_weight="balanced"))
    model.fit(vectorizer.fit_transform(train_x), binarizer.transform(train_y))
    constant = set(plain_baselines(labels)["constant aspect set"])  # type: ignore[arg-type]
    for name, (texts, gold) in sets.items():
        predicted = model.predict(vectorizer.transform(texts))
        per_aspect = f1_score(binarizer.transform(gold), predicted, average=None)
        print(f"{name}: {len(texts)} reviews, detection micro-F1 "
              f"{f1_score(binarizer.transform(gold), predicted, average='micro'):.3f} "
              f"(constant-set baseline {micro_f1(gold, [constant] * len(gold)):.3f})")
        print("  per aspect F1: " + ", ".join(f"{a} {f:.2f}" for a, f in zip(binarizer.classes_, per_aspect)))


if __name__ == "__main__":
    main()
