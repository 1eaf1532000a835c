"""Weak/strong signals on synthetic stores whose answer is known, and their validation on history."""
from __future__ import annotations

import pandas as pd
import pytest

from dynamics_fixtures import build_store, monthly_verbatims
from textlens.dynamics import signals as sg
from textlens.store import Corpus

MONTHS = [f"2020-{m:02d}" for m in range(1, 13)]
JUMP = "2020-09"  # reachability goes from 5% to 30% of the reviews here and stays there
SHARES = {"price": {m: 0.2 for m in MONTHS},
          "reachability_wait": {m: (0.3 if m >= JUMP else 0.05) for m in MONTHS}}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return build_store(tmp_path_factory.mktemp("signals") / "syn.db", monthly_verbatims(40, MONTHS, SHARES))


def _status(df: pd.DataFrame, item: str) -> dict[str, str]:
    return dict(zip(df.loc[df["item"] == item, "period"], df.loc[df["item"] == item, "status"]))


def test_a_jump_from_low_prevalence_is_a_weak_signal_then_strong_and_never_before(store):
    with Corpus.open(store, readonly=True) as c:
        result = sg.signals(c, "aspect", by="month")
    df = result.table
    reach, price = _status(df, "reachability_wait"), _status(df, "price")
    assert reach[JUMP] == "weak"  # 5% -> 30%: significant growth from below the median lookback share
    assert reach["2020-10"] == "strong"  # a second significant growth in a row
    assert all(s in ("noise", "untested") for m, s in reach.items() if m < JUMP)
    assert [reach[m] for m in MONTHS[:2]] == ["untested", "untested"]  # fewer than min_history earlier periods
    assert set(price.values()) <= {"noise", "untested"}  # a flat 20% is never a signal
    row = df[(df["item"] == "reachability_wait") & (df["period"] == JUMP)].iloc[0]
    assert row["n"] == 12 and row["total"] == 40
    assert row["lookback_n"] == 8 and row["lookback_total"] == 160 and row["lookback_periods"] == 4
    assert row["q_value"] < 0.05 and row["growth"] == pytest.approx(0.3 / 0.05)
    assert result.rule["lookback"] == 4 and "Fisher" in result.test and "verbatim" in result.denominator


def test_the_growth_test_is_fishers_exact_test(store):
    stats = pytest.importorskip("scipy.stats")
    p = sg.growth_p_values([12, 3], [40, 40], [8, 30], [160, 160])
    assert p[0] == pytest.approx(stats.fisher_exact([[12, 28], [8, 152]], alternative="greater")[1])
    assert p[1] == pytest.approx(stats.fisher_exact([[3, 37], [30, 130]], alternative="greater")[1])
    q = sg.benjamini_hochberg([0.01, 0.04, 0.03, 0.5])
    assert list(q) == pytest.approx(list(stats.false_discovery_control([0.01, 0.04, 0.03, 0.5])))
    assert list(q) == pytest.approx([0.04, 0.04 * 4 / 3, 0.04 * 4 / 3, 0.5])


def test_no_look_ahead_later_periods_never_change_a_flag(tmp_path, store):
    """Rebuild the store with the months after the jump changed (and then removed): flags up to the jump
    stay identical, row for row."""
    other = {"price": {m: (0.6 if m > JUMP else 0.2) for m in MONTHS},
             "reachability_wait": {m: (0.0 if m > JUMP else SHARES["reachability_wait"][m]) for m in MONTHS},
             "staff_courtesy": {m: (0.5 if m > JUMP else 0.0) for m in MONTHS}}  # an item born after the jump
    changed = build_store(tmp_path / "changed.db", monthly_verbatims(40, MONTHS, other))
    cut = build_store(tmp_path / "cut.db", monthly_verbatims(40, [m for m in MONTHS if m <= JUMP], SHARES))
    frames = []
    for db in (store, changed, cut):
        with Corpus.open(db, readonly=True) as c:
            df = sg.signals(c, "aspect", by="month").table
        frames.append(df[df["period"] <= JUMP].reset_index(drop=True))
    born_later = frames[1][frames[1]["item"] == "staff_courtesy"]
    assert set(born_later["status"]) == {"untested"} and (born_later["n"] == 0).all()
    frames[1] = frames[1][frames[1]["item"] != "staff_courtesy"].reset_index(drop=True)
    pd.testing.assert_frame_equal(frames[0], frames[1])
    pd.testing.assert_frame_equal(frames[0], frames[2])
    assert _status(frames[2], "reachability_wait")[JUMP] == "weak"


def test_a_jump_of_an_already_common_item_is_strong(tmp_path):
    shares = {"price": {m: (0.6 if m >= JUMP else 0.3) for m in MONTHS},
              "reachability_wait": {m: 0.05 for m in MONTHS}, "staff_courtesy": {m: 0.1 for m in MONTHS}}
    db = build_store(tmp_path / "common.db", monthly_verbatims(40, MONTHS, shares))
    with Corpus.open(db, readonly=True) as c:
        df = sg.signals(c, "aspect", by="month").table
    assert _status(df, "price")[JUMP] == "strong"
    assert all(s in ("noise", "untested") for m, s in _status(df, "price").items() if m < JUMP)
    flagged = sg.alerts(df)
    assert list(flagged.columns) == sg.SIGNAL_COLUMNS and set(flagged["item"]) == {"price"}
    assert flagged["period"].iloc[0] == max(flagged["period"])  # latest first


def test_anticipation_counts_flags_against_the_base_rate(store):
    with Corpus.open(store, readonly=True) as c:
        df = sg.signals(c, "aspect", by="month").table
    result = sg.anticipation(df)
    rates = result.frame().set_index(["outcome", "flags"])
    # tested (item, t) with a next month: 2 items x months 3..11
    assert result.pairs == 2 * 9
    weak = rates.loc[("next_above_lookback", "weak")]
    assert weak["flagged"] == 1 and weak["hits"] == 1 and weak["precision"] == 1.0  # Sept. flag, Oct. still high
    base = rates.loc[("next_above_lookback", "weak+strong")]
    assert base["base_pairs"] == 18 and 0 < base["base_rate"] < 1
    assert base["ratio"] == pytest.approx(base["precision"] / base["base_rate"])
    assert base["ci_low"] <= base["precision"] <= base["ci_high"]


def test_rule_parameters_are_checked():
    with pytest.raises(ValueError, match="min_history"):
        sg.SignalRule(lookback=2, min_history=3)
    with pytest.raises(ValueError, match="alpha"):
        sg.SignalRule(alpha=1.5)
