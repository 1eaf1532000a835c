"""Does a head on passage embeddings, stacked with the n-gram model, help the default sentiment tier? (issue 17)

    nice -n 10 .venv/bin/python scripts/sentiment_heads.py embed --encoder fast            # seconds
    nice -n 10 .venv/bin/python scripts/sentiment_heads.py embed --encoder e5-small-int8   # ~7 CPU min
    nice -n 10 .venv/bin/python scripts/sentiment_heads.py oof                             # ~8 min wall (4 fits)
    .venv/bin/python scripts/sentiment_heads.py compare                                    # ~1 CPU min per head

Every choice is made on train.csv only: its train part (4 reviews in 5) trains, its fixed validation part
(`evaluation.in_validation`) scores; dev.csv is never read here.
- `embed`: the passages of each review of train.csv as `textlens run` cuts them (`analysis.segment.split_many`),
  embedded by an encoder of textlens.embeddings and pooled per review (mean, max, first, last; `whole`: the
  encoder on the whole review, for the static encoder only: free there, ~2x the cost with e5); cached in --work.
- `oof`: the committed recipe (`SentimentClassifier`, folds 2) fitted on the train part: its out-of-fold stacker
  inputs and the validation part's stacker inputs, cached (the same fit as `train_sentiment.py --part train
  --folds 2`, whose validation figures it reproduces).
- `compare`: the committed stacker and variants that add a head's star probabilities (a logistic regression on
  the pooled vectors, out-of-fold on the train part) to the stacker inputs, each with class offsets tuned by
  cross-validation on the train part and the mixed settings of that fit; validation figures beside the TF-IDF +
  LR baseline trained on the same train part.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from textlens.sentiment.evaluation import (  # noqa: E402
    LABEL_CLASS, in_validation, read_reviews, review_metrics, tfidf_lr_metrics,
)
from textlens.sentiment.labels import collapse, decide, star_classes, tune_bias  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "verbatims_assurance"
POOLS = ("mean", "max", "first", "last")
HEAD_FOLDS = 2  # out-of-fold head probabilities on the train part, as many folds as the n-gram model's
CLASS_NAMES = {v: k for k, v in LABEL_CLASS.items() if k != "mixed"}  # class index -> label
MIXED = {"clause_min": 0.5, "mixed_max": 0.5}  # the train part's fit chose these (train_sentiment.py tune_mixed)


def embed(work: Path, encoder_name: str, chunk: int = 5000) -> Path:
    """Pooled passage vectors of every review of train.csv; partial results are kept, a re-run resumes."""
    from textlens.analysis.segment import split_many
    from textlens.embeddings import get_encoder

    df = read_reviews(DATA / "train.csv", ("id", "text", "rating"))
    passages = split_many(list(zip(df["id"], df["text"])))
    flat = [p.text for ps in passages for p in ps]
    enc = get_encoder(encoder_name)
    partial = work / f"passages_{encoder_name}.npy"
    V = np.load(partial) if partial.is_file() else np.zeros((0, enc.dim), np.float32)
    cpu = time.process_time()
    for a in range(len(V), len(flat), chunk):
        V = np.vstack([V, enc.encode(flat[a : a + chunk], prompt="query").astype(np.float32)])
        np.save(partial, V)
        print(f"  {len(V)} / {len(flat)} passages, {time.process_time() - cpu:.0f} CPU s", flush=True)
    pooled = {k: np.zeros((len(df), enc.dim), np.float32) for k in POOLS}
    at = 0
    for i, ps in enumerate(passages):
        X = V[at : at + len(ps)]
        at += len(ps)
        if len(X):
            pooled["mean"][i], pooled["max"][i], pooled["first"][i], pooled["last"][i] = \
                X.mean(axis=0), X.max(axis=0), X[0], X[-1]
    if encoder_name == "fast":
        pooled["whole"] = enc.encode(df["text"].tolist(), prompt="query").astype(np.float32)
    out = work / f"embeddings_{encoder_name}.npz"
    np.savez(out, ids=df["id"].to_numpy(str), **pooled)
    print(f"saved {out}: {len(df)} reviews, {len(flat)} passages")
    return out


def split_train() -> tuple:
    df = read_reviews(DATA / "train.csv", ("id", "text", "rating"))
    held = df["id"].map(in_validation).to_numpy(bool)
    return df[~held].reset_index(drop=True), df[held].reset_index(drop=True)


def oof(work: Path) -> Path:
    """The committed recipe on the train part: out-of-fold stacker inputs, and the validation part's."""
    from textlens.sentiment.model import NgramStars, SentimentClassifier

    train, val = split_train()
    clf = SentimentClassifier(NgramStars(), folds=HEAD_FOLDS).fit(
        train["text"].tolist(), train["rating"].to_numpy(int), log=lambda m: print(m, flush=True))
    out = work / "oof_part.npz"
    np.savez(out, ids=train["id"].to_numpy(str), M=clf.oof_meta_, stars=train["rating"].to_numpy(int),
             val_ids=val["id"].to_numpy(str), val_M=clf.meta_features(val["text"].tolist()),
             val_stars=val["rating"].to_numpy(int))
    print(f"saved {out}")
    return out


