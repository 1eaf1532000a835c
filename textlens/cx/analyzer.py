"""The "cx" analysis: emotions (with intensity), customer effort and intents of verbatims, per review and passage.

Verbatims only: the model is trained on customer reviews, and press articles express no customer's emotion or
intent (they get no rows). Each review is scored as a whole (the labels users filter on), and each of its passages
too, so every review-level label points to the passage that carries it best (`passage_id`: the evidence shown by
`textlens emotions`/`churn` and the report). All texts of a batch go through the model in one call.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, ClassVar

from textlens.analysis.base import AnalysisInput, Analyzer, Rows

if TYPE_CHECKING:
    from textlens.cx.model import CxClassifier, CxPrediction
    from textlens.store import Corpus

log = logging.getLogger(__name__)

MODEL_ENV = "TEXTLENS_CX_MODEL"
MODEL_FILE = "cx.pkl.gz"
TABLES = ("doc_emotions", "passage_emotions", "doc_effort", "doc_intents", "passage_intents")


def default_model_path() -> str:
    """The shipped models/cx/cx.pkl.gz (textlens.resources: checkout or wheel)."""
    from textlens.resources import model_path

    return str(model_path("cx", MODEL_FILE))


def model_path(path: str | None = None) -> str:
    import os

    return path or os.environ.get(MODEL_ENV) or default_model_path()


class CxAnalyzer(Analyzer):
    """Emotions, effort and intents of verbatims. Option `model`: the path of another trained model file."""

    name: ClassVar[str] = "cx"
    version: ClassVar[str] = "1"
    tables: ClassVar[tuple[str, ...]] = TABLES

    def __init__(self, model: str | None = None):
        self.model_file = model
        self.model: CxClassifier | None = None

    @classmethod
    def unavailable_reason(cls) -> str | None:
        """A missing model file makes the run skip this analysis with the reason instead of failing."""
        import os

        path = model_path()
        if not os.path.isfile(path):
            return f"no customer-experience model at {path}: train it with scripts/train_cx.py or set {MODEL_ENV}"
        return None

    def config_fingerprint(self) -> str:
        import hashlib

        from textlens.cx.churn_cues import load_churn_cues
        from textlens.cx.cues import load_cues

        try:
            with open(model_path(self.model_file), "rb") as fh:
                digest = hashlib.sha1(fh.read()).hexdigest()[:16]
        except OSError:
            digest = "missing"
        return f"{digest}:{load_cues().digest}:{load_churn_cues().digest}"  # both cue files feed the model

    def setup(self) -> None:
        if self.model is None:
            self.model = load_model(self.model_file)

    def analyze(self, batch: list[AnalysisInput], store: "Corpus | None") -> Rows:
        self.setup()
        assert self.model is not None
        rows: Rows = {t: [] for t in TABLES}
        reviews = [d for d in batch if d.kind == "verbatim" and d.is_french and d.text.strip()]
        if not reviews:
            return rows
        texts = list(dict.fromkeys([d.text for d in reviews] + [p.text for d in reviews for p in d.passages]))
        predicted = dict(zip(texts, self.model.predict(texts)))
        for d in reviews:
            _review_rows(d, predicted, rows)
        return rows


def _review_rows(d: AnalysisInput, predicted: dict[str, "CxPrediction"], rows: Rows) -> None:
    """The rows of one review: its labels, each with the passage that carries it best, and the passages' labels."""
    whole = predicted[d.text]
    passages = [(p.id, predicted[p.text]) for p in d.passages if p.id is not None]

    def evidence(proba_name: str) -> int | None:
        return max(passages, key=lambda x: x[1].proba[proba_name])[0] if passages else None

    for label, intensity, score in whole.emotions:
        rows["doc_emotions"].append({"doc_id": d.doc_id, "label": label, "intensity": intensity,
                                     "score": round(score, 4), "passage_id": evidence(f"emotion.{label}")})
    for label, score in whole.intents:
        rows["doc_intents"].append({"doc_id": d.doc_id, "label": label, "score": round(score, 4),
                                    "passage_id": evidence(f"intent.{label}")})
    rows["doc_effort"].append({"doc_id": d.doc_id, "level": whole.effort_level, "score": round(whole.effort_score, 4),
                               "passage_id": None if whole.effort_level == "neutral"
                               else evidence(f"effort.{whole.effort_level}")})
    for pid, pred in passages:
        for label, intensity, score in pred.emotions:
            rows["passage_emotions"].append({"passage_id": pid, "doc_id": d.doc_id, "label": label,
                                             "intensity": intensity, "score": round(score, 4)})
        for label, score in pred.intents:
            rows["passage_intents"].append({"passage_id": pid, "doc_id": d.doc_id, "label": label,
                                            "score": round(score, 4)})


def save_model(model: "CxClassifier", path: str, meta: dict[str, Any]) -> None:
    """Write the artifact as a gzipped pickle: the estimator (numpy arrays only) and its model-card facts."""
    import gzip
    import pickle
    from pathlib import Path

    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wb", compresslevel=9) as fh:
        pickle.dump({"estimator": model, "meta": meta}, fh, protocol=5)


def load_model(path: str | None = None) -> "CxClassifier":
    """The trained model of `path`, $TEXTLENS_CX_MODEL or models/cx/; a clear error when unusable."""
    import gzip
    import pickle
    import warnings

    from textlens.sentiment.predict import ModelError

    where = model_path(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a newer scikit-learn warns on unpickling; the check below decides
            with gzip.open(where, "rb") as fh:
                data = pickle.load(fh)
        model = data["estimator"]
        model.meta_ = data.get("meta", {})
        model.predict(["test"])
    except FileNotFoundError as exc:
        raise ModelError(f"customer-experience model not found at {where} (train it with scripts/train_cx.py "
                         f"or point {MODEL_ENV} to a model file)") from exc
    except Exception as exc:  # corrupted file, incompatible library versions...
        raise ModelError(f"cannot use customer-experience model {where}: {type(exc).__name__}: {exc}") from exc
    return model
