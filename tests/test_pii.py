"""Personal-data masking (issue #18): each type on invented strings, with the negatives that must stay."""
from __future__ import annotations

import pytest

from textlens.ingest.pii import PLACEHOLDERS, PiiMasker, PiiPolicy


@pytest.fixture(scope="module")
def masker() -> PiiMasker:
    return PiiMasker()


def masked(masker: PiiMasker, text: str) -> str:
    return masker.mask(text).text


def types(masker: PiiMasker, text: str) -> list[str]:
    return [s.type for s in masker.find(text)]


@pytest.mark.parametrize("text, value, placeholder", [
    ("écrivez-moi à ambroise.kerlidou@exemple-mail.fr svp", "ambroise.kerlidou@exemple-mail.fr", "[EMAIL]"),
    ("rappelez-moi au 06 47 83 29 15 demain", "06 47 83 29 15", "[TÉL]"),
    ("portable : +33 6 47 83 29 15", "+33 6 47 83 29 15", "[TÉL]"),
    ("le standard 01.84.26.37.95 ne répond pas", "01.84.26.37.95", "[TÉL]"),
    ("prélevé sur FR76 3000 6000 0112 3456 7890 189 deux fois", "FR76 3000 6000 0112 3456 7890 189", "[IBAN]"),
    ("ma carte 4970 1012 3456 7893 est refusée", "4970 1012 3456 7893", "[CARTE]"),
    ("mon contrat n° 4471093825 a disparu", "4471093825", "[N° CONTRAT]"),
    ("dossier sinistre SN-2021-884107 en attente", "SN-2021-884107", "[N° CONTRAT]"),
    ("Adhérent 55820931, résilié sans raison", "55820931", "[N° CONTRAT]"),
    ("référence client B7730412 sur le courrier", "B7730412", "[N° CONTRAT]"),
    ("ma voiture FK-284-QZ a été percutée", "FK-284-QZ", "[PLAQUE]"),
    ("immatriculée FK 284 QZ depuis 2019", "FK 284 QZ", "[PLAQUE]"),
    ("j'habite au 27 rue des Hortensias Bleus depuis mars", "27 rue des Hortensias Bleus", "[ADRESSE]"),
    ("Envoyez à : 4 bis avenue Jean Jaurès\n35740 Pacé\nmerci", "4 bis avenue Jean Jaurès", "[ADRESSE]"),
])
def test_structured_values_are_replaced_by_their_typed_placeholder(masker, text, value, placeholder):
    out = masked(masker, text)
    assert value not in out
    assert placeholder in out
    assert out.count("[") == 1 or placeholder == "[ADRESSE]"


@pytest.mark.parametrize("text", [
    "Je paie 1 200 euros par an et 36 628 euros de capital",  # amounts
    "le 12/03/2021 puis le 27.03.19 et le 31 01 2017",  # dates
    "entre 2016 2017 et 2018 aucun sinistre",  # years
    "je roule 157000 km par an, 300000kms au compteur",  # measures
    "Le bureau de Paris 75009 est fermé, écrivez à Vanves 92170",  # postal codes alone in running text
    "une moto de 100 CV et 750 cc, 14x125 euros de franchise",
    "article L113-12 du code des assurances, 100/100 responsable",
    "Mon contrat Titres@vie chez @MAAFAssurances",  # not e-mail addresses
    "la rue Drouot et le bd de Vaugirard",  # streets without a number
])
def test_amounts_dates_years_postal_codes_and_streets_alone_stay(masker, text):
    assert masker.find(text) == []


def test_invalid_check_digits_are_not_typed_iban_or_card(masker):
    assert "IBAN" not in types(masker, "compte FR76 3000 6000 0112 3456 7890 180")
    assert "CARD" not in types(masker, "carte 4970 1012 3456 7895")  # Luhn fails: a reference, still masked
    assert types(masker, "carte 4970 1012 3456 7895") == ["CONTRACT_NO"]


