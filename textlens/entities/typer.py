"""Learned keep/type decision for the entity names of articles and editorials.

The rules and lists of the resolver find most names, but on unseen real press about a quarter of what they keep is
noise (site furniture, the publishing site, products, common words in capitals) or gets the wrong type (a union
typed COMPANY), and names the lists do not know are missed. Where annotated press exists, this component decides
instead: every name of a document is a *candidate* (the resolver's mentions, spaCy's own entities the rules left
aside, names annotated in the training texts found again in this one, and longer names proposed around all of
these by `textlens.entities.extensions`), described by what the rules, the knowledge base, the statistical model,
the training annotations, the name's words and its contexts say about it, and one multinomial logistic regression
chooses a type or "no entity" per name and document.

Trained by `scripts/train_press_entities.py` on annotated real press; stored as plain JSON (sparse coefficients
and the gazetteer of training names), so scoring needs no scikit-learn.
"""
from __future__ import annotations

import gzip
import json
import logging
import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.base import BaseEstimator
from spacy.language import Language

from textlens.entities.kb import ENTITY_TYPES, fold, is_acronym, load_kb, name_key
from textlens.entities.names import tidy_name
from textlens.entities.spans import NER_KEY, SPAN_KEY, span_scores
from textlens.errors import ConfigError

if TYPE_CHECKING:
    from collections.abc import Callable

    from spacy.tokens import Doc, Span

log = logging.getLogger(__name__)

FEATURES_VERSION = 3  # 2: word vectors of the name and of its context; 3: longer names proposed around found ones
READABLE_VERSIONS = (1, 2, 3)  # an older model sees the candidates and features it was trained with
NONE = "NONE"
_SHORT_LINE = 50
_WINDOW = 6  # tokens each side whose words describe a mention's context


@dataclass
class Candidate:
    """One name of one document with every span it was found at and its features."""

    key: str
    name: str
    spans: list[tuple[int, int]] = field(default_factory=list)  # token bounds
    rule_types: set[str] = field(default_factory=set)
    sources: set[str] = field(default_factory=set)
    features: dict[str, float] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------------------
# gazetteer: names annotated in the training texts
# ---------------------------------------------------------------------------------------------------------
@dataclass
class Gazetteer:
    """Names annotated in training texts: how often each was annotated with each type among the training texts
    that contain it (a name the annotators skip where it appears, like the publishing site, learns that too)."""

    names: dict[str, str] = field(default_factory=dict)  # key -> display name
    seen: dict[str, int] = field(default_factory=dict)  # key -> training texts containing it
    typed: dict[str, dict[str, int]] = field(default_factory=dict)  # key -> type -> texts annotating it so

    def features(self, key: str) -> dict[str, float]:
        n = self.seen.get(key, 0)
        if key not in self.names or n == 0:
            return {"gaz=unseen": 1.0}
        counts = self.typed.get(key, {})
        out = {f"gaz={t}": c / n for t, c in counts.items()}
        out["gaz=skipped"] = max(0.0, 1.0 - sum(counts.values()) / n)
        out["gaz_logn"] = math.log1p(n)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"names": self.names, "seen": self.seen, "typed": self.typed}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Gazetteer":
        return cls(dict(data["names"]), {k: int(v) for k, v in data["seen"].items()},
                   {k: dict(v) for k, v in data["typed"].items()})


class GazetteerMatcher:
    """Finds gazetteer names in a Doc with the knowledge base's case rules (acronyms and one-word names exact,
    longer names case- and accent-insensitive)."""

    def __init__(self, nlp: "Language", names: dict[str, str]):
        from spacy.matcher import PhraseMatcher

        self.exact = PhraseMatcher(nlp.vocab, attr="ORTH")
        self.lower = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.keys: dict[str, str] = {}
        for key, display in names.items():
            toks = nlp.make_doc(display)
            if not len(toks) or len(key) < 2:
                continue
            label = f"g{len(self.keys)}"
            self.keys[label] = key
            if len(toks) == 1 or is_acronym(display):
                variants = {display} if is_acronym(display) else {display, display.upper()}
                self.exact.add(label, [nlp.make_doc(v) for v in variants])
            else:
                self.lower.add(label, [nlp.make_doc(v) for v in {display.lower(), fold(display)}])

    def __call__(self, doc: "Doc") -> list[tuple[str, int, int]]:
        strings = doc.vocab.strings
        out = []
        for matcher in (self.exact, self.lower):
            for label, start, end in matcher(doc):
                if any(t.is_space for t in doc[start:end]):
                    continue
                out.append((self.keys[strings[label]], start, end))
        return out


