"""Topic discovery on a whole store: choose the units, fit, map topics to taxonomy themes, write the tables.

Units: passages of articles/editorials (sentences of at least `min_words` words) and whole verbatims.
Press and verbatims are fitted separately (they never share a subject vocabulary: a joint fit only
rediscovers the kind), each with its own encoder if asked (`encoders`); topic ids are global, press topics first. Non-French and duplicate documents are
skipped and counted. Re-runs are cheap: the fit is skipped when the fingerprint (content hashes of the
used documents + parameters + each group's encoder model id) equals the stored one.
"""
from __future__ import annotations

import hashlib
import json
import time
from typing import TYPE_CHECKING, Any

import numpy as np

from textlens.store.topics import document_heads
from textlens.vocab import PRESS_KINDS

if TYPE_CHECKING:
    import pandas as pd

    from textlens.embeddings import Encoder
    from textlens.store import Corpus
    from textlens.topics.model import TopicModel

VERSION = "10"  # bump when TopicModel defaults change: stored fits are then redone (9: review topics without a
# distinctive aspect merged, aspect chosen by lift; 10: a review aspect labels a topic from 45% of its reviews)
STAT = "topics"
STAT_OVER_TIME = "topics_over_time"
MIN_UNITS = 30
# group -> (document kinds, unit, taxonomy the topics are mapped to)
GROUPS: dict[str, tuple[tuple[str, ...], str, str]] = {
    "press": (PRESS_KINDS, "passage", "editorial"),
    "verbatim": (("verbatim",), "document", "aspects"),
}
OUTLIER_LABEL = "(non classé)"
MAP_UNITS = 2000  # units per group on the topic map (a seeded sample beyond)
_MAX_REP_CHARS = 400


def encoder_id(encoder: "str | Encoder | None") -> str:
    """Versioned model id of an encoder (name or object) without loading it: a new model refits topics."""
    if encoder is not None and not isinstance(encoder, str):
        return encoder.model_id
    from textlens.embeddings import resolve
    from textlens.themes.analyzer import encoder_model_id

    return encoder_model_id(resolve(encoder))


def fit_groups(kinds: set[str], encoder: "str | Encoder | None", encoders: "dict[str, str | Encoder | None]"
               ) -> list[tuple[str, str, tuple[str, ...], str, str, "str | Encoder | None"]]:
    """(name, group, kinds, unit, taxonomy, encoder) of each topic model to fit, in a fixed order (ids are
    given in this order: press first). A group whose kinds use different encoders is split by kind
    ("press:article", "press:editorial"): vectors of two models do not share a space."""
    out = []
    for group, (group_kinds, unit, taxonomy) in GROUPS.items():
        present = [k for k in group_kinds if k in kinds]
        by_encoder: dict[str, list[str]] = {}
        chosen: dict[str, "str | Encoder | None"] = {}
        for k in present:
            e = encoders.get(k, encoder)
            by_encoder.setdefault(encoder_id(e), []).append(k)
            chosen.setdefault(encoder_id(e), e)
        for eid, ks in by_encoder.items():
            name = group if len(by_encoder) == 1 else f"{group}:{'+'.join(ks)}"
            out.append((name, group, tuple(ks), unit, taxonomy, chosen[eid]))
    return out


def group_representation(group: str) -> Any:
    """The default topic representation of a group: keyphrases, with lone adjectives for verbatims (reviews
    name what they judge with them: "rapide", "cher"; see KeyphraseRepresentation.adjectives) and the group's
    generic words kept out of labels."""
    from textlens.topics.representation import KeyphraseRepresentation

    if group == "verbatim":
        return KeyphraseRepresentation(adjectives=True, generic=group, theme_by="lift", theme_share=0.45,
                                       theme_lift=1.3)
    return KeyphraseRepresentation(generic=group)


def group_model_params(group: str) -> dict[str, Any]:
    """`TopicModel` settings of a group over the defaults: reviews merge the topics no aspect sets apart into their
    nearest topic (`TopicModel.merge_themeless`: general praise and thanks make two or three topics no label tells
    apart); the caller's parameters still win."""
    return {"merge_themeless": 0.55} if group == "verbatim" else {}


