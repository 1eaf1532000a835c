"""The learned aspect detector (themes/aspect_model.py): validation, learning an aspect from words and from the
taxonomy's evidence, storage round trip, the shipped model matching the shipped taxonomy, and the taxonomy staying
editable: a user's own aspects, and redefined ones, are decided zero-shot exactly as without the model (issue #17)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from textlens.analysis.base import AnalysisInput
from textlens.analysis.segment import split_passages
from textlens.themes.aspect_files import shipped_model_path
from textlens.themes.aspect_model import TAXONOMY_BLOCKS, AspectModel, theme_digest
from textlens.themes.taxonomy import builtin_path, load_taxonomy

# Reviews we wrote: the first two of each line speak of the aspect, the last does not.
PRICE = ["le tarif est trop cher", "cotisation trop chere cette annee", "prix en hausse encore",
         "tarif correct et pas cher", "une cotisation raisonnable"]
OTHER = ["le conseiller etait aimable", "site internet lent", "attente interminable au telephone",
         "dossier perdu deux fois", "l'expert est venu vite"]


def _reviews(n: int, seed: int) -> tuple[np.ndarray, list[str], np.ndarray]:
    """n reviews: half about price (one word of PRICE), the other half not; the evidence block carries noise only."""
    rng = np.random.RandomState(seed)
    texts, y = [], []
    for i in range(n):
        about = i % 2 == 0
        texts.append(f"{rng.choice(PRICE if about else OTHER)} {rng.choice(OTHER)}")
        y.append([int(about)])
    return rng.normal(size=(n, TAXONOMY_BLOCKS)), texts, np.array(y)


def test_fit_validates_its_inputs() -> None:
    x, texts, y = _reviews(60, 0)
    with pytest.raises(ValueError, match="do not match"):
        AspectModel().fit(x, texts[:10], y, ["price"])
    with pytest.raises(ValueError, match="6 per aspect"):
        AspectModel().fit(x[:, :3], texts, y, ["price"])
    with pytest.raises(ValueError, match="words_weight"):
        AspectModel(words_weight=2.0).fit(x, texts, y, ["price"])
    with pytest.raises(ValueError, match="too few to learn"):
        AspectModel().fit(x, texts, np.r_[np.ones((3, 1)), np.zeros((57, 1))].astype(int), ["price"])


def test_the_aspect_is_learnt_from_words_and_from_evidence() -> None:
    x, texts, y = _reviews(200, 1)
    x_new, texts_new, y_new = _reviews(100, 2)
    words = AspectModel(words_weight=1.0).fit(x, texts, y, ["price"])
    assert (words.predict(x_new, texts_new)[:, 0] == y_new[:, 0].astype(bool)).mean() > 0.95
    x_signal = x.copy()
    x_signal[:, 0] = y[:, 0] + 0.2 * np.random.RandomState(3).normal(size=len(y))
    evidence = AspectModel(words_weight=0.0).fit(x_signal, ["même texte"] * len(y), y, ["price"])
    assert abs(evidence.taxonomy_coef_[0, 0]) > 3 * np.abs(evidence.taxonomy_coef_[0, 1:]).max()


def test_save_and_load_keep_the_decisions(tmp_path: Path) -> None:
    x, texts, y = _reviews(120, 4)
    model = AspectModel().fit(x, texts, y, ["price"])
    model.meta_ = {"encoder": "x"}
    model.save(tmp_path / "m.json.gz")
    again = AspectModel.load(tmp_path / "m.json.gz")
    assert np.allclose(again.predict_proba(x, texts), model.predict_proba(x, texts), atol=2e-3)  # float16 weights
    assert (again.predict(x, texts) == model.predict(x, texts)).mean() > 0.98
    assert again.get_params() == model.get_params() and again.meta_ == {"encoder": "x"}


def _two_aspects(n: int, seed: int) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Price reviews as above, plus a second aspect that always comes with price and has no word of its own."""
    x, texts, y = _reviews(n, seed)
    x = np.hstack([x, np.random.RandomState(seed + 50).normal(size=(n, TAXONOMY_BLOCKS))])
    return x, texts, np.hstack([y, y])


