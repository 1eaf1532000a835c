"""Segment comparison: how one insurer, product, channel or source differs from another or from the rest.

For every item of the present dimensions (themes, aspects, topics, sentiment labels, and any registered
dimension), the share of the segment's documents carrying it against the share in the comparison group:
difference with a Newcombe 95% interval, ratio, Cohen's h, a chi-square test (Fisher's exact test when an
expected count is under 5), and Benjamini-Hochberg q-values across every test of the comparison. Mean
scores (rating...) are compared with Welch's t-test, over-represented words with Dunning's log-likelihood
(textlens.dynamics.terms). Segments with fewer than `min_docs` documents are listed, flagged and not tested.
"""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from textlens.analysis.segment import fold
from textlens.dynamics import special
from textlens.dynamics.columns import LeftOut, MetadataEntries, read_metadata, score_column, segment_column
from textlens.dynamics.dimensions import DocTuple, load_row_tuples
from textlens.dynamics.impact import bh_adjust, item_passages, paused_cycle_collector, plain, welch_p
from textlens.errors import InputError
from textlens.query import Filters, QueryError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from textlens.store import Corpus

MIN_DOCS = 30  # smaller segments are listed, not tested
REST = "rest"  # the comparison group of a segment compared with all the others


@dataclass
class Segment:
    name: str
    docs: int
    tested: bool


@dataclass
class SegmentDifference:
    """One item in one segment against its comparison group."""

    segment: str
    versus: str
    dimension: str
    item: str
    label: str
    k_segment: int
    n_segment: int
    share_segment: float
    k_other: int
    n_other: int
    share_other: float
    difference: float
    diff_low: float
    diff_high: float
    ratio: float
    cohen_h: float
    test: str
    p_value: float
    q_value: float
    significant: bool
    evidence: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ScoreDifference:
    """The mean score of a segment against its comparison group (Welch's t-test)."""

    segment: str
    versus: str
    score: str
    n_segment: int
    mean_segment: float
    n_other: int
    mean_other: float
    difference: float
    diff_low: float
    diff_high: float
    p_value: float
    q_value: float
    significant: bool
    evidence: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class SegmentTerm:
    segment: str
    versus: str
    term: str
    llr: float
    p_value: float
    count: int
    expected: float
    docs: int
    evidence: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class SegmentComparison:
    """Everything `textlens compare` shows."""

    column: str
    a: str | None
    b: str | None
    min_docs: int
    segments: list[Segment]
    differences: list[SegmentDifference]
    scores: list[ScoreDifference]
    terms: list[SegmentTerm]
    left_out: LeftOut
    dimensions: list[str]
    alpha: float = 0.05

    def frame(self, part: str = "differences") -> "pd.DataFrame":
        """`differences`, `scores`, `terms` or `segments` as a DataFrame (evidence kept as a list column)."""
        import pandas as pd

        kinds = {"differences": SegmentDifference, "scores": ScoreDifference, "terms": SegmentTerm,
                 "segments": Segment}
        if part not in kinds:
            raise InputError(f"unknown part {part!r}; choose {', '.join(kinds)}")
        cols = list(kinds[part].__dataclass_fields__)
        return pd.DataFrame([plain(x) for x in getattr(self, part)], columns=cols)

    def to_dict(self) -> dict[str, Any]:
        out = plain(self)
        out["left_out"] = {"missing": self.left_out.missing}
        return out


# ---- statistics -------------------------------------------------------------------------------------
def wilson_difference(k1: "np.ndarray", n1: "np.ndarray", k2: "np.ndarray", n2: "np.ndarray"
                      ) -> tuple["np.ndarray", "np.ndarray"]:
    """Newcombe's hybrid score 95% interval of p1 - p2 (from the two Wilson intervals): never outside
    [-1, 1] and sound for shares near 0 or 1, where the Wald interval is not."""
    import numpy as np

    from textlens.trends_stats import wilson  # not textlens.trends: it imports its whole feature

    p1, p2 = np.asarray(k1) / np.asarray(n1), np.asarray(k2) / np.asarray(n2)
    l1, u1 = wilson(k1, n1)
    l2, u2 = wilson(k2, n2)
    d = p1 - p2
    return d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)


