"""Themes from a taxonomy: taxonomy files, tolerant matching, aspects of customer text, seeds, fingerprint."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from textlens.analysis.base import AnalysisInput
from textlens.analysis.segment import split_passages
from textlens.ingest.furniture import remove_furniture
from textlens.themes import TaxonomyError, load_taxonomy
from textlens.themes.analyzer import ThemeAnalyzer
from textlens.themes.lexicon import LexicalMatcher
from textlens.themes.scoring import ThemeScorer

EDITORIAL_IDS = ["offshoring", "outsourcing_market", "quality_labels", "recruitment_skills", "working_conditions",
                 "employment_regions", "customer_satisfaction", "technology_automation", "regulation_policy",
                 "public_services", "health_crisis_remote"]
ASPECT_IDS = ["price", "claims_handling", "reachability_wait", "staff_courtesy", "staff_competence",
              "contract_subscription", "digital_channels", "responsiveness"]


def doc(doc_id: str, text: str, kind: str = "verbatim", language: str | None = "fr") -> AnalysisInput:
    passages = split_passages(doc_id, text)
    for i, p in enumerate(passages):
        p.id = i + 1
    return AnalysisInput(doc_id=doc_id, kind=kind, text=text, title=None, year=None, language=language,
                         content_hash="x", passages=passages)


def test_builtin_taxonomies_have_the_agreed_ids():
    assert load_taxonomy("editorial").ids == EDITORIAL_IDS
    assert load_taxonomy("aspects").ids == ASPECT_IDS
    for name in ("editorial", "aspects"):
        for th in load_taxonomy(name).themes:
            assert th.label and th.description and th.terms and len(th.examples) >= 3


@pytest.mark.parametrize("text, theme, term_start", [
    ("jamais de rapel malgré la promesse", "reachability_wait", "rapel"),        # doubled letter missing
    ("remboursemment toujours pas fait", "claims_handling", "remboursemment"),  # doubled letter added
    ("j'ai demandé la resiliation", "contract_subscription", "resiliation"),    # accents missing
    ("les conseillers sont injoingnables", "reachability_wait", "injoingnables"),  # one-letter typo
    ("la cotisation a augmenter encore", "price", "cotisation"),
])
def test_aspect_terms_are_accent_and_typo_tolerant(text, theme, term_start):
    hits = LexicalMatcher(load_taxonomy("aspects")).find(text)
    assert theme in hits, hits
    assert any(text[h.start:h.end].startswith(term_start) for h in hits[theme])


def test_exclusions_and_ocr_slips_in_editorial_text():
    m = LexicalMatcher(load_taxonomy("editorial"))
    assert "offshoring" in m.find("Le résultat est sauvé par Poffshore.")  # OCR for "l'offshore"
    # "site internet" is technology, not a location of a contact centre
    assert "employment_regions" not in m.find("Le site internet a été refondu.")


def test_lexical_scorer_finds_aspects_in_sentences_we_wrote():
    scorer = ThemeScorer(load_taxonomy("aspects"))  # lexical only: fast
    cases = {
        "impossible de les joindre, 45 min d'attente au telephone": {"reachability_wait"},
        "conseillere tres aimable et a l'ecoute": {"staff_courtesy"},
        "prix tro cher pour ce qu'on a": {"price"},
        "le site bug tout le temps impossible de me conecter a mon espace client": {"digital_channels"},
        "l'expert n'est jamais venu et le sinistre n'est toujours pas indemnise": {"claims_handling"},
    }
    ids = scorer.taxonomy.ids
    scores = scorer.score(list(cases))
    th = scorer.taxonomy.scoring.threshold
    for (text, expected), row in zip(cases.items(), scores):
        found = {ids[j] for j, s in enumerate(row) if s >= th}
        assert expected <= found, (text, found)
        assert "staff_courtesy" not in found or "aimable" in text


def test_bad_taxonomy_files_give_clear_errors(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[themes.price]\nlabel = "Prix"\nterm = ["prix"]\n', encoding="utf-8")
    with pytest.raises(TaxonomyError) as exc:
        load_taxonomy(bad)
    msg = str(exc.value)
    assert "bad.toml" in msg and "unknown key(s) ['term']" in msg and "'description'" in msg
    bad.write_text('[themes.x]\nlabel = "X"\ndescription = "d"\nterms = ["re:(unclosed"]\n', encoding="utf-8")
    with pytest.raises(TaxonomyError, match="bad regular expression"):
        load_taxonomy(bad)
    bad.write_text("[themes.x\nlabel=", encoding="utf-8")
    with pytest.raises(TaxonomyError, match="invalid TOML"):
        load_taxonomy(bad)
    with pytest.raises(TaxonomyError, match="no such taxonomy file"):
        load_taxonomy(tmp_path / "missing.toml")
    bad.write_text('[meta]\nname = "x"\n', encoding="utf-8")
    with pytest.raises(TaxonomyError, match="no themes"):
        load_taxonomy(bad)


USER_TAXONOMY = """
[meta]
name = "energy"
kinds = ["verbatim"]

