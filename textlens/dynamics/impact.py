"""Impact of each item on a score (star rating, NPS, CSAT) and the key drivers of that score.

impact = mean score of the documents mentioning the item - mean score of the others (Thematic's
"with vs without"); effect_on_mean = overall mean - mean without those documents, i.e. how much the
item moves the overall score ("if it disappeared, the mean would be this much higher"); it equals
share x impact. Both come with a 95% Bayesian-bootstrap percentile interval (vectorised numpy, seeded)
and a Welch t-test, Benjamini-Hochberg-adjusted across the items of the table.
"""
from __future__ import annotations

import logging
import warnings
from collections.abc import Container, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields, is_dataclass
from typing import TYPE_CHECKING, Any

from textlens.dynamics.columns import LeftOut, score_values
from textlens.dynamics.dimensions import ItemDimension, PassageTuple, load_rows
from textlens.query import Filters, QueryError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from textlens.store import Corpus

log = logging.getLogger(__name__)

MIN_DOCS = 10  # items mentioned by fewer scored documents are shown, flagged small, not ranked as drivers
BOOT_CHUNK = 200  # bootstrap replicates drawn at once (bounds memory: chunk x documents float32)


def plain(value: Any) -> Any:
    """`dataclasses.asdict` without its deep copies: dataclasses as dicts, lists and tuples rebuilt, leaves (numbers,
    text) shared. asdict deep-copied every evidence passage, a tenth of `textlens compare --format json`."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, (list, tuple)):
        return type(value)(plain(v) for v in value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


@dataclass
class Impact:
    """One item's impact on the mean score, with its interval, test and evidence passages."""

    dimension: str
    item: str
    label: str
    docs: int
    share: float
    mean_with: float
    mean_without: float
    impact: float
    ci_low: float
    ci_high: float
    effect_on_mean: float
    effect_low: float
    effect_high: float
    p_value: float
    q_value: float
    significant: bool
    small: bool
    evidence: list[dict[str, Any]] = field(default_factory=list)  # lowest-scored documents first


@dataclass
class DriverCoefficient:
    """One indicator of the key-driver model: its weight in score points with its bootstrap interval."""

    feature: str
    dimension: str
    item: str
    polarity: str | None
    label: str
    docs: int
    coef: float
    ci_low: float
    ci_high: float
    same_sign: float  # share of bootstrap refits agreeing on the sign
    stable: bool  # the interval excludes 0


@dataclass
class DriverTable:
    """Everything `textlens drivers` shows: impacts, model coefficients, the model's fit, who was left out."""

    score: str
    n_docs: int
    mean_score: float
    mean_low: float
    mean_high: float
    impacts: list[Impact]
    coefficients: list[DriverCoefficient]
    model: dict[str, Any]
    left_out: LeftOut
    dimensions: list[str]
    n_boot: int
    seed: int

    def impacts_frame(self) -> "pd.DataFrame":
        import pandas as pd

        cols = [f for f in Impact.__dataclass_fields__]
        return pd.DataFrame([plain(i) for i in self.impacts], columns=cols)

    def coefficients_frame(self) -> "pd.DataFrame":
        import pandas as pd

        cols = [f for f in DriverCoefficient.__dataclass_fields__]
        return pd.DataFrame([plain(c) for c in self.coefficients], columns=cols)

    def to_dict(self) -> dict[str, Any]:
        out = plain(self)
        out["left_out"] = {"missing": self.left_out.missing, "invalid": len(self.left_out.invalid),
                           "invalid_examples": self.left_out.invalid[:20]}
        return out


@contextmanager
def paused_cycle_collector() -> Iterator[None]:
    """Python's cycle collector off for one query (its previous state restored after).

    A query allocates hundreds of thousands of small containers (tuples of rows, sets of documents), and every
    few hundred of them the collector walks the live objects again: a fifth of `textlens compare`'s time on
    10,000 reviews went there. Nothing the query allocates needs collecting before it returns.
    """
    import gc

    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# ---- statistics -------------------------------------------------------------------------------------