def test_the_second_stage_reads_the_other_aspects_scores(tmp_path: Path) -> None:
    """With `stacker_C` the decision of an aspect can lean on another aspect's first-stage score; the stacked
    model decides as well as the blend on reviews it never saw and survives a save/load round trip."""
    x, texts, y = _two_aspects(200, 5)
    x_new, texts_new, y_new = _two_aspects(100, 6)
    classes = ["price", "follows_price"]
    with pytest.raises(ValueError, match="stacker_C"):
        AspectModel(stacker_C=0.0).fit(x, texts, y, classes)
    stacked = AspectModel(stacker_C=1.0).fit(x, texts, y, classes)
    assert stacked.stacker_coef_.shape == (2, 4)  # per aspect: both stages' logits of both aspects
    proba = stacked.predict_proba(x_new, texts_new)
    assert ((proba >= 0) & (proba <= 1)).all()
    assert (stacked.predict(x_new, texts_new) == y_new.astype(bool)).mean() > 0.95
    stacked.meta_ = {}
    stacked.save(tmp_path / "s.json.gz")
    again = AspectModel.load(tmp_path / "s.json.gz")
    assert again.stacker_C == 1.0 and again.stacker_coef_ is not None
    assert (again.predict(x_new, texts_new) == stacked.predict(x_new, texts_new)).mean() > 0.98


def test_a_model_without_second_stage_keeps_the_blend(tmp_path: Path) -> None:
    x, texts, y = _reviews(120, 7)
    model = AspectModel().fit(x, texts, y, ["price"])
    assert model.stacker_coef_ is None
    model.meta_ = {}
    model.save(tmp_path / "b.json.gz")
    assert AspectModel.load(tmp_path / "b.json.gz").stacker_coef_ is None
    import gzip
    import json

    data = json.loads(gzip.decompress((tmp_path / "b.json.gz").read_bytes()))
    data["features_version"] = 1  # files written before the second stage existed
    del data["params"]["stacker_C"]
    (tmp_path / "v1.json.gz").write_bytes(gzip.compress(json.dumps(data).encode()))
    old = AspectModel.load(tmp_path / "v1.json.gz")
    assert (old.predict(x, texts) == model.predict(x, texts)).all()
    data["features_version"] = 99
    (tmp_path / "v99.json.gz").write_bytes(gzip.compress(json.dumps(data).encode()))
    from textlens.errors import ModelError

    with pytest.raises(ModelError, match="features version 99"):
        AspectModel.load(tmp_path / "v99.json.gz")


def test_shipped_model_matches_the_aspect_taxonomy() -> None:
    model = AspectModel.load(shipped_model_path())
    tax = load_taxonomy("aspects")
    assert model.classes_ == list(tax.ids)
    assert model.meta_["aspects"] == {t.id: theme_digest(t) for t in tax.themes}
    assert ((model.thresholds_ > 0) & (model.thresholds_ < 1)).all()
    assert shipped_model_path().stat().st_size < 1_000_000


def _doc(doc_id: str, text: str) -> AnalysisInput:
    passages = split_passages(doc_id, text)
    for i, p in enumerate(passages):
        p.id = i + 1
    return AnalysisInput(doc_id=doc_id, kind="verbatim", text=text, title=None, year=None, language="fr",
                         content_hash="x", passages=passages)


REVIEWS = [
    ("r1", "Le réseau 4G ne passe pas dans mon village, aucune couverture mobile. Le prix reste correct."),
    ("r2", "Conseillère très aimable, mais la couverture réseau est mauvaise à la campagne."),
    ("r3", "Impossible de les joindre au téléphone, 40 minutes d'attente. Remboursement toujours pas fait."),
    ("r4", "Bon assureur, tarif compétitif et site internet facile pour déclarer un sinistre."),
]
NETWORK = """
[themes.network_coverage]
label = "Couverture réseau"
description = "La qualité et la couverture du réseau mobile ou internet : zones blanches, débit, coupures."
terms = ["réseau", "couverture", "4g", "5g", "zone blanche", "débit"]
examples = ["Aucune couverture réseau chez moi.", "Le débit de la fibre est excellent."]
"""


