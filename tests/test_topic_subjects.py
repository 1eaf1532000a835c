"""Topics that name a subject (issue #22): press furniture is never clustered, cut lines are glued back, topics
without a subject go to the outliers (and their share is reported), and no label part is made of generic words."""
from __future__ import annotations

import numpy as np
import pytest

from textlens.analysis.segment import fold
from textlens.topics import TopicModel
from textlens.topics import representation as rep_module
from textlens.topics.representation import KeyphraseRepresentation, RepresentationInput, learn_generic_words
from textlens.topics.units import is_furniture_unit, select_passages

# Passages of two pages as a scraper stores them (written for these tests): a dateline, a line cut by the page's
# hard line break, a cookie notice, a call to subscribe, and the site's slogan that opens three pages.
SLOGAN = "Le magazine indépendant de la relation client et des centres de contacts"
PAGES = [
    (1, "a", "Publié le 19 09 2022 | Mis à jour le 06 11 2024"),
    (2, "a", "Le centre d'appels de Metz emploie désormais trois cents téléconseillers et"),
    (3, "a", "recrute encore pour sa nouvelle plateforme de service client."),
    (4, "a", "En poursuivant votre navigation sur ce site, vous acceptez l'utilisation de cookies."),
    (5, "a", SLOGAN),
    (6, "b", SLOGAN),
    (7, "b", "Une enquête publiée par une association de consommateurs révèle que les délais d'attente au "
             "téléphone ont doublé en deux ans."),
    (8, "b", "Abonnez-vous et accédez immédiatement à tout le contenu du site."),
    (9, "c", SLOGAN),
    (10, "c", "Vendredi 4 janvier, 10 h 05."),
    (11, "c", "Les chatbots répondent désormais à la moitié des questions posées au service client."),
]


def test_press_furniture_is_left_out_and_counted_and_cut_lines_glued():
    chosen = select_passages(PAGES, min_words=6)
    assert chosen.passage_ids == [[2, 3], [7], [11]]
    assert chosen.texts[0].endswith("et recrute encore pour sa nouvelle plateforme de service client.")
    assert chosen.doc_ids == ["a", "b", "c"]
    # every passage is accounted for: in a unit, furniture (dateline, cookies, subscription, slogan x3,
    # date-only line) or too short
    assert chosen.glued == 1 and chosen.furniture == 7 and chosen.too_short == 0
    assert sum(len(ids) for ids in chosen.passage_ids) + chosen.furniture + chosen.too_short == len(PAGES)


def test_a_sentence_repeated_across_documents_stays_a_unit():
    # the same lead sentence (syndicated copy) opens three pages: content, unlike the slogan heading
    lead = "Le service client reste la première source de plaintes des consommateurs selon l'enquête annuelle."
    rows = [(1, "a", lead), (2, "b", lead), (3, "c", lead), (4, "c", SLOGAN), (5, "d", SLOGAN), (6, "e", SLOGAN)]
    chosen = select_passages(rows, min_words=6)
    assert chosen.passage_ids == [[1], [2], [3]] and chosen.furniture == 3


def test_furniture_rules_keep_real_sentences():
    assert is_furniture_unit("Publié le 02 août 2016 à 17:00 par Magazine En-Contact")
    assert is_furniture_unit("Question publiée au JO le : 20/01/2015 page : 284")
    assert is_furniture_unit("Cliquez sur l'image pour agrandir le tableau")
    # a sentence that merely mentions a publication or a date is prose
    assert not is_furniture_unit(PAGES[6][2])
    assert not is_furniture_unit("7 000 emplois créés en 2005 dans les centres d'appels")
    assert not is_furniture_unit("« Tu te joins au mouvement ? »")
    # the subject of data protection is not a privacy notice
    assert not is_furniture_unit("Chaque consommateur peut exiger l'effacement de ses données personnelles.")
    assert is_furniture_unit("Consultez notre politique de gestion des données personnelles")


def _blobs(seed: int = 0):
    """Three subjects whose units share their words, and a fourth blob of units that share no word at all
    (the catch-all of quotes and loose sentences found in the press)."""
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(4, 64))
    vocab = [["tarif", "prix", "cotisation"], ["attente", "téléphone", "joindre"],
             ["sinistre", "expert", "indemnisation"]]
    syllables = [c + v for c in "bdflmnprstv" for v in "aeiou"]
    loose = sorted({"".join(rng.choice(syllables, size=3)) for _ in range(2000)})[:400]  # each used once
    X, texts, truth = [], [], []
    for c in range(4):
        for i in range(80):
            X.append(centers[c] + rng.normal(scale=0.3, size=64))
            words = rng.choice(vocab[c], size=4) if c < 3 else loose[4 * i : 4 * i + 4]
            texts.append(" ".join(words))
            truth.append(c)
    return np.array(X), texts, np.array(truth)


