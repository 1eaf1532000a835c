"""The articles' stance model (sentiment/stance.py): validation, learning a stance, storage, the shipped file."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from textlens.sentiment.stance import LABELS, PressStanceModel, mean_embedding


def _stances(n: int, seed: int) -> tuple[np.ndarray, list[str]]:
    """Four stances, each pushing its own direction of a 12-dimensional document vector, with noise."""
    rng = np.random.RandomState(seed)
    y = [LABELS[k] for k in rng.randint(4, size=n)]
    x = rng.normal(scale=0.6, size=(n, 12))
    for row, label in zip(x, y):
        row[LABELS.index(label)] += 1.5
    return x, y


def test_fit_validates_its_inputs() -> None:
    x, y = _stances(40, 0)
    with pytest.raises(ValueError, match="do not match"):
        PressStanceModel().fit(x, y[:-1])
    with pytest.raises(ValueError, match="unknown stance labels"):
        PressStanceModel().fit(x, ["angry"] + y[1:])
    with pytest.raises(ValueError, match="not fitted"):
        PressStanceModel().predict_proba(x)


def test_the_stance_is_learnt_and_kept_by_save_and_load(tmp_path: Path) -> None:
    x, y = _stances(400, 1)
    x_new, y_new = _stances(200, 2)
    model = PressStanceModel(C=1.0).fit(x, y)
    accuracy = np.mean(np.array(model.predict(x_new)) == np.array(y_new))
    assert accuracy > 0.75, accuracy
    model.save(tmp_path / "tone.json")
    again = PressStanceModel.load(tmp_path / "tone.json")
    assert again.predict(x_new) == model.predict(x_new)
    assert np.allclose(again.predict_proba(x_new).sum(axis=1), 1.0)


def test_mean_embedding_is_unit_length_and_zero_without_passages() -> None:
    vectors = np.array([[3.0, 0.0], [0.0, 4.0]])
    assert np.linalg.norm(mean_embedding(vectors)) == pytest.approx(1.0)
    assert not mean_embedding(np.zeros((0, 5))).any()


def test_shipped_stance_model_scores_four_stances_on_the_encoder_width() -> None:
    from textlens.sentiment.stance import shipped_model_path

    model = PressStanceModel.load(shipped_model_path())
    assert sorted(model.classes_) == sorted(LABELS)
    assert model.coef_.shape == (4, 384) and model.meta_.get("encoder")
