"""Encoders per document kind in the themes analysis: verbatims on the static fast tier by default."""
from __future__ import annotations

from textlens.analysis.base import AnalysisInput
from textlens.analysis.segment import split_passages
from textlens.themes.analyzer import ThemeAnalyzer


def doc(doc_id: str, text: str, kind: str = "verbatim") -> AnalysisInput:
    passages = split_passages(doc_id, text)
    for i, p in enumerate(passages):
        p.id = i + 1
    return AnalysisInput(doc_id=doc_id, kind=kind, text=text, title=None, year=None, language="fr",
                         content_hash="x", passages=passages)


def test_default_encoders_per_kind_and_keys():
    default = ThemeAnalyzer()
    assert default.encoder_for("verbatim") == "fast"
    assert default.encoder_for("article") == default.encoder_for("editorial") != "fast"
    one = ThemeAnalyzer(encoder="none")  # one encoder named: every kind uses it
    assert {one.encoder_for(k) for k in ("article", "editorial", "verbatim")} == {"none"}
    keys = {default.key(), one.key(), ThemeAnalyzer(encoders={"verbatim": "none"}).key(),
            ThemeAnalyzer(encoder="e5-small-int8").key()}
    assert len(keys) == 4  # a different encoder for any kind re-computes themes
    assert ThemeAnalyzer(encoders={"verbatim": "fast"}).key() == default.key()


def test_verbatims_scored_with_the_fast_tier_find_their_aspects():
    analyzer = ThemeAnalyzer(encoders={"article": "none", "editorial": "none"})  # no e5 load in this test
    batch = [doc("v1", "Impossible de joindre le service client, 40 minutes d'attente au téléphone."),
             doc("v2", "Tarif trop cher, la cotisation augmente chaque année."),
             doc("a1", "Les centres de contacts externalisent leur relation client.", kind="article")]
    rows = analyzer.analyze(batch, None)
    found = {(r["doc_id"], r["theme_id"]) for r in rows["doc_themes"]}
    assert ("v1", "reachability_wait") in found
    assert ("v2", "price") in found
    assert {r["taxonomy"] for r in rows["doc_themes"] if r["doc_id"].startswith("v")} == {"aspects"}
    scorer = analyzer.scorer("verbatim")
    assert type(scorer.encoder).__name__ == "StaticEncoder"
    assert analyzer.scorer("article").encoder is None
