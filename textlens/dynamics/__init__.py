"""What moves, where, and why it matters: score drivers, segment comparison, weak signals, topic lineage,
press vs customers.

    from textlens.dynamics import drivers, compare
    table = drivers(corpus)                    # impact of each aspect/theme/topic on the mean rating
    cmp = compare(corpus, "insurer", "MAIF")   # MAIF vs the other insurers, with tests and evidence
    from textlens.dynamics.signals import signals, anticipation     # noise / weak / strong per period
    from textlens.dynamics.lineage import topic_lineage             # births, deaths, splits, merges
    from textlens.dynamics.divergence import divergence             # press vs customers per subject

Everything reads the store only (no analysis is rerun) and returns DataFrames or dataclasses; the item dimensions
are a registry (`textlens.dynamics.dimensions`) a new analysis adds itself to. The CLI (`textlens drivers`,
`compare`, `signals`, `topics --lineage`, `divergence`) and the report only render them.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textlens.dynamics.impact import DriverTable
    from textlens.dynamics.segments import SegmentComparison

__all__ = ["compare", "drivers"]


def drivers(*args: Any, **kwargs: Any) -> "DriverTable":
    """See `textlens.dynamics.impact.drivers`."""
    from textlens.dynamics.impact import drivers as _drivers

    return _drivers(*args, **kwargs)


def compare(*args: Any, **kwargs: Any) -> "SegmentComparison":
    """See `textlens.dynamics.segments.compare`."""
    from textlens.dynamics.segments import compare as _compare

    return _compare(*args, **kwargs)
