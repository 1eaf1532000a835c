"""The HTML report in a real browser (headless Chromium): charts drawn, evidence on click, no corpus script runs.

Skipped when Chromium or websocket-client is not installed (Debian: `apt-get install -y chromium`).
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

import report_fixtures as rf
from textlens.report.browser import find_chromium

pytest.importorskip("websocket", reason="websocket-client is needed to drive Chromium")
if find_chromium() is None:
    pytest.skip("chromium is not installed (apt-get install -y chromium)", allow_module_level=True)

from textlens.report import build_report  # noqa: E402
from textlens.report.browser import inspect_report  # noqa: E402


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("report_browser")
    out = {}
    for name, hostile in (("plain", False), ("hostile", True)):
        db = rf.build(base / f"{name}.db", hostile=hostile)
        out[name] = build_report(db, base / f"{name}.html", lang="en")
        if not hostile:  # the same corpus in French, the default for this French corpus
            out["plain_fr"] = build_report(db, base / "plain_fr.html")
    return out


def test_charts_render_and_a_click_shows_the_passages(pages, tmp_path):
    page = inspect_report(pages["plain"], screenshot=tmp_path / "shot.png")
    assert page.errors == []
    assert len(page.charts) >= 12
    assert page.charts_rendered == len(page.charts), [c for c in page.charts if not c["traces"]]
    assert all(c["width"] > 300 and c["height"] > 100 for c in page.charts)
    assert page.evidence_opened and page.evidence_items >= 1
    assert re.search(r"documents — \d{4}", page.evidence_text)  # a bar of the corpus chart: its documents
    assert re.search(r"(a20\d\d_\d|v\d{3})20\d\d-\d\d-\d\d", page.evidence_text)  # doc id, date
    assert page.title == "textlens report"
    assert "Themes over time" in page.text and "Drivers of negative reviews" in page.text
    shot = Path(page.screenshots[0])
    assert shot.read_bytes()[:4] == b"\x89PNG" and shot.stat().st_size > 50_000


def test_a_click_on_a_trend_point_lists_its_passages(pages):
    """A point inside its interval band: the band must not swallow the click."""
    page = inspect_report(pages["plain"], click="chart_theme_prevalence")
    assert page.evidence_opened and page.evidence_items >= 1, page.evidence_text
    assert re.search(r"— 20\d\d\n", page.evidence_text)  # "<theme label> — <year>"


def test_hostile_corpus_runs_no_script(pages):
    page = inspect_report(pages["hostile"])
    assert page.pwned is None
    assert page.title == "textlens report"
    assert page.injected == {'img[src="x"]': 0, "[onerror]": 0, "[onload]": 0, 'a[href^="javascript"]': 0,
                             "script": 3, "textarea": 0}
    assert page.errors == []
    assert page.charts_rendered == len(page.charts)
    # the payloads are on the page, as text
    assert "Titre <script>window.__pwned='script'</script>" in page.text
    assert "Evil<a href=\"javascript:window.__pwned='link'\">cliquez</a>" in page.text
    assert "<img src=x onerror=" in page.text


def test_the_check_detects_a_script_that_runs(tmp_path):
    """Control: the same check on a page that does run injected markup must report it."""
    bad = tmp_path / "bad.html"
    bad.write_text("<!DOCTYPE html><title>t</title><div class='plot'></div>"
                   "<img src=x onerror=\"window.__pwned='img'\"><script>undefined_function()</script>",
                   encoding="utf-8")
    page = inspect_report(bad, click=False, timeout=15)
    assert page.pwned == "img"
    assert page.injected['img[src="x"]'] == 1
    assert any("undefined_function" in e for e in page.errors)


def test_both_languages_render_and_read_in_their_language(pages, tmp_path):
    """Screenshots of the French (default) and English pages; each reads in its own language only."""
    from textlens import i18n

    titles = {lang: [i18n.t(f"report.{sid}.title", lang) for sid in ("overview", "themes", "topics", "entities",
                                                                         "figures", "sentiment", "method")]
              for lang in ("fr", "en")}
    shots = {}
    for lang, name in (("fr", "plain_fr"), ("en", "plain")):
        page = inspect_report(pages[name], screenshot=tmp_path / f"report_{lang}.png")
        other = "en" if lang == "fr" else "fr"
        assert page.errors == [], lang
        assert page.charts and page.charts_rendered == len(page.charts), lang
        assert page.title == i18n.t("report.title", lang)
        for title in titles[lang]:
            assert title in page.text, (lang, title)
        for title in set(titles[other]) - set(titles[lang]):
            if " " in title:  # one word ("Sentiment") may well occur in quoted model cards
                assert title not in page.text, (lang, title)
        assert page.evidence_opened and page.evidence_items >= 1
        bar_title = r"(articles|verbatims) — 20\d\d" if lang == "fr" else r"(article|verbatim) documents — 20\d\d"
        assert re.search(bar_title, page.evidence_text), page.evidence_text[:300]
        assert ("Passages derrière la valeur cliquée" in page.evidence_text) == (lang == "fr")
        assert ("Points clés" in page.text, "Highlights" in page.text) == (lang == "fr", lang == "en")
        shots[lang] = Path(page.screenshots[0])
        assert shots[lang].read_bytes()[:4] == b"\x89PNG" and shots[lang].stat().st_size > 50_000
    assert shots["fr"].read_bytes() != shots["en"].read_bytes()
