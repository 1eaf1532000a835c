"""Building blocks of ingestion: decoding, normalisation, furniture rules, duplicates, language."""
from __future__ import annotations

import pytest

from textlens.ingest import Deduplicator, detect_language
from textlens.ingest.clean import DecodeError, decode_bytes, normalize_text
from textlens.ingest.furniture import RepeatedLines, is_furniture_line, remove_furniture

SENTENCES = [
    "Les centres de contacts installés au Maroc emploient désormais plus de 40 000 conseillers francophones.",
    "Le ministre a reçu les dirigeants des opérateurs pour leur demander de rapatrier une partie des appels.",
    "Les syndicats dénoncent la surveillance des temps de pause et la pression des objectifs de vente.",
    "La formation des nouveaux conseillers dure désormais six semaines au lieu de trois.",
]


def test_decode_rejects_what_is_not_text():
    for data, reason in [(b"", "empty file"), (b" \n\t ", "empty file (whitespace only)"),
                         (b"%PDF-1.7\n\x00\x01", "PDF"), (b"abc\x00\x01\x02\x03" * 100, "binary")]:
        with pytest.raises(DecodeError, match=reason.replace("(", r"\(").replace(")", r"\)")):
            decode_bytes(data)


def test_decode_utf16_without_bom_and_partial_garbage():
    text, enc, _ = decode_bytes("Très bien, réponse rapide.".encode("utf-16-le"))
    assert text == "Très bien, réponse rapide." and enc == "utf-16-le"
    long_text = ("Un conseiller très aimable. " * 200).encode("utf-8") + b"\xff" + b" Fin."
    text, enc, warnings = decode_bytes(long_text)
    assert text.startswith("Un conseiller très aimable.") and enc == "utf-8" and text.endswith("\ufffd Fin.")
    assert warnings == ["1 undecodable byte sequence(s) replaced by U+FFFD"]
    text, enc, warnings = decode_bytes("Un conseiller très aimable, réponse rapide.".encode("cp1252"))
    assert text == "Un conseiller très aimable, réponse rapide." and enc == "cp1252"


def test_decode_a_last_byte_that_could_start_a_utf8_character():
    # a whole cp1252 file whose only accented letter ends it ("... à" = 0xE0, a UTF-8 lead byte)
    assert decode_bytes("le client a été rappelé à".replace("é", "e").encode("cp1252"))[:2] == (
        "le client a ete rappele à", "cp1252")
    # a UTF-8 file cut in the middle of its last character: still UTF-8, the cut reported
    text, enc, warnings = decode_bytes("Déjà vu, très bien ".encode("utf-8") + "à".encode("utf-8")[:1])
    assert (text, enc) == ("Déjà vu, très bien \ufffd", "utf-8") and "replaced by U+FFFD" in warnings[0]


def test_normalize_text():
    raw = "L\u2019accueil\u00a0: \u201cparfait\u201d\r\n\r\n\r\n\r\nÃ©tÃ© «\u202fok\u202f» \u200bfin  \n"
    assert normalize_text(raw) == "L'accueil : \"parfait\"\n\nété « ok » fin"
    assert normalize_text("Cafe\u0301") == "Café"  # NFC
    assert normalize_text("AT&amp;T") == "AT&T"


@pytest.mark.parametrize("line", [
    "S'abonner", "  • Imprimer", "Retour haut de page", "4 min", "2 min de lecture", "Publié par le", ",", "*",
    "@ (c) Marc Bertrand", "Powered By Blogger", "Aucun commentaire:", "Pour gérer vos consentements :",
    "ÉconomieEntreprisesManagement", "Accueil > Actualités > Consommation", "Imprimer | Partager cet article",
    "Mentions légales | Politique de confidentialité | Plan du site", "Conso & Clients - Tous droits réservés",
    "Current post is tagged", "Information", "Se connecter", "Article réservé aux abonnés", "Commentaires (12)",
    "Écouter cet article", "Tout accepter", "il y a 3 heures", "Partager sur LinkedIn", "Lire la suite »",
    "À lire aussi : Centres d'appels, les donneurs d'ordre renégocient tous leurs contrats avec les prestataires ?",
])
def test_furniture_lines(line):
    assert is_furniture_line(line)


@pytest.mark.parametrize("line", [
    "Pour imprimer vos attestations, connectez-vous à votre espace client et cliquez sur le bouton prévu.",
    "Laisser un commentaire négatif ne suffit plus : les clients mécontents saisissent le médiateur.",
    "Publié par Florence Guernalec le | Mis à jour le",
    "François Rouffiac, directeur de la rédaction",
    "Recherche et développement : les éditeurs investissent.",
    "La délocalisation des centres d'appels en question",
])
def test_real_lines_are_not_furniture(line):
    assert not is_furniture_line(line)


def test_tail_block_is_cut_only_after_the_body():
    body = "\n\n".join(SENTENCES)
    cleaned = remove_furniture(f"Titre de l'article\n\n{body}\n\nÀ lire aussi\nUn autre titre\nEncore un titre")
    assert cleaned.text == f"Titre de l'article\n\n{body}" and cleaned.title == "Titre de l'article"
    # a marker near the top with most of the text after it only loses its own line
    cleaned = remove_furniture(f"Titre\n\nÀ lire aussi\n\n{body}")
    assert cleaned.text == f"Titre\n\n{body}"


