"""Weak and strong signals: which items start rising in a period, judged only on that period and earlier ones.

The rule (BERTrend's noise / weak / strong classes, with a test instead of fixed popularity cut-offs):

- *lookback*: the `lookback` periods before t that hold documents (fewer at the start; at least
  `min_history` of them, else the item is ``untested`` at t). An item is tested from the first period it is
  seen in; before that it is ``untested`` (so items born later change nothing earlier). Nothing after t is ever read, so a flag at
  t never changes when later periods are added or edited (no look-ahead; tests check it).
- *growth test*: one-sided Fisher exact test (hypergeometric tail) of "the share at t is higher than
  the pooled share of the lookback", then Benjamini-Hochberg over the items tested in the same period
  (q-value). Significant growth = q < `alpha`, at least `min_n` documents at t and share at t above the
  lookback share.
- *low prevalence*: the item's lookback share is below the `low_quantile` quantile of the lookback shares
  of every item tested at t (a cut computed from the same past periods only).
- status: ``weak`` = significant growth from low prevalence; ``strong`` = significant growth from
  high prevalence, or a second significant growth in a row (a weak signal that keeps growing);
  ``noise`` = tested, no significant growth; ``untested`` = not enough history.

`anticipation` checks the rule on history: does a flag at t anticipate a rise at t+1 more often than the
base rate of rises among all tested (item, t)?
"""
from __future__ import annotations

import logging
import math
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Sequence

from textlens.trends_prevalence import Prevalence, TableResult

if TYPE_CHECKING:
    import pandas as pd

    from textlens.query import Filters
    from textlens.store import Corpus

log = logging.getLogger(__name__)

STATUSES = ("strong", "weak", "noise", "untested")
TEST_NAME = "one-sided Fisher exact (period vs pooled lookback), Benjamini-Hochberg per period"
SIGNAL_COLUMNS = ["period", "item", "label", "status", "n", "total", "share", "ci_low", "ci_high", "lookback_n",
                  "lookback_total", "lookback_share", "lookback_periods", "low_cut", "growth", "p_value", "q_value",
                  "sparse"]


@dataclass(frozen=True)
class SignalRule:
    """Parameters of the signal rule (defaults fixed before any validation, not tuned)."""

    lookback: int = 4
    alpha: float = 0.05
    low_quantile: float = 0.5
    min_n: int = 3
    min_history: int = 2

    def __post_init__(self) -> None:
        if self.lookback < 1 or self.min_history < 1 or self.min_history > self.lookback:
            raise ValueError(f"lookback ({self.lookback}) and min_history ({self.min_history}) must satisfy "
                             "1 <= min_history <= lookback")
        if not 0 < self.alpha < 1 or not 0 < self.low_quantile < 1:
            raise ValueError(f"alpha ({self.alpha}) and low_quantile ({self.low_quantile}) must be in (0, 1)")
        if self.min_n < 1:
            raise ValueError(f"min_n ({self.min_n}) must be at least 1")


def growth_p_values(n: Sequence[int], total: Sequence[int], n_before: Sequence[int], total_before: Sequence[int]
                    ) -> "Any":
    """One-sided Fisher exact p-values that the share n/total exceeds n_before/total_before (vectorised).

    The hypergeometric tail P(X >= n) with the two samples' margins is exactly Fisher's "greater" test.
    """
    import numpy as np
    from scipy.stats import hypergeom

    n, total = np.asarray(n, dtype=int), np.asarray(total, dtype=int)
    nb, tb = np.asarray(n_before, dtype=int), np.asarray(total_before, dtype=int)
    return hypergeom.sf(n - 1, total + tb, n + nb, total)


def benjamini_hochberg(p: Sequence[float]) -> "Any":
    """Benjamini-Hochberg adjusted p-values (q-values), in the input order."""
    import numpy as np

    p = np.asarray(p, dtype=float)
    m = len(p)
    if not m:
        return p
    order = np.argsort(p)
    ranked = p[order] * m / np.arange(1, m + 1)
    q = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(q, 1.0)
    return out


@dataclass
class Signals(TableResult):
    """The status of every (period, item) (`table`, SIGNAL_COLUMNS), with the rule and test that gave it and the
    denominator of the shares in words (None when given a bare prevalence table)."""

    rule: dict[str, Any]
    test: str = TEST_NAME
    denominator: str | None = None


