"""The "sentiment" analysis on a real store: passage/document rows, aspect polarity from the aspects
the themes analysis wrote, per-theme tone of articles, non-French documents left alone."""
from __future__ import annotations

import json

import pytest

from textlens.analysis import load_analyzer
from textlens.analysis.segment import split_passages, stems
from textlens.document import Document
from textlens.pipeline import analysis_inputs
from textlens.store import Corpus

REVIEW = "Prix correct mais impossible de les joindre, une heure d'attente au téléphone."
REVIEW_2 = ("Conseillère très aimable et à l'écoute. Remboursement reçu en trois jours, parfait. "
            "Je recommande.")
ARTICLE = ("Le centre de contacts d'Amiens a ouvert en 2004. "
           "Les salariés dénoncent des conditions de travail déplorables et un stress permanent. "
           "Le site compte aujourd'hui 300 postes.")
ENGLISH = "The customer service was great and fast, thank you."


@pytest.fixture()
def store(tmp_path):
    corpus = Corpus.open(tmp_path / "t.db")
    docs = [Document("r1", REVIEW, REVIEW, kind="verbatim", language="fr"),
            Document("r2", REVIEW_2, REVIEW_2, kind="verbatim", language="fr"),
            Document("a1", ARTICLE, ARTICLE, kind="article", language="fr"),
            Document("e1", ENGLISH, ENGLISH, kind="verbatim", language="en")]
    passages = {}
    with corpus.transaction():
        for d in docs:
            corpus.upsert_document(d)
            ps = split_passages(d.id, d.text)
            passages[d.id] = corpus.replace_passages(d.id, ps, [stems(p.text) for p in ps])
    # What the themes analysis writes: aspects for verbatims, editorial themes for articles.
    p_r1, p_r2, p_a1 = passages["r1"][0], passages["r2"], passages["a1"]
    rows = {
        "passage_themes": [
            {"passage_id": p_r1.id, "doc_id": "r1", "theme_id": "price", "taxonomy": "aspects", "score": 0.8},
            {"passage_id": p_r1.id, "doc_id": "r1", "theme_id": "reachability_wait", "taxonomy": "aspects",
             "score": 0.9},
            {"passage_id": p_r2[0].id, "doc_id": "r2", "theme_id": "staff_courtesy", "taxonomy": "aspects",
             "score": 0.9},
            {"passage_id": p_r2[1].id, "doc_id": "r2", "theme_id": "claims_handling", "taxonomy": "aspects",
             "score": 0.9},
            {"passage_id": p_a1[1].id, "doc_id": "a1", "theme_id": "working_conditions", "taxonomy": "editorial",
             "score": 0.9},
            {"passage_id": p_a1[0].id, "doc_id": "a1", "theme_id": "employment_regions", "taxonomy": "editorial",
             "score": 0.7},
            {"passage_id": p_a1[2].id, "doc_id": "a1", "theme_id": "employment_regions", "taxonomy": "editorial",
             "score": 0.7},
        ],
        "doc_themes": [
            {"doc_id": "r1", "theme_id": "price", "taxonomy": "aspects", "score": 0.8},
            {"doc_id": "r1", "theme_id": "reachability_wait", "taxonomy": "aspects", "score": 0.9},
            {"doc_id": "r2", "theme_id": "staff_courtesy", "taxonomy": "aspects", "score": 0.9},
            {"doc_id": "r2", "theme_id": "claims_handling", "taxonomy": "aspects", "score": 0.9},
            {"doc_id": "a1", "theme_id": "working_conditions", "taxonomy": "editorial", "score": 0.9},
            {"doc_id": "a1", "theme_id": "employment_regions", "taxonomy": "editorial", "score": 0.7},
        ],
    }
    with corpus.transaction():
        corpus.write_analysis("themes", ("doc_themes", "passage_themes"), {d.id: "k" for d in docs}, rows)
    yield corpus
    corpus.close()


def run_sentiment(corpus: Corpus) -> dict:
    analyzer = load_analyzer("sentiment")
    assert analyzer.requires == ("themes",)
    batch = analysis_inputs(corpus, ["r1", "r2", "a1", "e1"])
    rows = analyzer.analyze(batch, corpus)
    with corpus.transaction():
        corpus.write_analysis(analyzer.name, analyzer.tables, {d.doc_id: analyzer.key() for d in batch}, rows)
    return rows


