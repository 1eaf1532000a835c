"""The date and figure scorers find their file by one rule (resources.model_in_force via json_model_in_force)."""
from __future__ import annotations

import json

import pytest

from textlens.entities import figure_model as fm
from textlens.errors import ConfigError
from textlens.ingest import date_model as dm


@pytest.mark.parametrize("module, get", [(dm, dm.date_model), (fm, fm.figure_model)], ids=["date", "figure"])
def test_scorer_file_in_force_follows_the_environment(module, get, tmp_path, monkeypatch):
    shipped = get()
    assert shipped is not None  # both are shipped as package data
    monkeypatch.setenv(module.MODEL_ENV, "off")
    assert get() is None
    missing = tmp_path / "nope.json"
    monkeypatch.setenv(module.MODEL_ENV, str(missing))
    with pytest.raises(ConfigError, match="nope.json: no such file"):
        get()
    other = tmp_path / "other.json"
    data = shipped.to_dict()
    data["threshold"] = 0.123
    other.write_text(json.dumps(data), encoding="utf-8")
    monkeypatch.setenv(module.MODEL_ENV, str(other))
    assert get().threshold == 0.123
    monkeypatch.delenv(module.MODEL_ENV)
    assert get() == shipped


def test_figure_fingerprint_changes_with_the_file(tmp_path, monkeypatch):
    shipped = fm.fingerprint()
    assert len(shipped) == 12
    other = tmp_path / "figures.json"
    data = fm.figure_model().to_dict()
    data["intercept"] += 1.0
    other.write_text(json.dumps(data), encoding="utf-8")
    monkeypatch.setenv(fm.MODEL_ENV, str(other))
    assert len(fm.fingerprint()) == 12 and fm.fingerprint() != shipped
