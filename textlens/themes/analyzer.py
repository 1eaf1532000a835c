"""The "themes" analysis: editorial themes for articles/editorials, aspects for customer verbatims.

Writes `passage_themes` (every passage/theme at or above the passage threshold) and `doc_themes`
(themes whose best passage reaches the document threshold), each row tagged with its taxonomy
name so the export puts editorial themes under `themes` and verbatim aspects under `aspects`.
"""
from __future__ import annotations

import hashlib
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from textlens.analysis.base import AnalysisInput, Analyzer, Rows
from textlens.themes.scoring import doc_scores
from textlens.themes.taxonomy import Taxonomy, load_taxonomy
from textlens.vocab import PRESS_KINDS

if TYPE_CHECKING:
    from pathlib import Path

    from textlens.store import Corpus
    from textlens.themes.aspect_model import BoundAspectModel
    from textlens.themes.classifier import ThemeClassifier
    from textlens.themes.press_model import PressThemeModel
    from textlens.themes.scoring import ThemeScorer

KIND_TAXONOMY = {"article": "editorial", "editorial": "editorial", "verbatim": "aspects"}
# Encoder per kind when none is chosen: verbatims come by the hundred thousand, and the static fast
# tier scores aspects as well as e5 on the dev gold (micro-F1 0.777 vs 0.782 held out, 0.735 vs 0.733
# demo; lexical only: 0.771 / 0.721) at a small fraction of the cost (scripts/eval_themes.py).
# Articles keep e5: the fast tier lost 0.044 theme micro-F1 there.
KIND_ENCODER = {"verbatim": "fast"}


