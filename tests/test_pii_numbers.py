"""The learned veto on cue-less numbers and the format rules of masker version 4 (issue #18), on invented strings."""
from __future__ import annotations

import json

import pytest

from textlens.errors import ModelError
from textlens.ingest.pii import PiiMasker
from textlens.ingest.pii_numbers import NumberModel, compact_date, grouped_date, number_features, number_model


@pytest.fixture(scope="module")
def masker() -> PiiMasker:
    return PiiMasker()


@pytest.mark.parametrize("digits, is_date", [
    ("071217", True), ("150420", True), ("15042017", True), ("20171204", True),
    ("181912", False), ("4471093", False), ("99999999", False), ("55820931", False),
])
def test_compact_dates_are_told_from_references(digits, is_date):
    assert compact_date(digits) is is_date


@pytest.mark.parametrize("groups, is_date", [
    (["09", "2021"], True), (["2021", "09"], True), (["31", "01", "2017"], True), (["11", "2014"], True),
    (["36", "2021"], False), (["4471", "093825"], False), (["45", "13", "2020"], False),
])
def test_grouped_dates_are_told_from_references(groups, is_date):
    assert grouped_date(groups) is is_date


def test_features_describe_the_format_and_the_context():
    text = "bris de vitre 11/2014 1 accrochage"
    start = text.index("11/")
    f = number_features(text, start, start + len("11/2014 1"))
    assert f["date_then_count"] == 1.0 and f["year_group"] == 1.0 and f["sep_slash"] == 1.0
    text = "Réclamation :\n7734019258\nmerci"
    start = text.index("77")
    f = number_features(text, start, start + 10)
    assert f["alone_on_line"] == 1.0 and f["digits_9_10"] == 1.0 and f["date_compact"] == 0.0


def test_the_shipped_model_vetoes_cue_less_dates_and_keeps_cue_less_references(masker):
    assert number_model() is not None
    for text in ("nous sommes le 21  09 2021 toujours rien",
                 "1 bris de vitre 11/2014 1 accrochage responsable 03/2016 1 accident"):
        assert masker.find(text) == [], text
    # a date written without separators is scored lower than the same count of digits that is none, but a
    # 6-digit reference can read as a date too ("151218" alone on its line): the veto leaves it to the rules
    text = "l'expertise (071217) puis (551217) rien"
    dated, undated = (number_features(text, text.index(v), text.index(v) + 6) for v in ("071217", "551217"))
    assert number_model().probability(dated) < number_model().probability(undated)
    for text, value in (("Réclamation 7734019258 restée sans réponse", "7734019258"),
                        ("Toujours rien pour le 33062904417R02 depuis mars", "33062904417R02")):
        out = masker.mask(text).text
        assert value not in out and "[N° CONTRAT]" in out, out


def test_a_series_letter_written_apart_is_part_of_the_reference(masker):
    out = masker.mask("Mon dossier était : K 5520913\nmerci").text
    assert "K " not in out and "5520913" not in out and "[N° CONTRAT]" in out


def test_a_street_never_starts_inside_a_date_or_across_a_line_break(masker):
    text = "cambriolé le 27/10/19 \nPassage de l'expert le 15/11/2019\nrien depuis"
    assert [s.type for s in masker.find(text)] == []
    assert [s.type for s in masker.find("j'habite au 27 rue des Hortensias Bleus")] == ["ADDRESS"]


def test_names_spread_only_from_reliable_rules(masker):
    spread = masker.mask("Mme Quéméneur m'a rappelé. Quéméneur est efficace.").text
    assert "Quéméneur" not in spread
    company = masker.mask("La mission a été confiée par Zorvatel. Bref, Zorvatel traîne.").text
    assert company.count("Zorvatel") == 1  # found after "par" (a weak cue), not spread to the other mention


def test_a_broken_model_file_is_named(tmp_path):
    bad = tmp_path / "number_model.json"
    bad.write_text(json.dumps({"weights": {"bias": 1.0}}), encoding="utf-8")
    with pytest.raises(ModelError, match="number_model.json"):
        NumberModel.from_file(bad)
    good = tmp_path / "good.json"
    good.write_text(json.dumps({"weights": {"bias": 2.0, "date_compact": -5.0}, "threshold": 0.5}), encoding="utf-8")
    model = NumberModel.from_file(good)
    assert model.probability({"bias": 1.0}) > 0.5 > model.probability({"bias": 1.0, "date_compact": 1.0})


def test_forum_pseudonyms_glued_to_digits_are_not_names(masker):
    out = masker.mask("je confirme les propos tenus par Ravelor47, merci à Sidonie").text
    assert "Ravelor47" in out and "Sidonie" not in out
