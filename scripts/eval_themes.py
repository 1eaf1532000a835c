"""Evaluate (and calibrate) taxonomy themes and verbatim aspects against the development gold.

    .venv/bin/python scripts/eval_themes.py                  # figures with the shipped taxonomies
    .venv/bin/python scripts/eval_themes.py --calibrate      # grid-search the [scoring] weights
    .venv/bin/python scripts/eval_themes.py --encoder none   # lexical-only fast tier
    .venv/bin/python scripts/eval_themes.py --export out.jsonl   # score a `textlens export` (JSONL) instead
    .venv/bin/python scripts/eval_themes.py --pipeline       # run textlens (themes only) on the gold inputs, score the export

Document themes: ../shared/gold/seeds_gold.jsonl (5 real seeds) and corpora/demo/gold_articles_{a,b}.jsonl.
Aspects: scripts/data/dev_aspects_gold.jsonl (300 real reviews of dev.csv, annotated by us; the first
150 are used for calibration, the last 150 are reported as held out) and corpora/demo/gold_verbatims.jsonl.
Texts are read from ../shared and corpora/demo at run time; embeddings are cached in --db.
"""
from __future__ import annotations

import argparse
import itertools
import json
import re
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared"
if not SHARED.exists():
    SHARED = Path("/work/shared")
DEMO = ROOT / "corpora" / "demo"

from textlens.analysis.segment import split_passages  # noqa: E402
from textlens.themes.scoring import ThemeScorer, doc_scores  # noqa: E402
from textlens.themes.taxonomy import load_taxonomy  # noqa: E402


# ---- reading ---------------------------------------------------------------------------------
def clean_article(raw: str, suffix: str) -> str:
    """The product's own cleaning when available (furniture removal, HTML extraction), else the raw text."""
    text = raw
    try:
        if suffix in (".html", ".htm"):
            from textlens.ingest.html import extract_html

            text = extract_html(raw).text
        elif suffix == ".md":
            from textlens.ingest.clean import markdown_to_text, split_front_matter

            text = markdown_to_text(split_front_matter(raw)[1])
        from textlens.ingest.furniture import remove_furniture

        text = remove_furniture(text).text
    except Exception as exc:  # noqa: BLE001 - cleaning is best effort here; say so
        print(f"  (cleaning unavailable for {suffix}: {type(exc).__name__}: {exc}; raw text used)", file=sys.stderr)
    return text


def load_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def article_sets() -> dict[str, list[tuple[str, str, set[str]]]]:
    """name -> [(doc id, text, gold themes)]."""
    sets: dict[str, list[tuple[str, str, set[str]]]] = {}
    gold = SHARED / "gold" / "seeds_gold.jsonl"
    if gold.exists():
        rows = []
        for g in load_jsonl(gold):
            f = SHARED / "seeds" / f"{g['id']}.txt"
            rows.append((g["id"], clean_article(f.read_text(encoding="utf-8"), ".txt"), set(g["themes"])))
        sets["seeds"] = rows
    for part in ("a", "b"):
        gp = DEMO / f"gold_articles_{part}.jsonl"
        if gp.exists():
            rows = []
            for g in load_jsonl(gp):
                f = DEMO / "articles" / g["file"]
                if f.exists():
                    rows.append((g["file"], clean_article(f.read_text(encoding="utf-8"), f.suffix), set(g["themes"])))
            sets[f"demo_articles_{part}"] = rows
    return sets


def verbatim_sets() -> dict[str, list[tuple[str, str, set[str]]]]:
    import pandas as pd

    sets: dict[str, list[tuple[str, str, set[str]]]] = {}
    gp = ROOT / "scripts" / "data" / "dev_aspects_gold.jsonl"
    dev = SHARED / "data" / "verbatims_assurance" / "dev.csv"
    if gp.exists() and dev.exists():
        text = pd.read_csv(dev).set_index("id")["text"]
        gold = load_jsonl(gp)
        rows = [(g["id"], str(text[g["id"]]), {a["id"] for a in g["aspects"]}) for g in gold]
        sets["dev_calib"] = rows[:150]
        sets["dev_heldout"] = rows[150:]
    gv = DEMO / "gold_verbatims.jsonl"
    if gv.exists() and (DEMO / "verbatims.csv").exists():
        text = pd.read_csv(DEMO / "verbatims.csv").set_index("id")["text"]
        sets["demo_verbatims"] = [(g["id"], str(text[g["id"]]), {a["id"] for a in g["aspects"]})
                                  for g in load_jsonl(gv) if g["id"] in text.index]
    return sets


