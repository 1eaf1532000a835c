"""Read-only queries over the corpus store: shared filters, name resolution and passage search.

Everything here reads the store only, through `textlens.store.query` and `textlens.store.filters` where its SQL lives
(no torch, no spaCy), so `textlens search` answers at once; the semantic ranking imports the embedding module only
when asked for. User strings never reach SQL or FTS5 syntax unquoted: filters are bound parameters and search terms
are re-quoted one by one.
"""
from __future__ import annotations

import difflib
import re
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from textlens.analysis.segment import fold
from textlens.store import items as store_items
from textlens.store import query as query_store
from textlens.vocab import ENTITY_TYPES, SENTIMENT_LABELS
from textlens.store.filters import QueryError, filtered_doc_ids

if TYPE_CHECKING:
    import pandas as pd

    from textlens.store import Corpus
    from textlens.store.query import PassageRow

SENTIMENTS = SENTIMENT_LABELS  # the names the filters and the CLI have always used
SEARCH_COLUMNS = ["doc_id", "date", "source", "passage", "left", "match", "right", "score", "passage_id", "year",
                  "kind", "title"]
DEFAULT_SEARCH_LIMIT = 20
KWIC_WIDTH = 60
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass
class Filters:
    """Which documents a query looks at; shared by every query command and the report.

    Duplicates (`documents.duplicate_of` set) are always excluded so nothing is counted twice.
    `type` alone keeps documents that mention an entity of that type; with `entity`, the mention
    must have that type. `limit` caps the rows a query returns, never the documents it counts.
    """

    year: int | None = None
    year_from: int | None = None
    year_to: int | None = None
    kind: str | None = None
    theme: str | None = None
    aspect: str | None = None
    entity: str | None = None
    type: str | None = None
    sentiment: str | None = None
    source: str | None = None
    limit: int | None = None
    emotion: str | None = None  # verbatims whose review carries this emotion (textlens.cx)
    intent: str | None = None  # verbatims whose review carries this intent (textlens.cx)

    def active(self) -> dict[str, Any]:
        """The filters actually set (for titles and report headers)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) not in (None, "")}

    def describe(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in self.active().items()) or "all documents"


# ---- name resolution ------------------------------------------------------------------------------
def _taxonomy_labels(name: str) -> dict[str, str]:
    """Theme id -> French label of a built-in taxonomy, {} when the themes module is not installed."""
    try:
        from textlens.themes.taxonomy import load_taxonomy

        return {t.id: t.label for t in load_taxonomy(name).themes}
    except Exception:  # noqa: BLE001 - labels are a nicety; a broken taxonomy is reported by `run`
        return {}


def theme_labels(corpus: "Corpus", dimension: str = "theme") -> dict[str, str]:
    """Known ids of a dimension (theme, aspect) with their labels: taxonomy file first, then the store."""
    taxonomy = "aspects" if dimension == "aspect" else "editorial"
    labels = dict(_taxonomy_labels(taxonomy))
    for tid in (store_items.aspect_ids(corpus) if dimension == "aspect" else store_items.theme_ids(corpus)):
        labels.setdefault(tid, tid)
    return labels


def suggest(name: str, candidates: Iterable[str], n: int = 5) -> list[str]:
    """Close matches of `name` (accent- and case-insensitive), for 'did you mean' messages."""
    cands = list(dict.fromkeys(candidates))
    folded: dict[str, list[str]] = {}
    for c in cands:
        folded.setdefault(fold(c), []).append(c)
    key = fold(name)
    out = [c for f in difflib.get_close_matches(key, list(folded), n=n, cutoff=0.6) for c in folded[f]]
    if len(out) < n:  # substring hits ("tele" -> "Teleperformance") come next
        out += [c for f, cs in folded.items() if key and key in f for c in cs if c not in out]
    return out[:n]


def _unknown(what: str, name: str, candidates: Iterable[str]) -> QueryError:
    cands = list(candidates)
    close = suggest(name, cands)
    if close:
        hint = "did you mean: " + ", ".join(close) + "?"
    elif cands:
        shown = sorted(cands)[:12]
        hint = "known: " + ", ".join(shown) + (" ..." if len(cands) > 12 else "")
    else:
        hint = f"the store has no {what}s yet (run `textlens run` with that analysis)"
    return QueryError(f"unknown {what} {name!r}; {hint}")


def resolve_theme(corpus: "Corpus", name: str, dimension: str = "theme") -> str:
    """Map a theme/aspect id or label (any case, with or without accents) to its id."""
    labels = theme_labels(corpus, dimension)
    key = fold(name.strip())
    for tid, label in labels.items():
        if fold(tid) == key or fold(label) == key:
            return tid
    # one theme whose label or id has this word ("prix" -> price, "delocalisation" -> offshoring)
    words = set(_WORD.findall(key))
    hits = [tid for tid, label in labels.items()
            if words and words <= set(_WORD.findall(fold(label))) | set(fold(tid).split("_"))]
    if len(hits) == 1:
        return hits[0]
    by_label = {label: tid for tid, label in labels.items()}
    close = list(dict.fromkeys(by_label.get(c, c) for c in suggest(name, [*labels, *by_label]) + hits))
    if close:
        shown = ", ".join(f"{t} ({labels[t]})" if labels.get(t, t) != t else t for t in close)
        raise QueryError(f"unknown {dimension} {name!r}; did you mean: {shown}?")
    raise _unknown(dimension, name, labels)


def resolve_entity(corpus: "Corpus", name: str) -> str:
    """Map an entity name, alias or acronym as written in the texts to its canonical name."""
    key = fold(name.strip())
    exact = query_store.entity_named(corpus, name)
    if exact is not None:
        return exact
    names = query_store.entity_names(corpus)
    for n in names:
        if fold(n) == key:
            return n
    # an alias as it appears in a text ("TP" for Teleperformance): the most frequent canonical name
    counts: dict[str, int] = {}
    for ent, text in query_store.entity_surfaces(corpus):
        if fold(text) == key:
            counts[ent] = counts.get(ent, 0) + 1
    if counts:
        return max(counts, key=lambda e: counts[e])
    # a name the knowledge base knows under another form (an expansion, a former name, an alias no text used)
    from textlens.entities.kb import load_kb

    known = load_kb().lookup(name)
    if known is not None:
        if known.name in names:
            return known.name
        later = f"; it was renamed {known.renamed_to}" if known.renamed_to else ""
        raise QueryError(f"entity {name!r} ({known.name}, {known.type}) is not mentioned in the selected store{later}")
    raise _unknown("entity", name, names)


def resolve_topic(corpus: "Corpus", name: str) -> str:
    labels = store_items.topic_labels(corpus)
    key = fold(name.strip())
    for tid, label in labels.items():
        if tid == name.strip() or fold(label) == key:
            return tid
    raise _unknown("topic", name, [*labels, *labels.values()])


def resolve_items(corpus: "Corpus", dimension: str, names: Sequence[str]) -> list[str]:
    """Resolve user-typed item names of a dimension; unknown names raise QueryError with suggestions."""
    out = []
    for name in names:
        if dimension in ("theme", "aspect"):
            out.append(resolve_theme(corpus, name, dimension))
        elif dimension == "entity":
            out.append(resolve_entity(corpus, name))
        elif dimension == "topic":
            out.append(resolve_topic(corpus, name))
        elif dimension in ("emotion", "intent"):
            from textlens.cx import resolve_label

            try:
                out.append(resolve_label(dimension, name))
            except ValueError as exc:
                raise QueryError(str(exc)) from exc
        else:
            raise QueryError(f"unknown dimension {dimension!r}; choose theme, aspect, topic or entity")
    return list(dict.fromkeys(out))


def resolve_filters(corpus: "Corpus", filters: Filters | None) -> Filters:
    """Check every filter value against the store and return canonical values (ids, canonical names).

    Raises QueryError naming the bad value and the closest known ones.
    """
    f = replace(filters) if filters is not None else Filters()
    if f.year is not None and (f.year_from is not None or f.year_to is not None):
        raise QueryError("give either --year or --from/--to, not both")
    if f.year_from is not None and f.year_to is not None and f.year_from > f.year_to:
        raise QueryError(f"--from {f.year_from} is after --to {f.year_to}")
    if f.limit is not None and f.limit < 1:
        raise QueryError(f"--limit must be at least 1, got {f.limit}")
    if f.kind:
        from textlens.document import KINDS

        f.kind = _one_of("kind", f.kind, [*KINDS, *query_store.document_kinds(corpus)])
    if f.sentiment:
        match = [s for s in SENTIMENTS if fold(s) == fold(f.sentiment) or (len(f.sentiment) >= 3 and s.startswith(
            fold(f.sentiment)))]
        if len(match) != 1:
            raise _unknown("sentiment", f.sentiment, SENTIMENTS)
        f.sentiment = match[0]
    if f.type:
        f.type = _one_of("entity type", f.type, [*ENTITY_TYPES, *query_store.entity_types(corpus)])
    if f.theme:
        f.theme = resolve_theme(corpus, f.theme, "theme")
    if f.aspect:
        f.aspect = resolve_theme(corpus, f.aspect, "aspect")
    if f.entity:
        f.entity = resolve_entity(corpus, f.entity)
    for name in ("emotion", "intent"):
        if getattr(f, name):
            from textlens.cx import resolve_label

            try:
                setattr(f, name, resolve_label(name, getattr(f, name)))
            except ValueError as exc:
                raise QueryError(str(exc)) from exc
    return f


def _one_of(what: str, value: str, names: Sequence[str]) -> str:
    """`value` spelled as one of `names`: the standard names, then those in the store (case/accent-insensitive)."""
    known = list(dict.fromkeys(names))
    match = [k for k in known if fold(k) == fold(value)]
    if not match:
        raise _unknown(what, value, known)
    return match[0]


def doc_ids(corpus: "Corpus", filters: Filters | None = None) -> list[str]:
    """Ids of the documents selected by `filters` (duplicates excluded)."""
    return filtered_doc_ids(corpus.conn, filters or Filters())


@lru_cache(maxsize=1)
def french_stop_words() -> frozenset[str]:
    """spaCy's French stop-word list (accent-folded), read from its data file without importing spaCy."""
    import importlib.util
    from pathlib import Path

    from textlens.analysis.segment import fold

    words: set[str] = set()
    spec = importlib.util.find_spec("spacy")
    if spec and spec.submodule_search_locations:
        path = Path(next(iter(spec.submodule_search_locations))) / "lang" / "fr" / "stop_words.py"
        if path.exists():
            m = re.search(r'"""(.*?)"""', path.read_text(encoding="utf-8"), re.S)
            if m:
                words = set(m.group(1).split())
    words |= {"les", "des", "est", "une", "qui", "que", "pour", "dans", "sur", "par", "plus", "pas", "avec", "ont"}
    return frozenset(fold(w) for w in words)