def fingerprint(docs: list[dict[str, Any]], params: dict[str, Any], encoder_id: str) -> str:
    h = hashlib.sha1(f"{VERSION}|{encoder_id}|{json.dumps(params, sort_keys=True, default=str)}".encode())
    for d in docs:
        h.update(f"{d['id']}\x1f{d['content_hash']}\x1f{d['kind']}\x1f{d['year']}\x1f{d['date']}\n".encode())
    return h.hexdigest()


def topic_units(corpus: "Corpus", docs: list[dict[str, Any]], unit: str, min_words: int, chunks: bool = True
                ) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Units of a group: dicts with text, doc_id, passage_ids, year; and how many passages were left out, by
    reason ("too_short"; for passages also "furniture", "glued": continuation lines joined to the line before
    them, and "chunked": units joined into a chunk of up to `CHUNK_WORDS` words, unless that leaves fewer than
    `MIN_CHUNKS` units or `chunks` is False; see `textlens.topics.units`)."""
    from textlens.store.topic_edits import document_texts
    from textlens.store.topics import passage_ids_by_document, passages_of
    from textlens.topics.units import CHUNK_WORDS, MIN_CHUNKS, select_passages

    out: list[dict[str, Any]] = []
    left = {"too_short": 0}
    ids = [d["id"] for d in docs]
    meta = {d["id"]: d for d in docs}
    if unit == "passage":
        rows = passages_of(corpus, ids)
        chosen = select_passages(rows, min_words, CHUNK_WORDS if chunks else None)
        if chunks and len(chosen.texts) < MIN_CHUNKS:  # a handful of pages: their sentences, or too few units to fit
            chosen = select_passages(rows, min_words)
        for text, pids, doc_id in zip(chosen.texts, chosen.passage_ids, chosen.doc_ids):
            out.append({"text": text, "doc_id": doc_id, "passage_ids": pids, "year": meta[doc_id]["year"]})
        return out, {"too_short": chosen.too_short, "furniture": chosen.furniture, "glued": chosen.glued,
                     "chunked": chosen.chunked}
    texts = document_texts(corpus.conn, ids)
    passage_ids_of = passage_ids_by_document(corpus, ids)
    for doc_id in ids:
        text = (texts.get(doc_id) or "").strip()
        if len(text.split()) < min_words:
            left["too_short"] += 1
            continue
        out.append({"text": text, "doc_id": doc_id, "passage_ids": passage_ids_of.get(doc_id, []),
                    "year": meta[doc_id]["year"]})
    return out, left


def unit_theme_labels(corpus: "Corpus", units: list[dict[str, Any]], unit: str) -> list[list[str]]:
    """Per unit, the labels of the themes our theme analysis kept for it (a passage unit: for any of its passages;
    a document unit: for the document), best first; empty lists when the analysis has not run. Topic labels name
    the theme most of a topic's units share (`KeyphraseRepresentation.theme_share`)."""
    from textlens.store.analyses import doc_theme_ids, passage_theme_ids

    if unit == "passage":
        rows = passage_theme_ids(corpus, [p for u in units for p in u["passage_ids"]])
        by_passage: dict[int, list[tuple[str, str]]] = {}
        for pid, theme, taxonomy in rows:
            by_passage.setdefault(pid, []).append((theme, taxonomy))
        found = [[x for p in u["passage_ids"] for x in by_passage.get(p, [])] for u in units]
    else:
        by_doc: dict[str, list[tuple[str, str]]] = {}
        for doc_id, theme, taxonomy in doc_theme_ids(corpus, [u["doc_id"] for u in units]):
            by_doc.setdefault(doc_id, []).append((theme, taxonomy))
        found = [by_doc.get(u["doc_id"], []) for u in units]
    names = _theme_names({taxonomy for f in found for _, taxonomy in f})
    return [list(dict.fromkeys(names[x] for x in f if x in names)) for f in found]


def _theme_names(taxonomies: set[str]) -> dict[tuple[str, str], str]:
    """(theme id, taxonomy name) -> the theme's label, for the built-in taxonomies among `taxonomies` (the store
    keeps a user's taxonomy by name only: its themes do not label topics, an id is no reader's word)."""
    from textlens.themes.taxonomy import BUILTIN, load_taxonomy

    out: dict[tuple[str, str], str] = {}
    for name in taxonomies & set(BUILTIN):
        for theme in load_taxonomy(name).themes:
            out[(theme.id, name)] = theme.label
    return out


