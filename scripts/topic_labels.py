"""Topic labels before/after: the same topics described by single c-TF-IDF lemmas (the old representation) and
by noun-phrase keyphrases reranked by MMR (the new default), with NPMI coherence and diversity of each.

    .venv/bin/python scripts/topic_labels.py --corpus reviews --offset 6000 --limit 4000 --workdir /tmp
    .venv/bin/python scripts/topic_labels.py --corpus press --workdir /tmp
    .venv/bin/python scripts/topic_labels.py --corpus demo

Each corpus is ingested once into `<workdir>/topic-labels-<corpus>.db` (reused afterwards; embeddings are
cached there) and its units are chosen as `textlens run` chooses them (verbatims whole, on the static fast
encoder; article/editorial passages of >= 6 words on e5). The model is fitted once (seed 42) with the group's
settings and keyphrase representation, as `textlens run` fits it; then `update_representation` describes the very
same topics with single c-TF-IDF lemmas (the plain baseline), so the two lists differ by the representation only.
Which slices are development and which were held out, round by round, and every label judged: docs/topic_labels.md.

Corpora: `reviews` = --limit reviews (>= 3 words) from --offset of ../shared/data/verbatims_assurance/<--source>.csv
(unlabeled, train or dev),
`press` = ../shared/data/press_dev/docs.jsonl + archive.jsonl (`--press-part archive` the archive alone,
`--press-part docs` docs.jsonl alone), `demo` = corpora/demo. Third-party text is only
read, never copied into the repository.
"""
from __future__ import annotations

import argparse
import inspect
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared"


PRESS_PARTS = {"both": ("docs.jsonl", "archive.jsonl"), "archive": ("archive.jsonl",), "docs": ("docs.jsonl",)}


def corpus_inputs(name: str, limit: int, offset: int, tmp: Path, press_part: str = "both",
                  source: str = "unlabeled") -> list[Path]:
    """Files to ingest for a corpus (a trimmed copy of the reviews table in a temporary folder)."""
    if name == "demo":
        return [ROOT / "corpora" / "demo"]
    if name == "press":
        base = SHARED / "data" / "press_dev"
        paths = [base / f for f in PRESS_PARTS[press_part]]
    else:
        import pandas as pd

        src = SHARED / "data" / "verbatims_assurance" / f"{source}.csv"
        if not src.exists():
            sys.exit(f"{src}: not found (the reviews live in ../shared)")
        df = pd.read_csv(src)
        df = df[df["text"].astype(str).str.split().str.len() >= 3]
        if offset >= len(df):
            sys.exit(f"{src}: --offset {offset} is past its {len(df)} reviews of >= 3 words")
        df = df.iloc[offset : offset + limit]
        paths = [tmp / "reviews.csv"]
        df.to_csv(paths[0], index=False)
    missing = [p for p in paths if not p.exists()]
    if missing:
        sys.exit(f"{missing[0]}: not found (the press corpus lives in ../shared)")
    return paths


def store_path(name: str, limit: int, offset: int, workdir: Path, press_part: str = "both",
               source: str = "unlabeled") -> Path:
    """Where a corpus' store is kept between runs (press "both" keeps last session's name)."""
    if name == "reviews" and source != "unlabeled":
        return workdir / f"topic-labels-{name}-{source}-{offset}-{limit}.db"
    if name == "reviews":
        return workdir / f"topic-labels-{name}-{offset}-{limit}.db"
    if name == "press" and press_part != "both":
        return workdir / f"topic-labels-{name}-{press_part}.db"
    return workdir / f"topic-labels-{name}.db"


def build_store(name: str, limit: int, offset: int, workdir: Path, press_part: str = "both",
                source: str = "unlabeled", themes: bool = False) -> Path:
    """The corpus' store, ingested once; with `themes`, the themes analysis run on it too (topic labels name the
    theme most of a topic's units carry)."""
    from textlens.ingest import IngestOptions
    from textlens.pipeline import analyse, ingest
    from textlens.store import Corpus

    db = store_path(name, limit, offset, workdir, press_part, source)
    if db.exists():
        if themes:
            with Corpus.open(db) as store:
                analyse(store, ["themes"], workers=1)
        return db
    part = db.with_name(db.name + ".part")  # renamed once complete: an interrupted build is never reused
    for leftover in part.parent.glob(part.name + "*"):
        leftover.unlink()
    with tempfile.TemporaryDirectory() as tmp, Corpus.open(part) as store:
        kind = "verbatim" if name == "reviews" else "auto"
        ingest(store, corpus_inputs(name, limit, offset, Path(tmp), press_part, source), IngestOptions(kind=kind))
        if themes:
            analyse(store, ["themes"], workers=1)
    part.rename(db)
    return db


