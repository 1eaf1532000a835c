"""A synthetic store written through `textlens.store.Corpus` with every table a report reads.

Articles 2004-2012 (5 a year, 2 in 2009: a sparse year) with editorial themes whose shares move
(offshoring rises then falls, technology_automation rises), entities of several types, figures,
studies and sentiment; 90 verbatims 2019-2021 with aspects and polarity; three discovered topics
with quality figures; one duplicate, one undated and one English document; one skipped input.
`hostile=True` puts HTML/JavaScript payloads in titles, passages, ids, entity names, topic labels,
figures, sources and a theme id, to prove the report never runs corpus text.
"""
from __future__ import annotations

from pathlib import Path

from query_fixtures import _passages  # one passage per sentence, with offsets
from textlens.analysis.segment import stems
from textlens.document import Document, Skipped
from textlens.store import Corpus

YEARS = list(range(2004, 2013))
PER_YEAR = {y: (2 if y == 2009 else 5) for y in YEARS}
OFFSHORING = {2004: 1, 2005: 2, 2006: 4, 2007: 4, 2008: 3, 2009: 1, 2010: 1, 2011: 0, 2012: 0}
TECH = {2004: 0, 2005: 0, 2006: 1, 2007: 1, 2008: 2, 2009: 1, 2010: 3, 2011: 4, 2012: 5}

OFF = "La délocalisation des centres d'appels au Maroc inquiète les salariés de Teleperformance."
TECH_S = "Les serveurs vocaux et les agents virtuels transforment le service client chez Webhelp."
PLAIN = "Le marché de la relation client reste dynamique selon les professionnels du secteur."
ARCEP = "L'Arcep rappelle les règles des numéros surtaxés."
IPSOS = "Selon le baromètre Ipsos, 62 % des clients préfèrent le téléphone."

# Payloads that would run if any corpus string reached the page unescaped.
PAYLOADS = {
    "script": "<script>window.__pwned='script'</script>",
    "img": "<img src=x onerror=\"window.__pwned='img'\">",
    "textarea": "</textarea><svg onload=\"window.__pwned='svg'\"></svg>",
    "close_script": "</script><script>window.__pwned='close'</script>",
    "js_link": "<a href=\"javascript:window.__pwned='link'\">cliquez</a>",
    "md_link": "[cliquez](javascript:window.__pwned='md')",
    "separators": "fin\u2028de\u2029ligne",
    "formula": "=HYPERLINK(\"http://example.invalid\",\"x\")",
    "math": "$\\alpha$ 100$",
}
HOSTILE_TITLE = "Titre " + PAYLOADS["script"] + PAYLOADS["textarea"]
HOSTILE_PASSAGE = ("La délocalisation " + PAYLOADS["img"] + " " + PAYLOADS["close_script"] + " "
                   + PAYLOADS["separators"] + " " + PAYLOADS["md_link"] + ".")
HOSTILE_ENTITY = "Evil" + PAYLOADS["js_link"] + PAYLOADS["math"]
HOSTILE_TOPIC = "<b>gras</b>" + PAYLOADS["img"]
HOSTILE_THEME = "theme<img src=x onerror=\"window.__pwned='theme'\">"
HOSTILE_ID = "doc<svg onload=\"window.__pwned='id'\">"