def bootstrap_impacts(y: "np.ndarray", mentions: "np.ndarray", n_boot: int = 1000, seed: int = 0
                      ) -> dict[str, "np.ndarray"]:
    """Percentile 95% intervals of impact and effect_on_mean for every column of `mentions` (n x k, bool),
    and of the overall mean score.

    Bayesian bootstrap (Rubin 1981: each document weighted by an Exp(1) draw, i.e. Dirichlet weights once
    normalised): the same intervals as resampling for corpora of this size, every item and replicate is one
    matrix product instead of a loop, and exponential draws cost an eighth of Poisson counts (0.04 s for a
    million weights against 0.34 s), which matters on 10,000 reviews x 1,000 replicates. The product is a dense
    BLAS one: on 10,000 reviews x 45 items it takes a third of the time of the sparse product it replaced, which
    copied every chunk of weights into the transposed layout scipy.sparse wants.
    """
    import numpy as np

    y = np.asarray(y, dtype=np.float64)
    m = np.asarray(mentions, dtype=np.float64)
    k = m.shape[1]
    counted = np.hstack([m, m * y[:, None]])  # n x 2k: mentions, then mentions x score
    everywhere = m.all(axis=0)  # no document without the item: "without" is undefined, not rounding noise
    rng = np.random.default_rng(seed)
    impacts, effects, means = [], [], []
    for start in range(0, n_boot, BOOT_CHUNK):
        w = rng.standard_exponential(size=(min(BOOT_CHUNK, n_boot - start), len(y)))
        sw, swy = w.sum(axis=1), w @ y
        sums = w @ counted
        swm, swym = sums[:, :k], sums[:, k:]
        with np.errstate(invalid="ignore", divide="ignore"):
            with_ = swym / swm
            without = (swy[:, None] - swym) / (sw[:, None] - swm)
            without[:, everywhere] = np.nan
            impacts.append(with_ - without)
            effects.append((swy / sw)[:, None] - without)
            means.append(swy / sw)
    imp, eff = np.vstack(impacts), np.vstack(effects)
    ci = eci = np.empty((2, k))
    if k:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns (an item in every document)
            ci = np.nanpercentile(imp, [2.5, 97.5], axis=0)
            eci = np.nanpercentile(eff, [2.5, 97.5], axis=0)
    mean_low, mean_high = np.percentile(np.concatenate(means), [2.5, 97.5]) if means else (np.nan, np.nan)
    return {"ci_low": ci[0], "ci_high": ci[1], "effect_low": eci[0], "effect_high": eci[1],
            "mean_low": float(mean_low), "mean_high": float(mean_high)}


def welch_p(y: "np.ndarray", mentions: "np.ndarray") -> "np.ndarray":
    """Two-sided Welch t-test p-value of mean(with) vs mean(without), per column of `mentions`."""
    import numpy as np

    from textlens.dynamics.special import student_t_cdf  # not scipy: importing it is a twentieth of the goal

    y = np.asarray(y, dtype=np.float64)
    m = np.asarray(mentions, dtype=bool)
    n1 = m.sum(axis=0).astype(float)
    n0 = len(y) - n1
    s1 = (m * y[:, None]).sum(axis=0)
    q1 = (m * (y * y)[:, None]).sum(axis=0)
    s0, q0 = y.sum() - s1, (y * y).sum() - q1
    with np.errstate(invalid="ignore", divide="ignore"):
        mean1, mean0 = s1 / n1, s0 / n0
        var1 = (q1 - n1 * mean1 ** 2) / (n1 - 1)
        var0 = (q0 - n0 * mean0 ** 2) / (n0 - 1)
        se2 = np.clip(var1, 0, None) / n1 + np.clip(var0, 0, None) / n0
        t = (mean1 - mean0) / np.sqrt(se2)
        dof = se2 ** 2 / ((np.clip(var1, 0, None) / n1) ** 2 / (n1 - 1) + (np.clip(var0, 0, None) / n0) ** 2 / (n0 - 1))
        p = 2 * student_t_cdf(dof, -np.abs(t))
    # identical constant groups: no variance, the means differ for sure or not at all
    p = np.where(se2 == 0, np.where(mean1 == mean0, 1.0, 0.0), p)
    return np.where((n1 < 2) | (n0 < 2), np.nan, p)


def bh_adjust(p_values: "np.ndarray") -> "np.ndarray":
    """Benjamini-Hochberg adjusted p-values (q-values); NaN p-values stay NaN and are not counted.

    The same as `scipy.stats.false_discovery_control(p, method="bh")` (a test checks it), written out because
    importing scipy.stats costs about a second, more than the whole query.
    """
    import numpy as np

    p = np.asarray(p_values, dtype=float)
    q = np.full_like(p, np.nan)
    ok = np.flatnonzero(~np.isnan(p))
    if len(ok):
        order = np.argsort(p[ok], kind="stable")
        ranked = p[ok][order] * len(ok) / np.arange(1, len(ok) + 1)
        adjusted = np.minimum(np.minimum.accumulate(ranked[::-1])[::-1], 1.0)
        q[ok[order]] = adjusted
    return q


