"""Topic labels that name what a topic's units share in our own analyses: the theme most of them carry (when it
sets the topic apart) followed by the topic's best keyphrase."""
from __future__ import annotations

import numpy as np
import pytest

from test_topic_labels import APP
from textlens.topics.representation import KeyphraseRepresentation, RepresentationInput, dominant_themes

CLAIMS = "Gestion des sinistres et remboursements"
DIGITAL = "Canaux numériques"
STAFF = "Amabilité et écoute du personnel"

# Written for these tests: reimbursement delays (the insurer's app and web space: test_topic_labels.APP).
DELAYS = [
    "Le délai de remboursement est beaucoup trop long, trois semaines sans nouvelles.",
    "J'attends toujours le remboursement des frais médicaux depuis des semaines.",
    "Délai de remboursement interminable pour une simple consultation.",
    "Le remboursement des frais médicaux a pris plus d'un mois.",
    "Aucun remboursement reçu malgré l'envoi des factures de frais médicaux.",
    "Un temps fou pour le remboursement des lunettes et des frais médicaux.",
    "Le délai de traitement des dossiers de remboursement est inacceptable.",
    "Remboursement des frais d'hospitalisation bloqué depuis des semaines.",
]


def _input(texts, labels, themes):
    k = int(max(labels)) + 1
    return RepresentationInput(texts=texts, labels=np.asarray(labels), n_topics=k,
                               unigram_terms=[[("mot", 1.0)]] * k, unit_themes=themes)


def test_the_dominant_theme_needs_most_units_and_to_set_the_topic_apart():
    labels = np.array([0] * 10 + [1] * 10 + [-1] * 5)
    themes = [[CLAIMS]] * 7 + [[STAFF]] * 3 + [[DIGITAL]] * 4 + [[STAFF]] * 6 + [[DIGITAL]] * 5
    # topic 0: claims on 7/10, 0.35 of the topics' units (outliers not counted): lift 2; topic 1: staff on 6/10,
    # 0.45 of all: lift 1.33
    assert dominant_themes(labels, themes, 2, 0.5, 1.5) == [CLAIMS, None]
    assert dominant_themes(labels, themes, 2, 0.5, 1.3) == [CLAIMS, STAFF]
    assert dominant_themes(labels, themes, 2, 0.5, 2.5) == [None, None]
    assert dominant_themes(labels, themes, 2, 0.8, 1.0) == [None, None]
    assert dominant_themes(labels, themes, 2, None, 1.5) == [None, None]
    assert dominant_themes(labels, None, 2, 0.5, 1.5) == [None, None]
    # only the topic's first theme may label it: staff is on every unit (lift 1), so claims (3/4, lift 2) does not
    # stand in for it
    staff_first = [[STAFF, CLAIMS]] * 3 + [[STAFF]] * 5
    assert dominant_themes(np.array([0] * 4 + [1] * 4), staff_first, 2, 0.5, 1.5) == [None, None]
    # a unit carrying a theme twice (two passages of a chunk) counts once
    assert dominant_themes(np.array([0, 0, 1, 1]), [[CLAIMS, CLAIMS], [], [], []], 2, 0.5, 1.5) == [CLAIMS, None]


def test_a_topic_is_labelled_by_its_theme_and_a_keyphrase_that_does_not_repeat_it():
    texts, labels = DELAYS + APP, [0] * len(DELAYS) + [1] * len(APP)
    themes = [[CLAIMS]] * len(DELAYS) + [[DIGITAL]] * 3 + [[]] * (len(APP) - 3)
    rep = KeyphraseRepresentation().fit(_input(texts, labels, themes))
    first, second = rep.labels_
    head, *rest = first.split(" · ")
    assert head == CLAIMS and len(rest) == 1, first
    assert rest[0].lower() not in ("remboursement", "sinistre"), first  # the theme says those already
    assert rep.themes_ == [CLAIMS, None]
    assert second.lower().startswith("application mobile") and DIGITAL not in second  # 3 of 12 units: keyphrases
    plain = KeyphraseRepresentation(theme_share=None).fit(_input(texts, labels, themes))
    assert "remboursement" in plain.labels_[0].lower() and plain.themes_ == [None, None]


def test_theme_settings_and_lengths_are_checked():
    texts, labels = DELAYS + APP, [0] * len(DELAYS) + [1] * len(APP)
    with pytest.raises(ValueError, match="theme_share"):
        KeyphraseRepresentation(theme_share=0.0).fit(_input(texts, labels, None))
    with pytest.raises(ValueError, match="theme_lift"):
        KeyphraseRepresentation(theme_lift=0.5).fit(_input(texts, labels, None))


def test_press_units_are_paragraph_chunks_of_one_document():
    from textlens.topics.units import select_passages

    # written for this test: two pages, the first of five sentences, the second of one, and a heading too short
    first = [f"Le centre d'appels numéro {i} de la région recrute vingt téléconseillers pour la rentrée." for i in
             range(5)]  # 14 words each
    rows = [(i + 1, "a", t) for i, t in enumerate(first)] + [(6, "a", "Emploi"), (7, "b", first[0])]
    whole = select_passages(rows, min_words=6)
    assert whole.passage_ids == [[1], [2], [3], [4], [5], [7]] and whole.chunked == 0
    chunks = select_passages(rows, min_words=6, chunk_words=42)
    # 3 sentences (42 words) make a chunk, the 4th starts the next; a chunk never crosses documents
    assert chunks.passage_ids == [[1, 2, 3], [4, 5], [7]] and chunks.doc_ids == ["a", "a", "b"]
    assert chunks.texts[0] == " ".join(first[:3])
    assert chunks.chunked == 3 and chunks.too_short == 1
    # every passage is accounted for
    assert sum(len(ids) for ids in chunks.passage_ids) + chunks.too_short + chunks.furniture == len(rows)


def test_placeholders_of_masked_personal_data_are_never_phrases():
    from textlens.topics.representation import extract_phrases

    texts = ["Merci à [PRÉNOM] pour son écoute, conseillère [NOM] très agréable, rappel au [TÉL] promis.",
             "Conseillère [PRÉNOM] très agréable et à l'écoute, merci [PRÉNOM] [NOM]."]
    keys = {k for unit in extract_phrases(texts, adjectives=True).per_unit for k in unit}
    assert "ecoute" in keys and "agreable" in keys
    assert not {k for k in keys if {"prenom", "nom", "tel"} & set(k.split())}, keys