# ---------------------------------------------------------------------------------------------------------
# candidates and features
# ---------------------------------------------------------------------------------------------------------
def doc_candidates(doc: "Doc", gazetteer: Gazetteer, matches: list[tuple[str, int, int]],
                   features_version: int = FEATURES_VERSION) -> list[Candidate]:
    """Every candidate name of a Doc processed by the full entity pipeline (resolver and facts done), with its
    features; `matches` are the gazetteer's hits in the Doc; `features_version`: the features the model was
    trained with."""
    kb = load_kb()
    groups: dict[str, Candidate] = {}

    def group(name: str) -> Candidate:
        ent = kb.lookup(name)
        if ent is not None:
            name = ent.name
        key = name_key(name)
        if key not in groups:
            groups[key] = Candidate(key, name)
        return groups[key]

    resolved = list(doc.spans.get(SPAN_KEY, []))
    taken = [False] * len(doc)
    for sp in resolved:
        c = group(sp._.canonical or sp.text)
        c.spans.append((sp.start, sp.end))
        c.rule_types.add(sp._.etype or sp.label_)
        c.sources.add(sp._.esource or "kb")
        for i in range(sp.start, sp.end):
            taken[i] = True
    raw_ents = list(doc.spans.get(NER_KEY, []))
    for e in raw_ents:
        if any(taken[i] for i in range(e.start, e.end)) or any(t.is_space or "\n" in t.text for t in e):
            continue
        name = tidy_name(e.text)
        if not name_key(name) or not any(ch.isalpha() for ch in name) or len(e) > 8:
            continue
        c = group(name)
        c.spans.append((e.start, e.end))
        c.sources.add("spacy_only")
    for key, start, end in matches:
        c = group(gazetteer.names[key])
        if (start, end) not in c.spans:
            c.spans.append((start, end))
        c.sources.add("gaz")
        if not c.rule_types and "spacy_only" not in c.sources:
            c.sources.add("gaz_only")
    if features_version >= 3:
        _add_extensions(doc, groups, group)
    ner_at: dict[int, str] = {}
    for e in raw_ents:
        for i in range(e.start, e.end):
            ner_at[i] = e.label_
    doc_types: dict[str, int] = defaultdict(int)  # what kind of text: a list of outsourcers, a public-policy piece
    for c in groups.values():
        for t in c.rule_types:
            doc_types[t] += 1
    for c in groups.values():
        c.features = _features(doc, c, gazetteer, ner_at, taken)
        if features_version >= 2:
            c.features.update(vector_features(doc, sorted(set(c.spans))))
        if features_version >= 3:
            c.features.update(nesting_features(c, groups))
        for t, count in doc_types.items():
            c.features[f"doc_{t}"] = math.log1p(count)
    return [c for c in groups.values() if c.key]


def _add_extensions(doc: "Doc", groups: dict[str, Candidate], group: Callable[[str], Candidate]) -> None:
    """Longer names proposed around the candidates found (textlens.entities.extensions), each a candidate of its
    own unless its name is one already; `group` makes or finds a name's Candidate."""
    from textlens.entities.extensions import extension_spans

    bases = sorted({span for c in groups.values() for span in c.spans})
    for ext in extension_spans(doc, bases):
        if name_key(ext.name) in groups or not name_key(ext.name):
            continue
        c = group(ext.name)
        if c.rule_types or c.sources & {"spacy_only", "gaz"}:
            continue  # a KB alias of a name already found
        c.spans.append((ext.start, ext.end))
        c.sources.add(f"ext_{ext.kind}")


def nesting_features(c: Candidate, groups: dict[str, Candidate]) -> dict[str, float]:
    """How the candidate's spans sit among the others': inside a longer found name, inside a proposed extension,
    or holding another name (a partial name kept beside the full one costs a false positive and a miss)."""
    own = set(c.spans)
    inside_found = inside_ext = holds = 0
    for other in groups.values():
        if other is c:
            continue
        proposed = any(s.startswith("ext_") for s in other.sources)
        for a, b in other.spans:
            for s, e in own:
                if a <= s and e <= b and (a, b) != (s, e):
                    if proposed:
                        inside_ext += 1
                    else:
                        inside_found += 1
                elif s <= a and b <= e and (a, b) != (s, e):
                    holds += 1
    n = max(len(own), 1)
    out = {}
    if inside_found:
        out["inside_found"] = min(inside_found / n, 1.0)
    if inside_ext:
        out["inside_ext"] = min(inside_ext / n, 1.0)
    if holds:
        out["holds_name"] = 1.0
    return out