# ---- features and metrics ----------------------------------------------------------------------
class Features:
    """Per document: passage lexical evidence, similarity z-scores and word counts (computed once)."""

    def __init__(self, scorer: ThemeScorer, docs: list[tuple[str, str, set[str]]], store=None):
        self.docs = docs
        self.passages = [[p.text for p in split_passages(d, t)] or [t] for d, t, _ in docs]
        flat = [p for ps in self.passages for p in ps]
        self.strong, self.weak = scorer.lexical_parts(flat)
        self.sim = scorer.similarity(scorer.embed(flat, store)) if scorer.encoder is not None else None
        self.words = np.asarray([len(re.findall(r"\w+", p)) for p in flat])
        self.bounds = np.cumsum([0] + [len(ps) for ps in self.passages])

    def doc_scores(self, scorer: ThemeScorer) -> np.ndarray:
        lex = scorer.join_parts(self.strong, self.weak)
        ps = scorer.combine(lex, self.sim, self.words)
        sup = scorer.taxonomy.scoring.doc_support
        return np.stack([doc_scores(ps[a:b], sup) for a, b in zip(self.bounds[:-1], self.bounds[1:])])


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def evaluate(pred: list[set[str]], gold: list[set[str]], ids: list[str]) -> dict:
    per = {}
    for t in ids:
        tp = sum(1 for p, g in zip(pred, gold) if t in p and t in g)
        fp = sum(1 for p, g in zip(pred, gold) if t in p and t not in g)
        fn = sum(1 for p, g in zip(pred, gold) if t not in p and t in g)
        per[t] = (tp, fp, fn)
    tp, fp, fn = (sum(v[i] for v in per.values()) for i in range(3))
    micro = prf(tp, fp, fn)
    present = [t for t in ids if per[t][0] + per[t][2] > 0]
    macro = float(np.mean([prf(*per[t])[2] for t in present])) if present else 0.0
    return {"micro": micro, "macro_f1": macro, "per": per}


def predict(feats: Features, scorer: ThemeScorer) -> list[set[str]]:
    ds = feats.doc_scores(scorer)
    th = scorer.taxonomy.scoring.doc_threshold
    return [{scorer.taxonomy.ids[j] for j in np.flatnonzero(row >= th)} for row in ds]


def report(name: str, feats: Features, scorer: ThemeScorer, per_theme: bool = True) -> dict:
    gold = [g for _, _, g in feats.docs]
    res = evaluate(predict(feats, scorer), gold, scorer.taxonomy.ids)
    p, r, f = res["micro"]
    print(f"{name:<16} n={len(gold):<4} micro P={p:.3f} R={r:.3f} F1={f:.3f}   macro-F1={res['macro_f1']:.3f}")
    if per_theme:
        for t, (tp, fp, fn) in res["per"].items():
            if tp + fp + fn:
                pp, rr, ff = prf(tp, fp, fn)
                print(f"    {t:<22} P={pp:.2f} R={rr:.2f} F1={ff:.2f}  (tp={tp} fp={fp} fn={fn})")
    return res


def calibrate(scorer: ThemeScorer, feats: list[Features]) -> ThemeScorer:
    """Grid search of the [scoring] weights maximising the mean of micro- and macro-F1 over `feats`."""
    sc = scorer.taxonomy.scoring
    best, best_val = sc, -1.0
    emb_grid = [0.0, 0.5, 1.0, 1.5, 2.0] if scorer.encoder is not None else [0.0]
    support_grid = [0.0, 0.3, 0.6, 1.0] if max(len(ps) for fe in feats for ps in fe.passages) > 3 else [0.0]
    for lw, ew, b, th, ww, sup, cap in itertools.product(
        [2.5, 3.5, 5.0, 7.0], emb_grid, [-5.0, -4.0, -3.0, -2.0, -1.0], [0.4, 0.5, 0.6, 0.7], [0.3, 0.5], support_grid,
        [1.0, 3.0],
    ):
        cand = replace(sc, lex_weight=lw, emb_weight=ew, bias=b, doc_threshold=th, threshold=th, weak_weight=ww,
                       doc_support=sup, weak_cap=cap)
        s = ThemeScorer(replace(scorer.taxonomy, scoring=cand), scorer.encoder)
        vals = []
        for fe in feats:
            res = evaluate(predict(fe, s), [g for _, _, g in fe.docs], s.taxonomy.ids)
            vals.append(0.5 * res["micro"][2] + 0.5 * res["macro_f1"])
        val = float(np.mean(vals))
        if val > best_val + 1e-9:
            best, best_val = cand, val
    print(f"  best [scoring] for {scorer.taxonomy.name}: lex_weight={best.lex_weight} emb_weight={best.emb_weight} "
          f"bias={best.bias} threshold={best.threshold} weak_weight={best.weak_weight} doc_support={best.doc_support} "
          f"weak_cap={best.weak_cap} "
          f"(objective {best_val:.3f})")
    s = ThemeScorer(replace(scorer.taxonomy, scoring=best), scorer.encoder)
    s._protos, s._owner = scorer._protos, scorer._owner
    return s