def theme_vectors(corpus: "Corpus", taxonomy: str, encoder: "Encoder") -> tuple[list[str], np.ndarray]:
    """One vector per taxonomy theme: mean of its embedded "label: description" and its examples."""
    from textlens.embeddings import encode_cached
    from textlens.themes.taxonomy import load_taxonomy

    tax = load_taxonomy(taxonomy)
    ids, vecs = [], []
    for theme in tax.themes:
        texts = [f"{theme.label} : {theme.description}", *theme.examples]
        V = encode_cached(corpus, texts, encoder, prompt="query")
        v = 0.5 * V[0] + 0.5 * V[1:].mean(axis=0) if len(texts) > 1 else V[0]
        ids.append(theme.id)
        vecs.append(v / max(float(np.linalg.norm(v)), 1e-12))
    return ids, np.asarray(vecs, dtype=np.float32)


def fit_corpus_topics(corpus: "Corpus", *, encoder: "str | Encoder | None" = None, min_units: int = MIN_UNITS,
                      min_words: dict[str, int] | None = None, force: bool = False,
                      encoders: "dict[str, str | Encoder | None] | None" = None,
                      **params: Any) -> dict[str, Any]:
    """Fit topics on the store and replace the `topics`, `doc_topics` and `passage_topics` tables.

    `encoder`: a name for `get_encoder` (None: the default) or an `Encoder`, for every kind;
    `encoders`: document kind -> encoder, over `encoder` (e.g. {"verbatim": "fast"}: verbatims on the
    static fast tier, articles on e5). Kinds of one group with different encoders get one model each.
    `params` go to `TopicModel` (random_state, reduction, min_cluster_size...). Returns the quality
    figures also stored under `corpus.stat("topics")`; `status` is "fitted", "unchanged" (nothing
    changed since the last fit, nothing done) or "too_small" / "empty" with a `reason`.
    """
    from textlens.topics.model import TopicModel

    start = time.perf_counter()
    if corpus.readonly:
        raise ValueError(f"{corpus.path}: opened read-only; topics need a writable store")
    min_words = {"press": 6, "verbatim": 3, **(min_words or {})}
    params = {"random_state": 42, **params}
    TopicModel(**params)  # unknown parameters fail here, before any work
    docs = document_heads(corpus)
    skipped = {"non_french": 0, "duplicates": 0, "other_kind": 0}
    used: list[dict[str, Any]] = []
    kinds = {k: g for g, (ks, _, _) in GROUPS.items() for k in ks}
    for d in docs:
        if d["duplicate_of"]:
            skipped["duplicates"] += 1
        elif d["language"] not in (None, "fr"):
            skipped["non_french"] += 1
        elif d["kind"] not in kinds:
            skipped["other_kind"] += 1
        else:
            used.append(d)
    plan = fit_groups({d["kind"] for d in used}, encoder, dict(encoders or {}))
    ids = {name: encoder_id(e) for name, *_, e in plan}
    fp = fingerprint(used, {**params, "min_units": min_units, "min_words": min_words},
                     ",".join(f"{name}={eid}" for name, eid in ids.items()) if plan else encoder_id(encoder))
    previous = corpus.stat(STAT) or {}
    if not force and previous.get("fingerprint") == fp:
        return {**previous, "status": "unchanged", "previous_status": previous.get("status")}

    from textlens.embeddings import encode_cached, get_encoder

    shown = set(ids.values())
    stats: dict[str, Any] = {"version": VERSION, "fingerprint": fp,
                             "encoder": shown.pop() if len(shown) == 1 else
                             ", ".join(f"{name}: {eid}" for name, eid in ids.items()) or encoder_id(encoder),
                             "params": params, "documents": len(docs), "skipped_documents": skipped, "groups": {}}
    topic_rows: list[dict[str, Any]] = []
    doc_rows: list[dict[str, Any]] = []
    passage_rows: list[dict[str, Any]] = []
    over_time: list[dict[str, Any]] = []
    map_points: list[Any] = []
    next_id = 0
    totals = {"units": 0, "outliers": 0, "diffuse": 0, "furniture": 0}
    for name, group, group_kinds, unit, taxonomy, encoder_choice in plan:
        gdocs = [d for d in used if d["kind"] in group_kinds]
        units, left_out = topic_units(corpus, gdocs, unit, min_words[group])
        totals["furniture"] += left_out.get("furniture", 0)
        gstats: dict[str, Any] = {"documents": len(gdocs), "unit": unit, "units": len(units),
                                  "too_short_units": left_out["too_short"],
                                  "furniture_units": left_out.get("furniture", 0),
                                  "glued_passages": left_out.get("glued", 0),
                                  "chunked_units": left_out.get("chunked", 0), "min_words": min_words[group],
                                  "kinds": list(group_kinds), "encoder": ids[name]}
        stats["groups"][name] = gstats
        if len(units) < min_units:
            gstats.update(status="too_small", reason=f"{len(units)} {unit}s of at least {min_words[group]} words;"
                                                     f" topic discovery needs at least {min_units}")
            continue
        texts = [u["text"] for u in units]
        enc = encoder_choice if encoder_choice is not None and not isinstance(encoder_choice, str) \
            else get_encoder(encoder_choice)
        X = encode_cached(corpus, texts, enc, prompt="query")
        source_of = {d["id"]: d["source"] for d in gdocs}  # strata of the fit sample (large corpora): period|source
        model = TopicModel(**{"representation": group_representation(group), **group_model_params(group), **params}).fit(
            texts, X, documents=[u["doc_id"] for u in units],
            encode=lambda phrases, enc=enc: encode_cached(corpus, phrases, enc, prompt="query"),
            strata=[f"{u['year']}|{source_of[u['doc_id']]}" for u in units],
            unit_themes=unit_theme_labels(corpus, units, unit))
        q = model.quality_
        gstats.update(status="fitted", **{k: v for k, v in q.items()})
        theme_ids, T = theme_vectors(corpus, taxonomy, enc)
        mapped = model.nearest_themes(T, theme_ids)
        offset = next_id
        gstats["topic_ids"] = [offset + t for t in range(model.n_topics_)]
        gstats["taxonomy"] = taxonomy
        for t, info in enumerate(model.topics_):
            reps = [{"passage_id": (units[i]["passage_ids"] or [None])[0], "doc_id": units[i]["doc_id"],
                     "text": units[i]["text"][:_MAX_REP_CHARS]} for i in info["representatives"]]
            topic_rows.append({"id": offset + t, "label": info["label"], "terms": info["terms"],
                               "size": info["size"], "theme_id": mapped[t][0], "theme_score": round(mapped[t][1], 4),
                               "representatives": reps})
        map_points += _map_sample(model, units, offset, name)
        n_out = int((model.labels_ < 0).sum())
        totals["units"] += len(units)
        totals["outliers"] += n_out
        totals["diffuse"] += int(round(q.get("diffuse_share", 0.0) * len(units)))
        # per document: share of its units in each topic (outliers under topic -1)
        per_doc: dict[str, dict[int, list[float]]] = {}
        for u, lab, score in zip(units, model.labels_.tolist(), model.scores_.tolist()):
            tid = offset + lab if lab >= 0 else -1
            per_doc.setdefault(u["doc_id"], {}).setdefault(tid, []).append(score)
            for pid in u["passage_ids"]:
                passage_rows.append({"passage_id": pid, "doc_id": u["doc_id"], "topic_id": tid,
                                     "score": round(float(score), 4)})
        for doc_id, topics in per_doc.items():
            n_doc = sum(len(v) for v in topics.values())
            for tid, scores in topics.items():
                doc_rows.append({"doc_id": doc_id, "topic_id": tid, "score": round(len(scores) / n_doc, 4)})
        years = [u["year"] for u in units]
        if any(y is not None for y in years):
            tot = model.topics_over_time(texts, years)
            for r in tot.to_dict("records"):
                over_time.append({**r, "topic": offset + int(r["topic"]), "group": group,
                                  "period": int(r["period"]), "share": round(float(r["share"]), 4)})
        next_id = offset + model.n_topics_
    fitted = [g for g in stats["groups"].values() if g.get("status") == "fitted"]
    if not fitted:
        reasons = [f"{name}: {g['reason']}" for name, g in stats["groups"].items() if g.get("reason")]
        stats.update(status="too_small" if reasons else "empty",
                     reason="; ".join(reasons) or "no French, non-duplicate article, editorial or verbatim")
    else:
        stats["status"] = "fitted"
        weights = [g["units"] for g in fitted]
        for key in ("npmi", "diversity", "agreement_ari", "agreement_nmi"):
            vals = [(g[key], w) for g, w in zip(fitted, weights) if g.get(key) == g.get(key)]  # drop NaN
            stats[key] = sum(v * w for v, w in vals) / sum(w for _, w in vals) if vals else None
        stats["n_topics"] = len(topic_rows)
        stats["units"] = totals["units"]
        stats["outlier_share"] = totals["outliers"] / max(totals["units"], 1)
        # of which in topics without a subject, routed to the outliers (TopicModel.min_coverage); furniture
        # passages are not units at all: counted apart
        stats["diffuse_share"] = totals["diffuse"] / max(totals["units"], 1)
        stats["furniture_passages"] = totals["furniture"]
        if totals["outliers"]:
            topic_rows.append({"id": -1, "label": OUTLIER_LABEL, "terms": [], "size": totals["outliers"],
                               "theme_id": None, "theme_score": None, "representatives": []})
    stats["seconds"] = round(time.perf_counter() - start, 3)
    stats = _plain(stats)
    _write(corpus, topic_rows, doc_rows, passage_rows, stats, over_time, map_points)
    return stats


