"""The export contract: one record per document with its dating and every analysis result.

The keys below are stable and documented in the README (evaluation scripts read them): a key is
always present, empty when its analysis has not run.
"""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import IO, Any

from textlens.errors import InputError
from textlens.store import Corpus

EXPORT_KEYS = (
    "id", "kind", "title", "date", "year", "year_source", "year_evidence", "language", "duplicate_of", "warnings",
    "source", "row", "url", "metadata", "text", "year_inferred",
    "themes", "aspects", "sentiment", "entities", "figures", "studies", "quotes", "topics",
    "emotions", "effort", "intents",
)
FORMATS = ("jsonl", "csv", "parquet")


def _annotations(corpus: Corpus, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = defaultdict(lambda: {
        "themes": [], "aspects": [], "sentiment": None, "entities": [], "figures": [], "studies": [],
        "quotes": [], "topics": [], "emotions": [], "effort": {}, "intents": [],
    })
    aspects_seen: dict[str, set[str]] = defaultdict(set)
    for r in corpus.select_in("SELECT doc_id, aspect_id, polarity, score FROM doc_aspects WHERE doc_id IN ({marks})"
                 " ORDER BY doc_id, score DESC", ids):
        out[r[0]]["aspects"].append({"id": r[1], "polarity": r[2], "score": round(float(r[3]), 4)})
        aspects_seen[r[0]].add(r[1])
    for r in corpus.select_in("SELECT doc_id, theme_id, taxonomy, score FROM doc_themes WHERE doc_id IN ({marks})"
                 " ORDER BY doc_id, score DESC", ids):
        if r[2] == "aspects":
            if r[1] not in aspects_seen[r[0]]:
                out[r[0]]["aspects"].append({"id": r[1], "polarity": None, "score": round(float(r[3]), 4)})
        else:
            out[r[0]]["themes"].append({"id": r[1], "score": round(float(r[3]), 4)})
    for r in corpus.select_in("SELECT doc_id, label, score FROM doc_sentiment WHERE doc_id IN ({marks})", ids):
        out[r[0]]["sentiment"] = {"label": r[1], "score": round(float(r[2]), 4)}
    mentions: dict[str, dict[tuple[str, str], list[str]]] = defaultdict(lambda: defaultdict(list))
    for r in corpus.select_in("SELECT doc_id, entity, type, text FROM mentions WHERE doc_id IN ({marks}) ORDER BY doc_id, start",
                 ids):
        mentions[r[0]][(r[1], r[2])].append(r[3])
    for doc_id, ents in mentions.items():
        rows = []
        for (name, etype), surfaces in ents.items():
            rows.append({"name": name, "type": etype, "count": len(surfaces),
                         "mentions": [s for s, _ in Counter(surfaces).most_common()]})
        rows.sort(key=lambda e: (-e["count"], e["type"], e["name"]))
        out[doc_id]["entities"] = rows
    for r in corpus.select_in("SELECT doc_id, value, about, source, sentence, number, unit FROM figures"
                 " WHERE doc_id IN ({marks}) ORDER BY id", ids):
        out[r[0]]["figures"].append({"value": r[1], "about": r[2], "source": r[3], "sentence": r[4], "number": r[5],
                                     "unit": r[6]})
    for r in corpus.select_in("SELECT doc_id, name, conducted_by, commissioned_by, year, scope FROM studies"
                 " WHERE doc_id IN ({marks}) ORDER BY id", ids):
        out[r[0]]["studies"].append({"name": r[1], "conducted_by": r[2], "commissioned_by": r[3], "year": r[4],
                                     "scope": r[5]})
    for r in corpus.select_in("SELECT doc_id, text, speaker FROM quotes WHERE doc_id IN ({marks}) ORDER BY id", ids):
        out[r[0]]["quotes"].append({"text": r[1], "speaker": r[2]})
    for r in corpus.select_in("SELECT dt.doc_id, dt.topic_id, t.label, dt.score FROM doc_topics dt JOIN topics t"
                 " ON t.id = dt.topic_id WHERE dt.doc_id IN ({marks}) ORDER BY dt.doc_id, dt.score DESC", ids):
        out[r[0]]["topics"].append({"id": r[1], "label": r[2], "score": round(float(r[3]), 4)})
    from textlens.cx.store import export_annotations

    for doc_id, cx in export_annotations(corpus, ids).items():
        out[doc_id].update(cx)
    return out


def export_records(db: str | Path | Corpus, include_text: bool = False, batch_size: int = 500
                   ) -> Iterator[dict[str, Any]]:
    """Yield one export record per document, streaming (constant memory)."""
    corpus = db if isinstance(db, Corpus) else Corpus.open(db, readonly=True)
    try:
        batch: list[dict[str, Any]] = []
        for doc in corpus.iter_documents(batch_size=batch_size):
            batch.append(doc)
            if len(batch) >= batch_size:
                yield from _records(corpus, batch, include_text)
                batch = []
        if batch:
            yield from _records(corpus, batch, include_text)
    finally:
        if not isinstance(db, Corpus):
            corpus.close()


def _records(corpus: Corpus, docs: list[dict[str, Any]], include_text: bool) -> Iterator[dict[str, Any]]:
    ann = _annotations(corpus, [d["id"] for d in docs])
    for d in docs:
        rec = {k: d.get(k) for k in EXPORT_KEYS[:14]}
        if rec["year_source"] == "inferred":
            # Only a stated date gives `year`; a guess from cited years is kept apart.
            rec["year_inferred"], rec["year"] = rec["year"], None
        else:
            rec["year_inferred"] = None
        rec["text"] = d["text"] if include_text else None
        a = ann[d["id"]]
        rec.update({k: a[k] for k in EXPORT_KEYS[16:]})
        if rec["sentiment"] is None:
            rec["sentiment"] = {}
        yield rec


def export(db: str | Path, fmt: str, out: str | Path | IO, include_text: bool = False) -> int:
    """Write the export file, or to an open stream (text for jsonl/csv, binary for parquet: `--out -` is stdout);
    returns the number of documents written."""
    if fmt not in FORMATS:
        raise InputError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if not hasattr(out, "write"):
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    if fmt == "jsonl":
        with (open(out, "w", encoding="utf-8") if isinstance(out, Path) else nullcontext(out)) as fh:
            for rec in export_records(db, include_text):
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
                n += 1
        return n
    import pandas as pd

    flat = []
    for rec in export_records(db, include_text):
        flat.append({k: (json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else v)
                     for k, v in rec.items()})
        n += 1
    df = pd.DataFrame(flat, columns=list(EXPORT_KEYS))
    if fmt == "csv":
        df.to_csv(out, index=False)
    else:
        df.to_parquet(out, index=False)
    return n


def document_record(corpus: Corpus, doc: dict[str, Any], include_text: bool = True) -> dict[str, Any]:
    """One document's export record, text included by default: what `textlens show` prints about it."""
    return next(_records(corpus, [doc], include_text))
