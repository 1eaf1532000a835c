"""Encoders per document kind: the themes analysis key names model versions, not just encoder names."""
from __future__ import annotations

import pytest

from textlens.themes.analyzer import ThemeAnalyzer, encoder_model_id


def test_themes_key_names_the_encoder_model_version(monkeypatch):
    """A new static vocabulary version (or e5 export) changes the key, so themes are recomputed."""
    import textlens.embeddings.static as static

    assert encoder_model_id("fast") == f"e5-static-v{static.VERSION}"
    assert encoder_model_id("e5-small-int8") == "e5-small-int8-v2"
    assert encoder_model_id("e5-small-f32-w512") == "e5-small-f32-w512"
    assert encoder_model_id("e5-small-int8-w128") == "e5-small-int8-v2"  # the default window
    assert encoder_model_id("none") == "none"
    before = ThemeAnalyzer().key()
    lexical = ThemeAnalyzer(encoder="none").key()
    monkeypatch.setattr(static, "VERSION", str(int(static.VERSION) + 1))
    assert ThemeAnalyzer().key() != before  # verbatims use the fast tier by default
    assert ThemeAnalyzer(encoder="none").key() == lexical


@pytest.mark.parametrize("name", ["e5-small-int8", "e5-small-int8tok"])
def test_model_id_without_loading_matches_the_built_encoder(name):
    from textlens.embeddings import get_encoder

    try:
        enc = get_encoder(name)
    except Exception as exc:  # noqa: BLE001 - no e5 weights in this install
        pytest.skip(f"{name} unavailable: {exc}")
    assert encoder_model_id(name) == enc.model_id
