"""The "sentiment" analysis: passage sentiment, document sentiment/tone, aspect polarity, per-theme tone.

Runs after "themes" (it reads the batch's `passage_themes`/`doc_themes` rows from the store):
- verbatims: each passage and the whole review are classified as reviews; each aspect the themes
  analysis found for the review gets a polarity from the clauses that mention it (`doc_aspects`);
- articles/editorials: sentences are classified with the neutral band of press prose, the document
  tone aggregates them, and `doc_sentiment.detail` holds the tone of the sentences carrying each
  editorial theme.
Non-French documents get no rows (the model is French-only); every text of a batch is vectorised in
a few calls, which is what keeps this fast.

Two tiers (option `model`): "fast" (default) is the n-gram model everywhere; "accurate" replaces only
the whole-review rows of verbatims (`doc_sentiment`) with the fine-tuned e5 model ensembled with the
n-gram model (textlens.sentiment.finetuned): 25-35x the CPU per review, so it is opt-in. Passages, clauses,
aspects and articles keep the n-gram model in both tiers.
"""
from __future__ import annotations

import json
from collections import defaultdict
from typing import TYPE_CHECKING, Any, ClassVar

from textlens.analysis.base import AnalysisInput, Analyzer, Rows
from textlens.sentiment.predict import ARTICLE, REVIEW, Prediction, SentimentModel
from textlens.vocab import SENTIMENT_CLASSES, SENTIMENT_LABELS

if TYPE_CHECKING:
    from textlens.sentiment.finetuned import FineTunedSentiment
    from textlens.store import Corpus
    from textlens.themes.lexicon import LexicalMatcher

EVIDENCE_CHARS = 300
FAST, ACCURATE = "fast", "accurate"  # the tiers of option `model`


