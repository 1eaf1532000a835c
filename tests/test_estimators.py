"""One estimator style (issue #20): textlens' models follow scikit-learn's contract, analyzers read no file when
they are built."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import BaseEstimator, clone

from textlens.entities.typer import EntityTyperModel
from textlens.themes.classifier import ClassifierError, ThemeClassifier
from textlens.themes.press_model import PressThemeModel
from textlens.themes.press_text import HashedTextThemes
from textlens.topics.clustering import DensityClusterer, PcaUmapReducer, SilhouetteKMeans
from textlens.topics.model import TopicModel

ESTIMATORS = [TopicModel, ThemeClassifier, PressThemeModel, HashedTextThemes, EntityTyperModel, PcaUmapReducer,
              DensityClusterer, SilhouetteKMeans]


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
def test_models_are_sklearn_estimators_whose_params_survive_clone(cls):
    model = cls()
    assert isinstance(model, BaseEstimator)
    params = model.get_params(deep=False)
    assert params and not any(k.endswith("_") for k in params)
    copy = clone(model)
    assert type(copy) is cls and copy.get_params(deep=False) == params
    # no learnt state before fit
    assert not [k for k in vars(model) if k.endswith("_") and not k.startswith("_")]


def test_theme_classifier_checks_its_params_at_fit_and_clones_fitted_settings():
    bad = ThemeClassifier(features="bag-of-words", C=2.0)
    assert bad.get_params()["features"] == "bag-of-words"  # stored as given
    with pytest.raises(ClassifierError, match="features must be one of"):
        bad.fit(["un texte", "un autre"], [["a"], ["b"]])
    texts = ["facture trop élevée", "prélèvement en double sur ma facture", "remboursement de la facture",
             "compteur jamais relevé", "relevé du compteur faux", "technicien du compteur absent"]
    labels = [["billing"]] * 3 + [["meter"]] * 3
    fitted = ThemeClassifier(C=2.0, min_examples=2).fit(texts, labels)
    assert fitted.classes_ == ["billing", "meter"]
    fresh = clone(fitted)
    assert fresh.get_params() == fitted.get_params() and not hasattr(fresh, "model_")
    assert fitted.predict(["ma facture est fausse"]) == [["billing"]]


def test_press_theme_model_saves_and_loads_its_learnt_state(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    Y = np.stack([(X[:, 0] > 0), (X[:, 1] > 0)], axis=1).astype(int)
    model = PressThemeModel(C=0.5, cv=4).fit(X, Y, ["a", "b"])
    model.meta_ = {"taxonomy": "t:1"}
    model.save(tmp_path / "m.json")
    loaded = PressThemeModel.load(tmp_path / "m.json")
    assert loaded.get_params() == {"C": 0.5, "cv": 4, "random_state": 0, "text_weight": 0.0,
                                    "text_C": 10.0}
    assert loaded.classes_ == ["a", "b"] and loaded.meta_ == {"taxonomy": "t:1"}
    assert (loaded.predict(X) == model.predict(X)).all()
    with pytest.raises(ValueError, match="not fitted"):
        PressThemeModel().predict_proba(X)


def test_theme_analyzer_reads_its_files_on_first_use(tmp_path):
    from textlens.errors import TextlensError
    from textlens.themes.analyzer import ThemeAnalyzer

    missing = tmp_path / "nowhere.toml"
    analyzer = ThemeAnalyzer(taxonomy=str(missing), classifier=str(tmp_path / "nowhere.joblib"))
    assert "by_kind" not in vars(analyzer) and "classifier" not in vars(analyzer)
    with pytest.raises(TextlensError, match="nowhere.toml"):
        analyzer.by_kind
    with pytest.raises(ClassifierError, match="nowhere.joblib"):
        analyzer.classifier
    assert ThemeAnalyzer().by_kind["verbatim"].name == "aspects"
