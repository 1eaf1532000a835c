"""The signals, lineage and press-vs-customers sections of the report, on the demo corpus, and in Chromium."""
from __future__ import annotations

from pathlib import Path

import pytest

from textlens.report import build_report, report_data


@pytest.fixture(scope="module")
def demo_report(demo_db):
    return report_data(demo_db)


def _section(report, sid):
    return next(s for s in report.sections if s.id == sid)


def test_sections_follow_the_other_sections_and_carry_evidence(demo_report):
    ids = [s.id for s in demo_report.sections]
    assert ids[-4:] == ["signals", "lineage", "divergence", "method"]
    evidence = demo_report.evidence
    signals = _section(demo_report, "signals")
    assert signals.empty is None
    alerts = next(t for t in signals.tables if t.name == "signal_alerts").df
    for r in alerts.itertuples():  # every alert's passages come from its own period
        assert r.q_value < 0.05 and r.evidence_id == r.evidence_id  # not NaN
        assert {str(p["period"]) for p in evidence[int(r.evidence_id)].passages} == {str(r.period)}
    assert any(t.name.startswith("signals_validation_") for t in signals.tables)


def test_lineage_is_a_sankey_whose_links_open_both_topics(demo_report):
    lineage = _section(demo_report, "lineage")
    assert lineage.empty is None
    chart = next(c for c in lineage.charts if c.kind == "sankey")
    nodes, links = chart.series
    assert len(chart.y) == len(chart.x) == len(nodes.ev) and links.x
    assert all(0 <= s < len(chart.y) and 0 <= t < len(chart.y) for s, t in zip(links.x, links.low))
    assert all(chart.x[t] > chart.x[s] for s, t in zip(links.x, links.low))  # links go forward in time
    for ev in links.ev:
        assert len(demo_report.evidence[ev].passages) >= 2
    table = next(t for t in lineage.tables if t.name == "lineage_links").df
    assert len(table) >= len(links.x)  # the chart shows the largest topics of each period only
    assert (table["similarity"] >= 0.5).all()


def test_press_vs_customers_charts_both_sides_with_passages(demo_report):
    div = _section(demo_report, "divergence")
    assert div.empty is None and div.charts
    for chart in div.charts:
        assert [s.name for s in chart.series] == ["presse", "clients"]
        for s, kinds in zip(chart.series, ({"article", "editorial"}, {"verbatim"})):
            assert all(lo <= y <= hi for y, lo, hi in zip(s.y, s.low, s.high))
            for ev in s.ev:  # a point's passages are from its own side
                if ev is not None:
                    assert {p["kind"] for p in demo_report.evidence[ev].passages} <= kinds
    assert any(e is not None for c in div.charts for s in c.series for e in s.ev)
    gaps = next(t for t in div.tables if t.name == "divergence_gaps").df
    for r in gaps.itertuples():  # the largest gaps show both sides
        kinds = {p["kind"] for p in demo_report.evidence[r.evidence_id].passages}
        assert "verbatim" in kinds and kinds & {"article", "editorial"}


def test_markdown_draws_the_sankey(demo_db, tmp_path):
    out = build_report(demo_db, tmp_path / "r.md", "md")
    text = Path(out).read_text(encoding="utf-8")
    assert "chart_topic_lineage" in text
    png = next(tmp_path.rglob("chart_topic_lineage*.png"))
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_sankey_and_share_charts_open_their_passages_in_chromium(demo_db, tmp_path):
    from textlens.report.browser import find_chromium, inspect_report

    pytest.importorskip("websocket", reason="websocket-client is needed to drive Chromium")
    if find_chromium() is None:
        pytest.skip("chromium is not installed")
    html = build_report(demo_db, tmp_path / "r.html")
    page = inspect_report(html, click="chart_topic_lineage")
    assert page.errors == [] and page.charts_rendered == len(page.charts)
    assert page.evidence_opened and page.evidence_items >= 1, page.evidence_text
    page = inspect_report(html, click="chart_divergence_staff")
    assert page.evidence_opened and page.evidence_items >= 1, page.evidence_text


def test_lineage_without_links_says_so_instead_of_an_empty_sankey(demo_db, monkeypatch, tmp_path):
    """plotly.js throws on a Sankey with nodes and no flow: the section says there is no link, and the note is
    written in both the HTML and the Markdown report."""
    import dataclasses

    from textlens.dynamics import lineage as lineage_module
    from textlens.report.writers import write_html, write_markdown

    real = lineage_module.topic_lineage
    monkeypatch.setattr(lineage_module, "topic_lineage",
                        lambda *a, **k: dataclasses.replace(real(*a, **k), links=[]))
    report = report_data(demo_db)
    lineage = _section(report, "lineage")
    assert lineage.empty is None and not any(c.kind == "sankey" for c in lineage.charts)
    assert len(lineage.notes) == 1
    html = write_html(report, tmp_path / "r.html").read_text(encoding="utf-8")
    md = write_markdown(report, tmp_path / "r.md").read_text(encoding="utf-8")
    from html import unescape
    assert lineage.notes[0] in unescape(html)
    assert lineage.notes[0].split(":")[0] in md
