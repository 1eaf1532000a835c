"""The cue groups of the churn detector (`textlens/data/cx_churn_cues.toml`): leaving words and who leaves whom.

Kept apart from the detector (`cx.churn`) so that the analysis fingerprint can read the file's digest without
importing scikit-learn (planning a run must stay light).
"""
from __future__ import annotations

import functools
import math
import re
import tomllib
from dataclasses import dataclass


CUES_FILE = "cx_churn_cues.toml"
GROUPS = ("self_leave", "blocked_leaving", "hedge", "insurer_terminates", "previous_insurer", "stay", "advice")


@dataclass(frozen=True)
class ChurnCues:
    leave_words: re.Pattern[str]
    groups: tuple[tuple[str, re.Pattern[str]], ...]
    digest: str

    def windows(self, folded: str, width: int) -> str:
        """The context of every leaving word (`width` characters each side, cut to whole words), joined."""
        parts = []
        for m in self.leave_words.finditer(folded):
            lo, hi = max(0, m.start() - width), min(len(folded), m.end() + width)
            segment = folded[lo:hi]
            if lo > 0 and " " in segment[: m.start() - lo]:
                segment = segment.split(" ", 1)[1]  # drop the cut word at the left edge
            if hi < len(folded) and " " in segment[-(hi - m.end()) or len(segment):]:
                segment = segment.rsplit(" ", 1)[0]  # and at the right edge
            parts.append(segment)
        return " | ".join(parts)

    def counts(self, folded: str) -> list[float]:
        return [math.log1p(len(rx.findall(folded))) for _, rx in self.groups]


@functools.lru_cache(maxsize=4)
def load_churn_cues(path: str | None = None) -> ChurnCues:
    """The cue groups of `path`, by default the packaged file; ValueError naming the file and group on a bad regex."""
    import hashlib

    from textlens.cx.cues import compile_words, read_cue_file

    raw, where = read_cue_file(path, CUES_FILE)
    data = tomllib.loads(raw)
    missing = [g for g in GROUPS if g not in data.get("groups", {})]
    if missing or "leave_words" not in data:
        raise ValueError(f"{where}: needs leave_words and the groups {', '.join(GROUPS)} (missing: {missing})")

    groups = tuple((g, compile_words(data["groups"][g], where, g)) for g in GROUPS)
    return ChurnCues(compile_words(data["leave_words"], where, "leave_words"), groups,
                     hashlib.sha1(raw.encode()).hexdigest()[:12])
