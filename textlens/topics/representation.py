"""Topic representations: how a fitted topic is described (ranked terms and a short label), swappable as in
BERTopic (`TopicModel(representation=...)`).

- `CTfidfRepresentation`: single lemmas ranked by class-based TF-IDF (the representation textlens had first;
  kept for comparison and for callers that want words).
- `KeyphraseRepresentation` (default): 1-3-word noun phrases found with spaCy's part-of-speech tags on the
  French lemmas ("délai de remboursement", "centre d'appels", "intelligence artificielle"), scored by c-TF-IDF
  over the topics, then reranked by maximal marginal relevance (MMR, as KeyBERT) against the topic's centroid
  embedding when an encoder is given, so the list is both typical of the topic and not ten variants of one
  phrase. Single words told nothing ("question · inquiétude · paysage"); a noun phrase names a subject.

Stop lists live in data files (`textlens/data/topic_labels/`, `first_names.txt`, the entity KB), not here: a
phrase whose nouns are all calendar words, first names or empty nouns ("fois", "question") is never a
candidate; a brand name (insurers, vendors: KB types in `BRAND_TYPES`) is down-weighted unless it is in at
least `brand_subject_share` of the topic's units, i.e. unless the topic is about that brand.
"""
from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator

from textlens.analysis.segment import fold
from textlens.resources import data_path
from textlens.vocab import BRAND_TYPES  # entity types whose names are brands (reviews are about them)

log = logging.getLogger(__name__)

DATA = data_path()
LABEL_SEPARATOR = " · "
# Part-of-speech codes of a candidate phrase: N noun, A adjective, P proper noun, d linking preposition.
_PHRASE = re.compile(r"^(?:[NP]|[NP][NA]|AN|[NP]NA|[NP]AA|AN[A]|[NP]d[NP]|[NP]d[NP]A|[NP]Ad[NP])$")
_PHRASE_OR_ADJECTIVE = re.compile(r"^(?:A|" + _PHRASE.pattern[4:])
_LINKS = frozenset({"de", "d'", "du", "des", "à", "au", "aux", "en"})
THEME_CHOICES = ("share", "lift")  # how a topic's theme is chosen (`dominant_themes`)
_MAX_TOKENS = 5


@dataclass
class RepresentationInput:
    """What a representation may use, computed once by `TopicModel.fit` (indices are the model's topics).

    `unigram_terms`: per topic the c-TF-IDF lemmas the model ranked (display form, weight), best first;
    `encode` (texts -> vectors of the encoder the
    units were embedded with) and `to_space` (vectors -> the model's centred unit space) are None when no
    encoder is at hand; then MMR compares phrases by their words only."""

    texts: Sequence[str]
    labels: np.ndarray
    n_topics: int
    unigram_terms: list[list[tuple[str, float]]]
    documents: Sequence[Any] | None = None
    centroids: np.ndarray | None = None
    encode: Callable[[list[str]], np.ndarray] | None = None
    to_space: Callable[[np.ndarray], np.ndarray] | None = None
    stop_words: Sequence[str] = ()
    random_state: int = 0
    unit_themes: Sequence[Sequence[str]] | None = None  # per unit, labels of the themes our analysis gave it


class Representation(BaseEstimator):
    """Base of topic representations. `fit(RepresentationInput)` sets, per topic of the model:
    `terms_` (ranked (term, weight) pairs: words or phrases as a reader sees them) and `labels_` (short label).
    `coherence_words(t)`: the words NPMI coherence is measured on, accent-free lemmas whatever the
    representation, so that words and phrases are judged on the same reference."""

    name = "base"

    def fit(self, data: RepresentationInput) -> "Representation":  # pragma: no cover - abstract
        raise NotImplementedError

    def coherence_words(self, topic: int, n: int = 10) -> list[str]:
        """The first `n` distinct content words of the topic's ranked terms, accent-free, lower-case."""
        return coherence_words([t for t, _ in self.terms_[topic]], n)


class CTfidfRepresentation(Representation):
    """The model's c-TF-IDF lemmas as they are; label = the first `label_terms` of them."""

    name = "ctfidf"

    def __init__(self, label_terms: int = 3):
        self.label_terms = label_terms

    def fit(self, data: RepresentationInput) -> "CTfidfRepresentation":
        if self.label_terms < 1:
            raise ValueError(f"label_terms must be at least 1, got {self.label_terms}")
        self.terms_ = [list(ts) for ts in data.unigram_terms]
        self.labels_ = [LABEL_SEPARATOR.join(t for t, _ in ts[: self.label_terms]) or f"topic {i}"
                        for i, ts in enumerate(self.terms_)]
        return self


# ---- stop lists (data files) -----------------------------------------------------------------------------
def _word_file(path: Path) -> frozenset[str]:
    """Accent-free, lower-case words of a list file (several a line, '#' comments)."""
    words: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            words.update(fold(w) for w in line.split())
    return frozenset(words)


