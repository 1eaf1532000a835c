"""Distillation of the sentiment model (issue 17): soft-labelled reviews in the n-gram model's training, the
fixed validation split of train.csv and the TF-IDF + LR baseline. Reviews here are short ones we wrote."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

# gold reviews: 8 per star level, built from phrases we wrote (every star level must be present)
PHRASES = {
    1: ["service horrible", "remboursement jamais reçu", "je résilie immédiatement", "conseiller insultant"],
    2: ["service lent", "remboursement tardif", "conseiller peu aimable", "tarif trop élevé"],
    3: ["service correct sans plus", "remboursement moyen", "conseiller ni bon ni mauvais", "tarif dans la moyenne"],
    4: ["service efficace", "remboursement rapide", "conseiller aimable", "tarif intéressant"],
    5: ["service excellent", "remboursement ultra rapide", "conseiller formidable", "je recommande vivement"],
}


def gold_reviews() -> tuple[list[str], list[int]]:
    texts, stars = [], []
    for star, phrases in PHRASES.items():
        for a, b in list(itertools.permutations(phrases, 2))[:8]:
            texts.append(f"{a}, {b}")
            stars.append(star)
    return texts, stars


# unlabelled reviews: a word the gold reviews never use; the teacher says they are 5-star reviews
SOFT = [f"{w} zorglubesque" for w in ("accueil", "dossier", "contrat", "agence", "devis", "sinistre", "espace client",
                                      "application", "gestion", "suivi", "offre", "prise en charge")]
SOFT_P5 = np.tile([0.0, 0.02, 0.03, 0.15, 0.8], (len(SOFT), 1))


def fit(soft: bool):
    from textlens.sentiment.model import NgramStars, SentimentClassifier

    texts, stars = gold_reviews()
    clf = SentimentClassifier(NgramStars(max_iter=500), folds=3)
    if soft:
        return clf.fit(texts, stars, soft_texts=SOFT, soft_star_proba=SOFT_P5)
    return clf.fit(texts, stars)


def test_soft_labels_teach_the_student_what_gold_reviews_never_say():
    unseen = ["gestionnaire zorglubesque", "une assurance zorglubesque"]
    with_soft = fit(soft=True).predict_proba(unseen)
    without = fit(soft=False).predict_proba(unseen)
    score_with, score_without = with_soft[:, 2] - with_soft[:, 0], without[:, 2] - without[:, 0]
    assert (score_with > 0.3).all(), score_with
    assert (score_with > score_without + 0.2).all(), (score_with, score_without)


def test_soft_labels_are_checked():
    from textlens.sentiment.model import SentimentClassifier

    texts, stars = gold_reviews()
    with pytest.raises(ValueError, match="shape"):
        SentimentClassifier().fit(texts, stars, soft_texts=SOFT, soft_star_proba=SOFT_P5[:3])
    bad = SOFT_P5.copy()
    bad[4] = [0.5, 0.5, 0.5, 0.0, 0.0]
    with pytest.raises(ValueError, match="row 4 is not a probability distribution"):
        SentimentClassifier().fit(texts, stars, soft_texts=SOFT, soft_star_proba=bad)
    with pytest.raises(ValueError, match="no soft_star_proba"):
        SentimentClassifier().fit(texts, stars, soft_texts=SOFT)


def test_repeated_rows_do_not_count_as_more_documents_for_the_kept_columns():
    """A soft-labelled review is one row per star: its n-grams must not pass min_df by repetition."""
    from textlens.sentiment.model import NgramStars

    texts = ["tarif correct", "tarif élevé", "service nul", "service rapide", "bof bof"] * 2 + ["quasimodesque"]
    stars = [3, 2, 1, 4, 3] * 2 + [5]
    model = NgramStars(max_iter=200)
    raw = model.raw(texts)
    rows = np.r_[np.arange(len(texts)), [10, 10]]  # the last review repeated: three rows
    from textlens.sentiment.features import take_rows

    repeated = model.fit_raw(take_rows(raw, rows), np.r_[stars, [4, 5]])
    kept_repeated = repeated.features_.n_features_
    distinct = NgramStars(max_iter=200).fit_raw(take_rows(raw, rows), np.r_[stars, [4, 5]], vocab_raw=raw)
    assert distinct.features_.n_features_ < kept_repeated  # "quasimodesque" columns dropped (one document)
    # weights change the fit: the same rows weighted toward 4 stars move the last review's probabilities
    w = np.r_[np.ones(len(texts) + 1), [5.0]]
    heavy = NgramStars(max_iter=200).fit_raw(take_rows(raw, rows), np.r_[stars, [4, 5]], w, vocab_raw=raw)
    assert heavy.predict_star_proba(["quasimodesque"])[0, 4] > distinct.predict_star_proba(["quasimodesque"])[0, 4]


def test_validation_split_is_fixed_and_about_a_fifth():
    from textlens.sentiment.evaluation import in_validation

    ids = [f"{i:012x}" for i in range(0, 50_000, 7)]
    first = [in_validation(i) for i in ids]
    assert first == [in_validation(i) for i in reversed(ids)][::-1]
    assert 0.18 < np.mean(first) < 0.22


def test_tfidf_baseline_scores_the_reviews_it_is_given():
    from textlens.sentiment.evaluation import tfidf_lr_metrics

    texts, stars = gold_reviews()
    m = tfidf_lr_metrics(texts, stars, ["service horrible, je résilie", "service excellent, je recommande vivement"],
                         [1, 5])
    assert m["n"] == 2 and m["binary_accuracy"] == 1.0
    assert len(m["class_f1"]) == 3


def test_meta_features_are_what_the_stacker_reads():
    """`meta_features` (used by scripts/sentiment_heads.py to try other stackers on held-out reviews) must give the
    stacker's real inputs: the fitted stacker on them reproduces the classifier's probabilities."""
    clf = fit(soft=False)
    texts = ["service excellent mais remboursement tardif", "conseiller insultant", "tarif dans la moyenne"]
    M = clf.meta_features(texts)
    assert M.shape == (3, clf.oof_meta_.shape[1])
    np.testing.assert_allclose(clf.stacker_.predict_proba(M), clf.predict_proba(texts), atol=1e-9)
    assert M[0, 10] > 0  # two clauses (log of the clause count), one for the others
    assert M[1, 10] == 0
