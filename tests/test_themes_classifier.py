"""Supervised themes: a user's labelled table trains a classifier that the analyzer then uses."""
from __future__ import annotations

import pandas as pd
import pytest

from textlens.analysis.base import AnalysisInput
from textlens.analysis.segment import split_passages
from textlens.themes.analyzer import ThemeAnalyzer
from textlens.themes.classifier import ClassifierError, ThemeClassifier

# Sentences we wrote: two themes of an energy supplier's verbatims, plus some with neither.
BILLING = ["facture beaucoup trop elevee ce mois ci", "regularisation de 400 euros incomprehensible",
           "ma facture estimee ne correspond pas a ma consommation", "double prelevement sur ma facture",
           "la facture de gaz a double sans explication", "erreur de facturation encore une fois"]
METER = ["le technicien n'est jamais venu pour le compteur", "compteur linky pose sans me prevenir",
         "releve du compteur faux depuis des mois", "intervention sur le compteur reportee trois fois",
         "le poseur du compteur a abime le mur", "compteur bloque, technicien injoignable"]
OTHER = ["merci pour votre accueil", "rien a signaler", "bonne journee a vous", "je recommande a mes amis"]


def table(tmp_path):
    rows = ([{"avis": t, "themes": "billing"} for t in BILLING] + [{"avis": t, "themes": "meter"} for t in METER]
            + [{"avis": t, "themes": ""} for t in OTHER]
            + [{"avis": "facture erronee apres la pose du compteur linky", "themes": "billing;meter"}])
    path = tmp_path / "labelled.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_classifier_trained_from_a_table_predicts_unseen_texts(tmp_path):
    clf = ThemeClassifier.from_table(table(tmp_path), text_col="avis", labels_col="themes", name="energy")
    assert clf.classes_ == ["billing", "meter"]
    pred = clf.predict(["ma derniere facture est fausse", "le technicien du compteur n'est pas passe",
                        "merci et bonne journee"])
    assert pred[0] == ["billing"] and pred[1] == ["meter"] and pred[2] == []
    # saved and reloaded, then used by the analyzer instead of the taxonomy
    path = clf.save(tmp_path / "energy.joblib")
    text = "Facture fausse encore ce mois-ci. Le technicien du compteur n'est jamais venu."
    passages = split_passages("v1", text)
    for i, p in enumerate(passages):
        p.id = i + 1
    analyzer = ThemeAnalyzer(classifier=str(path), classifier_kinds=("verbatim",), encoder="none")
    rows = analyzer.analyze([AnalysisInput("v1", "verbatim", text, None, None, "fr", "h", passages)], None)
    assert {(r["theme_id"], r["taxonomy"]) for r in rows["doc_themes"]} == {("billing", "energy"), ("meter", "energy")}
    assert {(r["passage_id"], r["theme_id"]) for r in rows["passage_themes"]} == {(1, "billing"), (2, "meter")}


def test_bad_labelled_data_gives_clear_errors(tmp_path):
    with pytest.raises(ClassifierError, match="too few examples"):
        ThemeClassifier().fit(BILLING + ["compteur"], [["billing"]] * len(BILLING) + [["meter"]])
    with pytest.raises(ClassifierError, match="2 texts but 1 label"):
        ThemeClassifier().fit(["a", "b"], [["x"]])
    path = tmp_path / "t.csv"
    pd.DataFrame({"text": ["x"], "labels": ["a"]}).to_csv(path, index=False)
    with pytest.raises(ClassifierError, match="no column 'themes'"):
        ThemeClassifier.from_table(path)
    with pytest.raises(ClassifierError, match="not fitted"):
        ThemeClassifier().predict(["x"])