class ThemeAnalyzer(Analyzer):
    """Taxonomy themes per passage and per document.

    Options: `taxonomy` (a user TOML file replacing the default of the kinds listed in its
    `meta.kinds`, all kinds when absent), `editorial` / `aspects` (replace one default),
    `encoder` (embedding model name for every kind, "none" for lexical only), `encoders` (kind ->
    encoder name, over `encoder`; default: `KIND_ENCODER`, the textlens default for other kinds).
    Verbatims get aspects only: editorial themes on customer comments were mostly false positives
    (a customer's "site" or "prix" is not the outsourcing market).
    """

    name: ClassVar[str] = "themes"
    version: ClassVar[str] = "1"
    tables: ClassVar[tuple[str, ...]] = ("doc_themes", "passage_themes")
    side_tables: ClassVar[tuple[str, ...]] = ("embeddings",)  # passage vectors go to the embedding cache

    def __init__(self, taxonomy: str | None = None, editorial: str = "editorial", aspects: str = "aspects",
                 encoder: str | None = None, classifier: str | None = None,
                 classifier_kinds: tuple[str, ...] | None = None, encoders: dict[str, str] | None = None,
                 press_model: str | None = None, aspect_model: str | None = None):
        # options only: the taxonomy, classifier and press model files are read on first use (`by_kind`,
        # `classifier`, `press_model_path`), so building an analyzer costs nothing
        self.taxonomy = taxonomy
        self.editorial = editorial
        self.aspects = aspects
        self.encoder_name = encoder
        self.encoders = {**(KIND_ENCODER if encoder is None else {}), **(encoders or {})}
        self._scorers: dict[tuple[str, str], ThemeScorer] = {}
        self.classifier_path = classifier
        self.press_model_option = press_model
        self.press_model: "PressThemeModel | None" = None
        self.aspect_model_option = aspect_model
        self._aspect_models: dict[str, BoundAspectModel | None] = {}
        if classifier:
            from textlens.document import KINDS

            self.classifier_kinds: tuple[str, ...] = tuple(classifier_kinds or KINDS)
        else:
            self.classifier_kinds = ()

    @cached_property
    def by_kind(self) -> dict[str, Taxonomy]:
        """The taxonomy of each document kind: the defaults, replaced by the user's for the kinds it lists."""
        by_kind: dict[str, Taxonomy] = {}
        defaults = {"editorial": load_taxonomy(self.editorial), "aspects": load_taxonomy(self.aspects)}
        for kind, tax in KIND_TAXONOMY.items():
            by_kind[kind] = defaults[tax]
        if self.taxonomy:
            user = load_taxonomy(self.taxonomy)
            for kind in user_kinds(user):
                by_kind[kind] = user
        return by_kind

    @cached_property
    def classifier(self) -> "ThemeClassifier | None":
        """The user's trained classifier (`classifier` option), loaded on first use."""
        if not self.classifier_path:
            return None
        from textlens.themes.classifier import ThemeClassifier

        return ThemeClassifier.load(self.classifier_path)

    @cached_property
    def press_model_path(self) -> "Path | None":
        return resolve_press_model(self.press_model_option)

    @cached_property
    def aspect_model_path(self) -> "Path | None":
        from textlens.themes.aspect_files import resolve_aspect_model

        return resolve_aspect_model(self.aspect_model_option)

    @property
    def taxonomies(self) -> list[Taxonomy]:
        return list({t.sha1 + t.name: t for t in self.by_kind.values()}.values())

    def encoder_for(self, kind: str) -> str:
        """Canonical encoder name used for `kind` ("none": lexical only). No model is loaded here."""
        name = self.encoders.get(kind, self.encoder_name)
        if name == "none":
            return "none"
        from textlens.embeddings import resolve

        return resolve(name)

    def config_fingerprint(self) -> str:
        parts = [f"{k}={t.name}:{t.sha1}" for k, t in sorted(self.by_kind.items())]
        # model versions, not just names: a new e5 export or static vocabulary must recompute themes
        encoders = {k: encoder_model_id(self.encoder_for(k)) for k in sorted(self.by_kind)}
        if len(set(encoders.values())) == 1:  # one encoder for all: the key of earlier versions
            parts.append(f"encoder={next(iter(encoders.values()))}")
        else:
            parts.append("encoders=" + ",".join(f"{k}:{e}" for k, e in encoders.items()))
        if self.classifier_path:
            digest = hashlib.sha1(open(self.classifier_path, "rb").read()).hexdigest()
            parts.append(f"classifier={digest}:{','.join(self.classifier_kinds)}")
        if self.press_model_path is not None:
            parts.append(f"press_model={hashlib.sha1(self.press_model_path.read_bytes()).hexdigest()}")
        if self.aspect_model_path is not None and "verbatim" in self.by_kind:
            parts.append(f"aspect_model={hashlib.sha1(self.aspect_model_path.read_bytes()).hexdigest()}")
        return hashlib.sha1("|".join(parts).encode()).hexdigest()[:16]

    def press_model_for(self, kind: str) -> "PressThemeModel | None":
        """The learned press model when it applies to `kind`: articles and editorials scored with a taxonomy whose
        theme list is the one it was trained on (a user's edited list falls back to the taxonomy alone)."""
        if self.press_model_path is None or kind not in PRESS_KINDS:
            return None
        if self.press_model is None:
            from textlens.themes.press_model import PressThemeModel

            self.press_model = PressThemeModel.load(self.press_model_path)
        tax = self.by_kind.get(kind)
        trained_for = self.press_model.meta_.get("taxonomy")
        if tax is None or list(tax.ids) != self.press_model.classes_ or (
                trained_for is not None and trained_for != f"{tax.name}:{tax.sha1}"):
            return None  # its features are the shipped taxonomy's: an edited or user taxonomy scores alone
        from textlens.embeddings import resolve

        if self.encoder_for(kind) != resolve(None):
            return None  # ... and the default encoder's (lexical-only or another model: the taxonomy alone)
        return self.press_model

    def aspect_model_for(self, kind: str) -> "BoundAspectModel | None":
        """The learned aspect model for verbatims scored with the encoder it was trained with, bound to the taxonomy
        in force: it decides the aspects it knows unchanged, the taxonomy decides the others (a user's own)."""
        if kind != "verbatim" or self.aspect_model_path is None:
            return None
        if kind not in self._aspect_models:
            from textlens.themes.aspect_model import bind_aspect_model

            self._aspect_models[kind] = bind_aspect_model(self.aspect_model_path, self.scorer(kind))
        return self._aspect_models[kind]

    def setup(self) -> None:
        """One scorer per (taxonomy, encoder) in use; each encoder is loaded once per process."""
        from textlens.themes.scoring import ThemeScorer

        for kind, tax in self.by_kind.items():
            if self.classifier is not None and kind in self.classifier_kinds:
                continue
            name = self.encoder_for(kind)
            key = (tax.name + tax.sha1, name)
            if key not in self._scorers:
                encoder = None
                if name != "none":
                    from textlens.embeddings import get_encoder

                    encoder = get_encoder(name)
                self._scorers[key] = ThemeScorer(tax, encoder)

    def scorer(self, kind: str) -> "ThemeScorer":
        if not self._scorers:
            self.setup()
        kind = kind if kind in self.by_kind else "article"
        tax = self.by_kind[kind]
        return self._scorers[(tax.name + tax.sha1, self.encoder_for(kind))]

    def analyze(self, batch: list[AnalysisInput], store: "Corpus | None") -> Rows:
        doc_rows: list[dict[str, Any]] = []
        passage_rows: list[dict[str, Any]] = []
        groups: dict[str, list[AnalysisInput]] = {}
        for doc in batch:
            if doc.is_french and doc.passages:
                groups.setdefault(doc.kind, []).append(doc)
        for kind, docs in groups.items():
            if self.classifier is not None and kind in self.classifier_kinds:
                self._classify(docs, doc_rows, passage_rows)
                continue
            scorer = self.scorer(kind)
            tax = scorer.taxonomy
            model = self.press_model_for(kind)
            if model is not None:
                from textlens.themes.press_model import doc_features
            texts = [p.text for d in docs for p in d.passages]
            parts = scorer.parts(texts, store)  # one embedding call for the whole batch
            scores = parts["score"]
            sc = tax.scoring
            aspects = self.aspect_model_for(kind)
            if aspects is not None:  # learned aspects: probabilities where it decides, NaN for the taxonomy's own
                learned = aspects.proba([d.text for d in docs], [len(d.passages) for d in docs], parts, texts, store)
            at = 0
            for n_doc, d in enumerate(docs):
                ps = scores[at : at + len(d.passages)]
                doc = doc_scores(ps, sc.doc_support)
                chosen = np.flatnonzero(doc >= sc.doc_threshold)
                if model is not None:  # learned decision over the same parts; passages only for its themes
                    own = {k: (v[at : at + len(d.passages)] if v is not None else None) for k, v in parts.items()}
                    proba = model.predict_proba(doc_features(own, sc.doc_support)[None, :], [d.text])[0]
                    chosen = np.flatnonzero(proba >= model.thresholds_)
                    doc = decision_scores(proba, model.thresholds_)
                if aspects is not None:
                    doc, chosen, dropped = aspects.decide(doc, learned[n_doc], decision_scores)
                at += len(d.passages)
                keep = ps >= sc.threshold
                if model is not None:
                    keep[:, np.setdiff1d(np.arange(len(tax)), chosen)] = False
                if aspects is not None:  # passages only for the learned aspects the review keeps
                    keep[:, dropped] = False
                for j in chosen:
                    doc_rows.append({"doc_id": d.doc_id, "theme_id": tax.ids[j], "taxonomy": tax.name,
                                     "score": round(float(doc[j]), 4)})
                    keep[int(np.argmax(ps[:, j])), j] = True  # a document theme always shows its best passage
                for i, j in zip(*np.nonzero(keep)):
                    passage_rows.append({"passage_id": d.passages[i].id, "doc_id": d.doc_id, "theme_id": tax.ids[j],
                                         "taxonomy": tax.name, "score": round(float(ps[i, j]), 4)})
        return {"doc_themes": doc_rows, "passage_themes": passage_rows}

    def _classify(self, docs: list[AnalysisInput], doc_rows: list[dict[str, Any]],
                  passage_rows: list[dict[str, Any]]) -> None:
        """Themes from the user's trained classifier: whole text for the document, each passage for passages."""
        clf = self.classifier
        assert clf is not None
        doc_p = clf.predict_proba([d.text for d in docs])
        pas_p = clf.predict_proba([p.text for d in docs for p in d.passages])
        at = 0
        for d, drow in zip(docs, doc_p):
            if d.passages:  # one sentence of substance suffices, as with taxonomies
                drow = np.maximum(drow, pas_p[at : at + len(d.passages)].max(axis=0))
            for j in np.flatnonzero(drow >= clf.threshold):
                doc_rows.append({"doc_id": d.doc_id, "theme_id": clf.classes_[j], "taxonomy": clf.name,
                                 "score": round(float(drow[j]), 4)})
            for p, prow in zip(d.passages, pas_p[at : at + len(d.passages)]):
                for j in np.flatnonzero(prow >= clf.threshold):
                    passage_rows.append({"passage_id": p.id, "doc_id": d.doc_id, "theme_id": clf.classes_[j],
                                         "taxonomy": clf.name, "score": round(float(prow[j]), 4)})
            at += len(d.passages)




