"""A small synthetic store written directly through `Corpus`, so trend numbers can be checked exactly.

Layout (editorial articles, one per line of ARTICLES_PER_YEAR):
- 2010-2017, 6 articles a year except 2017 (2: a sparse year);
- offshoring carried by OFFSHORING[y] articles of year y (falls steadily), technology_automation by
  TECH[y] (rises); offshoring articles mention Teleperformance (VENDOR), every third article Arcep;
- one undated article with offshoring, one duplicate of the first 2010 article (never counted) and one
  English article of 2012 (kept, not analysed, left out of every share);
- 40 verbatims over 2019-2020 (dates with months) with aspects, polarity and a document sentiment.
"""
from __future__ import annotations

from pathlib import Path

from textlens.analysis.segment import stems
from textlens.document import Document, Passage
from textlens.store import Corpus

YEARS = list(range(2010, 2018))
ARTICLES_PER_YEAR = {y: (2 if y == 2017 else 6) for y in YEARS}
OFFSHORING = {2010: 5, 2011: 4, 2012: 4, 2013: 3, 2014: 2, 2015: 1, 2016: 0, 2017: 0}
TECH = {2010: 0, 2011: 1, 2012: 2, 2013: 2, 2014: 3, 2015: 4, 2016: 5, 2017: 2}

OFF_SENT = "La délocalisation des centres d'appels au Maroc inquiète les salariés de Teleperformance."
TECH_SENT = "Les chatbots et l'intelligence artificielle transforment le service client."
PLAIN_SENT = "Le marché de la relation client reste dynamique selon les professionnels."
ARCEP_SENT = "L'Arcep surveille les numéros surtaxés des hotlines."


def _passages(doc_id: str, sentences: list[str]) -> list[Passage]:
    out, pos = [], 0
    for i, s in enumerate(sentences):
        out.append(Passage(doc_id, i, pos, pos + len(s), s))
        pos += len(s) + 1
    return out


def build(path: Path) -> Path:
    """Write the synthetic store at `path` and return it."""
    docs: list[tuple[Document, list[str], list[str], list[tuple[str, str, str]]]] = []
    for y in YEARS:
        for i in range(ARTICLES_PER_YEAR[y]):
            doc_id = f"a{y}_{i}"
            sentences, themes, ents = [PLAIN_SENT], [], []
            if i < OFFSHORING[y]:
                sentences.append(OFF_SENT)
                themes.append("offshoring")
                ents.append(("Teleperformance", "VENDOR", "Teleperformance"))
            if i >= ARTICLES_PER_YEAR[y] - TECH[y]:
                sentences.append(TECH_SENT)
                themes.append("technology_automation")
            if i % 3 == 0:
                sentences.append(ARCEP_SENT)
                ents.append(("Arcep", "INSTITUTION", "L'Arcep"))
            text = " ".join(sentences)
            doc = Document(id=doc_id, text=text, raw_text=text, kind="article", source=f"press/{doc_id}.txt",
                           date=f"{y}-0{1 + i % 9}-15", year=y, year_source="text", language="fr")
            docs.append((doc, sentences, themes, ents))
    text = " ".join([PLAIN_SENT, OFF_SENT])
    docs.append((Document(id="undated", text=text, raw_text=text, kind="article", source="press/undated.txt",
                          language="fr"), [PLAIN_SENT, OFF_SENT], ["offshoring"],
                 [("Teleperformance", "VENDOR", "TP")]))
    english = "Offshoring of call centres to Morocco worries Teleperformance staff."
    docs.append((Document(id="english", text=english, raw_text=english, kind="article", source="press/en.txt",
                          date="2012-05-01", year=2012, language="en"), [english], [], []))
    first = docs[0][0]
    docs.append((Document(id="dup", text=first.text, raw_text=first.text, kind="article", source="press/dup.txt",
                          date=first.date, year=first.year, language="fr", duplicate_of=first.id),
                 docs[0][1], docs[0][2], docs[0][3]))
    verbatims = []
    for i in range(40):
        year = 2019 + i // 20
        month = 1 + (i % 20) // 4 * 3  # 1, 4, 7, 10, 13 -> quarters; 13 folds to next year below
        month = month if month <= 12 else 12
        negative = i % 2 == 0
        price = i % 4 == 0 or i % 4 == 1  # half the negatives, half the positives mention price
        wait = negative and i % 3 != 1
        parts = []
        if price:
            parts.append("Le prix de la cotisation est " + ("trop élevé." if negative else "correct."))
        if wait:
            parts.append("Impossible de joindre le service, une attente interminable au téléphone.")
        if not parts:
            parts.append("Conseiller aimable." if not negative else "Dossier mal suivi.")
        text = " ".join(parts)
        doc = Document(id=f"v{i:02d}", text=text, raw_text=text, kind="verbatim", source="avis.csv", row=i + 1,
                       date=f"{year}-{month:02d}-10", year=year, year_source="metadata", language="fr")
        verbatims.append((doc, parts, negative, price, wait))

    with Corpus.open(path) as corpus:
        with corpus.transaction():
            theme_rows: dict[str, list[dict]] = {"doc_themes": [], "passage_themes": [], "doc_aspects": []}
            mention_rows: list[dict] = []
            sentiment_rows: dict[str, list[dict]] = {"doc_sentiment": [], "passage_sentiment": []}
            for doc, sentences, themes, ents in docs:
                corpus.upsert_document(doc)
                ps = corpus.replace_passages(doc.id, _passages(doc.id, sentences), [stems(s) for s in sentences])
                for t in themes:
                    theme_rows["doc_themes"].append({"doc_id": doc.id, "theme_id": t, "taxonomy": "editorial",
                                                     "score": 0.9})
                    sent = OFF_SENT if t == "offshoring" else TECH_SENT
                    p = next(p for p in ps if p.text == sent)
                    theme_rows["passage_themes"].append({"passage_id": p.id, "doc_id": doc.id, "theme_id": t,
                                                         "taxonomy": "editorial", "score": 0.8})
                for ent, typ, surface in ents:
                    p = next(p for p in ps if ent.lower() in p.text.lower() or surface in p.text)
                    mention_rows.append({"doc_id": doc.id, "passage_id": p.id, "entity": ent, "type": typ,
                                         "text": surface})
                tone = "negative" if "offshoring" in themes else "positive"
                sentiment_rows["doc_sentiment"].append({"doc_id": doc.id, "label": tone, "score": 0.0})
                for p in ps:
                    label = "negative" if p.text == OFF_SENT else "neutral"
                    sentiment_rows["passage_sentiment"].append({"passage_id": p.id, "doc_id": doc.id,
                                                                "label": label, "score": 0.0})
            for doc, parts, negative, price, wait in verbatims:
                corpus.upsert_document(doc)
                ps = corpus.replace_passages(doc.id, _passages(doc.id, parts), [stems(s) for s in parts])
                if price:
                    theme_rows["doc_aspects"].append({"doc_id": doc.id, "aspect_id": "price", "score": 0.9,
                                                      "polarity": "negative" if negative else "positive",
                                                      "evidence": parts[0]})
                    theme_rows["passage_themes"].append({"passage_id": ps[0].id, "doc_id": doc.id,
                                                         "theme_id": "price", "taxonomy": "aspects", "score": 0.9})
                if wait:
                    theme_rows["doc_aspects"].append({"doc_id": doc.id, "aspect_id": "reachability_wait",
                                                      "score": 0.8, "polarity": "negative", "evidence": parts[-1]})
                label = "negative" if negative else "positive"
                sentiment_rows["doc_sentiment"].append({"doc_id": doc.id, "label": label, "score": 0.0})
            all_ids = [d[0].id for d in docs] + [v[0].id for v in verbatims]
            keys = {d: "k" for d in all_ids}
            corpus.write_analysis("themes", ("doc_themes", "passage_themes", "doc_aspects"), keys, theme_rows)
            corpus.write_analysis("entities", ("mentions", "figures"), keys, {
                "mentions": mention_rows,
                "figures": [{"doc_id": "a2012_0", "value": "45 %", "about": "part des appels délocalisés",
                             "source": "Ipsos", "sentence": "45 % des appels sont traités au Maroc selon Ipsos.",
                             "number": 45.0, "unit": "%"},
                            {"doc_id": "a2015_1", "value": "3 000", "about": "emplois créés en région",
                             "source": None, "sentence": "3 000 emplois ont été créés dans les régions.",
                             "number": 3000.0, "unit": None}]})
            corpus.write_analysis("sentiment", ("doc_sentiment", "passage_sentiment"), keys, sentiment_rows)
            _write_topics(corpus)
    return path


