"""Key figures (issue #16): number expressions read as numbers, candidates, the learned key-figure scorer, and
the evaluation's value matching. Sentences are our own."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from textlens.entities.numbers import quantities, scan

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))


def values(text: str) -> list[tuple[float, bool]]:
    return [(round(q.value, 2), q.percent) for q in quantities(text)]


# ---- numbers -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("written, expected", [
    ("12,5 %", [(12.5, True)]),
    ("12.5%", [(12.5, True)]),
    ("1,2 million", [(1_200_000, False)]),
    ("1 200 000", [(1_200_000, False)]),
    ("1\u202f200\u00a0000", [(1_200_000, False)]),
    ("150.000", [(150_000, False)]),
    ("vingt mille", [(20_000, False)]),
    ("trois mille cinq cents", [(3500, False)]),
    ("quatre-vingt-dix-neuf", [(99, False)]),
    ("vingt et un", [(21, False)]),
    ("un million et demi", [(1_500_000, False)]),
    ("une cinquantaine", [(50, False)]),
    ("près d'un demi-millier", [(500, False)]),
    ("un tiers", [(33.33, True)]),
    ("les trois quarts", [(75, True)]),
    ("près de la moitié", [(50, True)]),
    ("deux Français sur trois", [(66.67, True)]),
    ("plus de quatre fois sur dix", [(40, True)]),
    ("7 sur 10", [(70, True)]),
    ("19 à 9 %", [(19, True), (9, True)]),
    ("entre 120 000 et 150 000", [(120_000, False), (150_000, False)]),
    ("64 MEuros", [(64e6, False)]),
    ("300 k€", [(300e3, False)]),
    ("2 Md€", [(2e9, False)]),
    ("deux-trois fois", [(2, False), (3, False)]),
])
def test_number_expressions(written, expected):
    assert values(written) == expected


def test_articles_and_words_that_are_not_numbers():
    assert values("un salarié attend une réponse") == []
    assert values("les pays tiers") == []
    assert [s.kind for s in scan("Un salarié sur trois, une centaine d'agents et la moitié des appels")] == \
        ["ratio", "approx", "fraction"]


def test_offsets_point_at_the_written_number():
    text = "Le secteur compte quatre-vingt-dix centres et 12,5 % de télétravail."
    spans = scan(text)
    assert [text[s.start:s.end] for s in spans] == ["quatre-vingt-dix", "12,5 %"]


# ---- candidates --------------------------------------------------------------------------------------------
def candidates(text: str):
    from textlens.analysis.segment import split_passages
    from textlens.entities.facts import figure_candidates

    return figure_candidates(text, [(p.start, p.end) for p in split_passages("", text)], [], [])


def test_candidates_units_ranges_and_exclusions():
    text = ("Publié le 12 mars 2021 à 10:30. Le prestataire emploie 1 200 salariés sur six sites et vise "
            "entre 300 et 400 recrutements. Son chiffre d'affaires atteint 45 millions d'euros (2020), en "
            "hausse de 8,5 %. Il est certifié ISO 18295 et cité à l'article 12. Prix : 15 francs.")
    by_value = {c.value(text): c for c in candidates(text)}
    assert by_value["1 200 salariés"].unit == "salariés" and by_value["1 200 salariés"].number == 1200
    assert "six sites" in by_value
    assert by_value["entre 300 et 400 recrutements"].features.get("range") == 1.0
    money = by_value["45 millions d'euros"]
    assert money.unit == "EUR" and money.number == pytest.approx(45e6)
    assert by_value["8,5 %"].unit == "%" and by_value["8,5 %"].features.get("growth") == 1.0
    assert by_value["15 francs"].unit == "FRF"
    numbers = {c.number for c in by_value.values()}
    # dates, times, years, norms and article numbers are never candidates
    assert not numbers & {12, 2021, 10, 30, 2020, 18295}


def test_figure_split_across_lines_and_listed():
    text = "Les résultats de l'enquête :\n- 63 %\ndes clients attendent plus de 5 minutes\n- entre 30 000 et 50\n000 appels par jour"
    found = {c.value(text): c for c in candidates(text)}
    assert found["63 %"].features.get("line=bullet") == 1.0
    assert any(c.number == 30000 and c.features.get("range") for c in found.values())
    assert values("50\n000") == [(50_000, False)]


# ---- the learned scorer, through the entity pipeline -------------------------------------------------------
def test_shipped_model_keeps_statistics_and_drops_incidental_numbers():
    from textlens.entities.figure_model import figure_model
    from textlens.entities.pipeline import extract

    assert figure_model() is not None
    res = extract("Selon le baromètre BVA publié en 2019, deux Français sur trois jugent le service client "
                  "décevant et 45 % ont déjà résilié un contrat. Le secteur emploie près de 270 000 salariés "
                  "et son chiffre d'affaires progresse de 6,2 % à 2,1 milliards d'euros.")
    got = {f.value: f for f in res.figures}
    assert got["deux Français sur trois"].number == pytest.approx(66.6667) and got["deux Français sur trois"].unit == "%"
    assert got["45 %"].source is not None
    assert got["près de 270 000 salariés"].number == 270000
    assert any(f.unit == "EUR" and f.number == pytest.approx(2.1e9) for f in res.figures)
    assert any(f.number == 6.2 for f in res.figures)
    assert not any(f.number == 2019 for f in res.figures)


def test_model_switched_off_keeps_numbers_with_a_unit(monkeypatch):
    from textlens.entities import figure_model as fm
    from textlens.entities.facts import Sentences, extract_figures
    from textlens.entities.pipeline import build_nlp

    monkeypatch.setenv(fm.MODEL_ENV, "off")
    assert fm.figure_model() is None and fm.fingerprint() == "off"
    doc = build_nlp("fast").make_doc("Il a appelé 3 fois. Le centre compte 250 conseillers et 12 bureaux.")
    figures = extract_figures(doc, Sentences([(0, len(doc.text))]), [], [])
    assert {f.value for f in figures} == {"3 fois", "250 conseillers"}


def test_model_round_trip_and_threshold(tmp_path):
    from textlens.entities.figure_model import FigureModel

    model = FigureModel({"unit=pct": 3.0, "kind=digits": 0.5}, -2.0, 0.5, {"C": 1.0})
    again = FigureModel.from_dict(json.loads(json.dumps(model.to_dict())))
    assert again == model
    assert again.keeps({"unit=pct": 1.0, "kind=digits": 1.0})
    assert not again.keeps({"kind=digits": 1.0})


# ---- evaluation matching -----------------------------------------------------------------------------------
def test_value_matching_reads_numbers_not_strings():
    from figure_scoring import match_figures, plain_regex_values, values_match

    assert values_match("12,5 %", "12.5%")
    assert values_match("200 salariés", "200")
    assert values_match("1,2 million", "1 200 000")
    assert values_match("la moitié", "50 %")
    assert values_match("19 à 9%", "9 %")
    assert not values_match("45%", "45 salariés")  # a share is not a headcount
    assert not values_match("1 200", "1 300")
    assert values_match("plusieurs", "plusieurs")  # no number: the words are compared
    # one-to-one: a single extracted "200" finds one of two annotated 200s
    assert match_figures(["200 salariés", "200 personnes", "10 %"], ["200", "3 sites"]) == (1, 3, 2)
    assert plain_regex_values("En 2010, 45 % des 1 200 000 clients ; 3 millions") == ["2010", "45 %", "1 200 000", "3 millions"]


def test_training_labels_point_at_the_annotated_place():
    from train_figures import label_candidates

    text = "Le site compte 200 salariés. Le groupe emploie 200 personnes en Inde et 12 % de cadres."
    cands = candidates(text)
    labels, missed = label_candidates(text, cands, ["200 personnes", "12 %", "3 000 euros"])
    kept = [c.value(text) for c, y in zip(cands, labels) if y]
    assert kept == ["200 personnes", "12 %"] and missed == 1


def test_money_range_and_packed_teaser_numbers():
    text = "Le coût horaire est de 10 € à 15 € au Sénégal. Les notes de l'année 74% 80% 79% 72%..."
    found = {c.value(text): c for c in candidates(text)}
    assert found["10 € à 15 €"].unit == "EUR" and found["10 € à 15 €"].features.get("range") == 1.0
    assert found["80%"].features.get("packed_numbers_both_sides") == 1.0
    assert "packed_numbers" not in found["10 € à 15 €"].features


def test_vague_scales_are_not_numbers_and_points_are_points():
    assert values("des millions de Français") == []
    assert values("le milliard d'utilisateurs") == [(1e9, False)]
    assert values("un million d'appels") == [(1e6, False)]
    text = "La satisfaction gagne douze points, et 3 points de plus en 2020."
    units = {c.value(text): c.unit for c in candidates(text)}
    assert units["douze points"] == "points" and units["3 points"] == "points"


def test_figures_reach_the_export_with_number_and_unit(tmp_path):
    """The user's path: ingest + entities analysis, then the export record carries each figure's parsed number."""
    from textlens.export import export_records
    from textlens.pipeline import run

    article = tmp_path / "article.txt"
    article.write_text("Centres d'appels : l'emploi résiste\n\nSelon une enquête de l'Insee, le secteur emploie "
                       "près de 270 000 salariés. Deux Français sur trois jugent le service client décevant, et "
                       "45 % ont déjà changé d'opérateur.\n", encoding="utf-8")
    run([article], tmp_path / "t.db", analyses=["entities"], topics=False, workers=1)
    (record,) = list(export_records(tmp_path / "t.db"))
    figures = {f["value"]: f for f in record["figures"]}
    assert figures["près de 270 000 salariés"]["number"] == 270000
    assert figures["près de 270 000 salariés"]["unit"] == "salariés"
    assert figures["Deux Français sur trois"]["unit"] == "%"
    assert figures["45 %"]["number"] == 45 and figures["45 %"]["sentence"]


def test_names_and_round_the_clock_numbers_are_not_candidates():
    text = ("Le titre quitte le CAC 40 ; le numéro Covid 19 répond 24h/24 et 7 jours/7. Des centaines de milliers "
            "de clients attendent, et 40 % des appels échouent.")
    found = {c.value(text): c.number for c in candidates(text)}
    assert list(found.values()) == [100_000, 40]
