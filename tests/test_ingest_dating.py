"""Publication dates: the forms trade press and blogs use, and the cited-year traps."""
from __future__ import annotations

import datetime as dt

import pytest

from textlens.ingest.dating import (
    date_from_path, date_from_url, find_dates, parse_date_value, parse_publication_date, resolve_date,
)

BODY = ("Les centres de contacts recrutent toujours autant de conseillers dans les régions, malgré la "
        "concurrence des plateformes installées à l'étranger.")


@pytest.mark.parametrize("head, iso, evidence", [
    ("12 Avr 2002", "2002-04-12", "12 Avr 2002"),
    ("This article was written on 12 Avr 2002, and is filled under Editos du magazine.", "2002-04-12",
     "12 Avr 2002"),
    ("mardi 1 avril 2008", "2008-04-01", "mardi 1 avril 2008"),
    ("Publié le 22 février 2012 à 13:54", "2012-02-22", "22 février 2012"),
    ("Montreuil, le 14 décembre 2011", "2011-12-14", "14 décembre 2011"),
    ("Montreuil, le 14 décembre 2011 – La fédération dénonce la pression sur les salariés.", "2011-12-14",
     "14 décembre 2011"),
    ("13/06/2012", "2012-06-13", "13/06/2012"),
    ("date 2021-04", "2021-04", "2021-04"),
    ("Mis à jour le 25 mars 2020", "2020-03-25", "25 mars 2020"),
    ("Publié le 05.10.2022", "2022-10-05", "05.10.2022"),
    ("Par Claire Bodin | 7 septembre 2018", "2018-09-07", "7 septembre 2018"),
    ("Par Jean-Pierre Martin | 7 sept. 2018", "2018-09-07", "7 sept. 2018"),
    ("April 12, 2002", "2002-04-12", "April 12, 2002"),
    ("Posted on Apr. 3, 2011 by admin", "2011-04-03", "Apr. 3, 2011"),
    ("Publié le 1er avr. 2019", "2019-04-01", "1er avr. 2019"),
    ("2012-06-13", "2012-06-13", "2012-06-13"),
    ("Mis en ligne le 15/04/2021", "2021-04-15", "15/04/2021"),
    ("9 déc. 2021 | Services publics", "2021-12-09", "9 déc. 2021"),
    ("3 juillet 2018, 10 h 12 — Entretien", "2018-07-03", "3 juillet 2018"),
    ("Le 3 octobre 2024 — Rubrique Études, par Hélène Gaudin", "2024-10-03", "3 octobre 2024"),
    ("Paris, 12 avril 2002", "2002-04-12", "12 avril 2002"),
    ("Rédigé par Marc Durand le 12 avril 2002 à 10:00", "2002-04-12", "12 avril 2002"),
    ("12 avril 2002 par admin", "2002-04-12", "12 avril 2002"),
    ("Le 14/12/2011 à 10h30 par Claire Bodin", "2011-12-14", "14/12/2011"),
    ("12.04.2002 - 10:30", "2002-04-12", "12.04.2002"),
    ("Date de publication : 12 avril 2002", "2002-04-12", "12 avril 2002"),
    ("En-Contact n°45 – avril 2002", "2002-04", "avril 2002"),
    ("Avril 2002", "2002-04", "Avril 2002"),
    ("Édito du 12 avril 2002", "2002-04-12", "12 avril 2002"),
    ("Mise en ligne : 12/04/2002", "2002-04-12", "12/04/2002"),
    ("2012-06-13T10:00:00+02:00", "2012-06-13", "2012-06-13"),
    ("Publié le 18 oct. 2012 à 13:54 Mis à jour le 18 oct. 2012 à 14:10", "2012-10-18", "18 oct. 2012"),
    ("Par Claire Martin Publié le 12 avril 2002 à 11h23 - Mis à jour le 13 avril 2002", "2002-04-12",
     "12 avril 2002"),
])
def test_dateline_forms(head, iso, evidence):
    info = parse_publication_date(f"Un titre d'article\n\n{head}\n\n{BODY}")
    assert (info.date, info.year, info.source, info.evidence) == (iso, int(iso[:4]), "text", evidence)
    assert 0.5 < info.confidence <= 1


def test_published_date_wins_over_updated_date():
    info = parse_publication_date("Titre\nMis à jour le 4 mars 2013 | Publié le 3 mars 2013\n\n" + BODY)
    assert info.date == "2013-03-03"
    info = parse_publication_date("Titre\nPublié par Florence Guernalec le 3 mars 2013 | Mis à jour le 4 mars 2013")
    assert info.date == "2013-03-03"


