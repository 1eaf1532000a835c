"""The learned aspect polarity (sentiment/aspect_polarity.py): validation, learning, storage, the shipped model, and
score_aspects keeping the rule for aspects the model does not know (a user's own) (issue #17)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from textlens.sentiment.aspect_polarity import AspectPolarityModel, pair_features, polarity_model_in_force
from textlens.sentiment.aspects import aspect_evidence, score_aspects
from textlens.themes.aspect_files import POLARITY_ENV
from textlens.themes.taxonomy import load_taxonomy


def _pairs(n: int, seed: int) -> tuple[np.ndarray, list[str]]:
    """Polarity driven by feature 0, mixed where it is near zero."""
    rng = np.random.RandomState(seed)
    x = rng.normal(size=(n, 5))
    y = ["positive" if v > 0.4 else "negative" if v < -0.4 else "mixed" for v in x[:, 0]]
    return x, y


def test_fit_validates_its_inputs() -> None:
    x, y = _pairs(50, 0)
    with pytest.raises(ValueError, match="do not match"):
        AspectPolarityModel().fit(x, y[:10], ["price"])
    with pytest.raises(ValueError, match="unknown polarities"):
        AspectPolarityModel().fit(x, ["good"] * len(x), ["price"])
    with pytest.raises(ValueError, match="one polarity only"):
        AspectPolarityModel().fit(x, ["positive"] * len(x), ["price"])


def test_polarity_is_learnt_and_survives_storage(tmp_path: Path) -> None:
    x, y = _pairs(600, 1)
    x_new, y_new = _pairs(300, 2)
    model = AspectPolarityModel(C=10.0).fit(x, y, ["price"])
    assert np.mean(np.array(model.predict(x_new)) == np.array(y_new)) > 0.85
    model.save(tmp_path / "p.json")
    again = AspectPolarityModel.load(tmp_path / "p.json")
    assert np.allclose(again.predict_proba(x_new), model.predict_proba(x_new), atol=1e-5)
    assert again.classes_ == model.classes_ == ["mixed", "negative", "positive"]


def test_a_two_class_model_spells_out_both_classes() -> None:
    x, _ = _pairs(200, 3)
    y = ["positive" if v > 0 else "negative" for v in x[:, 0]]
    model = AspectPolarityModel(C=10.0).fit(x, y, ["price"])
    proba = model.predict_proba(x)
    assert proba.shape == (200, 2) and np.allclose(proba.sum(axis=1), 1.0)
    assert np.mean(np.array(model.predict(x)) == np.array(y)) > 0.9


def test_pair_features_reads_the_clauses_and_the_aspect() -> None:
    units = np.array([[0.8, 0.1, 0.1], [0.1, 0.1, 0.8]])
    f = pair_features(units, True, np.array([0.2, 0.2, 0.6]), 1, 3, "mixed", 0.4)
    assert f[12] == 2.0 and f[13] == 1.0  # two clauses, located by a mention
    assert f[14] == 1.0  # the clauses disagree
    assert list(f[19:22]) == [0.0, 1.0, 0.0]  # aspect one-hot
    assert list(f[-3:]) == [0.0, 0.0, 1.0]  # the rule said mixed


def test_shipped_model_knows_the_aspect_taxonomy() -> None:
    model = polarity_model_in_force()
    assert model is not None
    assert model.aspects_ == list(load_taxonomy("aspects").ids)
    assert set(model.classes_) <= {"negative", "positive", "mixed"}


def test_learned_polarity_for_known_aspects_and_the_rule_for_a_users_own(monkeypatch) -> None:
    from textlens.sentiment import load_model

    sentiment = load_model()
    text = "Le prix est correct, mais impossible de les joindre au téléphone et la couverture réseau est nulle."
    words = {"price": "prix", "reachability_wait": "joindre", "network_coverage": "couverture réseau"}
    spans = {a: [(text.index(w), text.index(w) + len(w))] for a, w in words.items()}
    doc = [(text, spans, -0.3)]
    learned = score_aspects(sentiment, doc, polarity=polarity_model_in_force())[0]
    rule = {e.aspect: e.rule for e in aspect_evidence(sentiment, doc)}
    assert learned["network_coverage"] == rule["network_coverage"]  # not a trained aspect: the rule, as before
    assert learned["price"].polarity == "positive"
    assert learned["reachability_wait"].polarity == "negative"
    assert learned["price"].score != rule["price"].score  # the model decided (its own score)
    monkeypatch.setenv(POLARITY_ENV, "off")
    assert polarity_model_in_force() is None
    assert score_aspects(sentiment, doc, polarity=polarity_model_in_force())[0] == rule
