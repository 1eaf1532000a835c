"""Train the learned publication-date scorer (textlens/ingest/date_model.py) on the annotated press texts.

    .venv/bin/python scripts/train_dating.py                 # 5-fold held-out figures, then ship the all-fold model
    .venv/bin/python scripts/train_dating.py --no-write      # figures only
    .venv/bin/python scripts/train_dating.py --fold-models DIR   # also write DIR/fold{k}.json (trained without fold k)

Data: ../shared/data/press_dev (docs.jsonl + gold.jsonl, fixed folds 0-4). The texts are read the way a user's
run reads them: `textlens ingest` of a JSONL of id + text (scraped pages with their menus), then `textlens export
--with-text`; candidates are the dates of the cleaned texts' header area (`dating.date_candidates(every=True)`).
A candidate is positive when the gold says the text dates itself (`year_explicit`) and its year is the gold year.
For each held-out fold the model (regularisation C and decision threshold chosen by inner cross-validation on the
other four folds only) decides the documents no explicit rule dates; figures are printed beside the rules alone and
the trivial anchor (first four-digit year of the text). The rules' feature design was read on folds 0-2 only:
folds 3-4 are also printed apart as the cleanest held-out figure.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = Path(os.environ.get("TEXTLENS_SHARED", ROOT.parent / "shared"))
PRESS = SHARED / "data" / "press_dev"
MODEL_OUT = ROOT / "textlens" / "data" / "date_model.json"
CS = (0.03, 0.1, 0.3, 1.0, 3.0)
THRESHOLDS = tuple(np.round(np.arange(0.2, 0.96, 0.05), 2))

from textlens.ingest.date_model import DateModel  # noqa: E402
from textlens.ingest.dating import INFER_STRATEGIES, date_candidates, infer_year  # noqa: E402


def textlens_cmd() -> list[str]:
    exe = Path(sys.executable).with_name("textlens")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "textlens.cli"]


def load_press() -> tuple[list[dict], dict[str, dict]]:
    docs = [json.loads(line) for line in (PRESS / "docs.jsonl").open(encoding="utf-8")]
    gold = {g["id"]: g for g in map(json.loads, (PRESS / "gold.jsonl").open(encoding="utf-8"))}
    return docs, gold


def run_user_path(docs: list[dict], workdir: Path, env: dict[str, str] | None = None,
                  command: str = "ingest", options: tuple[str, ...] = ()) -> dict[str, dict]:
    """`textlens <command> <options>` on a JSONL of id + text, then `textlens export --with-text`: records by id."""
    src, db, out = workdir / "press.jsonl", workdir / "press.db", workdir / "export.jsonl"
    with src.open("w", encoding="utf-8") as fh:
        for doc in docs:
            fh.write(json.dumps({"id": doc["id"], "text": doc["text"]}, ensure_ascii=False) + "\n")
    full_env = {**os.environ, **(env or {})}
    for args in ([command, str(src), "--db", str(db), *options],
                 ["export", "--db", str(db), "--format", "jsonl", "--out", str(out), "--with-text"]):
        proc = subprocess.run(textlens_cmd() + args, env=full_env, capture_output=True, text=True)
        if proc.returncode != 0:
            raise SystemExit(f"textlens {' '.join(args)} failed:\n{proc.stderr[-3000:]}")
    return {r["id"]: r for r in map(json.loads, out.open(encoding="utf-8"))}


# ---- data for the scorer ---------------------------------------------------------------------------
def doc_rows(text: str, gold: dict) -> dict:
    cands = date_candidates(text, None, every=True)
    explicit = bool(gold.get("year_explicit")) and gold.get("year") is not None
    return {
        "cands": cands,
        "ruled": [c for c in cands if c.rule_confidence],
        "labels": [int(explicit and c.date.year == gold["year"]) for c in cands],
        "gold_year": gold.get("year"), "explicit": explicit, "fold": gold["fold"],
        "inferred": {k: infer_year(text, k).year for k in INFER_STRATEGIES},
        "first_year": first_year(text),
    }


_FOUR_DIGITS = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")


def first_year(text: str) -> int | None:
    m = _FOUR_DIGITS.search(text)
    return int(m.group(1)) if m else None


def feature_names(rows: list[dict]) -> list[str]:
    return sorted({f for r in rows for c in r["cands"] for f in c.features})


def fit(rows: list[dict], names: list[str], c_value: float, threshold: float) -> DateModel:
    from sklearn.linear_model import LogisticRegression

    x = np.array([[c.features.get(f, 0.0) for f in names] for r in rows for c in r["cands"]], dtype=float)
    y = np.array([lab for r in rows for lab in r["labels"]])
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    clf = LogisticRegression(C=c_value, max_iter=2000).fit((x - mean) / scale, y)
    return DateModel(tuple(names), tuple(mean.round(6)), tuple(scale.round(6)), tuple(clf.coef_[0].round(6)),
                     round(float(clf.intercept_[0]), 6), float(threshold),
                     {"C": c_value, "positives": int(y.sum()), "candidates": int(len(y))})


def decide(row: dict, model: DateModel | None) -> tuple[int | None, str | None]:
    """(year, source) the product gives this document: the rules first, then the scorer, else inferred."""
    if row["ruled"]:
        best = max(row["ruled"], key=lambda c: (c.rule_confidence, -c.offset))
        return best.date.year, "text"
    picked = model.best(row["cands"]) if model is not None else None
    if picked is not None:
        return picked[0].date.year, "text"
    inferred = row["inferred"][model.meta.get("infer", "latest") if model is not None else "latest"]
    return inferred, ("inferred" if inferred else None)


def decision_correct(row: dict, year: int | None, source: str | None) -> bool:
    if row["explicit"]:
        return source == "text" and year == row["gold_year"]
    return source != "text" or year == row["gold_year"]


def choose(rows: list[dict], names: list[str]) -> tuple[float, float]:
    """(C, threshold) with the most correct decisions in leave-one-fold-out over `rows`' folds."""
    folds = sorted({r["fold"] for r in rows})
    score: dict[tuple[float, float], int] = {}
    for c_value in CS:
        for held in folds:
            train = [r for r in rows if r["fold"] != held]
            test = [r for r in rows if r["fold"] == held]
            model = fit(train, names, c_value, 0.0)
            for row in test:
                for t in THRESHOLDS:
                    m = DateModel(model.features, model.mean, model.scale, model.coef, model.intercept, t, {})
                    year, source = decide(row, m)
                    score[(c_value, t)] = score.get((c_value, t), 0) + decision_correct(row, year, source)
    best = max(score.items(), key=lambda kv: (kv[1], kv[0][1], -kv[0][0]))
    return best[0]