class SentimentAnalyzer(Analyzer):
    """Sentiment per passage, per document, per aspect (verbatims) and per theme (articles).

    Option `model`: "fast" (default: the committed models/sentiment/sentiment.pkl.gz), "accurate" (the
    fine-tuned tier for whole reviews; fails with the reason when it cannot run here), or the path of
    another n-gram model file.
    """

    name: ClassVar[str] = "sentiment"
    version: ClassVar[str] = "2"  # 2: hashed-feature model, memoised clause scores
    tables: ClassVar[tuple[str, ...]] = ("passage_sentiment", "doc_sentiment", "doc_aspects")
    requires: ClassVar[tuple[str, ...]] = ("themes",)
    side_tables: ClassVar[tuple[str, ...]] = ("embeddings",)  # article stances embed passages through the cache

    def __init__(self, model: str | None = None):
        self.tier = ACCURATE if model == ACCURATE else FAST
        self.model_path = None if model in (None, FAST, ACCURATE) else model
        self.model: SentimentModel | None = None
        self.finetuned: FineTunedSentiment | None = None
        self._matchers: dict[str, LexicalMatcher | None] = {}
        if self.tier == ACCURATE:  # asked for explicitly: never fall back to the fast tier silently
            from textlens.sentiment.finetuned import unavailable_reason
            from textlens.sentiment.predict import ModelError

            reason = unavailable_reason()
            if reason:
                raise ModelError(f"sentiment model {ACCURATE!r} unavailable: {reason}")

    @classmethod
    def unavailable_reason(cls) -> str | None:
        """A missing model file makes the run skip sentiment with this reason instead of failing."""
        import os

        from textlens.sentiment.predict import MODEL_ENV, default_model_path

        path = os.environ.get(MODEL_ENV) or default_model_path()
        if not os.path.isfile(path):
            return f"no sentiment model at {path}: train it with scripts/train_sentiment.py or set {MODEL_ENV}"
        return None

    def config_fingerprint(self) -> str:
        import hashlib
        import os

        from textlens.sentiment.predict import MODEL_ENV, default_model_path

        path = self.model_path or os.environ.get(MODEL_ENV) or default_model_path()
        try:
            with open(path, "rb") as fh:
                ngram = hashlib.sha1(fh.read()).hexdigest()[:16]
        except OSError:
            ngram = "missing"
        from textlens.sentiment.stance_files import model_path as stance_path

        stance = stance_path()
        if stance is not None:  # the articles' stance model is part of the configuration
            ngram += "+stance:" + hashlib.sha1(stance.read_bytes()).hexdigest()[:12]
        from textlens.themes.aspect_files import polarity_fingerprint

        ngram += polarity_fingerprint()  # the learned aspect polarity model in force, if any
        if self.tier == FAST:
            return ngram
        from textlens.sentiment.finetuned import model_id

        return f"{ngram}+{ACCURATE}:{model_id()}"

    def setup(self) -> None:
        if self.model is None:
            self.model = SentimentModel.load(self.model_path)
        if self.tier == ACCURATE and self.finetuned is None:
            from textlens.sentiment.finetuned import load_finetuned

            self.finetuned = load_finetuned()

    def matcher(self, taxonomy: str) -> "LexicalMatcher | None":
        """The term matcher of a built-in taxonomy, to locate aspect mentions inside passages."""
        if taxonomy not in self._matchers:
            try:
                from textlens.themes.lexicon import LexicalMatcher
                from textlens.themes.taxonomy import load_taxonomy

                self._matchers[taxonomy] = LexicalMatcher(load_taxonomy(taxonomy))
            except Exception:  # a user taxonomy not loadable by name: judge aspects on whole passages
                self._matchers[taxonomy] = None
        return self._matchers[taxonomy]

    def analyze(self, batch: list[AnalysisInput], store: "Corpus | None") -> Rows:
        self.setup()
        model = self.model
        assert model is not None
        docs = [d for d in batch if d.is_french and d.text.strip()]
        passage_rows: list[dict[str, Any]] = []
        doc_rows: list[dict[str, Any]] = []
        aspect_rows: list[dict[str, Any]] = []
        if not docs:
            return {"passage_sentiment": [], "doc_sentiment": [], "doc_aspects": []}
        themes = _passage_themes(store, [p.id for d in docs for p in d.passages if p.id is not None])
        doc_aspect_ids = _doc_aspects(store, [d.doc_id for d in docs if d.kind == "verbatim"])

        reviews = [d for d in docs if d.kind == "verbatim"]
        articles = [d for d in docs if d.kind != "verbatim"]
        # One prediction call per domain: whole reviews, review passages, article sentences.
        review_texts = [d.text for d in reviews]
        review_passages = [p.text for d in reviews for p in d.passages]
        review_preds = model.predict(review_texts + review_passages, REVIEW)
        doc_preds = dict(zip([d.doc_id for d in reviews], review_preds[: len(reviews)]))
        passage_preds = review_preds[len(reviews):]
        review_rows = doc_preds  # the whole-review rows: the n-gram model's, or the accurate tier's
        if self.finetuned is not None and reviews:
            review_rows = dict(zip([d.doc_id for d in reviews], self.finetuned.predict_reviews(review_texts, model)))
        article_preds = model.predict([p.text for d in articles for p in d.passages], ARTICLE)

        at = 0
        for d in reviews:
            preds = passage_preds[at : at + len(d.passages)]
            at += len(d.passages)
            passage_rows += _passage_rows(d, preds)
            pred = review_rows[d.doc_id]
            detail = {"proba": _proba(pred), **({"model": ACCURATE} if self.finetuned is not None else {})}
            doc_rows.append(_doc_row(d.doc_id, pred, detail))
        stances = _stances(articles, store)
        at = 0
        for d in articles:
            preds = article_preds[at : at + len(d.passages)]
            at += len(d.passages)
            passage_rows += _passage_rows(d, preds)
            tone = stances.get(d.doc_id) or model.tone(preds)
            by_theme: dict[str, list[Prediction]] = defaultdict(list)
            for p, pred in zip(d.passages, preds):
                for theme_id, _taxonomy in themes.get(p.id, []):
                    by_theme[theme_id].append(pred)
            detail = {
                "sentences": _counts(preds),
                "themes": {t: {**model.tone(ps).to_dict(), "sentences": len(ps)} for t, ps in sorted(by_theme.items())},
            }
            doc_rows.append(_doc_row(d.doc_id, tone, detail))
        aspect_rows = self._aspects(reviews, themes, doc_aspect_ids, doc_preds)
        return {"passage_sentiment": passage_rows, "doc_sentiment": doc_rows, "doc_aspects": aspect_rows}

    def _mentions(self, text: str, aspect: str, taxonomy: str, offset: int,
                  found: dict[tuple[str, str], dict[str, list[Any]]]) -> list[tuple[int, int]]:
        """Where the taxonomy's terms for `aspect` occur in `text` (shifted by `offset`); `found` keeps
        each text's matches for the batch, so a passage with several aspects is matched once."""
        key = (taxonomy, text)
        if key not in found:
            matcher = self.matcher(taxonomy)
            found[key] = matcher.find(text) if matcher is not None else {}
        return [(offset + h.start, offset + h.end) for h in found[key].get(aspect, [])]

    def _aspects(self, reviews: list[AnalysisInput], themes: dict[int, list[tuple[str, str]]],
                 doc_aspect_ids: dict[str, dict[str, str]], doc_preds: dict[str, Prediction]) -> list[dict[str, Any]]:
        """doc_aspects rows: each aspect of each review with the polarity of the clauses that mention it."""
        from textlens.sentiment.aspect_polarity import polarity_model_in_force
        from textlens.sentiment.aspects import score_aspects

        jobs: list[tuple[str, str, dict[str, list[tuple[int, int]]], float]] = []
        found: dict[tuple[str, str], dict[str, list[Any]]] = {}
        for d in reviews:
            aspects = doc_aspect_ids.get(d.doc_id, {})
            spans: dict[str, list[tuple[int, int]]] = {a: [] for a in aspects}
            for p in d.passages:
                for aspect, taxonomy in themes.get(p.id, []):
                    if aspect in aspects:
                        spans[aspect] += self._mentions(p.text, aspect, taxonomy, p.start, found) or [(p.start, p.end)]
            for aspect, taxonomy in aspects.items():
                if not spans[aspect]:  # kept at document level without a passage of its own
                    spans[aspect] = self._mentions(d.text, aspect, taxonomy, 0, found)
            if spans:
                jobs.append((d.doc_id, d.text, spans, doc_preds[d.doc_id].score))
        results = score_aspects(self.model, [(text, spans, score) for _, text, spans, score in jobs],  # type: ignore[arg-type]
                                polarity=polarity_model_in_force())
        rows = []
        for (doc_id, *_), res in zip(jobs, results):
            for aspect, ap in sorted(res.items()):
                evidence = " | ".join(ap.evidence)
                rows.append({"doc_id": doc_id, "aspect_id": aspect, "polarity": ap.polarity,
                             "score": round(ap.score, 4), "evidence": evidence[:EVIDENCE_CHARS]})
        return rows


