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


@pytest.mark.parametrize("text", [
    "Merci Macif, merci Direct Assurance et bravo L'Olivier Assurance",  # insurers
    "Je suis chez Allianz depuis 10 ans, avant à la MAAF et chez AXA",
    "M. le Président de la mutuelle n'a jamais répondu",  # a title, no name
    "la loi Hamon et la loi Chatel permettent de résilier",  # laws named after public figures
    "le président Emmanuel Macron l'a annoncé",  # a public figure
    "agence de Lyon puis de Marseille, et à Paris",  # places
    "Avocat, expert et garagiste sont d'accord. Constat amiable signé.",  # capitalised common words
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
