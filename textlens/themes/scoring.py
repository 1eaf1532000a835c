"""Theme scores per passage: lexical evidence + sentence-embedding similarity, combined by a calibrated logistic.

e5 cosines are squeezed (0.80-0.95) and differ by theme, so the similarity is not used raw: for each
passage the similarity to each theme (best of its description and examples) is standardised across
the themes of the taxonomy (a z-score: "how much more about this theme than about the others").
The lexical evidence says *whether* a passage is about a theme; the z-score rescues passages that
use none of the listed words and demotes incidental words. Weights live in the taxonomy's
[scoring] table, calibrated on the development data by `scripts/eval_themes.py --calibrate`.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from textlens.themes.lexicon import LexicalMatcher
from textlens.themes.taxonomy import Taxonomy

if TYPE_CHECKING:
    from textlens.embeddings import Encoder
    from textlens.store import Corpus

_WORDS = re.compile(r"\w+")


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


class ThemeScorer:
    """Scores texts against one taxonomy. `encoder=None` gives lexical-only scores (fast tier)."""

    def __init__(self, taxonomy: Taxonomy, encoder: "Encoder | None" = None):
        if encoder is None and taxonomy.scoring.lexical_only is not None:
            taxonomy = replace(taxonomy, scoring=taxonomy.scoring.lexical_only)
        self.taxonomy = taxonomy
        self.matcher = LexicalMatcher(taxonomy)
        self.encoder = encoder
        self._protos: np.ndarray | None = None
        self._owner: np.ndarray | None = None

    # ---- features -------------------------------------------------------------------------
    def lexical_parts(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(n, themes) evidence from strong terms and from weak terms (each distinct term counted once,
        typo matches discounted), kept apart so the weak weight can be calibrated."""
        ids = {t: j for j, t in enumerate(self.taxonomy.ids)}
        weak = {(th.id, t) for th in self.taxonomy.themes for t in th.weak_terms}
        ww = self.taxonomy.scoring.weak_weight or 1.0
        strong_m = np.zeros((len(texts), len(ids)), dtype=np.float32)
        weak_m = np.zeros_like(strong_m)
        for i, text in enumerate(texts):
            for tid, hits in self.matcher.find(text).items():
                best: dict[str, float] = {}
                for h in hits:
                    best[h.term] = max(best.get(h.term, 0.0), h.weight)
                for term, w in best.items():
                    if (tid, term) in weak:
                        weak_m[i, ids[tid]] += w / ww
                    else:
                        strong_m[i, ids[tid]] += w
        return strong_m, weak_m

    def lexical(self, texts: Sequence[str]) -> np.ndarray:
        """(n, themes) lexical evidence from strong and weak terms (see `join_parts`)."""
        return self.join_parts(*self.lexical_parts(texts))

    def join_parts(self, strong: np.ndarray, weak: np.ndarray) -> np.ndarray:
        """strong + weak_weight * weak; without a strong term, weak terms count up to `weak_cap` only:
        several weak words ("payer", "euros", "mois") must not add up to a theme on their own."""
        sc = self.taxonomy.scoring
        ww = sc.weak_weight
        return np.where(strong > 0, strong + ww * weak, ww * np.minimum(weak, sc.weak_cap)).astype(np.float32)

    def prototypes(self) -> tuple[np.ndarray, np.ndarray]:
        """Embeddings of every theme's label+description and examples, with the theme index of each row."""
        if self._protos is None:
            assert self.encoder is not None
            texts, owner = [], []
            for j, th in enumerate(self.taxonomy.themes):
                for t in (f"{th.label}. {th.description}", *th.examples):
                    texts.append(t)
                    owner.append(j)
            self._protos = self.encoder.encode(texts, prompt="query")
            self._owner = np.asarray(owner)
        assert self._owner is not None
        return self._protos, self._owner

    def similarity(self, vectors: np.ndarray) -> np.ndarray:
        """(n, themes) z-score across themes of each passage's best cosine to a theme prototype."""
        protos, owner = self.prototypes()
        cos = vectors.astype(np.float64) @ protos.T.astype(np.float64)  # float32 BLAS sums vary with the row count
        k = len(self.taxonomy)
        best = np.full((len(vectors), k), -1.0, dtype=np.float32)
        for j in range(k):
            best[:, j] = cos[:, owner == j].max(axis=1)
        if k < 3:  # no spread to standardise against: centre on the squeezed e5 range instead
            return (best - 0.85) / 0.03
        mu = best.mean(axis=1, keepdims=True)
        sd = best.std(axis=1, keepdims=True) + 1e-6
        return (best - mu) / sd

    def embed(self, texts: Sequence[str], store: "Corpus | None" = None) -> np.ndarray:
        """All texts in one call; through the store's cache when a store is given and the encoder is a
        model (static word vectors are computed faster than their cached copies are read and written)."""
        assert self.encoder is not None
        from textlens.embeddings.static import StaticEncoder

        if store is not None and not isinstance(self.encoder, StaticEncoder):
            from textlens.embeddings import encode_cached

            return encode_cached(store, list(texts), encoder=self.encoder, prompt="query")
        return self.encoder.encode(list(texts), prompt="query")

    # ---- scores ---------------------------------------------------------------------------
    def combine(self, lex: np.ndarray, sim: np.ndarray | None, n_words: np.ndarray) -> np.ndarray:
        """Passage scores in [0, 1]; passages shorter than `min_words` score 0."""
        sc = self.taxonomy.scoring
        x = sc.lex_weight * np.log1p(lex) + sc.bias
        if sim is not None:
            x = x + sc.emb_weight * sim
        out = sigmoid(x)
        out[n_words < sc.min_words] = 0.0
        return out

    def parts(self, texts: Sequence[str], store: "Corpus | None" = None) -> dict[str, np.ndarray | None]:
        """Per-passage `lex` evidence, prototype `sim`ilarity and `emb`edding (None without an encoder) and the
        combined `score`, computed once: the learned press model reads the same parts as the scores."""
        lex = self.lexical(texts)
        vectors = self.embed(texts, store) if self.encoder is not None and len(texts) else None
        sim = self.similarity(vectors) if vectors is not None else None
        n_words = np.asarray([len(_WORDS.findall(t)) for t in texts])
        return {"lex": lex, "sim": sim, "emb": vectors, "score": self.combine(lex, sim, n_words)}

    def score(self, texts: Sequence[str], store: "Corpus | None" = None) -> np.ndarray:
        """(n, themes) passage scores."""
        return self.parts(texts, store)["score"]


def doc_scores(passage_scores: np.ndarray, support: float = 0.0) -> np.ndarray:
    """A document is about a theme as much as its most on-theme passage (one sentence of substance
    suffices), raised by the next three passages when `support` > 0: a theme developed over several
    sentences beats one incidental mention. Computed on the logit scale, result in [0, 1]."""
    if len(passage_scores) == 0:
        return np.zeros(passage_scores.shape[1:], dtype=np.float32)
    best = passage_scores.max(axis=0)
    if support <= 0 or len(passage_scores) < 2:
        return best
    top = np.sort(passage_scores, axis=0)[::-1][1:4].sum(axis=0)
    b = np.clip(best, 1e-6, 1 - 1e-6)
    return sigmoid(np.log(b / (1 - b)) + support * top).astype(np.float32)
