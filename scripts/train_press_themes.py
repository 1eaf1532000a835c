"""Train the learned press theme model (textlens/themes/press_model.py) and measure it on held-out folds.

    .venv/bin/python scripts/train_press_themes.py                    # 5-fold figures, then ship the all-data model
    .venv/bin/python scripts/train_press_themes.py --no-write         # figures only
    .venv/bin/python scripts/train_press_themes.py --fold-models DIR  # also DIR/fold{k}.json, trained without fold k

Labelled data: ../shared/data/press_dev (gold.jsonl, folds 0-4: the test) and our own annotations of its
unlabelled archive (scripts/data/press_archive_gold.jsonl: training only, never a test). Texts are read as a
user's run reads them (`textlens ingest` of id + text: cleaning, furniture removal, passages), then the product's
own article scorer (`ThemeAnalyzer().scorer("article")`: taxonomy + e5) gives each passage its parts.
For each held-out fold k the model is fitted on the archive plus the four other folds (C chosen by inner CV on those
only) and scored on fold k, beside two anchors fitted on the same data: TF-IDF word+char n-grams + one-vs-rest
logistic regression, and the taxonomy alone (today's default).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
SHARED = Path(os.environ.get("TEXTLENS_SHARED", ROOT.parent / "shared"))
PRESS = SHARED / "data" / "press_dev"
ARCHIVE_LABELS = ROOT / "scripts" / "data" / "press_archive_gold.jsonl"
CS = (0.05, 0.2, 1.0)  # choose_c (scripts/train_aspects.py uses it)
SETTINGS_CS = (0.03, 0.1, 0.3)
ARCHIVE_WEIGHTS = (1.0, 0.5, 0.25)
TEXT_CS = (3.0, 10.0, 30.0)  # the hashed-words part (textlens/themes/press_text.py)
TEXT_WEIGHTS = (0.0, 0.25, 0.5, 0.65)  # its share in the average; 0: the words part is left out
CUT_ARCHIVE_WEIGHTS = (0.25, 0.5, 1.0)  # the archive's weight when the thresholds are cut

import train_dating  # noqa: E402  (load_press, run_user_path: the user's path)
from eval_entities import prf  # noqa: E402

from textlens.themes.press_files import shipped_model_path  # noqa: E402
from textlens.themes.press_model import PressThemeModel, doc_features  # noqa: E402


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


def load_archive(labels_path: Path) -> tuple[list[dict], dict[str, dict]]:
    texts = {d["id"]: d for d in map(json.loads, (PRESS / "archive.jsonl").open(encoding="utf-8"))}
    labels = {}
    if labels_path.exists():
        for line in labels_path.open(encoding="utf-8"):
            if line.strip():
                rec = json.loads(line)
                if rec["id"] in texts and rec.get("note") not in ("broken page",):
                    labels[rec["id"]] = rec
    return [texts[i] for i in labels], labels


def features_for(docs: list[dict], workdir: Path) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Cleaned text and feature vector of every document, through `textlens ingest` and the product's scorer."""
    from textlens.store import Corpus
    from textlens.themes.analyzer import ThemeAnalyzer

    workdir.mkdir(parents=True, exist_ok=True)
    records = train_dating.run_user_path(docs, workdir, env={"TEXTLENS_DATE_MODEL": "off"})
    analyzer = ThemeAnalyzer()
    scorer = analyzer.scorer("article")
    support = scorer.taxonomy.scoring.doc_support
    feats: dict[str, np.ndarray] = {}
    with Corpus.open(workdir / "press.db") as corpus:
        for doc in docs:
            passages = [p.text for p in corpus.passages(doc["id"])]
            parts = scorer.parts(passages, corpus) if passages else scorer.parts([""], None)
            feats[doc["id"]] = doc_features(parts, support)
    return feats, {i: r["text"] for i, r in records.items()}


