"""spaCy pipeline component: `nlp.add_pipe("textlens_sentiment")` sets `doc._.sentiment` and `span._.sentiment`.

For users who already run spaCy: each sentence (when the pipeline sets sentence boundaries) and the
whole document get a `Prediction` (label, score, probabilities). With `domain="article"` the document
value is the tone aggregated from its sentences, as in `textlens run`.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator

from spacy.language import Language
from spacy.tokens import Doc, Span

from textlens.sentiment.predict import ARTICLE, REVIEW, SentimentModel

for _cls in (Doc, Span):
    if not _cls.has_extension("sentiment"):
        _cls.set_extension("sentiment", default=None)


class SentimentComponent:
    """Batch-friendly component: `pipe` scores every sentence of a batch of docs in one model call."""

    def __init__(self, nlp: Language, name: str, model: str | None = None, domain: str = REVIEW):
        if domain not in (REVIEW, ARTICLE):
            raise ValueError(f"textlens_sentiment: domain must be {REVIEW!r} or {ARTICLE!r}, not {domain!r}")
        self.name = name
        self.domain = domain
        self.model = SentimentModel.load(model)

    def __call__(self, doc: Doc) -> Doc:
        return next(self.pipe([doc]))

    def pipe(self, docs: Iterable[Doc], batch_size: int = 256) -> Iterator[Doc]:
        batch: list[Doc] = []
        for doc in docs:
            batch.append(doc)
            if len(batch) >= batch_size:
                yield from self._annotate(batch)
                batch = []
        if batch:
            yield from self._annotate(batch)

    def _annotate(self, docs: list[Doc]) -> list[Doc]:
        sents = [list(d.sents) if d.has_annotation("SENT_START") else [] for d in docs]
        flat = [s.text for ss in sents for s in ss]
        sent_preds = self.model.predict(flat, self.domain)
        doc_preds = self.model.predict([d.text for d in docs], REVIEW) if self.domain == REVIEW else None
        at = 0
        for i, (doc, ss) in enumerate(zip(docs, sents)):
            preds = sent_preds[at : at + len(ss)]
            at += len(ss)
            for s, p in zip(ss, preds):
                s._.sentiment = p
            if doc_preds is not None:
                doc._.sentiment = doc_preds[i]
            else:
                doc._.sentiment = self.model.tone(preds or self.model.predict([doc.text], ARTICLE))
        return docs


@Language.factory("textlens_sentiment", default_config={"model": None, "domain": REVIEW})
def make_sentiment(nlp: Language, name: str, model: str | None, domain: str) -> SentimentComponent:
    return SentimentComponent(nlp, name, model, domain)