def detect_signals(prev: "Prevalence | pd.DataFrame", rule: SignalRule | None = None) -> Signals:
    """Status of every (period, item) of a `trends.prevalence` result (or its table), by the rule of this module.

    Periods are processed in order and each uses only itself and earlier periods. Rows whose period has no
    document of the item's kinds (total 0) are left out of the tests and kept as ``untested``.
    """
    import numpy as np
    import pandas as pd

    rule = rule or SignalRule()
    denominator = prev.denominator if isinstance(prev, Prevalence) else None
    prev = prev.table if isinstance(prev, Prevalence) else prev
    if prev.empty:
        return Signals(pd.DataFrame(columns=SIGNAL_COLUMNS), asdict(rule), TEST_NAME, denominator)
    df = prev.sort_values(["item", "period"], kind="stable").reset_index(drop=True)
    held = df[df["total"] > 0]  # periods without any document of the item's kinds are not part of its history
    past = held.groupby("item", sort=False)
    window = rule.lookback

    def before(col: str) -> "pd.Series":  # sum over the `lookback` earlier periods, never the current one
        return past[col].transform(lambda s: s.shift(1).rolling(window, min_periods=1).sum())

    df["lookback_n"] = before("n").reindex(df.index).fillna(0).astype(int)
    df["lookback_total"] = before("total").reindex(df.index).fillna(0).astype(int)
    df["lookback_periods"] = past["total"].transform(
        lambda s: s.shift(1).notna().cumsum().clip(upper=window)).reindex(df.index).fillna(0).astype(int)
    df["lookback_share"] = df["lookback_n"] / df["lookback_total"].where(df["lookback_total"] > 0)
    # an item enters the tests once seen (at t or before): items that only appear later must not weigh on the
    # multiple-testing correction or the low-prevalence cut of earlier periods
    seen = df.groupby("item", sort=False)["n"].cumsum() > 0
    tested = seen & (df["lookback_periods"] >= rule.min_history) & (df["total"] > 0) & (df["lookback_total"] > 0)
    df["p_value"] = np.nan
    if tested.any():
        t = df[tested]
        df.loc[tested, "p_value"] = growth_p_values(t["n"], t["total"], t["lookback_n"], t["lookback_total"])
    df["q_value"], df["low_cut"] = np.nan, np.nan
    for period, g in df[tested].groupby("period", sort=False):
        df.loc[g.index, "q_value"] = benjamini_hochberg(g["p_value"].to_numpy())
        df.loc[g.index, "low_cut"] = float(np.quantile(g["lookback_share"].to_numpy(), rule.low_quantile))
    with np.errstate(divide="ignore", invalid="ignore"):
        df["growth"] = df["share"] / df["lookback_share"]
    grows = tested & (df["q_value"] < rule.alpha) & (df["n"] >= rule.min_n) & (df["share"] > df["lookback_share"])
    low = df["lookback_share"] < df["low_cut"]
    status = np.where(~tested, "untested", np.where(grows & low, "weak", np.where(grows, "strong", "noise")))
    df["status"] = status
    # a second significant growth in a row is strong whatever the prevalence (a weak signal that keeps growing)
    flagged_before = df.groupby("item", sort=False)["status"].shift(1).isin(["weak", "strong"])
    df.loc[grows & flagged_before, "status"] = "strong"
    out = df.sort_values(["period", "item"], kind="stable")[SIGNAL_COLUMNS].reset_index(drop=True)
    return Signals(out, asdict(rule), TEST_NAME, denominator)


def signals(corpus: "Corpus", dimension: str = "theme", by: str = "year", filters: "Filters | None" = None,
            items: Sequence[str] | None = None, rule: SignalRule | None = None, min_docs: int | None = None
            ) -> Signals:
    """Signals of a dimension's items per period, on the shares `trends.prevalence` computes."""
    from textlens import trends

    prev = trends.prevalence(corpus, dimension, by=by, filters=filters, items=items,
                             min_docs=trends.MIN_DOCS if min_docs is None else min_docs)
    return detect_signals(prev, rule)


def alerts(signal_df: "pd.DataFrame", statuses: Sequence[str] = ("weak", "strong")) -> "pd.DataFrame":
    """The flagged rows, latest period first, strongest growth first within a period."""
    df = signal_df[signal_df["status"].isin(list(statuses))]
    return df.sort_values(["period", "status", "q_value"], ascending=[False, True, True],
                          key=lambda s: s.astype(str) if s.name == "period" else s).reset_index(drop=True)