@lru_cache(maxsize=1)
def empty_nouns() -> frozenset[str]:
    """Nouns that never name a subject alone ("fois", "question") and calendar words ("janvier")."""
    return _word_file(DATA / "topic_labels" / "label_stop_words.txt") | \
        _word_file(DATA / "topic_labels" / "time_words.txt")


@lru_cache(maxsize=1)
def review_label_stop_words() -> frozenset[str]:
    """Words of reviews that judge without naming what is judged ("satisfait", "nul", "étoile") and the reviews'
    own field ("assureur"): never a review label part alone (`KeyphraseRepresentation.adjectives`)."""
    return _word_file(DATA / "topic_labels" / "review_label_stop_words.txt")


@lru_cache(maxsize=1)
def field_nouns() -> frozenset[str]:
    """Field nouns on every page ("client", "centre"): never a label alone, fine inside a phrase."""
    return _word_file(DATA / "topic_labels" / "field_nouns.txt")


@lru_cache(maxsize=1)
def first_name_keys() -> frozenset[str]:
    """Given names: the entity recogniser's list plus the ones only topic labels need."""
    return _word_file(DATA / "first_names.txt") | _word_file(DATA / "topic_labels" / "first_names_extra.txt")


@lru_cache(maxsize=1)
def brand_keys() -> frozenset[str]:
    """Folded names, aliases and acronyms of the KB's brands (insurers, banks, vendors...)."""
    from textlens.entities.kb import load_kb

    from textlens.entities.kb import name_key

    out: set[str] = set()
    for ent in load_kb().entities.values():
        if ent.type in BRAND_TYPES:
            out.update(name_key(n) for n in ent.names)  # folded, no leading article ("l'olivier" -> "olivier")
    return frozenset(out)


