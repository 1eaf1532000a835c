"""Readable topic labels: noun-phrase keyphrases without calendar words, first names or stray brand names,
a swappable representation, and labels on the demo corpus that always carry a content word."""
from __future__ import annotations

import numpy as np
import pytest

from textlens.analysis.segment import fold
from textlens.topics.representation import (
    CTfidfRepresentation, KeyphraseRepresentation, RepresentationInput, brand_keys, coherence_words,
    empty_nouns, extract_phrases, field_nouns, first_name_keys, make_representation,
)

# Two subjects of insurance reviews, written for these tests; the insurer is named in a third of the first.
DELAYS = [
    "Le délai de remboursement est beaucoup trop long, trois semaines sans nouvelles.",
    "J'attends toujours le remboursement des soins dentaires depuis janvier.",
    "Délai de remboursement interminable chez MAIF pour une simple consultation.",
    "Le remboursement des frais médicaux a pris plus d'un mois.",
    "Aucun remboursement reçu malgré l'envoi des factures en février.",
    "MAIF met un temps fou pour le remboursement des lunettes.",
    "Le délai de traitement des dossiers de remboursement est inacceptable.",
    "Remboursement des frais d'hospitalisation bloqué depuis des semaines.",
    "Merci à Emeline, mais le délai de remboursement reste trop long.",
    "Le remboursement des soins a enfin été versé après deux relances chez MAIF.",
    "Les frais médicaux avancés ne sont toujours pas remboursés, délai scandaleux.",
    "Le dossier de remboursement a été perdu, il faut tout renvoyer.",
]
APP = [
    "L'application mobile plante à chaque connexion depuis la mise à jour.",
    "Impossible de télécharger l'attestation sur l'application mobile.",
    "L'espace client en ligne est clair et l'application mobile pratique.",
    "La nouvelle version de l'application mobile est lente et bugge souvent.",
    "Je n'arrive pas à me connecter à l'espace client depuis mon téléphone.",
    "L'application mobile permet de déclarer un sinistre en photo, très pratique.",
    "Le mot de passe de l'espace client est refusé sans arrêt.",
    "Application mobile ergonomique, les documents sont faciles à trouver.",
    "La connexion à l'espace client échoue une fois sur deux.",
    "Mise à jour de l'application mobile ratée, plus rien ne s'affiche.",
    "L'espace client en ligne ne montre pas les derniers remboursements.",
    "Bonne application mobile, la carte de tiers payant est toujours disponible.",
]


def _input(texts, labels, **kw):
    return RepresentationInput(texts=texts, labels=np.asarray(labels), n_topics=int(max(labels)) + 1,
                               unigram_terms=[[("mot", 1.0)]] * (int(max(labels)) + 1), **kw)


def test_stop_lists_come_from_the_data_files():
    assert {"janvier", "fevrier", "fois", "question", "soixantaine"} <= empty_nouns()
    assert {"emeline", "nathalie"} <= first_name_keys()
    assert {"maif", "axa", "teleperformance"} <= brand_keys()


def test_phrases_are_noun_phrases_without_months_first_names_or_empty_nouns():
    phrases = extract_phrases(DELAYS)
    keys = {k for unit in phrases.per_unit for k in unit}
    assert "delai de remboursement" in keys and "frais medical" in keys
    assert phrases.display("delai de remboursement").lower() == "délai de remboursement"
    assert phrases.display("frais medical") == "frais médicaux"  # shown as written, counted by lemma
    assert not {"janvier", "fevrier", "emeline", "fois"} & keys
    # no phrase is only function words, and every phrase has at most three content words
    assert all(1 <= len(phrases.lemmas[k]) <= 3 for k in keys)


def test_keyphrase_labels_name_the_subject_and_keep_the_insurer_out():
    texts, labels = DELAYS + APP, [0] * len(DELAYS) + [1] * len(APP)
    rep = KeyphraseRepresentation().fit(_input(texts, labels))
    first, second = rep.labels_
    assert "remboursement" in first.lower() and "application mobile" in second.lower(), rep.labels_
    assert "maif" not in first.lower()  # named in 3 of 12 reviews: not the subject
    assert first != second
    terms = [t for t, _ in rep.terms_[0]]
    assert len(terms) == len(set(terms)) and "MAIF" in terms  # kept in the list, only down-weighted
    # when the brand is in every review of the topic, it is the subject and may lead
    branded = [f"{t} MAIF." for t in DELAYS]
    lead = KeyphraseRepresentation(brand_subject_share=0.5).fit(_input(branded + APP, labels))
    plain = KeyphraseRepresentation(brand_subject_share=1.01).fit(_input(branded + APP, labels))
    weight = {t: w for t, w in lead.terms_[0]}
    assert weight["MAIF"] > dict(plain.terms_[0]).get("MAIF", 0.0)


def test_representations_are_swappable_and_validated():
    assert isinstance(make_representation("ctfidf", 2), CTfidfRepresentation)
    custom = KeyphraseRepresentation(label_phrases=1)
    made = make_representation(custom)
    assert made is not custom and made.get_params() == custom.get_params()
    with pytest.raises(ValueError, match="representation must be one of"):
        make_representation("lda")
    with pytest.raises(ValueError, match="diversity"):
        KeyphraseRepresentation(diversity=2).fit(_input(DELAYS + APP, [0] * 12 + [1] * 12))
    words = CTfidfRepresentation(label_terms=2).fit(
        RepresentationInput(texts=["a"] * 2, labels=np.array([0, 1]), n_topics=2,
                            unigram_terms=[[("délai", 1.0), ("remboursement", 0.5)], [("appli", 1.0)]]))
    assert words.labels_ == ["délai · remboursement", "appli"]


def test_coherence_words_split_phrases_and_drop_links():
    assert coherence_words(["délai de remboursement", "centres d'appels", "délai"], 10) == \
        ["delai", "remboursement", "centres", "appels"]


def test_demo_labels_always_carry_a_content_word(demo_db):
    """On the demo store no label part is made only of stop words, calendar words or first names."""
    from textlens.store import Corpus
    from textlens.topics import topics_table
    from textlens.topics.terms import stop_words

    field = field_nouns()  # "client", "centre": fine inside a phrase ("relation client"), never alone
    banned = (stop_words() - field) | empty_nouns() | first_name_keys()
    with Corpus.open(demo_db, readonly=True) as corpus:
        labels = topics_table(corpus)["label"].tolist()
    assert len(labels) >= 5
    for label in labels:
        for part in label.split(" · "):
            words = {fold(w) for w in part.replace("'", " ").split() if len(w) >= 2}
            assert words - banned, (label, part)
            assert not words <= field or len(part.split()) >= 2, (label, part)


def test_word_labels_skip_calendar_words_empty_nouns_and_first_names():
    from textlens.topics.representation import _word_label

    words = [("mars", 0.9), ("trentaine", 0.8), ("Emeline", 0.7), ("élection", 0.6), ("scrutin", 0.5)]
    assert _word_label(words) == "élection · scrutin"


def test_reviews_may_be_labelled_by_lone_adjectives_press_not():
    from textlens.topics.corpus import group_representation

    text = ["Je suis très satisfait, service rapide et efficace, conseillère souriante."]
    plain = {k for unit in extract_phrases(text).per_unit for k in unit}
    judged = {k for unit in extract_phrases(text, adjectives=True).per_unit for k in unit}
    assert "efficace" not in plain and {"efficace", "satisfait", "service rapide"} <= judged
    assert not {"tres", "très"} & judged
    assert group_representation("verbatim").adjectives and not group_representation("press").adjectives