def choose_inference(rows: list[dict]) -> str:
    """The year-guessing strategy right most often on `rows`' datable texts that do not date themselves
    (ties: the strategy listed first, i.e. today's "latest")."""
    pool = [r for r in rows if r["gold_year"] is not None and not r["explicit"]]
    return max(INFER_STRATEGIES, key=lambda k: (sum(r["inferred"][k] == r["gold_year"] for r in pool),
                                                -INFER_STRATEGIES.index(k)))


# ---- figures -------------------------------------------------------------------------------------
def figures(rows: list[dict], decisions: list[tuple[int | None, str | None]]) -> dict[str, float]:
    explicit = [(r, d) for r, d in zip(rows, decisions) if r["explicit"]]
    datable = [(r, d) for r, d in zip(rows, decisions) if r["gold_year"] is not None]
    undated = [(r, d) for r, d in zip(rows, decisions) if r["gold_year"] is None]
    return {
        "explicit_acc": np.mean([d[1] != "inferred" and d[0] == r["gold_year"] for r, d in explicit]) if explicit else np.nan,
        "best_estimate": np.mean([d[0] == r["gold_year"] for r, d in datable]) if datable else np.nan,
        "false_text": sum(d[1] == "text" for _r, d in undated),
        "n_explicit": len(explicit), "n_datable": len(datable), "n_undated": len(undated),
    }