# ---- full-text search -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Term:
    """One search term as the user meant it: a word (matched with its inflections), a prefix or a phrase."""

    kind: str  # "word" | "prefix" | "phrase"
    words: tuple[str, ...]

    def fts(self) -> str:
        """This term in FTS5 syntax; every word is a double-quoted string, so nothing is an operator."""
        from textlens.analysis.segment import stems

        quoted = " ".join(self.words)
        if self.kind == "phrase":
            return f'text : "{quoted}"'
        if self.kind == "prefix":
            return f'text : "{quoted}" *'
        stem = stems(self.words[0]).strip()
        return f'(text : "{quoted}" OR stems : "{stem}")' if stem else f'text : "{quoted}"'


_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')


@dataclass
class ParsedQuery:
    """All `groups` must match (each group: any of its terms); no `excluded` term may match."""

    groups: list[list[Term]]
    excluded: list[Term]

    @property
    def terms(self) -> list[Term]:
        return [t for g in self.groups for t in g]

    def fts(self) -> str:
        """The whole query in FTS5 syntax, built only from quoted terms and our own operators."""
        expr = " AND ".join("(" + " OR ".join(t.fts() for t in g) + ")" for g in self.groups)
        if self.excluded:
            expr = f"({expr}) NOT (" + " OR ".join(t.fts() for t in self.excluded) + ")"
        return expr


