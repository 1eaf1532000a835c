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
from textlens.store import export as store

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
    themes, aspects = store.themes_and_aspects(corpus, ids)
    for a in aspects:
        out[a.doc_id]["aspects"].append({"id": a.id, "polarity": a.polarity, "score": round(a.score, 4)})
    for th in themes:
        out[th.doc_id]["themes"].append({"id": th.id, "score": round(th.score, 4)})
    for s in store.sentiments(corpus, ids):
        out[s.doc_id]["sentiment"] = {"label": s.label, "score": round(s.score, 4)}
    mentions: dict[str, dict[tuple[str, str], list[str]]] = defaultdict(lambda: defaultdict(list))
    for m in store.mentions(corpus, ids):
        mentions[m.doc_id][(m.entity, m.type)].append(m.text)
    for doc_id, ents in mentions.items():
        rows = []
        for (name, etype), surfaces in ents.items():
            rows.append({"name": name, "type": etype, "count": len(surfaces),
                         "mentions": [s for s, _ in Counter(surfaces).most_common()]})
        rows.sort(key=lambda e: (-e["count"], e["type"], e["name"]))
        out[doc_id]["entities"] = rows
    for f in store.figures(corpus, ids):
        out[f.doc_id]["figures"].append({"value": f.value, "about": f.about, "source": f.source,
                                         "sentence": f.sentence, "number": f.number, "unit": f.unit})
    for st in store.studies(corpus, ids):
        out[st.doc_id]["studies"].append({"name": st.name, "conducted_by": st.conducted_by,
                                          "commissioned_by": st.commissioned_by, "year": st.year, "scope": st.scope})
    for q in store.quotes(corpus, ids):
        out[q.doc_id]["quotes"].append({"text": q.text, "speaker": q.speaker})
    for tp in store.document_topics(corpus, ids):
        out[tp.doc_id]["topics"].append({"id": tp.id, "label": tp.label, "score": round(tp.score, 4)})
    from textlens.store.cx import export_annotations

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