def _features(doc: "Doc", c: Candidate, gazetteer: Gazetteer, ner_at: dict[int, str], taken: list[bool]
              ) -> dict[str, float]:
    from textlens.entities import lexicon as lx

    kb = load_kb()
    text = doc.text
    f: dict[str, float] = {}
    for t in c.rule_types or {"none"}:
        f[f"rule={t}"] = 1.0
    for s in c.sources:
        f[f"src={s}"] = 1.0
    ent = kb.lookup(c.name)
    f[f"kb={ent.type if ent else 'none'}"] = 1.0
    if ent is not None and ent.alt_type:
        f[f"kbalt={ent.alt_type}"] = 1.0
    f.update(gazetteer.features(c.key))
    spans = sorted(set(c.spans))
    f["logcount"] = math.log1p(len(spans))
    words = [w for w in c.name.replace("'", " ").split() if w]
    f[f"ntok={min(len(words), 5)}"] = 1.0
    f["acronym"] = float(is_acronym(c.name))
    f["digit"] = float(any(ch.isdigit() for ch in c.name))
    if words and words[0] in lx.first_names():
        f["first_name_start"] = 1.0
    folded = [fold(w) for w in words]
    for w in folded:
        f[f"w={w}"] = 1.0
    if folded:
        f[f"w0={folded[0]}"] = 1.0
        f[f"wl={folded[-1]}"] = 1.0
    n_chars = max(len(text), 1)
    first = doc[spans[0][0]].idx
    f["first_pos"] = first / n_chars
    f["in_head"] = float(first < 300)
    short = lower = 0
    for start, end in spans:
        span = doc[start:end]
        a = text.rfind("\n", 0, span.start_char) + 1
        b = text.find("\n", span.end_char)
        line = text[a : b if b != -1 else len(text)].strip()
        short += len(line) < _SHORT_LINE
        lower += not any(ch.isupper() for ch in span.text[:1])
        labels = {ner_at.get(i) for i in range(start, end)} - {None}
        for lab in labels or {"none"}:
            f[f"ner={lab}"] = 1.0
        if start > 0:
            p1 = fold(doc[start - 1].text)
            f[f"l1={p1}"] = 1.0
            if start > 1:
                f[f"l2={fold(doc[start - 2].text)} {p1}"] = 1.0
        else:
            f["l1=<s>"] = 1.0
        f[f"r1={fold(doc[end].text) if end < len(doc) else '</s>'}"] = 1.0
        for t in list(doc[max(0, start - _WINDOW) : start]) + list(doc[end : end + _WINDOW]):
            if t.is_alpha and not t.is_stop and len(t.text) > 2:
                f[f"ctx={fold(t.text)}"] = 1.0
        if any(taken[i] for i in range(start, end)) and "gaz_only" in c.sources:
            f["gaz_overlaps_rule"] = 1.0
    f["short_line"] = short / len(spans)
    f["lower_start"] = lower / len(spans)
    # conjunctions a linear model cannot build: what the rules said given what spaCy and the lists said
    rules = [k[5:] for k in f if k.startswith("rule=")]
    ners = [k[4:] for k in f if k.startswith("ner=")]
    gaz = max((k for k in f if k.startswith("gaz=")), key=lambda k: f[k])[4:]
    for r in rules:
        f[f"gaz={gaz}|rule={r}"] = 1.0
        for lab in ners:
            f[f"rule={r}|ner={lab}"] = 1.0
        for src in c.sources:
            f[f"rule={r}|src={src}"] = 1.0
    return f


