"""The statistics of trends: Wilson intervals for shares, Dunning's log-likelihood for specific terms, the
Mann-Kendall trend test. Plain numbers in, plain numbers out (no store, no pandas)."""
from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import NormalDist
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

Z95 = NormalDist().inv_cdf(0.975)


def wilson(k: "np.ndarray | Sequence[float] | float", n: "np.ndarray | Sequence[float] | float",
           z: float = Z95) -> tuple["np.ndarray", "np.ndarray"]:
    """Wilson score interval for k successes in n trials (NaN where n == 0).

    Preferred to the normal approximation because shares here are often 0, 1 or based on a handful
    of documents; it never leaves [0, 1].
    """
    import numpy as np

    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        denom = 1 + z * z / n
        centre = (p + z * z / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
        low, high = np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)
    low = np.where(n > 0, np.where(k <= 0, 0.0, low), np.nan)  # exact bounds, not 1e-17 rounding noise
    high = np.where(n > 0, np.where(k >= n, 1.0, high), np.nan)
    return low, high


def log_likelihood(a: float, b: float, c: float, d: float) -> float:
    """Dunning's G2 for a term seen `a` times in a part of `a+c` tokens and `b` times in the rest (`b+d`)."""
    n = a + b + c + d
    g = 0.0
    for obs, row, col in ((a, a + c, a + b), (b, b + d, a + b), (c, a + c, c + d), (d, b + d, c + d)):
        if obs > 0:
            g += obs * math.log(obs * n / (row * col))
    return 2.0 * g


def mann_kendall(values: Sequence[float]) -> dict[str, float]:
    """Mann-Kendall trend test with tie correction and Sen's slope; NaN when the series is too short.

    The same statistic as `pymannkendall.original_test` (tests check they agree), computed here with
    numpy because importing pymannkendall loads scipy.stats, which alone would double the start-up
    time of `textlens trends`.
    """
    import numpy as np

    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    n = len(x)
    if n < 3:
        return {"tau": math.nan, "p": math.nan, "slope": math.nan}
    if np.all(x == x[0]):
        return {"tau": 0.0, "p": 1.0, "slope": 0.0}
    i, j = np.triu_indices(n, k=1)
    s = float(np.sign(x[j] - x[i]).sum())
    _, ties = np.unique(x, return_counts=True)
    var = (n * (n - 1) * (2 * n + 5) - float((ties * (ties - 1) * (2 * ties + 5)).sum())) / 18.0
    z = (s - np.sign(s)) / math.sqrt(var) if s else 0.0
    return {"tau": s / (0.5 * n * (n - 1)), "p": math.erfc(abs(z) / math.sqrt(2)),
            "slope": float(np.median((x[j] - x[i]) / (j - i)))}