def _stances(articles: list[AnalysisInput], store: "Corpus | None") -> dict[str, Prediction]:
    """The learned stance of each article with passages (`sentiment.stance`), none when no model is in force.
    Passage embeddings come from the store's cache, where the theme analysis left them."""
    from textlens.sentiment.stance import load_stance, mean_embedding, model_path

    path = model_path()
    docs = [d for d in articles if d.passages]
    if path is None or not docs:
        return {}
    import numpy as np

    from textlens.embeddings import encode_cached, get_encoder

    stance = load_stance(str(path))
    encoder = get_encoder(stance.meta_.get("encoder"))
    texts = [p.text for d in docs for p in d.passages]
    vectors = (encode_cached(store, texts, encoder=encoder, prompt="query") if store is not None
               else encoder.encode(texts, prompt="query"))
    x, at = [], 0
    for d in docs:
        x.append(mean_embedding(vectors[at : at + len(d.passages)]))
        at += len(d.passages)
    out = {}
    for d, row in zip(docs, stance.predict_proba(np.stack(x))):
        proba = dict(zip(stance.classes_, map(float, row)))
        neg, pos = proba.get("negative", 0.0), proba.get("positive", 0.0)
        label = stance.classes_[int(row.argmax())]
        out[d.doc_id] = Prediction(label, pos - neg, (neg, 1.0 - neg - pos, pos))
    return out


def _passage_rows(d: AnalysisInput, preds: list[Prediction]) -> list[dict[str, Any]]:
    return [{"passage_id": p.id, "doc_id": d.doc_id, "label": pr.label, "score": round(pr.score, 4)}
            for p, pr in zip(d.passages, preds) if p.id is not None]


def _doc_row(doc_id: str, pred: Prediction, detail: dict[str, Any]) -> dict[str, Any]:
    return {"doc_id": doc_id, "label": pred.label, "score": round(pred.score, 4),
            "detail": json.dumps(detail, ensure_ascii=False)}


def _proba(pred: Prediction) -> dict[str, float]:
    return dict(zip(SENTIMENT_CLASSES, (round(x, 4) for x in pred.proba)))


def _counts(preds: list[Prediction]) -> dict[str, int]:
    out = {k: 0 for k in SENTIMENT_LABELS}
    for p in preds:
        out[p.label] += 1
    return out


def _passage_themes(store: "Corpus | None", passage_ids: list[int]) -> dict[int, list[tuple[str, str]]]:
    """{passage_id: [(theme_id, taxonomy)]} for the batch's passages, as written by the themes analysis."""
    from textlens.store.analyses import passage_theme_ids

    out: dict[int, list[tuple[str, str]]] = defaultdict(list)
    if store is None:
        return out
    for pid, theme, taxonomy in passage_theme_ids(store, passage_ids):
        out[pid].append((theme, taxonomy))
    return out


def _doc_aspects(store: "Corpus | None", doc_ids: list[str]) -> dict[str, dict[str, str]]:
    """{doc_id: {aspect id: taxonomy}} the themes analysis kept at document level (verbatims)."""
    from textlens.store.analyses import doc_theme_ids

    out: dict[str, dict[str, str]] = defaultdict(dict)
    if store is None:
        return out
    for doc_id, theme, taxonomy in doc_theme_ids(store, doc_ids):
        out[doc_id][theme] = taxonomy
    return out