def vector_features(doc: "Doc", spans: list[tuple[int, int]]) -> dict[str, float]:
    """The name's and its contexts' mean word vectors (unit length), so a name no list or training text knows
    is typed by what it resembles ("Swisscom" near the operators, a newspaper near "quotidien", "journaliste").
    Empty when the pipeline has no vectors."""
    if not doc.vocab.vectors.shape[0]:
        return {}
    inside = {i for start, end in spans for i in range(start, end)}
    first = doc[spans[0][0] : spans[0][1]]
    name_vecs = [t.vector for t in first if t.has_vector]
    ctx_vecs = [t.vector for start, end in spans
                for t in list(doc[max(0, start - _WINDOW) : start]) + list(doc[end : end + _WINDOW])
                if t.i not in inside and t.is_alpha and not t.is_stop and t.has_vector]
    out: dict[str, float] = {}
    for prefix, vecs in (("vn", name_vecs), ("vc", ctx_vecs)):
        if not vecs:
            out[f"{prefix}_none"] = 1.0
            continue
        mean = np.mean(vecs, axis=0)
        norm = float(np.linalg.norm(mean))
        if norm > 0:
            out.update({f"{prefix}{k}": float(v) for k, v in enumerate(mean / norm)})
    return out


# ---------------------------------------------------------------------------------------------------------
# model
# ---------------------------------------------------------------------------------------------------------
class EntityTyperModel(BaseEstimator):
    """Multinomial logistic regression over candidate features (types + NONE), a scikit-learn estimator:
    parameters as given, learnt state with a trailing underscore (`classes_`, `vocabulary_`, `coef_`, `intercept_`,
    `gazetteer_`, `features_version_` and `meta_`: where the training data came from), `fit` validates. `keep_threshold`: a name is kept
    when its most likely type is at least this probable (chosen by cross-validation in the training script)."""

    def __init__(self, C: float = 1.0, min_count: int = 2, keep_threshold: float = 0.5):
        self.C = C
        self.min_count = min_count
        self.keep_threshold = keep_threshold

    def fit(self, features: list[dict[str, float]], labels: list[str], gazetteer: Gazetteer | None = None
            ) -> "EntityTyperModel":
        from sklearn.linear_model import LogisticRegression

        if len(features) != len(labels) or not features:
            raise ValueError(f"{len(features)} feature rows for {len(labels)} labels")
        unknown = set(labels) - set(ENTITY_TYPES) - {NONE}
        if unknown:
            raise ValueError(f"unknown labels {sorted(unknown)} (known: {', '.join(ENTITY_TYPES)}, {NONE})")
        if not 0 < self.keep_threshold < 1:
            raise ValueError(f"keep_threshold {self.keep_threshold} must be between 0 and 1")
        counts: dict[str, int] = defaultdict(int)
        for row in features:
            for k in row:
                counts[k] += 1
        self.vocabulary_ = {k: i for i, k in enumerate(sorted(k for k, n in counts.items() if n >= self.min_count))}
        x = self._matrix(features)
        clf = LogisticRegression(C=self.C, max_iter=3000)
        clf.fit(x, labels)
        self.classes_ = [str(c) for c in clf.classes_]
        self.coef_ = clf.coef_ if len(self.classes_) > 2 else np.vstack([-clf.coef_, clf.coef_])
        self.intercept_ = clf.intercept_ if len(self.classes_) > 2 else np.array([-clf.intercept_[0], clf.intercept_[0]])
        self.gazetteer_ = gazetteer or Gazetteer()
        self.features_version_ = FEATURES_VERSION
        self.meta_: dict[str, Any] = {}
        return self

    def _matrix(self, features: list[dict[str, float]]):
        from scipy.sparse import csr_matrix

        rows, cols, vals = [], [], []
        for r, row in enumerate(features):
            for k, v in row.items():
                j = self.vocabulary_.get(k)
                if j is not None and v:
                    rows.append(r), cols.append(j), vals.append(v)
        return csr_matrix((vals, (rows, cols)), shape=(len(features), len(self.vocabulary_)))

    def predict_proba(self, features: list[dict[str, float]]) -> np.ndarray:
        if not hasattr(self, "coef_"):
            raise ValueError("EntityTyperModel is not fitted")
        z = np.zeros((len(features), len(self.classes_)))
        for r, row in enumerate(features):
            for k, v in row.items():
                j = self.vocabulary_.get(k)
                if j is not None:
                    z[r] += v * self.coef_[:, j]
        z += self.intercept_
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def decide(self, features: list[dict[str, float]], threshold: float | None = None) -> list[str]:
        """A type per candidate, or NONE: the most likely type when it is probable enough."""
        if not features:
            return []
        return decide_types(self.predict_proba(features), self.classes_,
                            self.keep_threshold if threshold is None else threshold)

    # ---- storage: plain JSON, coefficients of the features kept only -----------------------------------
    def save(self, path: str | Path) -> None:
        names = sorted(self.vocabulary_, key=self.vocabulary_.get)
        coef = {n: [round(float(v), 3) for v in self.coef_[:, self.vocabulary_[n]]] for n in names
                if np.abs(self.coef_[:, self.vocabulary_[n]]).max() >= 1e-3}
        data = {"features_version": self.features_version_, "C": self.C, "min_count": self.min_count,
                "keep_threshold": self.keep_threshold, "classes": self.classes_, "coef": coef,
                "intercept": [float(v) for v in self.intercept_], "gazetteer": self.gazetteer_.to_dict(),
                "meta": self.meta_}
        raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        Path(path).write_bytes(gzip.compress(raw, mtime=0) if str(path).endswith(".gz") else raw)

    @classmethod
    def load(cls, path: str | Path) -> "EntityTyperModel":
        try:
            raw = Path(path).read_bytes()
            data = json.loads(gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw)
        except (OSError, ValueError, EOFError) as exc:
            raise ConfigError(f"press entity model {path}: cannot read it ({exc})") from exc
        if data.get("features_version") not in READABLE_VERSIONS:
            raise ConfigError(f"{path}: features version {data.get('features_version')}, this textlens reads "
                             f"{', '.join(map(str, READABLE_VERSIONS))}; retrain with scripts/train_press_entities.py")
        names = list(data["coef"])
        model = cls(C=data["C"], min_count=data["min_count"], keep_threshold=data["keep_threshold"])
        model.classes_ = list(data["classes"])
        model.vocabulary_ = {n: i for i, n in enumerate(names)}
        model.coef_ = np.asarray([data["coef"][n] for n in names], dtype=float).T.reshape(len(data["classes"]),
                                                                                        len(names))
        model.intercept_ = np.asarray(data["intercept"])
        model.gazetteer_ = Gazetteer.from_dict(data["gazetteer"])
        model.features_version_ = int(data["features_version"])
        model.meta_ = dict(data.get("meta", {}))
        return model