def cached_features(docs: list[dict], cache: Path | None) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """`features_for`, kept per document in `cache` (an .npz beside a .json of texts): the next run computes only
    the documents it does not hold yet (or whose text changed)."""
    feats: dict[str, np.ndarray] = {}
    texts: dict[str, str] = {}
    key: dict[str, int] = {}
    if cache is not None and cache.exists() and cache.with_suffix(".json").exists():
        meta = json.loads(cache.with_suffix(".json").read_text(encoding="utf-8"))
        arrays = np.load(cache)
        for doc in docs:
            i = doc["id"]
            if meta["key"].get(i) == len(doc["text"]) and i in arrays.files:
                feats[i], texts[i], key[i] = arrays[i], meta["texts"][i], len(doc["text"])
    missing = [d for d in docs if d["id"] not in feats]
    if missing:
        with tempfile.TemporaryDirectory() as tmp:
            new_feats, new_texts = features_for(missing, Path(tmp))
        feats.update(new_feats)
        texts.update({d["id"]: new_texts[d["id"]] for d in missing})
        key.update({d["id"]: len(d["text"]) for d in missing})
        if cache is not None:
            np.savez(cache, **feats)
            cache.with_suffix(".json").write_text(json.dumps({"key": key, "texts": texts}), encoding="utf-8")
    return feats, texts


def load_seeds() -> tuple[list[dict], dict[str, dict]]:
    """The five real editorials of ../shared/seeds with their gold: labelled press texts for the shipped model."""
    gold_path = SHARED / "gold" / "seeds_gold.jsonl"
    if not gold_path.exists():
        return [], {}
    gold = {g["id"]: g for g in map(json.loads, gold_path.open(encoding="utf-8")) if g.get("themes") is not None}
    docs = [{"id": i, "text": (SHARED / "seeds" / f"{i}.txt").read_text(encoding="utf-8")} for i in gold
            if (SHARED / "seeds" / f"{i}.txt").exists()]
    return docs, {d["id"]: gold[d["id"]] for d in docs}


def taxonomy_alone(x_rows: np.ndarray, classes: list[str], scorer_threshold: float, n_themes: int) -> list[set[str]]:
    """Today's default decision read back from the features: document score (block 6) over the taxonomy's cut."""
    block = x_rows[:, 5 * n_themes: 6 * n_themes]
    return [{classes[j] for j in np.flatnonzero(row >= scorer_threshold)} for row in block]


def choose_c(x: np.ndarray, y: np.ndarray, classes: list[str]) -> float:
    """C with the best micro-F1 in 3-fold CV over the training rows only (thresholds from 3 inner folds)."""
    from sklearn.model_selection import KFold

    best = (-1.0, CS[0])
    for c_value in CS:
        preds = np.zeros_like(y, dtype=bool)
        for tr, te in KFold(3, shuffle=True, random_state=1).split(x):
            model = PressThemeModel(C=c_value, cv=3).fit(x[tr], y[tr], classes)
            preds[te] = model.predict(x[te])
        micro = theme_scores([set(np.array(classes)[p]) for p in preds],
                             [set(np.array(classes)[g.astype(bool)]) for g in y], classes)[0]
        best = max(best, (micro, c_value))
    return best[1]


def inner_groups(ids: list[str], fold_of: dict[str, int]) -> np.ndarray:
    """Inner CV groups: each press_dev fold present is one group; archive texts (no fold) are dealt to the same
    number of groups by a fixed draw, so every inner fit trains on archive texts as the real one does."""
    folds = sorted({fold_of[i] for i in ids if i in fold_of})
    draw = np.random.RandomState(0).randint(len(folds), size=len(ids))
    return np.array([folds.index(fold_of[i]) if i in fold_of else draw[n] for n, i in enumerate(ids)])