def anchor(rows: list[dict]) -> list[tuple[int | None, str | None]]:
    return [(r["first_year"], "text" if r["first_year"] else None) for r in rows]


def print_table(title: str, per_fold: dict[str, list[dict]]) -> None:
    print(f"\n{title}")
    print(f"  {'':34} {'own date written (year)':>24} {'best estimate':>14} {'false text dates':>17}")
    for name, figs in per_fold.items():
        ex = np.nanmean([f["explicit_acc"] for f in figs])
        be = np.nanmean([f["best_estimate"] for f in figs])
        ft = sum(f["false_text"] for f in figs)
        n_ex = sum(f["n_explicit"] for f in figs)
        n_un = sum(f["n_undated"] for f in figs)
        print(f"  {name:34} {ex:>17.3f} (n={n_ex:>3}) {be:>14.3f} {ft:>9} of {n_un:>3}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-write", action="store_true", help="print the figures, do not write the shipped model")
    parser.add_argument("--fold-models", type=Path, help="also write DIR/fold{k}.json, each trained without fold k")
    args = parser.parse_args()
    if not (PRESS / "gold.jsonl").exists():
        raise SystemExit(f"{PRESS} not found (needs ../shared)")
    docs, gold = load_press()
    with tempfile.TemporaryDirectory() as tmp:
        records = run_user_path(docs, Path(tmp), env={"TEXTLENS_DATE_MODEL": "off"})
    rows = [doc_rows(records[d["id"]]["text"], gold[d["id"]]) for d in docs]
    names = feature_names(rows)
    print(f"{len(rows)} press texts, {sum(len(r['cands']) for r in rows)} header dates, "
          f"{sum(sum(r['labels']) for r in rows)} of them the text's own date; {len(names)} features")

    learned, rules, first = [], [], []
    by_fold: dict[int, list] = {}
    if args.fold_models:
        args.fold_models.mkdir(parents=True, exist_ok=True)
    for held in range(5):
        train = [r for r in rows if r["fold"] != held]
        test = [r for r in rows if r["fold"] == held]
        c_value, threshold = choose(train, names)
        model = fit(train, names, c_value, threshold)
        model.meta["infer"] = choose_inference(train)
        if args.fold_models:
            (args.fold_models / f"fold{held}.json").write_text(json.dumps(model.to_dict(), indent=1))
        fig_l = figures(test, [decide(r, model) for r in test])
        fig_r = figures(test, [decide(r, None) for r in test])
        fig_a = figures(test, anchor(test))
        learned.append(fig_l), rules.append(fig_r), first.append(fig_a)
        by_fold[held] = [fig_l, fig_r, fig_a]
        print(f"  fold {held}: C={c_value} threshold={threshold} infer={model.meta['infer']}  learned {fig_l['explicit_acc']:.3f} / "
              f"{fig_l['best_estimate']:.3f} / {fig_l['false_text']}   rules {fig_r['explicit_acc']:.3f} / "
              f"{fig_r['best_estimate']:.3f} / {fig_r['false_text']}")
    print_table("5 held-out folds (mean of folds; false text dates summed)",
                {"rules + learned scorer (textlens)": learned, "rules alone (before)": rules,
                 "first 4-digit year (anchor)": first})
    print_table("folds 3-4 only (never read while designing the features)",
                {"rules + learned scorer (textlens)": [by_fold[k][0] for k in (3, 4)],
                 "rules alone (before)": [by_fold[k][1] for k in (3, 4)],
                 "first 4-digit year (anchor)": [by_fold[k][2] for k in (3, 4)]})
    if not args.no_write:
        c_value, threshold = choose(rows, names)
        model = fit(rows, names, c_value, threshold)
        model.meta["infer"] = choose_inference(rows)
        model.meta.update({"trained_on": "press_dev folds 0-4", "script": "scripts/train_dating.py"})
        MODEL_OUT.write_text(json.dumps(model.to_dict(), indent=1) + "\n", encoding="utf-8")
        print(f"\nwrote {MODEL_OUT.relative_to(ROOT)} (C={c_value}, threshold={threshold})")


if __name__ == "__main__":
    main()