def _write_topics(corpus: Corpus) -> None:
    """Topics as the topics step writes them, fitted per group: in articles, offshoring sentences (0) and
    chatbot sentences (1); in verbatims, price sentences (2); every other sentence is an outlier (-1)."""
    import json

    topic_of = {OFF_SENT: 0, TECH_SENT: 1, **{f"Le prix de la cotisation est {e}": 2
                                            for e in ("trop élevé.", "correct.")}}
    rows = corpus.conn.execute(
        "SELECT p.id, p.doc_id, p.text FROM passages p JOIN documents d ON d.id = p.doc_id"
        " WHERE d.duplicate_of IS NULL AND d.language = 'fr' ORDER BY p.id").fetchall()
    per_doc: dict[str, list[int]] = {}
    for pid, doc_id, text in rows:
        tid = topic_of.get(text, -1)
        corpus.conn.execute("INSERT INTO passage_topics(passage_id, doc_id, topic_id, score) VALUES (?,?,?,?)",
                            (pid, doc_id, tid, 0.9))
        per_doc.setdefault(doc_id, []).append(tid)
    for doc_id, tids in per_doc.items():
        for tid in set(tids):
            corpus.conn.execute("INSERT INTO doc_topics(doc_id, topic_id, score) VALUES (?,?,?)",
                                (doc_id, tid, tids.count(tid) / len(tids)))
    sizes = {t: sum(1 for r in rows if topic_of.get(r[2], -1) == t) for t in (0, 1, 2, -1)}
    for tid, label, terms, theme in ((0, "délocalisation_maroc", ["délocalisation", "maroc", "centres"], "offshoring"),
                                     (1, "chatbots_intelligence", ["chatbots", "intelligence"], "technology_automation"),
                                     (2, "prix_cotisation", ["prix", "cotisation"], "price"),
                                     (-1, "(outliers)", [], None)):
        reps = [{"passage_id": None, "doc_id": None, "text": terms[0]}] if tid >= 0 else []
        corpus.conn.execute(
            "INSERT INTO topics(id, label, terms, size, theme_id, theme_score, representatives) VALUES (?,?,?,?,?,?,?)",
            (tid, label, json.dumps(terms), sizes[tid], theme, 0.8 if theme else None, json.dumps(reps)))
    corpus.set_stat("topics", {"status": "fitted", "npmi": 0.12, "diversity": 0.9, "n_topics": 3,
                               "outlier_share": sizes[-1] / len(rows), "groups": {"article": {"status": "fitted"}}})
