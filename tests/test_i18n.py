"""The message catalogs: both languages load, every key exists in both, numbers follow each language's habits."""
from textlens import i18n


def test_every_key_is_translated_in_both_languages():
    french, english = i18n.catalog("fr"), i18n.catalog("en")
    assert french and english
    assert set(french) == set(english), sorted(set(french) ^ set(english))


def test_numbers_and_shares_are_written_the_french_or_english_way():
    assert i18n.fmt_number(12345.67, "fr", 1) == "12\u202f345,7"
    assert i18n.fmt_number(12345.67, "en", 1) == "12,345.7"
    assert i18n.fmt_pct(0.125, "fr", 1) == "12,5\u202f%"
    assert i18n.fmt_pct(0.125, "en", 1) == "12.5%"
    assert i18n.fmt_pct(None) == ""


def test_missing_key_falls_back_to_the_other_language_then_to_the_key():
    assert i18n.t("no_results", "en") == "no results"
    assert i18n.t("no_results", "fr") == "aucun résultat"
    assert i18n.t("no.such.key", "fr") == "no.such.key"
    assert i18n.corpus_lang({"fr": 10, "en": 3}) == "fr"
    assert i18n.corpus_lang({"fr": 1, "en": 30}) == "en"
