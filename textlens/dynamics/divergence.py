"""Press vs customers: the attention each gives to the subjects they share, per period, and where they diverge.

A shared subject is a set of editorial themes (what articles and editorials are about) and a set of verbatim
aspects (what customers write about), read from `textlens/data/taxonomies/shared_subjects.toml` (or a user's
file). Per period:
- press share = articles/editorials carrying any of the subject's themes / articles/editorials analysed;
- customer share = verbatims carrying any of its aspects / verbatims analysed; both with Wilson 95% intervals
  (the denominators are `trends.eligible_documents`, as for every trend);
- gap = press share - customer share, tested by a two-sided two-proportion z-test (pooled), Benjamini-Hochberg
  over the subjects of the period. Only periods holding documents of both sides are compared.
"""
from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from textlens.errors import ConfigError
from textlens.resources import data_path
from textlens.trends_prevalence import TableResult

if TYPE_CHECKING:
    import pandas as pd

    from textlens.query import Filters
    from textlens.store import Corpus

MAPPING = data_path("taxonomies", "shared_subjects.toml")
TEST_NAME = "two-sided two-proportion z-test (pooled), Benjamini-Hochberg per period"
DIVERGENCE_COLUMNS = ["period", "subject", "label", "press_n", "press_total", "press_share", "press_low",
                      "press_high", "customer_n", "customer_total", "customer_share", "customer_low",
                      "customer_high", "gap", "z", "p_value", "q_value", "leans"]


class MappingError(ConfigError):
    """The shared-subject file is unreadable or names unknown themes/aspects."""


@dataclass(frozen=True)
class SharedSubject:
    id: str
    labels: dict[str, str]  # language -> label
    themes: tuple[str, ...]
    aspects: tuple[str, ...]

    def label(self, lang: str = "fr") -> str:
        return self.labels.get(lang) or next(iter(self.labels.values()), self.id)


def load_subjects(path: "str | Path | None" = None) -> list[SharedSubject]:
    """The shared subjects of a mapping file (the built-in one by default), checked against the taxonomies."""
    from textlens.themes.taxonomy import load_taxonomy

    path = Path(path) if path is not None else MAPPING
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise MappingError(f"{path}: cannot read the shared-subject mapping ({exc})") from exc
    known = {"themes": {t.id for t in load_taxonomy("editorial").themes},
             "aspects": {t.id for t in load_taxonomy("aspects").themes}}
    out, used = [], {"themes": {}, "aspects": {}}
    for sid, spec in (data.get("subjects") or {}).items():
        ids: dict[str, tuple[str, ...]] = {}
        for side in ("themes", "aspects"):
            ids[side] = tuple(spec.get(side) or ())
            if not ids[side]:
                raise MappingError(f"{path}: subject {sid!r} lists no {side}")
            for item in ids[side]:
                if item not in known[side]:
                    raise MappingError(f"{path}: subject {sid!r}: unknown {side[:-1]} {item!r} "
                                       f"(known: {', '.join(sorted(known[side]))})")
                if item in used[side]:
                    raise MappingError(f"{path}: {side[:-1]} {item!r} is in subjects {used[side][item]!r} and "
                                       f"{sid!r}; each may serve one subject")
                used[side][item] = sid
        labels = {k[len("label_"):]: v for k, v in spec.items() if k.startswith("label_")}
        out.append(SharedSubject(sid, labels or {"fr": sid}, ids["themes"], ids["aspects"]))
    if not out:
        raise MappingError(f"{path}: no [subjects.<id>] table")
    return out


def _side(corpus: "Corpus", dimension: str, by: str, filters: "Filters | None", items_of: dict[str, tuple[str, ...]]
          ) -> tuple["pd.Series", dict[str, "pd.Series"]]:
    """Documents per period, and per subject the documents carrying any of its items, per period."""
    from textlens.trends import doc_items, eligible_documents

    docs = eligible_documents(corpus, dimension, by, filters).table
    hits = doc_items(corpus, dimension)
    hits = hits[hits["doc_id"].isin(set(docs["doc_id"]))].merge(docs[["doc_id", "period"]], on="doc_id")
    per_subject = {sid: hits[hits["item"].isin(items)].groupby("period")["doc_id"].nunique()
                   for sid, items in items_of.items()}
    return docs.groupby("period").size(), per_subject


@dataclass
class Divergence(TableResult):
    """Press against customers per period and shared subject (`table`, DIVERGENCE_COLUMNS), with the test, the
    subjects' themes and aspects, and the periods only one side has documents in (left out of the table)."""

    by: str
    test: str
    subjects: dict[str, dict[str, list[str]]]
    press_only_periods: list[str]
    customer_only_periods: list[str]


