"""The two special functions the drivers and segment tests need, in numpy and the standard library.

`scipy.special` costs about 0.1 s to import (its array-API layer), a twentieth of the 2-second goal of
`textlens compare` and `textlens drivers`; these two functions are all they used of it. Tests compare them
with `scipy.special.stdtr` and `gammaln`.
"""
from __future__ import annotations

import functools
import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

_TINY = 1e-300
_EPS = 1e-16
_MAX_TERMS = 5000  # the continued fraction needs about sqrt(dof) terms; dof is at most the number of documents


def student_t_cdf(dof: "np.ndarray", t: "np.ndarray") -> "np.ndarray":
    """P(T <= t) for Student's t with `dof` degrees of freedom (not necessarily whole: Welch's), elementwise,
    as `scipy.special.stdtr`. NaN in, NaN out; an infinite `dof` is the normal distribution."""
    import numpy as np

    dof, t = np.broadcast_arrays(np.asarray(dof, dtype=float), np.asarray(t, dtype=float))
    out = np.full(dof.shape, np.nan)
    ok = (dof > 0) & ~np.isnan(t)
    normal = ok & np.isinf(dof)
    out[normal] = [0.5 * math.erfc(-v / math.sqrt(2)) for v in t[normal]]
    finite = ok & ~np.isinf(dof)
    d, v = dof[finite], t[finite]
    # the lower tail of |t| is I_x(dof/2, 1/2) / 2 with x = dof / (dof + t^2); 1 - x computed apart (no cancellation)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        ratio = v * v / d
        x = np.where(np.isinf(v), 0.0, 1 / (1 + ratio))
        y = np.where(np.isinf(v), 1.0, ratio / (1 + ratio))
        # log x as -log1p(t^2/dof): log(x) would carry x's rounding, multiplied by dof/2 in x^(dof/2)
        tail = 0.5 * _incomplete_beta(d / 2, np.full(d.shape, 0.5), x, y, -np.log1p(ratio), np.log(y))
    out[finite] = np.where(v <= 0, tail, 1.0 - tail)
    return out


def regularized_incomplete_beta(a: "np.ndarray", b: "np.ndarray", x: "np.ndarray") -> "np.ndarray":
    """I_x(a, b) for a, b > 0 and 0 <= x <= 1, elementwise, as `scipy.special.betainc`: the continued fraction
    of Numerical Recipes (modified Lentz), on the side of the symmetry I_x(a, b) = 1 - I_{1-x}(b, a) where it
    converges fast."""
    import numpy as np

    a, b, x = (np.array(v, dtype=float) for v in np.broadcast_arrays(a, b, x))
    with np.errstate(divide="ignore"):
        return _incomplete_beta(a, b, x, 1 - x, np.log(x), np.log1p(-x))


def _incomplete_beta(a: "np.ndarray", b: "np.ndarray", x: "np.ndarray", y: "np.ndarray", log_x: "np.ndarray",
                     log_y: "np.ndarray") -> "np.ndarray":
    """I_x(a, b) given y = 1 - x and both logarithms, each as precise as the caller can make them."""
    import numpy as np

    out = np.where(x <= 0, 0.0, 1.0)
    inner = (x > 0) & (y > 0)
    if not inner.any():
        return out
    a, b, x, y, log_x, log_y = (v[inner] for v in (a, b, x, y, log_x, log_y))
    swap = x > (a + 1) / (a + b + 2)
    a, b = np.where(swap, b, a), np.where(swap, a, b)
    x, log_x, log_y = np.where(swap, y, x), np.where(swap, log_y, log_x), np.where(swap, log_x, log_y)
    with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        front = np.exp(a * log_x + b * log_y - _log_beta(a, b)) / a
        value = front * _beta_fraction(a, b, x)
    out[inner] = np.where(swap, 1.0 - value, value)
    return out


def _log_beta(a: "np.ndarray", b: "np.ndarray") -> "np.ndarray":
    """log B(a, b). With one argument large, lgamma(big) - lgamma(big + small) would lose digits to
    cancellation (lgamma(5e5) is 6e6): that difference comes from Stirling's series written as small terms."""
    import numpy as np

    out = np.empty(len(a))
    for i, (p, q) in enumerate(zip(a.tolist(), b.tolist())):
        small, big = min(p, q), max(p, q)
        if big < 20:
            out[i] = math.lgamma(p) + math.lgamma(q) - math.lgamma(p + q)
        else:  # lgamma(big + small) - lgamma(big)
            rise = ((big - 0.5) * math.log1p(small / big) + small * math.log(big + small) - small
                    + _stirling_correction(big + small) - _stirling_correction(big))
            out[i] = math.lgamma(small) - rise
    return out


def _stirling_correction(z: float) -> float:
    """lgamma(z) - ((z - 1/2) log z - z + log(2 pi) / 2), for z >= 20 (error under 1e-15)."""
    inv = 1 / z
    inv2 = inv * inv
    return inv * (1 / 12 - inv2 * (1 / 360 - inv2 * (1 / 1260 - inv2 / 1680)))


def _beta_fraction(a: "np.ndarray", b: "np.ndarray", x: "np.ndarray") -> "np.ndarray":
    import numpy as np

    def floor(v: "np.ndarray") -> "np.ndarray":
        return np.where(np.abs(v) < _TINY, _TINY, v)

    qab, qap, qam = a + b, a + 1, a - 1
    c = np.ones_like(x)
    d = 1 / floor(1 - qab * x / qap)
    h = d.copy()
    done = np.zeros(x.shape, dtype=bool)
    for m in range(1, _MAX_TERMS + 1):
        m2 = 2 * m
        for coef in (m * (b - m) * x / ((qam + m2) * (a + m2)), -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))):
            d = 1 / floor(1 + coef * d)
            c = floor(1 + coef / c)
            step = d * c
            h = np.where(done, h, h * step)
        done |= np.abs(step - 1) < _EPS
        if done.all():
            break
    return h


@functools.lru_cache(maxsize=8)  # one comparison asks for the same length again and again
def log_factorials(n: int) -> "np.ndarray":
    """log(i!) for i = 0..n (read-only), as `scipy.special.gammaln(i + 1)` gives each."""
    import numpy as np

    out = np.array([math.lgamma(i + 1) for i in range(n + 1)])
    out.flags.writeable = False
    return out
