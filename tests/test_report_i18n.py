"""The report in French (default on French corpora) and in English: every format, the CLI, standard output."""
from __future__ import annotations

import html as html_lib
import json
import re
from pathlib import Path

import pytest

from textlens import i18n
from textlens.report import report_data
from textlens.report.html import render_html
from textlens.report.words import date_text, filters_text, period_name, period_text, quality_name

NNBSP = "\u202f"
# English words of the report's prose that must not be left in a French report (and the French ones in English)
ENGLISH_LEFTOVERS = ("Click", "Highlights", "Read with care", "Generated", "Leaderboards", "per year", "Evidence",
                     "share of documents", "documents per", "First ", "None.", "emerging", "declining", "(peak ")
FRENCH_LEFTOVERS = ("Cliquez", "Points clés", "À lire avec prudence", "Généré le", "Classements", "par année",
                    "Passages justificatifs", "part des documents", "premières lignes", "Aucun.", "émergent",
                    "en déclin", "(pic ")


def _visible_text(page: str) -> str:
    """What a reader reads: the page without styles and scripts, tags removed, entities decoded."""
    page = re.sub(r"<style>.*?</style>|<script\b.*?</script>", " ", page, flags=re.S)
    return html_lib.unescape(re.sub(r"<[^>]+>", "\n", page))


def _chart_words(page: str) -> list[str]:
    """Titles, axis titles, series names and hover texts of the plotly charts in the page."""
    data = json.loads(re.search(r'id="report-data">(.*?)</script>', page, re.S).group(1))
    out: list[str] = []

    def walk(node, key=None):
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, k)
        elif isinstance(node, list):
            for v in node:
                walk(v, key)
        elif isinstance(node, str) and key in ("text", "name"):
            out.append(html_lib.unescape(node))

    for chart in data["charts"]:
        walk(chart)
    return out


@pytest.fixture(scope="module")
def demo_reports(demo_db: Path) -> dict:
    return {"fr": report_data(demo_db), "en": report_data(demo_db, lang="en")}  # fr: the corpus's language


@pytest.fixture(scope="module")
def demo_pages(demo_reports) -> dict[str, str]:
    return {lang: render_html(rep) for lang, rep in demo_reports.items()}


def _section_titles(lang: str) -> set[str]:
    return {text for key, text in i18n.catalog(lang).items()
            if re.fullmatch(r"report\.(overview|themes|topics|entities|figures|sentiment|method)\.title", key)}


def _headings(page: str) -> set[str]:
    return {html_lib.unescape(h) for h in re.findall(r"<h[23][^>]*>([^<]*)</h[23]>", page)}


def test_demo_report_is_french_by_default_and_english_on_request(demo_pages, demo_reports):
    assert demo_reports["fr"].meta["lang"] == "fr"  # the demo corpus is French: no lang asked
    assert demo_pages["fr"].count('<html lang="fr">') == 1
    assert '<html lang="en">' in demo_pages["en"]
    fr, en = _visible_text(demo_pages["fr"]), _visible_text(demo_pages["en"])
    assert len(_section_titles("fr")) == len(_section_titles("en")) == 7
    assert _section_titles("fr") <= _headings(demo_pages["fr"])
    assert _section_titles("en") <= _headings(demo_pages["en"])
    english_headings = _headings(demo_pages["en"]) - _headings(demo_pages["fr"])
    assert len(english_headings) > 20 and not english_headings & _headings(demo_pages["fr"])
    for heading in english_headings:  # no English heading left anywhere in the French page
        assert heading not in _headings(demo_pages["fr"]), heading
    for word in ENGLISH_LEFTOVERS:
        assert word not in fr, word
        assert word.lower() in en.lower(), word  # the check looks for words the English page does use
    for word in FRENCH_LEFTOVERS:
        assert word not in en, word
        assert word.lower() in fr.lower(), word
    assert "Rapport textlens" in fr and "Vue d’ensemble du corpus" in fr and "Méthode et qualité" in fr
    assert re.search(r"Généré le \d{1,2} (janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|"
                     r"novembre|décembre) 20\d\d à \d\d:\d\d", fr)