def units_of(db: Path):
    """(group, texts, document keys, encoder, passages left out by reason, themes of each unit) per fitted group,
    as fit_corpus_topics chooses them."""
    from textlens.pipeline import TOPICS_ENCODER
    from textlens.store import Corpus
    from textlens.store.topics import document_heads
    from textlens.topics.corpus import fit_groups, topic_units

    try:  # absent before issue #22's theme labels: the script also measures the code it replaces
        from textlens.topics.corpus import unit_theme_labels
    except ImportError:
        unit_theme_labels = None

    with Corpus.open(db, readonly=True) as store:
        docs = [d for d in document_heads(store) if not d["duplicate_of"] and d["language"] in (None, "fr")]
        out = []
        for name, group, kinds, unit, _, enc in fit_groups({d["kind"] for d in docs}, None, TOPICS_ENCODER):
            units, left = topic_units(store, [d for d in docs if d["kind"] in kinds], unit, 6 if group == "press" else 3)
            if len(units) >= 30:
                out.append((name, [u["text"] for u in units], [u["doc_id"] for u in units], enc, left,
                            unit_theme_labels(store, units, unit) if unit_theme_labels else [[]] * len(units)))
        return out


DEVELOPMENT = ("demo", "reviews 0-3999", "press archive")
GENERIC = ROOT / "textlens" / "data" / "topic_labels" / "generic_words.txt"
GENERIC_HEADER = """\
# Generic words: lemmas (accent-free) spread evenly over the topics of a fit: the effective number of topics using
# them is at least 90% of the topics, and at least 10 units use them (textlens.topics.representation.
# learn_generic_words). A label part needs a noun (or, in reviews, an adjective) outside this list, the field
# nouns and the empty nouns (representation.KeyphraseRepresentation._names_subject); the words stay in the topics'
# term lists. A section "corpus / group" applies to that group's topics only (press, verbatim). Learned on the
# development fits only, written by
#     scripts/topic_labels.py --learn-generic --corpus demo | --corpus reviews --offset 0 --limit 4000
#                                            | --corpus press --press-part archive
"""


def write_generic(tag: str, words: list[str]) -> None:
    """Replace the `tag` section of the generic-words file with `words` (other sections kept)."""
    sections: dict[str, list[str]] = {}
    current = None
    if GENERIC.exists():
        for line in GENERIC.read_text(encoding="utf-8").splitlines():
            if line.startswith("# from "):
                current = line[len("# from "):].split(":")[0]
                sections[current] = []
            elif current and line and not line.startswith("#"):
                sections[current].append(line)
    sections[tag] = [" ".join(words[i : i + 12]) for i in range(0, len(words), 12)]
    body = "".join(f"# from {name}: {sum(len(x.split()) for x in lines)} words\n" + "".join(f"{x}\n" for x in lines)
                   for name, lines in sorted(sections.items()))
    GENERIC.write_text(GENERIC_HEADER + body, encoding="utf-8")
    print(f"{GENERIC}: section {tag!r}, {len(words)} words: {' '.join(words)}")