@lru_cache(maxsize=4)
def generic_words(group: str | None = None) -> frozenset[str]:
    """Lemmas spread evenly over the topics of a fit ("début", "secteur"; `learn_generic_words`): every subject
    uses them, so a label made only of them says nothing. Learned by `scripts/topic_labels.py --learn-generic` on
    the development fits only (demo, reviews 0-3,999, the press archive), one section per corpus and group; `group`
    ("press", "verbatim") reads the sections of that group only (press and reviews do not share their generic
    words), None all of them."""
    words: set[str] = set()
    section = None
    for line in (DATA / "topic_labels" / "generic_words.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith("# from "):
            section = line[len("# from "):].split(":")[0].rsplit("/", 1)[-1].strip()
        elif line and not line.startswith("#") and (group is None or section == group):
            words.update(fold(w) for w in line.split())
    return frozenset(words)


def learn_generic_words(tokens: Sequence[Sequence[str]], labels: Sequence[int], min_spread: float = 0.9,
                        min_units: int = 10) -> list[str]:
    """Lemmas (accent-free) spread evenly over the topics: the effective number of topics using the word (the
    exponential of the entropy of its per-topic unit rates) is at least `min_spread` of all topics, and it is used by
    at least `min_units` units (outliers left out). A subject's word is concentrated in a few topics ("chatbot");
    one every topic uses as much ("début", "secteur") names none of them; `generic_words` reads the list
    learned this way on development fits."""
    labels = np.asarray(labels)
    topics = sorted(set(labels.tolist()) - {-1})
    if not topics:
        return []
    rates: dict[str, np.ndarray] = {}
    units: Counter[str] = Counter()
    for pos, t in enumerate(topics):
        members = np.flatnonzero(labels == t)
        used: Counter[str] = Counter()
        for i in members:
            used.update({fold(w) for w in tokens[i]})
        for w, n in used.items():
            rates.setdefault(w, np.zeros(len(topics)))[pos] = n / members.size
        units.update(used)
    out = []
    for w, r in rates.items():
        p = r[r > 0] / r.sum()
        if units[w] >= min_units and np.exp(-(p * np.log(p)).sum()) >= min_spread * len(topics):
            out.append(w)
    return sorted(out)


def _word_label(words: list[tuple[str, float]], n: int = 3, group: str | None = None) -> str:
    """A label of single words for a topic without any phrase: the first `n` that are not calendar words, empty
    nouns, first names or generic words."""
    void = empty_nouns() | first_name_keys() | generic_words(group)
    return LABEL_SEPARATOR.join([w for w, _ in words if fold(w) not in void][:n])


def _brand_key(phrase_key: str) -> str:
    """A phrase key compared with `brand_keys` (the KB's `name_key` form)."""
    from textlens.entities.kb import name_key

    return name_key(phrase_key)


# ---- candidate phrases -----------------------------------------------------------------------------------
@dataclass
class _Phrases:
    """Candidate phrases of the units: keys per unit, how each key is written, its content lemmas."""

    per_unit: list[list[str]]
    forms: dict[str, Counter]
    lemmas: dict[str, tuple[str, ...]]
    nouns: dict[str, tuple[str, ...]] = None  # type: ignore[assignment]  # content lemmas tagged noun/proper noun

    def display(self, key: str) -> str:
        forms = self.forms.get(key)
        return max(forms.items(), key=lambda kv: (kv[1], kv[0]))[0] if forms else key


def _acronym(text: str) -> bool:
    """CNIL, MAIF, SAV: short and all capitals (a longer word in capitals is a reviewer shouting)."""
    return text.isupper() and 2 <= len(text) <= 5


def _code(token: Any, opens: bool) -> str | None:
    """One-letter tag of a token inside a candidate phrase, None when it breaks a phrase.

    A capitalised word opening a sentence is not taken as a proper noun: the tagger calls "Simple" or
    "Satisfait" in "Simple et rapide." PROPN, and reviews open many sentences that way."""
    pos = token.pos_
    if pos == "NOUN":
        return "N"
    if pos == "PROPN":
        return None if opens and not _acronym(token.text) else "P"
    if pos == "ADJ":
        return "A"
    if pos in ("ADP", "DET") and token.lower_ in _LINKS:
        return "d"
    return None


def extract_phrases(texts: Sequence[str], stop_words: Sequence[str] = (), adjectives: bool = False) -> _Phrases:
    """Noun phrases of 1-3 content words in each text, keyed by their accent-free lemmas ("delai de
    remboursement"), with the written forms counted for display; with `adjectives`, lone adjectives too
    ("rapide", "cher": reviews say what they judge with them).

    A phrase is kept when it matches a noun-phrase pattern of `_PHRASE`, none of its words is a function
    word, a field word ("client", "service") is not alone, not all of its nouns are empty/calendar nouns or
    first names ("fois", "janvier", "Emeline"), and no noun after the first is one ("service merci")."""
    from textlens.ingest.pii import without_placeholders
    from textlens.topics.terms import spacy_lemmatizer, stop_words as base_stop_words

    texts = without_placeholders(texts)  # "[PRÉNOM]" of a masked name is no phrase ("agréable · prénom")
    nlp = spacy_lemmatizer()
    pattern = _PHRASE_OR_ADJECTIVE if adjectives else _PHRASE
    field_words = field_nouns()
    function_words = base_stop_words() - field_words
    extra = frozenset(fold(w) for w in stop_words)
    empty, names = empty_nouns(), first_name_keys()
    per_unit: list[list[str]] = []
    forms: dict[str, Counter] = {}
    lemmas: dict[str, tuple[str, ...]] = {}
    nouns: dict[str, tuple[str, ...]] = {}
    decided: dict[tuple, tuple[str, tuple[str, ...], tuple[str, ...]] | None] = {}
    for doc in nlp.pipe(texts, batch_size=128):
        opens = [t.i == 0 or doc[t.i - 1].is_punct or doc[t.i - 1].is_space for t in doc]
        toks = [(t, _code(t, opens[t.i])) for t in doc]
        keys: list[str] = []
        for i, (tok, code) in enumerate(toks):
            if code not in ("N", "P", "A"):
                continue
            tags, span = "", []
            for j in range(i, min(i + _MAX_TOKENS, len(toks))):
                tj, cj = toks[j]
                if cj is None:
                    break
                tags += cj
                span.append(tj)
                if tags[-1] == "d" or not pattern.match(tags):
                    continue
                sig = tuple((t.lower_, t.lemma_.lower(), c) for t, c in zip(span, tags))
                if sig not in decided:
                    decided[sig] = _phrase_key(sig, function_words, field_words, extra, empty, names)
                got = decided[sig]
                if got is None:
                    continue
                key, content, heads = got
                keys.append(key)
                lemmas.setdefault(key, content)
                nouns.setdefault(key, heads)
                # as written when capitalised mid-sentence (a name: "Teleperformance") or an acronym
                written = " ".join(t.text if _acronym(t.text) or (t.text[:1].isupper() and not t.text.isupper()
                                                                  and not opens[t.i]) else t.lower_
                                   for t in span).replace("' ", "'")
                forms.setdefault(key, Counter())[written] += 1
        per_unit.append(keys)
    return _Phrases(per_unit, forms, lemmas, nouns)


def _phrase_key(sig: tuple, function_words: frozenset[str], field_words: frozenset[str], extra: frozenset[str],
                empty: frozenset[str], names: frozenset[str]
                ) -> tuple[str, tuple[str, ...], tuple[str, ...]] | None:
    """(key, content lemmas, noun lemmas) of a candidate, None when it is not a usable phrase (`extract_phrases`)."""
    parts, content, nouns = [], [], []
    for surface, lemma, code in sig:
        if code == "d":
            parts.append("de" if surface in ("de", "d'", "du", "des") else fold(lemma))
            continue
        key, written = fold(lemma), fold(surface)
        if len(key) < 2 or key in extra or written in extra or not key.replace("-", "").isalpha() \
                or not surface.replace("-", "").isalpha():
            return None
        if key in function_words or written in function_words:
            return None  # "très", "peu", "tout": never part of a subject
        if (key in field_words or written in field_words) and (len(sig) == 1 or code != "N"):
            return None  # a lone field word ("client") labels every topic; inside a phrase it is fine
        parts.append(key)
        content.append(key)
        if code in ("N", "P"):
            nouns.append(key)
    void = [n in empty or n in names for n in nouns]
    if (nouns and all(void)) or any(void[1:]):  # "fois", "janvier"; "service merci" (a greeting after the subject)
        return None
    return " ".join(parts), tuple(content), tuple(nouns)


# ---- the representation ----------------------------------------------------------------------------------
class KeyphraseRepresentation(Representation):
    """Noun-phrase keyphrases per topic: c-TF-IDF over candidate phrases, reranked by MMR.

    Parameters
    ----------
    top_n_terms: phrases kept per topic (25: topic diversity is measured on the top 25).
    label_phrases: phrases in the label (the best ones that share no word with each other).
    n_candidates: best c-TF-IDF phrases per topic that MMR chooses from.
    diversity: MMR trade-off, 0 = relevance only, 1 = novelty only (KeyBERT's default range 0.2-0.7).
    embedding_weight: share of a phrase's relevance that comes from its cosine to the topic centroid (the rest
        from its c-TF-IDF weight); ignored without an encoder.
    brand_weight: weight factor of a brand name that is not the topic's subject.
    brand_subject_share: a brand is the subject when at least this share of the topic's units name it.
    shared_term_penalty: a phrase loses this share of its relevance for each larger topic that already lists it
        in its top 10 (as the model's word lists: the places go to what sets a topic apart).
    subsume_share: a phrase gives way to a longer candidate holding at least this share of its uses
        in the topic (see `_candidates`).
    max_topics_per_phrase: a phrase is a candidate of at most this many topics (those where it weighs most);
        None: no cap.
    min_topic_share: a phrase is a candidate of a topic only when at least this share of the topic's units (and
        at least 2) use it: a rarer phrase does not speak for the topic.
    adjectives: lone adjectives are candidates too (`extract_phrases`); what reviews are about is often a
        judgement ("rapide", "cher") where press passages name subjects; `topics.corpus` sets it for verbatims.
        In a label a lone adjective stands for the judgement the reviews make.
    label_window: a one-word label head gives way to a phrase of 2-3 words holding it found among the next
        `label_window` ranked phrases ("augmentation" -> "augmentation de tarif"); 0: never.
    generic: whose generic words keep a phrase out of the label (`generic_words(generic)`: "press", "verbatim";
        None: every section of the list).
    max_units: units tagged at most (a seeded sample per topic, in proportion; bounds CPU on large corpora:
        spaCy's tagger reads ~10k words per CPU second).
    min_df: a phrase must occur in at least this many units (1 below 50 units).
    theme_by: which theme labels a topic when several pass `theme_share` and `theme_lift`: "share" (the most
        frequent one; press) or "lift" (the one most over-represented in the topic: reviews of a topic about speed
        also mention prices, which most reviews do, so the aspect that sets the topic apart names it).
    theme_share, theme_lift: when the units carry themes (`RepresentationInput.unit_themes`, from our own theme
        analysis), a topic where at least `theme_share` of the units carry one theme, `theme_lift` times as often
        as the units of all topics do, is labelled by that theme and its best keyphrase ("Prix et tarifs ·
        augmentation de tarif"): a keyphrase alone often names a detail of the topic, the theme says what its
        units share. None: keyphrases only.
    """

    name = "keyphrase"

    def __init__(self, top_n_terms: int = 25, label_phrases: int = 2, n_candidates: int = 40,
                 diversity: float = 0.4, embedding_weight: float = 0.5, brand_weight: float = 0.25,
                 brand_subject_share: float = 0.5, shared_term_penalty: float = 0.5, subsume_share: float = 0.6,
                 max_topics_per_phrase: int | None = 2, min_topic_share: float = 0.05, adjectives: bool = False,
                 max_units: int | None = 6000, min_df: int = 2, label_window: int = 5, generic: str | None = None,
                 theme_share: float | None = 0.5, theme_lift: float = 1.5, theme_by: str = "share"):
        self.top_n_terms = top_n_terms
        self.label_phrases = label_phrases
        self.n_candidates = n_candidates
        self.diversity = diversity
        self.embedding_weight = embedding_weight
        self.brand_weight = brand_weight
        self.brand_subject_share = brand_subject_share
        self.shared_term_penalty = shared_term_penalty
        self.subsume_share = subsume_share
        self.max_topics_per_phrase = max_topics_per_phrase
        self.min_topic_share = min_topic_share
        self.adjectives = adjectives
        self.max_units = max_units
        self.min_df = min_df
        self.label_window = label_window
        self.generic = generic
        self.theme_share = theme_share
        self.theme_lift = theme_lift
        self.theme_by = theme_by

    def _validate(self) -> None:
        if not 0.0 <= self.diversity <= 1.0:
            raise ValueError(f"diversity must be in [0, 1], got {self.diversity}")
        if not 0.0 <= self.shared_term_penalty <= 1.0:
            raise ValueError(f"shared_term_penalty must be in [0, 1], got {self.shared_term_penalty}")
        if not 0.0 <= self.embedding_weight <= 1.0:
            raise ValueError(f"embedding_weight must be in [0, 1], got {self.embedding_weight}")
        if self.label_phrases < 1 or self.top_n_terms < 1 or self.n_candidates < 1:
            raise ValueError("label_phrases, top_n_terms and n_candidates must be at least 1")
        if self.theme_share is not None and not 0.0 < self.theme_share <= 1.0:
            raise ValueError(f"theme_share must be in (0, 1] or None, got {self.theme_share}")
        if self.theme_lift < 1.0:
            raise ValueError(f"theme_lift must be at least 1, got {self.theme_lift}")
        if self.theme_by not in THEME_CHOICES:
            raise ValueError(f"theme_by must be one of {THEME_CHOICES}, got {self.theme_by!r}")

    def _sample(self, labels: np.ndarray, seed: int) -> np.ndarray:
        """Indices of the units to tag: every member, or a seeded proportional sample of each topic."""
        members = np.flatnonzero(labels >= 0)
        if not self.max_units or members.size <= self.max_units:
            return members
        rng = np.random.default_rng(seed)
        keep = []
        for t in np.unique(labels[members]):
            idx = np.flatnonzero(labels == t)
            n = max(min(idx.size, 20), int(round(idx.size * self.max_units / members.size)))
            keep.append(np.sort(rng.choice(idx, min(n, idx.size), replace=False)))
        return np.sort(np.concatenate(keep))

    def fit(self, data: RepresentationInput) -> "KeyphraseRepresentation":
        from scipy import sparse
        from sklearn.feature_extraction.text import CountVectorizer

        self._validate()
        k = data.n_topics
        labels = np.asarray(data.labels)
        units = self._sample(labels, data.random_state)
        phrases = extract_phrases([data.texts[i] for i in units], data.stop_words, self.adjectives)
        self.n_units_ = int(units.size)
        sub = labels[units]
        cv = CountVectorizer(analyzer=lambda x: x, min_df=self.min_df if units.size >= 50 else 1)
        try:
            D = cv.fit_transform(phrases.per_unit).tocsr()
            vocab = cv.get_feature_names_out()
        except ValueError:  # no phrase at all: fall back to the lemmas
            log.warning("no noun phrase found in %d units; topics keep their c-TF-IDF words", units.size)
            return self._fallback(data)
        onehot = sparse.csr_matrix((np.ones(units.size), (sub, np.arange(units.size))), shape=(k, units.size))
        counts = np.asarray((onehot @ D).todense(), dtype=np.float64)
        presence = np.asarray((onehot @ (D > 0).astype(np.float64)).todense())
        W = self._ctfidf(counts, k)
        m = self.max_topics_per_phrase
        if m and k > m:  # a phrase describes at most the m topics where it weighs most
            kth = -np.partition(-W, m - 1, axis=0)[m - 1]
            W = np.where(W >= kth[None, :], W, 0.0)
        size = np.maximum(np.bincount(sub, minlength=k), 1)[:, None]
        brands = brand_keys()
        is_brand = np.array([_brand_key(v) in brands for v in vocab.tolist()])
        not_subject = np.zeros_like(W, dtype=bool)
        if is_brand.any():
            not_subject = is_brand[None, :] & (presence / size < self.brand_subject_share)
            W = np.where(not_subject, W * self.brand_weight, W)
        if not self.adjectives:  # press: a brand may still label (down-weighted); reviews: never unless the subject
            not_subject[:] = False
        # a keyphrase must be used by enough of the topic's units to speak for it (and to be evidence of it);
        # a topic with too few such phrases (sentence units of a long, varied topic) takes those of 2+ units
        common = np.where(presence >= np.maximum(2.0, self.min_topic_share * size), W, 0.0)
        some = np.where(presence >= 2.0, W, 0.0)
        names = vocab.tolist()
        cand = []
        for t in range(k):
            found = self._candidates(common[t], counts[t], vocab, names)
            cand.append(found if len(found) >= self.label_phrases else self._candidates(some[t], counts[t], vocab,
                                                                                         names))
        vectors = self._phrase_vectors(data, phrases, names, sorted({j for c in cand for j, _ in c}))
        self.terms_, self.labels_ = [[] for _ in range(k)], ["" for _ in range(k)]
        self.subject_ = [False] * k  # the label is made of phrases that name a subject (see `_label`)
        self._lemmas: list[list[tuple[str, ...]]] = [[] for _ in range(k)]
        self.themes_ = self.topic_themes(labels, data.unit_themes, k)
        uses: Counter[int] = Counter()  # how many larger topics already list a phrase in their top 10
        heads: set[int] = set()  # phrases that already open a label
        keep = 1.0 - self.shared_term_penalty
        for t in sorted(range(k), key=lambda t: (-int(size[t, 0]), t)):
            penalty = np.array([keep ** uses[j] for j, _ in cand[t]])
            ranked = self._mmr(t, cand[t], penalty, vectors, data.centroids, phrases, names)
            uses.update(j for j, _ in ranked[:10])
            self.terms_[t] = [(phrases.display(names[j]), round(float(s), 6)) for j, s in ranked]
            self._lemmas[t] = [phrases.lemmas[names[j]] for j, _ in ranked]
            theme = self.themes_[t]
            parts, head = self._label(ranked, phrases, names, heads, 1 if theme else self.label_phrases,
                                      _label_words(theme) if theme else frozenset(),
                                      set(np.flatnonzero(not_subject[t]).tolist()))
            heads.add(head)
            label = LABEL_SEPARATOR.join(([theme] if theme else []) + parts)
            self.labels_[t] = label or _word_label(data.unigram_terms[t], group=self.generic) or f"topic {t}"
            self.subject_[t] = bool(label)
        return self

    def topic_themes(self, labels: np.ndarray, unit_themes: Sequence[Sequence[str]] | None, k: int
                     ) -> list[str | None]:
        """The theme that would label each of `k` topics (`dominant_themes` with this representation's settings);
        `TopicModel.merge_themeless` merges the topics it leaves without one."""
        self._validate()
        return dominant_themes(labels, unit_themes, k, self.theme_share, self.theme_lift, self.theme_by)

    def coherence_words(self, topic: int, n: int = 10) -> list[str]:
        """The content lemmas of the ranked phrases ("délais de remboursement" -> "delai", "remboursement")."""
        lemmas = getattr(self, "_lemmas", None)
        if not lemmas:
            return super().coherence_words(topic, n)
        return coherence_words([" ".join(words) for words in lemmas[topic]], n)

    def _fallback(self, data: RepresentationInput) -> "KeyphraseRepresentation":
        words = CTfidfRepresentation().fit(data)
        self.terms_, self.labels_ = words.terms_, words.labels_
        return self

    def _candidates(self, weights: np.ndarray, counts: np.ndarray, vocab: np.ndarray, names: list[str]
                    ) -> list[tuple[int, float]]:
        """The topic's best `n_candidates` phrases by c-TF-IDF, a phrase giving way to a longer one that holds
        most of its occurrences in this topic ("application" -> "application mobile" when at least
        `subsume_share` of its uses are in the longer phrase): the longer phrase says more, and takes the
        shorter one's weight when that is higher."""
        pool = [j for j in np.lexsort((vocab, -weights))[: 3 * self.n_candidates] if weights[j] > 0]
        weight = {j: float(weights[j]) for j in pool}
        padded = {j: f" {names[j]} " for j in pool}
        dropped: set[int] = set()
        for j in pool:
            longer = [q for q in pool
                      if q != j and padded[j] in padded[q] and counts[q] >= self.subsume_share * counts[j]]
            if longer:
                best = max(longer, key=lambda q: (counts[q], -q))
                weight[best] = max(weight[best], weight[j])
                dropped.add(j)
        kept = [j for j in pool if j not in dropped]
        return [(j, weight[j]) for j in sorted(kept, key=lambda j: (-weight[j], names[j]))[: self.n_candidates]]

    @staticmethod
    def _ctfidf(counts: np.ndarray, k: int) -> np.ndarray:
        """Class-based TF-IDF, weighted by the share of topics where the phrase is *not* over-represented
        (as the model's word weights: a phrase frequent in most topics tells none apart)."""
        tf = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1.0)
        df = counts.sum(axis=0)
        avg = counts.sum(axis=1).mean()
        idf = np.where(df > 0, np.log(avg / np.maximum(df, 1e-12) + 1.0), 0.0)
        W = tf * idf
        if k >= 2:
            over = (tf > df / max(df.sum(), 1.0)) & (counts > 0)
            W = W * (1.0 - over.sum(axis=0) / k)
        return W

    @staticmethod
    def _phrase_vectors(data: RepresentationInput, phrases: _Phrases, names: list[str], wanted: list[int]
                        ) -> dict[int, np.ndarray]:
        if data.encode is None or data.to_space is None or data.centroids is None or not wanted:
            return {}
        V = data.to_space(np.asarray(data.encode([phrases.display(names[j]) for j in wanted]), dtype=np.float32))
        return dict(zip(wanted, V))

    def _mmr(self, t: int, scored: list[tuple[int, float]], penalty: np.ndarray, vectors: dict[int, np.ndarray],
             centroids: np.ndarray | None, phrases: _Phrases, names: list[str]) -> list[tuple[int, float]]:
        """Candidates in MMR order with their relevance: each step takes the phrase maximising
        (1 - diversity) x relevance - diversity x (highest similarity to a phrase already taken); similarity is
        the larger of the embedding cosine and the share of content words in common. Relevance is multiplied
        by `penalty` (phrases larger topics already list), so a topic keeps what sets it apart."""
        if not scored:
            return []
        cand = [j for j, _ in scored]
        w = np.array([weight for _, weight in scored])
        rel = w / max(float(w.max()), 1e-12)
        use_vec = bool(vectors) and centroids is not None and all(j in vectors for j in cand)
        if use_vec:
            V = np.stack([vectors[j] for j in cand])
            cos = V @ centroids[t]
            rel = (1 - self.embedding_weight) * rel + self.embedding_weight * np.clip(cos, 0, None) / \
                max(float(cos.max()), 1e-12)
            S = V @ V.T
        else:
            S = np.zeros((len(cand), len(cand)))
        rel = rel * penalty
        words = [set(phrases.lemmas[names[j]]) for j in cand]
        for a in range(len(cand)):
            for b in range(a + 1, len(cand)):
                overlap = len(words[a] & words[b]) / min(len(words[a]), len(words[b]))
                S[a, b] = S[b, a] = max(S[a, b], overlap)
        chosen: list[int] = []
        left = list(range(len(cand)))
        while left and len(chosen) < self.top_n_terms:
            if chosen:
                penalty = S[np.ix_(left, chosen)].max(axis=1)
            else:
                penalty = np.zeros(len(left))
            score = (1 - self.diversity) * rel[left] - self.diversity * penalty
            best = left[int(np.argmax(score))]  # ties: the earlier (higher c-TF-IDF) candidate
            chosen.append(best)
            left.remove(best)
        return [(cand[i], float(rel[i])) for i in chosen]

    def _label(self, ranked: list[tuple[int, float]], phrases: _Phrases, names: list[str], heads: set[int],
               n_parts: int, said: frozenset[str] = frozenset(), blocked: set[int] | None = None
               ) -> tuple[list[str], int | None]:
        """The first `n_parts` ranked phrases that name a subject (`_names_subject`), share no content word with
        one already in the label and say more than `said` (the words of the theme opening the label: "délai de
        remboursement" adds to "Gestion des sinistres et remboursements", "remboursement" does not), the first of
        them not opening another topic's label (two topics never read alike), a one-word head giving way to a
        longer phrase (`label_window`), none in `blocked` (brands the topic is not about); (label parts, head).
        Empty when no phrase names a subject."""
        parts: list[str] = []
        used: set[str] = set()
        head = None
        queue = [j for j, _ in ranked]
        pos = 0
        while pos < len(queue):
            j = queue[pos]
            pos += 1
            content = set(phrases.lemmas[names[j]])
            if content & used or content <= said or (blocked and j in blocked) \
                    or not self._names_subject(names[j], phrases):
                continue
            if not parts:
                longer = self._longer_head(j, [(q, 0.0) for q in queue[pos : pos + self.label_window]
                                               if not (blocked and q in blocked)], phrases, names)
                if longer != j:  # the longer phrase holding the word leads
                    queue.remove(longer)
                    j, content = longer, set(phrases.lemmas[names[longer]])
                if j in heads and len(ranked) > 1:
                    continue
            head = j if head is None else head
            parts.append(phrases.display(names[j]))
            used |= content
            if len(parts) == n_parts:
                break
        return parts, head

    def _names_subject(self, key: str, phrases: _Phrases) -> bool:
        """A label part must hold a noun that is not generic (`generic_words`), a field noun ("client") or an empty
        noun ("fois"); with `adjectives` (reviews), a lone adjective that is none of those names the judgement the
        reviews make ("rapide", "compétitifs"), and no word that judges without naming what is judged nor the
        reviews' own field (`review_label_stop_words`: "satisfait", "nul", "étoile", "assureur") names a subject;
        a phrase of two field nouns does ("service client")."""
        fields, empty = field_nouns(), empty_nouns()
        void = generic_words(self.generic) | fields | empty
        if self.adjectives:
            void = void | review_label_stop_words()
        nouns = (phrases.nouns or {}).get(key, ())
        if any(n not in void for n in nouns):
            return True
        if self.adjectives and len(nouns) >= 2 and all(n in fields and n not in empty for n in nouns):
            return True  # reviews: "service client" is a department reviewers judge, not the field's every word
        content = phrases.lemmas[key]
        return self.adjectives and not nouns and len(content) == 1 and content[0] not in void

    def _longer_head(self, j: int, following: list[tuple[int, float]], phrases: _Phrases, names: list[str]) -> int:
        """A phrase of 2-3 content words among the next ranked ones that holds the one-word head `j` and names a
        subject, else `j`: "augmentation" says less than "augmentation de tarif". (Taking any longer phrase instead
        put a narrower subject first on held-out reviews: "euros · augmentation" -> "bris de glace · euros".)"""
        word = phrases.lemmas[names[j]]
        if len(word) != 1:
            return j
        for q, _ in following:
            content = phrases.lemmas[names[q]]
            if 2 <= len(content) <= 3 and word[0] in content and self._names_subject(names[q], phrases):
                return q
        return j