def _term(words: tuple[str, ...], prefix: bool = False, phrase: bool = False) -> Term | None:
    if not words:
        return None
    if prefix and len(words) == 1:
        return Term("prefix", words)
    if len(words) == 1:
        return Term("word", words)
    return Term("phrase", words)  # "l'offshore", "service-client", "a.b": the words next to each other


def parse_query(query: str) -> ParsedQuery:
    """Split a user query into terms: "exact phrase", prefix*, plain words (all must match).

    Upper-case OR between two terms means either; a leading "-" or NOT excludes the next term;
    AND is the default and ignored. Anything else (parentheses, other operators, SQL) is reduced
    to its words and searched for literally. An unclosed quote runs to the end of the query.
    """
    text = query.replace("\u201c", '"').replace("\u201d", '"').replace("\u00ab", '"').replace("\u00bb", '"')
    groups: list[list[Term]] = []
    excluded: list[Term] = []
    pending_or = pending_not = False
    for m in _TOKEN.finditer(text):
        minus, phrase, token = m.group(1), m.group(2), m.group(3)
        if token in ("AND", "&&"):
            continue
        if token in ("OR", "||"):
            pending_or = bool(groups)
            continue
        if token == "NOT":
            pending_not = True
            continue
        negate = pending_not or bool(minus)
        if phrase is not None:
            term = _term(tuple(_WORD.findall(phrase.lower())))
        else:
            if token.startswith("-") and len(token) > 1:
                negate, token = True, token[1:]
            term = _term(tuple(_WORD.findall(token.lower())), prefix=token.endswith("*"))
        if term is None:
            continue
        if negate:
            excluded.append(term)
        elif pending_or:
            groups[-1].append(term)
        else:
            groups.append([term])
        pending_or = pending_not = False
    return ParsedQuery(groups, excluded)