@pytest.mark.parametrize("text, name", [
    ("Merci à Sidonie pour sa patience", "Sidonie"),
    ("la conseillère Ysolde a tout réglé", "Ysolde"),
    ("Très bon accueil de Mme Brossardeau ce matin", "Brossardeau"),
    ("mon interlocuteur Barnabé Quéméneur a tout expliqué", "Barnabé Quéméneur"),
    ("M. Anatole Vercoutère, conseiller de l'agence, est venu", "Anatole Vercoutère"),
    ("merci madame eulalie pour votre aide", "eulalie"),
    ("Prix correct, bon service.\nCordialement\nEulalie BROSSARDEAU", "Eulalie BROSSARDEAU"),
    ("un grand merci à EMELINE pour sa gentillesse", "EMELINE"),
])
def test_people_in_customer_comments_are_masked(masker, text, name):
    out = masked(masker, text)
    assert name not in out
    assert "[PRÉNOM]" in out or "[NOM]" in out


@pytest.mark.parametrize("text, value, kind", [
    # references written in several groups after their cue word, up to the end of the line or a bracket
    ("Bonjour,\nN° d'adhésion : B 0207 K 55318\n\nMerci", "B 0207 K 55318", "CONTRACT_NO"),
    ("Objet : relance\nRéf  5820174433 S02 QTN\n\nMadame", "5820174433 S02 QTN", "CONTRACT_NO"),
    ("Dossier  N/Réf : 31 0K 44817 F - 12R7-H\n", "31 0K 44817 F - 12R7-H", "CONTRACT_NO"),
    ("( sociétaire 8841203 C ) , pour résilier", "8841203 C", "CONTRACT_NO"),
    ("je saisis le médiateur des assurancesB0207z77416.", "B0207z77416", "CONTRACT_NO"),
    ("mon véhicule IMMATRICULÉ : GX482kb a disparu", "GX482kb", "PLATE"),
    ("envoyez à mon adresse postale rue des Glycines bât 4 appt 12 29200 Brest merci", "rue des Glycines bât 4",
     "ADDRESS"),
    # masker version 3, from the errors of annotation round 4 (fresh tune-part reviews)
    ("écrivez-lui sur whatsapp +2347031846592 ce soir", "+2347031846592", "PHONE"),  # another country's number
    ("mon contrat police4471093825 est résilié", "4471093825", "CONTRACT_NO"),  # a number glued to its cue
    ("référence sinistre : C4471093825/QR7/KLM", "KLM", "CONTRACT_NO"),  # letters after the last slash
])
def test_new_shapes_of_structured_values_are_masked(masker, text, value, kind):
    assert value not in masked(masker, text)
    assert kind in types(masker, text)


@pytest.mark.parametrize("text", [
    "Date: 2021-04-19 10:35:16\nTo: service",  # a date with its time
    "Nous sommes le 21/01/2019 15h50 et toujours rien",
    "à payer jusqu'au 15/04/2021sans aucune souplesse",  # a date glued to the next word
    "je suis resté bloqué au 15042017 depuis",  # a date without separators
    "selon l'article L. 132-23-1 du code des assurances",  # a law article
    "cela fait (41 088/365)x0.8 par jour",  # a division
    "l'expert automobile 2 passage  photo insuffisant",  # a street word used as a common noun
    "dossier 1234567 A FUIR absolument",  # the letters after a reference are a shout, not part of it
    "tarif 2017 398.92 puis 2018 477.36 sans accident",  # a year then an amount
    "IMPECCABLE MAIS LE VOL COUTE CHER POUR UN SCOOTER DE 300 CC",  # a phrase in capitals shaped like a plate
    "250000 km au compteur et un capital de 100000 à verser",  # round numbers without a cue
    "bloqué au téléphone le lundi 9/10 2017au soir",  # a date spaced before its year, glued to the next word
])
def test_dates_articles_calculations_and_common_nouns_are_not_values(masker, text):
    found = masker.find(text)
    assert all(s.type == "CONTRACT_NO" and text[s.start:s.end] == "1234567" for s in found), found


