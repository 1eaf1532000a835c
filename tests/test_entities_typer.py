"""The learned keep/type decision of article entities (textlens.entities.typer) and its training helpers."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from textlens.entities.typer import NONE, EntityTyperModel, Gazetteer
from textlens.entities.typer_files import resolve_model

ROOT = Path(__file__).resolve().parents[1]

# Invented articles (our own words): "Plexitel" is an outsourcer the rules call a company ("la société
# Plexitel"), and "Hebdo Relation" is the publishing site's banner, which annotators leave out.
TRAIN_TEXT = ("Hebdo Relation\n\nLa société Plexitel ouvre un site de {n} téléconseillers à {town}. "
              "Le directeur, Paul Martin, veut recruter avant l'été.\n")
TOWNS = ["Amiens", "Lille", "Rouen", "Nantes", "Brest", "Reims", "Metz", "Caen", "Tours", "Dijon", "Nancy", "Lyon"]


def _gold(town: str) -> dict:
    return {"VENDOR": ["Plexitel"], "LOCATION": [town], "PERSON": ["Paul Martin"]}


def test_model_learns_types_and_noise_from_features_and_round_trips(tmp_path):
    rows = ([{"rule=COMPANY": 1.0, "ctx=outsourceur": 1.0}] * 20 + [{"rule=COMPANY": 1.0, "ctx=banque": 1.0}] * 20
            + [{"rule=MEDIA": 1.0, "in_head": 1.0}] * 20)
    labels = ["VENDOR"] * 20 + ["COMPANY"] * 20 + [NONE] * 20
    model = EntityTyperModel(C=10.0, min_count=1).fit(rows, labels)
    test = [{"rule=COMPANY": 1.0, "ctx=outsourceur": 1.0}, {"rule=COMPANY": 1.0, "ctx=banque": 1.0},
            {"rule=MEDIA": 1.0, "in_head": 1.0}]
    assert model.decide(test) == ["VENDOR", "COMPANY", NONE]
    path = tmp_path / "m.json.gz"
    model.save(path)
    loaded = EntityTyperModel.load(path)
    assert loaded.decide(test) == ["VENDOR", "COMPANY", NONE]
    assert abs(loaded.predict_proba(test) - model.predict_proba(test)).max() < 1e-3


def test_fit_and_load_refuse_bad_input(tmp_path):
    with pytest.raises(ValueError, match="unknown labels"):
        EntityTyperModel().fit([{"a": 1.0}, {"a": 1.0}], ["VENDOR", "BRAND"])
    with pytest.raises(ValueError, match="keep_threshold"):
        EntityTyperModel(keep_threshold=1.5).fit([{"a": 1.0}, {"b": 1.0}], ["VENDOR", NONE])
    bad = tmp_path / "old.json"
    bad.write_text(json.dumps({"features_version": 0}))
    with pytest.raises(ValueError, match="retrain"):
        EntityTyperModel.load(bad)
    with pytest.raises(ValueError, match="no such file"):
        resolve_model(str(tmp_path / "missing.json"))
    assert resolve_model("off") is None


def test_gazetteer_features_say_how_often_a_name_was_annotated_where_it_appears():
    gaz = Gazetteer(names={"plexitel": "Plexitel"}, seen={"plexitel": 4}, typed={"plexitel": {"VENDOR": 3}})
    f = gaz.features("plexitel")
    assert f["gaz=VENDOR"] == 0.75 and f["gaz=skipped"] == 0.25
    assert gaz.features("inconnu") == {"gaz=unseen": 1.0}


def test_trained_decision_retypes_and_drops_in_the_pipeline(tmp_path, monkeypatch):
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import train_press_entities as training
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    from textlens.entities.analyzer import EntityAnalyzer
    from textlens.entities.pipeline import build_nlp, extract, process

    texts = {f"d{k}": TRAIN_TEXT.format(n=20 + k, town=town) for k, town in enumerate(TOWNS)}
    gold = {f"d{k}": _gold(town) for k, town in enumerate(TOWNS)}
    ids = sorted(texts)
    docs = training.process_docs(ids, texts, dict.fromkeys(ids))
    nlp = build_nlp("full")
    rows = training.cross_fitted_rows(nlp, ids, docs, gold)
    assert {("Plexitel", "VENDOR"), ("Hebdo Relation", NONE)} <= {(r[1], r[3]) for r in rows}
    model = EntityTyperModel(C=1.0, min_count=1, keep_threshold=0.5).fit(
        [r[2] for r in rows], [r[3] for r in rows], training.build_gazetteer(nlp, ids, docs, gold))
    path = tmp_path / "press_entities.json"
    model.save(path)

    unseen = ("Hebdo Relation\n\nLa société Plexitel annonce 40 embauches à Poitiers. "
              "Paul Martin dirige le site depuis mars.\n")
    rules = {(m.type, m.name) for m in extract(unseen).mentions}
    assert ("COMPANY", "Plexitel") in rules  # what the rules alone say
    learned = {(m.type, m.name) for m in next(process([unseen], typer_model=str(path))).mentions}
    assert ("VENDOR", "Plexitel") in learned
    assert ("COMPANY", "Plexitel") not in learned
    assert not any(name == "Hebdo Relation" for _, name in learned)
    assert ("PERSON", "Paul Martin") in learned

    # the analyzer's switch: an explicit file, the environment, "off"; a new model changes its key
    monkeypatch.setenv("TEXTLENS_PRESS_ENTITIES", str(path))
    assert EntityAnalyzer().press_model == str(path)
    assert EntityAnalyzer(press_model="off").press_model is None
    assert EntityAnalyzer().key() != EntityAnalyzer(press_model="off").key()


def test_word_vectors_type_names_no_list_knows_and_old_models_keep_their_features(tmp_path):
    """Version-2 features carry the name's and its context's word vectors: a model that saw only vectors of some
    car makers and some towns types makers and towns it never saw; a version-1 model scores without them."""
    from textlens.entities.pipeline import build_nlp
    from textlens.entities.typer import FEATURES_VERSION, vector_features, doc_candidates

    nlp = build_nlp("full")

    def vector_row(sentence: str, name: str) -> dict[str, float]:
        doc = nlp.make_doc(sentence)
        start = next(t.i for t in doc if t.text == name)
        row = vector_features(doc, [(start, start + 1)])
        assert abs(sum(v * v for k, v in row.items() if k.startswith("vn")) - 1.0) < 1e-4
        return row

    makers = ["Renault", "Peugeot", "Toyota", "Volkswagen", "Fiat", "Ford", "Nissan", "Honda"]
    towns = ["Lyon", "Marseille", "Toulouse", "Bordeaux", "Nantes", "Strasbourg", "Grenoble", "Rennes"]
    rows = ([vector_row(f"Nous avons parlé de {m} hier.", m) for m in makers]
            + [vector_row(f"Nous avons parlé de {t} hier.", t) for t in towns])
    model = EntityTyperModel(C=10.0, min_count=1, keep_threshold=0.3).fit(
        rows, ["COMPANY"] * len(makers) + ["LOCATION"] * len(towns))
    unseen = [vector_row("Nous avons parlé de Citroën hier.", "Citroën"),
              vector_row("Nous avons parlé de Montpellier hier.", "Montpellier")]
    assert model.decide(unseen) == ["COMPANY", "LOCATION"]

    assert model.features_version_ == FEATURES_VERSION >= 2
    path = tmp_path / "v.json"
    model.save(path)
    assert EntityTyperModel.load(path).features_version_ == FEATURES_VERSION
    data = json.loads(path.read_text())
    data["features_version"] = 1
    path.write_text(json.dumps(data))
    assert EntityTyperModel.load(path).features_version_ == 1  # the version-1 shipped models still load
    doc = nlp("La société Plexitel ouvre un site à Amiens.")
    for version, has_vectors in ((1, False), (2, True)):
        cands = doc_candidates(doc, Gazetteer(), [], version)
        assert cands and all(any(k.startswith(("vn", "vc")) for k in c.features) == has_vectors for c in cands)
    amiens = next(c for c in doc_candidates(doc, Gazetteer(), []) if c.name == "Amiens")
    assert "vn0" in amiens.features and "vn_none" in next(c for c in cands if c.name == "Plexitel").features


def test_error_kinds_say_where_each_annotated_or_kept_name_went_wrong():
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import train_press_entities as training
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    gold = {"d": {"VENDOR": ["Plexitel"], "COMPANY": ["Banque Durand"], "STUDY": ["Baromètre Qualitel 2020"],
                  "INSTITUTION": ["Chambre régionale des métiers"], "PERSON": ["Paul Martin"]}}
    rows = [("d", "Plexitel", {}, ""), ("d", "Banque Durand", {}, ""), ("d", "Baromètre Qualitel", {}, ""),
            ("d", "Paul Martin", {}, ""), ("d", "Hebdo Relation", {}, "")]
    decisions = ["COMPANY", NONE, "STUDY", "PERSON", "MEDIA"]
    missed, spurious = training.error_kinds(rows, decisions, gold, ["d"])
    assert missed == {("VENDOR", "wrong type"): 1, ("COMPANY", "dropped"): 1, ("STUDY", "boundary"): 1,
                      ("INSTITUTION", "no candidate"): 1}
    assert spurious == {("COMPANY", "wrong type"): 1, ("STUDY", "boundary"): 1, ("MEDIA", "spurious"): 1}


def test_longer_names_are_proposed_around_found_ones_from_version_3():
    """Version 3 proposes longer spans around the names found ("Troyes" -> "tribunal de commerce de Troyes") as
    candidates of their own, marked with how they were grown, and tells a name it sits inside one; older models
    see the candidates they were trained with."""
    from textlens.entities.extensions import extension_spans
    from textlens.entities.pipeline import build_nlp
    from textlens.entities.typer import doc_candidates

    nlp = build_nlp("full")
    doc = nlp("Le tribunal de commerce de Troyes a validé la reprise. Intelcia Maurice recrute 300 conseillers "
              "à Amiens. Le dossier est suivi par la mairie de Massy.")
    proposed = {(c.name, *sorted(s for s in c.sources if s.startswith("ext_")))
                for c in doc_candidates(doc, Gazetteer(), [], 3)}
    assert {("tribunal de commerce de Troyes", "ext_head"), ("Intelcia Maurice", "ext_right_cap"),
            ("mairie de Massy", "ext_head")} <= proposed
    older = {c.name for c in doc_candidates(doc, Gazetteer(), [], 2)}
    assert "Troyes" in older and not older & {"tribunal de commerce de Troyes", "Intelcia Maurice"}
    by_name = {c.name: c for c in doc_candidates(doc, Gazetteer(), [], 3)}
    assert by_name["Troyes"].features.get("inside_ext") == 1.0
    assert by_name["tribunal de commerce de Troyes"].features.get("holds_name") == 1.0
    # nothing is grown across a sentence end, a number or a line break
    spans = extension_spans(doc, [(t.i, t.i + 1) for t in doc if t.text == "Amiens"])
    assert all("\n" not in e.name and "300" not in e.name and "." not in e.name for e in spans)
