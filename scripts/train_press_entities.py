#!/usr/bin/env python
"""Train the learned press entity decision (textlens.entities.typer) on annotated real press texts.

    .venv/bin/python scripts/train_press_entities.py                 # ship models/entities_press/ (all labels)
    .venv/bin/python scripts/train_press_entities.py --folds 0 1 2   # held-out figures per press_dev fold, no ship
    .venv/bin/python scripts/train_press_entities.py --folds 0 1 2 3 4 --user-path   # + through textlens run/export
    .venv/bin/python scripts/train_press_entities.py --error-kinds   # where F1 is lost: inner CV on the archive

Training texts: our annotations of 361 texts of ../shared/data/press_dev/archive.jsonl
(scripts/data/press_archive_gold.jsonl) and the press_dev gold (../shared/data/press_dev/gold.jsonl); with
`--folds`, each listed fold is held out in turn: its model learns from the archive and the other folds only, and
the fold is scored per document and type as scripts/eval_entities.py does (KB aliases, fuzzy >= 90), beside the
rules alone. Texts are cleaned by `textlens ingest`, as a user's corpus would be.

How a model is trained: every document goes through the full entity pipeline (rules, KB, spaCy); its candidate
names (textlens.entities.typer.doc_candidates: the rules' names, spaCy's, the gazetteer's, and since features
version 3 the longer names proposed around them by textlens.entities.extensions) get the gold type of the
annotated name they match (same comparison as the evaluation) or NONE. The gazetteer of training names is cross-fitted: the rows of one fifth of
the training texts are described with the gazetteer of the other four fifths, so the model learns how much a name
seen in *other* texts is worth. C and the keep threshold are chosen by 5-fold cross-validation over documents,
on document-level micro-F1.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import train_dating  # noqa: E402
import train_press_themes  # noqa: E402
from eval_entities import match_sets, norm, prf  # noqa: E402

from textlens.entities.kb import ENTITY_TYPES, load_kb  # noqa: E402
from textlens.entities.typer import (  # noqa: E402
    NONE,
    EntityTyperModel,
    Gazetteer,
    GazetteerMatcher,
    decide_types,
    doc_candidates,
)
from textlens.entities.typer_files import shipped_model_path  # noqa: E402

C_GRID = (0.3,)  # of 0.1, 0.3, 1.0, the inner CV chose 0.3 for the models holding out folds 0 and 1 (kept fixed: CPU)
THRESHOLDS = (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6)
N_PARTS = 5


def load_labelled(texts_path: Path | None = None) -> tuple[dict[str, str], dict[str, int | None], dict[str, dict],
                                                           dict[str, int]]:
    """Cleaned text, year and gold entities of every annotated press text; press_dev fold (-1: archive)."""
    docs, gold = train_dating.load_press()
    archive_docs, archive = train_press_themes.load_archive(train_press_themes.ARCHIVE_LABELS)
    if texts_path is not None and texts_path.exists():
        recs = {r["id"]: r for r in map(json.loads, texts_path.open(encoding="utf-8"))}
    else:
        with tempfile.TemporaryDirectory() as tmp:
            recs = train_dating.run_user_path(docs + archive_docs, Path(tmp), env={"TEXTLENS_DATE_MODEL": "off"})
        if texts_path is not None:
            with texts_path.open("w", encoding="utf-8") as fh:
                for i, r in recs.items():
                    fh.write(json.dumps({"id": i, "text": r["text"], "year": r.get("year")}, ensure_ascii=False) + "\n")
    texts = {i: r["text"] for i, r in recs.items()}
    years = {i: r.get("year") for i, r in recs.items()}
    entities = {**{i: g.get("entities") or {} for i, g in archive.items()},
                **{i: g.get("entities") or {} for i, g in gold.items()}}
    folds = {**{i: -1 for i in archive}, **{d["id"]: d["fold"] for d in docs}}
    return texts, years, entities, folds


def process_docs(ids: list[str], texts: dict[str, str], years: dict[str, int | None]) -> dict:
    """spaCy Docs of the full entity pipeline without the learned decision (what it sees at run time)."""
    from textlens.entities.pipeline import build_nlp, prepare

    nlp = build_nlp("full")
    out = {}
    for i, doc in zip(ids, nlp.pipe((_make(nlp, prepare(texts[i]), years[i]) for i in ids), batch_size=16)):
        out[i] = doc
    return out


def _make(nlp, text: str, year: int | None):
    doc = nlp.make_doc(text)
    doc._.year = year
    return doc


def build_gazetteer(nlp, ids: list[str], docs: dict, entities: dict[str, dict]) -> Gazetteer:
    """Names annotated in the texts `ids`, with how often they were annotated, and as what, where they appear."""
    kb = load_kb()
    spellings: dict[str, Counter] = defaultdict(Counter)
    for i in ids:
        for etype, names in entities[i].items():
            for n in names:
                ent = kb.lookup(n)
                spellings[norm(n, kb)][ent.name if ent else n.strip()] += 1
    names = {k: c.most_common(1)[0][0] for k, c in spellings.items() if k}
    gaz = Gazetteer(names=names)
    matcher = GazetteerMatcher(nlp, names)
    seen: Counter = Counter()
    typed: dict[str, Counter] = defaultdict(Counter)
    for i in ids:
        found = {k for k, _, _ in matcher(docs[i])}
        gold = {(t, norm(n, kb)) for t, ns in entities[i].items() for n in ns}
        for k in found:
            seen[k] += 1
            for t in {t for t, g in gold if g == k}:
                typed[k][t] += 1
    gaz.seen = dict(seen)
    gaz.typed = {k: dict(v) for k, v in typed.items()}
    return gaz


def candidate_rows(nlp, ids: list[str], docs: dict, gaz: Gazetteer, entities: dict[str, dict] | None
                   ) -> list[tuple[str, str, dict[str, float], str]]:
    """(doc id, candidate name, features, gold type or NONE) of every candidate of the documents `ids`."""
    from rapidfuzz import fuzz

    kb = load_kb()
    matcher = GazetteerMatcher(nlp, gaz.names)
    rows = []
    for i in ids:
        cands = doc_candidates(docs[i], gaz, matcher(docs[i]))
        gold = {}
        if entities is not None:
            for t in ENTITY_TYPES:
                for n in entities[i].get(t, []):
                    gold.setdefault(norm(n, kb), t)
        left = dict(gold)
        labels = {}
        for c in cands:
            k = norm(c.name, kb)
            if k in left:
                labels[c.key] = left.pop(k)
        for c in cands:
            if c.key in labels:
                continue
            k = norm(c.name, kb)
            best = max(left, key=lambda g: fuzz.ratio(g, k), default=None)
            if best is not None and fuzz.ratio(best, k) >= 90:
                labels[c.key] = left.pop(best)
        for c in cands:
            rows.append((i, c.name, c.features, labels.get(c.key, NONE)))
    return rows


def cross_fitted_rows(nlp, ids: list[str], docs: dict, entities: dict[str, dict]) -> list[tuple]:
    """Rows of `ids` whose gazetteer features come from the other parts of `ids` (no name describes itself)."""
    parts = [ids[j::N_PARTS] for j in range(N_PARTS)]
    rows = []
    for j, part in enumerate(parts):
        others = [i for k, p in enumerate(parts) if k != j for i in p]
        rows.extend(candidate_rows(nlp, part, docs, build_gazetteer(nlp, others, docs, entities), entities))
    return rows


def doc_f1(rows: list[tuple], decisions: list[str], entities: dict[str, dict], ids: list[str]) -> tuple:
    """Document-level micro P/R/F1 and per-type counts, compared as the evaluation does."""
    kb = load_kb()
    pred: dict[str, set] = defaultdict(set)
    for (i, name, _, _), t in zip(rows, decisions):
        if t != NONE:
            pred[i].add((t, name))
    counts = {t: [0, 0, 0] for t in ENTITY_TYPES}
    for i in ids:
        for t in ENTITY_TYPES:
            gs = {norm(n, kb) for n in entities[i].get(t, [])}
            ps = {norm(n, kb) for tt, n in pred[i] if tt == t}
            tp, fps, fns = match_sets(ps, gs)
            for k, v in enumerate((tp, len(fps), len(fns))):
                counts[t][k] += v
    total = [sum(c[k] for c in counts.values()) for k in range(3)]
    return prf(*total), counts


def cv_probabilities(rows: list[tuple], ids: list[str], c_value: float) -> tuple[np.ndarray, list[str]]:
    """Class probabilities of every row by the model of the 4 other parts of the documents (5 parts)."""
    doc_part = {i: k % N_PARTS for k, i in enumerate(sorted(ids))}
    proba, classes = np.zeros((0, 0)), []
    for j in range(N_PARTS):
        train_rows = [r for r in rows if doc_part[r[0]] != j]
        model = EntityTyperModel(C=c_value).fit([r[2] for r in train_rows], [r[3] for r in train_rows])
        idx = [k for k, r in enumerate(rows) if doc_part[r[0]] == j]
        if not classes:
            classes, proba = model.classes_, np.zeros((len(rows), len(model.classes_)))
        if model.classes_ != classes:
            raise ValueError(f"part {j} of the training texts lacks a class: {sorted(set(classes) - set(model.classes_))}")
        proba[idx] = model.predict_proba([rows[k][2] for k in idx])
    return proba, classes


def cv_decisions(rows: list[tuple], ids: list[str], c_value: float, thresholds: tuple[float, ...]
                 ) -> dict[float, list[str]]:
    """Decisions of every row by the model of the 4 other parts of the documents (5 parts), per keep threshold."""
    proba, classes = cv_probabilities(rows, ids, c_value)
    return {threshold: decide_types(proba, classes, threshold) for threshold in thresholds}


def choose(rows: list[tuple], entities: dict[str, dict], ids: list[str]) -> tuple[float, float]:
    """C and keep threshold with the best document-level micro-F1 over 5 folds of documents."""
    best, best_f1 = (1.0, 0.5), -1.0
    for c_value in C_GRID:
        for threshold, decisions in cv_decisions(rows, ids, c_value, THRESHOLDS).items():
            (_, _, f1), _ = doc_f1(rows, decisions, entities, ids)
            if f1 > best_f1 + 1e-9:
                best, best_f1 = (c_value, threshold), f1
            log(f"  C={c_value:<5} threshold={threshold:<5} CV doc micro-F1 {f1:.4f}")
    return best


MISSED_KINDS = ("no candidate", "dropped", "boundary", "wrong type")
SPURIOUS_KINDS = ("spurious", "boundary", "wrong type")


def error_kinds(rows: list[tuple], decisions: list[str], entities: dict[str, dict], ids: list[str]
                ) -> tuple[Counter, Counter]:
    """Where the F1 is lost, per type: each annotated name not found (no candidate proposed it; proposed but
    dropped; found with other bounds; found with another type) and each kept name not annotated (no annotated
    name near it; other bounds; another type), compared as the evaluation does (KB aliases, fuzzy >= 90)."""
    from rapidfuzz import fuzz

    kb = load_kb()

    def same(a: str, b: str) -> bool:
        return a == b or fuzz.ratio(a, b) >= 90

    def overlaps(a: str, b: str) -> bool:
        return len(a) > 2 and len(b) > 2 and (a in b or b in a)

    kept: dict[str, set[tuple[str, str]]] = defaultdict(set)
    proposed: dict[str, set[str]] = defaultdict(set)
    for (i, name, _, _), t in zip(rows, decisions):
        proposed[i].add(norm(name, kb))
        if t != NONE:
            kept[i].add((t, norm(name, kb)))
    missed: Counter = Counter()
    spurious: Counter = Counter()
    for i in ids:
        gold = {(t, norm(n, kb)) for t, names in entities[i].items() for n in names}
        for t, g in gold:
            if any(tt == t and same(k, g) for tt, k in kept[i]):
                continue
            if any(same(k, g) for _, k in kept[i]):
                missed[t, "wrong type"] += 1
            elif any(overlaps(k, g) for _, k in kept[i]):
                missed[t, "boundary"] += 1
            elif any(same(k, g) for k in proposed[i]):
                missed[t, "dropped"] += 1
            else:
                missed[t, "no candidate"] += 1
        for t, k in kept[i]:
            if any(tt == t and same(k, g) for tt, g in gold):
                continue
            if any(same(k, g) for _, g in gold):
                spurious[t, "wrong type"] += 1
            elif any(overlaps(k, g) for _, g in gold):
                spurious[t, "boundary"] += 1
            else:
                spurious[t, "spurious"] += 1
    return missed, spurious


def print_error_kinds(missed: Counter, spurious: Counter) -> None:
    print(f"  {'type':<15}" + "".join(f"{'missed: ' + k:>24}" for k in MISSED_KINDS)
          + "".join(f"{'kept: ' + k:>20}" for k in SPURIOUS_KINDS))
    for t in [*ENTITY_TYPES, "all"]:
        def count(counter: Counter, kind: str, t: str = t) -> int:
            return sum(v for (tt, k), v in counter.items() if k == kind and t in (tt, "all"))
        print(f"  {t:<15}" + "".join(f"{count(missed, k):>24}" for k in MISSED_KINDS)
              + "".join(f"{count(spurious, k):>20}" for k in SPURIOUS_KINDS))


def train(nlp, ids: list[str], docs: dict, entities: dict[str, dict], quiet: bool = False) -> EntityTyperModel:
    """The model of the training texts `ids`: cross-fitted rows, C and threshold by CV, gazetteer of all `ids`."""
    rows = cross_fitted_rows(nlp, ids, docs, entities)
    c_value, threshold = choose(rows, entities, ids)
    model = EntityTyperModel(C=c_value, keep_threshold=threshold)
    model.fit([r[2] for r in rows], [r[3] for r in rows], build_gazetteer(nlp, ids, docs, entities))
    model.meta_ = {"training_texts": len(ids), "candidates": len(rows),
                   "labels": dict(Counter(r[3] for r in rows))}
    if not quiet:
        print(f"chose C={c_value} threshold={threshold} on {len(ids)} texts, {len(rows)} candidates", flush=True)
    return model


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def print_table(label: str, counts: dict[str, list[int]]) -> None:
    print(f"  {label}: per type P R F1 tp fp fn")
    for t in ENTITY_TYPES:
        tp, fp, fn = counts[t]
        if tp + fp + fn:
            p, r, f = prf(tp, fp, fn)
            print(f"    {t:<16}{p:7.3f}{r:7.3f}{f:7.3f}{tp:6d}{fp:6d}{fn:6d}")


def rules_counts(docs: dict, ids: list[str], entities: dict[str, dict]) -> tuple:
    """What the rules alone keep (the resolver's mentions of each Doc), scored the same way."""
    from textlens.entities.components import doc_mentions

    rows = [(i, m.name, {}, "") for i in ids for m in doc_mentions(docs[i])]
    decisions = [m.type for i in ids for m in doc_mentions(docs[i])]
    return doc_f1(rows, decisions, entities, ids)


SPACY_TYPES = {"PER": "PERSON", "ORG": "COMPANY", "LOC": "LOCATION"}


def spacy_counts(docs: dict, ids: list[str], entities: dict[str, dict]) -> tuple:
    """The plain anchor: spaCy fr_core_news_md's own entities (PER, ORG, LOC; MISC has no type here)."""
    from textlens.entities.components import NER_KEY

    rows, decisions = [], []
    for i in ids:
        for e in docs[i].spans.get(NER_KEY, []):
            if e.label_ in SPACY_TYPES:
                rows.append((i, e.text, {}, ""))
                decisions.append(SPACY_TYPES[e.label_])
    return doc_f1(rows, decisions, entities, ids)


def user_path_counts(model_path: Path, fold: int) -> dict[str, list[int]]:
    """Per-type (tp, fp, fn) of the press_dev texts of `fold` through the user's path: their raw texts as a JSONL of
    id + text, `textlens run --only entities --no-topics` with this model (TEXTLENS_PRESS_ENTITIES), `textlens
    export`, compared as scripts/eval_press.py compares entities."""
    docs, gold = train_dating.load_press()
    kb = load_kb()
    counts = {t: [0, 0, 0] for t in ENTITY_TYPES}
    with tempfile.TemporaryDirectory() as tmp:
        export = train_dating.run_user_path([d for d in docs if d["fold"] == fold], Path(tmp), command="run",
                                            env={"TEXTLENS_PRESS_ENTITIES": str(model_path)},
                                            options=("--only", "entities", "--no-topics"))
    for doc_id, rec in export.items():
        for t in ENTITY_TYPES:
            gs = {norm(n, kb) for n in (gold[doc_id].get("entities") or {}).get(t, [])}
            ps = {norm(e["name"], kb) for e in rec.get("entities") or [] if e["type"] == t}
            tp, fps, fns = match_sets(ps, gs)
            for j, v in enumerate((tp, len(fps), len(fns))):
                counts[t][j] += v
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--folds", type=int, nargs="*", help="held-out press_dev folds to score (no model shipped)")
    parser.add_argument("--texts", type=Path, help="cache of the cleaned texts (JSONL id, text, year)")
    parser.add_argument("--out", type=Path, default=shipped_model_path())
    parser.add_argument("--error-kinds", type=int, nargs="?", const=-1, metavar="FOLD",
                        help="where the F1 is lost, per type and kind of error, by inner 5-part CV over the training "
                        "texts of held-out fold FOLD (the archive and the four other folds; without FOLD: the archive "
                        "alone); the held-out fold is never read")
    parser.add_argument("--user-path", action="store_true",
                        help="with --folds: also score each held-out fold through textlens run + export")
    args = parser.parse_args()
    from textlens.entities.pipeline import build_nlp

    texts, years, entities, folds = load_labelled(args.texts)
    ids = sorted(texts)
    docs = process_docs(ids, texts, years)
    nlp = build_nlp("full")
    if args.error_kinds is not None:
        inner = [i for i in ids if folds[i] != args.error_kinds and (args.error_kinds != -1 or folds[i] == -1)]
        rows = cross_fitted_rows(nlp, inner, docs, entities)
        decisions = cv_decisions(rows, inner, C_GRID[0], (0.3,))[0.3]
        (p, r, f), counts = doc_f1(rows, decisions, entities, inner)
        print(f"inner CV on {len(inner)} training texts (C={C_GRID[0]}, threshold 0.3): P {p:.3f} R {r:.3f} F1 {f:.3f}")
        print_table("inner CV", counts)
        print_error_kinds(*error_kinds(rows, decisions, entities, inner))
        return
    if args.folds:
        fold_f1, rules_f1, spacy_f1 = [], [], []
        pooled = {t: [0, 0, 0] for t in ENTITY_TYPES}
        pooled_rules = {t: [0, 0, 0] for t in ENTITY_TYPES}
        pooled_user = {t: [0, 0, 0] for t in ENTITY_TYPES}
        user_f1 = []
        for k in args.folds:
            train_ids = [i for i in ids if folds[i] != k]
            test_ids = [i for i in ids if folds[i] == k]
            model = train(nlp, train_ids, docs, entities)
            rows = candidate_rows(nlp, test_ids, docs, model.gazetteer_, None)
            (p, r, f), counts = doc_f1(rows, model.decide([x[2] for x in rows]), entities, test_ids)
            (rp, rr, rf), rcounts = rules_counts(docs, test_ids, entities)
            (_, _, sf), _ = spacy_counts(docs, test_ids, entities)
            fold_f1.append(f), rules_f1.append(rf), spacy_f1.append(sf)
            for t in ENTITY_TYPES:
                for j in range(3):
                    pooled[t][j] += counts[t][j]
                    pooled_rules[t][j] += rcounts[t][j]
            print(f"fold {k}: {len(test_ids)} texts  learned P {p:.3f} R {r:.3f} F1 {f:.3f}   "
                  f"rules alone P {rp:.3f} R {rr:.3f} F1 {rf:.3f}   spaCy alone F1 {sf:.3f}", flush=True)
            if args.user_path:
                with tempfile.TemporaryDirectory() as tmp:
                    model.save(Path(tmp) / "press_entities.json.gz")
                    ucounts = user_path_counts(Path(tmp) / "press_entities.json.gz", k)
                for t in ENTITY_TYPES:
                    for j in range(3):
                        pooled_user[t][j] += ucounts[t][j]
                user_f1.append(prf(*[sum(c[j] for c in ucounts.values()) for j in range(3)])[2])
                print(f"fold {k}: through textlens run + export: learned F1 {user_f1[-1]:.3f}", flush=True)
        print(f"\nmean over held-out folds {args.folds}: learned micro-F1 {sum(fold_f1) / len(fold_f1):.3f}   "
              f"rules alone {sum(rules_f1) / len(rules_f1):.3f}   spaCy alone {sum(spacy_f1) / len(spacy_f1):.3f}")
        print_table("learned, held-out folds pooled", pooled)
        print_table("rules alone, held-out folds pooled", pooled_rules)
        if user_f1:
            print(f"\nthrough textlens run + export, mean over held-out folds: {sum(user_f1) / len(user_f1):.3f}")
            print_table("through textlens run + export, held-out folds pooled", pooled_user)
        return
    model = train(nlp, ids, docs, entities)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    model.save(args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