def labels_of(P: np.ndarray, bias: np.ndarray, M: np.ndarray) -> list[str]:
    """Labels as `SentimentModel.predict` gives them (mixed from the clause columns of the stacker inputs)."""
    from textlens.sentiment.predict import review_label

    k, score = decide(P, bias), P[:, 2] - P[:, 0]
    n_clauses = np.rint(np.exp(M[:, 10])).astype(int)
    split = (n_clauses > 1) & (M[:, 6] >= MIXED["clause_min"]) & (M[:, 7] <= -MIXED["clause_min"])
    return [review_label(int(a), float(b), bool(c), MIXED["mixed_max"]) for a, b, c in zip(k, score, split)]


def stacked(F: np.ndarray, stars: np.ndarray, Fv: np.ndarray, class_weight: str | None = None,
            five: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The committed stacker (scaled logistic regression, C=1) on inputs F, or a variant (`class_weight`, or
    `five`: trained on the five star levels, then collapsed); offsets tuned on 5-fold out-of-fold predictions
    of the train part, as `SentimentClassifier.fit` tunes them."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    def stacker():
        return make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=3000, class_weight=class_weight))

    y = star_classes(stars)
    target = stars if five else y
    three = collapse if five else (lambda P: P)
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    bias = tune_bias(three(cross_val_predict(stacker(), F, target, cv=cv, method="predict_proba")), y)
    return three(stacker().fit(F, target).predict_proba(Fv)), bias


