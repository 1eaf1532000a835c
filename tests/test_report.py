"""Reports on a synthetic store written through `Corpus`: numbers, evidence, formats, escaping, CLI."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import report_fixtures as rf
from textlens.query import Filters
from textlens.report import build_report, guess_format, report_data
from textlens.report.html import render_html, safe_json
from textlens.report.words import type_name


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return rf.build(tmp_path_factory.mktemp("report") / "synthetic.db")


@pytest.fixture(scope="module")
def hostile_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return rf.build(tmp_path_factory.mktemp("report_hostile") / "hostile.db", hostile=True)


@pytest.fixture(scope="module")
def report(store: Path):
    return report_data(store)


@pytest.fixture(scope="module")
def hostile_report(hostile_store: Path):
    return report_data(hostile_store)


def _section(report, sid):
    return next(s for s in report.sections if s.id == sid)


def _table(report, name):
    return next(t for t in report.tables() if t.name == name)


# ---- content -------------------------------------------------------------------------------------
def test_every_section_has_content_on_a_complete_store(report):
    assert [s.id for s in report.sections] == ["overview", "themes", "topics", "topic_map", "entities", "figures",
                                               "sentiment", "signals", "lineage", "divergence", "method"]
    for s in report.sections:
        if s.id == "divergence":  # articles 2004-2012, verbatims 2019-2021: no period holds both kinds
            assert s.empty and not s.tables
            continue
        assert s.empty is None, (s.id, s.empty)
        assert s.tables, s.id


def test_overview_counts_documents_without_duplicates(report, store):
    from textlens.store import Corpus

    per_year = _table(report, "documents_per_year").df
    with Corpus.open(store, readonly=True) as c:
        expected = c.conn.execute("SELECT COUNT(*) FROM documents WHERE duplicate_of IS NULL").fetchone()[0]
        total = c.count()
    assert per_year["total"].sum() == expected == total - 1
    row = per_year[per_year["year"] == "2009"].iloc[0]
    assert row["article"] == rf.PER_YEAR[2009] and row["total"] == rf.PER_YEAR[2009]
    assert per_year[per_year["year"] == "2020"].iloc[0]["verbatim"] == 30
    skipped = _table(report, "skipped_inputs").df
    assert skipped.to_dict("records") == [{"source": "avis.csv", "row": 91, "reason": "empty text"}]
    assert dict(report.kpis)["documents"] == str(expected)


def test_theme_prevalence_matches_the_fixture_and_trends(report, store):
    from textlens import trends
    from textlens.store import Corpus

    prev = _table(report, "theme_prevalence").df
    off = prev[prev["item"] == "offshoring"].set_index("period")
    for year, n in rf.OFFSHORING.items():
        assert off.loc[year, "n"] == n
        assert off.loc[year, "total"] >= rf.PER_YEAR[year]
    with Corpus.open(store, readonly=True) as c:
        direct = trends.prevalence(c, "theme", by="year").table
    assert prev[["period", "item", "n", "total"]].equals(direct[["period", "item", "n", "total"]])
    chart = next(c for c in _section(report, "themes").charts if c.id == "chart_theme_prevalence")
    s = next(s for s in chart.series if s.name == "Délocalisation / offshore")
    assert s.x == [str(y) for y in rf.YEARS]
    assert s.sparse[rf.YEARS.index(2009)] and not s.sparse[0]
    assert all(lo <= y <= hi for lo, y, hi in zip(s.low, s.y, s.high))
    trend = _table(report, "theme_trends").df.set_index("item")
    assert trend.loc["technology_automation", "direction"] == "rising"
    assert trend.loc["technology_automation", "flag"] == "emerging"


def test_every_counted_chart_point_has_its_passages(report):
    """A point with documents behind it links to passages of those documents, of that period."""
    chart = next(c for c in _section(report, "themes").charts if c.id == "chart_theme_prevalence")
    checked = 0
    for s in chart.series:
        for x, y, ev in zip(s.x, s.y, s.ev):
            if y and y > 0:
                assert ev is not None, (s.name, x)
                passages = report.evidence[ev].passages
                assert passages and all(p["date"].startswith(x) for p in passages)
                if s.name == "Délocalisation / offshore":
                    assert all(p["passage"] == rf.OFF for p in passages)
                checked += 1
            else:
                assert ev is None
    assert checked >= 20
    ids = [e.id for e in report.evidence]
    assert ids == list(range(len(ids)))


def test_entities_topics_figures_and_sentiment(report):
    ents = _table(report, "entities").df.set_index("entity")
    assert ents.loc["Teleperformance", "docs"] == sum(rf.OFFSHORING.values())
    assert ents.loc["Teleperformance", "type"] == "VENDOR"
    boards = _section(report, "entities").extra["boards"]
    # one leaderboard per type present, titled in the report's language (French on this French corpus)
    assert {b.title for b in boards} == {type_name(t, "fr", plural=True)
                                         for t in ("VENDOR", "INSTITUTION", "RESEARCH_FIRM", "STUDY")}
    assert "Éditeurs et prestataires" in {b.title for b in boards}
    topics = _table(report, "topics").df
    assert set(topics["label"]) == {"délocalisation maroc", "agents virtuels", "arcep numéros"}
    card = next(c for c in _section(report, "topics").extra["cards"] if c["label"] == "délocalisation maroc")
    assert all(p["passage"] == rf.OFF for p in report.evidence[card["evidence_id"]].passages)
    assert _section(report, "topics").extra["quality"]["npmi"] == pytest.approx(0.142)
    figs = _table(report, "figures").df
    assert len(figs) == len(rf.YEARS) and set(figs["value"]) == {"62 %"}
    studies = _table(report, "studies").df
    assert studies.iloc[0]["study"] == "Baromètre Ipsos" and studies.iloc[0]["documents"] == len(rf.YEARS)
    drivers = _table(report, "negative_drivers").df.set_index("aspect")
    assert drivers.loc["reachability_wait", "pos_docs"] == 0
    assert drivers.loc["reachability_wait", "share_of_negatives"] > drivers.loc["price", "share_of_negatives"]
    ev = report.evidence[int(drivers.loc["reachability_wait", "evidence_id"])]
    assert all("joindre" in p["passage"] for p in ev.passages)
    sot = _table(report, "sentiment_over_time").df
    verb = sot[sot["kind"] == "verbatim"].set_index("period")
    assert verb.loc[2021, "negative"] > verb.loc[2019, "negative"]


def test_filters_narrow_every_section(store):
    rep = report_data(store, Filters(year_from=2008, kind="article"))
    per_year = _table(rep, "documents_per_year").df
    assert set(per_year["year"]) == {"2008", "2009", "2010", "2011", "2012"}
    assert "verbatim" not in per_year.columns
    prev = _table(rep, "theme_prevalence").df
    assert prev["period"].min() == 2008
    assert "entity" not in rep.meta["filters"] and "year_from=2008" in rep.meta["filters"]
    sent = _section(rep, "sentiment")
    assert not any(c.id == "chart_sentiment_verbatim" for c in sent.charts)


def test_unknown_filter_value_is_a_clear_error(store):
    from textlens.query import QueryError

    with pytest.raises(QueryError, match="did you mean: offshoring"):
        report_data(store, Filters(theme="offshorng"))


def test_store_without_analyses_says_what_to_run(tmp_path):
    from textlens.document import Document
    from textlens.store import Corpus

    db = tmp_path / "bare.db"
    with Corpus.open(db) as c, c.transaction():
        c.upsert_document(Document(id="d1", text="Un texte.", raw_text="Un texte.", year=2020, date="2020"))
    rep = report_data(db, lang="en")
    assert _section(rep, "overview").empty is None
    for sid, analysis in (("themes", "themes"), ("entities", "entities"), ("sentiment", "sentiment"),
                          ("topics", "topics")):
        assert analysis in _section(rep, sid).empty
    html = render_html(rep)
    assert "No sentiment in this store" in html
    empty_db = tmp_path / "empty.db"
    Corpus.open(empty_db).close()
    rep = report_data(empty_db, lang="en")
    assert "run `textlens run" in _section(rep, "overview").empty
    assert [s.id for s in rep.sections] == ["overview", "method"]


# ---- formats -------------------------------------------------------------------------------------
def test_guess_format():
    assert guess_format("x/report.XLSX") == "xlsx"
    assert guess_format("r.md") == "md" and guess_format("r.out") == "html"
    assert guess_format("r.html", "json") == "json"
    with pytest.raises(ValueError, match="choose one of"):
        guess_format("r.html", "pdf")


def test_json_holds_every_table_row(report, tmp_path):
    from textlens.report.writers import write_json

    out = write_json(report, tmp_path / "r.json")
    data = json.loads(out.read_text(encoding="utf-8"))
    for t in report.tables():
        assert len(data["tables"][t.name]["rows"]) == len(t.df), t.name
        assert data["tables"][t.name]["columns"] == [str(c) for c in t.df.columns]
    assert len(data["evidence"]) == len(report.evidence)
    assert data["meta"]["filters"] == "all documents"
    assert "NaN" not in out.read_text(encoding="utf-8")


def test_xlsx_sheets_headers_widths_and_no_formulas(hostile_store, tmp_path):
    from openpyxl import load_workbook

    from textlens.report.writers import write_xlsx

    hostile_report = report_data(hostile_store, lang="en")  # English headers are the column names
    out = write_xlsx(hostile_report, tmp_path / "r.xlsx")
    wb = load_workbook(out)
    tables = hostile_report.tables()
    assert wb.sheetnames[0] == "about" and len(wb.sheetnames) == len(tables) + 1
    for t in tables:
        ws = wb[t.name[:31]]
        assert [c.value for c in ws[1]] == [str(c) for c in t.df.columns]
        assert ws.freeze_panes == "A2" and ws.max_row == len(t.df) + 1
        assert ws.column_dimensions["A"].width >= 8
    figs = wb["figures"]
    col = [c.value for c in figs[1]].index("value") + 1
    cells = [figs.cell(row=r, column=col) for r in range(2, figs.max_row + 1)]
    hostile = [c for c in cells if str(c.value).startswith("=HYPERLINK")]
    assert hostile and all(c.data_type == "s" for c in hostile)


def test_markdown_writes_charts_and_escapes_text(hostile_report, tmp_path):
    from textlens.report.writers import write_markdown

    out = write_markdown(hostile_report, tmp_path / "r.md")
    text = out.read_text(encoding="utf-8")
    images = re.findall(r"!\[[^\]]*\]\(([^)]+\.png)\)", text)
    assert len(images) >= 10
    for rel in images:
        png = tmp_path / rel
        assert png.stat().st_size > 2000 and png.read_bytes()[:4] == b"\x89PNG"
    assert "<script>" not in text and "<img" not in text and "<svg" not in text
    assert "&lt;script&gt;window.\\_\\_pwned" in text  # shown, as text
    # rendered by a CommonMark renderer that lets raw HTML through: still no markup from the corpus
    from markdown_it import MarkdownIt

    rendered = MarkdownIt("commonmark").enable("table").render(text)
    assert "<table>" in rendered
    assert not re.search(r"<(script|svg|textarea)\b", rendered)
    imgs = re.findall(r"<img [^>]*>", rendered)
    assert len(imgs) == len(images) and all(re.fullmatch(r'<img src="r_files/[\w.]+\.png" alt="[^"<>]*" */?>', i)
                                            for i in imgs), imgs
    assert "javascript:" not in " ".join(re.findall(r'href="([^"]*)"', rendered))
    assert "[cliquez](javascript:window.__pwned='md')" in rendered.replace("&#x27;", "'")


# ---- HTML safety ---------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["</script><script>alert(1)</script>", "a\u2028b\u2029c", "<!--", "&amp;",
                                  "]]>", "\"'`", "<\u00e9>"])
def test_safe_json_cannot_leave_its_script_element(text):
    out = safe_json({"t": text, "l": [text]})
    assert not set("<>&\u2028\u2029") & set(out)
    assert json.loads(out) == {"t": text, "l": [text]}


def test_hostile_corpus_is_escaped_in_the_html_source(hostile_report):
    page = render_html(hostile_report)
    # our own three script elements (data, plotly, app) and nothing else
    assert len(re.findall(r"<script\b", page)) == 3
    assert len(re.findall(r"</script>", page)) == 3
    for payload in (rf.PAYLOADS["img"], rf.PAYLOADS["textarea"], rf.PAYLOADS["js_link"], "<b>gras</b>",
                    "onerror=\"window", "href=\"javascript"):
        assert payload not in page
    assert "&lt;script&gt;window.__pwned=&#39;script&#39;&lt;/script&gt;" in page  # visible as text
    data = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', page, re.S).group(1)
    decoded = json.loads(data)
    passages = [p["passage"] for e in decoded["evidence"] for p in e["passages"]]
    assert rf.HOSTILE_PASSAGE in passages  # intact after the round trip, shown with textContent
    import base64
    import hashlib
    import html as html_lib

    csp = html_lib.unescape(re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1))
    script_src = csp.split("script-src")[1].split(";")[0]
    assert "default-src 'none'" in csp and "unsafe-inline" not in script_src
    inline = re.findall(r"<script>(.*?)</script>", page, re.S)
    assert len(inline) == 2  # plotly.js and the report's script: both allowed by hash, nothing else can run
    for code in inline:
        digest = base64.b64encode(hashlib.sha256(code.encode("utf-8")).digest()).decode()
        assert f"'sha256-{digest}'" in script_src


def test_plotly_specs_are_valid_figures(report):
    import plotly.graph_objects as go

    from textlens.report.html import chart_payload

    charts = [c for s in report.sections for c in [*s.charts, *s.extra.get("boards", [])]]
    assert len(charts) >= 12
    for c in charts:
        payload = chart_payload(c)
        go.Figure(data=payload["data"], layout=payload["layout"])  # raises on any unknown property


def test_plotly_labels_are_escaped(hostile_report):
    from textlens.report.html import chart_payload

    ent = next(c for c in _section(hostile_report, "entities").charts if c.id == "chart_entity_timeline")
    labels = chart_payload(ent)["data"][0]["y"]
    evil = [y for y in labels if y.startswith("Evil")]
    assert evil and "<a" not in evil[0] and "&lt;a href=" in evil[0]


# ---- CLI -----------------------------------------------------------------------------------------
def test_cli_report(store, tmp_path):
    from typer.testing import CliRunner

    from textlens.cli import app

    runner = CliRunner()
    out = tmp_path / "cli.json"
    res = runner.invoke(app, ["report", "--db", str(store), "--out", str(out), "--from", "2010", "--kind", "article"])
    assert res.exit_code == 0, res.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["meta"]["filters_active"] == {"year_from": 2010, "kind": "article"}
    res = runner.invoke(app, ["report", "--db", str(store), "--out", str(tmp_path / "x.html"), "--theme", "offshorng"])
    assert res.exit_code == 1 and "did you mean: offshoring" in " ".join(res.output.split())
    res = runner.invoke(app, ["report", "--db", str(tmp_path / "missing.db"), "--out", str(tmp_path / "y.html")])
    assert res.exit_code == 1 and "no such store" in " ".join(res.output.split())
    assert not (tmp_path / "y.html").exists()


def test_build_report_html_with_filters(store, tmp_path):
    path = build_report(store, tmp_path / "r.html", filters=Filters(year=2021), lang="en")
    html = path.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "year=2021" in html
    head = html.split("<script>")[0]
    assert "http://" not in head and "https://" not in head  # nothing to fetch: self-contained


def test_themes_of_undated_documents_only(tmp_path):
    from textlens.analysis.segment import stems
    from textlens.document import Document, Passage
    from textlens.store import Corpus

    db = tmp_path / "undated.db"
    with Corpus.open(db) as c, c.transaction():
        c.upsert_document(Document(id="d1", text="Délocalisation au Maroc.", raw_text="x", language="fr"))
        (p,) = c.replace_passages("d1", [Passage("d1", 0, 0, 24, "Délocalisation au Maroc.")], [stems("x")])
        c.write_analysis("themes", ("doc_themes", "passage_themes"), {"d1": "k"}, {
            "doc_themes": [{"doc_id": "d1", "theme_id": "offshoring", "taxonomy": "editorial", "score": 0.9}],
            "passage_themes": [{"passage_id": p.id, "doc_id": "d1", "theme_id": "offshoring",
                                "taxonomy": "editorial", "score": 0.9}]})
    rep = report_data(db, lang="en")
    assert _section(rep, "themes").empty == "No dated document of the selection carries a theme."
    assert any("no year" in w for w in rep.warnings)