def decide_types(proba: np.ndarray, classes: list[str], threshold: float) -> list[str]:
    """Per row of class probabilities: the most likely type if it is at least `threshold` probable, else NONE
    (shared by the component and the training script's cross-validation)."""
    types = [j for j, c in enumerate(classes) if c != NONE]
    best = proba[:, types].argmax(axis=1)
    return [classes[types[b]] if proba[r, types[b]] >= threshold else NONE for r, b in enumerate(best)]


# ---------------------------------------------------------------------------------------------------------
# spaCy component
# ---------------------------------------------------------------------------------------------------------
class EntityTyper:
    """Rewrites the resolver's mentions with the model's decision per name: kept with the type it chose (all its
    spans), or dropped."""

    def __init__(self, nlp: "Language", model_path: str):
        self.model = EntityTyperModel.load(model_path)
        self.matcher = GazetteerMatcher(nlp, self.model.gazetteer_.names)

    def __call__(self, doc: "Doc") -> "Doc":
        from spacy.tokens import Span

        cands = doc_candidates(doc, self.model.gazetteer_, self.matcher(doc), self.model.features_version_)
        decisions = self.model.decide([c.features for c in cands])
        resolved = {(sp.start, sp.end): sp for sp in doc.spans.get(SPAN_KEY, [])}
        out: list["Span"] = []
        for c, etype in zip(cands, decisions):
            if etype == NONE:
                continue
            for start, end in sorted(set(c.spans)):
                old = resolved.get((start, end))
                sp = Span(doc, start, end, label=etype)
                sp._.canonical = c.name
                sp._.etype = etype
                sp._.esource = (old._.esource if old is not None else "model") or "model"
                out.append(sp)
        doc.spans[SPAN_KEY] = sorted(out, key=lambda s: (s.start, s.end))
        return doc

    def score(self, examples: Any, **kwargs: Any) -> dict[str, Any]:
        """The kept mentions and their types against the reference Docs' `textlens_entities` spans."""
        return span_scores(examples, SPAN_KEY)


@Language.factory("textlens_entity_typer", default_config={"model_path": ""}, requires=["doc.spans", "doc.ents"],
                  assigns=["doc.spans"])
def make_entity_typer(nlp: "Language", name: str, model_path: str) -> EntityTyper:
    return EntityTyper(nlp, model_path)