def two_by_two_p(k1: "np.ndarray", n1: "np.ndarray", k2: "np.ndarray", n2: "np.ndarray"
                 ) -> tuple["np.ndarray", list[str]]:
    """p-value of "same share in both groups": Pearson chi-square (1 dof), or Fisher's exact test where an
    expected count is below 5 (the chi-square approximation fails there)."""
    import numpy as np

    k1, n1, k2, n2 = (np.asarray(a, dtype=float) for a in (k1, n1, k2, n2))
    n = n1 + n2
    k = k1 + k2
    table = np.stack([k1, n1 - k1, k2, n2 - k2])
    expected = np.stack([n1 * k / n, n1 * (n - k) / n, n2 * k / n, n2 * (n - k) / n])
    with np.errstate(invalid="ignore", divide="ignore"):
        chi2 = np.nansum(np.where(expected > 0, (table - expected) ** 2 / expected, 0.0), axis=0)
    p = np.array([math.erfc(math.sqrt(c / 2)) for c in chi2])
    tests = ["chi2"] * len(p)
    exact = np.flatnonzero(expected.min(axis=0) < 5)
    if len(exact):
        log_factorials = special.log_factorials(int(n[exact].max()))  # shared by every exact test of the table
        for i in exact:
            p[i] = fisher_exact_p(int(k1[i]), int(n1[i]), int(k2[i]), int(n2[i]), log_factorials)
            tests[i] = "fisher"
    p = np.where(k == 0, 1.0, np.where(k == n, 1.0, p))
    return p, tests


def fisher_exact_p(k1: int, n1: int, k2: int, n2: int, log_factorials: "np.ndarray | None" = None) -> float:
    """Two-sided Fisher exact test of [[k1, n1-k1], [k2, n2-k2]]: the probability, given the margins, of every
    table at most as likely as this one. The same as `scipy.stats.fisher_exact` (a test checks it), from
    log-factorials, because importing scipy.stats would cost about a second per `textlens compare`.
    `log_factorials`: `special.log_factorials(n1 + n2)` or longer, shared by the many tests of one comparison (the
    same values as computing them per test, a table lookup instead of nine lgamma calls)."""
    import numpy as np

    lf = log_factorials if log_factorials is not None else special.log_factorials(n1 + n2)
    k = k1 + k2
    support = np.arange(max(0, k - n2), min(k, n1) + 1)

    def log_pmf(x: "np.ndarray") -> "np.ndarray":  # hypergeometric: x of the k successes fall in group 1
        return (lf[n1] - lf[x] - lf[n1 - x] + lf[n2] - lf[k - x] - lf[n2 - k + x] - lf[n1 + n2] + lf[k]
                + lf[n1 + n2 - k])

    probs = np.exp(log_pmf(support))
    observed = float(np.exp(log_pmf(np.array([k1])))[0])
    return float(min(1.0, probs[probs <= observed * (1 + 1e-7)].sum()))


# ---- entry point ------------------------------------------------------------------------------------
def compare(corpus: "Corpus", column: str, a: str | None = None, b: str | None = None,
            filters: Filters | None = None, dimensions: Sequence[str] | None = None, min_docs: int = MIN_DOCS,
            score: str | None = None, terms: int = 10, evidence: int = 3, alpha: float = 0.05) -> SegmentComparison:
    """Compare segment `a` with segment `b`, `a` with all the others, or (no `a`) every segment with the rest.

    `column`: a metadata column (insurer, product, channel, source...). `score`: the score compared
    (default: auto-detected rating/note/...; none when the store has no numeric score). `terms`:
    over-represented words per segment (0: none). Segment names match case- and accent-insensitively.
    """
    with paused_cycle_collector():
        return _compare(corpus, column, a, b, filters or Filters(), dimensions, min_docs, score, terms, evidence,
                        alpha)