def test_topics_without_a_subject_go_to_the_outliers_and_are_reported():
    X, texts, truth = _blobs()
    kept = TopicModel(reduction="pca", agreement_seeds=0, random_state=0, representation="ctfidf",
                      min_coverage=None).fit(texts, X)
    assert kept.n_topics_ == 4 and kept.quality_["diffuse_share"] == 0.0
    routed = TopicModel(reduction="pca", agreement_seeds=0, random_state=0, representation="ctfidf").fit(texts, X)
    assert routed.n_topics_ == 3
    assert (routed.labels_[truth == 3] == -1).all() and (routed.labels_[truth < 3] >= 0).all()
    assert routed.quality_["diffuse_topics"] == 1
    assert routed.quality_["diffuse_share"] == pytest.approx(0.25)
    assert routed.quality_["outlier_share"] >= 0.25  # the routed units are counted as outliers, not hidden
    assert (routed.assigned_by_[truth == 3] == -1).all()
    assert all(t["coverage"] >= 0.17 for t in routed.topics_)
    with pytest.raises(ValueError, match="min_coverage"):
        TopicModel(reduction="pca", min_coverage=1.5).fit(texts, X)


def test_generic_words_are_learned_from_their_spread_over_topics():
    tokens = [["prix", "bien"], ["prix", "tarif"], ["attente", "bien"], ["attente", "joindre"],
              ["sinistre", "bien"], ["sinistre", "expert"], ["bien"], ["autre"]]
    labels = [0, 0, 1, 1, 2, 2, -1, -1]
    assert learn_generic_words(tokens, labels, min_spread=0.6, min_units=2) == ["bien"]
    assert learn_generic_words(tokens, labels, min_spread=0.6, min_units=4) == []  # "bien": 3 units
    assert learn_generic_words(tokens, [-1] * 8) == []


# reviews written for these tests: fares that rise every year, and an unreachable phone line
RISES = ["L'augmentation de tarif annuelle est encore de dix pour cent, sans aucun sinistre.",
         "Nouvelle augmentation de tarif cette année, le prix devient trop élevé.",
         "Augmentation de tarif injustifiée alors que je suis client depuis dix ans.",
         "Le prix a encore augmenté, une augmentation de tarif de plus à chaque échéance.",
         "Encore une augmentation de tarif, je vais comparer les prix ailleurs.",
         "Augmentation du prix du contrat sans explication, bonus pourtant au maximum."]
PHONE = ["Impossible de joindre un conseiller par téléphone, attente interminable.",
         "Temps d'attente au téléphone beaucoup trop long pour joindre le service.",
         "Attente téléphonique de quarante minutes avant de parler à un conseiller.",
         "Ligne téléphonique toujours occupée, impossible de joindre quelqu'un.",
         "L'attente au téléphone est insupportable, musique en boucle.",
         "On ne peut jamais joindre le service par téléphone, attente sans fin."]


def _fit(generic: frozenset[str], monkeypatch, **params):
    monkeypatch.setattr(rep_module, "generic_words", lambda group=None: generic)
    texts, labels = RISES + PHONE, np.array([0] * len(RISES) + [1] * len(PHONE))
    return KeyphraseRepresentation(adjectives=True, **params).fit(RepresentationInput(
        texts=texts, labels=labels, n_topics=2, unigram_terms=[[("mot", 1.0)]] * 2))


def test_no_label_part_is_made_of_generic_words(monkeypatch):
    plain = _fit(frozenset(), monkeypatch)
    assert "tarif" in fold(plain.labels_[0]), plain.labels_
    generic = frozenset({"augmentation", "tarif", "prix", "attente", "telephone"})
    rep = _fit(generic, monkeypatch)
    for label in rep.labels_:
        for part in label.split(" · "):
            nouns = {fold(w) for w in part.replace("'", " ").split()}
            assert nouns - generic - rep_module.field_nouns() - rep_module.empty_nouns(), (label, part)


def test_a_one_word_head_gives_way_to_the_phrase_that_holds_it(monkeypatch):
    short = _fit(frozenset(), monkeypatch, label_window=0, label_phrases=1)
    longer = _fit(frozenset(), monkeypatch, label_phrases=1)
    if len(short.labels_[0].split()) == 1:  # the ranking opened with the lone word: the window lengthens it
        assert short.labels_[0].lower() in longer.labels_[0].lower() and len(longer.labels_[0].split()) >= 2
    assert len(longer.labels_[0].split()) >= 2, longer.labels_