def score_export(path: Path) -> None:
    """Score the `themes` / `aspects` fields of an export against every gold file whose ids it contains.

    Export ids are file stems for articles (seeds: "000_b2be...", demo: "01_crm_multicanal") and the
    id column for tables (dev.csv ids, demo "V0001")."""
    records = {r["id"]: r for r in map(json.loads, path.read_text(encoding="utf-8").splitlines()) if r}
    gold_sets = {
        "seeds": (SHARED / "gold" / "seeds_gold.jsonl", "themes", "editorial"),
        "demo_articles_a": (DEMO / "gold_articles_a.jsonl", "themes", "editorial"),
        "demo_articles_b": (DEMO / "gold_articles_b.jsonl", "themes", "editorial"),
        "dev_aspects": (ROOT / "scripts" / "data" / "dev_aspects_gold.jsonl", "aspects", "aspects"),
        "demo_verbatims": (DEMO / "gold_verbatims.jsonl", "aspects", "aspects"),
    }
    print(f"export {path}: {len(records)} records")
    for name, (gpath, field, tax) in gold_sets.items():
        if not gpath.exists():
            continue
        ids, pred, gold = [], [], []
        for g in load_jsonl(gpath):
            gid = g.get("id") or Path(g["file"]).stem
            if gid not in records:
                continue
            labels = g[field]
            gold.append({x["id"] if isinstance(x, dict) else x for x in labels})
            pred.append({x["id"] for x in records[gid].get(field) or []})
            ids.append(gid)
        if not ids:
            continue
        res = evaluate(pred, gold, load_taxonomy(tax).ids)
        p, r, f = res["micro"]
        print(f"{name:<16} n={len(ids):<4} micro P={p:.3f} R={r:.3f} F1={f:.3f}   macro-F1={res['macro_f1']:.3f}")
        for t, (tp, fp, fn) in res["per"].items():
            if tp + fp + fn:
                pp, rr, ff = prf(tp, fp, fn)
                print(f"    {t:<22} P={pp:.2f} R={rr:.2f} F1={ff:.2f}  (tp={tp} fp={fp} fn={fn})")


def run_pipeline(db: Path, out: Path) -> None:
    """Ingest the gold inputs with textlens itself (themes only) and export, as a user would."""
    import tempfile

    import pandas as pd

    from textlens.export import export_records
    from textlens.ingest import IngestOptions
    from textlens.pipeline import run

    inputs = [p for p in (SHARED / "seeds", DEMO / "articles") if p.exists()]
    run(inputs, db, analyses=["themes"], topics=False)
    with tempfile.TemporaryDirectory() as tmp:  # the annotated reviews only, outside the repository
        gp = ROOT / "scripts" / "data" / "dev_aspects_gold.jsonl"
        dev = SHARED / "data" / "verbatims_assurance" / "dev.csv"
        tables = []
        if gp.exists() and dev.exists():
            ids = {g["id"] for g in load_jsonl(gp)}
            df = pd.read_csv(dev)
            tables.append(Path(tmp) / "dev_annotated.csv")
            df[df.id.isin(ids)].to_csv(tables[-1], index=False)
        if (DEMO / "verbatims.csv").exists():
            tables.append(DEMO / "verbatims.csv")
        if tables:
            run(tables, db, IngestOptions(kind="verbatim", id_col="id", text_col="text"), analyses=["themes"],
                topics=False)
    with out.open("w", encoding="utf-8") as f:
        for rec in export_records(db):
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")