def fts_expression(terms: Sequence[Term]) -> str:
    """FTS5 expression requiring every term (kept for callers that build their own term lists)."""
    return ParsedQuery([[t] for t in terms], []).fts()


def _word_matches(term: Term, token: str) -> bool:
    from textlens.analysis.segment import stems

    f = fold(token)
    if term.kind == "prefix":
        return f.startswith(fold(term.words[0]))
    w = fold(term.words[0])
    return f == w or stems(token).strip() == stems(term.words[0]).strip()


def match_span(text: str, terms: Sequence[Term]) -> tuple[int, int] | None:
    """Character span of the first place in `text` where a term matches (accent-insensitive)."""
    tokens = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]
    best: tuple[int, int] | None = None
    for term in terms:
        if term.kind == "phrase":
            n = len(term.words)
            target = [fold(w) for w in term.words]
            for i in range(len(tokens) - n + 1):
                if [fold(t[2]) for t in tokens[i : i + n]] == target:
                    span = (tokens[i][0], tokens[i + n - 1][1])
                    break
            else:
                continue
        else:
            for s, e, tok in tokens:
                if _word_matches(term, tok):
                    span = (s, e)
                    break
            else:
                continue
        if best is None or span[0] < best[0]:
            best = span
    return best


def kwic(text: str, span: tuple[int, int] | None, width: int = KWIC_WIDTH) -> tuple[str, str, str]:
    """(left context, match, right context) around `span`, cut at word boundaries with ellipses."""
    if span is None:
        return "", text if len(text) <= 2 * width else text[: 2 * width].rsplit(" ", 1)[0] + " …", ""
    s, e = span
    left, right = text[:s], text[e:]
    if len(left) > width:
        cut = left[-width:]
        left = "… " + (cut.split(" ", 1)[1] if " " in cut[:15] else cut)
    if len(right) > width:
        cut = right[:width]
        right = (cut.rsplit(" ", 1)[0] if " " in cut[-15:] else cut) + " …"
    return left, text[s:e], right


