"""Which model file a component uses (`textlens.resources.model_in_force`), shared by the press theme, tone and
entity models: an explicit choice wins, "off" switches the model off, and a file asked for that does not exist is a
clear error rather than a silent switch-off (the tone model used to fall back to none without a word)."""
from __future__ import annotations

import pytest

from textlens.errors import ConfigError
from textlens.resources import model_in_force

ENV = "TEXTLENS_TEST_MODEL"


def test_option_then_environment_then_shipped(tmp_path, monkeypatch):
    shipped, chosen, from_env = (tmp_path / n for n in ("shipped.json", "chosen.json", "env.json"))
    for p in (shipped, chosen, from_env):
        p.write_text("{}")
    monkeypatch.delenv(ENV, raising=False)
    assert model_in_force(None, ENV, shipped, "test model") == shipped
    monkeypatch.setenv(ENV, str(from_env))
    assert model_in_force(None, ENV, shipped, "test model") == from_env
    assert model_in_force(str(chosen), ENV, shipped, "test model") == chosen


def test_off_and_missing_files(tmp_path, monkeypatch):
    shipped = tmp_path / "shipped.json"
    monkeypatch.setenv(ENV, "off")
    shipped.write_text("{}")
    assert model_in_force(None, ENV, shipped, "test model") is None
    monkeypatch.delenv(ENV)
    assert model_in_force(None, ENV, tmp_path / "not-shipped.json", "test model") is None  # a checkout without it
    monkeypatch.setenv(ENV, str(tmp_path / "typo.json"))
    with pytest.raises(ConfigError, match=r"test model .*typo\.json: no such file"):
        model_in_force(None, ENV, shipped, "test model")


def test_the_tone_model_no_longer_switches_off_silently(tmp_path, monkeypatch):
    from textlens.sentiment import stance

    monkeypatch.setenv(stance.MODEL_ENV, str(tmp_path / "missing.json"))
    with pytest.raises(ConfigError, match="press tone model"):
        stance.model_path()