def docs_by_item(rows: "pd.DataFrame", keep: Container[str]) -> dict[str, list[str]]:
    """item -> the documents of `rows` (doc_id, item) that are in `keep`, in row order; items sorted.

    `groupby("item")` over plain lists: iterating pandas' Arrow-backed groups cost a third of `drivers`.
    """
    out: dict[str, list[str]] = {}
    for doc_id, item in zip(rows["doc_id"].tolist(), rows["item"].tolist()):
        if doc_id in keep:
            out.setdefault(str(item), []).append(doc_id)
    return dict(sorted(out.items()))


# ---- evidence ---------------------------------------------------------------------------------------
def item_passages(corpus: "Corpus", dim: ItemDimension, picks: dict[str, list[tuple[str, Any]]],
                  passage_rows: "list[PassageTuple] | None") -> dict[str, list[dict[str, Any]]]:
    """For each item, the passage showing it in each picked document ((doc_id, value) pairs, in order):
    the item's best-scored passage of that document, else the aspect evidence kept by the analysis, else
    the document's first passage. `value` is carried along (the document's score, its segment...).
    `passage_rows`: `dim.passage_row_tuples_for` the picked documents."""
    from textlens.store.evidence import first_passages, passage_docs_texts as passage_texts

    best: dict[tuple[str, str], int] = {}
    if passage_rows:
        wanted = {(item, d) for item, docs in picks.items() for d, _ in docs}
        docs = {d for _, d in wanted}
        rows = sorted((r for r in passage_rows if r[1] in docs), key=lambda r: (-r[3], r[0]))
        for passage_id, doc_id, item, _ in rows:
            key = (str(item), doc_id)
            if key in wanted and key not in best:
                best[key] = int(passage_id)
    texts = passage_texts(corpus, list(best.values()))
    missing = sorted({d for item, docs in picks.items() for d, _ in docs if (item, d) not in best})
    firsts = first_passages(corpus, missing) if missing else {}
    out: dict[str, list[dict[str, Any]]] = {}
    for item, docs in picks.items():
        rows_out = []
        for doc_id, value in docs:
            pid = best.get((item, doc_id))
            if pid is not None and pid in texts:
                text, level = texts[pid][1], "passage"
            else:
                pid, text = firsts.get(doc_id, (None, ""))
                level = "document"
            rows_out.append({"doc_id": doc_id, "passage_id": pid, "passage": text, "value": value, "level": level})
        out[item] = rows_out
    return out


# ---- entry point ------------------------------------------------------------------------------------
def drivers(corpus: "Corpus", score: str | None = None, filters: Filters | None = None,
            dimensions: Sequence[str] | None = None, n_boot: int = 1000, seed: int = 0, min_docs: int = MIN_DOCS,
            evidence: int = 2, model: bool = True, model_boot: int = 200) -> DriverTable:
    """Impact of every item of the present driver dimensions on `score`, and the key-driver model.

    `score`: a numeric metadata column (default: rating/note/stars/nps/csat... auto-detected). Only
    documents with a numeric score count; the others are in `left_out` (with file and row). `evidence`
    passages per item come from its lowest- and its highest-scored documents.
    """
    import numpy  # noqa: F401 - loads OpenBLAS: threadpool_limits only limits the libraries already loaded
    from threadpoolctl import threadpool_limits

    # the matrices are small: on a shared 2-core machine BLAS threads fight more than they help (10x slower).
    # Before numpy was imported here first, a fresh `textlens drivers` ran with 2 BLAS threads that spun while
    # waiting for each other: 2.3 CPU seconds instead of 1.5 at load 14.
    with threadpool_limits(limits=1, user_api="blas"), paused_cycle_collector():
        return _drivers(corpus, score, filters or Filters(), dimensions, n_boot, seed, min_docs, evidence, model,
                        model_boot)