def oof_proba(x: np.ndarray, y: np.ndarray, weight: np.ndarray, groups: np.ndarray, c_value: float) -> np.ndarray:
    """Out-of-fold probability of every theme for every row, one inner fold per group (thresholds left aside)."""
    from sklearn.linear_model import LogisticRegression

    out = np.zeros(y.shape)
    for g in np.unique(groups):
        tr, te = groups != g, groups == g
        mean, scale = x[tr].mean(axis=0), x[tr].std(axis=0) + 1e-6
        for j in range(y.shape[1]):
            if 0 < y[tr, j].sum() < tr.sum():
                clf = LogisticRegression(C=c_value, class_weight="balanced", max_iter=3000)
                clf.fit((x[tr] - mean) / scale, y[tr, j], sample_weight=weight[tr])
                out[te, j] = clf.predict_proba((x[te] - mean) / scale)[:, 1]
    return out


def inner_micro(proba: np.ndarray, y: np.ndarray, weight: np.ndarray, target: np.ndarray,
                groups: np.ndarray | None = None) -> float:
    """Micro-F1 on the `target` rows of out-of-fold probabilities, each theme cut at its best threshold as
    `PressThemeModel.fit` cuts (rows counted with their weights). With `groups`, the cuts applied to a group's rows
    are chosen on the other groups' rows only: a setting that moves the cuts (the archive's weight in them) is then
    judged on rows that did not choose them."""
    from textlens.themes.press_model import best_threshold

    parts = [(np.ones(len(y), dtype=bool), np.ones(len(y), dtype=bool))] if groups is None else [
        (groups != g, groups == g) for g in np.unique(groups)]
    tp = predicted = 0
    for cut_rows, scored in parts:
        cuts = np.array([best_threshold(proba[cut_rows, j], y[cut_rows, j], weight[cut_rows])
                         for j in range(y.shape[1])])
        rows = scored & target
        pred = proba[rows] >= cuts
        tp += int((pred & (y[rows] == 1)).sum())
        predicted += int(pred.sum())
    return 2 * tp / max(predicted + int(y[target].sum()), 1)


def choose_settings(x: np.ndarray, y: np.ndarray, target: np.ndarray, groups: np.ndarray
                    ) -> tuple[float, float, float]:
    """C and the archive's sample weight with the best micro-F1 on the `target` rows (texts labelled by the gold's
    annotators, not our archive labels) of an inner CV over the training rows only (`groups` from `inner_groups`),
    scored by `inner_micro`.
    Returns (C, archive weight, inner micro-F1)."""
    best = (-1.0, SETTINGS_CS[0], ARCHIVE_WEIGHTS[0])
    for c_value in SETTINGS_CS:
        for arch_weight in ARCHIVE_WEIGHTS:
            weight = np.where(target, 1.0, arch_weight)
            micro = inner_micro(oof_proba(x, y, weight, groups, c_value), y, weight, target, groups)
            best = max(best, (micro, c_value, arch_weight))
    return best[1], best[2], best[0]


def choose_text_settings(x: np.ndarray, y: np.ndarray, texts: list[str], weight: np.ndarray, target: np.ndarray,
                         groups: np.ndarray, c_value: float) -> tuple[float, float, float, float]:
    """The words part's C, its share in the average (0 leaves it out) and the archive's weight in cutting the
    thresholds (our archive labels put fewer themes per text than the gold's hand: weighed as in training they pull
    the cuts up), by the same inner CV as `choose_settings`, the theme model's settings fixed.
    Returns (text C, text weight, archive weight in the cuts, inner micro-F1)."""
    from textlens.themes.press_text import HashedTextThemes

    theme_oof = oof_proba(x, y, weight, groups, c_value)
    best = (-1.0, TEXT_CS[0], 0.0, 1.0)
    for cut_archive in CUT_ARCHIVE_WEIGHTS:
        cut_weight = np.where(target, 1.0, cut_archive)
        best = max(best, (inner_micro(theme_oof, y, cut_weight, target, groups), TEXT_CS[0], 0.0, cut_archive))
    for text_c in TEXT_CS:
        text_oof = np.zeros(y.shape)
        for g in np.unique(groups):
            tr, te = np.flatnonzero(groups != g), np.flatnonzero(groups == g)
            part = HashedTextThemes(C=text_c).fit([texts[i] for i in tr], y[tr], sample_weight=weight[tr])
            text_oof[te] = part.predict_proba([texts[i] for i in te])
        for share in TEXT_WEIGHTS[1:]:
            for cut_archive in CUT_ARCHIVE_WEIGHTS:
                micro = inner_micro((1 - share) * theme_oof + share * text_oof, y, np.where(target, 1.0, cut_archive),
                                    target, groups)
                best = max(best, (micro, text_c, share, cut_archive))
    return best[1], best[2], best[3], best[0]