def _map_sample(model: "TopicModel", units: list[dict[str, Any]], offset: int, group: str) -> list[Any]:
    """The units of a group shown on the topic map (at most MAP_UNITS per group, a seeded sample: a plot of
    more points is slow to open and no more readable), with their 2D position and topic id."""
    from textlens.store.topic_edits import MapPoint

    xy = model.map_2d_
    idx = np.flatnonzero(np.isfinite(xy).all(axis=1))
    if idx.size > MAP_UNITS:
        idx = np.sort(np.random.default_rng(model.random_state).choice(idx, MAP_UNITS, replace=False))
    labels = model.labels_
    return [MapPoint((units[i]["passage_ids"] or [None])[0], units[i]["doc_id"],
                     offset + int(labels[i]) if labels[i] >= 0 else -1, round(float(xy[i, 0]), 4),
                     round(float(xy[i, 1]), 4), group) for i in idx.tolist()]


def _plain(v: Any) -> Any:
    """JSON-ready copy: numpy scalars to Python, NaN to None (JSON has no NaN)."""
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):
        v = v.item()
    if isinstance(v, float) and v != v:
        return None
    return v


def _write(corpus: "Corpus", topics: list[dict[str, Any]], docs: list[dict[str, Any]],
           passages: list[dict[str, Any]], stats: dict[str, Any], over_time: list[dict[str, Any]],
           map_points: list[Any]) -> None:
    """Replace every topic table and the stats, and replay the hand edits, in one transaction (readers never see
    half a fit, and a fit is never stored without its edits)."""
    from textlens.store.topic_edits import replace_map
    from textlens.store.topics import DocumentTopic, PassageTopic, TopicRow, replace_topics

    with corpus.transaction() as c:
        replace_map(c, map_points)
        replace_topics(c, [TopicRow(**t) for t in topics], [DocumentTopic(**r) for r in docs],
                       [PassageTopic(**r) for r in passages])
        corpus.set_stat(STAT_OVER_TIME, over_time)
        if stats["status"] == "fitted":  # hand edits, in the same transaction: a crash never loses them
            from textlens.topics.edits import replay_edits

            replayed = replay_edits(corpus, c)
            if replayed.applied or replayed.unmatched:
                stats["edits"] = replayed.as_dict()
        corpus.set_stat(STAT, stats)


def topics_table(corpus: "Corpus", include_outliers: bool = False) -> "pd.DataFrame":
    """The discovered topics for display: id, label, size, share of units, theme, terms, representatives."""
    from textlens.store.topics import passages_per_topic, topics_frame

    df = topics_frame(corpus)
    if not include_outliers:
        df = df[df["id"] >= 0]
    sizes = passages_per_topic(corpus)
    total = sum(sizes.values()) or 1
    df = df.assign(passages=df["id"].map(lambda i: sizes.get(i, 0)))
    df["share"] = df["passages"] / total
    for col in ("terms", "representatives"):
        df[col] = df[col].map(json.loads)
    return df.reset_index(drop=True)