def _drivers(corpus: "Corpus", score: str | None, filters: Filters, dimensions: Sequence[str] | None, n_boot: int,
             seed: int, min_docs: int, evidence: int, model: bool, model_boot: int) -> DriverTable:
    import numpy as np

    scores = score_values(corpus, score, filters)
    y_all = scores.values
    if len(y_all) < 3:
        raise QueryError(f"only {len(y_all)} selected documents have a numeric {scores.column!r}: "
                         "too few to measure impacts" + (f" ({scores.left_out.describe(scores.column)})"
                                                         if scores.left_out.missing or scores.left_out.invalid
                                                         else ""))
    doc_index = {d: i for i, d in enumerate(y_all.index.tolist())}
    y = y_all.to_numpy(dtype=float)
    impacts: list[Impact] = []
    loaded = load_rows(corpus, list(dimensions) if dimensions else None, drivers_only=not dimensions)
    columns: list[tuple[ItemDimension, str, np.ndarray]] = []
    for dim, rows in loaded:
        for item, docs in docs_by_item(rows, doc_index).items():
            mask = np.zeros(len(y), dtype=bool)
            mask[[doc_index[d] for d in docs]] = True
            columns.append((dim, item, mask))
    m = np.column_stack([c[2] for c in columns]) if columns else np.zeros((len(y), 0), dtype=bool)
    boot = bootstrap_impacts(y, m, n_boot=n_boot, seed=seed)
    labels = _labels(corpus, loaded)
    if columns:
        p = welch_p(y, m)
        n1 = m.sum(axis=0)
        mean_with = (m * y[:, None]).sum(axis=0) / n1
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_without = ((y.sum() - (m * y[:, None]).sum(axis=0)) / (len(y) - n1))
        small = n1 < min_docs
        q = bh_adjust(np.where(small, np.nan, p))
        for k, (dim, item, mask) in enumerate(columns):
            impact = float(mean_with[k] - mean_without[k])
            impacts.append(Impact(
                dim.name, item, labels[dim.name].get(item, item), int(n1[k]), float(n1[k] / len(y)),
                float(mean_with[k]), float(mean_without[k]), impact, float(boot["ci_low"][k]),
                float(boot["ci_high"][k]), float(y.mean() - mean_without[k]), float(boot["effect_low"][k]),
                float(boot["effect_high"][k]), float(p[k]), float(q[k]),
                bool(q[k] < 0.05 and not small[k]), bool(small[k])))
        _attach_evidence(corpus, loaded, impacts, y_all, evidence)
    impacts.sort(key=lambda i: (i.small, i.effect_on_mean if i.effect_on_mean == i.effect_on_mean else 0.0,
                                i.dimension, i.item))
    coefficients, fit = ([], {})
    if model and columns:
        coefficients, fit = _key_drivers(corpus, loaded, y_all, min_docs, model_boot, seed, labels)
    return DriverTable(scores.column, len(y), float(y.mean()), boot["mean_low"], boot["mean_high"], impacts,
                       coefficients, fit, scores.left_out, [d.name for d, _ in loaded], n_boot, seed)


def _labels(corpus: "Corpus", loaded: list[tuple[ItemDimension, "pd.DataFrame"]]) -> dict[str, dict[str, str]]:
    """dimension -> item -> readable label."""
    return {dim.name: (dim.labels(corpus) if dim.labels else {}) for dim, _ in loaded}


def _attach_evidence(corpus: "Corpus", loaded: list[tuple[ItemDimension, "pd.DataFrame"]], impacts: list[Impact],
                     y_all: "pd.Series", per_side: int) -> None:
    """Passages of each item from its lowest-scored then its highest-scored documents."""
    if per_side <= 0:
        return
    score_of = dict(zip(y_all.index.tolist(), y_all.tolist()))
    by_dim: dict[str, list[Impact]] = {}
    for imp in impacts:
        by_dim.setdefault(imp.dimension, []).append(imp)
    for dim, rows in loaded:
        wanted = by_dim.get(dim.name, [])
        if not wanted:
            continue
        docs_of = {item: list(dict.fromkeys(docs)) for item, docs in docs_by_item(rows, score_of).items()}
        picks: dict[str, list[tuple[str, Any]]] = {}
        for imp in wanted:
            ranked = sorted(((d, score_of[d]) for d in docs_of.get(imp.item, [])), key=lambda x: x[1])  # stable
            low = ranked[:per_side]
            high = [x for x in reversed(ranked[-per_side:]) if x not in low]
            picks[imp.item] = low + high
        passages = dim.passage_row_tuples_for(corpus, sorted({d for docs in picks.values() for d, _ in docs}))
        found = item_passages(corpus, dim, picks, passages)
        for imp in wanted:
            imp.evidence = found.get(imp.item, [])