def decision_scores(proba: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Probabilities put on the taxonomy's scale, where a kept theme scores from 0.5 (at its threshold) to 1:
    document scores mean the same whichever decided, and their order within a theme is kept."""
    above = 0.5 + 0.5 * (proba - thresholds) / np.maximum(1 - thresholds, 1e-9)
    below = 0.5 * proba / np.maximum(thresholds, 1e-9)
    return np.clip(np.where(proba >= thresholds, above, below), 0.0, 1.0)
PRESS_MODEL_ENV = "TEXTLENS_PRESS_THEMES"


def resolve_press_model(option: str | None) -> "Path | None":
    """The learned press theme model file in force: the option, else $TEXTLENS_PRESS_THEMES, else the shipped
    one; "off" (either way) keeps the taxonomy alone."""
    from textlens.resources import model_in_force
    from textlens.themes.press_files import shipped_model_path

    return model_in_force(option, PRESS_MODEL_ENV, shipped_model_path(), "press theme model")


def user_kinds(tax: Taxonomy) -> list[str]:
    """Kinds a user taxonomy applies to: `kinds` in its [meta] table, else all."""
    from textlens.document import KINDS

    return list(tax.kinds or KINDS)


def encoder_model_id(name: str) -> str:
    """The `model_id` (cache key, versioned) that encoder `name` will have, without loading a model.

    Mirrors the ids set by textlens.embeddings (checked against the built encoders in tests/test_themes.py);
    a sentence-transformers name or folder keeps its name."""
    import re

    if name == "none":
        return name
    try:  # the embeddings package's own answer, where it has one
        from textlens.embeddings import model_id
    except ImportError:
        model_id = None
    if model_id is not None:
        return model_id(name)
    if name == "fast":
        from textlens.embeddings.static import VERSION

        return f"e5-static-v{VERSION}"
    if name == "native":
        return "e5-small-q4-native"
    m = re.match(r"^e5-small-(int8|int8tok|f32)(?:-w(\d+))?$", name)
    if m:
        from textlens.embeddings.transformer import DEFAULT_MAX_TOKENS

        window = "" if not m.group(2) or int(m.group(2)) == DEFAULT_MAX_TOKENS else f"-w{int(m.group(2))}"
        return f"e5-small-{m.group(1)}{'-v2' if m.group(1) == 'int8' else ''}{window}"
    return name