def _compare(corpus: "Corpus", column: str, a: str | None, b: str | None, filters: Filters,
             dimensions: Sequence[str] | None, min_docs: int, score: str | None, terms: int, evidence: int,
             alpha: float) -> SegmentComparison:
    import numpy as np

    from textlens.dynamics.terms import over_represented
    from textlens.store.drivers import selected_kinds

    # plain dicts, lists and numpy arrays throughout: importing pandas alone was a fifth of a `compare`
    entries = read_metadata(corpus, filters)  # read once: the segments and the score come from it
    found = segment_column(corpus, column, filters, entries)
    seg_of, left_out = found.values, found.left_out
    if not seg_of:
        raise QueryError(f"no selected document has a value in {column!r}")
    counted = Counter(seg_of.values())  # in order of first appearance (documents in id order)
    sizes = dict(sorted(counted.items(), key=lambda kv: -kv[1]))  # largest first, ties as first seen
    names = list(sizes)
    a = _match(a, names, column) if a else None
    b = _match(b, names, column) if b else None
    if b and not a:
        raise QueryError("give segment A before segment B")
    if a and b and a == b:
        raise QueryError(f"segments A and B are the same ({a!r})")
    segments = [Segment(str(n), int(sizes[n]), bool(sizes[n] >= min_docs)) for n in names]
    tested = {s.name for s in segments if s.tested}
    if a:
        pairs = [(a, b or REST)] if a in tested and (b is None or b in tested) else []
    else:
        pairs = [(s, REST) for s in names if s in tested]
    kinds = selected_kinds(corpus, filters)
    segment_of = {d: v for d, v in seg_of.items() if d in kinds and (not b or v in (a, b))}
    members: dict[str, set[str]] = {}
    for doc_id, name in segment_of.items():
        members.setdefault(name, set()).add(doc_id)
    loaded = load_row_tuples(corpus, list(dimensions) if dimensions else None)
    diffs: list[SegmentDifference] = []
    for dim, rows in loaded:
        diffs += _dimension_differences(corpus, dim, rows, members, kinds, pairs, evidence)
    scores = _score_differences(corpus, score, filters, members, pairs, evidence, entries)
    q = bh_adjust(np.array([d.p_value for d in diffs] + [s.p_value for s in scores], dtype=float))
    for x, qv in zip([*diffs, *scores], q):
        x.q_value = float(qv)
        x.significant = bool(qv < alpha)
    diffs.sort(key=lambda d: (d.segment, not d.significant, -abs(d.cohen_h), d.dimension, d.item))
    found_terms: list[SegmentTerm] = []
    if terms and pairs:
        groups = segment_of if b or not a else {d: (s if s == a else REST) for d, s in segment_of.items()}
        scored = sorted({p[0] for p in pairs} | ({b} if b else set()))
        table = over_represented(corpus, groups, top=terms, groups=scored).terms
        texts = _texts(corpus, [pid for r in table for pid in r.passage_ids[:evidence]])
        versus = {a: (b or REST), **({b: a} if b else {})} if a else {}
        for r in table:
            if r.p >= alpha:  # shown only when the over-representation itself is significant (G2 > 3.84)
                continue
            found_terms.append(SegmentTerm(
                str(r.group), versus.get(r.group, REST), r.term, float(r.llr), float(r.p), int(r.count),
                float(r.expected), int(r.docs), [texts[p] for p in r.passage_ids[:evidence] if p in texts]))
    return SegmentComparison(column, a, b, min_docs, segments, diffs, scores, found_terms, left_out,
                             [d.name for d, _ in loaded], alpha)


def _match(name: str, names: list[str], column: str) -> str:
    exact = [n for n in names if n == name] or [n for n in names if fold(n) == fold(name)]
    if exact:
        return exact[0]
    from textlens.query import suggest

    close = suggest(name, names)
    hint = f"did you mean: {', '.join(close)}?" if close else "values: " + ", ".join(sorted(names)[:15])
    raise QueryError(f"no segment {name!r} in column {column!r}; {hint}")


