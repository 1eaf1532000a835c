"""What moves a score and what sets segments apart: impact/key drivers and segment comparison.

    from textlens.dynamics import drivers, compare
    table = drivers(corpus)                    # impact of each aspect/theme/topic on the mean rating
    cmp = compare(corpus, "insurer", "MAIF")   # MAIF vs the other insurers, with tests and evidence

Everything reads the store only (no model); the item dimensions are a registry
(`textlens.dynamics.dimensions`) a new analysis adds itself to.
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
