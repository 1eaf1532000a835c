"""A synthetic review store whose true effects are known, for drivers and segment comparisons.

600 verbatims, half from insurer "Alpha", half from "Beta" (j = position within the insurer), plus a
tiny insurer "Gamma" (5 reviews: too small to test) and two reviews whose rating is unusable:
- claims (aspect, negative) in every 4th review of each insurer, and only those are rated 1; the others
  are rated 5 (every 7th of them 4): claims' impact on the mean rating is about -4;
- price (aspect) in every 3rd review of each insurer, independent of the rating: impact about 0,
  same share in both insurers;
- reachability_wait (aspect, negative) in 40% of Alpha's reviews and 20% of Beta's (twice the share);
  its sentences say "attente", a word therefore over-represented in Alpha;
- document sentiment: negative when claims, positive otherwise; channel: web or phone (alternating);
- nps: twice the rating, stored as text ("10"), as tables read as text keep it (Alpha and Beta only).
"""
from __future__ import annotations

from pathlib import Path

from textlens.analysis.segment import stems
from textlens.document import Document, Passage
from textlens.store import Corpus

N_PER_INSURER = 300
CLAIMS = "Sinistre jamais indemnisé, dossier perdu deux fois."
PRICE = "Le tarif de la cotisation reste dans la moyenne."
WAIT = "Une attente interminable au téléphone, une attente sans fin."
PLAIN = "Contrat souscrit en ligne sans difficulté."


def is_claims(j: int) -> bool:
    return j % 4 == 0


def is_price(j: int) -> bool:
    return j % 3 == 0


def is_wait(insurer: str, j: int) -> bool:
    return j % 5 in ((0, 1) if insurer == "Alpha" else (0,))


def rating(j: int) -> int:
    return 1 if is_claims(j) else (4 if j % 7 == 0 else 5)


def _reviews() -> list[tuple[str, str, int, dict]]:
    """(doc id, insurer, j, metadata) of every review."""
    out = []
    for i in range(2 * N_PER_INSURER):
        insurer, j = ("Alpha", i // 2) if i % 2 == 0 else ("Beta", i // 2)
        out.append((f"r{i:04d}", insurer, j, {"insurer": insurer, "rating": rating(j), "nps": str(2 * rating(j)),
                                              "channel": "web" if i % 2 == 0 else "phone"}))
    for j in range(5):
        out.append((f"g{j}", "Gamma", 1001 + j, {"insurer": "Gamma", "rating": rating(1001 + j), "channel": "web"}))
    out.append(("bad_rating", "Beta", 1009, {"insurer": "Beta", "rating": "five stars", "channel": "web"}))
    out.append(("no_rating", "Beta", 1010, {"insurer": "Beta", "channel": "phone"}))
    return out


def build(path: Path) -> Path:
    """Write the store at `path` and return it."""
    with Corpus.open(path) as corpus, corpus.transaction():
        themes: dict[str, list[dict]] = {"doc_themes": [], "passage_themes": [], "doc_aspects": []}
        sentiment: dict[str, list[dict]] = {"doc_sentiment": [], "passage_sentiment": []}
        keys = {}
        for row, (doc_id, insurer, j, meta) in enumerate(_reviews(), start=1):
            aspects = [("claims_handling", CLAIMS, "negative")] if is_claims(j) else []
            if is_price(j):
                aspects.append(("price", PRICE, "positive" if j % 2 else "negative"))
            if is_wait(insurer, j):
                aspects.append(("reachability_wait", WAIT, "negative"))
            sentences = [s for _, s, _ in aspects] or [PLAIN]
            text = " ".join(sentences)
            doc = Document(id=doc_id, text=text, raw_text=text, kind="verbatim", source="avis.csv", row=row,
                           date=f"{2020 + j % 3}-0{1 + j % 9}-01", year=2020 + j % 3, year_source="metadata",
                           language="fr", metadata=meta)
            corpus.upsert_document(doc)
            passages, pos = [], 0
            for k, s in enumerate(sentences):
                passages.append(Passage(doc_id, k, pos, pos + len(s), s))
                pos += len(s) + 1
            stored = corpus.replace_passages(doc_id, passages, [stems(s) for s in sentences])
            for (aspect, sentence, polarity), p in zip(aspects, stored):
                themes["doc_aspects"].append({"doc_id": doc_id, "aspect_id": aspect, "polarity": polarity,
                                              "score": 0.9, "evidence": sentence})
                themes["passage_themes"].append({"passage_id": p.id, "doc_id": doc_id, "theme_id": aspect,
                                                 "taxonomy": "aspects", "score": 0.8})
            label = "negative" if is_claims(j) else "positive"
            sentiment["doc_sentiment"].append({"doc_id": doc_id, "label": label, "score": 0.0})
            for p in stored:
                sentiment["passage_sentiment"].append({"passage_id": p.id, "doc_id": doc_id, "label": label,
                                                       "score": -0.8 if label == "negative" else 0.8})
            keys[doc_id] = "k"
        corpus.write_analysis("themes", ("doc_themes", "passage_themes", "doc_aspects"), keys, themes)
        corpus.write_analysis("sentiment", ("doc_sentiment", "passage_sentiment"), keys, sentiment)
    return path