@pytest.mark.parametrize("text, name", [
    ("Un grand merci à Pape qui a répondu vite", "Pape"),  # a given name that is also a French word
    ("Très satisfaite de l’accueil d’Angelique.\nSouriante", "Angelique"),
    ("J'ai eu Virginie au téléphone, elle a tout réglé", "Virginie"),  # common in France, listed as a word too
    ("Merci à Benjamin Service impeccable.", "Benjamin"),
    ("bien cordialement,\nDominique LE QUELLEC\nPS ma demande portait sur", "Dominique LE QUELLEC"),
    ("Merci. Cordialement. Mme Le Garrec ", "Le Garrec"),  # surname particles
    ("geste commercial au vu des préjudices subis. D Keravel", "D Keravel"),  # initial + surname ending the text
    ("réponse rapide.\n\nCordialement\n\nA Tréguier.\n", "A Tréguier"),
    ("Merci de votre compréhension.\nCordialement,\nYsolderine\nService Client\n", "Ysolderine"),
    ("N° client : 4471093\n\nJean Quéméneur\n27 rue des Hortensias\n29000 Quimper", "Jean Quéméneur"),
    ("Très bonne interlocutrice\nBonne continuation Nassima\nJe recommande", "Nassima"),
    ("CORDIALEMENT M KERLIDOU.", "KERLIDOU"),  # a bare M before a name at the end of a shouted review
    ("Un grand merci à KADO pour sa diligence.", "KADO"),
    ("je suis très mécontente, à fuir \nClaudine ANDREU  R000122164", "R000122164"),  # an initial? no, a number  # a short surname in capitals, thanked with "à"
    ("reçu en ligne par une conseillère, ISABELLE, très patiente", "ISABELLE"),  # a given name in apposition
    # from annotation round 5 (fresh tune-part reviews scored blind first)
    ("Bonjour je m'appelle aissatou kerbiriou mon dossier est bloqué", "aissatou kerbiriou"),  # the writer's name
    ("rien ne bouge depuis des mois.\nyannick le goff", "yannick"),  # a lower-case signature
    ("voilà mon avis.\nCordialement\nNANTES Josiane  ", "NANTES Josiane"),  # a surname that is also a town
    ("Bien cordialement,\nGwenaëlle Loisel \nPortable 06 47 83 29 15", "Loisel"),  # a surname ending its line
])
def test_new_name_shapes_are_masked(masker, text, name):
    assert name not in masked(masker, text)


@pytest.mark.parametrize("text", [
    "SOCIETE TROUVE POUVEZ M EFFECTUER LES TRAVAUX",  # a lost "m'" in shouted text
    "DIT MONSIEUR QUALITE ... ON TE DIT QUE PERSONNE",
    "A Fuiiir !!!\n\nService sinistre déplorable",  # "A" then a shout is no initial
    "Contact :\n  SAS Kerbrat\n  1/3 Route de la Forge",  # a legal form
    "78700 CONFLANS STE HONORINE",  # a postal line is not a name line
    "Il suffit d'adresser son Iban et son BIC.",
    "Ils ne paient jamais. Merci CNP",  # a company thanked (with irony)
    "Un grand merci à la MAIF pour sa réactivité",
])
def test_shouts_legal_forms_and_postal_lines_are_not_names(masker, text):
    assert [text[s.start:s.end] for s in masker.find(text) if s.type == "PERSON"] == []


@pytest.mark.parametrize("text", [
    "Merci Macif, merci Direct Assurance et bravo L'Olivier Assurance",  # insurers
    "Je suis chez Allianz depuis 10 ans, avant à la MAAF et chez AXA",
    "M. le Président de la mutuelle n'a jamais répondu",  # a title, no name
    "la loi Hamon et la loi Chatel permettent de résilier",  # laws named after public figures
    "le président Emmanuel Macron l'a annoncé",  # a public figure
    "agence de Lyon puis de Marseille, et à Paris",  # places
    "Avocat, expert et garagiste sont d'accord. Constat amiable signé.",  # capitalised common words
    "J'ai quitté Sentiane pour aller avec Metliffe, relancé par Imtrum",  # misspelt insurers and a debt collector
    "impossible de les voir ni par RdV ni par téléphone",  # a mixed-case abbreviation
    "chez l'olivier assurance depuis un an, les papiers transmis à Olivier restent sans réponse",  # the insurer
])
def test_insurers_titles_public_figures_places_and_common_words_stay(masker, text):
    assert [s for s in masker.find(text) if s.type == "PERSON"] == []


