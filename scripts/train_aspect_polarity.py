"""Train the learned aspect polarity (textlens/sentiment/aspect_polarity.py) on the train part of our annotated reviews.

    .venv/bin/python scripts/train_aspect_polarity.py --db /tmp/aspects2-gold.db            # CV, fit, write
    .venv/bin/python scripts/train_aspect_polarity.py --db /tmp/aspects2-gold.db --cv-only  # CV figures only

Data: the (aspect, polarity) pairs of the train part of scripts/data/train_aspects_gold.jsonl (1,794 reviews), with
the gold aspects given and located by the taxonomy's terms (as scripts/eval_sentiment.py measures polarity); the
reviews are read from --db, the store scripts/train_aspects.py builds (`textlens ingest --kind verbatim`). C is chosen
by 5-fold CV grouped by review; the held-out part and the dev gold are scored once by scripts/eval_aspects.py.

The ship rule, written before any held-out figure was seen: the model is written only when its CV accuracy on the
train part beats the rule of sentiment/aspects.py on the same pairs.
"""
from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from train_aspects import OUT, ensure_store, read_labels  # noqa: E402

CS = (0.01, 0.03, 0.1, 0.3)


def pairs(db: Path, labels: dict[str, dict], part: str, aspects: list[str]):
    """(features, gold polarities, review of each pair, rule polarities) of one part's gold pairs."""
    from textlens.sentiment import load_model
    from textlens.sentiment.aspects import aspect_evidence, polarity_rows
    from textlens.store import Corpus
    from textlens.themes.lexicon import LexicalMatcher
    from textlens.themes.taxonomy import load_taxonomy

    model = load_model()
    matcher = LexicalMatcher(load_taxonomy("aspects"))
    ids = sorted(i for i, r in labels.items() if r["part"] == part and r["aspects"])
    with Corpus.open(db, readonly=True) as corpus:
        texts = [corpus.document(i)["text"] for i in ids]
    review_scores = [p.score for p in model.predict(texts)]
    docs = []
    for i, text, score in zip(ids, texts, review_scores):
        hits = matcher.find(text)
        docs.append((text, {a: [(h.start, h.end) for h in hits.get(a, [])] for a in labels[i]["aspects"]}, score))
    evidence = aspect_evidence(model, docs)
    x, known = polarity_rows(model, texts, evidence, aspects)
    assert x is not None and len(known) == len(evidence)
    gold = [labels[ids[e.doc]]["aspects"][e.aspect] for e in known]
    return x, gold, np.array([e.doc for e in known]), [e.rule.polarity for e in known], model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, default=Path("/tmp/aspects2-gold.db"), help="store of the annotated reviews")
    parser.add_argument("--cv-only", action="store_true", help="print the CV figures, write nothing")
    args = parser.parse_args()
    from sklearn.model_selection import GroupKFold

    from textlens.sentiment.aspect_polarity import AspectPolarityModel
    from textlens.sentiment.predict import default_model_path
    from textlens.themes.aspect_files import POLARITY_FILE
    from textlens.themes.taxonomy import load_taxonomy

    labels = read_labels()
    ensure_store(args.db, labels)
    aspects = list(load_taxonomy("aspects").ids)
    x, gold, groups, rule, _ = pairs(args.db, labels, "train", aspects)
    y = np.array(gold)
    rule_acc = float(np.mean(np.array(rule) == y))
    print(f"{len(y)} gold (aspect, polarity) pairs of the train part; 5-fold CV grouped by review")
    print(f"  {'rule (today)':<16} accuracy {rule_acc:.4f}")
    results = {}
    for c_value in CS:
        pred = np.empty(len(y), dtype=object)
        for tr, te in GroupKFold(5).split(x, y, groups):
            pred[te] = AspectPolarityModel(C=c_value).fit(x[tr], y[tr], aspects).predict(x[te])
        results[c_value] = float(np.mean(pred == y))
        print(f"  {'learned C=' + str(c_value):<16} accuracy {results[c_value]:.4f}")
    best = max(results, key=lambda c: (results[c], -c))
    if args.cv_only:
        return
    if results[best] <= rule_acc:
        raise SystemExit(f"the learned model does not beat the rule in CV ({results[best]:.4f} <= {rule_acc:.4f})")
    model = AspectPolarityModel(C=best).fit(x, y, aspects)
    model.meta_ = {"trained_on": f"{len(y)} gold pairs of the train part of scripts/data/train_aspects_gold.jsonl",
                   "sentiment_model": hashlib.sha1(Path(default_model_path()).read_bytes()).hexdigest()[:12],
                   "cv_accuracy": round(results[best], 4), "cv_rule_accuracy": round(rule_acc, 4)}
    OUT.mkdir(parents=True, exist_ok=True)
    model.save(OUT / POLARITY_FILE)
    print(f"chose C={best}; wrote {OUT / POLARITY_FILE} ({(OUT / POLARITY_FILE).stat().st_size / 1024:.0f} KB)")


if __name__ == "__main__":
    main()
