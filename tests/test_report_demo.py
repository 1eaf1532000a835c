"""The report on the demo corpus run through the whole pipeline (`textlens.pipeline.run`)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from textlens.report import build_report, report_data
from textlens.store import Corpus


def _in_period(date: str | None, period: str) -> bool:
    """A date in a period as the report labels it: 2008, 2008-Q2, 2008-04 or a span 2007–2009."""
    span = re.fullmatch(r"(\d{4})[-–](\d{4})", period)
    if span:
        return bool(date) and int(span.group(1)) <= int(date[:4]) <= int(span.group(2))
    if "-Q" in period:
        return bool(date) and date[:4] == period[:4] and (int(date[5:7]) + 2) // 3 == int(period[-1])
    return (date or "").startswith(period)


@pytest.fixture(scope="module")
def demo_report(demo_db: Path):
    return report_data(demo_db)


def test_demo_report_covers_every_analysis_the_store_has(demo_db, demo_report):
    with Corpus.open(demo_db, readonly=True) as c:
        docs = c.conn.execute("SELECT COUNT(*) FROM documents WHERE duplicate_of IS NULL").fetchone()[0]
        analyses = {r[0] for r in c.conn.execute("SELECT DISTINCT analyzer FROM analysis_state")}
        has = {t: c.conn.execute(f"SELECT 1 FROM {t} LIMIT 1").fetchone() is not None
               for t in ("doc_themes", "mentions", "doc_sentiment", "topics", "figures")}
    sections = {s.id: s for s in demo_report.sections}
    per_year = next(t for t in sections["overview"].tables if t.name == "documents_per_year").df
    assert per_year["total"].sum() == docs
    assert set(per_year.columns) >= {"verbatim", "total"}
    for sid, table in (("themes", "doc_themes"), ("entities", "mentions"), ("sentiment", "doc_sentiment"),
                       ("topics", "topics"), ("figures", "figures")):
        assert (sections[sid].empty is None) == has[table], (sid, sections[sid].empty)
    assert {"entities", "themes", "sentiment"} <= analyses or sections["method"].tables


def test_demo_theme_points_link_to_passages_of_their_year(demo_report):
    themes = next(s for s in demo_report.sections if s.id == "themes")
    if themes.empty:
        pytest.skip("the themes analysis is not installed in this checkout")
    chart = next(c for c in themes.charts if c.id == "chart_theme_prevalence")
    linked = 0
    for s in chart.series:
        for x, y, ev in zip(s.x, s.y, s.ev):
            if y:
                passages = demo_report.evidence[ev].passages
                assert passages and all(_in_period(p["date"], x) for p in passages), (s.name, x)
                linked += 1
    assert linked >= 30


def test_demo_html_report_renders(demo_db, tmp_path):
    out = build_report(demo_db, tmp_path / "demo_report.html")
    html = out.read_text(encoding="utf-8")
    assert 'id="chart_documents"' in html
    from textlens.report.browser import find_chromium

    if find_chromium() is None:
        pytest.skip("chromium is not installed: rendering not checked")
    pytest.importorskip("websocket")
    from textlens.report.browser import inspect_report

    page = inspect_report(out, click=True)
    assert page.errors == []
    assert page.charts and page.charts_rendered == len(page.charts)
    assert page.evidence_opened and page.evidence_items >= 1
