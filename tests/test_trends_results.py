"""The trends' results as types (issue #20): each table comes with the figures needed to read it as dataclass fields
(no `DataFrame.attrs` side channel), the CLI's choices of items and evidence live in the library, and the CLI and the
report show the same passages for the same number."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from query_fixtures import OFFSHORING, YEARS, build
from textlens import trends as tr
from textlens.query import Filters
from textlens.store import Corpus

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    db = build(tmp_path_factory.mktemp("results") / "syn.db")
    with Corpus.open(db, readonly=True) as c:
        yield c


def test_prevalence_and_tables_carry_their_figures_and_serialise(corpus):
    prev = tr.prevalence(corpus, "theme", by="year")
    assert isinstance(prev, tr.Prevalence) and prev.frame() is prev.table
    assert (prev.dimension, prev.by, prev.unit, prev.min_docs, prev.undated) == ("theme", "year", "document",
                                                                                  tr.MIN_DOCS, 1)
    plain = json.loads(json.dumps(prev.to_dict()))  # JSON-ready as it is
    assert plain["undated"] == 1 and plain["denominator"] == prev.denominator and len(plain["rows"]) == len(prev.table)
    off = [r for r in plain["rows"] if r["item"] == "offshoring"]
    assert [r["n"] for r in off] == [OFFSHORING[y] for y in YEARS]

    eligible = tr.eligible_documents(corpus, "theme", None)
    themes = tr.theme_table(corpus)
    assert themes.total == len(eligible.table) and (themes.table["total"] == themes.total).all()

    drivers = tr.negative_drivers(corpus)
    assert drivers.n_negative == 20  # the synthetic store's negative verbatims
    assert (drivers.table["n_negative"] == drivers.n_negative).all()
    assert (drivers.table["n_positive"] == drivers.n_positive).all() and drivers.n_positive > 0

    series = tr.sentiment_over_time(corpus)
    assert series.undated == tr.eligible_documents(corpus, None, "year").undated >= 1
    assert series.table["n"].sum() == len(tr.doc_polarities(corpus))

    topics = tr.topic_table(corpus)
    assert topics.quality["npmi"] == 0.12 and sorted(topics.table["id"]) == [0, 1, 2]


def test_trend_follows_the_most_carried_entities_and_says_why_a_share_is_what_it_is(corpus):
    assert tr.top_items(corpus, "entity", 1) == ["Teleperformance"]  # on every offshoring article
    counts = tr.doc_items(corpus, "entity").groupby("item")["doc_id"].nunique()
    two = tr.top_items(corpus, "entity", 2)
    assert len(two) == 2 and min(counts[i] for i in two) == counts.nlargest(2).min()
    result = tr.trend(corpus, "entity", top=2)
    assert sorted(result.summary["item"]) == sorted(two) and set(result.prevalence.table["item"]) == set(two)
    assert result.evidence is None and result.prevalence.dimension == "entity"
    chosen = tr.trend(corpus, "entity", items=["Arcep"], top=2)  # items given: top does not apply
    assert list(chosen.summary["item"]) == ["Arcep"]
    assert sorted(tr.trend(corpus, "theme", top=1).summary["item"]) == sorted(
        tr.prevalence(corpus, "theme").table["item"].unique())  # themes are all shown


def test_trend_evidence_is_the_passages_the_report_shows_for_the_same_point(corpus):
    from textlens.report.context import Options, ReportContext

    result = tr.trend(corpus, "theme", by="year", evidence_per_period=3)
    ev = result.evidence
    assert list(ev.columns) == [*tr.EVIDENCE_COLUMNS, "item"] and not ev.empty
    assert list(dict.fromkeys(ev["item"])) == list(result.summary["item"])  # items in the summary's order
    ctx = ReportContext(corpus, Filters(), Options(by="year"))
    compared = 0
    for (item, period), rows in ev.groupby(["item", "period"], sort=False):
        assert list(rows["period"]) == [period] * len(rows) and len(rows) <= 3
        eid = ctx.trend_evidence("theme", item, item, period, by="year")
        shown = [(p.get("doc_id"), p.get("passage_id")) for p in ctx.evidence[eid].passages]
        assert shown == list(zip(rows["doc_id"], rows["passage_id"]))
        compared += 1
    assert compared >= len(YEARS)
    for _, rows in ev.groupby("item", sort=False):  # each item's periods one after the other
        assert list(rows["period"]) == sorted(rows["period"])
    index = tr.EvidenceIndex(corpus, "theme")
    assert index.documents("offshoring") == sum(OFFSHORING.values())


def test_no_dataframe_attrs_side_channel_is_left_in_the_library():
    """Every `.attrs` use is gone but the CX statistics' (textlens/cx/stats.py is another engineer's this session:
    not yet done, listed here so the list can only shrink)."""
    not_yet: set[str] = set()
    found = {str(p.relative_to(ROOT)) for p in (ROOT / "textlens").rglob("*.py")
             if re.search(r"\.attrs\b", p.read_text(encoding="utf-8"))}
    assert found <= not_yet, sorted(found - not_yet)


def test_rendering_is_the_clis_and_standard_output_is_named_once():
    info = (ROOT / "textlens" / "info.py").read_text(encoding="utf-8")
    assert "textlens.cli" not in info and "rich" not in info  # the library returns data
    from textlens.cli.documents import render_document, render_info  # noqa: F401  (the CLI renders)

    definitions = [str(p.relative_to(ROOT)) for p in (ROOT / "textlens").rglob("*.py")
                   if re.search(r"^STDOUT\s*=", p.read_text(encoding="utf-8"), re.M)]
    assert definitions == ["textlens/vocab.py"]
    from textlens.cli.options import STDOUT as cli_stdout
    from textlens.report.writers import STDOUT as writers_stdout

    assert cli_stdout is writers_stdout == "-"
