"""Drivers (impact on a score, key-driver model) and segment comparison, on a store whose true effects are known
(tests/drivers_fixtures.py) and on the demo corpus."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from drivers_fixtures import N_PER_INSURER, is_claims, is_wait, rating
from textlens.query import Filters, QueryError
from textlens.store import Corpus


@pytest.fixture(scope="module")
def synth_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from drivers_fixtures import build

    return build(tmp_path_factory.mktemp("dynamics") / "synth.db")


@pytest.fixture()
def corpus(synth_db: Path):
    with Corpus.open(synth_db, readonly=True) as c:
        yield c


def _impact(table, item):
    return next(i for i in table.impacts if i.item == item)


# ---- impact --------------------------------------------------------------------------------------------
def test_claims_costs_four_stars_within_its_interval_and_price_costs_nothing(corpus):
    from textlens.dynamics import drivers

    table = drivers(corpus, n_boot=500, seed=1)
    assert table.score == "rating"  # auto-detected
    # the truth, from the fixture's own rules
    scored = [(ins, j) for ins in ("Alpha", "Beta") for j in range(N_PER_INSURER)] + [
        ("Gamma", 1001 + j) for j in range(5)]
    with_claims = [rating(j) for _, j in scored if is_claims(j)]
    without = [rating(j) for _, j in scored if not is_claims(j)]
    truth = np.mean(with_claims) - np.mean(without)
    assert truth == pytest.approx(-4, abs=0.2)
    claims = _impact(table, "claims_handling")
    assert claims.impact == pytest.approx(truth)
    assert claims.ci_low <= truth <= claims.ci_high and claims.ci_high - claims.ci_low < 0.5
    assert claims.significant and claims.docs == len(with_claims)
    # what-if-it-disappeared: overall mean - mean without = share x impact
    assert claims.effect_on_mean == pytest.approx(claims.share * claims.impact)
    assert claims.effect_low <= claims.effect_on_mean <= claims.effect_high
    price = _impact(table, "price")
    assert price.ci_low < 0 < price.ci_high and not price.significant and abs(price.impact) < 0.3
    assert table.impacts[0].item == "claims_handling"  # ranked by effect on the mean, worst first
    assert table.mean_low < np.mean(with_claims + without) < table.mean_high
    # evidence: the item's own passage in its lowest-scored documents first
    assert claims.evidence and claims.evidence[0]["value"] == 1.0
    assert all("Sinistre" in e["passage"] for e in claims.evidence)


def test_same_seed_same_intervals_other_seed_close(corpus):
    from textlens.dynamics import drivers

    a = drivers(corpus, n_boot=300, seed=3, model=False)
    b = drivers(corpus, n_boot=300, seed=3, model=False)
    c = drivers(corpus, n_boot=300, seed=4, model=False)
    assert [i.ci_low for i in a.impacts] == [i.ci_low for i in b.impacts]
    assert [i.ci_low for i in a.impacts] != [i.ci_low for i in c.impacts]
    assert _impact(a, "price").ci_low == pytest.approx(_impact(c, "price").ci_low, abs=0.1)


def test_documents_without_a_usable_score_are_counted_and_named(corpus):
    from textlens.dynamics import drivers

    table = drivers(corpus, n_boot=100, model=False)
    assert table.n_docs == 2 * N_PER_INSURER + 5
    assert table.left_out.missing == 1
    assert [r["doc_id"] for r in table.left_out.invalid] == ["bad_rating"]
    message = table.left_out.describe("rating")
    assert "avis.csv row" in message and "five stars" in message and "1 documents without 'rating'" in message


def test_score_column_errors_name_the_numeric_columns(corpus):
    from textlens.dynamics import drivers

    with pytest.raises(QueryError, match=r"'channel' is not numeric; numeric columns: rating, nps"):
        drivers(corpus, score="channel")
    with pytest.raises(QueryError, match=r"no metadata column 'csat'.*numeric columns: rating, nps"):
        drivers(corpus, score="csat")
    assert drivers(corpus, score="RATING", n_boot=100, model=False).score == "rating"


def test_any_numeric_column_as_the_score(corpus):
    """An NPS column (0-10, stored as text) works like the rating: twice the rating, twice the impact."""
    from textlens.dynamics import drivers

    nps = drivers(corpus, score="nps", n_boot=300, model=False)
    stars = drivers(corpus, score="rating", n_boot=300, model=False)
    assert _impact(nps, "claims_handling").impact == pytest.approx(2 * _impact(stars, "claims_handling").impact,
                                                                   abs=0.1)
    assert nps.n_docs == 2 * N_PER_INSURER  # Gamma and the two unusable reviews have no nps
    assert nps.left_out.missing == 7 and not nps.left_out.invalid
    assert _impact(nps, "claims_handling").impact == pytest.approx(-8, abs=0.4)
    assert _impact(nps, "claims_handling").ci_low < -7


def test_no_score_column_at_all_is_a_clear_error(tmp_path):
    from query_fixtures import build
    from textlens.dynamics import drivers

    with Corpus.open(build(tmp_path / "q.db"), readonly=True) as c:  # articles and verbatims, no metadata
        with pytest.raises(QueryError, match="no score column found .*Numeric metadata columns of the selected "
                                             "documents: none"):
            drivers(c)


def test_store_without_analyses_still_answers(tmp_path):
    """Documents with a rating but no analysis yet: the mean score, no items, a clear message in the CLI."""
    from textlens.cli import app
    from textlens.document import Document
    from textlens.dynamics import compare, drivers

    db = tmp_path / "bare.db"
    with Corpus.open(db) as c, c.transaction():
        for i in range(40):
            c.upsert_document(Document(id=f"d{i}", text="Un avis.", raw_text="Un avis.", kind="verbatim",
                                       language="fr", metadata={"rating": i % 5 + 1, "insurer": "AB"[i % 2]}))
    with Corpus.open(db, readonly=True) as c:
        table = drivers(c)
        assert table.n_docs == 40 and table.mean_score == 3 and not table.impacts and not table.coefficients
        result = compare(c, "insurer", min_docs=5)
        assert not result.differences and [s.difference for s in result.scores] == [0, 0]
    out = CliRunner().invoke(app, ["drivers", "--db", str(db)], env={"TEXTLENS_LANG": "en"})
    assert out.exit_code == 0 and "no theme, aspect or topic in the scored documents" in out.stdout


def test_key_driver_model_finds_the_true_driver_and_beats_the_baseline(corpus):
    from textlens.dynamics import drivers

    table = drivers(corpus, n_boot=100)
    coef = {c.feature: c for c in table.coefficients}
    claims = coef["aspect:claims_handling:negative"]
    assert claims.stable and claims.coef == pytest.approx(-4, abs=0.4) and claims.same_sign == 1.0
    assert table.coefficients[0].feature == claims.feature
    for name in ("aspect:price:negative", "aspect:price:positive", "aspect:reachability_wait:negative"):
        assert abs(coef[name].coef) < 0.2
    assert table.model["r2"] > 0.8 and table.model["baseline_r2"] < 0.05  # out of fold, against the mean


def test_bootstrap_ridge_is_sklearn_ridge_with_sample_weights():
    from sklearn.linear_model import Ridge

    from textlens.dynamics.keydrivers import bootstrap_ridge

    rng = np.random.default_rng(0)
    X = (rng.random((400, 7)) < 0.2).astype(float)
    y = rng.normal(size=400) + 2 * X[:, 0] - X[:, 3]
    boots = bootstrap_ridge(X, y, alpha=3.0, n_boot=5, seed=11)
    weights = np.random.default_rng(11).standard_exponential(size=(5, 400))
    for b in range(5):
        expected = Ridge(alpha=3.0).fit(X, y, sample_weight=weights[b]).coef_
        np.testing.assert_allclose(boots[b], expected, atol=1e-10)


def test_bh_and_welch_match_scipy():
    from scipy.stats import false_discovery_control, ttest_ind

    from textlens.dynamics.impact import bh_adjust, welch_p

    rng = np.random.default_rng(2)
    p = rng.random(40) ** 3
    np.testing.assert_allclose(bh_adjust(p), false_discovery_control(p, method="bh"))
    y = rng.normal(size=200)
    mask = rng.random((200, 3)) < 0.3
    y[mask[:, 0]] += 0.5
    for k in range(3):
        expected = ttest_ind(y[mask[:, k]], y[~mask[:, k]], equal_var=False).pvalue
        assert welch_p(y, mask)[k] == pytest.approx(expected)


def test_a_registered_dimension_plugs_in(corpus):
    """An analysis adding items (emotions...) registers a row source and shows up in drivers and compare."""
    import pandas as pd

    from textlens.dynamics import compare, drivers
    from textlens.dynamics.dimensions import ItemDimension, register_dimension, unregister_dimension

    def angry(c):  # stand-in for an emotion analysis: "anger" where the review is negative
        rows = pd.read_sql_query("SELECT doc_id, 'anger' AS item, 1.0 AS score FROM doc_sentiment"
                                 " WHERE label = 'negative'", c.conn)
        return rows

    register_dimension(ItemDimension("emotion", angry))
    try:
        table = drivers(corpus, n_boot=100, model=False)
        assert _impact(table, "anger").dimension == "emotion" and _impact(table, "anger").impact < -3
        assert "emotion" in compare(corpus, "insurer", terms=0).dimensions
    finally:
        unregister_dimension("emotion")
    assert "emotion" not in drivers(corpus, n_boot=100, model=False).dimensions


# ---- segments ------------------------------------------------------------------------------------------
def test_double_share_is_significant_after_bh_and_equal_share_is_not(corpus):
    from textlens.dynamics import compare

    result = compare(corpus, "insurer")
    segments = {s.name: s for s in result.segments}
    assert segments["Gamma"].docs == 5 and not segments["Gamma"].tested
    assert segments["Alpha"].tested and segments["Beta"].tested
    assert not [d for d in result.differences if d.segment == "Gamma"]
    diff = {(d.segment, d.dimension, d.item): d for d in result.differences}
    wait = diff[("Alpha", "aspect", "reachability_wait")]
    expected_alpha = sum(is_wait("Alpha", j) for j in range(N_PER_INSURER)) / N_PER_INSURER
    assert wait.share_segment == pytest.approx(expected_alpha)
    assert wait.significant and wait.q_value < 0.001 and wait.ratio == pytest.approx(2, abs=0.1)
    assert wait.diff_low < wait.difference < wait.diff_high and wait.diff_low > 0.1
    assert wait.cohen_h > 0.4 and wait.test == "chi2"
    for segment in ("Alpha", "Beta"):
        for item in ("price", "claims_handling"):
            d = diff[(segment, "aspect", item)]
            assert not d.significant and d.diff_low < 0 < d.diff_high
    assert all(w.startswith("Une attente") for w in (e["passage"] for e in wait.evidence))
    # the score (rating) is the same in both insurers
    assert result.scores and not any(s.significant for s in result.scores)


def test_segment_a_against_b_with_terms_and_name_matching(corpus):
    from textlens.dynamics import compare

    result = compare(corpus, "INSURER", "alpha", "BETA")
    assert (result.a, result.b) == ("Alpha", "Beta")
    assert {(d.segment, d.versus) for d in result.differences} == {("Alpha", "Beta")}
    wait = next(d for d in result.differences if d.item == "reachability_wait")
    assert wait.n_other == N_PER_INSURER + 2  # Beta's reviews, including the two without a usable rating
    words = {t.term: t for t in result.terms if t.segment == "Alpha"}
    assert "attente" in words and words["attente"].versus == "Beta" and words["attente"].p_value < 0.001
    assert all("attente" in e["passage"].lower() for e in words["attente"].evidence)
    assert not any(t.segment == "Alpha" and t.term == "tarif" for t in result.terms)  # same in both: not listed


def test_segment_errors_say_what_would_work(corpus):
    from textlens.dynamics import compare

    with pytest.raises(QueryError, match="no segment 'Alfa' in column 'insurer'; did you mean: Alpha"):
        compare(corpus, "insurer", "Alfa")
    with pytest.raises(QueryError, match="no metadata column 'insurr'.*did you mean: insurer"):
        compare(corpus, "insurr")
    small = compare(corpus, "insurer", "Gamma")
    assert small.differences == [] and not small.segments[[s.name for s in small.segments].index("Gamma")].tested


def test_filters_restrict_the_documents_compared(corpus):
    from textlens.dynamics import compare, drivers

    with pytest.raises(QueryError, match="no French document matches the filters \\(year=1999\\)"):
        drivers(corpus, filters=Filters(year=1999))

    result = compare(corpus, "insurer", "Alpha", filters=Filters(year=2020), terms=0)
    d = next(d for d in result.differences if d.item == "price")
    assert d.n_segment == sum(1 for j in range(N_PER_INSURER) if 2020 + j % 3 == 2020)


def test_document_fields_as_segments(corpus):
    from textlens.dynamics import compare

    result = compare(corpus, "year", terms=0)
    assert sorted(s.name for s in result.segments) == ["2020", "2021", "2022"]


def test_segment_columns_for_the_report(corpus):
    from textlens.dynamics.columns import segment_columns

    names = [c[0] for c in segment_columns(corpus)]
    assert names[:2] == ["channel", "insurer"]  # both cover every document; fewer values first
    assert "rating" not in names  # a score is not a segment


# ---- CLI -----------------------------------------------------------------------------------------------
def test_cli_drivers_and_compare(synth_db: Path):
    from textlens.cli import app

    runner = CliRunner()
    out = runner.invoke(app, ["drivers", "--db", str(synth_db), "--format", "json", "--boot", "200"])
    assert out.exit_code == 0, out.output
    payload = json.loads(out.stdout, parse_constant=lambda c: pytest.fail(f"{c} in JSON output"))
    assert payload["score"] == "rating" and payload["impacts"][0]["item"] == "claims_handling"
    assert payload["left_out"]["invalid_examples"][0]["doc_id"] == "bad_rating"
    out = runner.invoke(app, ["drivers", "--db", str(synth_db), "--boot", "200", "--evidence"],
                        env={"TEXTLENS_LANG": "fr", "COLUMNS": "160"})
    assert out.exit_code == 0, out.output
    assert "Impact sur la note moyenne (rating)" in out.stdout and "Facteurs clés" in out.stdout
    assert "Sinistre jamais indemnisé" in out.stdout
    out = runner.invoke(app, ["compare", "--by", "insurer", "--db", str(synth_db), "--format", "csv"])
    assert out.exit_code == 0, out.output
    header = out.stdout.splitlines()[0].split(",")
    assert {"segment", "versus", "item", "share_segment", "diff_low", "q_value", "evidence"} <= set(header)
    out = runner.invoke(app, ["compare", "Alpha", "Beta", "--by", "insurer", "--db", str(synth_db)],
                        env={"TEXTLENS_LANG": "en", "COLUMNS": "160"})
    assert out.exit_code == 0, out.output
    assert "Alpha versus Beta: significant differences" in out.stdout and "attente" in out.stdout
    out = runner.invoke(app, ["compare", "--by", "nope", "--db", str(synth_db)])
    assert out.exit_code == 1 and "no metadata column 'nope'" in out.output
    out = runner.invoke(app, ["drivers", "--score", "channel", "--db", str(synth_db)])
    assert out.exit_code == 1 and "numeric columns: rating, nps" in out.output


def test_demo_corpus_drivers_and_sector_comparison(demo_db: Path):
    """The demo verbatims carry a rating and sector/channel columns: drivers and comparisons answer on them."""
    from textlens.dynamics import compare, drivers

    with Corpus.open(demo_db, readonly=True) as c:
        table = drivers(c, n_boot=300)
        assert table.score == "rating" and table.n_docs >= 500
        worst = [i for i in table.impacts if i.significant and i.impact < 0]
        assert worst and all(i.ci_high < 0 for i in worst)
        assert all(i.evidence for i in table.impacts if not i.small)
        assert table.model["r2"] > table.model["baseline_r2"]
        result = compare(c, "sector")
        assert len([s for s in result.segments if s.tested]) >= 3
        assert any(d.significant for d in result.differences)
        assert all(d.evidence for d in result.differences if d.significant)


# ---- report --------------------------------------------------------------------------------------------
def test_report_sections_with_clickable_bars(synth_db: Path, tmp_path: Path):
    from textlens.report import Options, build_report, report_data

    rep = report_data(synth_db)
    sections = {s.id: s for s in rep.sections}
    assert "drivers" in sections and "segments" in sections
    drivers_sec, segments_sec = sections["drivers"], sections["segments"]
    assert "channel" in segments_sec.title  # auto: the first low-cardinality column (2 values, every document)
    chart = next(c for c in drivers_sec.charts if c.id == "chart_drivers_impact")
    bar = chart.series[0]
    assert bar.x[0].startswith("Gestion des sinistres") and bar.y[0] < -0.5
    assert all(lo <= y <= hi for y, lo, hi in zip(bar.y, bar.low, bar.high))
    passages = rep.evidence[bar.ev[0]].passages
    assert passages and all("Sinistre" in p["passage"] for p in passages)
    rep = report_data(synth_db, options=Options(compare_by="insurer"))
    seg = next(s for s in rep.sections if s.id == "segments")
    chart = next(c for c in seg.charts if c.id == "chart_segments")
    labels = chart.series[0].x
    assert "Alpha · Joignabilité et attente" in labels and not any("Prix" in x for x in labels)
    ev = chart.series[0].ev[labels.index("Alpha · Joignabilité et attente")]
    assert all("attente" in p["passage"] for p in rep.evidence[ev].passages)
    html = build_report(synth_db, tmp_path / "r.html", options=Options(compare_by="insurer")).read_text()
    assert "Facteurs de la note" in html and "Comparaison des segments : insurer" in html
    with pytest.raises(QueryError, match="no metadata column 'nope'"):
        report_data(synth_db, options=Options(compare_by="nope"))


def test_press_store_gets_no_empty_driver_or_segment_section(tmp_path: Path):
    from query_fixtures import build
    from textlens.report import report_data

    rep = report_data(build(tmp_path / "q.db"))
    assert not {"drivers", "segments"} & {s.id for s in rep.sections}


def test_fisher_exact_and_newcombe_interval_match_references():
    from scipy.stats import fisher_exact

    from textlens.dynamics.segments import fisher_exact_p, wilson_difference

    for k1, n1, k2, n2 in ((0, 12, 5, 40), (3, 10, 1, 30), (7, 7, 0, 9), (2, 50, 2, 50), (1, 3, 40, 41)):
        assert fisher_exact_p(k1, n1, k2, n2) == pytest.approx(fisher_exact([[k1, n1 - k1], [k2, n2 - k2]])[1])
    # Newcombe (1998), method 10, example (a): 56/70 vs 48/80 -> 0.0524 to 0.3339
    low, high = wilson_difference(np.array([56]), np.array([70]), np.array([48]), np.array([80]))
    assert (low[0], high[0]) == (pytest.approx(0.0524, abs=1e-4), pytest.approx(0.3339, abs=1e-4))
