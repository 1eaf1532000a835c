"""Distil the accurate sentiment tier (fine-tuned e5 members) into the fast n-gram model.

    TEXTLENS_THREADS=1 nice -n 19 .venv/bin/python scripts/distil_sentiment.py teacher [--int8]   # cache, resumable
    nice -n 19 .venv/bin/python scripts/train_sentiment.py --part train --folds 2 --no-dev --out DIR
        --teacher /tmp/sentiment-student/teacher.npz [--teacher-partial]    # a student: validation figures
    .venv/bin/python scripts/train_sentiment.py --finalize DIR/sentiment.pkl.gz --out DIR2   # dev, once

On a loaded shared machine one torch thread wastes less CPU than two (measured: 48 vs 189 CPU ms per review).

Why: the fast tier is a linear model on n-grams, so more (well) labelled reviews help it directly; the
10,308 unlabelled reviews of the same source get the teacher's star probabilities as soft labels.

Protocol (issue 17): train.csv is split by a fixed hash of the review id into a train part (80 %) and a
validation part (20 %, `in_validation`); every choice is made on the validation part; dev.csv is scored once
at the end by scripts/eval_sentiment.py. The teacher is the mean of the accurate tier's members (star
probabilities, without the n-gram ensemble). It was fine-tuned on all of train.csv, so its probabilities on
train.csv rows are close to the gold stars (overconfident): the train part keeps its gold stars, and the
teacher's figures on the validation part are printed by train_sentiment.py for reference only (they are not
held out for it), once the cache holds every review of that part.
The teacher's probabilities cost ~47 CPU ms per review, so they are computed once into a cache
(`--cache`, ids + probabilities, written chunk by chunk so an interrupted run resumes).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from textlens.sentiment.evaluation import in_validation, read_reviews  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "verbatims_assurance"
CACHE = Path("/tmp/sentiment-student/teacher.npz")
CHUNK = 500


def load(split: str, data: Path):
    try:
        return read_reviews(data / f"{split}.csv", ("id", "text"))
    except (FileNotFoundError, ValueError) as exc:
        sys.exit(str(exc))


def parts(data: Path):
    """(train part, validation part) of train.csv."""
    train = load("train", data)
    val = train["id"].map(in_validation).to_numpy(bool)
    return train[~val].reset_index(drop=True), train[val].reset_index(drop=True)


def read_cache(path: Path) -> dict[str, np.ndarray]:
    """{review id: teacher star probabilities (5,)} of the cache, empty when absent."""
    if not path.is_file():
        return {}
    z = np.load(path, allow_pickle=False)
    return dict(zip(z["ids"].tolist(), z["proba"]))


def teacher(args: argparse.Namespace) -> None:
    """Teacher star probabilities for unlabeled.csv and the validation part, cached by review id."""
    from textlens.sentiment.finetuned import load_finetuned, unavailable_reason

    reason = unavailable_reason()
    if reason:
        sys.exit(f"teacher unavailable: {reason}")
    _, val = parts(args.data)
    unl = load("unlabeled", args.data)
    # the unlabelled reviews first (the student needs them; the validation part is for reference only), in a
    # random order (fixed seed), so that a partial cache is a random sample of them
    unl_items = list(zip(unl["id"], unl["text"]))
    unl_items = [unl_items[j] for j in np.random.default_rng(0).permutation(len(unl_items))]
    done = read_cache(args.cache)
    todo = [(i, t) for i, t in unl_items + list(zip(val["id"], val["text"])) if i not in done]
    print(f"validation part {len(val)}, unlabeled {len(unl)}; cached {len(done)}, to do {len(todo)}", flush=True)
    ft = load_finetuned(quantize=args.int8)
    args.cache.parent.mkdir(parents=True, exist_ok=True)
    for at in range(0, len(todo), CHUNK):
        chunk = todo[at : at + CHUNK]
        cpu = time.process_time()
        P = ft.predict_star_proba([t for _, t in chunk])
        done.update(zip([i for i, _ in chunk], P))
        ids = np.array(list(done), dtype=str)
        tmp = args.cache.with_suffix(".tmp.npz")
        np.savez(tmp, ids=ids, proba=np.stack([done[i] for i in ids]).astype(np.float32))
        tmp.replace(args.cache)
        print(f"  {at + len(chunk)}/{len(todo)}: {1000 * (time.process_time() - cpu) / len(chunk):.0f} CPU ms/review",
              flush=True)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", choices=["teacher"])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--cache", type=Path, default=CACHE, help="teacher probabilities (ids + star probabilities)")
    ap.add_argument("--int8", action="store_true",
                    help="int8 lower layers (27 %% less CPU, ~0.01 lower macro-F1 on 600 dev reviews; see the tier's card)")
    args = ap.parse_args(argv)
    {"teacher": teacher}[args.command](args)


if __name__ == "__main__":
    main()