def test_first_names_and_full_names_get_their_own_placeholders(masker):
    out = masked(masker, "Merci à Sidonie et à M. Quéméneur")
    assert out == f"Merci à {PLACEHOLDERS['FIRST_NAME']} et à M. {PLACEHOLDERS['PERSON']}"


def test_a_name_found_once_is_masked_everywhere_in_the_text(masker):
    out = masked(masker, "Appel avec Barnabé ce matin. Barnabé, très patient, a tout repris.")
    assert "Barnabé" not in out and out.count("[PRÉNOM]") == 2


def test_metadata_values_are_walked_and_counted(masker):
    from collections import Counter

    counts: Counter = Counter()
    out = masker.mask_value({"auteur": "ambroise.kerlidou@exemple-mail.fr", "note": 4, "tags": ["Merci Sidonie"]},
                            counts)
    assert out == {"auteur": "[EMAIL]", "note": 4, "tags": ["Merci [PRÉNOM]"]}
    assert counts == Counter({"EMAIL": 1, "PERSON": 1})


def test_policy_masks_verbatims_by_default_and_articles_on_request():
    from textlens.ingest import IngestOptions

    default = PiiPolicy.of(IngestOptions())
    assert default.applies_to("verbatim") and not default.applies_to("article")
    assert not default.applies_to("editorial") and not default.keep_originals
    both = PiiPolicy.of(IngestOptions(mask_articles=True, keep_pii=True))
    assert both.applies_to("article") and both.applies_to("editorial") and both.keep_originals
    assert not PiiPolicy.of(IngestOptions(mask_pii=False)).active


def test_unknown_type_is_refused_with_the_known_ones():
    with pytest.raises(ValueError, match="unknown personal-data types.*EMAIL"):
        PiiMasker(types=("EMAIL", "SSN"))


def test_only_the_requested_types_are_masked():
    only_email = PiiMasker(types=("EMAIL",))
    out = only_email.mask("Merci Sidonie, écrivez à a.b@exemple.fr ou au 06 47 83 29 15").text
    assert out == "Merci Sidonie, écrivez à [EMAIL] ou au 06 47 83 29 15"


def test_the_rows_own_company_column_and_handles_are_not_names():
    from textlens.document import Document
    from textlens.ingest.pii import DocumentMasker

    doc = Document(id="d1", kind="verbatim", text="Merci Sécuris. Merci Kevin ! merci @OndixMobile, le PER expliqué.",
                   raw_text="Merci  Kevin", metadata={"company": "Sécuris Auto", "auteur": "Kevin Lemoine", "note": 5})
    counts = DocumentMasker(PiiPolicy()).apply(doc)
    assert doc.text == "Merci Sécuris. Merci [PRÉNOM] ! merci @OndixMobile, le PER expliqué."
    assert doc.raw_text == "Merci  [PRÉNOM]"  # raw_text is masked on its own when it differs from the text
    assert doc.metadata == {"company": "Sécuris Auto", "auteur": "[NOM]", "note": 5}
    assert counts == {"PERSON": 2}


def test_articles_keep_their_text_under_the_default_policy():
    from textlens.document import Document
    from textlens.ingest.pii import DocumentMasker

    doc = Document(id="a1", kind="article", text="Selon Clothilde Marzagan, joignable au 02 99 41 58 73.", raw_text="r")
    assert DocumentMasker(PiiPolicy()).apply(doc) == {} and "Marzagan" in doc.text and doc.raw_text == "r"