def search(corpus: "Corpus", query: str, filters: Filters | None = None, semantic: bool = False,
           encoder: Any = None) -> "pd.DataFrame":
    """Passages matching `query` (FTS5, accent-insensitive, French stems) or closest to it (`semantic`).

    Columns: doc_id, date, source, passage, left, match, right, score (+ passage_id, year, kind, title).
    Raises QueryError for a query with nothing searchable.
    """
    import pandas as pd

    return pd.DataFrame(search_records(corpus, query, filters, semantic, encoder), columns=SEARCH_COLUMNS)


def search_records(corpus: "Corpus", query: str, filters: Filters | None = None, semantic: bool = False,
                   encoder: Any = None) -> list[dict[str, Any]]:
    """`search` as plain dicts (no pandas import: the CLI answers faster)."""
    filters = filters or Filters()
    if not isinstance(query, str) or not query.strip():
        raise QueryError("empty query: give words, \"an exact phrase\" or a prefix*")
    parsed = parse_query(query)
    terms = parsed.terms
    limit = filters.limit or DEFAULT_SEARCH_LIMIT
    if semantic:
        rows = _semantic_rows(corpus, query, filters, limit, encoder)
    else:
        if not terms:
            what = "only excluded terms" if parsed.excluded else "nothing to search for"
            raise QueryError(f"{what} in {query!r}: give words, \"an exact phrase\" or a prefix*")
        try:
            rows = query_store.search_passages(corpus, parsed.fts(), filters, limit)
        except sqlite3.OperationalError as exc:  # should not happen: every term is quoted
            raise QueryError(f"cannot search for {query!r}: {exc}") from exc
    out = []
    if semantic:  # highlight a content word of the query, not "de" or "au"
        stop = french_stop_words()
        terms = [t for t in terms if t.kind != "word" or fold(t.words[0]) not in stop]
    for r in rows:
        text = " ".join(r.text.split())
        span = match_span(text, terms) if terms else None
        left, match, right = kwic(text, span)
        out.append({"doc_id": r.doc_id, "date": r.date or (str(r.year) if r.year else None),
                    "source": r.source, "passage": r.text, "left": left, "match": match, "right": right,
                    "score": round(float(r.score), 4), "passage_id": r.passage_id, "year": r.year,
                    "kind": r.kind, "title": r.title})
    return out


def _semantic_rows(corpus: "Corpus", query: str, filters: Filters, limit: int,
                   encoder: Any) -> list["PassageRow"]:
    """Rank the filtered passages by cosine similarity to the query (cached passage vectors)."""
    import numpy as np

    from textlens.embeddings import cached_count, encode_cached, get_encoder

    enc = encoder if encoder is not None else get_encoder()
    rows = query_store.filtered_passages(corpus, filters)
    if not rows:
        return []
    # Reuse whichever prompt the analyses cached passages with; e5 "query:" on both sides is symmetric.
    prompt = "passage" if cached_count(corpus, enc, "passage") > cached_count(corpus, enc, "query") else "query"
    vecs = encode_cached(corpus, [r.text for r in rows], encoder=enc, prompt=prompt)
    q = enc.encode([query], prompt="query")[0]
    sims = vecs @ q
    order = np.argsort(-sims, kind="stable")[:limit]
    return [replace(rows[int(i)], score=float(sims[int(i)])) for i in order]