def test_demo_charts_speak_the_report_language(demo_pages):
    fr, en = _chart_words(demo_pages["fr"]), _chart_words(demo_pages["en"])
    assert len(fr) == len(en) > 100
    joined_fr, joined_en = "\n".join(fr), "\n".join(en)
    for english in ("95% CI", "negative", "positive", "share of", ": none"):
        assert english not in joined_fr, english
    assert "IC à 95" in joined_fr and "95% CI" in joined_en
    assert re.search(r"\d+,\d+|\d" + NNBSP + "%", joined_fr)  # French decimal comma / "12 %"
    assert not re.search(r"\d" + NNBSP + "%", joined_en)
    layouts = re.findall(r'"separators":\s*"([^"]*)"', demo_pages["fr"])
    assert layouts and set(layouts) == {"," + NNBSP}


def test_french_percent_axes_are_spelt_out_and_valid_plotly(demo_reports):
    """plotly's locale has no percent sign setting: French percent axes carry their own '40 %' tick labels."""
    import plotly.graph_objects as go

    from textlens.report.html import chart_payload

    charts = [c for s in demo_reports["fr"].sections for c in [*s.charts, *s.extra.get("boards", [])]]
    percent_axes = 0
    for chart in charts:
        payload = chart_payload(chart, "fr")
        go.Figure(data=payload["data"], layout=payload["layout"])  # raises on any unknown property
        axes = [a for k, a in payload["layout"].items() if k.startswith(("xaxis", "yaxis"))]
        assert all(a.get("tickformat") != ".0%" for a in axes), chart.id
        for axis in axes:
            if "ticktext" in axis:
                assert all(text.endswith(NNBSP + "%") for text in axis["ticktext"]), chart.id
                assert len(axis["ticktext"]) == len(axis["tickvals"]) >= 3
                percent_axes += 1
        english = chart_payload(chart, "en")["layout"]
        assert not any("ticktext" in a for k, a in english.items() if k.startswith(("xaxis", "yaxis")))
    assert percent_axes >= 10


def test_french_numbers_in_tables_and_kpis(demo_reports, demo_pages):
    rep = demo_reports["fr"]
    passages = dict(rep.kpis)["passages"]
    assert int(passages.replace(NNBSP, "")) > 1000 and NNBSP in passages  # 1 234: narrow no-break space
    page = _visible_text(demo_pages["fr"])
    assert re.search(r"\d+,\d" + NNBSP + "%", page)  # shares as 12,5 %
    assert not re.search(r"\d\.\d%", page)


def test_json_keeps_its_keys_and_machine_values_in_both_languages(demo_reports):
    from textlens.report.writers import report_json

    fr, en = (json.loads(json.dumps(report_json(demo_reports[lang]), default=str)) for lang in ("fr", "en"))
    assert fr.keys() == en.keys() and fr["kpis"].keys() == en["kpis"].keys()
    assert fr["tables"].keys() == en["tables"].keys()
    for name, table in fr["tables"].items():
        assert table["columns"] == en["tables"][name]["columns"], name
        assert table["rows"] == en["tables"][name]["rows"] or name == "evidence", name
    assert [s["id"] for s in fr["sections"]] == [s["id"] for s in en["sections"]]
    assert {s["title"] for s in fr["sections"]}.isdisjoint({s["title"] for s in en["sections"]})
    assert fr["meta"]["lang"] == "fr" and en["meta"]["lang"] == "en"


def test_markdown_and_xlsx_in_french(demo_reports, tmp_path):
    from openpyxl import load_workbook

    from textlens.report.writers import write_markdown, write_xlsx

    rep = demo_reports["fr"]
    md = write_markdown(rep, tmp_path / "r.md").read_text(encoding="utf-8")
    assert "## Vue d’ensemble du corpus" in md and "**Points clés\u00a0:**" in md
    assert "| année |" in md and "Corpus overview" not in md and "Highlights" not in md
    assert re.search(r"!\[[^\]]+\]\(r_files/chart_documents\.png\)", md)
    wb = load_workbook(write_xlsx(rep, tmp_path / "r.xlsx"))
    assert wb.sheetnames[0] == "à_propos"
    assert [c.value for c in wb["documents_per_year"][1]][:1] == ["année"]
    about = {r[0].value: r[1].value for r in wb["à_propos"].iter_rows(min_row=2)}
    assert about["rapport"] == "Rapport textlens" and about["filtres"] == "tous les documents"