def top_theme(labels, themes, topic: int) -> str:
    """The topic's most frequent theme, its share of the topic's units and its lift over all topics' units."""
    from collections import Counter

    members = [i for i, lab in enumerate(labels) if lab >= 0]
    inside = [i for i in members if labels[i] == topic]
    counts = Counter(x for i in inside for x in set(themes[i]))
    if not counts:
        return "-"
    overall = Counter(x for i in members for x in set(themes[i]))
    theme, n = min(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    share = n / len(inside)
    return f"{theme} {share:.2f} (lift {share / (overall[theme] / len(members)):.2f})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", choices=("reviews", "press", "demo"), required=True)
    ap.add_argument("--limit", type=int, default=4000, help="reviews used (reviews corpus only)")
    ap.add_argument("--offset", type=int, default=0,
                    help="reviews skipped first (reviews corpus only): 0 = the development slice")
    ap.add_argument("--press-part", choices=tuple(PRESS_PARTS), default="both",
                    help="press corpus only: docs.jsonl + archive.jsonl (both), the archive alone (development) or"
                         " docs.jsonl alone (held out)")
    ap.add_argument("--source", choices=("unlabeled", "train", "dev"), default="unlabeled",
                    help="reviews corpus only: the file of ../shared/data/verbatims_assurance the slice is cut from")
    ap.add_argument("--themes", action="store_true",
                    help="run the themes analysis on the store first (labels then name a topic's dominant theme)")
    ap.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()))
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--learn-generic", action="store_true",
                    help="write this fit's generic words (textlens.topics.representation.learn_generic_words) into "
                         "textlens/data/topic_labels/generic_words.txt, replacing this corpus' section; development "
                         "corpora only (demo, reviews --offset 0, press --press-part archive)")
    ap.add_argument("--min-coverage", type=float, default=None,
                    help="TopicModel.min_coverage (default: the model's; a negative value keeps every topic)")
    ap.add_argument("--terms", type=int, default=0, help="print this many ranked keyphrases under each topic")
    ap.add_argument("--examples", type=int, default=0,
                    help="print the start of this many representative texts under each topic (to judge the labels;"
                         " third-party text: keep it out of the repository)")
    args = ap.parse_args()

    from textlens.embeddings import encode_cached, get_encoder
    from textlens.store import Corpus
    from textlens.topics import TopicModel
    from textlens.topics.corpus import group_representation

    try:  # absent before the review merges of issue #22 (the script also runs the code it replaces)
        from textlens.topics.corpus import group_model_params
    except ImportError:
        group_model_params = None

    tag = {"reviews": f"reviews {'' if args.source == 'unlabeled' else args.source + ' '}"
                      f"{args.offset}-{args.offset + args.limit - 1}",
           "press": f"press {args.press_part}"}.get(args.corpus, args.corpus)
    if args.learn_generic and tag not in DEVELOPMENT:
        sys.exit(f"--learn-generic: {tag} is not a development corpus ({', '.join(DEVELOPMENT)})")
    db = build_store(args.corpus, args.limit, args.offset, args.workdir, args.press_part, args.source, args.themes)
    for group, texts, docs, enc_name, left, themes in units_of(db):
        print(f"units carrying a theme: {sum(bool(x) for x in themes)} of {len(themes)}")
        enc = get_encoder(enc_name)
        with Corpus.open(db) as store:
            X = encode_cached(store, texts, enc, prompt="query")
            encode = lambda phrases: encode_cached(store, phrases, enc, prompt="query")  # noqa: E731
            t0 = time.process_time()
            extra = {} if args.min_coverage is None else {"min_coverage": max(args.min_coverage, 0.0) or None}
            gname = group.split(":")[0]
            extra.update(group_model_params(gname) if group_model_params else {})
            representation = group_representation(gname)
            takes_themes = "unit_themes" in inspect.signature(TopicModel.fit).parameters
            with_themes = {"unit_themes": themes} if takes_themes else {}  # the code before issue #22's themes
            if takes_themes:  # the group's model and representation, as `textlens run` fits them
                model = TopicModel(random_state=args.seed, agreement_seeds=0, representation=representation,
                                   **extra).fit(texts, X, documents=docs, encode=encode, **with_themes)
            else:
                model = TopicModel(random_state=args.seed, agreement_seeds=0, representation="ctfidf", **extra).fit(
                    texts, X, documents=docs)
                model.update_representation(texts, representation, documents=docs, encode=encode)
            fit_cpu = time.process_time() - t0
            after = [t["label"] for t in model.topics_]
            after_terms = [list(t["terms"]) for t in model.topics_]
            after_npmi = [t.get("npmi", float("nan")) for t in model.topics_]
            q_after = dict(model.quality_)
            t0 = time.process_time()  # the plain baseline: single c-TF-IDF lemmas of the very same topics
            model.update_representation(texts, "ctfidf", documents=docs)
            rep_cpu = time.process_time() - t0
            before = [(t["label"], t["size"]) for t in model.topics_]
            q_before = dict(model.quality_)
        print(f"\n== {args.corpus} / {group}: {len(texts)} units of {len(set(docs))} documents, encoder {enc.model_id},"
              f" {model.n_topics_} topics, outliers {q_before['outlier_share']:.1%}")
        q = q_after
        print(f"passages left out: {left}; units in topics without a subject, routed to the outliers: "
              f"{q.get('diffuse_share', 0.0):.1%} ({q.get('diffuse_topics', 0)} topics); other outliers "
              f"{q['outlier_share'] - q.get('diffuse_share', 0.0):.1%}")
        print(f"fit (clustering, c-TF-IDF words and keyphrases) {fit_cpu:.1f} CPU s; single words again "
              f"{rep_cpu:.1f} CPU s; review topics merged for want of a distinctive aspect: "
              f"{q.get('merged_themeless', 0)}")
        print(f"{'id':>3} {'size':>5} {'cover':>5} {'cohes':>5} {'npmi':>6}  {'before: c-TF-IDF lemmas':<44} "
              "after: keyphrases")
        for t, ((old, size), new) in enumerate(zip(before, after)):
            info = model.topics_[t]
            print(f"{t:>3} {size:>5} {info.get('coverage', float('nan')):>5.2f} {info.get('cohesion', float('nan')):>5.2f}"
                  f" {after_npmi[t]:>6.3f}  {old:<44} {new}")
            print(f"{'':>11}theme: {top_theme(model.labels_, themes, t)}")
            if args.terms:
                print(f"{'':>11}= " + " · ".join(f"{term} {w:.2f}" for term, w in after_terms[t][: args.terms]))
            for i in model.topics_[t]["representatives"][: args.examples]:  # for the reader judging the labels
                print(f"{'':>11}| {' '.join(texts[i].split())[:110]}")
        if args.learn_generic:
            from textlens.topics.representation import learn_generic_words

            write_generic(f"{tag} / {group}", learn_generic_words(model.extractor_(texts), model.labels_))
        for key in ("npmi", "diversity", "diversity_top10"):
            print(f"{key:<16} before {q_before[key]:.3f}   after {q_after[key]:.3f}")


if __name__ == "__main__":
    main()
