"""Trend numbers on a synthetic store whose true values are known, and on the demo corpus."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from query_fixtures import (ARCEP_SENT, ARTICLES_PER_YEAR, OFFSHORING, TECH, YEARS, build)
from textlens import trends as tr
from textlens.query import Filters, QueryError
from textlens.store import Corpus


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    db = build(tmp_path_factory.mktemp("trends") / "syn.db")
    with Corpus.open(db, readonly=True) as c:
        yield c


def _theme_docs(counts: dict[int, int]) -> int:
    return sum(counts.values())


def test_prevalence_counts_shares_and_denominator(corpus):
    result = tr.prevalence(corpus, "theme")
    df = result.table
    off = df[df["item"] == "offshoring"].set_index("period")
    assert list(off.index) == YEARS
    for y in YEARS:
        assert off.at[y, "n"] == OFFSHORING[y]
        # verbatims never carry editorial themes, the duplicate and the undated article are not counted
        assert off.at[y, "total"] == ARTICLES_PER_YEAR[y]
        assert off.at[y, "share"] == pytest.approx(OFFSHORING[y] / ARTICLES_PER_YEAR[y])
    assert result.undated == 1 and result.dimension == "theme" and result.by == "year"
    assert "article" in result.denominator and "verbatim" not in result.denominator
    # every period x item pair is present, zeros included
    assert len(df) == len(YEARS) * 2


def test_wilson_intervals_match_scipy(corpus):
    stats = pytest.importorskip("scipy.stats")
    df = tr.prevalence(corpus, "theme").table
    for r in df.itertuples():
        ci = stats.binomtest(int(r.n), int(r.total)).proportion_ci(confidence_level=0.95, method="wilson")
        assert r.ci_low == pytest.approx(ci.low, abs=1e-9)
        assert r.ci_high == pytest.approx(ci.high, abs=1e-9)
        assert r.ci_low <= r.share <= r.ci_high
    low, high = tr.wilson([0, 3], [0, 3])
    assert math.isnan(low[0]) and math.isnan(high[0]) and high[1] == 1.0


def test_sparse_periods_are_marked_and_not_used_for_peaks(corpus):
    df = tr.prevalence(corpus, "theme").table
    sparse = df.groupby("period")["sparse"].first()
    assert sparse[2017] and not sparse[YEARS[:-1]].any()
    summary = tr.trend_summary(df).set_index("item")
    # technology is 2/2 = 100% in sparse 2017; the peak is the best well-covered year
    best = max(YEARS[:-1], key=lambda y: TECH[y] / ARTICLES_PER_YEAR[y])
    assert summary.at["technology_automation", "peak_period"] == best
    assert summary.at["technology_automation", "tested_on"] == "non-sparse periods"


def test_trend_direction_first_peak_and_flags(corpus):
    summary = tr.trend_summary(tr.prevalence(corpus, "theme")).set_index("item")
    off, tech = summary.loc["offshoring"], summary.loc["technology_automation"]
    assert off["direction"] == "falling" and off["flag"] == "declining" and off["mk_p"] < 0.05 and off["slope"] < 0
    assert tech["direction"] == "rising" and tech["flag"] == "emerging" and tech["mk_tau"] > 0
    assert off["first_period"] == min(y for y in YEARS if OFFSHORING[y])
    assert off["last_period"] == max(y for y in YEARS if OFFSHORING[y])
    assert tech["first_period"] == min(y for y in YEARS if TECH[y])
    assert off["n"] == _theme_docs(OFFSHORING)


def test_flat_series_is_flat(corpus):
    df = tr.prevalence(corpus, "aspect", by="quarter", filters=Filters(kind="verbatim")).table
    price = df[df["item"] == "price"]
    assert (price["share"] == 0.5).all() and price["period"].str.match(r"^\d{4}-Q[1-4]$").all()
    row = tr.trend_summary(df).set_index("item").loc["price"]
    assert row["direction"] == "flat" and row["flag"] == "" and row["mk_p"] == 1.0


def test_sentence_unit_counts_passages(corpus):
    df = tr.prevalence(corpus, "theme", unit="sentence").table
    off = df[df["item"] == "offshoring"].set_index("period")
    for y in YEARS:
        n_articles = ARTICLES_PER_YEAR[y]
        sentences = sum(1 + (i < OFFSHORING[y]) + (i >= n_articles - TECH[y]) + (i % 3 == 0)
                        for i in range(n_articles))
        assert off.at[y, "n"] == OFFSHORING[y]
        assert off.at[y, "total"] == sentences


def test_entity_prevalence_and_type_filter(corpus):
    df = tr.prevalence(corpus, "entity", filters=Filters(type="VENDOR")).table
    assert set(df["item"]) == {"Teleperformance"}
    tp = df.set_index("period")
    for y in YEARS:
        assert tp.at[y, "n"] == OFFSHORING[y]
    with pytest.raises(QueryError, match="unknown dimension"):
        tr.prevalence(corpus, "colour")
    with pytest.raises(QueryError, match="unknown period"):
        tr.prevalence(corpus, "theme", by="decade")


def test_evidence_traces_a_number_to_its_passages(corpus):
    ev = tr.evidence(corpus, "theme", "offshoring", period=2011, limit=None)
    assert tr.EvidenceIndex(corpus, "theme").documents("offshoring", 2011) == OFFSHORING[2011]
    assert set(ev["doc_id"]) == {f"a2011_{i}" for i in range(OFFSHORING[2011])}
    assert ev["passage"].str.contains("délocalisation").all() and (ev["level"] == "passage").all()
    assert (ev["period"] == 2011).all()
    # an aspect without passage rows falls back to the evidence kept by the analysis
    wait = tr.evidence(corpus, "aspect", "reachability_wait", limit=3, by="quarter")
    assert len(wait) == 3 and (wait["level"] == "document").all() and wait["passage"].str.contains("joindre").all()


def test_specific_terms_log_likelihood(corpus):
    stats = pytest.importorskip("scipy.stats")
    df = tr.specific_terms(corpus, top=5)
    assert "chatbots" in set(df[df["period"] == 2016]["term"])
    assert {"cotisation", "prix"} <= set(df[df["period"] == 2019]["term"])
    assert not set(df["term"]) & {"les", "des", "de", "le"}
    assert (df["count"] > df["expected"]).all()
    g, *_ = stats.chi2_contingency(np.array([[5, 15], [400, 3000]]), correction=False, lambda_="log-likelihood")
    assert tr.log_likelihood(5, 15, 400, 3000) == pytest.approx(g)


def test_associations_lift(corpus):
    df = tr.associations(corpus, "theme", "entity", items=["offshoring"], with_years=True).set_index("other")
    n_docs = sum(ARTICLES_PER_YEAR.values()) + 1  # + the undated article (overall table)
    n_off = _theme_docs(OFFSHORING) + 1
    n_arcep = sum(sum(1 for i in range(ARTICLES_PER_YEAR[y]) if i % 3 == 0) for y in YEARS)
    both = sum(sum(1 for i in range(OFFSHORING[y]) if i % 3 == 0) for y in YEARS)
    assert df.at["Teleperformance", "n"] == n_off
    assert df.at["Teleperformance", "lift"] == pytest.approx(n_off * n_docs / (n_off * n_off))
    assert df.at["Arcep", "lift"] == pytest.approx(both * n_docs / (n_off * n_arcep))
    assert df.at["Arcep", "pmi"] == pytest.approx(math.log2(df.at["Arcep", "lift"]))
    assert df.at["Teleperformance", "years"] == [y for y in YEARS if OFFSHORING[y]]
    per_year = tr.associations(corpus, "theme", "entity", by="year", items=["offshoring"])
    assert set(per_year["period"]) == {y for y in YEARS if OFFSHORING[y] >= 2}


def test_sentiment_over_time_and_about_a_theme(corpus):
    stats = pytest.importorskip("scipy.stats")
    df = tr.sentiment_over_time(corpus, by="quarter", filters=Filters(kind="verbatim")).table
    assert df["n"].sum() == 40 and (df["negative"] == df["positive"]).all()
    for r in df.itertuples():
        ci = stats.binomtest(int(r.negative), int(r.n)).proportion_ci(method="wilson")
        assert r.neg_low == pytest.approx(ci.low) and r.neg_high == pytest.approx(ci.high)
    sparse = df.set_index("period")["sparse"]
    assert sparse["2019-Q1"] and not sparse["2019-Q4"]  # 4 vs 8 verbatims
    off = tr.sentiment_over_time(corpus, theme="offshoring").table
    assert (off["negative"] == off["n"]).all() and off["n"].sum() == _theme_docs(OFFSHORING)
    # about a theme, the sentences carrying it decide (technology sentences are neutral, the documents
    # around them negative or positive)
    tech = tr.sentiment_over_time(corpus, theme="technology_automation").table
    assert (tech["neutral"] == tech["n"]).all() and tech["n"].sum() == sum(TECH.values())
    price = tr.sentiment_over_time(corpus, aspect="price").table
    assert (price["neg_share"] == 0.5).all()
    with pytest.raises(QueryError):
        tr.sentiment_over_time(corpus, theme="offshoring", aspect="price")


def test_negative_drivers(corpus):
    df = tr.negative_drivers(corpus).table.set_index("aspect")
    waits = sum(1 for i in range(40) if i % 2 == 0 and i % 3 != 1)
    assert df.at["reachability_wait", "neg_docs"] == waits and df.at["reachability_wait", "pos_docs"] == 0
    assert df.at["reachability_wait", "share_of_negatives"] == pytest.approx(waits / 20)
    assert df.at["price", "share_of_negatives"] == df.at["price", "share_of_positives"] == 0.5
    assert df.index[0] == "reachability_wait"  # the aspect that drives negatives comes first
    assert df.at["price", "ratio"] == pytest.approx(1.0)


def test_entity_figure_theme_tables(corpus):
    ents = tr.entity_table(corpus).set_index("entity")
    assert ents.at["Teleperformance", "docs"] == _theme_docs(OFFSHORING) + 1
    assert ents.at["Teleperformance", "first_year"] == 2010
    assert ents.at["Arcep", "mentions"] == ents.at["Arcep", "docs"]
    by_year = tr.entity_table(corpus, type="VENDOR", by="year", top=1)
    assert set(by_year["entity"]) == {"Teleperformance"} and len(by_year) == sum(1 for y in YEARS if OFFSHORING[y])
    figs = tr.figures_table(corpus, about="appels délocalisés")
    assert list(figs["value"]) == ["45 %"]
    assert tr.figures_table(corpus, about="emploi région")["value"].tolist() == ["3 000"]
    assert tr.figures_table(corpus, about="zzz").empty
    themes = tr.theme_table(corpus).table.set_index("theme")
    assert themes.at["offshoring", "docs"] == _theme_docs(OFFSHORING) + 1
    assert themes.at["offshoring", "total"] == sum(ARTICLES_PER_YEAR.values()) + 1
    assert "délocalisation" in themes.at["offshoring", "top_passage"]
    tops = themes.at["offshoring", "top_passages"]
    assert len(tops) == 3 and len({t["doc_id"] for t in tops}) == 3 and all("Maroc" in t["text"] for t in tops)


def test_topics_table_and_topic_trends(corpus):
    result = tr.topic_table(corpus)
    topics = result.table
    assert sorted(topics["id"]) == [0, 1, 2]  # outliers (-1) left out
    assert topics.set_index("id").at[0, "docs"] == sum(OFFSHORING.values()) + 1
    assert result.quality["npmi"] == 0.12 and topics.at[0, "terms"][0] == "délocalisation"
    prev = tr.prevalence(corpus, "topic").table
    assert set(prev["item"]) == {"0", "1", "2"} and "délocalisation_maroc" in set(prev["label"])
    off = prev[prev["item"] == "0"].set_index("period")
    assert all(off.at[y, "n"] == OFFSHORING[y] for y in YEARS)
    assert tr.trend_summary(prev).set_index("item").at["1", "direction"] == "rising"
    # an article topic is a share of articles, a verbatim topic a share of verbatims, in the same period
    decade = tr.prevalence(corpus, "topic", by="10y").table.set_index(["period", "item"])
    n_articles = sum(ARTICLES_PER_YEAR[y] for y in YEARS)
    assert decade.at[("2010-2019", "0"), "total"] == n_articles
    assert decade.at[("2010-2019", "2"), "total"] == 20 and decade.at[("2010-2019", "2"), "share"] == 0.5


def test_year_filters_restrict_counts(corpus):
    df = tr.prevalence(corpus, "theme", filters=Filters(year_from=2012, year_to=2014)).table
    assert sorted(df["period"].unique()) == [2012, 2013, 2014]
    df = tr.prevalence(corpus, "entity", filters=Filters(entity="Arcep")).table
    arcep = df[df["item"] == "Arcep"]
    assert (arcep["share"] == 1.0).all()
    assert ARCEP_SENT  # the sentence the filter keys on is in the fixture


@pytest.fixture(scope="module")
def demo(demo_db):
    with Corpus.open(demo_db, readonly=True) as c:
        yield c


def test_demo_trends_are_consistent(demo):
    if not demo.conn.execute("SELECT 1 FROM doc_themes LIMIT 1").fetchone():
        pytest.skip("the demo store has no themes (themes analysis not installed)")
    result = tr.prevalence(demo, "theme")
    df = result.table
    assert not df.empty and (df["n"] <= df["total"]).all()
    assert ((df["ci_low"] <= df["share"] + 1e-12) & (df["share"] <= df["ci_high"] + 1e-12)).all()
    # the denominator is the articles/editorials, never the verbatims
    kinds = {r[0] for r in demo.conn.execute("SELECT DISTINCT kind FROM documents")}
    assert "verbatim" not in result.denominator or kinds == {"verbatim"}
    summary = tr.trend_summary(df)
    assert set(summary["direction"]) <= {"rising", "falling", "flat"}
    item = summary.iloc[0]["item"]
    ev = tr.evidence(demo, "theme", item, period=summary.iloc[0]["peak_period"])
    assert len(ev) >= 1 and ev["passage"].str.len().gt(0).all()


def test_evidence_index_cuts_per_period_like_head(demo):
    """The report asks an EvidenceIndex for the first rows of each period only: they must be exactly
    the rows `evidence` gives for the whole series and for each period."""
    for dimension in ("theme", "aspect", "entity"):
        index = tr.EvidenceIndex(demo, dimension)
        items = tr.doc_items(demo, dimension)["item"].value_counts().index[:3]
        assert len(items)
        for item in items:
            full = tr.evidence(demo, dimension, item, limit=None)
            capped = index.evidence(item, limit=None, per_period=2)
            assert len(capped) < len(full) or full.groupby("period").size().max() <= 2
            pd.testing.assert_frame_equal(capped.head(2), full.head(2))
            for period, rows in full.groupby(full["period"].astype(str), sort=False):
                pd.testing.assert_frame_equal(capped[capped["period"].astype(str) == period].reset_index(drop=True),
                                              rows.head(2).reset_index(drop=True))
                one = index.evidence(item, period=rows["period"].iloc[0], limit=2)
                pd.testing.assert_frame_equal(one, rows.head(2).reset_index(drop=True))


def test_demo_sentiment_over_time(demo):
    if not demo.conn.execute("SELECT 1 FROM doc_sentiment LIMIT 1").fetchone():
        pytest.skip("the demo store has no sentiment (sentiment analysis not installed)")
    df = tr.sentiment_over_time(demo, filters=Filters(kind="verbatim")).table
    n_verbatims = demo.conn.execute(
        "SELECT COUNT(*) FROM documents d JOIN doc_sentiment s ON s.doc_id = d.id"
        " WHERE d.kind = 'verbatim' AND d.duplicate_of IS NULL AND d.year IS NOT NULL").fetchone()[0]
    assert df["n"].sum() == n_verbatims
    assert ((df["neg_low"] <= df["neg_share"]) & (df["neg_share"] <= df["neg_high"])).all()


def _series(item: str, ns: list[int], totals: list[int], min_docs: int = 5):
    import pandas as pd

    df = pd.DataFrame({"period": list(range(2000, 2000 + len(ns))), "item": item, "label": item, "n": ns,
                       "total": totals, "docs": totals})
    df["share"] = df["n"] / df["total"]
    df["sparse"] = df["total"] < min_docs
    return df


def test_flags_need_evidence_not_one_empty_period():
    # absent for six well-covered periods, then clearly present: emerging even before MK is significant
    late = tr.trend_summary(_series("late", [0, 0, 0, 0, 0, 0, 4, 5, 0], [20] * 9)).iloc[0]
    assert late["flag"] == "emerging" and late["first_period"] == 2006
    # one empty small last period after a steady presence proves nothing
    gap = tr.trend_summary(_series("gap", [3, 4, 3, 4, 3, 4, 3, 4, 0], [20] * 8 + [3])).iloc[0]
    assert gap["flag"] == "" and gap["direction"] == "flat"
    # gone for the whole last third of well-covered periods: declining
    gone = tr.trend_summary(_series("gone", [3, 4, 3, 4, 3, 4, 0, 0, 0], [20] * 9)).iloc[0]
    assert gone["flag"] == "declining" and gone["last_period"] == 2005


def test_year_spans_group_sparse_years(corpus):
    df = tr.prevalence(corpus, "theme", by="5y").table
    off = df[df["item"] == "offshoring"].set_index("period")
    assert list(off.index) == ["2010-2014", "2015-2019"]
    assert off.at["2010-2014", "n"] == sum(OFFSHORING[y] for y in range(2010, 2015))
    assert off.at["2015-2019", "total"] == sum(ARTICLES_PER_YEAR[y] for y in range(2015, 2018))
    with pytest.raises(QueryError, match="N years"):
        tr.prevalence(corpus, "theme", by="1y")


def test_mann_kendall_agrees_with_pymannkendall():
    mk = pytest.importorskip("pymannkendall")
    rng = np.random.default_rng(7)
    for n in (3, 4, 7, 12, 25):
        for _ in range(20):
            x = rng.integers(0, 5, size=n) / 4 + (0.05 * np.arange(n) if rng.random() < 0.5 else 0)  # ties, drift
            if np.all(x == x[0]):
                continue
            ours, ref = tr.mann_kendall(x), mk.original_test(x)
            assert ours["tau"] == pytest.approx(ref.Tau, abs=1e-12)
            assert ours["p"] == pytest.approx(ref.p, abs=1e-9)
            assert ours["slope"] == pytest.approx(ref.slope, abs=1e-12)
    assert math.isnan(tr.mann_kendall([0.1, 0.2])["p"])