def _dimension_differences(corpus: "Corpus", dim: Any, rows: list[DocTuple], members: dict[str, set[str]],
                           kinds: dict[str, str], pairs: list[tuple[str, str]], evidence: int
                           ) -> list[SegmentDifference]:
    """Differences of every item of one dimension, for every pair; p-values not yet adjusted.

    Counted with matrices (items x documents, documents x segments): dozens of segments times dozens of
    items on 10,000 reviews would be a hundred thousand set intersections otherwise.
    """
    import numpy as np

    # the denominator: segmented documents of the kinds that carry this dimension (verbatims for aspects)
    carrying = {kinds[d] for d in {r[0] for r in rows} if d in kinds}
    names = list(members)
    doc_ids = sorted(d for ids in members.values() for d in ids if kinds[d] in carrying)
    if not doc_ids:
        return []
    position = {d: i for i, d in enumerate(doc_ids)}
    code = {d: k for k, name in enumerate(names) for d in members[name]}
    segment_code = np.array([code[d] for d in doc_ids])
    kept = [(position[doc_id], item, score) for doc_id, item, score in rows if doc_id in position]
    items = sorted({item for _, item, _ in kept})
    if not items:
        return []
    item_code = {item: j for j, item in enumerate(items)}
    kept_docs = np.fromiter((r[0] for r in kept), dtype=np.int64, count=len(kept))
    kept_items = np.fromiter((item_code[r[1]] for r in kept), dtype=np.int64, count=len(kept))
    order = np.lexsort((kept_docs, -np.fromiter((r[2] for r in kept), dtype=float, count=len(kept))))
    # best-scored first, then by id (positions follow ids); each (item, document) once, at its best score
    # (aspects come from two tables)
    _, first = np.unique(kept_items[order] * len(doc_ids) + kept_docs[order], return_index=True)
    order = order[np.sort(first)]
    row_items, row_docs = kept_items[order], kept_docs[order]
    carries = np.zeros((len(items), len(doc_ids)), dtype=bool)
    carries[row_items, row_docs] = True
    # documents carrying each item, per segment: one count over the (item, document) pairs, not a matrix product
    item_of, doc_of = np.nonzero(carries)
    per_segment = np.bincount(item_of * len(names) + segment_code[doc_of],
                              minlength=len(items) * len(names)).reshape(len(items), len(names))
    sizes = np.bincount(segment_code, minlength=len(names))
    best_first = {item: row_docs[row_items == j] for j, item in enumerate(items)}  # best-scored documents first
    first_of = {item: first_positions_by_code(segment_code[order], len(names)) for item, order in best_first.items()}
    labels = dim.labels(corpus) if dim.labels else {}
    out: list[SegmentDifference] = []
    picks: dict[str, list[tuple[str, Any]]] = {}  # item -> (doc, pair) whose passages are the evidence
    for segment, versus in pairs:
        s = names.index(segment)
        k1, n1 = per_segment[:, s], np.full(len(items), sizes[s])
        if versus == REST:
            k2, n2 = per_segment.sum(axis=1) - k1, np.full(len(items), sizes.sum() - sizes[s])
        else:
            k2, n2 = per_segment[:, names.index(versus)], np.full(len(items), sizes[names.index(versus)])
        if not n1[0] or not n2[0]:
            continue
        p, tests = two_by_two_p(k1, n1, k2, n2)
        low, high = wilson_difference(k1, n1, k2, n2)
        s1, s2 = k1 / n1, k2 / n2
        ratio = ((k1 + 0.5) / (n1 + 1)) / ((k2 + 0.5) / (n2 + 1))
        h = 2 * np.arcsin(np.sqrt(s1)) - 2 * np.arcsin(np.sqrt(s2))
        other_code = -1 if versus == REST else names.index(versus)
        for j, item in enumerate(items):
            out.append(SegmentDifference(segment, versus, dim.name, item, labels.get(item, item), int(k1[j]),
                                         int(n1[j]), float(s1[j]), int(k2[j]), int(n2[j]), float(s2[j]),
                                         float(s1[j] - s2[j]), float(low[j]), float(high[j]), float(ratio[j]),
                                         float(h[j]), tests[j], float(p[j]), math.nan, False))
            # the segment's own passages; the comparison group's when the segment has none (a share of 0)
            order = best_first[item]
            if k1[j]:
                by_code, starts = first_of[item]
                chosen = order[by_code[starts[s]:starts[s + 1]][:evidence]]
            else:
                codes = segment_code[order]
                chosen = order[(codes != s) if other_code < 0 else (codes == other_code)]
            picks.setdefault(item, []).extend((doc_ids[i], (segment, versus)) for i in chosen[:evidence])
    if evidence > 0 and out:
        passage_rows = dim.passage_row_tuples_for(corpus, sorted({d for docs in picks.values() for d, _ in docs}))
        found: dict[tuple[str, Any], list[dict[str, Any]]] = {}  # (item, pair) -> its passages, in order
        for item, passages in item_passages(corpus, dim, picks, passage_rows).items():
            for e in passages:
                found.setdefault((item, e["value"]), []).append(e)
        for d in out:
            d.evidence = found.get((d.item, (d.segment, d.versus)), [])[:evidence]
    return out