def head(X: np.ndarray, stars: np.ndarray, Xv: np.ndarray, C: float) -> tuple[np.ndarray, np.ndarray]:
    """Star probabilities and expected stars of a logistic regression on vectors: out-of-fold on the train
    part, and fitted on all of it for the validation part."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    lr = make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=3000))
    cv = StratifiedKFold(HEAD_FOLDS, shuffle=True, random_state=0)
    H = cross_val_predict(lr, X, stars, cv=cv, method="predict_proba")
    Hv = lr.fit(X, stars).predict_proba(Xv)
    return tuple(np.c_[P, P @ np.arange(1, 6)] for P in (H, Hv))  # type: ignore[return-value]


def figures(P: np.ndarray, labels: list[str], stars: np.ndarray) -> dict:
    from textlens.sentiment.evaluation import class_f1

    return {**review_metrics(P[:, 2] - P[:, 0], labels, stars), "class_f1": class_f1(stars, labels),
            "scores": P[:, 2] - P[:, 0], "classes": np.array([LABEL_CLASS[x] for x in labels])}


def paired_bootstrap(a: dict, b: dict, stars: np.ndarray, rounds: int = 1000) -> str:
    """How steady the gain of `a` over `b` is on these reviews: 90 % interval of the paired differences in
    binary accuracy and macro-F1 over bootstrap resamples of the reviews, and how often each gain is > 0."""
    from textlens.sentiment.labels import macro_f1

    rng = np.random.default_rng(0)
    y, polar, up = star_classes(stars), stars != 3, stars >= 4
    d_bin, d_f1 = [], []
    for _ in range(rounds):
        i = rng.integers(0, len(stars), len(stars))
        p = i[polar[i]]
        d_bin.append(np.mean((a["scores"][p] > 0) == up[p]) - np.mean((b["scores"][p] > 0) == up[p]))
        d_f1.append(macro_f1(y[i], a["classes"][i]) - macro_f1(y[i], b["classes"][i]))
    q = [np.percentile(d, [5, 95]) for d in (d_bin, d_f1)]
    return (f"bootstrap 90 % binary [{q[0][0]:+.4f}, {q[0][1]:+.4f}] (> 0 in {np.mean(np.array(d_bin) > 0):.0%}), "
            f"macro-F1 [{q[1][0]:+.4f}, {q[1][1]:+.4f}] (> 0 in {np.mean(np.array(d_f1) > 0):.0%})")


def show(name: str, m: dict) -> None:
    print(f"  {name:44s} binary {m['binary_accuracy']:.4f}  macro-F1 {m['macro_f1']:.4f}  "
          f"F1 neg/neutral/pos {' / '.join(f'{v:.3f}' for v in m['class_f1'])}", flush=True)


def compare(work: Path, heads: list[str], Cs: list[float], baseline: bool) -> None:
    cache = work / "oof_part.npz"
    if not cache.is_file():
        sys.exit(f"{cache}: run the `oof` step first")
    z = np.load(cache)
    M, Mv, stars, val_stars = z["M"], z["val_M"], z["stars"], z["val_stars"]
    print(f"train part {len(M)} reviews, validation part {len(Mv)} (held out)")
    if baseline:
        train, val = split_train()
        b = tfidf_lr_metrics(train["text"].tolist(), train["rating"].to_numpy(int), val["text"].tolist(),
                             val["rating"].to_numpy(int))
        show("TF-IDF + LR baseline (offsets tuned on train)", b)
    P, bias = stacked(M, stars, Mv)
    ref = figures(P, labels_of(P, bias, Mv), val_stars)
    show("committed recipe (n-gram stacker)", ref)
    for name, variant in (("stacker, balanced class weights", {"class_weight": "balanced"}),
                          ("stacker on 5 star levels, collapsed", {"five": True})):  # the 3-star class
        P, bias = stacked(M, stars, Mv, **variant)
        show(name, figures(P, labels_of(P, bias, Mv), val_stars))
    for spec in heads:  # "<encoder>:<pool>+<pool>"
        encoder_name, pools = spec.split(":")
        path = work / f"embeddings_{encoder_name}.npz"
        if not path.is_file():
            print(f"  {spec}: no {path} (run `embed --encoder {encoder_name}`)")
            continue
        e = np.load(path)
        row = {i: k for k, i in enumerate(e["ids"].tolist())}
        X = np.hstack([e[p] for p in pools.split("+")]).astype(np.float64)
        Xt, Xv = X[[row[i] for i in z["ids"].tolist()]], X[[row[i] for i in z["val_ids"].tolist()]]
        for C in Cs:
            H, Hv = head(Xt, stars, Xv, C)
            alone = collapse(Hv[:, :5])
            show(f"head alone {spec} C={C} (argmax)", figures(alone, [CLASS_NAMES[k] for k in alone.argmax(1)],
                                                               val_stars))
            P, bias = stacked(np.c_[M, H], stars, np.c_[Mv, Hv])
            m = figures(P, labels_of(P, bias, Mv), val_stars)
            show(f"n-gram stacker + head {spec} C={C}", m)
            print(f"  {'':44s} vs committed recipe: binary {m['binary_accuracy'] - ref['binary_accuracy']:+.4f}, "
                  f"macro-F1 {m['macro_f1'] - ref['macro_f1']:+.4f}; offsets {np.round(bias, 1).tolist()}")
            print(f"  {'':44s} {paired_bootstrap(m, ref, val_stars)}", flush=True)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("step", choices=["embed", "oof", "compare"])
    ap.add_argument("--work", type=Path, default=Path("/tmp/sentiment-heads"), help="cache folder")
    ap.add_argument("--encoder", default="fast", help="embed: encoder name (fast, e5-small-int8...)")
    ap.add_argument("--heads", default="fast:whole,fast:mean,fast:mean+max,e5-small-int8:mean,"
                    "e5-small-int8:mean+max", help="compare: <encoder>:<pool>[+<pool>] heads, comma-separated")
    ap.add_argument("--C", default="0.05,0.5", help="compare: regularisation of the head, comma-separated")
    ap.add_argument("--no-baseline", action="store_true", help="compare: skip the TF-IDF + LR baseline")
    args = ap.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    if args.step == "embed":
        embed(args.work, args.encoder)
    elif args.step == "oof":
        oof(args.work)
    else:
        compare(args.work, [h for h in args.heads.split(",") if h], [float(c) for c in args.C.split(",")], not args.no_baseline)


if __name__ == "__main__":
    main()
