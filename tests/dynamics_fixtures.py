"""Synthetic stores for textlens.dynamics, written directly through `Corpus` so the right answers are known.

`build_store(path, docs)` takes plain dicts: id, kind, date (YYYY-MM-DD), sentences (list of str) and
labels (theme ids for articles, aspect ids for verbatims); each label is carried by the document and by
its own sentence (the k-th label by the k-th sentence). Every text here is written by us.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from query_fixtures import _passages
from textlens.analysis.segment import stems
from textlens.document import Document
from textlens.store import Corpus


def build_store(path: Path, docs: list[dict[str, Any]]) -> Path:
    with Corpus.open(path) as corpus:
        with corpus.transaction():
            rows: dict[str, list[dict]] = {"doc_themes": [], "passage_themes": [], "doc_aspects": []}
            for d in docs:
                text = " ".join(d["sentences"])
                year = int(d["date"][:4])
                doc = Document(id=d["id"], text=text, raw_text=text, kind=d["kind"], source=f"syn/{d['id']}",
                               date=d["date"], year=year, year_source="metadata", language="fr")
                corpus.upsert_document(doc)
                ps = corpus.replace_passages(doc.id, _passages(doc.id, d["sentences"]),
                                             [stems(s) for s in d["sentences"]])
                for k, label in enumerate(d.get("labels", [])):
                    p = ps[min(k, len(ps) - 1)]  # the k-th label is carried by the k-th sentence
                    if d["kind"] == "verbatim":
                        rows["doc_aspects"].append({"doc_id": doc.id, "aspect_id": label, "score": 0.9,
                                                    "polarity": "negative", "evidence": p.text})
                        rows["passage_themes"].append({"passage_id": p.id, "doc_id": doc.id, "theme_id": label,
                                                       "taxonomy": "aspects", "score": 0.9})
                    else:
                        rows["doc_themes"].append({"doc_id": doc.id, "theme_id": label, "taxonomy": "editorial",
                                                   "score": 0.9})
                        rows["passage_themes"].append({"passage_id": p.id, "doc_id": doc.id, "theme_id": label,
                                                       "taxonomy": "editorial", "score": 0.9})
            corpus.write_analysis("themes", ("doc_themes", "passage_themes", "doc_aspects"),
                                  {d["id"]: "k" for d in docs}, rows)
    return path


SENTENCES = {
    "price": "Le prix de la cotisation a encore augmenté cette année.",
    "reachability_wait": "Impossible de joindre le service client, une attente interminable au téléphone.",
    "staff_courtesy": "La conseillère était aimable et à l'écoute.",
    None: "Contrat signé sans histoire.",
}


def monthly_verbatims(per_month: int, months: list[str], share: dict[str, dict[str, float]]) -> list[dict[str, Any]]:
    """`per_month` verbatims in each month; aspect a is carried by round(share[a][month] * per_month) of them."""
    docs = []
    for m in months:
        counts = {a: round(s.get(m, 0.0) * per_month) for a, s in share.items()}
        for i in range(per_month):
            labels = [a for a, k in counts.items() if i < k]
            sentences = [SENTENCES[a] for a in labels] or [SENTENCES[None]]
            docs.append({"id": f"v{m}_{i:03d}", "kind": "verbatim", "date": f"{m}-15", "sentences": sentences,
                         "labels": labels})
    return docs