@dataclass(frozen=True)
class Indicator:
    """One column of the key-driver model: an item, with the polarity expressed about it when judged."""

    feature: str  # "aspect:claims_handling:negative", "topic:3"
    dimension: str
    item: str
    polarity: str | None
    label: str


def indicator_matrix(corpus: "Corpus", loaded: list[tuple[ItemDimension, "pd.DataFrame"]], doc_ids: Sequence[str],
                     min_docs: int = MIN_DOCS, features: Sequence[str] | None = None,
                     labels: dict[str, dict[str, str]] | None = None) -> tuple["np.ndarray", list[Indicator]]:
    """0/1 matrix (documents x indicators) of item (x polarity) indicators seen in at least `min_docs` of `doc_ids`.

    With `features` (the names of another fit), exactly those columns in that order, zeros where an indicator
    is absent, so a model fitted on one corpus can score another (held-out evaluation). `labels`: dimension ->
    item -> label when the caller has read them already.
    """
    import numpy as np

    doc_index = {d: i for i, d in enumerate(doc_ids)}
    found: dict[str, tuple[Indicator, set[str]]] = {}
    labels = labels if labels is not None else _labels(corpus, loaded)
    for dim, rows in loaded:
        keyed: dict[tuple[str, str | None], set[str]] = {}
        if dim.polar_rows is not None:
            polar = dim.polar_rows(corpus)
            for d, item, polarity in zip(polar["doc_id"].tolist(), polar["item"].tolist(),
                                         polar["polarity"].tolist()):
                if d in doc_index:
                    polarity = "mentioned" if polarity is None or polarity != polarity else str(polarity)
                    keyed.setdefault((str(item), polarity), set()).add(d)
            # items the polar table does not hold (e.g. aspects found by the theme classifier) count as mentioned
            polar_items = {item for item, _ in keyed}
            for item, docs in docs_by_item(rows, doc_index).items():
                if item not in polar_items:
                    keyed[(item, "mentioned")] = set(docs)
        else:
            keyed = {(item, None): set(docs) for item, docs in docs_by_item(rows, doc_index).items()}
        for (item, polarity), ids in sorted(keyed.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
            name = f"{dim.name}:{item}" + (f":{polarity}" if polarity else "")
            found[name] = (Indicator(name, dim.name, item, polarity, labels[dim.name].get(item, item)), ids)
    if features is None:
        features = [name for name, (_, ids) in found.items() if min_docs <= len(ids) < len(doc_index)]
    X = np.zeros((len(doc_index), len(features)))
    indicators = []
    for k, name in enumerate(features):
        indicator, ids = found.get(name, (None, set()))
        if indicator is None:
            dimension, item, *polarity = name.split(":", 2)
            indicator = Indicator(name, dimension, item, polarity[0] if polarity else None, item)
        X[[doc_index[d] for d in ids], k] = 1.0
        indicators.append(indicator)
    return X, indicators


def _key_drivers(corpus: "Corpus", loaded: list[tuple[ItemDimension, "pd.DataFrame"]], y_all: "pd.Series",
                 min_docs: int, n_boot: int, seed: int, labels: dict[str, dict[str, str]]
                 ) -> tuple[list[DriverCoefficient], dict[str, Any]]:
    """Fit the key-driver model on item (x polarity) indicators seen in at least `min_docs` documents."""
    # the numpy fit behind keydrivers.KeyDriverRegression: importing scikit-learn would cost a second
    from textlens.dynamics.ridge import cross_validated_r2, fit_key_drivers

    X, indicators = indicator_matrix(corpus, loaded, y_all.index.tolist(), min_docs, labels=labels)
    if not indicators:
        return [], {}
    y = y_all.to_numpy(dtype=float)
    est = fit_key_drivers(X, y, n_boot=n_boot, seed=seed)
    fit = {"model": "ridge", "alpha": float(est.alpha), "intercept": float(est.intercept), "n_docs": len(y),
           "n_features": X.shape[1], "n_boot": n_boot, **cross_validated_r2(X, y, seed=seed)}
    out = [DriverCoefficient(ind.feature, ind.dimension, ind.item, ind.polarity, ind.label, int(X[:, k].sum()),
                             float(est.coef[k]), float(est.coef_low[k]), float(est.coef_high[k]),
                             float(est.same_sign[k]), bool(est.coef_low[k] > 0 or est.coef_high[k] < 0))
           for k, ind in enumerate(indicators)]
    out.sort(key=lambda c: (not c.stable, c.coef, c.feature))
    return out, fit
