"""Sentiment: the committed model on sentences we wrote (negation, contrast, irony, press prose),
aspect polarity, the analyzer on a real store, and dev-set floors when ../shared is present."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from textlens.sentiment import load_model
from textlens.sentiment.predict import ModelError, SentimentModel, default_model_path
from textlens.sentiment.text import clauses, mark_negation, preprocess, tokens

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
DEV = SHARED / "data" / "verbatims_assurance" / "dev.csv"


@pytest.fixture(scope="module")
def model() -> SentimentModel:
    return load_model()


def labels(model: SentimentModel, texts: list[str], domain: str = "review") -> list[str]:
    return [p.label for p in model.predict(texts, domain)]


# ---- text handling ----------------------------------------------------------------------------
def test_negation_scope_marks_words_between_ne_and_after_pas():
    assert mark_negation(tokens("Je ne suis pas satisfait, merci")) == [
        "je", "ne", "neg_suis", "pas", "neg_satisfait", ",", "merci"]
    # "plus" negates only after "ne"; a comma ends the scope
    assert mark_negation(tokens("plus de 25 ans, il n'est plus joignable")) == [
        "plus", "de", "25", "ans", ",", "il", "n", "neg_est", "plus", "neg_joignable"]


def test_preprocess_folds_accents_and_repeats_the_clause_after_mais():
    out = preprocess("Prix très correct mais IMPOSSIBLE de les joindre")
    assert out.startswith("prix tres correct mais impossible")
    assert out.endswith("| fin_impossible fin_de fin_les fin_joindre")


def test_clauses_split_on_contrast_and_leading_concession():
    text = "Malgré un bon prix, service nul. Accueil correct mais dossier perdu"
    assert [text[a:b] for a, b in clauses(text)] == [
        "Malgré un bon prix", "service nul.", "Accueil correct", "mais dossier perdu"]


# ---- the committed model ----------------------------------------------------------------------
def test_committed_model_loads_without_shared_data(model, monkeypatch):
    monkeypatch.delenv("TEXTLENS_SENTIMENT_MODEL", raising=False)
    assert default_model_path().is_file()
    assert default_model_path().stat().st_size < 30_000_000
    m = SentimentModel.load()
    assert set(m.settings) >= {"clause_min", "mixed_max", "article_band"}
    assert m.meta["dev_metrics"]["binary_accuracy"] > 0.9  # what the card says was measured


def test_clear_reviews(model):
    pos = ["Très satisfait, conseillère à l'écoute et remboursement rapide, je recommande",
           "rien a redire tres bon service", "Tarifs intéressants et personnel sympathique."]
    neg = ["Service client nul, personne ne répond, je résilie",
           "Très déçu, deux mois que j'attends mon remboursement",
           "arnaque totale, fuyez"]
    assert labels(model, pos) == ["positive"] * 3
    assert labels(model, neg) == ["negative"] * 3
    scores = [p.score for p in model.predict(pos + neg)]
    assert all(-1 <= s <= 1 for s in scores)
    assert min(scores[:3]) > 0.5 and max(scores[3:]) < -0.5


def test_negation(model):
    preds = model.predict(["Je ne suis pas satisfait du tout", "Aucun problème, rien à redire",
                           "Pas cher et efficace", "je n'ai jamais été remboursé"])
    assert [p.score > 0 for p in preds] == [False, True, True, False]


def test_irony_is_not_taken_at_face_value(model):
    preds = model.predict(["Bravo pour les 45 minutes d'attente au téléphone, vraiment génial",
                           "Super, encore une augmentation de 20% cette année, merci pour la fidélité"])
    assert all(p.score < 0 for p in preds)


def test_aspect_polarity_follows_its_own_clause(model):
    text = "Prix correct mais impossible de les joindre, une heure d'attente au téléphone"
    res = model.aspects(text, {"price": [(0, 4)], "reachability_wait": [(text.index("joindre"), len(text))]})
    assert res["price"].polarity == "positive"
    assert res["reachability_wait"].polarity == "negative"
    assert "Prix correct" in res["price"].evidence[0]


def test_bad_inputs_get_clear_errors(model, tmp_path):
    with pytest.raises(ModelError, match="not found at"):
        SentimentModel.load(tmp_path / "missing.joblib")
    broken = tmp_path / "broken.joblib"
    broken.write_bytes(b"not a model")
    with pytest.raises(ModelError, match="broken.joblib"):
        SentimentModel.load(broken)
    with pytest.raises(ValueError, match="domain"):
        model.predict(["ok"], domain="tweets")
    with pytest.raises(TypeError, match="text 1 is int"):
        model.predict(["ok", 3])  # type: ignore[list-item]
    assert model.predict([]) == []
    empty = model.predict([""])[0]  # an empty text is judged, not dropped
    assert empty.label in ("positive", "negative", "neutral", "mixed")


# ---- hashed features ------------------------------------------------------------------------------
def test_char_ngrams_match_scikit_learn_char_wb():
    from sklearn.feature_extraction.text import CountVectorizer

    from textlens.sentiment.features import char_wb_grams

    analyzer = CountVectorizer(analyzer="char_wb", ngram_range=(2, 5)).build_analyzer()
    for word in ("a", "ab", "abc", "joindre", "tout,"):
        assert sorted(char_wb_grams(word, 2, 5)) == sorted(analyzer(word))


def test_fast_transform_equals_the_training_path(model):
    """Prediction maps hashes to kept columns directly; training goes through raw hashed counts."""
    feats = model.estimator.base_.features_
    texts = ["Je ne suis pas satisfait, mais le prix est correct", "rien a redire !!", "",
             "Très très bien... sauf que personne ne répond jamais"]
    fast = feats.transform(texts)
    slow = feats.transform_raw(feats.raw(texts))
    assert fast.shape == slow.shape == (4, feats.n_features_)
    assert fast.nnz > 50 and abs(fast - slow).max() < 1e-6
    assert np.allclose(np.sqrt(fast.multiply(fast).sum(axis=1)).A.ravel()[[0, 1, 3]], np.sqrt(3), atol=1e-4)


def test_negation_flips_the_sign_of_the_flip_block(model):
    feats = model.estimator.base_.features_
    flip = feats.block_slices()[2]
    plain, negated = feats.transform(["satisfait", "pas satisfait"])[:, flip].toarray()
    common = (plain != 0) & (negated != 0)
    assert common.any() and (np.sign(plain[common]) == -np.sign(negated[common])).all()


def test_batch_and_single_predictions_agree(model):
    texts = ["Accueil agréable mais remboursement interminable", "Pas cher et efficace", "nul", "Bon service."]
    batch = model.predict(texts)
    model.memo.clear()
    for t, b in zip(texts, batch):
        single = model.predict([t])[0]
        assert single.label == b.label and single.score == pytest.approx(b.score, abs=1e-5)


# ---- evaluation helpers ---------------------------------------------------------------------------
def test_review_metrics_counts_binary_on_polar_stars_only():
    from textlens.sentiment.evaluation import review_metrics

    m = review_metrics([0.9, -0.2, 0.1, -0.8, -0.3], ["positive", "mixed", "neutral", "negative", "negative"],
                       [5, 2, 3, 1, 4])
    assert m["n_binary"] == 4 and m["binary_accuracy"] == 0.75  # 5+, 2-, 1-, 4- -> one wrong (the 4 stars)
    # classes 2,0,1,0,2 vs predicted 2,1,1,0,0 -> F1: neg 0.5, neu 0.667, pos 0.667
    assert m["macro_f1"] == pytest.approx((0.5 + 2 / 3 + 2 / 3) / 3)


# ---- dev set (../shared) ---------------------------------------------------------------------------
@pytest.mark.shared
def test_dev_metrics_floor(model):
    if not DEV.is_file():
        pytest.skip("../shared is absent")
    import pandas as pd

    from textlens.sentiment.evaluation import model_metrics

    dev = pd.read_csv(DEV)
    m = model_metrics(model, dev["text"].fillna("").tolist(), dev["rating"].to_numpy(int))
    assert m["binary_accuracy"] >= 0.962
    assert m["macro_f1"] >= 0.69


@pytest.mark.shared
def test_dev_aspect_polarity_floor(model):
    gold_path = Path(__file__).resolve().parents[1] / "scripts" / "data" / "dev_aspects_gold.jsonl"
    if not DEV.is_file() or not gold_path.is_file():
        pytest.skip("../shared or the aspect gold is absent")
    import pandas as pd

    from textlens.sentiment.evaluation import aspect_polarity_accuracy, read_gold

    dev = pd.read_csv(DEV)
    r = aspect_polarity_accuracy(model, dict(zip(dev["id"].astype(str), dev["text"].fillna(""))), read_gold(gold_path))
    assert r["n"] > 500
    assert r["accuracy"] >= 0.87


# ---- spaCy component ----------------------------------------------------------------------------
def test_spacy_component_sets_doc_and_sentence_sentiment():
    import spacy

    import textlens.sentiment.components  # noqa: F401  (registers the factory)

    nlp = spacy.blank("fr")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("textlens_sentiment")
    doc = nlp("Conseillère très aimable et à l'écoute. Mais deux mois sans remboursement, service nul, je résilie.")
    sents = list(doc.sents)
    assert len(sents) == 2
    assert sents[0]._.sentiment.label == "positive"
    assert sents[1]._.sentiment.label == "negative"
    assert doc._.sentiment.score < 0
    assert json.dumps(doc._.sentiment.to_dict())


def test_scores_are_consistent_with_probabilities(model):
    preds = model.predict(["très bien", "nul", "bof"])
    for p in preds:
        assert np.isclose(sum(p.proba), 1.0)
        assert np.isclose(p.score, p.proba[2] - p.proba[0])


def test_macro_f1_agrees_with_scikit_learn_also_when_a_class_is_missing():
    from sklearn.metrics import f1_score

    from textlens.sentiment.labels import macro_f1

    rng = np.random.default_rng(0)
    for n in (1, 5, 40, 300):
        for missing in (None, 1, 2):
            y, pred = rng.integers(0, 3, n), rng.integers(0, 3, n)
            if missing is not None:  # a class nobody has and nobody predicts is left out, as scikit-learn does
                y[y == missing], pred[pred == missing] = 0, 0
            assert macro_f1(y, pred) == pytest.approx(f1_score(y, pred, average="macro", zero_division=0))