def fit_chosen(x: np.ndarray, y: np.ndarray, classes: list[str], ids: list[str], fold_of: dict[str, int],
               archive_ids: set[str], texts: list[str] | None = None) -> PressThemeModel:
    """The model with the settings `choose_settings` picks, judged on the texts labelled by the gold's annotators
    (all but our archive labels, whose hand puts fewer themes per text: 1.96 against 2.4); with `texts` (one per
    row), the words part's settings too (`choose_text_settings`)."""
    target = np.array([i not in archive_ids for i in ids])
    groups = inner_groups(ids, fold_of)
    c_value, arch_weight, inner = choose_settings(x, y, target, groups)
    weight = np.where(target, 1.0, arch_weight)
    text_c, share, cut_archive = TEXT_CS[0], 0.0, arch_weight
    if texts is not None:
        text_c, share, cut_archive, inner = choose_text_settings(x, y, texts, weight, target, groups, c_value)
    model = PressThemeModel(C=c_value, text_weight=share, text_C=text_c).fit(
        x, y, classes, sample_weight=weight, texts=texts, cut_weight=np.where(target, 1.0, cut_archive))
    model.meta_ = {"C": c_value, "archive_weight": arch_weight, "text_C": text_c, "text_weight": share,
                   "archive_weight_in_cuts": cut_archive, "inner_cv_micro_f1": round(inner, 4)}
    return model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--fold-models", type=Path)
    parser.add_argument("--labels", type=Path, default=ARCHIVE_LABELS, help="our archive annotations")
    parser.add_argument("--cache", type=Path, help="keep the texts' features in this .npz for later runs")
    parser.add_argument("--out", type=Path, help="where to write the all-data model (default: the shipped file)")
    parser.add_argument("--folds", type=int, nargs="*", default=[0, 1, 2, 3, 4],
                        help="held-out folds to measure (none: only fit and write the shipped model)")
    args = parser.parse_args()
    from textlens.themes.analyzer import ThemeAnalyzer

    docs, gold = train_dating.load_press()
    archive_docs, archive_gold = load_archive(args.labels)
    tax = ThemeAnalyzer().by_kind["article"]
    classes = list(tax.ids)
    seed_docs, seed_gold = load_seeds() if not args.folds else ([], {})  # shipped model only
    feats, texts = cached_features(docs + archive_docs + seed_docs, args.cache)
    labels = {**{i: g["themes"] for i, g in gold.items()}, **{i: g["themes"] for i, g in archive_gold.items()},
              **{i: g["themes"] for i, g in seed_gold.items()}}

    def matrix(ids: list[str]) -> tuple[np.ndarray, np.ndarray]:
        return (np.stack([feats[i] for i in ids]),
                np.array([[c in labels[i] for c in classes] for i in ids], dtype=int))

    arch_ids = [d["id"] for d in archive_docs]
    fold_of = {d["id"]: d["fold"] for d in docs}
    print(f"{len(docs)} press_dev texts (test folds), {len(arch_ids)} annotated archive texts (training only), "
          f"{len(classes)} themes, {feats[docs[0]['id']].size} features")
    rows = {"learned (textlens)": [], "TF-IDF + LR anchor": [], "taxonomy alone (before)": []}
    per_theme: dict[str, list[float]] = {c: [] for c in classes}
    if args.fold_models:
        args.fold_models.mkdir(parents=True, exist_ok=True)
    for held in args.folds:
        train_ids = arch_ids + [d["id"] for d in docs if d["fold"] != held]
        test_ids = [d["id"] for d in docs if d["fold"] == held]
        x_tr, y_tr = matrix(train_ids)
        x_te, y_te = matrix(test_ids)
        model = fit_chosen(x_tr, y_tr, classes, train_ids, fold_of, set(arch_ids), [texts[i] for i in train_ids])
        c_value = (f"{model.C} archive weight {model.meta_['archive_weight']} words C {model.text_C} "
                   f"share {model.text_weight} archive weight in cuts {model.meta_['archive_weight_in_cuts']}")
        if args.fold_models:
            model.save(args.fold_models / f"fold{held}.json")
        gold_sets = [set(labels[i]) for i in test_ids]
        pred = [set(np.array(classes)[p]) for p in model.predict(x_te, [texts[i] for i in test_ids])]
        micro, macro, per = theme_scores(pred, gold_sets, classes)
        for c, f1 in per.items():
            per_theme[c].append(f1)
        anchor = themes_anchor([(texts[i], set(labels[i])) for i in train_ids], [texts[i] for i in test_ids], classes)
        taxo = taxonomy_alone(x_te, classes, tax.scoring.doc_threshold, len(classes))
        rows["learned (textlens)"].append((micro, macro))
        rows["TF-IDF + LR anchor"].append(theme_scores(anchor, gold_sets, classes)[:2])
        rows["taxonomy alone (before)"].append(theme_scores(taxo, gold_sets, classes)[:2])
        print(f"  fold {held}: C={c_value}  learned {micro:.3f}/{macro:.3f}  anchor "
              f"{rows['TF-IDF + LR anchor'][-1][0]:.3f}/{rows['TF-IDF + LR anchor'][-1][1]:.3f}  taxonomy "
              f"{rows['taxonomy alone (before)'][-1][0]:.3f}/{rows['taxonomy alone (before)'][-1][1]:.3f}\n"
              f"    per theme {json.dumps({c: round(f1, 3) for c, f1 in per.items()})}", flush=True)
    print(f"\nthemes, mean of held-out folds {args.folds}  micro-F1  macro-F1")
    for name, vals in rows.items() if args.folds else ():
        print(f"  {name:<40} {np.mean([v[0] for v in vals]):8.3f}  {np.mean([v[1] for v in vals]):8.3f}")
    print(f"\nper theme F1 (learned) over held-out folds {args.folds}: mean, min and each fold")
    for c in classes:
        if per_theme[c]:
            print(f"  {c:<28} {np.mean(per_theme[c]):.3f}  {min(per_theme[c]):.3f}  "
                  + " ".join(f"{v:.2f}" for v in per_theme[c]))
    if not args.no_write:
        all_ids = arch_ids + [d["id"] for d in docs] + [d["id"] for d in seed_docs]
        x, y = matrix(all_ids)
        model = fit_chosen(x, y, classes, all_ids, fold_of, set(arch_ids), [texts[i] for i in all_ids])
        model.meta_.update({"trained_on": f"{len(arch_ids)} annotated archive texts + press_dev folds 0-4 + "
                                          f"{len(seed_docs)} seed editorials",
                            "script": "scripts/train_press_themes.py", "taxonomy": f"{tax.name}:{tax.sha1}"})
        out = args.out or shipped_model_path()
        out.parent.mkdir(parents=True, exist_ok=True)
        model.save(out)
        print(f"\nwrote {out} (settings {model.meta_})")


if __name__ == "__main__":
    main()