def _label_words(label: str) -> frozenset[str]:
    """Accent-free words of a theme label, plurals also in the singular ("remboursements" -> "remboursement"), to
    compare with phrase lemmas."""
    words = {fold(w) for w in re.findall(r"\w+", label) if len(w) >= 3}
    return frozenset(words | {w[:-1] for w in words if w[-1] in "sx"})


def dominant_themes(labels: np.ndarray, unit_themes: Sequence[Sequence[str]] | None, k: int,
                    min_share: float | None, min_lift: float, by: str = "share") -> list[str | None]:
    """Per topic, the theme most of its units carry (ties by name) when at least `min_share` of them carry it,
    `min_lift` times as often as the units of all topics do; None otherwise or when no unit carries themes.
    With `by="lift"`, among the themes that pass both, the one with the highest lift (ties: share, then name).

    What a topic's units share in our own analyses is the reader's word for it; the lift keeps a theme that most
    units of the corpus carry (every review judges prices) from labelling every topic. By share, only the first
    theme may label it: a second one, rarer in the corpus, passed a lift of 1.5 at a share under 0.5 on topics
    that were about the first (premium rises labelled by claims handling). By lift, a second theme must pass
    `min_share` too: a topic of "simple, rapide, prix correct" reviews is about speed (63% of its units, 3.5 times
    the corpus rate) more than prices (71%, 1.7 times: most reviews judge prices)."""
    if unit_themes is None or min_share is None or k == 0:
        return [None] * k
    labels = np.asarray(labels)
    members = labels >= 0
    overall: Counter[str] = Counter()
    for i in np.flatnonzero(members):
        overall.update(set(unit_themes[i]))
    n_all = int(members.sum())
    out: list[str | None] = []
    for t in range(k):
        idx = np.flatnonzero(labels == t)
        counts: Counter[str] = Counter()
        for i in idx:
            counts.update(set(unit_themes[i]))
        passing = [(n / idx.size / (overall[x] / max(n_all, 1)), n, x) for x, n in counts.items()
                   if n / idx.size >= min_share and n / idx.size >= min_lift * overall[x] / max(n_all, 1)]
        best = None
        if passing and by == "lift":
            best = min(passing, key=lambda p: (-p[0], -p[1], p[2]))[2]
        elif counts:  # by share: the most frequent theme, if it passes
            theme, _ = min(counts.items(), key=lambda kv: (-kv[1], kv[0]))
            best = theme if any(x == theme for _, _, x in passing) else None
        out.append(best)
    return out


def coherence_words(terms: Sequence[str], n: int = 10, min_chars: int = 3) -> list[str]:
    """The first `n` distinct content words of ranked terms (phrases split, linking words dropped), accent-free
    and lower-case."""
    out: list[str] = []
    for term in terms:
        for word in re.split(r"[\s']+", fold(term).replace("’", "'")):
            if len(word) >= min_chars and word not in _LINKS and word not in out:
                out.append(word)
                if len(out) == n:
                    return out
    return out


REPRESENTATIONS: dict[str, type[Representation]] = {
    "keyphrase": KeyphraseRepresentation,
    "ctfidf": CTfidfRepresentation,
}


def make_representation(spec: "str | Representation", label_terms: int = 3) -> Representation:
    """A fresh (unfitted) representation from a name of `REPRESENTATIONS` or a copy of an instance."""
    from sklearn.base import clone

    if isinstance(spec, Representation):
        return clone(spec)
    if spec == "ctfidf":
        return CTfidfRepresentation(label_terms=label_terms)
    if spec in REPRESENTATIONS:
        return REPRESENTATIONS[spec]()
    raise ValueError(f"representation must be one of {sorted(REPRESENTATIONS)} or a Representation, got {spec!r}")