def first_positions_by_code(codes: "np.ndarray", n_codes: int) -> tuple["np.ndarray", "np.ndarray"]:
    """Positions of `codes` grouped by code, each group in its original order, and where each group starts:
    the first k positions holding code c are `by_code[starts[c]:starts[c + 1]][:k]`."""
    import numpy as np

    by_code = np.argsort(codes, kind="stable")
    return by_code, np.searchsorted(codes[by_code], np.arange(n_codes + 1))


def _score_differences(corpus: "Corpus", score: str | None, filters: Filters, members: dict[str, set[str]],
                       pairs: list[tuple[str, str]], evidence: int, entries: MetadataEntries | None = None
                       ) -> list[ScoreDifference]:
    """Mean score per pair with Welch's test and a normal 95% interval of the difference; [] without a score."""
    import numpy as np

    try:
        values = score_column(corpus, score, filters, entries)
    except QueryError:
        if score:  # asked for by name: say why it cannot be used
            raise
        return []
    score_of = values.values
    # every scored, segmented document once, in id order, with its segment's code: each pair is two masks
    names = list(members)
    code_of = {d: k for k, name in enumerate(names) for d in members[name]}
    ids = sorted(d for d in code_of if d in score_of)
    y_all = np.array([score_of[d] for d in ids], dtype=float)
    codes = np.array([code_of[d] for d in ids], dtype=int)
    out: list[ScoreDifference] = []
    picked: list[list[str]] = []  # per difference, its evidence documents (lowest and highest scores)
    for segment, versus in pairs:
        inside = codes == (names.index(segment) if segment in members else -1)
        if versus == REST:
            other = ~inside
        else:
            other = codes == (names.index(versus) if versus in members else -1)
        y1, y2 = y_all[inside], y_all[other]
        if len(y1) < 2 or len(y2) < 2:
            continue
        mask = np.zeros((len(y1) + len(y2), 1), dtype=bool)
        mask[: len(y1), 0] = True
        p = float(welch_p(np.concatenate([y1, y2]), mask)[0])
        diff = float(y1.mean() - y2.mean())
        se = math.sqrt(y1.var(ddof=1) / len(y1) + y2.var(ddof=1) / len(y2))
        ranked = sorted((ids[i] for i in np.flatnonzero(inside)), key=lambda d: (score_of[d], d))  # lowest first
        picked.append(list(dict.fromkeys(ranked[:evidence] + ranked[::-1][:evidence])))
        out.append(ScoreDifference(segment, versus, values.column, len(y1), float(y1.mean()), len(y2),
                                   float(y2.mean()), diff, diff - 1.96 * se, diff + 1.96 * se, p, math.nan, False))
    if out:  # the first passage of each picked document, read in one go for every pair
        from textlens.store.evidence import first_passages

        found = first_passages(corpus, sorted({d for docs in picked for d in docs}))
        for x, docs in zip(out, picked):
            x.evidence = [{"doc_id": d, "passage_id": found[d][0], "passage": found[d][1],
                           "value": float(score_of[d]), "level": "document"} for d in docs if d in found]
    return out


def _texts(corpus: "Corpus", passage_ids: list[int]) -> dict[int, dict[str, Any]]:
    from textlens.store.evidence import passage_docs_texts as passage_texts

    return {pid: {"doc_id": doc_id, "passage_id": pid, "passage": text, "level": "passage"}
            for pid, (doc_id, text) in passage_texts(corpus, passage_ids).items()}