@pytest.mark.parametrize("head, title", [
    ("TÉLÉCONSEIL\n\n2009 : l'année des grands plateaux", "2009 : l'année des grands plateaux"),  # site name, year title
    ("Tribune\n\nLes centres d'appels face à la crise", "Les centres d'appels face à la crise"),
    ("Délocalisation\n\nMardi 3 mars 2009", "Délocalisation"),  # a lone word stays when nothing better follows
    ("12 mars 2009\n\nLe marché en 2009\n\nPar Jean Dupont", "Le marché en 2009"),
])
def test_title_prefers_a_heading_of_several_words_to_a_lone_word(head, title):
    assert remove_furniture(f"{head}\n\n" + "\n\n".join(SENTENCES)).title == title


def test_lines_repeated_across_a_folder_are_furniture():
    header = "Le Mag de la Relation Client\nPar Antoine Lefranc\nNewsletter hebdomadaire gratuite"
    docs = [f"{header}\nTitre numéro {i}\n\n{SENTENCES[i]}\n\n{SENTENCES[0] if i else SENTENCES[1]}" for i in range(4)]
    model = RepeatedLines().fit(docs)
    cleaned = remove_furniture(docs[2], model)
    assert "Le Mag de la Relation Client" not in cleaned.text
    assert "Newsletter hebdomadaire gratuite" not in cleaned.text
    assert "Par Antoine Lefranc" in cleaned.text  # bylines are kept (authors are entities)
    assert SENTENCES[0] in cleaned.text and SENTENCES[2] in cleaned.text  # repeated sentences are kept
    assert cleaned.title == "Titre numéro 2"
    assert not RepeatedLines().fit(docs[:2]).hashes_  # two documents are not enough
    assert not RepeatedLines().fit([docs[0]] * 5).hashes_  # copies of one document count once


def test_exact_and_near_duplicates_are_flagged():
    text = " ".join(SENTENCES)
    dedup = Deduplicator()
    assert dedup.check(("a", text)) is None
    assert dedup.check(("b", text.upper().replace(" ", "  "))) == "a"  # exact after normalisation
    near = text + " Source : Afrc, 2012."
    assert dedup.check(("c", near)) == "a"
    other = text.replace("Maroc", "Sénégal").replace("ministre", "préfet").replace("syndicats", "élus")
    assert dedup.check(("d", other)) is None  # Jaccard of 5-shingles < 0.85
    assert dedup.check(("e", "Très bien")) is None and dedup.check(("f", "très  bien")) == "e"
    assert dedup.check(("a", text)) is None  # re-checking the first never points to itself or later ones


def test_deduplicator_is_idempotent_when_primed_in_ingestion_order():
    text = " ".join(SENTENCES)
    first = Deduplicator()
    run1 = [first.check(("z1", text)), first.check(("a1", text))]
    again = Deduplicator()
    again.prime([("z1", text), ("a1", text)])
    assert [again.check(("z1", text)), again.check(("a1", text))] == run1 == [None, "z1"]


@pytest.mark.parametrize("text, lang", [
    ("Service client injoignable, délais interminables", "fr"), ("A éviter...", "fr"), ("bien", "fr"),
    ("Un service lamentable.", "fr"), ("Merci la macif !!", "fr"), ("", "fr"),
    ("I haven't received my green card because they constantly reject my documents.", "en"),
    ("Der Kundenservice war sehr schlecht und ich habe mein Geld nicht zurückbekommen.", "de"),
    ("Il servizio clienti è stato pessimo e non mi hanno mai restituito i soldi.", "it"),
])
def test_detect_language(text, lang):
    assert detect_language(text) == lang


@pytest.mark.parametrize("text, kind", [
    ("Édito\n\nLa relation client se cherche encore.\n\n" + " ".join(SENTENCES), "editorial"),
    ("Titre\n\n" + " ".join(SENTENCES) + "\n\nManuel Jacquinet\nDirecteur de la rédaction", "editorial"),
    ("Chronique d'une fermeture annoncée : le site d'Amiens ferme ses portes après vingt ans d'activité\n\n"
     + " ".join(SENTENCES), "article"),
    ("Titre\n\n" + " ".join(SENTENCES), "article"),
])
def test_guess_kind_of_files(text, kind):
    from textlens.ingest.readers import guess_kind

    assert guess_kind(text, None, table_row=False) == kind
    assert guess_kind("Très bon accueil", None, table_row=True) == "verbatim"


def test_html_fallback_when_the_extractor_finds_nothing(monkeypatch):
    import trafilatura

    from textlens.ingest.html import extract_html

    monkeypatch.setattr(trafilatura, "bare_extraction", lambda *a, **k: None)
    page = extract_html("<html><head><title>Avis</title><script>var x=1;</script></head><body>"
                        "<div>Conseiller <b>très</b> aimable.</div><ul><li>Délai : 2 jours</li></ul></body></html>")
    assert page.extractor == "lxml" and page.title == "Avis"
    assert page.text == "Conseiller très aimable.\n\nDélai : 2 jours"
    with pytest.raises(ValueError, match="without any visible text"):
        extract_html("<html><head><title>T</title></head><body> </body></html>")