def test_rows_for_every_french_passage_and_document(store):
    rows = run_sentiment(store)
    n_passages = store.conn.execute("SELECT COUNT(*) FROM passages WHERE doc_id != 'e1'").fetchone()[0]
    assert len(rows["passage_sentiment"]) == n_passages
    assert {r["doc_id"] for r in rows["doc_sentiment"]} == {"r1", "r2", "a1"}  # English left alone
    for r in rows["passage_sentiment"] + rows["doc_sentiment"]:
        assert r["label"] in ("positive", "negative", "neutral", "mixed") and -1 <= r["score"] <= 1
    docs = {r["doc_id"]: r for r in rows["doc_sentiment"]}
    assert docs["r2"]["label"] == "positive"
    assert docs["r1"]["score"] < 0


def test_aspect_polarity_is_read_from_its_clause(store):
    run_sentiment(store)
    got = {(r["doc_id"], r["aspect_id"]): r for r in
           map(dict, store.conn.execute("SELECT * FROM doc_aspects").fetchall())}
    assert got[("r1", "price")]["polarity"] == "positive"  # the review as a whole is negative
    assert got[("r1", "reachability_wait")]["polarity"] == "negative"
    assert "Prix correct" in got[("r1", "price")]["evidence"]
    assert got[("r2", "staff_courtesy")]["polarity"] == "positive"
    assert got[("r2", "claims_handling")]["polarity"] == "positive"
    assert set(got) == {("r1", "price"), ("r1", "reachability_wait"), ("r2", "staff_courtesy"),
                        ("r2", "claims_handling")}


def test_article_tone_and_sentiment_per_theme(store):
    run_sentiment(store)
    row = store.conn.execute("SELECT label, score, detail FROM doc_sentiment WHERE doc_id='a1'").fetchone()
    detail = json.loads(row["detail"])
    assert sum(detail["sentences"].values()) == 3
    themes = detail["themes"]  # the tone of the sentences the themes analysis tied to each theme
    assert themes["working_conditions"]["sentences"] == 1 and themes["employment_regions"]["sentences"] == 2
    labels = dict(store.conn.execute(
        "SELECT p.idx, s.label FROM passage_sentiment s JOIN passages p ON p.id = s.passage_id"
        " WHERE s.doc_id='a1'").fetchall())
    assert themes["working_conditions"]["label"] == labels[1]  # one sentence: its own label
    assert row["label"] in ("positive", "negative", "neutral", "mixed") and -1 <= row["score"] <= 1


def test_rerun_replaces_rows(store):
    run_sentiment(store)
    first = store.count("doc_aspects"), store.count("passage_sentiment"), store.count("doc_sentiment")
    run_sentiment(store)
    assert (store.count("doc_aspects"), store.count("passage_sentiment"), store.count("doc_sentiment")) == first


def test_key_changes_with_the_model_file(tmp_path, monkeypatch):
    from textlens.sentiment.analyzer import SentimentAnalyzer

    a = SentimentAnalyzer().key()
    other = tmp_path / "m.joblib"
    other.write_bytes(b"another model")
    assert SentimentAnalyzer(model=str(other)).key() != a


def test_unavailable_reason_names_a_missing_model(tmp_path, monkeypatch):
    from textlens.pipeline import available_analyses
    from textlens.sentiment.analyzer import SentimentAnalyzer

    monkeypatch.delenv("TEXTLENS_SENTIMENT_MODEL", raising=False)
    assert SentimentAnalyzer.unavailable_reason() is None  # the committed model
    monkeypatch.setenv("TEXTLENS_SENTIMENT_MODEL", str(tmp_path / "gone.pkl.gz"))
    reason = SentimentAnalyzer.unavailable_reason()
    assert reason is not None and "gone.pkl.gz" in reason
    ok, missing = available_analyses(["sentiment"])
    assert ok == [] and "gone.pkl.gz" in missing[0]  # the run skips it with the reason instead of crashing