@pytest.mark.parametrize("text", [
    "L'association a été créée en 2004 et compte depuis 1996 des adhérents dans toute la France.",
    "Sur les 10.000 postes de conseiller ouverts en 2007, plus de la moitié se trouvaient hors de France.",
    "Titre\n\nSelon Les Echos du 21 janvier 2002, le secteur a recruté 20 000 personnes dans la région lyonnaise.",
    "Titre\n\nLe 21 janvier 2002, le prestataire a annoncé l'ouverture d'un site de 300 positions à Amiens.",
    "Titre\n\n" + "\n".join([BODY] * 14) + "\nPublié le 3 mars 2013 dans un rapport que la Cour des comptes a "
    "consacré aux plateformes téléphoniques des administrations et à leurs délais de réponse aux usagers.",
])
def test_cited_dates_are_never_publication_dates(text):
    info = parse_publication_date(text)
    assert info.source != "text"
    assert info.source == "inferred" and info.confidence < 0.5  # a weak hint, clearly marked
    assert parse_publication_date(text, infer=False).year is None


def test_inferred_year_is_the_latest_plausible_cited_year():
    info = parse_publication_date("Depuis 1996, puis en 2004 et en 2011, le secteur a changé ; 2,5 % et 3000 postes.")
    assert (info.year, info.source) == (2011, "inferred")
    future = dt.date.today().year + 5
    assert parse_publication_date(f"Objectif {future} : 500 conseillers.").year is None


def test_impossible_and_out_of_range_dates_are_rejected():
    assert find_dates("31/02/2012") == []
    assert find_dates("12 mars 1975") == []
    assert [d.iso for d in find_dates("06/13/2012")] == ["2012-06-13"]  # month-first when unambiguous


def test_file_name_and_url_dates():
    assert date_from_path("corpora/demo/articles/25_2015-09-08_formation.txt").date == "2015-09-08"
    assert date_from_path("20120613_edito.txt").date == "2012-06-13"
    info = date_from_path("edito_2004.md")
    assert (info.year, info.source) == (2004, "filename") and info.confidence < 0.7
    assert date_from_path("archives/2004/edito.txt").year == 2004
    assert date_from_path("seeds/003_d744dff4cc1dfbb1.txt").year is None  # hex digits are not a date
    assert date_from_url("https://www.exemple.fr/2012/06/13/centres-appels").date == "2012-06-13"
    assert date_from_url("https://exemple.fr/actu-2012-06-13-x.html").date == "2012-06-13"
    assert date_from_url("https://exemple.fr/article/123456").year is None


@pytest.mark.parametrize("value, iso", [
    ("2021-11-16", "2021-11-16"), ("16/11/2021", "2021-11-16"), ("2021", "2021"), (2021, "2021"),
    (2021.0, "2021"), ("2021-11-16T10:00:00Z", "2021-11-16"), ("Tue, 12 Apr 2002 10:00:00 GMT", "2002-04-12"),
    ("12 avril 2002", "2002-04-12"), (dt.datetime(2019, 5, 3, 12, 0), "2019-05-03"), (dt.date(2019, 5, 3), "2019-05-03"),
])
def test_metadata_values(value, iso):
    info = parse_date_value(value)
    assert (info.date, info.source) == (iso, "metadata")


@pytest.mark.parametrize("value", ["n/a", "il y a 3 jours", "", None, float("nan"), "2999-01-01", "32/13/2020"])
def test_unusable_metadata_values(value):
    assert parse_date_value(value) is None


def test_priority_metadata_then_text_then_filename_then_url_then_inferred():
    text = "Titre\n\nPublié le 3 mars 2013\n\nLe secteur emploie 270 000 personnes depuis 2008."
    assert resolve_date("2015-01-02", text, path="x_2010-01-01.txt")[0].source == "metadata"
    assert resolve_date(None, text, path="x_2010-01-01.txt")[0].date == "2013-03-03"
    plain = "Titre\n\nLe secteur emploie 270 000 personnes depuis 2008 en France et ailleurs."
    assert resolve_date(None, plain, path="x_2010-01-01.txt", url="https://a.fr/2011/02/")[0].source == "filename"
    assert resolve_date(None, plain, path="x.txt", url="https://a.fr/2011/02/x")[0].date == "2011-02"
    assert resolve_date(None, plain, path="x.txt")[0].source == "inferred"
    info, warnings = resolve_date("pas une date", plain, path="x.txt")
    assert info.source == "inferred" and "unparseable date 'pas une date'" in warnings[0]