def divergence(corpus: "Corpus", by: str = "year", filters: "Filters | None" = None,
               subjects: Sequence[SharedSubject] | None = None, lang: str = "fr") -> Divergence:
    """Per period and shared subject: press and customer shares with intervals, the gap and its test."""
    import numpy as np
    import pandas as pd

    from textlens.dynamics.signals import benjamini_hochberg
    from textlens.trends import wilson

    subjects = list(subjects) if subjects is not None else load_subjects()
    press_total, press_hits = _side(corpus, "theme", by, filters, {s.id: s.themes for s in subjects})
    cust_total, cust_hits = _side(corpus, "aspect", by, filters, {s.id: s.aspects for s in subjects})
    periods = sorted(set(press_total.index) & set(cust_total.index), key=str)
    rows = []
    for p in periods:
        for s in subjects:
            a, n1 = int(press_hits[s.id].get(p, 0)), int(press_total[p])
            b, n2 = int(cust_hits[s.id].get(p, 0)), int(cust_total[p])
            pooled = (a + b) / (n1 + n2)
            se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
            gap = a / n1 - b / n2
            z = gap / se if se > 0 else 0.0
            rows.append({"period": p, "subject": s.id, "label": s.label(lang), "press_n": a, "press_total": n1,
                         "press_share": a / n1, "customer_n": b, "customer_total": n2, "customer_share": b / n2,
                         "gap": gap, "z": z, "p_value": math.erfc(abs(z) / math.sqrt(2))})
    out = pd.DataFrame(rows, columns=[c for c in DIVERGENCE_COLUMNS if c not in
                                      ("press_low", "press_high", "customer_low", "customer_high", "q_value",
                                       "leans")])
    if not out.empty:
        out["press_low"], out["press_high"] = wilson(out["press_n"], out["press_total"])
        out["customer_low"], out["customer_high"] = wilson(out["customer_n"], out["customer_total"])
        out["q_value"] = np.nan
        for _, g in out.groupby("period", sort=False):
            out.loc[g.index, "q_value"] = benjamini_hochberg(g["p_value"].to_numpy())
        out["leans"] = np.where(out["q_value"] < 0.05, np.where(out["gap"] > 0, "press", "customers"), "")
    out = out.reindex(columns=DIVERGENCE_COLUMNS)
    return Divergence(out, by=by, test=TEST_NAME,
                      subjects={s.id: {"themes": list(s.themes), "aspects": list(s.aspects)} for s in subjects},
                      press_only_periods=sorted(map(str, set(press_total.index) - set(cust_total.index))),
                      customer_only_periods=sorted(map(str, set(cust_total.index) - set(press_total.index))))


def largest_gaps(div: "pd.DataFrame", top: int = 5, alpha: float = 0.05) -> "pd.DataFrame":
    """The significant gaps (q < alpha), largest first."""
    sig = div[div["q_value"] < alpha]
    return sig.reindex(sig["gap"].abs().sort_values(ascending=False).index).head(top).reset_index(drop=True)


def gap_evidence(corpus: "Corpus", div: "pd.DataFrame", by: str, filters: "Filters | None" = None,
                 subjects: Sequence[SharedSubject] | None = None, limit: int = 2) -> "pd.DataFrame":
    """Passages from both sides behind each row of `div`: the best `limit` press passages carrying one of the
    subject's themes and the best `limit` verbatim passages carrying one of its aspects, in that period."""
    import pandas as pd

    from textlens.trends import EVIDENCE_COLUMNS, EvidenceIndex

    subjects = {s.id: s for s in (subjects if subjects is not None else load_subjects())}
    cols = ["subject", "side", *EVIDENCE_COLUMNS]
    if div.empty:
        return pd.DataFrame(columns=cols)
    indexes = {"press": EvidenceIndex(corpus, "theme", filters, by), "customers": EvidenceIndex(corpus, "aspect",
                                                                                                 filters, by)}
    parts: list[Any] = []
    for r in div[["subject", "period"]].drop_duplicates().itertuples():
        s = subjects[r.subject]
        for side, items in (("press", s.themes), ("customers", s.aspects)):
            found = [indexes[side].evidence(i, r.period, limit=limit) for i in items]
            found = [f for f in found if not f.empty]
            if found:
                best = pd.concat(found).sort_values("score", ascending=False).drop_duplicates("doc_id").head(limit)
                parts.append(best.assign(subject=r.subject, side=side))
    return pd.concat(parts, ignore_index=True)[cols] if parts else pd.DataFrame(columns=cols)