[themes.billing]
label = "Facturation"
description = "Factures, estimations et régularisations de consommation."
terms = ["factur*", "régularisation", "relevé de compteur"]
examples = ["Ma facture de régularisation est énorme."]

[themes.meter]
label = "Compteur"
description = "Compteur, Linky, relevés et interventions du technicien."
terms = ["compteur*", "linky", "technicien*"]
examples = ["Le technicien n'est jamais venu poser le compteur."]
"""


def test_user_taxonomy_file_is_used_for_its_kinds(tmp_path):
    path = tmp_path / "energy.toml"
    path.write_text(USER_TAXONOMY, encoding="utf-8")
    analyzer = ThemeAnalyzer(taxonomy=str(path), encoder="none")
    rows = analyzer.analyze([
        doc("v1", "Facture de regularisation incomprehensible. Le technicien Linky est venu deux fois."),
        doc("a1", "Les centres d'appels délocalisés au Maroc emploient des milliers de conseillers.", kind="article"),
    ], None)
    v1 = {(r["theme_id"], r["taxonomy"]) for r in rows["doc_themes"] if r["doc_id"] == "v1"}
    assert v1 == {("billing", "energy"), ("meter", "energy")}
    a1 = {r["theme_id"] for r in rows["doc_themes"] if r["doc_id"] == "a1"}
    assert "offshoring" in a1  # articles keep the default editorial taxonomy
    per_passage = {(r["passage_id"], r["theme_id"]) for r in rows["passage_themes"] if r["doc_id"] == "v1"}
    assert per_passage == {(1, "billing"), (2, "meter")}


def test_fingerprint_changes_with_the_taxonomy_and_encoder(tmp_path):
    path = tmp_path / "energy.toml"
    path.write_text(USER_TAXONOMY, encoding="utf-8")
    k1 = ThemeAnalyzer(taxonomy=str(path), encoder="none").key()
    assert ThemeAnalyzer(taxonomy=str(path), encoder="none").key() == k1
    path.write_text(USER_TAXONOMY.replace('"linky"', '"linky", "gazpar"'), encoding="utf-8")
    k2 = ThemeAnalyzer(taxonomy=str(path), encoder="none").key()
    assert k2 != k1
    assert ThemeAnalyzer(taxonomy=str(path)).key() != k2
    assert ThemeAnalyzer().key() != ThemeAnalyzer(encoder="none").key()


def test_non_french_documents_get_nothing():
    rows = ThemeAnalyzer(encoder="none").analyze(
        [doc("en", "The adviser was rude and the price far too high.", language="en")], None)
    assert rows == {"doc_themes": [], "passage_themes": []}


def _seed_inputs(shared: Path) -> list[tuple[AnalysisInput, set[str]]]:
    gold = shared / "gold" / "seeds_gold.jsonl"
    if not gold.exists():
        pytest.skip("../shared/gold not available")
    out = []
    for line in gold.read_text(encoding="utf-8").splitlines():
        g = json.loads(line)
        text = (shared / "seeds" / f"{g['id']}.txt").read_text(encoding="utf-8")
        text = remove_furniture(text).text  # as ingestion stores it
        out.append((doc(g["id"], text, kind="article"), set(g["themes"])))
    return out


@pytest.mark.shared
def test_seeds_get_their_main_themes(shared_dir):
    seeds = _seed_inputs(shared_dir)
    rows = ThemeAnalyzer().analyze([d for d, _ in seeds], None)  # default encoder: lexical + embeddings
    found: dict[str, set[str]] = {}
    for r in rows["doc_themes"]:
        assert r["taxonomy"] == "editorial"
        found.setdefault(r["doc_id"], set()).add(r["theme_id"])
    tp = sum(len(found.get(d.doc_id, set()) & g) for d, g in seeds)
    n_gold = sum(len(g) for _, g in seeds)
    n_pred = sum(len(v) for v in found.values())
    assert tp / n_gold >= 0.7 and tp / n_pred >= 0.7, found
    by_id = {d.doc_id: found.get(d.doc_id, set()) for d, _ in seeds}
    assert "outsourcing_market" in by_id["000_b2be090125d9bf1f"]  # rentabilité des outsourceurs
    assert "public_services" in by_id["003_d744dff4cc1dfbb1"]  # La Poste, CPAM, CAF create contact centres
    assert "health_crisis_remote" not in set().union(*by_id.values())  # no seed is about Covid
    passages = {r["passage_id"] for r in rows["passage_themes"]}
    assert passages, "passage-level rows are written too"
