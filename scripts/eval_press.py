"""Press analyses on real texts, the user's way: 5 held-out folds of ../shared/data/press_dev.

    .venv/bin/python scripts/eval_press.py              # textlens run + export per fold, every figure, anchors beside
    .venv/bin/python scripts/eval_press.py --folds 3 4  # some folds only

For each fold k, the fold's texts (a JSONL of id + text, as a user's scraped corpus) go through `textlens run`
(topic discovery left out: no figure here uses it) and `textlens export`, with every learned part that has
per-fold models trained on the four other folds: today the publication-date scorer (`scripts/train_dating.py
--fold-models`). Themes, entities, figures and tone come from the shipped components, whose rules and lists were
not fitted on press_dev. Printed as the mean over the held-out folds, next to plain anchors:
- themes: TF-IDF word+char n-grams + one-vs-rest logistic regression trained on the other folds;
- publication year: the first four-digit year of the text;
- tone: the majority tone of the other folds.
Entities are compared per document and type as scripts/eval_entities.py does (KB aliases, fuzzy >= 90).
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
from eval_entities import match_sets, norm, prf  # noqa: E402

from textlens.entities.kb import ENTITY_TYPES, load_kb  # noqa: E402


def theme_scores(pred: list[set[str]], gold: list[set[str]], labels: list[str]) -> tuple[float, float, dict]:
    per = {}
    tot = [0, 0, 0]
    for lab in labels:
        tp = sum(lab in p and lab in g for p, g in zip(pred, gold))
        fp = sum(lab in p and lab not in g for p, g in zip(pred, gold))
        fn = sum(lab not in p and lab in g for p, g in zip(pred, gold))
        tot = [a + b for a, b in zip(tot, (tp, fp, fn))]
        if tp + fn:
            per[lab] = prf(tp, fp, fn)[2]
    return prf(*tot)[2], float(np.mean(list(per.values()))) if per else 0.0, per


def themes_anchor(train: list[tuple[str, set[str]]], test_texts: list[str], labels: list[str]) -> list[set[str]]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    out: list[set[str]] = [set() for _ in test_texts]
    texts = [t for t, _ in train]
    for lab in labels:
        y = [lab in g for _, g in train]
        if sum(y) < 2 or sum(y) == len(y):
            continue
        model = make_pipeline(
            make_union(TfidfVectorizer(sublinear_tf=True, min_df=2),
                       TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2)),
            LogisticRegression(C=10, class_weight="balanced", max_iter=2000))
        model.fit(texts, y)
        for i, p in enumerate(model.predict(test_texts)):
            if p:
                out[i].add(lab)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--folds", type=int, nargs="*", default=[0, 1, 2, 3, 4])
    args = parser.parse_args()
    docs, gold = train_dating.load_press()
    kb = load_kb()
    labels = sorted({t for g in gold.values() for t in g["themes"]})
    fig: dict[str, list] = defaultdict(list)
    ent_counts = {t: [0, 0, 0] for t in ENTITY_TYPES}
    ent_fold_f1: list[float] = []
    per_theme: dict[str, list[float]] = defaultdict(list)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "all").mkdir()
        with_text = train_dating.run_user_path(docs, tmp / "all", env={"TEXTLENS_DATE_MODEL": "off"})
        rows = {d["id"]: train_dating.doc_rows(with_text[d["id"]]["text"], gold[d["id"]]) for d in docs}
        names = train_dating.feature_names(list(rows.values()))
        for k in args.folds:
            test = [d for d in docs if d["fold"] == k]
            train_rows = [rows[d["id"]] for d in docs if d["fold"] != k]
            c_value, threshold = train_dating.choose(train_rows, names)
            model = train_dating.fit(train_rows, names, c_value, threshold)
            model.meta["infer"] = train_dating.choose_inference(train_rows)
            model_path = tmp / f"date_fold{k}.json"
            model_path.write_text(json.dumps(model.to_dict()))
            (tmp / f"f{k}").mkdir()
            export = train_dating.run_user_path(test, tmp / f"f{k}", env={"TEXTLENS_DATE_MODEL": str(model_path)},
                                                command="run")
            # themes
            pred = [{t["id"] for t in export[d["id"]].get("themes") or []} for d in test]
            gsets = [set(gold[d["id"]]["themes"]) for d in test]
            micro, macro, per = theme_scores(pred, gsets, labels)
            fig["themes micro-F1"].append(micro), fig["themes macro-F1"].append(macro)
            for lab, f1 in per.items():
                per_theme[lab].append(f1)
            train_docs = [(with_text[d["id"]]["text"], set(gold[d["id"]]["themes"])) for d in docs if d["fold"] != k]
            anchor = themes_anchor(train_docs, [with_text[d["id"]]["text"] for d in test], labels)
            a_micro, a_macro, _ = theme_scores(anchor, gsets, labels)
            fig["anchor themes micro-F1 (TF-IDF+LR)"].append(a_micro)
            fig["anchor themes macro-F1 (TF-IDF+LR)"].append(a_macro)
            # entities
            fold_counts = [0, 0, 0]
            for d in test:
                gents = gold[d["id"]].get("entities") or {}
                pents = export[d["id"]].get("entities") or []
                for etype in ENTITY_TYPES:
                    gset = {norm(n, kb) for n in gents.get(etype, [])}
                    pset = {norm(e["name"], kb) for e in pents if e["type"] == etype}
                    tp, fps, fns = match_sets(pset, gset)
                    for i, v in enumerate((tp, len(fps), len(fns))):
                        ent_counts[etype][i] += v
                        fold_counts[i] += v
            fig["typed entities micro-F1"].append(prf(*fold_counts)[2])
            # figures (recall of annotated key statistics: value as written, spaces ignored)
            found = total = 0
            for d in test:
                gvals = {str(f.get("value", "")).replace(" ", "").replace("\u202f", "") for f in gold[d["id"]].get("figures") or []}
                pvals = {str(f.get("value", "")).replace(" ", "").replace("\u202f", "") for f in export[d["id"]].get("figures") or []}
                found += len(gvals & pvals)
                total += len(gvals)
            fig["key figures recall"].append(found / total if total else np.nan)
            # dates, through the export
            decisions = [(export[d["id"]].get("year") or export[d["id"]].get("year_inferred"),
                          "text" if export[d["id"]].get("year_source") == "text" else
                          ("inferred" if export[d["id"]].get("year_inferred") else None)) for d in test]
            trows = [rows[d["id"]] for d in test]
            dates = train_dating.figures(trows, decisions)
            fig["year: texts that write their own date"].append(dates["explicit_acc"])
            fig["year: best estimate, datable texts"].append(dates["best_estimate"])
            fig["false 'text' dates on undated texts (sum)"].append(dates["false_text"])
            a_dates = train_dating.figures(trows, train_dating.anchor(trows))
            fig["anchor year own date (first 4-digit year)"].append(a_dates["explicit_acc"])
            fig["anchor best estimate (first 4-digit year)"].append(a_dates["best_estimate"])
            fig["anchor false text dates (first 4-digit year)"].append(a_dates["false_text"])
            # tone
            tones = [(export[d["id"]].get("sentiment") or {}).get("label") for d in test]
            gold_tones = [gold[d["id"]].get("tone") for d in test]
            fig["tone accuracy"].append(np.mean([p == g for p, g in zip(tones, gold_tones)]))
            majority = Counter(gold[d["id"]].get("tone") for d in docs if d["fold"] != k).most_common(1)[0][0]
            fig["anchor tone (majority class)"].append(np.mean([majority == g for g in gold_tones]))
            print(f"fold {k}: {len(test)} texts  themes {micro:.3f}/{macro:.3f}  entities {prf(*fold_counts)[2]:.3f}  "
                  f"figures {fig['key figures recall'][-1]:.3f}  own date {dates['explicit_acc']:.3f}  "
                  f"best year {dates['best_estimate']:.3f}  false text dates {dates['false_text']}  "
                  f"tone {fig['tone accuracy'][-1]:.3f}", flush=True)
    print(f"\nmean over held-out folds {args.folds} (false text dates: summed)")
    for name, values in fig.items():
        value = np.nansum(values) if "false" in name else np.nanmean(values)
        print(f"  {name:<48} {value:.3f}" if "false" not in name else f"  {name:<48} {int(value)}")
    print("\nper theme F1 (mean over folds where the theme occurs)")
    for lab in labels:
        if per_theme[lab]:
            print(f"  {lab:<32} {np.mean(per_theme[lab]):.3f}")
    print("\nper entity type (all held-out folds pooled): P R F1 tp fp fn")
    for etype in ENTITY_TYPES:
        tp, fp, fn = ent_counts[etype]
        if tp + fp + fn:
            p, r, f1 = prf(tp, fp, fn)
            print(f"  {etype:<16}{p:7.3f}{r:7.3f}{f1:7.3f}{tp:6d}{fp:6d}{fn:6d}")


if __name__ == "__main__":
    main()
