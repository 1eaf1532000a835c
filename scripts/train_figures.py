"""Train the key-figure scorer (textlens/entities/figure_model.py) on the annotated press texts (issue #16).

    .venv/bin/python scripts/train_figures.py                 # CV report on the training data, then writes
                                                              # textlens/data/figure_model.json (all labels)
    .venv/bin/python scripts/train_figures.py --cv-only       # the CV report alone
    .venv/bin/python scripts/train_figures.py --heldout 0 1 2 3 4   # held-out folds through textlens run + export

Candidates are every number expression `facts.figure_candidates` finds in a text (as ingestion cleans it), with
the entities and studies the shipped pipeline resolves; a candidate is positive when it is where an annotated key
statistic is written (the annotated value found in the text), else when it states the same number
(`figure_scoring.values_match`). The regularisation C and the decision threshold are chosen by 5-fold
cross-validation grouped by text, on the training texts only: the threshold is the highest one whose pooled
CV recall of annotated figures reaches RECALL_TARGET (the issue's goal), so precision is as high as that recall
allows. `scripts/eval_press.py` trains one per held-out fold with `fit_texts` (archive + the other folds).
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from figure_scoring import values_match  # noqa: E402

from textlens.entities.figure_model import FigureModel  # noqa: E402

MODEL_PATH = ROOT / "textlens" / "data" / "figure_model.json"
CS = (0.1, 0.3, 1.0)
RECALL_TARGET = 0.87
WORD_FEATURES = ("prev", "prev2", "next")
MIN_WORD_COUNT = 3  # a little above the 0.85: CV recall on training texts is a bit optimistic


def text_candidates(text: str, entities: list[tuple[int, int, str]], study_starts: list[int]) -> list:
    """The candidates of one text as the entity pipeline sees it (prepared text, ingestion's passages)."""
    from textlens.analysis.segment import split_passages
    from textlens.entities.facts import figure_candidates
    from textlens.entities.pipeline import prepare

    text = prepare(text)
    bounds = [(p.start, p.end) for p in split_passages("", text)]
    return figure_candidates(text, bounds, [tuple(e) for e in entities], study_starts)


def label_candidates(text: str, cands: list, gold_values: list[str]) -> tuple[list[int], int]:
    """1 for the candidate each annotated value points to (one-to-one); also how many gold values no
    candidate covers (the generator's misses, counted as missed recall)."""
    from textlens.entities.pipeline import prepare

    text = prepare(text)
    labels = [0] * len(cands)
    missed = 0
    for value in gold_values:
        value = prepare(value)
        hit = None
        pos = text.find(value)
        while pos >= 0 and hit is None:
            for j, c in enumerate(cands):
                if not labels[j] and c.start < pos + len(value) and pos < c.end and values_match(value, c.value(text)):
                    hit = j
                    break
            pos = text.find(value, pos + 1)
        if hit is None:
            hit = next((j for j, c in enumerate(cands) if not labels[j] and values_match(value, c.value(text))), None)
        if hit is None:
            missed += 1
        else:
            labels[hit] = 1
    return labels, missed


def build(items: list[tuple[str, str, dict, list[str]]]) -> dict:
    """items: (id, text, entity cache entry, gold values) -> features, labels, groups and misses per text."""
    feats, labels, groups, missed = [], [], [], {}
    for doc_id, text, ents, gold_values in items:
        cands = text_candidates(text, ents["ents"], ents["studies"])
        lab, miss = label_candidates(text, cands, gold_values)
        feats += [c.features for c in cands]
        labels += lab
        groups += [doc_id] * len(cands)
        missed[doc_id] = miss
    return {"features": feats, "labels": np.array(labels), "groups": np.array(groups), "missed": missed,
            "n_gold": sum(len(g) for *_, g in items)}


def fit(features: list[dict], labels: np.ndarray, c_value: float, threshold: float) -> FigureModel:
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    # word features ("next=salaries", "prev=selon") only for words seen around at least MIN_WORD_COUNT
    # candidates: rarer ones (names, typos) would only memorise single texts
    counts = Counter(name for f in features for name in f if "=" in name and name.split("=")[0] in WORD_FEATURES)
    features = [{k: v for k, v in f.items() if k.split("=")[0] not in WORD_FEATURES or counts[k] >= MIN_WORD_COUNT}
                for f in features]
    vec = DictVectorizer()
    x = vec.fit_transform(features)
    lr = LogisticRegression(C=c_value, max_iter=2000).fit(x, labels)
    coef = {name: float(w) for name, w in zip(vec.feature_names_, lr.coef_[0]) if abs(w) > 1e-6}
    return FigureModel(coef, float(lr.intercept_[0]), float(threshold), {"C": c_value, "n_train": int(len(labels))})


def cv_probabilities(data: dict, c_value: float, n_splits: int = 5) -> np.ndarray:
    from sklearn.model_selection import GroupKFold

    probs = np.zeros(len(data["labels"]))
    for tr, te in GroupKFold(n_splits=n_splits).split(data["features"], data["labels"], data["groups"]):
        model = fit([data["features"][i] for i in tr], data["labels"][tr], c_value, 0.5)
        probs[te] = [model.probability(data["features"][i]) for i in te]
    return probs


def recall_precision(data: dict, probs: np.ndarray, threshold: float) -> tuple[float, float]:
    kept = probs >= threshold
    tp = int((kept & (data["labels"] == 1)).sum())
    return tp / max(data["n_gold"], 1), tp / max(int(kept.sum()), 1)


def choose(data: dict) -> tuple[float, float, list[str]]:
    """C and threshold by grouped CV (see module doc); the report lines."""
    lines, best = [], None
    for c_value in CS:
        probs = cv_probabilities(data, c_value)
        grid = sorted(set(np.round(np.linspace(0.05, 0.9, 86), 3)), reverse=True)
        pick = next((t for t in grid if recall_precision(data, probs, t)[0] >= RECALL_TARGET), grid[-1])
        r, p = recall_precision(data, probs, pick)
        f1 = 2 * p * r / max(p + r, 1e-9)
        lines.append(f"C={c_value}: threshold {pick:.3f}  CV recall {r:.3f} precision {p:.3f}")
        if best is None or (r >= RECALL_TARGET, p, f1) > (best[2] >= RECALL_TARGET, best[3], best[4]):
            best = (c_value, pick, r, p, f1)
    return best[0], best[1], lines


def fit_texts(items: list[tuple[str, str, dict, list[str]]]) -> tuple[FigureModel, list[str]]:
    """The scorer chosen and fitted on these texts (id, text, entity cache entry, gold values)."""
    data = build(items)
    c_value, threshold, lines = choose(data)
    model = fit(data["features"], data["labels"], c_value, threshold)
    model.meta.update({"recall_target": RECALL_TARGET, "texts": len(items)})
    return model, lines


def entity_cache(texts: dict[str, str], path: Path | None) -> dict[str, dict]:
    """Entities and study positions of each text by the shipped pipeline (cached in `path` when given)."""
    if path is not None and path.exists():
        cached = json.loads(path.read_text(encoding="utf-8"))
        if set(texts) <= set(cached):
            return cached
    from textlens.entities.pipeline import process

    ids = list(texts)
    out = {i: {"ents": [(m.start, m.end, m.type) for m in res.mentions], "studies": [s.start for s in res.studies]}
           for i, res in zip(ids, process([texts[i] for i in ids], mode="full"))}
    if path is not None:
        path.write_text(json.dumps(out), encoding="utf-8")
    return out


def training_items(exclude_folds: set[int], texts: dict[str, str], ents: dict[str, dict]) -> list:
    import train_dating
    import train_press_themes

    docs, gold = train_dating.load_press()
    _, archive = train_press_themes.load_archive(train_press_themes.ARCHIVE_LABELS)
    items = [(i, texts[i], ents[i], [f["value"] for f in g.get("figures") or []]) for i, g in archive.items()]
    items += [(d["id"], texts[d["id"]], ents[d["id"]], [f["value"] for f in gold[d["id"]].get("figures") or []])
              for d in docs if d["fold"] not in exclude_folds]
    return items


def cleaned_texts(cache: Path | None) -> dict[str, str]:
    """press_dev + archive texts as ingestion cleans them (`textlens ingest` + export), cached in `cache`."""
    import tempfile

    import train_dating
    import train_press_themes

    if cache is not None and cache.exists():
        return json.loads(cache.read_text(encoding="utf-8"))
    docs, _ = train_dating.load_press()
    archive_docs, _ = train_press_themes.load_archive(train_press_themes.ARCHIVE_LABELS)
    with tempfile.TemporaryDirectory() as tmp:
        out = train_dating.run_user_path(docs + archive_docs, Path(tmp), env={"TEXTLENS_DATE_MODEL": "off"})
    texts = {i: r["text"] for i, r in out.items()}
    if cache is not None:
        cache.write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
    return texts


def heldout(folds: list[int], texts: dict[str, str], ents: dict[str, dict]) -> None:
    """Figures alone through the user's path (`textlens run --only entities` + export) per held-out fold, the
    scorer trained without that fold; the plain-regex anchor beside. scripts/eval_press.py measures the same
    inside the full press evaluation."""
    import os
    import subprocess
    import tempfile

    import train_dating
    from figure_scoring import match_figures, plain_regex_values

    docs, gold = train_dating.load_press()
    pooled = {"model": [0, 0, 0], "anchor": [0, 0, 0]}
    with tempfile.TemporaryDirectory() as tmp:
        for k in folds:
            work = Path(tmp) / f"f{k}"
            work.mkdir()
            model, _ = fit_texts(training_items({k}, texts, ents))
            (work / "model.json").write_text(json.dumps(model.to_dict()), encoding="utf-8")
            test = [d for d in docs if d["fold"] == k]
            src, db, out = work / "press.jsonl", work / "press.db", work / "export.jsonl"
            src.write_text("".join(json.dumps({"id": d["id"], "text": d["text"]}, ensure_ascii=False) + "\n"
                                   for d in test), encoding="utf-8")
            env = {**os.environ, "TEXTLENS_FIGURE_MODEL": str(work / "model.json")}
            for args in (["run", str(src), "--db", str(db), "--only", "entities", "--no-topics", "--quiet"],
                         ["export", "--db", str(db), "--format", "jsonl", "--out", str(out), "--with-text"]):
                proc = subprocess.run(train_dating.textlens_cmd() + args, env=env, capture_output=True, text=True)
                if proc.returncode != 0:
                    raise SystemExit(f"textlens {' '.join(args)} failed:\n{proc.stderr[-3000:]}")
            export = {r["id"]: r for r in map(json.loads, out.open(encoding="utf-8"))}
            counts = {"model": [0, 0, 0], "anchor": [0, 0, 0]}
            for d in test:
                gvals = [f["value"] for f in gold[d["id"]].get("figures") or []]
                preds = {"model": [f["value"] for f in export[d["id"]].get("figures") or []],
                         "anchor": plain_regex_values(export[d["id"]]["text"])}
                for name in counts:
                    for i, v in enumerate(match_figures(gvals, preds[name])):
                        counts[name][i] += v
                        pooled[name][i] += v
            (f, t, n), (af, at, an) = counts["model"], counts["anchor"]
            print(f"fold {k}: {len(test)} texts, {t} annotated figures: recall {f / t:.3f} precision {f / max(n, 1):.3f} "
                  f"({n} extracted) | anchor recall {af / at:.3f} precision {af / max(an, 1):.3f} ({an})", flush=True)
    (f, t, n), (af, at, an) = pooled["model"], pooled["anchor"]
    print(f"pooled folds {folds}: recall {f}/{t} = {f / t:.3f}  precision {f}/{n} = {f / max(n, 1):.3f} | "
          f"anchor recall {af / at:.3f} precision {af / max(an, 1):.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cv-only", action="store_true")
    parser.add_argument("--exclude-folds", type=int, nargs="*", default=[],
                        help="press_dev folds left out of training (development: 3 4)")
    parser.add_argument("--cache-dir", type=Path, help="where cleaned texts and entities are cached")
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    parser.add_argument("--heldout", type=int, nargs="*",
                        help="measure these press_dev folds held out, through textlens run + export (figures only)")
    args = parser.parse_args()
    texts_cache = args.cache_dir / "clean_texts.json" if args.cache_dir else None
    ents_cache = args.cache_dir / "ents_cache.json" if args.cache_dir else None
    texts = cleaned_texts(texts_cache)
    ents = entity_cache(texts, ents_cache)
    if args.heldout:
        heldout(args.heldout, texts, ents)
        return
    items = training_items(set(args.exclude_folds), texts, ents)
    data = build(items)
    print(f"{len(items)} texts, {data['n_gold']} annotated figures, {len(data['labels'])} candidates, "
          f"{int(data['labels'].sum())} positive; annotated figures no candidate covers: {sum(data['missed'].values())}")
    c_value, threshold, lines = choose(data)
    print("\n".join(lines))
    if args.cv_only:
        return
    model = fit(data["features"], data["labels"], c_value, threshold)
    model.meta.update({"recall_target": RECALL_TARGET, "texts": len(items),
                       "excluded_folds": sorted(args.exclude_folds)})
    args.out.write_text(json.dumps(model.to_dict(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"written {args.out} (C={c_value}, threshold {threshold:.3f})")


if __name__ == "__main__":
    main()