# ---- validation on history ---------------------------------------------------------------------------
OUTCOMES = {
    "next_above_current": "share at t+1 > share at t",
    "next_above_lookback": "share at t+1 > lookback share at t",
    "next_significantly_above_lookback": "share at t+1 above the lookback share at t (same one-sided test, p < 0.05)",
}


@dataclass
class OutcomeRate:
    """How often one kind of flag at t is followed by one kind of rise at t+1, beside the base rate."""

    outcome: str
    flags: str
    flagged: int
    hits: int
    precision: float
    ci_low: float
    ci_high: float
    base_pairs: int
    base_hits: int
    base_rate: float
    ratio: float
    p_value: float  # one-sided binomial test of precision > base rate


@dataclass
class Anticipation:
    """`anticipation` result: one OutcomeRate per outcome and flag kind, with the pairs they count."""

    rates: list[OutcomeRate] = field(default_factory=list)
    pairs: int = 0
    description: dict[str, str] = field(default_factory=lambda: dict(OUTCOMES))

    def frame(self) -> "pd.DataFrame":
        import pandas as pd

        return pd.DataFrame([asdict(r) for r in self.rates])


def anticipation(signal_df: "pd.DataFrame", alpha: float = 0.05) -> Anticipation:
    """Do flags at t anticipate rises at t+1? Every tested (item, t) with a next period holding documents is
    a pair; the base rate of each outcome is over all pairs, the precision over the flagged ones."""
    import numpy as np
    from scipy.stats import binomtest

    from textlens.trends import wilson

    df = signal_df.sort_values(["item", "period"], kind="stable")
    df = df[df["total"] > 0].copy()
    nxt = df.groupby("item", sort=False)
    df["next_n"], df["next_total"], df["next_share"] = nxt["n"].shift(-1), nxt["total"].shift(-1), \
        nxt["share"].shift(-1)
    pairs = df[(df["status"] != "untested") & df["next_total"].notna()].copy()
    result = Anticipation(pairs=len(pairs))
    if pairs.empty:
        return result
    p_next = growth_p_values(pairs["next_n"].astype(int), pairs["next_total"].astype(int),
                             pairs["lookback_n"].astype(int), pairs["lookback_total"].astype(int))
    outcome_hits = {
        "next_above_current": (pairs["next_share"] > pairs["share"]).to_numpy(),
        "next_above_lookback": (pairs["next_share"] > pairs["lookback_share"]).to_numpy(),
        "next_significantly_above_lookback": np.asarray(p_next) < alpha,
    }
    flag_sets = {"weak": pairs["status"].eq("weak").to_numpy(), "strong": pairs["status"].eq("strong").to_numpy(),
                 "weak+strong": pairs["status"].isin(["weak", "strong"]).to_numpy()}
    for outcome, hit in outcome_hits.items():
        base_hits, base_pairs = int(hit.sum()), len(hit)
        base = base_hits / base_pairs
        for flags, mask in flag_sets.items():
            k, m = int(hit[mask].sum()), int(mask.sum())
            lo, hi = wilson(k, m)
            prec = k / m if m else math.nan
            p = binomtest(k, m, base, alternative="greater").pvalue if m and 0 < base < 1 else math.nan
            result.rates.append(OutcomeRate(outcome, flags, m, k, prec, float(lo), float(hi), base_pairs, base_hits,
                                            base, prec / base if base else math.nan, float(p)))
    return result


def alert_evidence(corpus: "Corpus", signal_df: "pd.DataFrame", dimension: str, by: str,
                   filters: "Filters | None" = None, limit: int = 2) -> "pd.DataFrame":
    """The best passages behind each row of `signal_df` (usually `alerts(...)`): documents of that period
    carrying the item, as `trends.evidence` gives them, with the row's period and item."""
    import pandas as pd

    from textlens.trends import EVIDENCE_COLUMNS, EvidenceIndex

    if signal_df.empty:
        return pd.DataFrame(columns=["item", *EVIDENCE_COLUMNS])
    index = EvidenceIndex(corpus, dimension, filters, by)
    parts = [index.evidence(r.item, r.period, limit=limit).assign(item=r.item)
             for r in signal_df[["item", "period"]].drop_duplicates().itertuples()]
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["item", *EVIDENCE_COLUMNS])
    return out[["item", *EVIDENCE_COLUMNS]]