def test_english_corpus_gets_an_english_report(tmp_path):
    from textlens.document import Document
    from textlens.store import Corpus

    db = tmp_path / "english.db"
    with Corpus.open(db) as c, c.transaction():
        for i in range(3):
            c.upsert_document(Document(id=f"e{i}", text="The call centre answered.", raw_text="x", year=2020,
                                       date="2020-01-02", language="en"))
        c.upsert_document(Document(id="f0", text="Le centre d'appels a répondu.", raw_text="x", year=2020,
                                   date="2020-01-02", language="fr"))
    rep = report_data(db)
    assert rep.meta["lang"] == "en" and rep.sections[0].title == "Corpus overview"
    assert report_data(db, lang="fr").sections[0].title == "Vue d’ensemble du corpus"
    with pytest.raises(ValueError, match="«\u00a0de\u00a0».*fr, en"):
        report_data(db, lang="de")


def test_cli_lang_and_standard_output(demo_db, tmp_path):
    from typer.testing import CliRunner

    from textlens.cli import app

    runner = CliRunner()
    article = ["--kind", "article"]  # a smaller report, same code paths
    res = runner.invoke(app, ["report", "--db", str(demo_db), "--out", "-", "--format", "json", "--lang", "en",
                              *article])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["meta"]["lang"] == "en" and data["sections"][0]["title"] == "Corpus overview"
    res = runner.invoke(app, ["report", "--db", str(demo_db), "--out", "-", "--format", "md", *article])
    assert res.exit_code == 0, res.output
    assert res.stdout.startswith("# Rapport textlens\n") and "## Méthode et qualité" in res.stdout
    assert "![" not in res.stdout and "Graphiques omis" in res.stdout  # no images, and it says why
    assert "sans les graphiques" in res.stderr
    assert not list(tmp_path.glob("*_files"))
    res = runner.invoke(app, ["report", "--db", str(demo_db), "--out", "-", "--format", "xlsx"])
    assert res.exit_code == 1 and "binaire" in " ".join(res.output.split())
    out = tmp_path / "en.html"
    res = runner.invoke(app, ["report", "--db", str(demo_db), "--out", str(out), "--lang", "en", *article])
    assert res.exit_code == 0 and "wrote html report to" in " ".join(res.stderr.split())
    assert '<html lang="en">' in out.read_text(encoding="utf-8")


def test_periods_dates_and_names_the_french_way():
    assert period_text("2003-2013", "fr") == "2003–2013" == period_text("2003-2013", "en")
    assert period_text("2008-Q2", "fr") == "T2 2008" and period_text("2008-Q2", "en") == "2008-Q2"
    assert period_text("undated", "fr") == "sans date" and period_text(2009, "fr") == "2009"
    assert date_text("2026-12-07", "fr") == "7 décembre 2026"
    assert date_text("2026-12-07 10:56", "en") == "December 7, 2026, 10:56"
    assert date_text("2026", "fr") == "2026"
    assert period_name("5y", "fr") == "période de 5 ans" and period_name("year", "en") == "year"
    assert (filters_text({"year_from": 2008, "kind": "article"}, "fr")
            == "depuis\u00a0: 2008, type de document\u00a0: article")
    assert filters_text({"year_from": 2008, "kind": "article"}, "en") == "year_from=2008, kind=article"
    assert filters_text({}, "fr") == "tous les documents"
    assert quality_name("groups.press.npmi", "fr") == "presse · cohérence (NPMI)"
    assert quality_name("groups.press.npmi", "en") == "press · npmi"