def speed(n: int, encoder_name: str | None) -> None:
    """Throughput of aspect scoring on `n` unlabelled real reviews: lexical only, then with embeddings
    (fresh, not from the cache). Medians of 3 runs for the lexical tier."""
    import statistics

    import pandas as pd

    path = SHARED / "data" / "verbatims_assurance" / "unlabeled.csv"
    if not path.exists():
        print("speed: unlabeled.csv not available")
        return
    texts = pd.read_csv(path)["text"].astype(str).head(n).tolist()
    words = sum(len(re.findall(r"\w+", t)) for t in texts)
    tax = load_taxonomy("aspects")
    times = []
    for _ in range(3):
        scorer = ThemeScorer(tax)  # fresh matcher: its word cache starts empty
        t0 = time.perf_counter()
        scorer.score(texts)
        times.append(time.perf_counter() - t0)
    t = statistics.median(times)
    print(f"lexical only     : {len(texts)} reviews in {t:.2f} s = {len(texts) / t:,.0f} reviews/s, {words / t:,.0f} words/s")
    if encoder_name != "none":
        from textlens.embeddings import get_encoder

        enc = get_encoder(encoder_name)
        scorer = ThemeScorer(tax, enc)
        scorer.prototypes()
        t0 = time.perf_counter()
        scorer.score(texts)
        t = time.perf_counter() - t0
        print(f"with {enc.model_id}: {len(texts)} reviews in {t:.2f} s = {len(texts) / t:,.1f} reviews/s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--encoder", default=None, help="embedding model name (default: textlens default); 'none' = lexical only")
    ap.add_argument("--db", default="/tmp/textlens_eval_themes.db", help="store used as embedding cache")
    ap.add_argument("--calibrate", action="store_true", help="grid-search the [scoring] weights on the calibration sets")
    ap.add_argument("--editorial", default="editorial")
    ap.add_argument("--aspects", default="aspects")
    ap.add_argument("--only", choices=("themes", "aspects"), help="evaluate one of the two only")
    ap.add_argument("--export", type=Path, help="score this `textlens export` JSONL file and stop")
    ap.add_argument("--pipeline", action="store_true",
                    help="run textlens (themes only) on the gold inputs into --pipeline-db, export, score the export")
    ap.add_argument("--pipeline-db", type=Path, default=Path("/tmp/textlens_eval_themes_pipeline.db"))
    ap.add_argument("--speed", type=int, metavar="N", help="time aspect scoring on N unlabelled reviews and stop")
    args = ap.parse_args()
    if args.speed:
        speed(args.speed, args.encoder)
        return
    if args.pipeline:
        out = args.pipeline_db.with_suffix(".jsonl")
        t0 = time.perf_counter()
        run_pipeline(args.pipeline_db, out)
        print(f"pipeline + export: {time.perf_counter() - t0:.1f} s -> {out}")
        args.export = out
    if args.export:
        score_export(args.export)
        return

    encoder = None
    store = None
    if args.encoder != "none":
        from textlens.embeddings import get_encoder
        from textlens.store import Corpus

        encoder = get_encoder(args.encoder)
        store = Corpus.open(args.db)
        print(f"encoder: {encoder.model_id}")
    t0 = time.perf_counter()
    for kind, sets, tax_name, calib_names in (
        ("document themes", article_sets(), args.editorial, ("seeds", "demo_articles_a")),
        ("verbatim aspects", verbatim_sets(), args.aspects, ("dev_calib", "demo_verbatims")),
    ):
        if args.only and args.only not in kind:
            continue
        scorer = ThemeScorer(load_taxonomy(tax_name), encoder)
        print(f"\n== {kind} (taxonomy {scorer.taxonomy.name}, {scorer.taxonomy.source})")
        if not sets:
            print("  no gold data found")
            continue
        feats = {name: Features(scorer, docs, store) for name, docs in sets.items()}
        if args.calibrate:
            scorer = calibrate(scorer, [feats[n] for n in calib_names if n in feats])
        for name, fe in feats.items():
            report(name, fe, scorer)
        pooled = [g for fe in feats.values() for *_, g in fe.docs]
        preds = [p for fe in feats.values() for p in predict(fe, scorer)]
        res = evaluate(preds, pooled, scorer.taxonomy.ids)
        print(f"{'ALL':<16} n={len(pooled):<4} micro P={res['micro'][0]:.3f} R={res['micro'][1]:.3f} "
              f"F1={res['micro'][2]:.3f}   macro-F1={res['macro_f1']:.3f}")
    print(f"\n({time.perf_counter() - t0:.1f} s)")


if __name__ == "__main__":
    main()