def build(path: Path, hostile: bool = False) -> Path:
    """Write the synthetic store at `path` and return it."""
    articles = []
    for y in YEARS:
        for i in range(PER_YEAR[y]):
            doc_id = f"a{y}_{i}"
            sents, themes, ents = [PLAIN], ["recruitment_skills"] if i % 2 == 0 else [], []
            if i < OFFSHORING[y]:
                sents.append(OFF)
                themes.append("offshoring")
                ents.append(("Teleperformance", "VENDOR", "Teleperformance", 1))
            if i >= PER_YEAR[y] - TECH[y]:
                sents.append(TECH_S)
                themes.append("technology_automation")
                ents.append(("Webhelp", "VENDOR", "Webhelp", len(sents) - 1))
            if i % 2 == 1:
                sents.append(ARCEP)
                ents.append(("Arcep", "INSTITUTION", "L'Arcep", len(sents) - 1))
            if i == 0:
                sents.append(IPSOS)
                ents.append(("Ipsos", "RESEARCH_FIRM", "Ipsos", len(sents) - 1))
                ents.append(("Baromètre Ipsos", "STUDY", "baromètre Ipsos", len(sents) - 1))
            title = f"Article {y}-{i}"
            if hostile and y == 2007 and i == 0:
                doc_id, title = HOSTILE_ID, HOSTILE_TITLE
                sents.append(HOSTILE_PASSAGE)
                ents.append((HOSTILE_ENTITY, "VENDOR", "Evil", len(sents) - 1))
                themes.append(HOSTILE_THEME)
            articles.append(dict(
                doc=Document(id=doc_id, text=" ".join(sents), raw_text=" ".join(sents), kind="article",
                             source=("press/" + PAYLOADS["img"] + ".txt") if hostile and i == 0 else
                             f"press/{doc_id}.txt", title=title, date=f"{y}-0{1 + i}-15", year=y,
                             year_source="text", language="fr",
                             url="javascript:window.__pwned='url'" if hostile else None),
                sents=sents, themes=themes, ents=ents, tone=["negative", "positive", "neutral", "mixed"][i % 4]))
    extra = [
        Document(id="undated", text=PLAIN + " " + OFF, raw_text=PLAIN + " " + OFF, kind="article",
                 source="press/undated.txt", title="Sans date", language="fr"),
        Document(id="english", text="Call centres keep growing in Europe.", raw_text="x", kind="article",
                 source="press/english.txt", title="English", date="2010-05-01", year=2010, language="en"),
    ]
    first = articles[0]["doc"]
    extra.append(Document(id="dup", text=first.text, raw_text=first.text, kind="article", source="press/dup.txt",
                          title=first.title, date=first.date, year=first.year, language="fr",
                          duplicate_of=first.id))
    verbatims = []
    for i in range(90):
        year = 2019 + i // 30
        negative = i % 3 != 0 if year == 2021 else i % 3 == 0  # negatives rise in 2021
        parts, aspects = [], []
        if i % 2 == 0:
            parts.append("Le prix de la cotisation est " + ("trop élevé." if negative else "correct."))
            aspects.append(("price", "negative" if negative else "positive", 0))
        if negative and i % 5 != 0:
            parts.append("Impossible de joindre le service, attente interminable.")
            aspects.append(("reachability_wait", "negative", len(parts) - 1))
        if not negative and i % 4 == 1:
            parts.append("Conseillère très aimable et à l'écoute.")
            aspects.append(("staff_courtesy", "positive", len(parts) - 1))
        if not parts:
            parts.append("Dossier traité." if not negative else "Dossier mal suivi.")
        verbatims.append(dict(doc=Document(
            id=f"v{i:03d}", text=" ".join(parts), raw_text=" ".join(parts), kind="verbatim", source="avis.csv",
            row=i + 1, date=f"{year}-{1 + i % 12:02d}-10", year=year, year_source="metadata", language="fr"),
            parts=parts, aspects=aspects, tone="negative" if negative else "positive"))

    with Corpus.open(path) as corpus:
        run_id = corpus.start_run({"command": "test fixture"})
        with corpus.transaction():
            rows = {k: [] for k in ("doc_themes", "passage_themes", "doc_aspects", "mentions", "figures",
                                    "studies", "quotes", "doc_sentiment", "passage_sentiment", "doc_topics",
                                    "passage_topics")}
            topic_passages: dict[int, list[int]] = {0: [], 1: [], 2: []}
            for a in articles:
                doc = a["doc"]
                corpus.upsert_document(doc, run_id)
                ps = corpus.replace_passages(doc.id, _passages(doc.id, a["sents"]), [stems(s) for s in a["sents"]])
                for t in a["themes"]:
                    rows["doc_themes"].append({"doc_id": doc.id, "theme_id": t, "taxonomy": "editorial",
                                               "score": 0.9})
                    target = {"offshoring": OFF, "technology_automation": TECH_S}.get(t)
                    p = next((p for p in ps if p.text == target), ps[-1] if t == HOSTILE_THEME else ps[0])
                    rows["passage_themes"].append({"passage_id": p.id, "doc_id": doc.id, "theme_id": t,
                                                   "taxonomy": "editorial", "score": 0.8})
                for name, etype, surface, idx in a["ents"]:
                    rows["mentions"].append({"doc_id": doc.id, "passage_id": ps[idx].id, "entity": name,
                                             "type": etype, "text": surface})
                rows["doc_sentiment"].append({"doc_id": doc.id, "label": a["tone"], "score": 0.1})
                for p in ps:
                    label = "negative" if p.text == OFF else "positive" if p.text == TECH_S else "neutral"
                    rows["passage_sentiment"].append({"passage_id": p.id, "doc_id": doc.id, "label": label,
                                                      "score": -0.6 if label == "negative" else 0.5})
                    topic = 0 if p.text == OFF else 1 if p.text == TECH_S else 2 if p.text == ARCEP else None
                    if topic is not None:
                        rows["passage_topics"].append({"passage_id": p.id, "doc_id": doc.id, "topic_id": topic,
                                                       "score": 0.7})
                        topic_passages[topic].append(p.id)
                for topic in sorted({r["topic_id"] for r in rows["passage_topics"] if r["doc_id"] == doc.id}):
                    rows["doc_topics"].append({"doc_id": doc.id, "topic_id": topic, "score": 0.6})
                if IPSOS in a["sents"]:
                    rows["figures"].append({"doc_id": doc.id, "passage_id": ps[a["sents"].index(IPSOS)].id,
                                            "value": "62 %", "about": "clients préférant le téléphone",
                                            "source": "Ipsos", "sentence": IPSOS, "unit": "%", "number": 62.0})
                    rows["studies"].append({"doc_id": doc.id, "name": "Baromètre Ipsos", "conducted_by": "Ipsos",
                                            "commissioned_by": None, "year": doc.year, "scope": "France",
                                            "sentence": IPSOS})
                if doc.id == HOSTILE_ID:
                    rows["figures"].append({"doc_id": doc.id, "passage_id": ps[-1].id, "value": PAYLOADS["formula"],
                                            "about": PAYLOADS["img"], "source": HOSTILE_ENTITY,
                                            "sentence": HOSTILE_PASSAGE, "unit": None, "number": None})
                    rows["studies"].append({"doc_id": doc.id, "name": PAYLOADS["script"], "conducted_by": "x",
                                            "commissioned_by": None, "year": 2007, "scope": None,
                                            "sentence": HOSTILE_PASSAGE})
                    rows["quotes"].append({"doc_id": doc.id, "passage_id": ps[-1].id, "text": PAYLOADS["js_link"],
                                           "speaker": PAYLOADS["script"], "sentence": HOSTILE_PASSAGE})
            for doc in extra:
                corpus.upsert_document(doc, run_id)
                sents = [s.strip() + "." for s in doc.text.split(".") if s.strip()]
                corpus.replace_passages(doc.id, _passages(doc.id, sents), [stems(s) for s in sents])
            for v in verbatims:
                doc = v["doc"]
                corpus.upsert_document(doc, run_id)
                ps = corpus.replace_passages(doc.id, _passages(doc.id, v["parts"]), [stems(s) for s in v["parts"]])
                for aspect, polarity, idx in v["aspects"]:
                    rows["doc_aspects"].append({"doc_id": doc.id, "aspect_id": aspect, "polarity": polarity,
                                                "score": 0.8, "evidence": v["parts"][idx]})
                    rows["passage_themes"].append({"passage_id": ps[idx].id, "doc_id": doc.id, "theme_id": aspect,
                                                   "taxonomy": "aspects", "score": 0.8})
                rows["doc_sentiment"].append({"doc_id": doc.id, "label": v["tone"], "score": 0.0})
                for p in ps:
                    rows["passage_sentiment"].append({"passage_id": p.id, "doc_id": doc.id, "label": v["tone"],
                                                      "score": -0.7 if v["tone"] == "negative" else 0.7})
            corpus.log_skipped(run_id, Skipped("avis.csv", 91, "empty text"))
            ids = [a["doc"].id for a in articles] + [d.id for d in extra if not d.duplicate_of] + [
                v["doc"].id for v in verbatims]
            keys = {d: "k1" for d in ids}
            corpus.write_analysis("themes", ("doc_themes", "passage_themes", "doc_aspects"), keys,
                                  {k: rows[k] for k in ("doc_themes", "passage_themes", "doc_aspects")})
            corpus.write_analysis("entities", ("mentions", "figures", "studies", "quotes"), keys,
                                  {k: rows[k] for k in ("mentions", "figures", "studies", "quotes")})
            corpus.write_analysis("sentiment", ("doc_sentiment", "passage_sentiment"), keys,
                                  {k: rows[k] for k in ("doc_sentiment", "passage_sentiment")})
            corpus.write_analysis("topics", ("doc_topics", "passage_topics"), keys,
                                  {k: rows[k] for k in ("doc_topics", "passage_topics")})
            labels = ["délocalisation maroc", "agents virtuels", HOSTILE_TOPIC if hostile else "arcep numéros"]
            terms = [["délocalisation", "maroc", "salariés"], ["agents", "virtuels", "serveurs"],
                     [PAYLOADS["script"], "arcep"] if hostile else ["arcep", "numéros", "surtaxés"]]
            import json

            for t in range(3):
                corpus.conn.execute(
                    "INSERT INTO topics(id, label, terms, size, theme_id, theme_score, representatives)"
                    " VALUES (?,?,?,?,?,?,?)",
                    (t, labels[t], json.dumps(terms[t]), len(topic_passages[t]),
                     ["offshoring", "technology_automation", None][t], 0.5, json.dumps(topic_passages[t][:3])))
            corpus.set_stat("topics", {"npmi": 0.142, "diversity": 0.83, "outlier_share": 0.08,
                                       "n_topics": 3, "seeds": {"ari": 0.91}})
            # the topic map: each topic's passages around its own point of the plane
            from textlens.store.topic_edits import MapPoint, replace_map

            doc_of = dict(corpus.conn.execute("SELECT id, doc_id FROM passages").fetchall())
            replace_map(corpus.conn, [MapPoint(pid, doc_of[pid], t, 3.0 * t + 0.01 * i, 1.0 - t + 0.02 * (i % 7),
                                               "press") for t in range(3) for i, pid in enumerate(topic_passages[t])])
        corpus.finish_run(run_id)
    return path