def _rows(tmp_path: Path, toml: str, aspect_model: str | None) -> dict[str, set[tuple[str, str, float]]]:
    path = tmp_path / "mine.toml"
    path.write_text(toml, encoding="utf-8")
    from textlens.themes.analyzer import ThemeAnalyzer

    rows = ThemeAnalyzer(taxonomy=str(path), aspect_model=aspect_model).analyze(
        [_doc(i, t) for i, t in REVIEWS], None)
    out: dict[str, set[tuple[str, str, float]]] = {}
    for r in rows["doc_themes"]:
        out.setdefault(r["theme_id"], set()).add((r["doc_id"], r["taxonomy"], r["score"]))
    for r in rows["passage_themes"]:
        out.setdefault("passage:" + r["theme_id"], set()).add((r["doc_id"], str(r["passage_id"]), r["score"]))
    return out


def test_a_users_own_aspect_stays_zero_shot_exactly_as_today(tmp_path: Path) -> None:
    """The shipped aspects plus a telecom one: the telecom aspect's rows are the taxonomy's, with the model in
    force or not; the shipped aspects are decided by the model (scored on the shipped taxonomy's evidence)."""
    shipped = builtin_path("aspects").read_text(encoding="utf-8").replace('name = "aspects"', 'name = "mine"')
    toml = shipped + NETWORK
    with_model, without = _rows(tmp_path, toml, None), _rows(tmp_path, toml, "off")
    assert {d for d, *_ in with_model["network_coverage"]} >= {"r1", "r2"}
    for key in ("network_coverage", "passage:network_coverage"):
        assert with_model[key] == without[key]
    learned = {k: v for k, v in with_model.items() if k not in ("network_coverage", "passage:network_coverage")}
    taxonomy = {k: v for k, v in without.items() if k not in ("network_coverage", "passage:network_coverage")}
    assert learned != taxonomy  # the model decided the shipped aspects


def test_a_taxonomy_of_other_aspects_is_untouched_by_the_model(tmp_path: Path) -> None:
    toml = '[meta]\nname = "telecom"\nkinds = ["verbatim"]\n' + NETWORK
    assert _rows(tmp_path, toml, None) == _rows(tmp_path, toml, "off")


def test_a_redefined_aspect_goes_back_to_the_taxonomy(tmp_path: Path) -> None:
    """Editing a shipped aspect's terms hands that aspect back to the taxonomy; the others stay learned."""
    shipped = builtin_path("aspects").read_text(encoding="utf-8").replace('name = "aspects"', 'name = "mine"')
    edited = shipped.replace('"=prix", "tarif*",', '"=prix", "tarif*", "=forfait",', 1)
    assert edited != shipped
    with_model, without = _rows(tmp_path, edited, None), _rows(tmp_path, edited, "off")
    assert with_model.get("price") == without.get("price")
    assert with_model.get("passage:price") == without.get("passage:price")


def test_the_models_in_force_are_part_of_the_analysis_keys(monkeypatch) -> None:
    """Switching a model off (or swapping it) recomputes the stored analyses instead of mixing decisions."""
    from textlens.sentiment.analyzer import SentimentAnalyzer
    from textlens.themes.analyzer import ThemeAnalyzer
    from textlens.themes.aspect_files import POLARITY_ENV

    assert ThemeAnalyzer().config_fingerprint() != ThemeAnalyzer(aspect_model="off").config_fingerprint()
    with_polarity = SentimentAnalyzer().config_fingerprint()
    monkeypatch.setenv(POLARITY_ENV, "off")
    assert SentimentAnalyzer().config_fingerprint() != with_polarity


def test_the_combiner_comparison_script_scores_every_candidate() -> None:
    """scripts/aspect_stacking_cv.py on toy reviews: its nested first-stage probabilities and every candidate run,
    and the candidates that use the words find the price aspect (the evidence block is noise)."""
    import importlib
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
    script = importlib.import_module("aspect_stacking_cv")
    x, texts, y = _two_aspects(150, 8)
    folds = script.nested_probabilities(x, texts, y)
    assert len(folds) == 5 and {f["inner"]["words"].shape[1] for f in folds} == {2}
    for name, combine in script.CANDIDATES.items():
        pred = np.zeros(y.shape, dtype=bool)
        for fold in folds:
            pred[fold["te"]] = combine(fold["inner"], fold["outer"], y[fold["tr"]])
        micro, _ = script.f1_scores(pred, y)
        if name != "evidence only":
            assert micro > 0.9, name
